import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COHORT, cohort, tempDir } from "../helpers.js";

function project(command: string): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.talk]\ncommand = ${JSON.stringify(command)}\nflags = { n = 0 }\n`);
  expect(cohort(["init"], { cwd: dir }).code).toBe(0);
  return dir;
}

describe("cohort runs show: a run's output", () => {
  it("--output prints it byte for byte, binary included", () => {
    const dir = project("printf 'one\\n\\377\\000two'; printf 'err\\n' >&2");
    expect(cohort(["run", "talk", "-q"], { cwd: dir }).code).toBe(0);
    const r = spawnSync(process.execPath, [COHORT, "runs", "show", "1", "--output"], { cwd: dir });
    expect(r.status).toBe(0);
    expect([...r.stdout]).toEqual([...Buffer.from("one\n\xff\x00twoerr\n", "latin1")]);
  });

  it("--json with --output or --follow is refused: the output is bytes as written", () => {
    const dir = project("echo hi");
    expect(cohort(["run", "talk", "-q"], { cwd: dir }).code).toBe(0);
    for (const flag of ["--output", "--follow"]) {
      const r = cohort(["runs", "show", "1", flag, "--json"], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(new RegExp(`^cohort: error: --json and ${flag}: .*\\(cohort runs show RUN --json gives its last lines \\(--tail N\\)\\)\\n$`));
    }
  });

  it("--follow prints what a running run printed so far, then the rest, and ends with it", async () => {
    const dir = project("echo first; while [ ! -e \"$COHORT_PROJECT/go\" ]; do sleep 0.05; done; echo second");
    const runner = spawn(process.execPath, [COHORT, "run", "talk", "-q"], { cwd: dir, stdio: "ignore" });
    const runnerDone = new Promise((res) => runner.on("close", res));
    // Wait until the run has printed its first line.
    for (let i = 0; i < 200; i++) {
      const r = cohort(["runs", "show", "1", "--output"], { cwd: dir });
      if (r.stdout === "first\n") break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const follow = spawn(process.execPath, [COHORT, "runs", "show", "1", "--follow"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const followed = new Promise((res) => follow.on("close", res));
    let seen = "";
    follow.stdout.on("data", (d) => (seen += d));
    for (let i = 0; i < 100 && seen !== "first\n"; i++) await new Promise((res) => setTimeout(res, 50));
    expect(seen).toBe("first\n");
    fs.writeFileSync(path.join(dir, "go"), "");
    const code = await followed;
    await runnerDone;
    expect(code).toBe(0);
    expect(seen).toBe("first\nsecond\n");
  }, 60_000);
});
