import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COHORT, cohort, cohortInBackground, readRuns, tempDir } from "../helpers.js";

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
