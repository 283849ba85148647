/**
 * cohort submit against a real single-node SLURM cluster (test/slurm-setup.ts starts it). Each test
 * submits, waits until the scheduler is done, and reads the outcome through cohort itself.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cohort, COHORT, fakeSqueue, journalDirOf, lines, readJournals, ROOT, tempDir, type Result } from "../helpers.js";

const cluster = inject("slurm");
const env = cluster ? { SLURM_CONF: cluster.conf, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } : {};

interface GroupRow {
  id: string;
  name: string;
  kind: string;
  status: string;
  operation: string;
  members: string[];
}

interface RunRow {
  id: string;
  name: string;
  operation: string;
  status: string;
  started: number;
}

function project(toml: string, jobs = "T={1,2}"): string {
  const dir = tempDir("cohort-slurm-");
  fs.chmodSync(dir, 0o755);
  expect(cohort(["init", jobs], { cwd: dir }).code).toBe(0);
  fs.writeFileSync(path.join(dir, "cohort.toml"), `[project]\nname = "slurmtest"\n\n${toml}`);
  return dir;
}

function run(dir: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Result {
  return cohort(args, { cwd: dir, env: { ...env, ...extraEnv } });
}

function slurm(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: "utf8" });
  return r.stdout ?? "";
}

/** Job ids printed by `cohort submit` (first column). */
function submitted(r: Result): string[] {
  return lines(r.stdout).map((l) => l.split("\t")[0]);
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** Waits until the scheduler no longer holds these jobs. */
async function finished(ids: string[], timeoutMs?: number): Promise<void> {
  await until(`jobs ${ids.join(",")} to end`, () => (slurm("squeue", ["-h", "-j", ids.join(",")]).trim() === "" ? true : undefined), timeoutMs);
}

function groups(dir: string): GroupRow[] {
  const r = run(dir, ["runs", "-g", "-a", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as GroupRow[]).filter((g) => g.kind !== undefined);
}

function runs(dir: string): RunRow[] {
  const r = run(dir, ["runs", "-a", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as RunRow[];
}

/** Waits until every submission group has a final status. */
async function settled(dir: string, count: number): Promise<GroupRow[]> {
  return until("submission groups to settle", () => {
    const g = groups(dir).filter((x) => x.kind === "submission");
    return g.length === count && g.every((x) => ["completed", "error", "terminated"].includes(x.status)) ? g : undefined;
  });
}

const PIPELINE = `
[operations.prepare]
command = "echo prepared > init.dat"
post = [{ isfile = "init.dat" }]

[operations.simulate]
command = "sleep 1 && echo done > traj.dat"
pre = [{ after = ["prepare"] }]
post = [{ isfile = "traj.dat" }]
directives = { np = 1, walltime = "0:05:00" }

[operations.analyze]
command = "echo analyzed > an.dat"
pre = [{ after = ["simulate"] }]
post = [{ isfile = "an.dat" }]

[groups.ex]
operations = ["prepare", "simulate"]
directives = { simulate = { ngpu = 1, walltime = "0:05:00" } }
`;

describe.skipIf(!cluster)("cohort submit on SLURM", () => {
  it("runs a group per aggregate to completion; its runs join the submission group", async () => {
    const dir = project(PIPELINE);
    const r = run(dir, ["submit", "-o", "ex"]);
    expect(r.code, r.stderr).toBe(0);
    const ids = submitted(r);
    expect(ids).toHaveLength(2);
    await finished(ids);
    const g = await settled(dir, 2);
    for (const group of g) {
      expect(group.status).toBe("completed");
      expect(group.operation).toBe("prepare...simulate");
      expect(group.members).toHaveLength(2);
    }
    expect(runs(dir).map((x) => x.status)).toEqual(["completed", "completed", "completed", "completed"]);
    // Complete now: nothing more to submit.
    expect(run(dir, ["submit", "-o", "ex"]).stderr).toContain("0 cluster jobs submitted");
  });

  it("a failing operation ends error, with the scheduler's FAILED recorded", async () => {
    const dir = project(`[operations.fail]\ncommand = "echo failing && exit 3"\npost = [{ isfile = "never" }]\n`, "T=1");
    const ids = submitted(run(dir, ["submit", "-o", "fail"]));
    await finished(ids);
    const [g] = await settled(dir, 1);
    expect(g.status).toBe("error");
    expect(runs(dir)[0].status).toBe("error");
    const shown = run(dir, ["group", "show", g.name]);
    expect(shown.stdout).toMatch(/scheduler_state\s+FAILED/);
    // where the scheduler wrote what the job said
    const output = /^output\s+(\S+)$/m.exec(shown.stdout)?.[1];
    expect(output).toBe(`.cohort/cluster/${(JSON.parse(run(dir, ["group", "show", g.name, "--json"]).stdout) as { details: { job_name: string } }).details.job_name}-${ids[0]}.out`);
    expect(fs.readFileSync(path.join(dir, output!), "utf8")).toContain("failing");
  });

  it("scancel of a running job ends terminated: the group and its running run", async () => {
    const dir = project(`[operations.long]\ncommand = "sleep 300"\npost = [{ isfile = "never" }]\n`, "T=1");
    const [id] = submitted(run(dir, ["submit", "-o", "long"]));
    await until("the run to start", () => (runs(dir).some((x) => x.status === "running") ? true : undefined));
    slurm("scancel", [id]);
    await finished([id]);
    const [g] = await settled(dir, 1);
    expect(g.status).toBe("terminated");
    await until("the run to read terminated", () => (runs(dir)[0]?.status === "terminated" ? true : undefined));
  });

  it("a job that hits its time limit ends TIMEOUT: the group and its running run read terminated", async () => {
    const dir = project(`[operations.long]\ncommand = "sleep 600"\npost = [{ isfile = "never" }]\ndirectives = { walltime = "0:01:00" }\n`, "T=1");
    const [id] = submitted(run(dir, ["submit", "-o", "long"]));
    await until("the run to start", () => (runs(dir).some((x) => x.status === "running") ? true : undefined));
    await finished([id], 200_000);
    const [g] = await settled(dir, 1);
    expect(g.status).toBe("terminated");
    expect(run(dir, ["group", "show", g.name]).stdout).toMatch(/scheduler_state\s+TIMEOUT/);
    await until("the run to read terminated", () => (runs(dir)[0]?.status === "terminated" ? true : undefined));
  }, 240_000);

  it("a job cancelled before it started reads terminated; while held it is not submitted again", async () => {
    const dir = project(PIPELINE, "T=1");
    const first = run(dir, ["submit", "-o", "ex", "--hold"]);
    const [id] = submitted(first);
    expect(id).toMatch(/^\d+$/);
    const again = run(dir, ["submit", "-o", "ex"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("already queued or running and not submitted again");
    expect(submitted(again)).toEqual([]);
    // A group sharing an operation with the held one is not submitted either.
    expect(submitted(run(dir, ["submit", "-o", "prepare"]))).toEqual([]);
    const status = run(dir, ["status", "--json"]);
    expect(status.stdout).toContain("held");
    const listed = groups(dir).find((g) => g.kind === "submission")!;
    expect(listed.status).toBe("queued");
    slurm("scancel", [id]);
    await finished([id]);
    const [g] = await settled(dir, 1);
    expect(g.status).toBe("terminated");
    expect(g.members).toEqual([]);
  });

  it("--chain queues the whole pipeline at once and it runs in order", async () => {
    const dir = project(PIPELINE, "T=1");
    const r = run(dir, ["submit", "-o", "prepare", "--chain"]);
    expect(r.code, r.stderr).toBe(0);
    const ids = submitted(r);
    expect(ids).toHaveLength(3);
    const pending = slurm("squeue", ["-h", "-o", "%i %r", "-j", ids.join(",")]);
    expect(pending).toContain("Dependency");
    await finished(ids);
    await settled(dir, 3);
    const byOp = new Map(runs(dir).map((x) => [x.operation, x]));
    expect([...byOp.keys()].sort()).toEqual(["analyze", "prepare", "simulate"]);
    expect(byOp.get("prepare")!.started).toBeLessThan(byOp.get("simulate")!.started);
    expect(byOp.get("simulate")!.started).toBeLessThan(byOp.get("analyze")!.started);
    expect(runs(dir).every((x) => x.status === "completed")).toBe(true);
  });

  it("--array submits identical submissions as one job array that runs every member", async () => {
    const dir = project(PIPELINE, "T={1,2,3}");
    const r = run(dir, ["submit", "-o", "prepare", "--array"]);
    expect(r.code, r.stderr).toBe(0);
    const ids = submitted(r);
    expect(ids).toHaveLength(1);
    await finished(ids);
    const [g] = await settled(dir, 1);
    expect(g.status).toBe("completed");
    expect(g.members).toHaveLength(3);
    expect(runs(dir).filter((x) => x.operation === "prepare" && x.status === "completed")).toHaveLength(3);
  });

  it("an MPI operation runs as nranks ranks, launched with srun", async () => {
    const dir = project(`[operations.solve]\ncommand = "echo rank=$SLURM_PROCID >> ranks.txt"\npost = [{ isfile = "never" }]\ndirectives = { nranks = 2 }\n`, "T=1");
    const r = run(dir, ["submit", "-o", "solve"]);
    expect(r.code, r.stderr).toBe(0);
    await finished(submitted(r));
    await settled(dir, 1);
    const [job] = fs.readdirSync(path.join(dir, "workspace"));
    const ranks = fs.readFileSync(path.join(dir, "workspace", job, "ranks.txt"), "utf8");
    expect(lines(ranks).sort()).toEqual(["rank=0", "rank=1"]);
  });

  it("a project whose path holds spaces, quotes and $(...) runs where it is; the node runs exactly the operation submitted", async () => {
    const top = tempDir("cohort-slurm-");
    fs.chmodSync(top, 0o755);
    const dir = path.join(top, "p $(touch M1) `touch M2` ; 'q' é");
    fs.mkdirSync(dir);
    expect(cohort(["init", "T=1"], { cwd: dir }).code).toBe(0);
    // s.a is also a pattern that matches sXa: the node must run s.a alone.
    fs.writeFileSync(path.join(dir, "cohort.toml"), `[project]\nname = "slurmtest"\n\n[operations."s.a"]\ncommand = "echo s.a >> log"\n\n[operations.sXa]\ncommand = "echo sXa >> log"\n`);
    const r = run(dir, ["submit", "-o", "s\\.a"]);
    expect(r.code, r.stderr).toBe(0);
    const ids = submitted(r);
    await finished(ids);
    const [g] = await settled(dir, 1);
    expect(g.status).toBe("completed");
    const [job] = fs.readdirSync(path.join(dir, "workspace"));
    expect(fs.readFileSync(path.join(dir, "workspace", job, "log"), "utf8")).toBe("s.a\n");
    expect(fs.readdirSync(path.join(dir, ".cohort", "cluster")).filter((f) => f.endsWith(".out"))).toHaveLength(1);
    expect((fs.readdirSync(top, { recursive: true }) as string[]).filter((f) => /(^|\/)M\d$/.test(f))).toEqual([]);
  });

  it("a partition the scheduler rejects: its message, exit 2, nothing recorded as submitted", () => {
    const dir = project(PIPELINE, "T=1");
    const r = run(dir, ["submit", "-o", "prepare", "--partition", "nosuchpartition"]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^cohort: error: sbatch refused the job: .*partition/i);
    expect(groups(dir)).toEqual([]);
    expect(fs.readdirSync(path.join(dir, ".cohort", "cluster"))).toEqual([]);
  });

  it("a job refused part-way through a submission is named; the one before it stays submitted, none after it is", () => {
    // b asks for a node feature the cluster has none of (through the project's template): sbatch refuses it.
    const dir = project(`[operations.a]\ncommand = "true"\n[operations.b]\ncommand = "true"\ndirectives = { constraint = "nosuchfeature" }\n[operations.c]\ncommand = "true"\n`, "T=1");
    fs.mkdirSync(path.join(dir, "templates"));
    const feature = "{% set c = bundle[0].operations[0].directives.constraint %}{% if c %}#SBATCH --constraint={{ c | header }}\n{% endif %}";
    fs.writeFileSync(path.join(dir, "templates", "slurm.sh"), `{% extends "cohort/slurm.sh" %}\n{% block header %}\n{{ super() }}\n${feature}{% endblock %}\n`);
    const r = run(dir, ["submit"]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^cohort: error: sbatch refused the cluster job slurmtest\.\w+\.b\.\w+: (?!sbatch:).*feature.* \(the cluster job submitted before it stays queued; the one after it was not submitted\)$/im);
    const ids = submitted(r);
    expect(ids).toHaveLength(1);
    const g = groups(dir);
    expect(g.map((x) => x.operation)).toEqual(["a"]);
    slurm("scancel", ids);
    // the first of two refused: named, and nothing was submitted
    const two = project(`[operations.a]\ncommand = "true"\n`);
    const first = run(two, ["submit", "--account", "nosuchaccount"]);
    expect(first.code).toBe(2);
    expect(first.stderr).toMatch(/^cohort: error: sbatch refused the cluster job slurmtest\.\w+\.a\.\w+: .*account.* \(nothing was recorded as submitted\)\n$/i);
    expect(groups(two)).toEqual([]);
  });

  it("the members of a --parallel bundle each run on a GPU of their own", async () => {
    const dir = project(`[operations.train]\ncommand = 'echo "$CUDA_VISIBLE_DEVICES" > gpu.txt'\npost = [{ isfile = "gpu.txt" }]\ndirectives = { ngpu = 1, walltime = "0:05:00" }\n`);
    const r = run(dir, ["submit", "-o", "train", "-b", "--parallel"]);
    expect(r.code, r.stderr).toBe(0);
    const ids = submitted(r);
    expect(ids).toHaveLength(1);
    await finished(ids);
    await settled(dir, 1);
    const jobs = lines(run(dir, ["find"]).stdout);
    const seen = jobs.map((id) => fs.readFileSync(path.join(dir, "workspace", id, "gpu.txt"), "utf8").trim()).sort();
    // The job holds both GPUs of the node (SLURM's CUDA_VISIBLE_DEVICES=0,1): one each.
    expect(seen).toEqual(["0", "1"]);
  });

  it("more GPUs than any node has is refused before submitting", () => {
    const dir = project(`[operations.train]\ncommand = "true"\ndirectives = { ngpu = 8 }\n`, "T=1");
    const r = run(dir, ["submit", "-o", "train"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no partition of the scheduler \(sinfo\) can run the cluster job of train on \w+: the nearest, \w+, cannot \(the job asks for 8 GPUs, over its 2 per node\)/);
    expect(groups(dir)).toEqual([]);
  });
});

describe.skipIf(!cluster)("cohort submit on SLURM without accounting", () => {
  // A second cluster, started without slurmdbd: final states come from `scontrol show job`.
  let conf = "";
  let dir = "";
  const envNone = () => ({ SLURM_CONF: conf, PATH: `${process.env.PATH}:/usr/sbin:/sbin` });
  beforeAll(() => {
    dir = tempDir("cohort-slurm-noacct-");
    fs.chmodSync(dir, 0o755);
    const base = String(30000 + 4 * Math.floor(Math.random() * 2500));
    const r = spawnSync("bash", [path.join(ROOT, "scripts/slurm/start.sh"), dir], { env: { ...process.env, SLURM_ACCOUNTING: "none", SLURM_PORT_BASE: base, SLURM_NO_INSTALL: "1" }, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    conf = /export SLURM_CONF=(\S+)/.exec(r.stdout)![1];
  }, 120_000);
  afterAll(() => {
    spawnSync("bash", [path.join(ROOT, "scripts/slurm/stop.sh"), dir], { stdio: "ignore" });
  });

  it("a failed job's state comes from scontrol show job", async () => {
    const project1 = project(`[operations.fail]\ncommand = "exit 3"\npost = [{ isfile = "never" }]\n`, "T=1");
    const r = cohort(["submit", "-o", "fail"], { cwd: project1, env: envNone() });
    expect(r.code, r.stderr).toBe(0);
    const [id] = submitted(r);
    await until("the job to end", () => (spawnSync("squeue", ["-h", "-j", id], { env: { ...process.env, ...envNone() }, encoding: "utf8" }).stdout.trim() === "" ? true : undefined));
    expect(spawnSync("sacct", ["-n", "-j", id], { env: { ...process.env, ...envNone() }, encoding: "utf8" }).status).not.toBe(0);
    await until("the group to settle", () => {
      const g = JSON.parse(cohort(["runs", "-g", "--json"], { cwd: project1, env: envNone() }).stdout) as GroupRow[];
      return g[0]?.status === "error" ? g : undefined;
    });
    expect(cohort(["group", "show", "1"], { cwd: project1, env: envNone() }).stdout).toMatch(/scheduler_state\s+FAILED/);
  });
});

describe("cohort submit without a real scheduler", () => {
  it("--pretend prints each script and its submit command", () => {
    const dir = project(PIPELINE);
    const r = cohort(["submit", "-o", "ex", "--pretend", "--scheduler", "slurm"], { cwd: dir, env: { PATH: path.join(dir, "no-bin") } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/^#!\/bin\/bash$/gm)).toHaveLength(2);
    expect(r.stdout).toContain("#SBATCH --gpus=1");
    expect(r.stdout).toMatch(/# submit with: sbatch --parsable .*\.sh/);
    expect(fs.existsSync(journalDirOf(dir))).toBe(false); // nothing recorded
  });

  it("runs a writer of another host made in a cluster job read running (or pending) while the job is queued or running, then terminated", () => {
    const dir = project(`[operations.long]\ncommand = "sleep 60"\n`, "T=1");
    const squeue = fakeSqueue();
    fs.writeFileSync(path.join(squeue.bin, "sbatch"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    const fakeEnv = squeue.env;
    expect(cohort(["exec", "long", "--timeout", "0.1"], { cwd: dir }).code).toBe(1);
    // What a cluster node leaves while it runs: the same journal without the run's end, its writer
    // line naming that node and the job it runs in; and a second run it made and has not started.
    const [journal] = readJournals(dir);
    const run = journal.events.find((e) => e.e === "run")!;
    // (made, not started: a run event without the start cohort's own runs carry)
    const { slot: _slot, off: _off, ...made } = run;
    const waiting = { ...made, id: "01900000-0000-7000-8000-000000000001", t: Date.now() * 1000 };
    const writer = { ...journal.writer, host: "node042", pid: 4242, cluster: { scheduler: "slurm", job_id: "77" } };
    const kept = journal.events.filter((e) => e.e !== "end");
    fs.writeFileSync(journal.file, [writer, ...kept, waiting].map((e) => JSON.stringify(e) + "\n").join(""));
    const statuses = () => {
      const r = cohort(["runs", "--json"], { cwd: dir, env: fakeEnv });
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as RunRow[]).map((x) => [x.id, x.status]);
    };
    for (const state of ["77|x|PENDING|Priority", "77|x|RUNNING|None", "12|y|RUNNING|None\n77|x|COMPLETING|None"]) {
      squeue.queue(state + "\n");
      expect(statuses()).toEqual([
        [waiting.id, "pending"],
        [run.id, "running"],
      ]);
    }
    squeue.queue("12|y|RUNNING|None\n");
    expect(statuses()).toEqual([
      [waiting.id, "terminated"],
      [run.id, "terminated"],
    ]);
  });

  it("sbatch missing is one clear line", () => {
    const dir = project(PIPELINE, "T=1");
    // A PATH with a shell and nothing of a scheduler.
    const bin = path.join(tempDir(), "bin");
    fs.mkdirSync(bin);
    fs.symlinkSync("/bin/sh", path.join(bin, "sh"));
    const r = cohort(["submit", "-o", "prepare", "--scheduler", "slurm"], { cwd: dir, env: { PATH: bin } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cohort: error: sbatch is not installed or not on the PATH/);
  });

  it("Ctrl-C in the middle of a multi-job submission records what was submitted and nothing else", async () => {
    const dir = project(`[operations.prepare]\ncommand = "true"\npost = [{ isfile = "x" }]\n`, "T={1..6}");
    // A slow scheduler: each sbatch takes a second and hands out the next id.
    const bin = path.join(tempDir(), "bin");
    fs.mkdirSync(bin);
    // It notes how many submission groups the journal holds when it is called.
    const count = `cat "${dir}"/.cohort/journal/*.jsonl 2>/dev/null | grep -c '"e":"group"' >> "${bin}/calls"`;
    fs.writeFileSync(path.join(bin, "sbatch"), `#!/bin/sh\n${count}\nsleep 1\nn=$(cat "${bin}/n" 2>/dev/null || echo 100)\necho $((n+1)) > "${bin}/n"\necho $((n+1))\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "squeue"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "sinfo"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    const child = spawn(process.execPath, [COHORT, "submit", "-o", "prepare"], { cwd: dir, env: { ...process.env, PATH: `${bin}:/usr/bin:/bin`, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    await until("the first submission", () => (stdout.includes("\n") ? true : undefined), 30_000);
    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    expect(code).toBe(130);
    const printed = lines(stdout).map((l) => l.split("\t")[0]);
    expect(printed.length).toBeGreaterThanOrEqual(1);
    expect(printed.length).toBeLessThan(6);
    expect(stderr).toContain("before the interruption");
    // One group event per job the scheduler accepted, each written once sbatch had returned its id:
    // when sbatch was called for job k, the journal held the groups of the k - 1 before it.
    const [journal] = readJournals(dir);
    const recorded = journal.events.filter((e) => e.e === "group");
    expect(recorded.map((g) => [g.kind, (g.set as Record<string, unknown>).scheduler_job_id])).toEqual(printed.map((p) => ["submission", p]));
    expect(lines(fs.readFileSync(path.join(bin, "calls"), "utf8"))).toEqual(printed.map((_, k) => String(k)));
    // nothing but those groups was recorded
    expect(journal.events.filter((e) => e.e !== "group")).toEqual([]);
    const listedGroups = JSON.parse(cohort(["runs", "-g", "-a", "--json"], { cwd: dir, env: { PATH: `${bin}:/usr/bin:/bin` } }).stdout) as GroupRow[];
    expect(listedGroups.map((g) => g.kind)).toEqual(printed.map(() => "submission"));
    // the script of each is kept, and no other
    const scripts = recorded.map((g) => (g.set as Record<string, unknown>).script as string);
    for (const script of scripts) expect(fs.existsSync(path.join(dir, script))).toBe(true);
    expect(fs.readdirSync(path.dirname(path.join(dir, scripts[0]))).sort()).toEqual(scripts.map((x) => path.basename(x)).sort());
  });
});
