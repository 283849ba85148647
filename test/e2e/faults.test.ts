import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readLedger } from "../../src/runs/ledger.js";
import { COHORT, cohort, tempDir } from "../helpers.js";

/** A deterministic pseudo-random generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("kill -9 of the runner at random points", () => {
  it("never loses the end of a run that finished, never shows completed for one that did not", async () => {
    const dir = tempDir();
    // Each run notes in finished.log that its operation got to its end; the post-condition keeps the
    // work going over the rounds.
    fs.writeFileSync(
      path.join(dir, "cohort.toml"),
      `[operations.work]\ncommand = "echo started; sleep 0.0$(($(od -An -N1 -tu1 /dev/urandom) % 5)); echo $COHORT_RUN_ID >> ../../finished.log; touch done"\npost = [{ isfile = "done" }]\n`,
    );
    expect(cohort(["init", "i={1..300}"], { cwd: dir }).code).toBe(0);
    const rand = random(7);
    const ended = new Map<string, number>();
    for (let round = 0; round < 50; round++) {
      const child = spawn(process.execPath, [COHORT, "run", "-q"], { cwd: dir, stdio: "ignore" });
      const closed = new Promise((r) => child.on("close", r));
      await new Promise((r) => setTimeout(r, 300 + Math.floor(rand() * 1200)));
      child.kill("SIGKILL");
      await closed;
      const finished = new Set(fs.existsSync(path.join(dir, "finished.log")) ? fs.readFileSync(path.join(dir, "finished.log"), "utf8").trim().split("\n") : []);
      const ledger = readLedger(dir);
      expect(ledger.skipped, `round ${round}: only a torn last line may be skipped, and it is not counted`).toBe(0);
      for (const run of ledger.runs.values()) {
        // An end, once written, stays as written.
        if (ended.has(run.id)) expect(run.exit, `round ${round}: run ${run.id}`).toBe(ended.get(run.id));
        if (run.exit !== undefined) ended.set(run.id, run.exit);
        // A completed run's operation got to its end.
        if (run.exit === 0) expect(finished.has(run.id), `round ${round}: run ${run.id} reads completed`).toBe(true);
      }
      const listed = cohort(["runs", "-a", "--json"], { cwd: dir });
      expect(listed.code, listed.stderr).toBe(0);
      const statuses = new Set((JSON.parse(listed.stdout) as { status: string }[]).map((r) => r.status));
      // The runner is dead: nothing of it reads running or pending.
      expect([...statuses].filter((s) => s === "running" || s === "pending")).toEqual([]);
    }
    expect(ended.size).toBeGreaterThan(0);
    // What the killed runners left, a last runner finishes: every job done, every run ended or terminated.
    const last = cohort(["run", "-q"], { cwd: dir });
    expect(last.code, last.stderr).toBe(0);
    for (const id of fs.readdirSync(path.join(dir, "workspace"))) expect(fs.existsSync(path.join(dir, "workspace", id, "done"))).toBe(true);
    const statuses = new Set((JSON.parse(cohort(["runs", "-a", "--json"], { cwd: dir }).stdout) as { status: string }[]).map((r) => r.status));
    expect([...statuses].sort()).toEqual(statuses.has("terminated") ? ["completed", "terminated"] : ["completed"]);
  }, 900_000);
});
