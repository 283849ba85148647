import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jobId } from "../../src/dataspace/id.js";
import { dumpJson } from "../../src/dataspace/json.js";
import type { JsonObject } from "../../src/dataspace/value.js";
import { COHORT, cohort, lines, tempDir } from "../helpers.js";

function project(): string {
  const dir = tempDir();
  expect(cohort(["init"], { cwd: dir }).code).toBe(0);
  return dir;
}

/** `{"a": {"a": ... 1}}`, `depth` objects deep. */
function deepText(depth: number): string {
  return '{"a": '.repeat(depth) + "1" + "}".repeat(depth);
}

describe("limits are errors, not crashes", () => {
  it("cohort job init refuses a state point nested 5,000 deep with one line and exit code 2", () => {
    const dir = project();
    const r = cohort(["job", "init", deepText(5000)], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(lines(r.stderr)).toEqual([
      "cohort: error: malformed JSON in the state point: values nest deeper than 1000 levels at line 1, column 6001 (cohort reads and writes JSON nested at most 1000 levels deep)",
    ]);
    expect(fs.readdirSync(path.join(dir, "workspace"))).toEqual([]);
    // As deep as the limit is fine.
    const ok = cohort(["job", "init", deepText(999)], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
  });

  it("a value nested 5,000 deep is refused with the limit named in one short line wherever a command-line value is typed", () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "cohort.toml"), '[operations.o]\ncommand = "true"\nflags = { x = 0 }\n');
    const id = cohort(["job", "init", "a=1"], { cwd: dir }).stdout.trim();
    const list = "[".repeat(5000) + "1" + "]".repeat(5000);
    for (const value of [deepText(5000), list]) {
      for (const args of [["job", "init", `x=${value}`], ["init", `x=${value}`], ["doc", id, "x", value], ["find", "a", value], ["run", "o", `x=${value}`]]) {
        const r = cohort(args, { cwd: dir });
        const what = `${args[0]} ${args[1]} ${value.slice(0, 5)}`;
        expect(r.code, what).toBe(2);
        expect(lines(r.stderr), what).toHaveLength(1);
        expect(r.stderr, what).toMatch(/^cohort: error: (the value of "a": )?malformed JSON: values nest deeper than 1000 levels at line 1, column \d+ \(cohort reads and writes JSON nested at most 1000 levels deep\)\n$/);
      }
    }
    expect(fs.readdirSync(path.join(dir, "workspace"))).toEqual([id]);
    expect(fs.existsSync(path.join(dir, "workspace", id, "signac_job_document.json"))).toBe(false);
  });

  it("a signac_statepoint.json nested 5,000 deep is an invalid job directory: skipped with a warning, reported by check", () => {
    const dir = project();
    const id = "0123456789abcdef0123456789abcdef";
    fs.mkdirSync(path.join(dir, "workspace", id));
    fs.writeFileSync(path.join(dir, "workspace", id, "signac_statepoint.json"), deepText(5000));
    const found = cohort(["find"], { cwd: dir });
    expect(found.code, found.stderr).toBe(0);
    expect(found.stderr).toMatch(/1 job directory is invalid and skipped/);
    const checked = cohort(["check"], { cwd: dir });
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain(`workspace/${id}: state-point file is corrupt: malformed JSON: values nest deeper than 1000 levels`);
    expect(checked.stderr).not.toMatch(/\n\s+at /);
  });

  it("cohort schema shows a job of 200,000 keys", () => {
    const dir = project();
    const sp: JsonObject = {};
    for (let i = 0; i < 200_000; i++) sp[`k${i}`] = i;
    const id = jobId(sp);
    fs.mkdirSync(path.join(dir, "workspace", id));
    fs.writeFileSync(path.join(dir, "workspace", id, "signac_statepoint.json"), dumpJson(sp));
    const r = spawnSync(process.execPath, [COHORT, "schema"], { cwd: dir, encoding: "utf8", maxBuffer: 64 << 20 });
    expect(r.status, r.stderr).toBe(0);
    expect(lines(r.stdout)).toHaveLength(200_000);
  });
});
