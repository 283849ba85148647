import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cohort, cohortInBackground, readRuns, tempDir, waitFor } from "../helpers.js";

/** Processes a test left (when it fails), killed after it. */
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
});

/** Whether a process exists and is not a zombie. */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return false;
  }
}

/** The session id of a process (field 6 of /proc/PID/stat). */
function session(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
}

function project(toml: string, projectTs?: string): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "cohort.toml"), toml);
  if (projectTs !== undefined) fs.writeFileSync(path.join(dir, "project.ts"), projectTs);
  expect(cohort(["init", "i=1"], { cwd: dir }).code).toBe(0);
  return dir;
}

/** Waits for the pid an operation wrote to `<project>/stray` and checks that it left cohort's session. */
async function strayOf(dir: string, cohortPid: number): Promise<number> {
  const file = path.join(dir, "stray");
  await waitFor("the operation to start its stray process", () => fs.existsSync(file) && fs.readFileSync(file, "utf8").endsWith("\n"));
  const pid = Number(fs.readFileSync(file, "utf8"));
  started.push(pid);
  expect(running(pid)).toBe(true);
  expect(session(pid)).toBe(pid); // a session of its own
  expect(session(pid)).not.toBe(session(cohortPid));
  return pid;
}

// A command that starts a process in a new session, which writes its pid once there, and waits for it.
const SETSID = `setsid sh -c 'echo $$ > \\"$COHORT_PROJECT/stray\\"; exec sleep 1000' & while [ ! -s \\"$COHORT_PROJECT/stray\\" ]; do sleep 0.05; done`;

describe.runIf(process.platform === "linux")("processes that left their run's process group (setsid)", () => {
  for (const parallel of [[], ["--parallel", "2"]]) {
    it(`are stopped by Ctrl-C ${parallel.join(" ") || "(serial)"}`, async () => {
      const dir = project(`[operations.daemon]\ncommand = "${SETSID}; sleep 1000"\n`);
      const run = cohortInBackground(["run", ...parallel], { cwd: dir });
      const stray = await strayOf(dir, run.pid);
      run.child.kill("SIGINT");
      const r = await run.done;
      expect(r.code, r.stderr).toBe(130);
      expect(running(stray)).toBe(false);
      expect(readRuns(dir).map((m) => m.exit)).toEqual([-15]);
    });
  }

  it("are killed by a second Ctrl-C, which exits at once, also when they ignore SIGTERM", async () => {
    const ignoring = SETSID.replace("setsid sh -c '", "setsid sh -c 'trap \\\"\\\" TERM; ");
    const dir = project(`[operations.daemon]\ncommand = "${ignoring}; sleep 1000"\n`);
    const run = cohortInBackground(["run"], { cwd: dir });
    let stderr = "";
    run.child.stderr.on("data", (d) => (stderr += d));
    const stray = await strayOf(dir, run.pid);
    run.child.kill("SIGINT");
    await waitFor("cohort to say it stops", () => stderr.includes("stopping"));
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code, r.stderr).toBe(130);
    await waitFor("the stray process to be gone", () => !running(stray), 5000);
  });

  it("are stopped when a run times out", async () => {
    const dir = project(`[operations.daemon]\ncommand = "${SETSID}; sleep 1000"\n`);
    const run = cohortInBackground(["run", "--timeout", "2"], { cwd: dir });
    const stray = await strayOf(dir, run.pid);
    const r = await run.done;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("timed out");
    expect(running(stray)).toBe(false);
  });

  it("of a function in a worker process are stopped by Ctrl-C", async () => {
    const ts = `
import { FlowProject } from "cohort";
import { spawn } from "node:child_process";
import fs from "node:fs";
const project = new FlowProject();
project.operation("daemon", {}, async () => {
  // detached: a new session
  const child = spawn("sleep", ["1000"], { detached: true, stdio: "ignore" });
  fs.writeFileSync(process.env.COHORT_PROJECT + "/stray", child.pid + "\\n");
  await new Promise((r) => setTimeout(r, 1000_000));
});
export default project;
`;
    const dir = project("", ts);
    const run = cohortInBackground(["run", "--parallel", "2"], { cwd: dir });
    const stray = await strayOf(dir, run.pid);
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code, r.stderr).toBe(130);
    expect(running(stray)).toBe(false);
  });

  it("outlive a run that ends by itself (that is how a process outlives its run)", async () => {
    const dir = project(`[operations.daemon]\ncommand = "${SETSID}"\n`);
    const r = cohort(["run"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const stray = Number(fs.readFileSync(path.join(dir, "stray"), "utf8"));
    started.push(stray);
    expect(running(stray)).toBe(true);
  });
});

describe.runIf(process.platform === "linux")("processes of a runner killed with kill -9", () => {
  /** Waits for the pid a process of the run wrote to `<project>/<name>`. */
  async function pidIn(dir: string, name: string): Promise<number> {
    const file = path.join(dir, name);
    await waitFor(`the run to write ${name}`, () => fs.existsSync(file) && fs.readFileSync(file, "utf8").endsWith("\n"));
    const pid = Number(fs.readFileSync(file, "utf8"));
    started.push(pid);
    expect(running(pid)).toBe(true);
    return pid;
  }

  const FORKED = `
import { FlowProject, directives } from "cohort";
import fs from "node:fs";
const project = new FlowProject();
project.operation("forked", { directives: { fork: true } }, async () => {
  fs.writeFileSync(process.env.COHORT_PROJECT + "/forked", process.pid + "\\n");
  await new Promise((r) => setTimeout(r, 1000_000));
});
export default project;
`;

  for (const parallel of [[], ["--parallel", "2"]]) {
    it(`end with it: a function of its own process (fork) ${parallel.join(" ") || "(serial)"}`, async () => {
      const dir = project("", FORKED);
      const run = cohortInBackground(["run", ...parallel], { cwd: dir });
      const forked = await pidIn(dir, "forked");
      run.child.kill("SIGKILL");
      await run.done;
      await waitFor("the forked function's process to be gone", () => !running(forked), 5000);
    });
  }

  it("end with it: a shell hook", async () => {
    const dir = project(`[operations.hooked]\ncommand = "true"\non_start = "echo $$ > \\"$COHORT_PROJECT/hook\\"; exec sleep 1000"\n`);
    const run = cohortInBackground(["run"], { cwd: dir });
    const hook = await pidIn(dir, "hook");
    run.child.kill("SIGKILL");
    await run.done;
    await waitFor("the hook's process to be gone", () => !running(hook), 5000);
  });
});
