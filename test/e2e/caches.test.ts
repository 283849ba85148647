import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jobId } from "../../src/dataspace/id.js";
import { readCheckedFile, writeCheckedFile } from "../../src/util/checked-file.js";
import { cohort, lines, tempDir } from "../helpers.js";

const ONE_LINE_ERROR = /^cohort: error: [^\n]+\n$/;

/** A project of jobs a=1 and a=2 with an operation writing its job's `a`, its job index trusted by the next command. */
function project(): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.show]\ncommand = "printf '%s' {sp.a} > a.txt"\n`);
  expect(cohort(["init", "a={1,2}"], { cwd: dir }).code).toBe(0);
  const ws = path.join(dir, "workspace");
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(ws, old, old);
  expect(cohort(["find"], { cwd: dir }).code).toBe(0); // records a directory time old enough to trust
  return dir;
}

const cacheFile = (dir: string) => path.join(dir, ".cohort", "cache", "jobs.json");
const one = jobId({ a: 1 });

describe("the job index cache is an index, never a source of truth", () => {
  it("a state point edited inside the cache file is detected: the index is built again from the jobs", () => {
    const dir = project();
    const text = fs.readFileSync(cacheFile(dir), "utf8");
    expect(text).toContain('{"a":1}');
    fs.writeFileSync(cacheFile(dir), text.replace('{"a":1}', '{"a":99}'));
    expect(lines(cohort(["find", "a", "99"], { cwd: dir }).stdout)).toEqual([]);
    expect(lines(cohort(["find", "a", "1"], { cwd: dir }).stdout)).toEqual([one]);
    const r = cohort(["exec", "show", one], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, "workspace", one, "a.txt"), "utf8")).toBe("1");
  });

  it("a state point edited inside the cache with its check made again is not what runs", () => {
    const dir = project();
    const body = readCheckedFile(cacheFile(dir))!.toString("utf8");
    writeCheckedFile(cacheFile(dir), body.replace('{"a":1}', '{"a":99}'));
    const r = cohort(["exec", "show", one], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, "workspace", one, "a.txt"), "utf8")).toBe("1");
    // and the recorded run holds the job's own state point
    const shown = JSON.parse(cohort(["runs", "show", "1", "--json"], { cwd: dir }).stdout) as { config: unknown };
    expect(shown.config).toEqual({ a: 1 });
    // the cache that lied is gone: the next listing is right
    expect(lines(cohort(["find", "a", "99"], { cwd: dir }).stdout)).toEqual([]);
    expect(lines(cohort(["find", "a", "1"], { cwd: dir }).stdout)).toEqual([one]);
  });

  it("run does not run a job whose state-point file was overwritten in place: one line, exit code 2", () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "workspace", one, "signac_statepoint.json"), '{"a": 7}');
    for (const args of [["exec", "show", one], ["run", "show"]]) {
      const r = cohort(args, { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(ONE_LINE_ERROR);
      expect(r.stderr).toContain(`job directory ${one} is invalid: state point hashes to ${jobId({ a: 7 })}`);
    }
    expect(fs.existsSync(path.join(dir, "workspace", one, "a.txt"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "workspace", jobId({ a: 2 }), "a.txt"))).toBe(false); // nothing of the pass ran
  });

  it("job show and doc read the job's own state point: one overwritten in place is refused, not shown from the index", () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "workspace", one, "signac_statepoint.json"), '{"a": 7}');
    for (const args of [["job", "show", one], ["doc", one], ["doc", one, "x", "1"]]) {
      const r = cohort(args, { cwd: dir });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(ONE_LINE_ERROR);
      expect(r.stderr).toContain(`job directory ${one} is invalid: state point hashes to ${jobId({ a: 7 })}`);
    }
    expect(fs.existsSync(path.join(dir, "workspace", one, "signac_job_document.json"))).toBe(false);
    // the other job is as it was
    expect(JSON.parse(cohort(["job", "show", jobId({ a: 2 }), "--json"], { cwd: dir }).stdout).sp).toEqual({ a: 2 });
  });

  it("submit does not submit a job whose state-point file was overwritten in place", () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "workspace", one, "signac_statepoint.json"), '{"a": 7}');
    const r = cohort(["submit", "--pretend", "--scheduler", "slurm"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(ONE_LINE_ERROR);
    expect(r.stderr).toContain(`job directory ${one} is invalid`);
  });
});
