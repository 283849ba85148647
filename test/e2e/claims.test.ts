import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { currentAuthor } from "../../src/runs/journal.js";
import { newRunId } from "../../src/runs/run-id.js";
import { COHORT, cohort, cohortInBackground, fakeSqueue, readRuns, tempDir, waitFor } from "../helpers.js";

const cohortAsync = (args: string[], cwd: string) => cohortInBackground(args, { cwd });

const TOML = `
[operations.prep]
command = "sleep 0.02; echo {sp.i} > a.txt; echo prep >> log.txt"
post = [{ isfile = "a.txt" }]

[operations.sim]
command = "echo x > b.txt; echo sim >> log.txt"
pre = [{ after = ["prep"] }]
post = [{ isfile = "b.txt" }]
`;

const PROJECT_TS = `
import { FlowProject, post, pre } from "cohort";
import fs from "node:fs";
const project = new FlowProject();
project.operation(post.isFile("a.txt"), function prep(job) {
  const t = Date.now(); while (Date.now() - t < 20) {}
  job.writeFile("a.txt", "1");
  fs.appendFileSync(job.path + "/log.txt", "prep\\n");
});
project.operation(pre.after("prep"), post.isFile("b.txt"), function sim(job) {
  job.writeFile("b.txt", "1");
  fs.appendFileSync(job.path + "/log.txt", "sim\\n");
});
export default project;
`;

function project(kind: "shell" | "function", n: number): string {
  const dir = tempDir();
  if (kind === "shell") fs.writeFileSync(path.join(dir, "cohort.toml"), TOML);
  else fs.writeFileSync(path.join(dir, "project.ts"), PROJECT_TS);
  const r = cohort(["init", `i={1..${n}}`], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

/** How often each operation ran in each job, from the operations' own log files. */
function executions(dir: string): number[] {
  const ws = path.join(dir, "workspace");
  return fs.readdirSync(ws).flatMap((id) => {
    const log = fs.readFileSync(path.join(ws, id, "log.txt"), "utf8").trim().split("\n");
    return [log.filter((l) => l === "prep").length, log.filter((l) => l === "sim").length];
  });
}

describe("claims: runners sharing a project", () => {
  for (const kind of ["shell", "function"] as const) {
    for (const [runners, extra] of [
      [2, []],
      [4, []],
      [2, ["--parallel", "2"]],
    ] as const) {
      it(`${runners} runners ${extra.join(" ") || "serial"}, ${kind} operations: each (operation, job) runs once`, async () => {
        const dir = project(kind, 24);
        const all = Array.from({ length: runners }, () => cohortAsync(["run", "-q", ...extra], dir));
        const results = await Promise.all(all.map((r) => r.done));
        for (const r of results) expect(r.code, r.stderr).toBe(0);
        expect(executions(dir)).toEqual(Array(48).fill(1));
        const recorded = readRuns(dir);
        expect(recorded).toHaveLength(48);
        expect(new Set(recorded.map((r) => r.operation + r.jobs[0])).size).toBe(48);
        // The work was shared, not done by one runner while the others waited.
        const counts = results.map((r) => Number(/(\d+) runs?,/.exec(r.stderr)?.[1] ?? 0));
        expect(counts.reduce((a, b) => a + b)).toBe(48);
      }, 120_000);
    }
  }

  it("a runner that started first but was slow to get going does not run again what another ran meanwhile", async () => {
    // An operation without post-conditions is eligible whenever a runner starts: only the claims keep
    // two runners started together from each running it. The first runner is held before cohort's code
    // loads (as a slow workflow or file system would hold it) until the second has finished.
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.tick]\ncommand = "echo tick >> log.txt"\n`);
    expect(cohort(["init", "i={1..3}"], { cwd: dir }).code).toBe(0);
    const hold = path.join(dir, "hold.cjs");
    fs.writeFileSync(hold, `const fs = require("fs"); const t = Date.now();
fs.writeFileSync(${JSON.stringify(path.join(dir, "held"))}, "");
while (!fs.existsSync(${JSON.stringify(path.join(dir, "go"))}) && Date.now() - t < 20000) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);`);
    const slow = cohortInBackground(["run"], { cwd: dir, env: { NODE_OPTIONS: `--require ${hold}` } });
    await waitFor("the first runner to start", () => fs.existsSync(path.join(dir, "held")));
    const fast = cohort(["run"], { cwd: dir });
    expect(fast.stderr).toContain("3 runs, 3 completed");
    fs.writeFileSync(path.join(dir, "go"), "");
    const r = await slow.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("cohort: 3 skipped: another runner of this project runs them, or ran them since this one began\n");
    for (const id of fs.readdirSync(path.join(dir, "workspace"))) expect(fs.readFileSync(path.join(dir, "workspace", id, "log.txt"), "utf8")).toBe("tick\n");
    // a runner started after both ran it again, as an operation without post-conditions does
    expect(cohort(["run"], { cwd: dir }).stderr).toContain("3 runs, 3 completed");
  });

  it("a runner killed with kill -9 leaves claims that the next cohort run takes over", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.slow]\ncommand = "sleep 0.3; echo done > out.txt"\npost = [{ isfile = "out.txt" }]\n`);
    expect(cohort(["init", "i={1..6}"], { cwd: dir }).code).toBe(0);
    const first = cohortAsync(["run", "-q"], dir);
    // Let it claim and start; its claims now name work it will never do.
    const journal = path.join(dir, ".cohort", "journal");
    for (let i = 0; i < 100 && !(fs.existsSync(journal) && fs.readdirSync(journal).some((f) => f.endsWith(".jsonl") && /"claim"/.test(fs.readFileSync(path.join(journal, f), "utf8")))); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    first.child.kill("SIGKILL");
    await first.done;
    const second = cohort(["run", "-q"], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/skipped/);
    const ws = path.join(dir, "workspace");
    for (const id of fs.readdirSync(ws)) expect(fs.existsSync(path.join(ws, id, "out.txt"))).toBe(true);
    // The run the killed runner was in reads terminated, not running; it may have done its work
    // before it was killed (then nobody runs that job again), else the second runner did it.
    const statuses: string[] = JSON.parse(cohort(["runs", "-a", "--json"], { cwd: dir }).stdout).map((r: { status: string }) => r.status);
    expect(statuses.filter((s) => s !== "completed" && s !== "terminated")).toEqual([]);
    const terminated = statuses.filter((s) => s === "terminated").length;
    expect(terminated).toBeLessThanOrEqual(1);
    expect(statuses.filter((s) => s === "completed").length).toBeGreaterThanOrEqual(6 - terminated);
  }, 60_000);

  it("the claims of a cluster job that left the queue unannounced (out of memory, say) are stale", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.slow]\ncommand = "echo done > out.txt"\npost = [{ isfile = "out.txt" }]\n`);
    expect(cohort(["init", "i={1,2}"], { cwd: dir }).code).toBe(0);
    const [job, other] = fs.readdirSync(path.join(dir, "workspace"));
    // A runner on a cluster node claimed the job and was killed before it could give the claim back.
    const writer = newRunId();
    const head = { e: "writer", v: 1, id: writer, t: Date.now() * 1000, host: "node17", pid: 4242, cohort: "0", user: currentAuthor(), cluster: { scheduler: "slurm", job_id: "77" } };
    const claim = { e: "claim", t: Date.now() * 1000, items: [["slow", job]] };
    fs.mkdirSync(path.join(dir, ".cohort", "journal"), { recursive: true });
    fs.writeFileSync(path.join(dir, ".cohort", "journal", `${writer}.jsonl`), [head, claim].map((e) => JSON.stringify(e) + "\n").join(""));
    const squeue = fakeSqueue();
    const { env } = squeue;
    squeue.queue("77|x|RUNNING|None\n");
    // A runner of the other job alone (another cluster job's, say) has no need to ask the scheduler.
    expect(cohort(["run", "-q", "-j", other], { cwd: dir, env }).code).toBe(0);
    expect(cohort(["exec", "slow", other], { cwd: dir, env }).code).toBe(0);
    expect(squeue.calls()).toBe(0);
    // While the scheduler holds job 77, its claim counts: for exec too.
    const held = cohort(["run", "-q"], { cwd: dir, env });
    expect(held.code, held.stderr).toBe(0);
    expect(held.stderr).toContain("1 skipped: another runner of this project runs it");
    expect(cohort(["exec", "slow", job], { cwd: dir, env }).code).toBe(1);
    expect(squeue.calls()).toBe(2);
    // Once it has left the queue, the claim is stale.
    squeue.queue("78|y|RUNNING|None\n");
    const free = cohort(["run", "-q"], { cwd: dir, env });
    expect(free.code, free.stderr).toBe(0);
    expect(free.stderr).not.toContain("skipped");
    expect(fs.readFileSync(path.join(dir, "workspace", job, "out.txt"), "utf8")).toBe("done\n");
    // A runner that finds nothing to run asks nothing (nor reads the journals to know whether to),
    // though the dead job claimed the other job too, done since.
    fs.appendFileSync(path.join(dir, ".cohort", "journal", `${writer}.jsonl`), JSON.stringify({ e: "claim", t: Date.now() * 1000, items: [["slow", other]] }) + "\n");
    const asked = squeue.calls();
    expect(cohort(["run", "-q"], { cwd: dir, env }).code).toBe(0);
    expect(squeue.calls()).toBe(asked);
  }, 60_000);

  it("a runner killed with kill -9 that its parent has not collected (a zombie) is gone too", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.slow]\ncommand = "sleep 1; echo done > out.txt"\npost = [{ isfile = "out.txt" }]\n`);
    expect(cohort(["init", "i={1..2}"], { cwd: dir }).code).toBe(0);
    // The shell starts the runner and becomes `sleep`, which never collects it once it is killed.
    const parent = spawn("/bin/sh", ["-c", `"$0" "$1" run -q >/dev/null 2>&1 & echo $!; exec sleep 60`, process.execPath, COHORT], { cwd: dir, stdio: ["ignore", "pipe", "ignore"] });
    try {
      const runner = await new Promise<number>((resolve) => parent.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
      for (let i = 0; i < 200 && readRuns(dir).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      process.kill(runner, "SIGKILL");
      for (let i = 0; i < 200 && !fs.readFileSync(`/proc/${runner}/stat`, "utf8").includes(") Z "); i++) await new Promise((r) => setTimeout(r, 10));
      expect(fs.readFileSync(`/proc/${runner}/stat`, "utf8")).toContain(") Z ");
      // the run it was in reads terminated, not running (it is killed within the second its run takes)
      const statuses = (JSON.parse(cohort(["runs", "--json"], { cwd: dir }).stdout) as { status: string }[]).map((r) => r.status);
      expect(statuses).toContain("terminated");
      expect(statuses).not.toContain("running");
      const second = cohort(["run", "-q"], { cwd: dir });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).not.toMatch(/skipped/);
      const ws = path.join(dir, "workspace");
      for (const id of fs.readdirSync(ws)) expect(fs.existsSync(path.join(ws, id, "out.txt"))).toBe(true);
    } finally {
      parent.kill("SIGKILL");
    }
  }, 60_000);
});

describe("claims: waiting for another runner's lock", () => {
  for (const extra of [[], ["--parallel", "2"]]) {
    it(`Ctrl-C ends the wait at once (${extra.join(" ") || "serial"}), and nothing runs`, async () => {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.one]\ncommand = "echo ran > out.txt"\npost = [{ isfile = "out.txt" }]\n`);
      expect(cohort(["init", "i={1..2}"], { cwd: dir }).code).toBe(0);
      // Held by a live process of this host (this test's): not stale for 60 s, as a lock of a
      // runner on another host that died holding it.
      const lock = path.join(dir, ".cohort", "journal", "claims.lock");
      fs.mkdirSync(path.dirname(lock), { recursive: true });
      const holder = `${newRunId()} ${os.hostname()} ${process.pid}\n`;
      fs.writeFileSync(lock, holder);
      const runner = cohortAsync(["run", ...extra], dir);
      await new Promise((r) => setTimeout(r, 1500));
      const sent = Date.now();
      runner.child.kill("SIGINT");
      const r = await runner.done;
      expect(Date.now() - sent, r.stderr).toBeLessThan(5000);
      expect(r.code, r.stderr).toBe(130);
      const ws = path.join(dir, "workspace");
      expect(fs.readdirSync(ws).filter((id) => fs.existsSync(path.join(ws, id, "out.txt")))).toEqual([]);
      // the other runner's lock is its own: left as it was
      expect(fs.readFileSync(lock, "utf8")).toBe(holder);
    }, 30_000);
  }
});

describe("claims: exec and run --force never execute what another runner executes", () => {
  // The operation says it started, then waits for the test's go-ahead (10 s at most, so that a
  // command that should have been skipped and ran instead ends, and the test fails rather than hangs).
  const HELD = `[operations.hold]\ncommand = "echo ran >> log.txt; touch started; i=0; while [ ! -e go ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i+1)); done; echo x > done.txt"\npost = [{ isfile = "done.txt" }]\n`;

  function heldProject(): { dir: string; job: string } {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "cohort.toml"), HELD);
    expect(cohort(["init", "i=1"], { cwd: dir }).code).toBe(0);
    const job = fs.readdirSync(path.join(dir, "workspace"))[0];
    return { dir, job: path.join(dir, "workspace", job) };
  }
  const ran = (job: string) => fs.readFileSync(path.join(job, "log.txt"), "utf8").split("\n").filter(Boolean).length;

  it("exec skips a pair a running `cohort run` executes (exit 1), and runs it once that run ended", async () => {
    const { dir, job } = heldProject();
    const id = path.basename(job);
    const runner = cohortAsync(["run", "-q"], dir);
    await waitFor("the run to start", () => fs.existsSync(path.join(job, "started")));
    const e = cohort(["exec", "hold", id], { cwd: dir });
    expect(e.code).toBe(1);
    expect(e.stderr).toContain("cohort: 1 skipped: another runner of this project runs it\n");
    expect(e.stderr).toContain("0 runs, 0 completed, 0 failed");
    // run --force, serial and --parallel, skips it too (exit 0, as `run` does)
    for (const extra of [[], ["--parallel", "2"]]) {
      const f = cohort(["run", "hold", "i=1", "--force", ...extra], { cwd: dir });
      expect(f.code, f.stderr).toBe(0);
      expect(f.stderr).toContain("1 skipped: another runner of this project runs it\n");
    }
    expect(ran(job)).toBe(1);
    fs.writeFileSync(path.join(job, "go"), "");
    expect((await runner.done).code).toBe(0);
    // The run's end gave the pair back: exec runs it although it just ran.
    const again = cohort(["exec", "hold", id], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain("skipped");
    expect(ran(job)).toBe(2);
  }, 60_000);

  it("a `cohort run` and a second exec skip a pair an exec executes", async () => {
    const { dir, job } = heldProject();
    const first = cohortAsync(["exec", "hold", path.basename(job)], dir);
    await waitFor("the run to start", () => fs.existsSync(path.join(job, "started")));
    const second = cohort(["exec", "hold"], { cwd: dir });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain("1 skipped: another runner of this project runs it\n");
    const run = cohort(["run", "-q"], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("1 skipped: another runner of this project runs it, or ran it since this one began\n");
    expect(ran(job)).toBe(1);
    fs.writeFileSync(path.join(job, "go"), "");
    expect((await first.done).code).toBe(0);
    expect(readRuns(dir).map((r) => r.exit)).toEqual([0]);
  }, 60_000);

  it("what a --parallel runner's worker finished is free for exec while that runner goes on", async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, "project.ts"),
      `
import { FlowProject } from "cohort";
import fs from "node:fs";
const project = new FlowProject();
project.operation(function work(job) {
  fs.appendFileSync(job.path + "/log.txt", "ran\\n");
  const until = Date.now() + 10_000;
  if (job.sp.i === 1) while (!fs.existsSync(job.path + "/go") && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  job.writeFile("done.txt", "x");
});
export default project;
`,
    );
    expect(cohort(["init", "i={1,2}"], { cwd: dir }).code).toBe(0);
    const ids = fs.readdirSync(path.join(dir, "workspace"));
    const byI = (i: number) => ids.find((id) => JSON.parse(fs.readFileSync(path.join(dir, "workspace", id, "signac_statepoint.json"), "utf8")).i === i)!;
    const [one, two] = [byI(1), byI(2)];
    const runner = cohortAsync(["run", "-q", "--parallel", "2"], dir);
    // The worker that ran job 2 has recorded its end; the runner still waits for job 1.
    await waitFor("job 2's run to end", () => readRuns(dir).some((r) => r.jobs[0] === two && r.exit === 0));
    const e = cohort(["exec", "work", two], { cwd: dir });
    expect(e.code, e.stderr).toBe(0);
    expect(e.stderr).not.toContain("skipped");
    expect(cohort(["exec", "work", one], { cwd: dir }).stderr).toContain("1 skipped: another runner of this project runs it\n");
    fs.writeFileSync(path.join(dir, "workspace", one, "go"), "");
    expect((await runner.done).code).toBe(0);
    const log = (id: string) => fs.readFileSync(path.join(dir, "workspace", id, "log.txt"), "utf8");
    expect([log(one), log(two)]).toEqual(["ran\n", "ran\nran\n"]);
  }, 60_000);
});
