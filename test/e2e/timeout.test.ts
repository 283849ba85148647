/**
 * `--timeout SECONDS` of run and exec: any length is honoured (Node's setTimeout alone fires at once
 * beyond 2^31-1 ms, about 24.8 days), and a value that is not a finite number of seconds above 0 is
 * bad input.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cohort, lines, readRuns, tempDir } from "../helpers.js";

const TOML = `
[operations.shell]
command = "sleep 0.3 && echo shell > shell.txt"
post = [{ isfile = "shell.txt" }]
`;

const MODULE = `
import { FlowProject, directives, post } from "cohort";
import type { Job } from "cohort";

const project = new FlowProject();
const pause = () => new Promise((resolve) => setTimeout(resolve, 300));

project.operation(post.isFile("fn.txt"), async function fn(job: Job) {
  await pause();
  await job.writeFile("fn.txt", "fn");
});

project.operation(directives({ fork: true }), post.isFile("forked.txt"), async function forked(job: Job) {
  await pause();
  await job.writeFile("forked.txt", "forked");
});

export default project;
`;

function timeoutProject(withModule = true): string {
  const dir = tempDir();
  expect(cohort(["init", "i={1,2}"], { cwd: dir }).code).toBe(0);
  fs.appendFileSync(path.join(dir, "cohort.toml"), TOML);
  if (withModule) fs.writeFileSync(path.join(dir, "project.ts"), MODULE);
  return dir;
}

const THIRTY_DAYS = "2592000";
const FIVE_YEARS = String(5 * 365 * 86400);

describe("--timeout", () => {
  for (const mode of [[], ["--parallel", "2"]]) {
    it(`of 30 days and of years lets operations complete${mode.length ? " (worker processes)" : ""}`, () => {
      const dir = timeoutProject();
      const r = cohort(["run", "--timeout", THIRTY_DAYS, ...mode], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("6 runs, 6 completed, 0 failed");
      for (const run of readRuns(dir)) expect(run.exit, `${run.operation}: ${run.output}`).toBe(0);
      for (const job of fs.readdirSync(path.join(dir, "workspace"))) {
        for (const file of ["shell.txt", "fn.txt", "forked.txt"]) expect(fs.existsSync(path.join(dir, "workspace", job, file))).toBe(true);
      }
      const e = cohort(["exec", "fn", "--timeout", FIVE_YEARS, ...mode], { cwd: dir });
      expect(e.code, e.stderr).toBe(0);
      expect(e.stderr).toContain("2 runs, 2 completed, 0 failed");
    });
  }

  it("still stops an operation that overruns a short one", () => {
    const dir = timeoutProject(false);
    const r = cohort(["exec", "shell", "--timeout", "0.1"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("2 runs, 0 completed, 0 failed, 2 terminated");
    expect(r.stderr).toContain("timed out");
  });

  it("refuses what is not a finite number of seconds above 0: one line, exit 2", () => {
    const dir = timeoutProject(false);
    for (const value of ["0", "-5", "abc", "1e999", "Infinity", "NaN", "0x10", "", "10s"]) {
      for (const command of value === "0" || value === "1e999" ? [["run"], ["exec", "shell"]] : [["run"]]) {
        const r = cohort([...command, `--timeout=${value}`], { cwd: dir });
        expect(r.code, `${command[0]} --timeout=${value}`).toBe(2);
        expect(lines(r.stderr)).toHaveLength(1);
        expect(r.stderr).toMatch(/^cohort: error: --timeout \S+ is not a finite number of seconds above 0 \(e\.g\. --timeout 3600 for an hour/);
      }
    }
    expect(readRuns(dir)).toEqual([]);
  });
});
