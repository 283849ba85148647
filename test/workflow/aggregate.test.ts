import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Job } from "../../src/dataspace/job.js";
import { initProject } from "../../src/dataspace/project.js";
import { Float, type JsonObject, type JsonValue } from "../../src/dataspace/value.js";
import { UserError } from "../../src/util/errors.js";
import { aggregateId, aggregatesOf, compareValues } from "../../src/workflow/aggregate.js";
import { tempDir } from "../helpers.js";

const project = initProject(tempDir());
const job = (sp: JsonObject): Job => project.openJob(sp);
const ids = (aggs: Job[][]) => aggs.map((a) => a.map((j) => j.sp.i));

describe("aggregatesOf", () => {
  const jobs = [0, 1, 2, 3, 4, 5, 6].map((i) => job({ i, even: i % 2 === 0, mod: i % 3 }));

  it("single: one aggregate per job, in order", () => {
    expect(ids(aggregatesOf({ kind: "single" }, jobs))).toEqual([[0], [1], [2], [3], [4], [5], [6]]);
    expect(aggregatesOf({ kind: "single" }, [])).toEqual([]);
  });

  it("all: one aggregate of every job, none without jobs", () => {
    expect(ids(aggregatesOf({ kind: "all" }, jobs))).toEqual([[0, 1, 2, 3, 4, 5, 6]]);
    expect(aggregatesOf({ kind: "all" }, [])).toEqual([]);
  });

  it("groupsOf: consecutive chunks in the given order, the last may be shorter", () => {
    expect(ids(aggregatesOf({ kind: "groupsOf", n: 3 }, jobs))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(ids(aggregatesOf({ kind: "groupsOf", n: 7 }, jobs))).toEqual([[0, 1, 2, 3, 4, 5, 6]]);
    expect(ids(aggregatesOf({ kind: "groupsOf", n: 10 }, jobs))).toEqual([[0, 1, 2, 3, 4, 5, 6]]);
    expect(ids(aggregatesOf({ kind: "groupsOf", n: 1 }, jobs))).toEqual([[0], [1], [2], [3], [4], [5], [6]]);
    expect(ids(aggregatesOf({ kind: "groupsOf", n: 2 }, [...jobs].reverse()))).toEqual([[6, 5], [4, 3], [2, 1], [0]]);
    expect(aggregatesOf({ kind: "groupsOf", n: 2 }, [])).toEqual([]);
  });

  it.each([0, -1, 1.5, NaN])("groupsOf(%s) is refused", (n) => {
    expect(() => aggregatesOf({ kind: "groupsOf", n }, jobs)).toThrow(UserError);
  });

  it("groupsOf keeps every job exactly once, in order", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 7 }), (n, count) => {
        const some = jobs.slice(0, count);
        const aggs = aggregatesOf({ kind: "groupsOf", n }, some);
        expect(aggs.flat()).toEqual(some);
        expect(aggs.every((a, i) => (i < aggs.length - 1 ? a.length === n : a.length >= 1 && a.length <= n))).toBe(true);
      }),
    );
  });

  it("groupBy: groups ordered by key, jobs in the given order within a group", () => {
    expect(ids(aggregatesOf({ kind: "groupBy", key: "mod" }, jobs))).toEqual([[0, 3, 6], [1, 4], [2, 5]]);
    expect(ids(aggregatesOf({ kind: "groupBy", key: "sp.even" }, jobs))).toEqual([[1, 3, 5], [0, 2, 4, 6]]);
    expect(ids(aggregatesOf({ kind: "groupBy", key: "mod" }, [...jobs].reverse()))).toEqual([[6, 3, 0], [4, 1], [5, 2]]);
  });

  it("groupBy orders numbers by value, not by their text", () => {
    const js = [10, 2, 1.5, 100, -3].map((T, i) => job({ i, T }));
    expect(ids(aggregatesOf({ kind: "groupBy", key: "T" }, js)).flat()).toEqual([4, 2, 1, 0, 3]);
  });

  it("groupBy orders strings by code point", () => {
    const js = ["b", "a", "B", "é", "aa"].map((s, i) => job({ i, s }));
    expect(ids(aggregatesOf({ kind: "groupBy", key: "s" }, js)).flat()).toEqual([2, 1, 4, 0, 3]);
  });

  it("groupBy by a nested state-point key", () => {
    const js = [job({ i: 0, p: { q: 2 } }), job({ i: 1, p: { q: 1 } }), job({ i: 2, p: { q: 2 } }), job({ i: 3, p: 5 })];
    expect(ids(aggregatesOf({ kind: "groupBy", key: "p.q" }, js))).toEqual([[1], [0, 2]]);
  });

  it("groupBy leaves out jobs without the key", () => {
    const js = [job({ i: 0, a: 1 }), job({ i: 1 }), job({ i: 2, a: 1 }), job({ i: 3, a: null })];
    expect(ids(aggregatesOf({ kind: "groupBy", key: "a" }, js))).toEqual([[3], [0, 2]]);
  });

  it("a groupBy function that returns a Promise, no JSON value, or throws is an error naming it and the job", () => {
    const js = [job({ i: 0 }), job({ i: 1 })];
    const fail = (fn: (j: Job) => unknown) => {
      try {
        aggregatesOf({ kind: "groupBy", key: fn as (j: Job) => JsonValue | undefined }, js, "operation a (project.ts:3)");
      } catch (err) {
        expect(err).toBeInstanceOf(UserError);
        return (err as UserError).message;
      }
      throw new Error("no error");
    };
    // (a Promise put every job in one aggregate)
    expect(fail(async function byT(j) { return j.sp.i; })).toBe(`operation a (project.ts:3): groupBy(byT) returned a Promise on job ${js[0].id}`);
    expect(fail(() => () => 1)).toMatch(/^operation a \(project\.ts:3\): the groupBy function returned no JSON value on job \w+: a value of type function/);
    expect(fail(() => NaN)).toMatch(/returned no JSON value .*NaN/);
    expect(fail(() => { throw new Error("no key"); })).toBe(`operation a (project.ts:3): the groupBy function failed on job ${js[0].id}: no key`);
    expect(ids(aggregatesOf({ kind: "groupBy", key: (j) => (j.sp.i === 0 ? undefined : "x") }, js))).toEqual([[1]]);
  });

  it("groupBy puts an int and an equal float in one group, as Python's == does", () => {
    const js = [job({ i: 0, T: 1 }), job({ i: 1, T: new Float(1) }), job({ i: 2, T: 1.5 }), job({ i: 3, T: 10n ** 16n }), job({ i: 4, T: 1e16 })];
    expect(ids(aggregatesOf({ kind: "groupBy", key: "T" }, js))).toEqual([[0, 1], [2], [3, 4]]);
  });

  it("groupBy by object and array values: equal whatever the key order", () => {
    const js = [job({ i: 0, o: { a: 1, b: 2 } }), job({ i: 1, o: { b: 2, a: 1 } }), job({ i: 2, o: [1, 2] }), job({ i: 3, o: [1, 2] })];
    expect(ids(aggregatesOf({ kind: "groupBy", key: "o" }, js))).toEqual([[2, 3], [0, 1]]);
  });

  it("groupBy by a document key", () => {
    const js = [0, 1, 2, 3].map((i) => job({ i, doc: true }).init());
    js[0].doc.set("phase", "b");
    js[1].doc.set("phase", "a");
    js[2].doc.set("phase", "b");
    expect(ids(aggregatesOf({ kind: "groupBy", key: "doc.phase" }, js))).toEqual([[1], [0, 2]]);
  });

  it("groupBy by a function of the job; undefined leaves the job out", () => {
    const key = (j: Job): JsonValue => ((j.sp.i as number) < 5 ? (j.sp.i as number) % 2 : (undefined as unknown as JsonValue));
    expect(ids(aggregatesOf({ kind: "groupBy", key }, jobs))).toEqual([[0, 2, 4], [1, 3]]);
  });

  it("groupBy refuses a bad key path", () => {
    expect(() => aggregatesOf({ kind: "groupBy", key: "a..b" }, jobs)).toThrow(UserError);
  });
});

describe("compareValues", () => {
  it("orders types: null, booleans, numbers, strings, arrays, objects", () => {
    const values: JsonValue[] = [{ a: 1 }, [1], "x", 2, true, false, null, new Float(2), 3n, 2.5];
    const sorted = [...values].sort(compareValues);
    expect(sorted).toEqual([null, false, true, 2, new Float(2), 2.5, 3n, "x", [1], { a: 1 }]);
  });

  it("compares bigints and fractional numbers exactly", () => {
    expect(compareValues(2n ** 60n, 2 ** 60 + 0.0)).toBe(0);
    expect(compareValues(2n ** 60n + 1n, 2 ** 60)).toBeGreaterThan(0);
    expect(compareValues(1.5, 1n)).toBeGreaterThan(0);
    expect(compareValues(1.5, 2n)).toBeLessThan(0);
    expect(compareValues(-1.5, -1n)).toBeLessThan(0);
    expect(compareValues(-1.5, -2n)).toBeGreaterThan(0);
  });
});

describe("aggregateId", () => {
  it("is the job id for one job", () => {
    const j = job({ i: 0 });
    expect(aggregateId([j])).toBe(j.id);
  });

  it("is agg- + md5 of the comma-joined ids, in aggregate order", () => {
    const a = job({ i: 0 });
    const b = job({ i: 1 });
    const md5 = (s: string) => createHash("md5").update(s).digest("hex");
    expect(aggregateId([a, b])).toBe(`agg-${md5(`${a.id},${b.id}`)}`);
    expect(aggregateId([b, a])).toBe(`agg-${md5(`${b.id},${a.id}`)}`);
    expect(aggregateId([a, b])).not.toBe(aggregateId([b, a]));
  });

  it("matches signac-flow's get_aggregate_id for known ids", () => {
    // {"a": 0} and {"a": 1}: ids from SPEC §2.1; the digest computed with Python's hashlib.md5.
    const a = job({ a: 0 });
    const b = job({ a: 1 });
    expect(a.id).toBe("9bfd29df07674bc4aa960cf661b5acd2");
    expect(b.id).toBe("42b7b4f2921788ea14dac5566e6f06d0");
    expect(aggregateId([a, b])).toBe("agg-d98e52d860175da2fe6f4f37e6e291dc");
  });
});
