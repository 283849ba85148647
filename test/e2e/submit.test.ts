/**
 * `cohort submit` end to end against a fake SLURM: `sbatch` runs the script with bash at once (the
 * node is this machine) and prints a job id; `squeue` lists nothing, or fails when asked to. What
 * runs on the "node" is the real `cohort run` of the script. (A real SLURM: test/e2e/slurm.test.ts.)
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { shellQuote } from "../../src/workflow/placeholders.js";
import { COHORT, cohort, lines, readRuns, tempDir, type Result } from "../helpers.js";

/** A directory of fake SLURM commands; `FAKE_SLURM` (set by `submit`) is where they keep their state. */
function fakeSlurm(): string {
  const bin = tempDir("cohort-fake-slurm-");
  const write = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}`, { mode: 0o755 });
  write(
    "sbatch",
    `for script; do :; done
n=$(cat "$FAKE_SLURM/next" 2>/dev/null || echo 100); n=$((n + 1)); echo $n > "$FAKE_SLURM/next"
cp "$script" "$FAKE_SLURM/job-$n.sh"
[ -n "$FAKE_SLURM_HOLD" ] || /bin/bash "$script" > "$FAKE_SLURM/job-$n.out" 2>&1
echo $n
`,
  );
  write("squeue", `if [ -n "$FAKE_SQUEUE_FAIL" ]; then echo "squeue: error: Unable to contact slurm controller (connect failure)" >&2; exit 1; fi\nexit 0\n`);
  for (const name of ["sinfo", "sacct", "scontrol"]) write(name, "exit 1\n");
  return bin;
}

const BIN = fakeSlurm();

/** A project with a cohort.toml and a grid of jobs, in `dir` (made) or a new temporary directory. */
function project(toml: string, grid: string[], dir = tempDir()): string {
  fs.mkdirSync(dir, { recursive: true });
  expect(cohort(["init", ...grid], { cwd: dir }).code).toBe(0);
  fs.writeFileSync(path.join(dir, "cohort.toml"), toml);
  return dir;
}

function submit(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): Result {
  const state = path.join(dir, ".fake-slurm");
  fs.mkdirSync(state, { recursive: true });
  return cohort(["submit", ...args], { cwd: dir, env: { PATH: `${BIN}:/usr/bin:/bin`, FAKE_SLURM: state, ...env } });
}

/** The scripts `cohort submit --pretend` printed. */
function pretended(stdout: string): string[] {
  return [...stdout.matchAll(/^#!\/bin\/bash\n[^]*?(?=^# submit with: )/gm)].map((m) => m[0]);
}

function ids(dir: string): string[] {
  return lines(cohort(["find"], { cwd: dir }).stdout);
}

describe("a group's submit_options", () => {
  const TOML = `[project]
name = "opts"

[operations.count]
command = "echo x >> n.txt"
post = [{ command = "test $(wc -l < n.txt) -ge 2" }]

[groups.twice]
operations = ["count"]
submit_options = "--num-passes=2 --order 'by-job'"
`;

  it("reach the cohort run line of the group's cluster jobs, and the node runs with them", () => {
    const dir = project(TOML, ["i={1,2}"]);
    const shown = submit(dir, ["-o", "twice", "--pretend"]);
    expect(shown.code, shown.stderr).toBe(0);
    const scripts = pretended(shown.stdout);
    expect(scripts).toHaveLength(2);
    for (const s of scripts) expect(s).toMatch(/ run -o twice -j [0-9a-f]{32} --num-passes=2 --order by-job\n/);

    const r = submit(dir, ["-o", "twice"]);
    expect(r.code, r.stderr).toBe(0);
    // Two passes on the node: the operation ran twice on each job, in the submission's group.
    for (const id of ids(dir)) expect(fs.readFileSync(path.join(dir, "workspace", id, "n.txt"), "utf8")).toBe("x\nx\n");
    expect(readRuns(dir)).toHaveLength(4);
  });

  it("that a node cannot take are refused when the project is loaded: exit 2, the file and line", () => {
    const dir = project(TOML.replace("--num-passes=2 --order 'by-job'", "--num-passes=2 -o count"), ["i=1"]);
    const r = submit(dir, ["-o", "twice", "--pretend"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "cohort: error: cohort.toml:10: groups.twice.submit_options has -o, which would change what runs; the group's own command names the group and the aggregate " +
        "(a group's options are --num-passes N, --order ORDER, --keep-going and --timeout SECONDS)\n",
    );
  });
});

describe("a group's run_options", () => {
  it("are shell words: a quoted value is taken as sh would take it", () => {
    const dir = project(
      `[operations.again]
command = "echo x >> count.txt"
post = [{ isfile = "never.txt" }]
[groups.g]
operations = ["again"]
run_options = "--num-passes '2' --order \\"cyclic\\""
`,
      ["i=1"],
    );
    const r = cohort(["run", "-o", "g"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, "workspace", ids(dir)[0], "count.txt"), "utf8")).toBe("x\nx\n");
  });

  it("that would change what runs are refused when the project is loaded", () => {
    const dir = project(`[operations.a]\ncommand = "true"\n[groups.g]\noperations = ["a"]\nrun_options = "--pretend"\n`, ["i=1"]);
    const r = cohort(["run", "-o", "g"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cohort: error: cohort\.toml:5: groups\.g\.run_options has --pretend, which would run nothing \(/);
  });
});

describe("the node runs exactly what was submitted", () => {
  it("the script for s.a runs s.a only, not sXa, which the pattern s.a also matches", () => {
    const dir = project(
      `[operations."s.a"]
command = "echo s.a >> log"

[operations.sXa]
command = "echo sXa >> log"
`,
      ["i=1"],
    );
    const shown = submit(dir, ["-o", "s\\.a", "--pretend"]);
    expect(pretended(shown.stdout)[0]).toMatch(/ run -o 's\\\.a' -j [0-9a-f]{32}\n/);
    const r = submit(dir, ["-o", "s\\.a"]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, "workspace", ids(dir)[0], "log"), "utf8")).toBe("s.a\n");
    expect(readRuns(dir).map((m) => m.operation)).toEqual(["s.a"]);
  });
});

describe("submit --pretend where the scheduler cannot be reached", () => {
  const TOML = `[operations.prepare]\ncommand = "true"\npost = [{ isfile = "done" }]\n[operations.other]\ncommand = "true"\n`;

  it("says nothing when no submission of the project could be queued: the scripts are right", () => {
    const dir = project(TOML, ["i={1,2}"]);
    const r = submit(dir, ["-o", "prepare", "--pretend"], { FAKE_SQUEUE_FAIL: "1" });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(pretended(r.stdout)).toHaveLength(2);
  });

  it("says in one line how many pairs it shows that may be queued already", () => {
    const dir = project(TOML, ["i={1,2}"]);
    // One job submitted and still queued, as far as the records know.
    const held = submit(dir, ["-o", "prepare", "-n", "1"], { FAKE_SLURM_HOLD: "1" });
    expect(held.code, held.stderr).toBe(0);
    const r = submit(dir, ["-o", "prepare", "other", "--pretend"], { FAKE_SQUEUE_FAIL: "1" });
    expect(r.code).toBe(0);
    expect(pretended(r.stdout)).toHaveLength(4);
    expect(r.stderr).toBe(
      "cohort: warning: 1 of these (group, aggregate) pairs is shown though it may be queued already: squeue failed: Unable to contact slurm controller (connect failure)\n",
    );
  });
});

describe("submit and flag operations", () => {
  const TOML = `[operations.prepare]\ncommand = "true"\npost = [{ isfile = "done" }]\n[operations.train]\ncommand = "true"\nflags = { lr = 0.1 }\n`;

  // A flag operation runs on no job: a cluster job per job would run nothing there (run -j skips it).
  it("leaves them out without names, as run does", () => {
    const dir = project(TOML, ["i={1,2}"]);
    const r = submit(dir, ["--pretend"], { FAKE_SQUEUE_FAIL: "1" });
    expect(r.code, r.stderr).toBe(0);
    expect(pretended(r.stdout).map((s) => / run -o (\S+) /.exec(s)?.[1])).toEqual(["prepare", "prepare"]);
  });

  it("skips one named beside others with a warning, and refuses it alone: exit 2, one line", () => {
    const dir = project(TOML, ["i={1,2}"]);
    const both = submit(dir, ["prepare", "train", "--pretend"], { FAKE_SQUEUE_FAIL: "1" });
    expect(both.code, both.stderr).toBe(0);
    expect(both.stderr).toBe("cohort: warning: skipped train: a flag operation runs on no job, and a cluster job runs a group on jobs\n");
    expect(pretended(both.stdout)).toHaveLength(2);
    const alone = submit(dir, ["train", "--pretend"]);
    expect([alone.code, alone.stdout, alone.stderr]).toEqual([2, "", "cohort: error: cannot submit train: a flag operation runs on no job, and a cluster job runs a group on jobs (run it here: cohort run train)\n"]);
  });
});

describe("no value can add a line to a submission script", () => {
  /** Would touch a marker file if a shell ran it. */
  const evil = (n: number) => `$(touch M${n}a) \`touch M${n}b\` ; touch M${n}c & 'q' é 日`;

  /** A shell script that records its arguments, one NUL after each. */
  function recorder(dir: string): { file: string; args: () => string[] } {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "rec");
    const out = path.join(path.dirname(dir), "rec-args");
    fs.writeFileSync(file, `#!/bin/sh\nfor a; do printf '%s\\0' "$a"; done > ${shellQuote(out)}\n`, { mode: 0o755 });
    return { file, args: () => fs.readFileSync(out, "utf8").split("\0").slice(0, -1) };
  }

  function markers(dir: string): string[] {
    return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => /(^|\/)M\d/.test(f));
  }

  for (const scheduler of ["slurm", "pbs", "lsf"]) {
    it(`${scheduler}: a hostile project path, name and options are quoted, and the script runs none of them`, () => {
      const top = tempDir();
      const rec = recorder(path.join(top, `bin ${evil(1)}`));
      const dir = project(
        `[project]
name = ${JSON.stringify(`name ${evil(2)}`)}

[operations.work]
command = "true"
directives = { executable = ${JSON.stringify(rec.file)}, walltime = "1h" }

[groups.grp]
operations = ["work"]
submit_options = ${JSON.stringify(`--timeout '60' --order="cyclic"`)}
`,
        ["i=1"],
        path.join(top, `project ${evil(4)}`),
      );
      const r = submit(dir, ["-o", "grp", "--pretend", "--scheduler", scheduler, "--partition", "gpu.a100", "--account", "proj-42", "--after", "77", "--", "--comment=x"]);
      expect(r.code, r.stderr).toBe(0);
      const [script] = pretended(r.stdout);
      const file = path.join(top, "job.sh");
      fs.writeFileSync(file, script);
      const run = spawnSync("/bin/bash", [file], { cwd: top, env: { PATH: process.env.PATH }, encoding: "utf8" });
      expect(run.status, run.stderr + script).toBe(0);
      expect(markers(top)).toEqual([]);
      expect(rec.args()).toEqual([COHORT, "run", "-o", "grp", "-j", ids(dir)[0], "--timeout", "60", "--order=cyclic"]);
    });
  }

  const refused: [string, string[], RegExp, string?][] = [
    ["a partition with a line break", ["--partition", "gpu\ntouch M1"], /^cohort: error: --partition "gpu\\ntouch M1" is not a partition name \(/],
    ["an account with a semicolon", ["--account", "a;touch M1"], /^cohort: error: --account "a;touch M1" is not an account name \(/],
    ["an --after id with a space", ["--after", "1 touch M1"], /^cohort: error: --after 1 touch M1 is not a cluster job id/],
    ["an --after whose id was forgotten (it would take the next option as the id)", ["--after", "--force"], /^cohort: error: --after --force is not a cluster job id/],
    ["an --after followed by a name (it would take the name as an id and submit every operation)", ["--after", "5", "work"], /^cohort: error: --after work is not a cluster job id \(e\.g\. --after 12345; --after takes every word up to the next option, so put operation names before it\)$/m],
    ["a word for sbatch with a line break", ["--", "--comment=a\ntouch M1"], /^cohort: error: "--comment=a\\ntouch M1" \(after --\) holds a control character/],
    ["a project path with a line break", [], /^cohort: error: the project's path ".*p\\ntouch M1" cannot go into the slurm script's output path: it holds a control character/, "p\ntouch M1"],
    ["a project path with a double quote", [], /^cohort: error: the project's path ".*p\\"q" cannot go into the slurm script's output path: it holds ", which ends the quoted path/, 'p"q'],
    ["a project path with %", [], /it holds %, which the scheduler reads as a file name pattern/, "p%j"],
    ["a project path with \\r", [], /it holds a control character/, "p\rq"],
  ];
  for (const [what, args, message, dirName] of refused) {
    it(`refuses ${what}: exit 2, one line, nothing shown`, () => {
      const top = tempDir();
      const dir = project(`[operations.work]\ncommand = "true"\n`, ["i=1"], path.join(top, dirName ?? "p"));
      const r = submit(dir, ["-o", "work", "--pretend", ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stdout).toBe("");
      expect(markers(top)).toEqual([]);
    });
  }

  it("refuses a project name with a line break", () => {
    const dir = project(`[project]\nname = "n\\ntouch M1"\n[operations.work]\ncommand = "true"\n`, ["i=1"]);
    const r = submit(dir, ["-o", "work", "--pretend"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('cohort: error: the project\'s name "n\\ntouch M1" holds a control character such as a line break (give [project] name one line of printable text)\n');
  });
});

describe("an interrupted cohort submit", () => {
  /** Fake SLURM commands whose sbatch says it started, then takes 5 s to answer. */
  function slowSlurm(): string {
    const bin = tempDir("cohort-slow-slurm-");
    const write = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}`, { mode: 0o755 });
    write("sbatch", `touch "$FAKE_SLURM/started"\nsleep 5\necho 101\n`);
    write("squeue", "exit 0\n");
    for (const name of ["sinfo", "sacct", "scontrol"]) write(name, "exit 1\n");
    return bin;
  }

  /** Starts `cohort submit` in a process group of its own, as a shell starts a foreground command, and interrupts it once sbatch runs. */
  async function interrupted(target: "group" | "cohort"): Promise<{ code: number | null; stderr: string; dir: string }> {
    const dir = project(`[operations.a]\ncommand = "echo hi"\n`, ["i={1,2}"]);
    const state = path.join(dir, ".fake-slurm");
    fs.mkdirSync(state);
    const child = spawn(process.execPath, [COHORT, "submit", "-o", "a"], {
      cwd: dir,
      detached: true,
      env: { ...process.env, NO_COLOR: "1", PATH: `${slowSlurm()}:/usr/bin:/bin`, FAKE_SLURM: state },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    while (!fs.existsSync(path.join(state, "started"))) await new Promise((r) => setTimeout(r, 50));
    // Ctrl-C at a terminal signals the whole foreground group: sbatch too.
    process.kill(target === "group" ? -child.pid! : child.pid!, "SIGINT");
    return { code: await closed, stderr, dir };
  }

  it("Ctrl-C while sbatch runs (SIGINT to the whole group): exit code 130 and a line that says so, not 'sbatch refused'", async () => {
    const r = await interrupted("group");
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).not.toMatch(/refused/);
    expect(r.stderr).toMatch(/^cohort: warning: sbatch was interrupted \(SIGINT\) while submitting \S+: whether slurm took it is unknown, and nothing was recorded of it/m);
    expect(r.stderr).toMatch(/^cohort: 0 cluster jobs submitted to slurm before the interruption; nothing else was submitted$/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(lines(cohort(["runs", "-g"], { cwd: r.dir }).stdout)).toEqual([]);
  });

  it("SIGINT to cohort alone: sbatch's submission is recorded, nothing more is submitted, exit code 130", async () => {
    const r = await interrupted("cohort");
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^cohort: 1 cluster job submitted to slurm before the interruption; nothing else was submitted$/m);
    expect(r.stderr).toMatch(/^cohort: stopping: nothing more is submitted \(SIGINT again to exit at once\)$/m);
    expect(lines(cohort(["runs", "-g"], { cwd: r.dir }).stdout)).toHaveLength(2);
  });
});

describe("a --parallel bundle's members and the job's GPUs", () => {
  // Three members at once: one GPU, two GPUs, none. On the node, each must see its own.
  const TOML = `[project]
name = "gpus"

[operations.one]
command = 'echo "$CUDA_VISIBLE_DEVICES" > one.txt'
directives = { ngpu = 1 }

[operations.two]
command = 'echo "$CUDA_VISIBLE_DEVICES" > two.txt'
directives = { ngpu = 2 }

[operations.none]
command = 'echo "$CUDA_VISIBLE_DEVICES" > none.txt'

[clusters.lab]
scheduler = "slurm"

[clusters.lab.partitions.gpu]
cpus = 8
gpus = 4
memory = "64g"
max_walltime = "1:00:00"
default = true
`;
  const seen = (dir: string) => {
    const job = path.join(dir, "workspace", ids(dir)[0]);
    return Object.fromEntries(["one", "two", "none"].map((op) => [op, fs.readFileSync(path.join(job, `${op}.txt`), "utf8").trim()]));
  };

  it("each runs on GPUs of its own, from those the scheduler gave the job", () => {
    const dir = project(TOML, ["i=1"]);
    const shown = submit(dir, ["-o", "one", "two", "none", "-b", "--parallel", "--pretend"]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("#SBATCH --gpus=3\n");
    expect(shown.stdout).toMatch(/^COHORT_GPU_SHARE=0:1 .* run -o one -j \w+ &$/m);
    expect(shown.stdout).toMatch(/^COHORT_GPU_SHARE=1:2 .* run -o two -j \w+ &$/m);
    expect(shown.stdout).toMatch(/^COHORT_GPU_SHARE=3:0 .* run -o none -j \w+ &$/m);
    const r = submit(dir, ["-o", "one", "two", "none", "-b", "--parallel"], { CUDA_VISIBLE_DEVICES: "4,7,GPU-9f3c,11" });
    expect(r.code, r.stderr).toBe(0);
    expect(seen(dir)).toEqual({ one: "4", two: "7,GPU-9f3c", none: "" });
  });

  it("a job given fewer GPUs than its members ask for fails, and the member says why", () => {
    const dir = project(TOML, ["i=1"]);
    const r = submit(dir, ["-o", "one", "two", "-b", "--parallel"], { CUDA_VISIBLE_DEVICES: "0,1" });
    expect(r.code, r.stderr).toBe(0);
    const out = fs.readdirSync(path.join(dir, ".fake-slurm")).filter((f) => f.endsWith(".out")).map((f) => fs.readFileSync(path.join(dir, ".fake-slurm", f), "utf8"));
    expect(out.join("")).toMatch(/^cohort: error: this member of the bundle is to use GPUs 2 to 3 of the job's \(COHORT_GPU_SHARE=1:2\), but the job has 2 \(CUDA_VISIBLE_DEVICES=0,1\) \(the job was given fewer GPUs/m);
    expect(fs.existsSync(path.join(dir, "workspace", ids(dir)[0], "two.txt"))).toBe(false);
    expect(fs.readFileSync(path.join(dir, "workspace", ids(dir)[0], "one.txt"), "utf8")).toBe("0\n");
  });
});
