import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  clusterJobStatus,
  groupOperation,
  groupStarted,
  groupStatus,
  type ClusterJobState,
  type GroupStatus,
  type MemberFacts,
} from "../../src/runs/group-columns.js";
import { groupStarts } from "../../src/runs/group-row.js";
import { RunTable } from "../../src/runs/run-table.js";

describe("group status: the ladder, first rule that matches", () => {
  const table: [string, GroupStatus[], GroupStatus][] = [
    ["no members", [], "unknown"],
    ["one completed", ["completed"], "completed"],
    ["all completed", ["completed", "completed", "completed"], "completed"],
    ["any error", ["completed", "error"], "error"],
    ["error beats running", ["running", "error", "completed"], "error"],
    ["error beats every other status", ["terminated", "queued", "pending", "staged", "unknown", "error"], "error"],
    ["any running", ["completed", "running"], "running"],
    ["running beats terminated", ["terminated", "running"], "running"],
    ["running beats queued and pending", ["queued", "pending", "running"], "running"],
    ["any terminated", ["completed", "terminated"], "terminated"],
    ["terminated beats queued", ["queued", "terminated"], "terminated"],
    ["terminated beats pending", ["pending", "terminated", "staged"], "terminated"],
    ["any queued", ["completed", "queued"], "queued"],
    ["queued beats pending", ["pending", "queued"], "queued"],
    ["staged → pending", ["staged"], "pending"],
    ["pending", ["pending"], "pending"],
    ["staged and pending", ["completed", "staged", "pending"], "pending"],
    ["unknown member alone", ["unknown"], "unknown"],
    ["unknown among completed: not all completed, nothing else matches", ["completed", "unknown"], "unknown"],
    ["unknown does not hide an error", ["unknown", "error"], "error"],
    ["unknown does not hide a pending one", ["unknown", "pending"], "pending"],
  ];
  it.each(table)("%s", (_name, statuses, expected) => {
    expect(groupStatus(statuses)).toBe(expected);
    // order does not matter
    expect(groupStatus([...statuses].reverse())).toBe(expected);
  });
});

describe("a submission's cluster job counts as one more member", () => {
  const table: [ClusterJobState | undefined, GroupStatus | undefined][] = [
    ["queued", "queued"],
    ["held", "queued"],
    ["running", "running"],
    ["COMPLETED", undefined],
    ["FAILED", "error"],
    ["OUT_OF_MEMORY", "error"],
    ["CANCELLED", "terminated"],
    ["TIMEOUT", "terminated"],
    [undefined, undefined],
  ];
  it.each(table)("%s adds %s", (state, added) => {
    expect(clusterJobStatus(state)).toBe(added);
  });

  const withMembers: [string, GroupStatus[], ClusterJobState, GroupStatus][] = [
    ["queued job, no member ran yet", [], "queued", "queued"],
    ["held job with a completed member from an earlier node", ["completed"], "held", "queued"],
    ["running job, members done so far completed", ["completed", "completed"], "running", "running"],
    ["running job, first member running", ["running"], "running", "running"],
    ["running job, a pending member", ["pending"], "running", "running"],
    ["COMPLETED job, all members completed", ["completed", "completed"], "COMPLETED", "completed"],
    ["COMPLETED job, no members: nothing counted", [], "COMPLETED", "unknown"],
    ["FAILED job with completed members", ["completed"], "FAILED", "error"],
    ["OUT_OF_MEMORY job: the killed run looks terminated, the group is error", ["completed", "terminated"], "OUT_OF_MEMORY", "error"],
    ["CANCELLED before any member ran", [], "CANCELLED", "terminated"],
    ["CANCELLED with completed members", ["completed"], "CANCELLED", "terminated"],
    ["TIMEOUT with a member left running (its lock on the node)", ["completed", "running"], "TIMEOUT", "running"],
    ["TIMEOUT with completed members", ["completed"], "TIMEOUT", "terminated"],
    ["queued job, a member error from an earlier node", ["error"], "queued", "error"],
  ];
  it.each(withMembers)("%s", (_name, members, state, expected) => {
    const extra = clusterJobStatus(state);
    expect(groupStatus(extra === undefined ? members : [...members, extra])).toBe(expected);
  });
});

describe("operation column", () => {
  const m = (operation: string, started?: number): MemberFacts => ({ operation, started, status: "completed" });
  const table: [string, MemberFacts[], string][] = [
    ["no members", [], ""],
    ["one member", [m("train", 5)], "train"],
    ["all the same", [m("train", 3), m("train", 1), m("train")], "train"],
    ["two operations: first by start, then the first that differs", [m("prepare", 1), m("simulate", 2)], "prepare...simulate"],
    ["ordered by start time, not by the order given", [m("simulate", 20), m("prepare", 10)], "prepare...simulate"],
    ["other = the first after `first` that differs", [m("a", 1), m("a", 2), m("c", 4), m("b", 3)], "a...b"],
    ["three operations: only first and the first other show", [m("a", 1), m("b", 2), m("c", 3)], "a...b"],
    ["unstarted members go last", [m("later"), m("early", 100)], "early...later"],
    ["only unstarted members: the order given (creation order)", [m("x"), m("y"), m("x")], "x...y"],
    ["an unstarted first-given member is not first", [m("pending-op"), m("run-op", 5), m("run-op", 6)], "run-op...pending-op"],
  ];
  it.each(table)("%s", (_name, members, expected) => {
    expect(groupOperation(members)).toBe(expected);
  });
});

describe("started column", () => {
  const m = (started?: number): MemberFacts => ({ operation: "op", started, status: "completed" });
  const table: [string, MemberFacts[], number | undefined][] = [
    ["no members", [], undefined],
    ["none started", [m(), m()], undefined],
    ["the first start", [m(30), m(10), m(20)], 10],
    ["unstarted members are ignored", [m(), m(42)], 42],
  ];
  it.each(table)("%s", (_name, members, expected) => {
    expect(groupStarted(members)).toBe(expected);
  });
});

describe("every group's start in one pass", () => {
  // A table of runs (start or NaN; trash code 0 present, 1 deleted, 2 purged) and groups of its rows
  // (-1: a member without a row), laid end to end as groupStarts takes them.
  const run = fc.record({ started: fc.oneof(fc.constant(NaN), fc.integer({ min: 0, max: 50 })), trash: fc.constantFrom(0, 0, 1, 2) });
  const campaign = fc.array(run, { minLength: 1, maxLength: 12 }).chain((runs) =>
    fc.record({ runs: fc.constant(runs), groups: fc.array(fc.array(fc.integer({ min: -1, max: runs.length - 1 }), { maxLength: 8 }), { maxLength: 6 }) }),
  );
  const tableOf = (runs: { started: number; trash: number }[]) =>
    new RunTable({
      n: runs.length,
      id: (r) => String(r),
      operations: [["op", null]],
      op: new Int32Array(runs.length),
      started: Float64Array.from(runs, (x) => x.started),
      status: new Uint8Array(runs.length),
      trash: Uint8Array.from(runs, (x) => x.trash),
      jobs: () => [],
      user: () => undefined,
    });

  it("is each group's started column, its deleted, purged and missing members left out; and marks every member's row", () => {
    fc.assert(
      fc.property(campaign, ({ runs, groups }) => {
        const ends = new Int32Array(groups.length);
        groups.reduce((total, g, i) => (ends[i] = total + g.length), 0);
        const grouped = new Uint8Array(runs.length);
        const starts = groupStarts(tableOf(runs), Int32Array.from(groups.flat()), ends, grouped);
        expect(Array.from(grouped, (x) => x === 1)).toEqual(runs.map((_, r) => groups.some((g) => g.includes(r))));
        groups.forEach((g, i) => {
          const counted = g.filter((r) => r !== -1 && runs[r].trash === 0).map((r): MemberFacts => ({ operation: "op", started: Number.isNaN(runs[r].started) ? undefined : runs[r].started, status: "completed" }));
          expect(starts[i]).toBe(groupStarted(counted) ?? NaN);
        });
      }),
      { numRuns: 500 },
    );
  });

  it("takes each group's members from where the last one's ended", () => {
    const runs = [
      { started: 5, trash: 0 },
      { started: 1, trash: 0 },
      { started: NaN, trash: 0 },
      { started: 0, trash: 1 },
    ];
    const rows = Int32Array.of(0, 1, 2, 3, -1, 0);
    const grouped = new Uint8Array(runs.length);
    expect(Array.from(groupStarts(tableOf(runs), rows, Int32Array.of(2, 3, 3, 5, 6), grouped))).toEqual([1, NaN, NaN, NaN, 5]);
    expect(Array.from(grouped)).toEqual([1, 1, 1, 1]);
  });
});
