import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ARRAY_INDEX_VAR, builtinTemplate, exactPattern, renderScript, SCHEDULERS, type BundleEntry, type SchedulerName, type ScriptContext } from "../../src/schedulers/script.js";
import { clusterJobName, MAX_JOB_NAME } from "../../src/schedulers/job-name.js";
import { UserError } from "../../src/util/errors.js";
import { combineParallel, combineSerial, resolveDirectives, type ResolvedDirectives } from "../../src/workflow/directives.js";
import type { Directives } from "../../src/workflow/model.js";
import { tempDir } from "../helpers.js";

const GOLDEN = path.join(import.meta.dirname, "..", "golden", "scripts");
const project = { name: "demo", root: "/home/ana/campaign one" };

function d(o: Partial<ResolvedDirectives> = {}): ResolvedDirectives {
  return { np: 1, ngpu: 0, nranks: null, omp_num_threads: null, memory: null, walltime: null, executable: "node", fork: false, processor_fraction: 1, ...o } as ResolvedDirectives;
}

/** One (group, aggregate) whose operations run one after another: the group's resources are their serial combination. */
function entry(group: string, aggregate: string, ops: [string, ResolvedDirectives][], submitOptions: string[] = []): BundleEntry {
  return { group, aggregate, jobs: [aggregate], operations: ops.map(([name, directives]) => ({ name, directives })), resources: combineSerial(ops.map(([, x]) => x)), submit_options: submitOptions };
}

const A = "3fa2c0ffee00000000000000000000aa";
const B = "81bc0ffee000000000000000000000bb";

const CASES: Record<string, { bundle: BundleEntry[]; parallel?: boolean; mpi?: boolean; array?: boolean }> = {
  "one-operation": { bundle: [entry("prepare", A, [["prepare", d({ walltime: 1800 })]])] },
  // SPEC's seed: group ex, where op1 asks for 2 GPUs.
  "group-ex": { bundle: [entry("ex", A, [["prepare", d({ walltime: 1800 })], ["op1", d({ ngpu: 2, np: 4, walltime: 7200 })]])] },
  bundle: { bundle: [entry("simulate", A, [["simulate", d({ np: 2, memory: 2, walltime: 3600 })]]), entry("simulate", B, [["simulate", d({ np: 2, memory: 2, walltime: 3600 })]])] },
  "parallel-bundle": { parallel: true, bundle: [entry("simulate", A, [["simulate", d({ np: 2, memory: 2, walltime: 3600 })]]), entry("simulate", B, [["simulate", d({ np: 2, memory: 2, walltime: 3600 })]])] },
  // Members asking for GPUs at once: each is given its own of the job's (COHORT_GPU_SHARE), and one asking for none is given none.
  "parallel-gpu-bundle": {
    parallel: true,
    bundle: [entry("train", A, [["train", d({ ngpu: 1, walltime: 3600 })]]), entry("train2", A, [["train2", d({ ngpu: 2, walltime: 3600 })]]), entry("plot", B, [["plot", d({ walltime: 600 })]])],
  },
  mpi: { mpi: true, bundle: [entry("solve", A, [["solve", d({ nranks: 8, np: 8, walltime: 86400 })]])] },
  "mpi-threads": { mpi: true, bundle: [entry("solve", A, [["solve", d({ nranks: 4, omp_num_threads: 2, np: 8, walltime: 3600 })]])] },
  gpu: { bundle: [entry("train", A, [["train", d({ ngpu: 1, walltime: 600 })]])] },
  // Two submissions with identical resources as one job array: one task each.
  array: { array: true, bundle: [entry("simulate", A, [["simulate", d({ np: 2, walltime: 3600 })]]), entry("simulate", B, [["simulate", d({ np: 2, walltime: 3600 })]])] },
  "memory-walltime": { bundle: [entry("big", A, [["big", d({ memory: 0.5, walltime: 90061 })]])] },
  // A group whose name is also a pattern (-o must select it alone), with submit_options.
  "group-options": { bundle: [entry("fit.v2", A, [["fit.v2", d({ walltime: 600 })]], ["--num-passes=2", "--order", "cyclic"])] },
};

function context(scheduler: SchedulerName, c: (typeof CASES)[string]): ScriptContext {
  const resources = c.array ? c.bundle[0].resources : c.parallel ? combineParallel(c.bundle.map((e) => e.resources)) : combineSerial(c.bundle.map((e) => e.resources));
  return {
    project,
    scheduler,
    jobName: clusterJobName(project, c.bundle),
    submissionGroup: "01a2b3c4-0000-7000-8000-000000000001",
    outputDir: `${project.root}/.cohort/cluster`,
    cohort: "'/usr/bin/node' '/opt/cohort/bin/cohort'",
    parallel: c.parallel ?? false,
    mpiLauncher: c.mpi ? (scheduler === "slurm" ? "srun" : "mpirun") : "",
    bundle: c.bundle,
    resources,
    options: scheduler === "slurm" ? { partition: "batch", account: "proj42" } : {},
    array: c.array ? { first: 1, tasks: c.bundle.map((e) => [e]) } : undefined,
  };
}

describe("built-in templates (golden files; UPDATE_GOLDEN=1 rewrites them)", () => {
  for (const scheduler of SCHEDULERS) {
    for (const [name, c] of Object.entries(CASES)) {
      it(`${scheduler} × ${name}`, () => {
        const { text } = renderScript(context(scheduler, c));
        const file = path.join(GOLDEN, `${scheduler}-${name}.sh`);
        if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, text);
        expect(text).toBe(fs.readFileSync(file, "utf8"));
      });
    }
  }
});

describe("a script whose directives have all been read renders unwatched, and reads the same", () => {
  for (const scheduler of SCHEDULERS) {
    for (const [name, c] of Object.entries(CASES)) {
      it(`${scheduler} × ${name}`, () => {
        const read = new Set<string>();
        const watched = renderScript(context(scheduler, c), read).text;
        // The second time every key the first read is known read: the directives are given as they are.
        expect(renderScript(context(scheduler, c), read)).toEqual({ text: watched, unread: [] });
        expect(watched).toBe(fs.readFileSync(path.join(GOLDEN, `${scheduler}-${name}.sh`), "utf8"));
      });
    }
  }
});

describe("resources in scripts (SPEC §4)", () => {
  it("a group takes the max of np and ngpu and the sum of walltime", () => {
    const { text } = renderScript(context("slurm", CASES["group-ex"]));
    expect(text).toContain("#SBATCH --gpus=2\n");
    expect(text).toContain("#SBATCH --cpus-per-task=4\n");
    expect(text).toContain("#SBATCH --time=2:30:00\n");
  });
  it("a serial bundle sums walltime and keeps the max np; a parallel one sums np and memory", () => {
    const serial = renderScript(context("slurm", CASES.bundle)).text;
    expect(serial).toContain("--cpus-per-task=2\n");
    expect(serial).toContain("--time=2:00:00\n");
    expect(serial).toContain("--mem=2048M\n");
    const parallel = renderScript(context("slurm", CASES["parallel-bundle"])).text;
    expect(parallel).toContain("--cpus-per-task=4\n");
    expect(parallel).toContain("--time=1:00:00\n");
    expect(parallel).toContain("--mem=4096M\n");
    expect(parallel).toMatch(/ &\npids="\$pids \$!"\n.* &\npids="\$pids \$!"\n/);
  });
  it("each task of a parallel array shares out its own job's GPUs", () => {
    const task = (id: string) => [entry("train", id, [["train", d({ ngpu: 1 })]]), entry("train", id + "b", [["train", d({ ngpu: 1 })]])];
    const tasks = [task(A), task(B)];
    const c = { parallel: true, bundle: tasks.flat() };
    const { text } = renderScript({ ...context("slurm", c), resources: combineParallel(tasks[0].map((e) => e.resources)), array: { first: 1, tasks } });
    expect(text.match(/^COHORT_GPU_SHARE=\S+/gm)).toEqual(["COHORT_GPU_SHARE=0:1", "COHORT_GPU_SHARE=1:1", "COHORT_GPU_SHARE=0:1", "COHORT_GPU_SHARE=1:1"]);
    // Serial members run one at a time: each may use every GPU of the job.
    expect(renderScript(context("slurm", { bundle: tasks[0] })).text).not.toContain("COHORT_GPU_SHARE");
  });
  it("OMP_NUM_THREADS is exported and MPI ranks become tasks", () => {
    const { text } = renderScript(context("slurm", CASES["mpi-threads"]));
    expect(text).toContain("export OMP_NUM_THREADS=2\n");
    expect(text).toContain("#SBATCH --ntasks=4\n#SBATCH --cpus-per-task=2\n");
    expect(text).toContain("export COHORT_MPI_LAUNCHER=srun\n");
  });
});

describe("an array's tasks write output files of their own", () => {
  const dir = `${project.root}/.cohort/cluster`;
  it.each([
    ["slurm", `#SBATCH --output="${dir}/%x-%A_%a.out"\n`],
    ["lsf", `#BSUB -o "${dir}/%J_%I.out"\n`],
    // A directory: PBS names each subjob's file by the subjob's own id (123[1].server.OU).
    ["pbs", `#PBS -o "${dir}/"\n`],
  ] as const)("%s", (scheduler, line) => {
    expect(renderScript(context(scheduler, CASES.array)).text).toContain(line);
  });
});

describe("every built-in script is valid bash", () => {
  const parallelArray = { ...CASES.array, parallel: true };
  for (const scheduler of SCHEDULERS) {
    it(scheduler, () => {
      for (const c of [...Object.values(CASES), parallelArray]) {
        const { text } = renderScript(context(scheduler, c));
        const r = spawnSync("bash", ["-n"], { input: text, encoding: "utf8" });
        expect(r.status, r.stderr + text).toBe(0);
      }
    });
  }
});

describe("a parallel bundle's script fails when a member fails", () => {
  /**
   * Runs the script of a parallel bundle of three members whose cohort is a stub: each member sleeps,
   * leaves a file named after its aggregate, and exits with the status `codes` gives it.
   */
  function run(scheduler: SchedulerName, codes: Record<string, number>, array = false): { status: number | null; ran: string[] } {
    const dir = tempDir();
    const stub = path.join(dir, "stub");
    // `$5` is the aggregate: stub run -o GROUP -j AGGREGATE. The first member ends last.
    fs.writeFileSync(stub, `#!/bin/sh
case "$5" in a1) sleep 0.2;; esac
touch "ran-$5"
exit "$(cat "code-$5")"
`, { mode: 0o755 });
    for (const [aggregate, code] of Object.entries(codes)) fs.writeFileSync(path.join(dir, `code-${aggregate}`), String(code));
    const bundle = Object.keys(codes).map((a) => entry("simulate", a, [["simulate", d({ walltime: 60 })]]));
    const ctx = { ...context(scheduler, { bundle, parallel: true }), project: { name: "demo", root: dir }, cohort: `'${stub}'` };
    const { text } = renderScript(array ? { ...ctx, array: { first: 1, tasks: [bundle] } } : ctx);
    const env = { PATH: process.env.PATH, ...(array ? { [ARRAY_INDEX_VAR[scheduler]]: "1" } : {}) };
    const r = spawnSync("bash", ["-c", text], { cwd: dir, env, encoding: "utf8" });
    return { status: r.status, ran: fs.readdirSync(dir).filter((f) => f.startsWith("ran-")).sort() };
  }

  for (const scheduler of SCHEDULERS) {
    it(`${scheduler}: exits with the first failed member's status, once every member has run to its end`, () => {
      // The first member fails last: all the same, its status is the script's.
      expect(run(scheduler, { a1: 4, a2: 0, a3: 5 })).toEqual({ status: 4, ran: ["ran-a1", "ran-a2", "ran-a3"] });
    });
  }

  it("succeeds when every member does; an array's task is waited for the same way", () => {
    expect(run("slurm", { a1: 0, a2: 0, a3: 0 })).toEqual({ status: 0, ran: ["ran-a1", "ran-a2", "ran-a3"] });
    expect(run("slurm", { a1: 0, a2: 3, a3: 0 }, true)).toEqual({ status: 3, ran: ["ran-a1", "ran-a2", "ran-a3"] });
  });
});

describe("project templates", () => {
  it("a project's templates/slurm.sh extends the built-in and overrides a block", () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, "templates"));
    fs.writeFileSync(path.join(root, "templates", "slurm.sh"), '{% extends "cohort/slurm.sh" %}\n{% block preamble %}\nmodule load gromacs\n{{ super() }}{% endblock %}\n');
    const ctx = { ...context("slurm", CASES["one-operation"]), project: { name: "demo", root } };
    const { text } = renderScript(ctx);
    expect(text).toMatch(/#SBATCH --job-name=demo\..*\nmodule load gromacs\nset -eu\n/s);
  });
  it("a template error is one clear line", () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, "templates"));
    fs.writeFileSync(path.join(root, "templates", "pbs.sh"), "{% block header %}\n{% if %}\n");
    expect(() => renderScript({ ...context("pbs", CASES["one-operation"]), project: { name: "demo", root } })).toThrow(/the pbs template failed/);
  });
  it("a directive no template reads is reported", () => {
    const c = { bundle: [entry("train", A, [["train", d({ ngpu: 1, constraint: "a100" })]])] };
    expect(renderScript(context("slurm", c)).unread).toEqual(["constraint"]);
    const root = tempDir();
    fs.mkdirSync(path.join(root, "templates"));
    fs.writeFileSync(path.join(root, "templates", "slurm.sh"), '{% extends "cohort/slurm.sh" %}\n{% block header %}{{ super() }}#SBATCH --constraint={{ bundle[0].operations[0].directives.constraint }}\n{% endblock %}\n');
    const r = renderScript({ ...context("slurm", c), project: { name: "demo", root } });
    expect(r.text).toContain("#SBATCH --constraint=a100\n");
    expect(r.unread).toEqual([]);
  });
  it("scripts of one submission share what templates read: a key is reported until a template reads it", () => {
    const read = new Set<string>();
    const plain = { bundle: [entry("train", A, [["train", d({ ngpu: 1, walltime: 600 })]])] };
    const constrained = { bundle: [entry("train", B, [["train", d({ ngpu: 1, constraint: "a100" })]])] };
    expect(renderScript(context("slurm", plain), read).unread).toEqual([]);
    expect([...read]).toEqual(expect.arrayContaining(["ngpu", "walltime"]));
    expect(renderScript(context("slurm", constrained), read).unread).toEqual(["constraint"]);
    expect(renderScript(context("slurm", constrained), read).unread).toEqual(["constraint"]);
  });
  it("built-ins can be shown; an unknown one is an error naming them", () => {
    expect(builtinTemplate("slurm")).toContain('{% extends "cohort/base.sh" %}');
    expect(() => builtinTemplate("sge")).toThrow(expect.objectContaining({ message: "there is no built-in template sge", hint: expect.stringMatching(/built-ins are .*slurm/) }));
  });
});

describe("cluster job names", () => {
  it("are deterministic, distinct per pair, and at most 100 characters", () => {
    const a = clusterJobName(project, [{ group: "ex", aggregate: A }]);
    expect(clusterJobName(project, [{ group: "ex", aggregate: A }])).toBe(a);
    expect(clusterJobName(project, [{ group: "ex", aggregate: B }])).not.toBe(a);
    expect(clusterJobName({ ...project, root: "/elsewhere" }, [{ group: "ex", aggregate: A }])).not.toBe(a);
    const long = clusterJobName({ name: "p".repeat(300), root: "/r" }, [{ group: "g $(x)".repeat(50), aggregate: A }]);
    expect(long.length).toBeLessThanOrEqual(MAX_JOB_NAME);
    expect(long).not.toMatch(/[\s$()]/);
  });
});

describe("directives no template reads (whatever their value)", () => {
  const given = (o: Directives) => resolveDirectives(o, [], "test");
  /** A project template whose header reads none of the resources. */
  function bare(): string {
    const root = tempDir();
    fs.mkdirSync(path.join(root, "templates"));
    fs.writeFileSync(path.join(root, "templates", "slurm.sh"), '{% extends "cohort/base.sh" %}\n{% block header %}#SBATCH --job-name={{ job_name | header }}\n{% endblock %}\n');
    return root;
  }

  it("a directive the user set is reported even when it is 0 or false; null is not set", () => {
    const c = { bundle: [entry("train", A, [["train", given({ constraint: false, exclusive: 0, reservation: null, walltime: "1h" })]])] };
    expect(renderScript(context("slurm", c)).unread).toEqual(["constraint", "exclusive"]);
  });

  it("a standard directive set to 0 is reported where no template reads it; the default cohort fills in is not", () => {
    const root = bare();
    const set = { bundle: [entry("train", A, [["train", given({ ngpu: 0, nranks: null })]])] };
    expect(renderScript({ ...context("slurm", set), project: { name: "demo", root } }).unread).toEqual(["ngpu"]);
    const defaults = { bundle: [entry("train", A, [["train", given({})]])] };
    expect(renderScript({ ...context("slurm", defaults), project: { name: "demo", root } }).unread).toEqual([]);
    // The built-in reads ngpu, whatever its value.
    expect(renderScript(context("slurm", set)).unread).toEqual([]);
  });
});

describe("values in scripts are quoted or refused", () => {
  /** A project whose slurm template is `text`. */
  function withTemplate(text: string): string {
    const root = tempDir();
    fs.mkdirSync(path.join(root, "templates"));
    fs.writeFileSync(path.join(root, "templates", "slurm.sh"), text);
    return root;
  }
  const render = (root: string, over: Partial<ScriptContext> = {}) => renderScript({ ...context("slurm", CASES["one-operation"]), project: { name: "demo", root }, ...over }).text;

  it("a value a template writes without | quote is shell-quoted all the same; nothing writes nothing", () => {
    const root = withTemplate("echo {{ project.name }} {{ bundle[0].group }}{{ undefined_name }} {{ '' | quote }} {{ 4 }}\n");
    expect(render(root, { project: { name: "x $(touch M) `y`", root } })).toBe("echo 'x $(touch M) `y`' prepare '' 4\n");
  });

  /** Runs a script with bash in a fresh directory: what it printed, and whether the marker file M was made. */
  function runScript(text: string): { stdout: string; marker: boolean } {
    const dir = tempDir();
    const r = spawnSync("bash", ["-c", text], { cwd: dir, env: { PATH: process.env.PATH }, encoding: "utf8" });
    expect(r.status, r.stderr + text).toBe(0);
    return { stdout: r.stdout, marker: fs.existsSync(path.join(dir, "M")) };
  }
  const hostileName = "x $(touch M) `touch M`; touch M";

  it("a value in an unquoted place of a shell line reaches the command as one word, alone or within a word", () => {
    const root = withTemplate("printf '%s\\n' {{ project.name }} --name={{ project.name | quote }}\n");
    expect(runScript(render(root, { project: { name: hostileName, root } }))).toEqual({ stdout: `${hostileName}\n--name=${hostileName}\n`, marker: false });
  });

  it("inside double quotes or a heredoc the template opens, the quoting cannot help (docs/submission.md, Quoting)", () => {
    for (const template of ['echo "{{ project.name | quote }}"\n', "cat <<EOF\n{{ project.name }}\nEOF\n"]) {
      const root = withTemplate(template);
      expect(runScript(render(root, { project: { name: hostileName, root } })).marker, template).toBe(true);
    }
  });

  it("the project template of docs/submission.md writes a user directive through | header", () => {
    const doc = fs.readFileSync(path.join(import.meta.dirname, "..", "..", "docs", "submission.md"), "utf8");
    const template = /```jinja\n([^`]*)```/.exec(doc)![1];
    const root = withTemplate(template);
    const c = (constraint: string) => ({ ...context("slurm", { bundle: [entry("train", A, [["train", d({ constraint })]])] }), project: { name: "demo", root } });
    expect(renderScript(c("a100")).text).toContain("\n#SBATCH --constraint=a100\nmodule load gromacs/2024\nset -eu\n");
    // The scheduler would read # as a comment: refused, not shell-quoted into the line.
    expect(() => renderScript(c("a100 # x"))).toThrow("it holds #");
  });

  it("| safe writes text as it is; cohort is such text (quoted word by word)", () => {
    const root = withTemplate("{{ cohort }} {{ '$HOME' | safe }} {{ '$HOME' }}\n");
    expect(render(root)).toBe("'/usr/bin/node' '/opt/cohort/bin/cohort' $HOME '$HOME'\n");
  });

  it("a value with a control character is refused wherever it goes, as one clear line", () => {
    const root = withTemplate("echo {{ project.name }}\n");
    for (const name of ["a\nb", "a\rb", "a\u2028b", "\u0085"]) {
      const err = (() => {
        try {
          render(root, { project: { name, root } });
        } catch (e) {
          return e as UserError;
        }
      })();
      expect(err).toBeInstanceOf(UserError);
      expect(err!.message).toBe(`${JSON.stringify(name)} cannot be written into a shell line of a submission script: it holds a control character such as a line break`);
    }
    // In the scheduler's lines too, and through | quote.
    expect(() => render(tempDir(), { options: { partition: "a\nb" } })).toThrow(/"a\\nb" cannot be written into a scheduler's directive line: it holds a control character/);
    expect(() => render(withTemplate("cd {{ project.root | quote }}\n"), { project: { name: "demo", root: "/a\nb" } })).toThrow(UserError);
    expect(() => render(tempDir(), { cohort: "'/usr/bin/node'\n'/x'" })).toThrow(/cannot be written into a submission script \(the cohort command\)/);
  });

  it("| header refuses what a scheduler reads as quoting, escape or comment", () => {
    for (const [partition, char] of [['a"b', '"'], ["a\\b", "\\"], ["a#b", "#"]]) {
      expect(() => render(tempDir(), { options: { partition } })).toThrow(`it holds ${char}`);
    }
    expect(render(tempDir(), { outputDir: "/home/o'neil/x y/.cohort/cluster" })).toContain(`#SBATCH --output="/home/o'neil/x y/.cohort/cluster/%x-%j.out"\n`);
  });
});

describe("the -o pattern of a group's name matches that name only", () => {
  it.each([
    ["s.a", "s\\.a"],
    ["a+b(c)|d", "a\\+b\\(c\\)\\|d"],
    ["k=v", "k\\x3dv"],
    ["-x", "\\x2dx"],
    ["plain_name-1", "plain_name-1"],
  ])("%s → %s", (name, pattern) => {
    expect(exactPattern(name)).toBe(pattern);
  });

  it("for any two names, the pattern of one matches it and not the other, in every regex mode (property)", () => {
    const name = fc.string({ unit: fc.oneof(fc.constantFrom(..."\\^$.*+?()[]{}|/-=a"), fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(name, name, (a, b) => {
        const pattern = exactPattern(a);
        expect(pattern).not.toMatch(/^-|=/);
        for (const flags of ["", "u", "v"]) {
          const re = new RegExp(`^(?:${pattern})$`, flags);
          expect(re.test(a)).toBe(true);
          if (a !== b) expect(re.test(b)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });
});
