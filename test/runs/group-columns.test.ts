import os from "node:os";
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
import { Ledger } from "../../src/runs/ledger.js";
import { deadPid } from "./make-runs.js";
import { groupColumns, Liveness } from "../../src/runs/run-status.js";

describe("group status: the ladder, first rule that matches", () => {
  const table: [string, GroupStatus[], GroupStatus][] = [
    ["no members", [], "unknown"],
    ["one completed", ["completed"], "completed"],
    ["all completed", ["completed", "completed", "completed"], "completed"],
    ["any error", ["completed", "error"], "error"],
    ["error beats running", ["running", "error", "completed"], "error"],
    ["error beats every other status", ["terminated", "queued", "pending", "unknown", "error"], "error"],
    ["any running", ["completed", "running"], "running"],
    ["running beats terminated", ["terminated", "running"], "running"],
    ["running beats queued and pending", ["queued", "pending", "running"], "running"],
    ["any terminated", ["completed", "terminated"], "terminated"],
    ["terminated beats queued", ["queued", "terminated"], "terminated"],
    ["terminated beats pending", ["pending", "terminated"], "terminated"],
    ["any queued", ["completed", "queued"], "queued"],
    ["queued beats pending", ["pending", "queued"], "queued"],
    ["pending", ["pending"], "pending"],
    ["pending among completed", ["completed", "pending", "pending"], "pending"],
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
    ["TIMEOUT with a member still running (its runner on the node not yet gone)", ["completed", "running"], "TIMEOUT", "running"],
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

describe("a group's columns from the journal", () => {
  // Runs that ended (statuses need no live writer), their starts, and whether each was deleted or
  // purged; groups of them (-1: a member whose run no journal holds).
  const W = "00000000-0000-7000-8000-00000000000a";
  const id = (i: number) => `00000000-0000-7000-8000-${String(i + 1).padStart(12, "0")}`;
  const job = (i: number) => String(i).padStart(32, "0");
  const run = fc.record({
    op: fc.constantFrom("a", "b", "c"),
    started: fc.option(fc.integer({ min: 10, max: 60 }), { nil: undefined }),
    exit: fc.constantFrom(0, 0, 1, -15),
    trash: fc.constantFrom<"" | "trash" | "purged">("", "", "trash", "purged"),
  });
  type R = { op: string; started?: number; exit: number; trash: "" | "trash" | "purged" };
  const campaign = fc.array(run, { minLength: 1, maxLength: 10 }).chain((runs) =>
    fc.record({ runs: fc.constant(runs), groups: fc.array(fc.uniqueArray(fc.integer({ min: -1, max: runs.length - 1 }), { maxLength: 8 }), { maxLength: 5 }) }),
  );

  function ledgerOf(runs: R[], groups: number[][]): Ledger {
    const ledger = new Ledger();
    ledger.apply(W, { e: "writer", v: 1, id: W, t: 0, host: "elsewhere", pid: 1, cohort: "0", user: "x" });
    runs.forEach((r, i) => {
      ledger.apply(W, { e: "run", t: i + 1, id: id(i), op: r.op, config: "{}", jobs: [job(i)] });
      if (r.started !== undefined) ledger.apply(W, { e: "start", t: r.started, id: id(i), slot: 0, off: 0 });
      ledger.apply(W, { e: "end", t: 100, id: id(i), exit: r.exit });
      if (r.trash) ledger.apply(W, { e: "attr", t: 200, of: id(i), set: { [r.trash]: "" }, author: "x" });
    });
    groups.forEach((g, k) => {
      const set: Record<string, string> = {};
      for (const m of g) set["run:" + (m === -1 ? `ffffffff-0000-7000-8000-${String(k).padStart(12, "0")}` : id(m))] = "";
      ledger.apply(W, { e: "group", t: 300 + k, id: `00000000-0000-7000-9000-${String(k).padStart(12, "0")}`, kind: "manual", set });
    });
    return ledger;
  }

  it("operation, started and status are those of the members that count: neither deleted, purged nor missing", () => {
    fc.assert(
      fc.property(campaign, ({ runs, groups }) => {
        const ledger = ledgerOf(runs, groups);
        const live = new Liveness();
        groups.forEach((g, k) => {
          const group = ledger.groups.get(`00000000-0000-7000-9000-${String(k).padStart(12, "0")}`)!;
          const cols = groupColumns(group, ledger, live);
          // members in the order made (their run events), as groupOperation expects them
          const counted = [...new Set(g)].filter((m) => m !== -1 && runs[m].trash === "").sort((x, y) => x - y);
          const facts = counted.map(
            (m): MemberFacts => ({ operation: runs[m].op, started: runs[m].started, status: runs[m].exit === 0 ? "completed" : runs[m].exit > 0 ? "error" : "terminated" }),
          );
          // each run has a job of its own: the jobs column names the members that count
          expect(cols.jobs).toEqual(counted.map(job));
          expect(cols.settled).toBe(true);
          expect(cols.started).toBe(groupStarted(facts));
          expect(cols.operation).toBe(groupOperation(facts));
          expect(cols.status).toBe(groupStatus(facts.map((x) => x.status)));
        });
      }),
      { numRuns: 300 },
    );
  });

  it("a submission counts its cluster job as one more member; a batch its runner until it has made every run", () => {
    const runs: R[] = [{ op: "a", started: 10, exit: 0, trash: "" }];
    const ledger = ledgerOf(runs, [[0]]);
    const group = [...ledger.groups.values()][0];
    const live = new Liveness();
    const as = (kind: "submission" | "batch", state?: ClusterJobState) => groupColumns({ ...group, kind }, ledger, live, { clusterJob: () => state }).status;
    expect(as("submission")).toBe("completed");
    expect(as("submission", "running")).toBe("running");
    expect(as("submission", "held")).toBe("queued");
    expect(as("submission", "COMPLETED")).toBe("completed");
    expect(as("submission", "TIMEOUT")).toBe("terminated");
    // a batch whose runner (of another host, alive as far as this host can tell) has not finished it
    expect(as("batch")).toBe("running");
    // (a batch's runs join it by their own event: those are the runs it made)
    const joined = [...ledger.runs.values()];
    expect(groupColumns({ ...group, kind: "batch", ended: 400, planned: 1, joined }, ledger, live).status).toBe("completed");
    expect(groupColumns({ ...group, kind: "batch", ended: 400, planned: 3, joined }, ledger, live).status).toBe("terminated");
  });

  it("with no counted member, show what they were made to run: a submission's FlowGroups, a batch's operation", () => {
    const ledger = new Ledger();
    const live = new Liveness();
    const made = (kind: "submission" | "batch" | "manual", set: Record<string, string>) => {
      const gid = `00000000-0000-7000-9000-${String(ledger.groups.size).padStart(12, "0")}`;
      ledger.apply(W, { e: "group", t: 300, id: gid, kind, set });
      return groupColumns(ledger.groups.get(gid)!, ledger, live, { clusterJob: () => "queued" }).operation;
    };
    expect(made("submission", { flowgroup: "prep_and_sim" })).toBe("prep_and_sim");
    expect(made("submission", { flowgroup: "prep,prep,sim,post" })).toBe("prep...sim");
    expect(made("batch", { operation: "train" })).toBe("train");
    expect(made("manual", { operation: "train" })).toBe("");
    expect(made("submission", {})).toBe("");
    // a member that counts decides, as ever
    ledger.apply(W, { e: "run", t: 500, id: id(9), op: "sim", config: "{}", jobs: [job(9)], in: ["00000000-0000-7000-9000-000000000000"] });
    expect(groupColumns(ledger.groups.get("00000000-0000-7000-9000-000000000000")!, ledger, live).operation).toBe("sim");
  });

  it("are settled, to be kept as they are while the journals are, only when no liveness or scheduler is asked", () => {
    const ledger = ledgerOf([{ op: "a", started: 10, exit: 0, trash: "" }], [[0]]);
    const group = [...ledger.groups.values()][0];
    const live = new Liveness();
    const settled = (g: typeof group) => groupColumns(g, ledger, live, { clusterJob: () => "COMPLETED" }).settled;
    expect(settled(group)).toBe(true);
    expect(settled({ ...group, kind: "batch", ended: 400 })).toBe(true);
    // a batch whose runner may still add runs; a submission, whose cluster job the scheduler tells
    expect(settled({ ...group, kind: "batch" })).toBe(false);
    expect(settled({ ...group, kind: "submission" })).toBe(false);
    // a member without an end: its writer decides whether it runs
    ledger.apply(W, { e: "run", t: 500, id: id(7), op: "a", config: "{}", jobs: [job(7)] });
    ledger.apply(W, { e: "attr", t: 501, of: group.id, set: { [`run:${id(7)}`]: "" }, author: "x" });
    expect(groupColumns(ledger.groups.get(group.id)!, ledger, live)).toMatchObject({ settled: false, jobs: [job(0), job(7)] });
    // ... unless that writer is a process of this host that has ended: it never runs again
    const gone = "00000000-0000-7000-8000-00000000000b";
    ledger.apply(gone, { e: "writer", v: 1, id: gone, t: 0, host: os.hostname(), pid: deadPid(), cohort: "0", user: "x" });
    ledger.apply(gone, { e: "run", t: 600, id: id(8), op: "a", config: "{}", jobs: [job(8)] });
    ledger.apply(gone, { e: "attr", t: 601, of: group.id, set: { [`run:${id(7)}`]: "", [`run:${id(8)}`]: "" }, author: "x" });
    ledger.apply(W, { e: "end", t: 602, id: id(7), exit: 0 });
    expect(groupColumns(ledger.groups.get(group.id)!, ledger, live)).toMatchObject({ settled: true, status: "terminated" });
    expect(settled({ ...ledger.groups.get(group.id)!, kind: "batch", writer: gone })).toBe(true);
  });
});
