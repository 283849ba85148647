import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { float, initProject, UserError } from "../../src/index.js";
import { dumpJson } from "../../src/dataspace/json.js";
import { parseScalar } from "../../src/dataspace/multivalue.js";
import { updateView, viewPaths } from "../../src/dataspace/view.js";
import type { JsonObject } from "../../src/dataspace/value.js";
import { tempDir } from "../helpers.js";

function project(sps: JsonObject[]) {
  const p = initProject(tempDir());
  return { p, jobs: sps.map((sp) => p.openJob(sp).init()) };
}

const pathsOf = (sps: JsonObject[]) => [...viewPaths(project(sps).jobs).keys()];

describe("viewPaths", () => {
  it("names each job by the keys whose values differ, sorted, as cohort init reads values", () => {
    expect(pathsOf([{ T: float(1), N: 64, model: "lj" }, { T: float(1.5), N: 64, model: "lj" }, { T: float(1), N: 128, model: "lj" }])).toEqual([
      "N/64/T/1.0/job",
      "N/64/T/1.5/job",
      "N/128/T/1.0/job",
    ]);
    // a string that reads as another type is quoted; nested keys are dotted; a key a job lacks is left out
    expect(pathsOf([{ a: "1" }, { a: 1 }, { a: true }, { a: "x y" }])).toEqual(["a/'1'/job", "a/1/job", "a/true/job", "a/x y/job"]);
    expect(pathsOf([{ s: { r: 1, q: 2 } }, { s: { r: 2, q: 2 } }, { s: { r: 3, q: 2 }, extra: [1, 2] }])).toEqual(["s.r/1/job", "s.r/2/job", "extra/[1, 2]/s.r/3/job"]);
    expect(pathsOf([{ a: 1 }])).toEqual(["job"]);
  });

  it("refuses a key or value that cannot be a directory name, naming the job", () => {
    const { jobs } = project([{ a: "x/y" }, { a: "z" }]);
    expect(() => viewPaths(jobs)).toThrow(UserError);
    expect(() => viewPaths(jobs)).toThrow(`job ${jobs[0].id} cannot be in a view: its state-point value "x/y" (of a) cannot be a directory name`);
    expect(() => viewPaths(project([{ a: ".." }, { a: "." }]).jobs)).toThrow(/value "\.\.?" \(of a\)/);
  });

  it("refuses a value longer than a directory name can be, in a short message, before writing anything", () => {
    const long = Array.from({ length: 100_000 }, (_, i) => i);
    const { p, jobs } = project([{ a: long }, { a: 1 }]);
    let message = "";
    try {
      updateView(path.join(p.root, "view"), viewPaths(jobs));
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      message = (err as Error).message;
    }
    expect(message).toBe(`job ${jobs[0].id} cannot be in a view: its state-point value "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1..." (${dumpJson(long).length} bytes) (of a) cannot be a directory name`);
    expect(fs.existsSync(path.join(p.root, "view"))).toBe(false);
    // 255 bytes is the most a name can hold
    expect(pathsOf([{ a: "x".repeat(255) }, { a: 1 }])).toContain(`a/${"x".repeat(255)}/job`);
    expect(() => pathsOf([{ a: "é".repeat(128) }, { a: 1 }])).toThrow("(256 bytes) (of a)");
  });

  it("random state points: every job has a path of its own, whose values read back as the job's (property)", () => {
    const scalar = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(0.5, 1.5, -2.25), fc.boolean(), fc.constant(null), fc.stringMatching(/^[a-z0-9 .'"-]{1,6}$/).filter((t) => t !== "." && t !== ".."));
    const sp = fc.dictionary(fc.constantFrom("a", "b", "c"), scalar, { minKeys: 1 });
    fc.assert(
      fc.property(fc.array(sp, { minLength: 1, maxLength: 6 }), (sps) => {
        const { jobs } = project(sps);
        const unique = [...new Map(jobs.map((j) => [j.id, j])).values()];
        const paths = viewPaths(unique);
        expect(paths.size).toBe(unique.length);
        for (const [p, job] of paths) {
          const parts = p.split("/").slice(0, -1);
          for (let i = 0; i < parts.length; i += 2) expect(dumpJson(parseScalar(parts[i + 1]))).toBe(dumpJson(job.spData[parts[i]]));
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("updateView", () => {
  it("makes relative links, then changes only what differs and removes what is no longer in the view", () => {
    const { p, jobs } = project([{ T: 1, N: 1 }, { T: 2, N: 1 }, { T: 2, N: 2 }]);
    const dir = path.join(p.root, "view");
    expect(updateView(dir, viewPaths(jobs))).toEqual({ made: 3, kept: 0, removed: 0 });
    expect(fs.readlinkSync(path.join(dir, "N/1/T/2/job"))).toBe(path.join("..", "..", "..", "..", "..", "workspace", jobs[1].id));
    expect(fs.existsSync(path.join(dir, "N/1/T/2/job/signac_statepoint.json"))).toBe(true);
    fs.writeFileSync(path.join(dir, "N", "notes.txt"), "mine");
    expect(updateView(dir, viewPaths(jobs))).toEqual({ made: 0, kept: 3, removed: 0 });
    // Two jobs left: only N differs now; T's directories go, and the user's file stays.
    expect(updateView(dir, viewPaths([jobs[1], jobs[2]]))).toEqual({ made: 2, kept: 0, removed: 3 });
    const left: string[] = [];
    const walk = (rel: string): void => {
      for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
        const r = path.join(rel, e.name);
        left.push(r);
        if (e.isDirectory()) walk(r);
      }
    };
    walk("");
    expect(left.sort()).toEqual(["N", "N/1", "N/1/job", "N/2", "N/2/job", "N/notes.txt"]);
  });

  it("refuses to put a link where a file of the user's is", () => {
    const { p, jobs } = project([{ T: 1 }, { T: 2 }]);
    const dir = path.join(p.root, "view");
    fs.mkdirSync(path.join(dir, "T"), { recursive: true });
    fs.writeFileSync(path.join(dir, "T", "1"), "mine");
    expect(() => updateView(dir, viewPaths(jobs))).toThrow(/a file in .*view\/T\/1 is in the way of the view's link to job/);
    expect(fs.readFileSync(path.join(dir, "T", "1"), "utf8")).toBe("mine");
  });
});
