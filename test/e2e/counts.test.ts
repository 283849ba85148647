import { describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { cohort, cohortInBackground, tempDir } from "../helpers.js";

describe("counts are exact", () => {
  it("cohort init run by several processes together: each job is counted as created by one of them", async () => {
    const dir = tempDir();
    expect(cohort(["init"], { cwd: dir }).code).toBe(0);
    const n = 800;
    const started = Array.from({ length: 4 }, () => cohortInBackground(["init", `i={1..${n}}`], { cwd: dir }));
    const results = await Promise.all(started.map((s) => s.done));
    let created = 0;
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      const m = /^(\d+) jobs? created, (\d+) existed$/m.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      expect(Number(m![1]) + Number(m![2])).toBe(n);
      created += Number(m![1]);
    }
    expect(created).toBe(n);
    expect(fs.readdirSync(path.join(dir, "workspace"))).toHaveLength(n);
    expect(cohort(["check"], { cwd: dir }).stdout).toBe("workspace OK\n");
  }, 120_000);
});
