/**
 * The submission planner and tracking against a scheduler double: what is submitted, bundled, put
 * in arrays, chained, and left out because the queue holds it. The real thing is test/e2e/slurm.test.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { initProject, openProject, type Project } from "../../src/dataspace/project.js";
import { makeGroup } from "../../src/runs/groups.js";
import { journalDir, JournalWriter, nowMicros } from "../../src/runs/journal.js";
import { Ledger } from "../../src/runs/ledger.js";
import { newRunId } from "../../src/runs/run-id.js";
import { SubmitError } from "../../src/schedulers/commands.js";
import type { FinalState, PartitionInfo, QueuedJob, Scheduler } from "../../src/schedulers/scheduler.js";
import { slurmTimeLimit } from "../../src/schedulers/slurm.js";
import { submit, type PlannedJob, type SubmitOptions } from "../../src/schedulers/submit.js";
import { checkPartition, dependencyExpression } from "../../src/schedulers/submit-render.js";
import { clusterStates, listSubmissions, operationStates, pendingClusterView } from "../../src/schedulers/tracking.js";
import { resolveDirectives } from "../../src/workflow/directives.js";
import { Planner } from "../../src/workflow/planner.js";
import type { Directives } from "../../src/workflow/model.js";
import { parseProjectToml } from "../../src/workflow/toml.js";
import { Workflow } from "../../src/workflow/workflow.js";
import { cohort, tempDir } from "../helpers.js";

class FakeScheduler implements Scheduler {
  readonly name = "slurm" as const;
  next = 100;
  queued: QueuedJob[] = [];
  finals = new Map<string, FinalState>();
  scripts: string[] = [];
  queueCalls = 0;
  finalCalls = 0;
  refuse: string | undefined;
  parts: PartitionInfo[] | undefined;

  submitCommand(file: string, extra: readonly string[] = []): string[] {
    return ["sbatch", "--parsable", ...extra, file];
  }
  submit(file: string): string {
    if (this.refuse) throw new SubmitError(`sbatch refused the job: ${this.refuse}`, "nothing was recorded as submitted");
    this.scripts.push(fs.readFileSync(file, "utf8"));
    const id = String(++this.next);
    const name = /--job-name=(\S+)/.exec(this.scripts.at(-1)!)?.[1] ?? "";
    this.queued.push({ id, name, state: /--hold/.test(this.scripts.at(-1)!) ? "held" : "queued" });
    return id;
  }
  queue(): Promise<QueuedJob[]> {
    this.queueCalls++;
    return Promise.resolve(this.queued.slice());
  }
  finalStates(ids: readonly string[]): Map<string, FinalState> {
    this.finalCalls++;
    return new Map([...this.finals].filter(([id]) => ids.includes(id)));
  }
  partitions(): Promise<PartitionInfo[] | undefined> {
    return Promise.resolve(this.parts);
  }
  clusterName(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
  end(id: string, state: FinalState): void {
    this.queued = this.queued.filter((q) => q.id !== id);
    this.finals.set(id, state);
  }
}

const TOML = `[project]
name = "plan"

[operations.prepare]
command = "true"
post = [{ isfile = "init.dat" }]

[operations.simulate]
command = "true"
pre = [{ after = ["prepare"] }]
post = [{ isfile = "traj.dat" }]
directives = { np = 2, walltime = "1h" }

[operations.analyze]
command = "true"
pre = [{ after = ["simulate"] }]
post = [{ isfile = "an.dat" }]

[groups.ex]
operations = ["prepare", "simulate"]
`;

function setup(n = 3): { project: Project; workflow: Workflow } {
  const project = initProject(tempDir());
  for (let i = 0; i < n; i++) project.openJob({ i }).init();
  return { project, workflow: new Workflow([parseProjectToml(TOML)]) };
}

async function plan(p: { project: Project; workflow: Workflow }, scheduler: FakeScheduler | undefined, opts: Partial<SubmitOptions> & { names: string[] }) {
  const groups = p.workflow.select(opts.names, () => {});
  return submit(p.project, p.workflow, scheduler, "slurm", { ...opts, groups });
}

describe("submit", () => {
  it("submits one cluster job per eligible (group, aggregate) and records each as a submission group", async () => {
    const p = setup();
    const s = new FakeScheduler();
    const r = await plan(p, s, { names: ["ex"] });
    expect(r.jobs.map((j) => j.jobId)).toEqual(["101", "102", "103"]);
    const subs = listSubmissions(p.project.root);
    expect(subs.map((x) => x.jobId)).toEqual(["101", "102", "103"]);
    expect(subs.every((x) => x.pairs.length === 1 && x.pairs[0][0] === "ex")).toBe(true);
    expect(s.queueCalls).toBe(1);
    // each is one group event, written once the scheduler gave the job its id
    const events = fs
      .readFileSync(JournalWriter.of(p.project.root).file, "utf8")
      .split("\n")
      .filter((l) => l)
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.e)).toEqual(["writer", "group", "group", "group"]);
    expect(events.slice(1).map((e) => [e.kind, e.id, e.set.scheduler_job_id])).toEqual(r.jobs.map((j) => ["submission", j.groupId, j.jobId]));
  });

  it("leaves out pairs already queued, and pairs of groups sharing an operation with them; --force does not", async () => {
    const p = setup(2);
    const s = new FakeScheduler();
    await plan(p, s, { names: ["ex"] });
    expect((await plan(p, s, { names: ["ex"] })).jobs).toEqual([]);
    const shared = await plan(p, s, { names: ["prepare"] });
    expect(shared.jobs).toEqual([]);
    expect(shared.skipped).toHaveLength(2);
    expect((await plan(p, s, { names: ["ex"], force: true })).jobs).toHaveLength(2);
  });

  it("submits again once the cluster job has ended, and records its final state once", async () => {
    const p = setup(1);
    const s = new FakeScheduler();
    await plan(p, s, { names: ["ex"] });
    s.end("101", "FAILED");
    const again = await plan(p, s, { names: ["ex"] });
    expect(again.jobs.map((j) => j.jobId)).toEqual(["102"]);
    const failed = listSubmissions(p.project.root).find((x) => x.jobId === "101")!;
    expect(failed.finalState).toBe("FAILED");
    const calls = s.finalCalls;
    await clusterStates(p.project.root, s);
    expect(s.finalCalls).toBe(calls); // 101 is final now; 102 is still queued
  });

  it("-b bundles pairs; --parallel sums their resources; -n caps the pairs", async () => {
    const p = setup(4);
    const s = new FakeScheduler();
    const r = await plan(p, s, { names: ["simulate"], bundle: 2, parallel: true, force: true, num: 3 });
    // simulate is not eligible before prepare: nothing. Prepare instead.
    expect(r.jobs).toEqual([]);
    const q = await plan(p, s, { names: ["ex"], bundle: 2, parallel: true, num: 3 });
    expect(q.jobs.map((j) => j.entries.length)).toEqual([2, 1]);
    expect(s.scripts[0]).toContain("--cpus-per-task=4");
    expect(s.scripts[0]).toMatch(/ &\npids="\$pids \$!"\n.* &\npids="\$pids \$!"\n/);
  });

  it("--array makes one array job of scripts with identical resources", async () => {
    const p = setup(3);
    const s = new FakeScheduler();
    const r = await plan(p, s, { names: ["ex"], array: true });
    expect(r.jobs).toHaveLength(1);
    expect(r.jobs[0].tasks).toHaveLength(3);
    expect(s.scripts[0]).toContain("#SBATCH --array=1-3");
    expect(listSubmissions(p.project.root)[0].pairs).toHaveLength(3);
  });

  it("--chain submits downstream operations depending on the jobs they wait for", async () => {
    const p = setup(1);
    const s = new FakeScheduler();
    const r = await plan(p, s, { names: ["prepare"], chain: true });
    expect(r.jobs.map((j) => j.entries[0].group)).toEqual(["prepare", "simulate", "analyze"]);
    expect(s.scripts[1]).toContain("#SBATCH --dependency=afterok:101\n");
    expect(s.scripts[2]).toContain("#SBATCH --dependency=afterok:102\n");
  });

  it("--chain looks each aggregate up by id: the aggregate lists are asked for as often with 20 jobs as with 2", async () => {
    const calls = async (n: number) => {
      const asked = vi.spyOn(Planner.prototype, "aggregates");
      try {
        const r = await plan(setup(n), undefined, { names: ["prepare"], pretend: true, chain: true });
        expect(r.jobs).toHaveLength(3 * n);
        return asked.mock.calls.length;
      } finally {
        asked.mockRestore();
      }
    };
    expect(await calls(20)).toBe(await calls(2));
  });

  it("--chain waits on a cluster job already queued for what a downstream operation needs", async () => {
    const p = setup(1);
    const s = new FakeScheduler();
    await plan(p, s, { names: ["prepare"] });
    // Submitted again (--force): simulate waits for both prepare jobs, the queued one and the new one.
    const r = await plan(p, s, { names: ["prepare"], chain: true, force: true });
    expect(r.jobs.map((j) => j.entries[0].group)).toEqual(["prepare", "simulate", "analyze"]);
    expect(s.scripts[2]).toContain("#SBATCH --dependency=afterok:101:102\n");
  });

  it("--pretend renders without a scheduler and records nothing", async () => {
    const p = setup(2);
    const r = await plan(p, undefined, { names: ["ex"], pretend: true, chain: true });
    expect(r.jobs).toHaveLength(4);
    expect(r.jobs[2].script).toMatch(/--dependency=afterok:<plan\.[^>]+>/);
    expect(fs.existsSync(journalDir(p.project.root))).toBe(false);
  });

  it("a refused submission leaves no group and no script", async () => {
    const p = setup(1);
    const s = new FakeScheduler();
    s.refuse = "invalid partition specified: nope";
    await expect(plan(p, s, { names: ["ex"] })).rejects.toThrow(/invalid partition specified/);
    expect(listSubmissions(p.project.root)).toEqual([]);
    expect(fs.existsSync(journalDir(p.project.root))).toBe(false);
    expect(fs.readdirSync(path.join(p.project.root, ".cohort", "cluster"))).toEqual([]);
  });

  it("a directive no template reads is reported once for the whole submission", async () => {
    const project = initProject(tempDir());
    for (let i = 0; i < 3; i++) project.openJob({ i }).init();
    const workflow = new Workflow([parseProjectToml('[project]\nname = "w"\n[operations.train]\ncommand = "true"\ndirectives = { constraint = "a100", ngpu = 1 }\n')]);
    const warnings: string[] = [];
    const r = await plan({ project, workflow }, undefined, { names: ["train"], pretend: true, warn: (m) => warnings.push(m) });
    expect(r.jobs).toHaveLength(3);
    expect(warnings).toEqual(["directive constraint is set but the slurm template does not use it"]);
  });

  it("pretending, a promise onJob returns is waited for before the next job is shown", async () => {
    const p = setup(3);
    const events: string[] = [];
    const onJob = (job: PlannedJob) => {
      events.push(`shown ${job.entries[0].aggregate}`);
      return new Promise<void>((resolve) =>
        setImmediate(() => {
          events.push(`done ${job.entries[0].aggregate}`);
          resolve();
        }),
      );
    };
    const r = await plan(p, undefined, { names: ["ex"], pretend: true, onJob });
    expect(events).toEqual(r.jobs.flatMap((j) => [`shown ${j.entries[0].aggregate}`, `done ${j.entries[0].aggregate}`]));
    expect(events).toHaveLength(6);
  });

  it("--hold and --after reach the script", async () => {
    const p = setup(1);
    const s = new FakeScheduler();
    await plan(p, s, { names: ["ex"], hold: true, after: ["77", "78"] });
    expect(s.scripts[0]).toContain("#SBATCH --hold\n");
    expect(s.scripts[0]).toContain("#SBATCH --dependency=afterok:77:78\n");
  });
});

describe("tracking", () => {
  it("asks no scheduler when every submission has its final state", async () => {
    const root = tempDir();
    makeGroup(root, { kind: "submission", details: { scheduler: "slurm", scheduler_job_id: "5", scheduler_state: "COMPLETED", pairs: [["ex", "a"]] } });
    const warnings: string[] = [];
    expect(await pendingClusterView(root, (m) => warnings.push(m))).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it("gives each operation of a live job its most active state", async () => {
    const root = tempDir();
    makeGroup(root, { kind: "submission", details: { scheduler: "slurm", scheduler_job_id: "1", pairs: [["ex", "a"]] } });
    makeGroup(root, { kind: "submission", details: { scheduler: "slurm", scheduler_job_id: "2", pairs: [["analyze", "a"]] } });
    const s = new FakeScheduler();
    s.queued = [
      { id: "1", name: "x", state: "running" },
      { id: "2", name: "y", state: "held" },
    ];
    const view = await clusterStates(root, s);
    const ops = operationStates(view, (g) => ({ ex: ["prepare", "simulate"], analyze: ["analyze"] })[g]);
    expect(Object.fromEntries(ops)).toEqual({ "prepare\0a": "running", "simulate\0a": "running", "analyze\0a": "held" });
  });
});

describe("limits the scheduler tells", () => {
  const d = (o: Directives) => resolveDirectives(o, [], "test");
  const parts: PartitionInfo[] = [
    { name: "cpu", isDefault: true, maxWalltime: 3600, gpus: 0 },
    { name: "gpu", isDefault: false, maxWalltime: undefined, gpus: 4 },
  ];
  it("refuses a walltime over the partition's limit", () => {
    expect(() => checkPartition(d({ walltime: 2 }), parts, undefined)).toThrow(/walltime of 2:00:00, over the limit of partition cpu \(1:00:00\)/);
    expect(() => checkPartition(d({ walltime: 2 }), parts, "cpu", "the cluster job of sim on 1a2b")).toThrow(/^the cluster job of sim on 1a2b asks for a walltime of 2:00:00, over the limit of partition cpu/);
    expect(() => checkPartition(d({ walltime: 2 }), parts, "gpu")).not.toThrow();
  });
  it("refuses GPUs where no partition has any, or the chosen one has too few", () => {
    expect(() => checkPartition(d({ ngpu: 1 }), [parts[0]], undefined)).toThrow(/no partition of the scheduler has GPUs/);
    expect(() => checkPartition(d({ ngpu: 1 }), parts, undefined)).toThrow(/partition cpu has none/);
    expect(() => checkPartition(d({ ngpu: 8 }), parts, "gpu")).toThrow(/has 4 per node/);
    expect(() => checkPartition(d({ ngpu: 2 }), parts, "gpu")).not.toThrow();
  });
  it.each([
    ["UNLIMITED", undefined],
    ["infinite", undefined],
    ["30:00", 1800],
    ["1:00:00", 3600],
    ["2-00:00:00", 172800],
    ["1-12:30:00", 131400],
    ["45", 2700],
  ])("reads SLURM's time limit %s", (text, seconds) => {
    expect(slurmTimeLimit(text)).toBe(seconds);
  });
  it("writes dependencies as each scheduler does", () => {
    expect(dependencyExpression("slurm", ["1", "2"])).toBe("afterok:1:2");
    expect(dependencyExpression("pbs", ["1"])).toBe("afterok:1");
    expect(dependencyExpression("lsf", ["1", "2"])).toBe("done(1) && done(2)");
    expect(dependencyExpression("slurm", [])).toBeUndefined();
  });
  it("pretending, a job not submitted yet is shown by its name, which may hold + = @ : , (a project named c+h@in)", () => {
    expect(dependencyExpression("slurm", ["<c+h@in.6d21756b.prepare.a0519a2234d1>", "<-x.bundle-2.a+.0123456789ab>"])).toBe("afterok:<c+h@in.6d21756b.prepare.a0519a2234d1>:<-x.bundle-2.a+.0123456789ab>");
    expect(() => dependencyExpression("slurm", ["<a\nb>"])).toThrow(/is not a cluster job id/);
  });
});

describe("cohort submit --pretend", () => {
  it("prints every script, in submission order, when the output spans many blocks", async () => {
    // About 600 bytes a script: 300 scripts fill more than two of the blocks the output is written in.
    const dir = tempDir();
    expect(cohort(["init", "i={1..300}"], { cwd: dir }).code).toBe(0);
    fs.writeFileSync(path.join(dir, "cohort.toml"), TOML);
    const r = cohort(["submit", "-o", "ex", "--pretend", "--scheduler", "slurm"], { cwd: dir, env: { PATH: path.join(dir, "no-bin") } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(2 * 64 * 1024);
    const shown = [...r.stdout.matchAll(/^# cluster job (\S+): 1 \(group, aggregate\) pair\n#!\/bin\/bash\n#SBATCH --job-name=(\S+)\n/gm)];
    expect(shown).toHaveLength(300);
    expect(shown.every((m) => m[1] === m[2])).toBe(true);
    // Each script is followed by its own submit command, and the groups it names are all different.
    const files = [...r.stdout.matchAll(/^export COHORT_SUBMISSION_GROUP=(\S+)\n[^]*?^# submit with: sbatch --parsable \S+\/(\S+)\.sh\n\n/gm)];
    expect(files).toHaveLength(300);
    expect(files.every((m) => m[1] === m[2])).toBe(true);
    expect(new Set(files.map((m) => m[1])).size).toBe(300);
    // The order the planner gives (job names do not depend on the run).
    const planned = await plan({ project: openProject(dir), workflow: new Workflow([parseProjectToml(TOML)]) }, undefined, { names: ["ex"], pretend: true });
    expect(shown.map((m) => m[1])).toEqual(planned.jobs.map((j) => j.jobName));
  });
});

describe("listSubmissions", () => {
  it("applies the journals' group and attribute events only, not the runs' (status reads it at every call)", () => {
    const root = initProject(tempDir()).root;
    const w = JournalWriter.of(root);
    const sub = newRunId();
    for (let i = 0; i < 5; i++) {
      const id = newRunId();
      w.append({ e: "run", t: nowMicros(), id, op: "noop", config: "{}" });
      w.append({ e: "end", t: nowMicros(), id, exit: 0, len: 0 });
    }
    w.append({ e: "group", t: nowMicros(), id: sub, kind: "submission", set: { scheduler: "slurm", scheduler_job_id: "7" } });
    w.append({ e: "attr", t: nowMicros(), of: sub, set: { scheduler_state: "COMPLETED" }, author: "test" });
    // a line whose kind is not its first key (not as cohort writes it) is parsed to tell
    const other = newRunId();
    fs.appendFileSync(w.file, JSON.stringify({ id: other, kind: "submission", t: nowMicros(), e: "group", set: { scheduler: "slurm", scheduler_job_id: "8" } }) + "\n");
    const applied = vi.spyOn(Ledger.prototype, "apply");
    try {
      const subs = listSubmissions(root);
      expect(subs.map((s) => [s.jobId, s.finalState])).toEqual([
        ["7", "COMPLETED"],
        ["8", undefined],
      ]);
      expect(applied.mock.calls.map((c) => c[1].e)).toEqual(["group", "attr", "group"]);
    } finally {
      applied.mockRestore();
    }
  });
});
