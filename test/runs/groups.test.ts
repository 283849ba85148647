import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { changeAttributes } from "../../src/runs/attributes.js";
import { addMembers, deleteGroup, endGroup, makeGroup, removeMembers } from "../../src/runs/groups.js";
import { journalDir, JournalWriter, nowMicros } from "../../src/runs/journal.js";
import { readLedger } from "../../src/runs/ledger.js";
import { isRunId, newRunId, runName } from "../../src/runs/run-id.js";
import { RunsView } from "../../src/runs/view.js";
import { tempDir } from "../helpers.js";
import { foreignJournal, makeRun, ownEvents } from "./make-runs.js";

/** The members of group `id` as the journals tell them. */
function members(root: string, id: string): string[] {
  const ledger = readLedger(root);
  return ledger.members(ledger.groups.get(id)!);
}

describe("run groups", () => {
  it("are made whole by one group event: kind, members, label and details", () => {
    const root = tempDir();
    const [a, b] = [newRunId(), newRunId()];
    const g = makeGroup(root, { kind: "batch", members: [b, a], label: "sweep", planned: 2, details: { operation: "train", flags: { lr: [0.1, 0.2] } } });
    expect(isRunId(g.id)).toBe(true);
    expect(g.name).toBe(runName(g.id));
    const events = ownEvents(root);
    expect(events.map((e) => e.e)).toEqual(["writer", "group"]);
    expect(events[1]).toEqual({
      e: "group",
      t: expect.any(Number),
      id: g.id,
      kind: "batch",
      planned: 2,
      set: { operation: "train", flags: { lr: [0.1, 0.2] }, label: "sweep", [`run:${b}`]: "", [`run:${a}`]: "" },
    });
    // the journal is the only file
    expect(fs.readdirSync(journalDir(root))).toEqual([`${JournalWriter.of(root).id}.jsonl`]);
    const ledger = readLedger(root);
    const read = ledger.groups.get(g.id)!;
    expect(read.kind).toBe("batch");
    expect(read.planned).toBe(2);
    expect(ledger.members(read)).toEqual([a, b].sort());
    expect(read.attrs.get("label")).toBe("sweep");
    expect(read.attrs.get("operation")).toBe("train");
    expect(read.attrs.get("flags")).toEqual({ lr: [0.1, 0.2] });
  });

  it("an empty label is not written; a group may have no members", () => {
    const root = tempDir();
    const g = makeGroup(root, { kind: "manual", label: "" });
    expect(ownEvents(root)[1]).not.toHaveProperty("set");
    const read = readLedger(root).groups.get(g.id)!;
    expect(read.attrs.has("label")).toBe(false);
    expect(readLedger(root).members(read)).toEqual([]);
  });

  it("members are added and removed by attr events, one per change", () => {
    const root = tempDir();
    const [a, b, c] = [newRunId(), newRunId(), newRunId()];
    const g = makeGroup(root, { kind: "manual", members: [a] });
    addMembers(root, g.id, [b, c]);
    expect(members(root, g.id)).toEqual([a, b, c].sort());
    removeMembers(root, g.id, [a, c]);
    expect(members(root, g.id)).toEqual([b]);
    changeAttributes(root, g.id, { set: { label: "x", "tag:t": "" } });
    expect(readLedger(root).groups.get(g.id)!.attrs).toEqual(new Map<string, unknown>([[`run:${b}`, ""], ["label", "x"], ["tag:t", ""]]));
    const changes = ownEvents(root).filter((e) => e.e === "attr");
    expect(changes.map((e) => [e.of, e.set, e.delete])).toEqual([
      [g.id, { [`run:${b}`]: "", [`run:${c}`]: "" }, undefined],
      [g.id, undefined, [`run:${a}`, `run:${c}`]],
      [g.id, { label: "x", "tag:t": "" }, undefined],
    ]);
  });

  it("a run may belong to several groups, by their events or by its own", () => {
    const root = tempDir();
    const r = newRunId();
    const g1 = makeGroup(root, { kind: "pipeline", members: [r] });
    const g2 = makeGroup(root, { kind: "manual", members: [r] });
    const g3 = makeGroup(root, { kind: "batch" });
    const own = makeRun(root, "op", "completed", { groups: [g1.id, g3.id] });
    const ledger = readLedger(root);
    expect([...ledger.groups.keys()]).toEqual([g1.id, g2.id, g3.id]);
    expect(ledger.members(ledger.groups.get(g1.id)!)).toEqual([r, own.id]);
    expect(ledger.members(ledger.groups.get(g2.id)!)).toEqual([r]);
    expect(ledger.members(ledger.groups.get(g3.id)!)).toEqual([own.id]);
  });

  it("a run that joined by its own event leaves by a later change of the group, not an earlier one", () => {
    const root = tempDir();
    const g = makeGroup(root, { kind: "pipeline" });
    const [a, b, c] = [makeRun(root, "op", "completed", { groups: [g.id, g.id] }), makeRun(root, "op", "completed", { groups: [g.id] }), makeRun(root, "op", "completed", { groups: [g.id] })];
    removeMembers(root, g.id, [b.id]);
    // from another journal: removing c before c was made, and a run not in the group added
    const other = makeRun(root, "op");
    foreignJournal(root, "ffffffff-ffff-7fff-bfff-ffffffffffff", [
      { e: "attr", t: 1, of: g.id, delete: [`run:${c.id}`], author: "x" },
      { e: "attr", t: nowMicros(), of: g.id, set: { [`run:${other.id}`]: "" }, author: "x" },
    ]);
    const ledger = readLedger(root);
    const group = ledger.groups.get(g.id)!;
    expect(ledger.members(group)).toEqual([a.id, c.id, other.id]);
    expect(ledger.memberRuns(group).map((r) => r.id).sort()).toEqual([a.id, c.id, other.id]);
    // a group no attribute changed: its runs as they joined, each once
    const g2 = makeGroup(root, { kind: "batch" });
    const d = makeRun(root, "op", "completed", { groups: [g2.id, g2.id] });
    const l2 = readLedger(root);
    expect(l2.members(l2.groups.get(g2.id)!)).toEqual([d.id]);
    expect(l2.memberRuns(l2.groups.get(g2.id)!).map((r) => r.id)).toEqual([d.id]);
  });

  it("delete puts the group in the trash; its runs stay", () => {
    const root = tempDir();
    const r = makeRun(root, "op");
    const g = makeGroup(root, { kind: "manual", members: [r.id] });
    const other = makeGroup(root, { kind: "manual" });
    deleteGroup(root, g.id);
    const view = RunsView.read(root);
    expect(view.groups().map((x) => x.id)).toEqual([other.id]);
    expect([...view.runs].map((x) => x.id)).toEqual([r.id]);
    expect(view.ledger.groups.get(g.id)!.attrs.has("trash")).toBe(true);
  });

  it("the runner that makes a batch or pipeline ends it when it has made every run", () => {
    const root = tempDir();
    const g = makeGroup(root, { kind: "pipeline" });
    expect(readLedger(root).groups.get(g.id)!.ended).toBeUndefined();
    endGroup(root, g.id);
    expect(readLedger(root).groups.get(g.id)!.ended).toEqual(ownEvents(root).at(-1)!.t);
  });

  it("groups list in the order made; a second group event of one id and one without an id are passed over", () => {
    const root = tempDir();
    const g1 = makeGroup(root, { kind: "manual", label: "one" });
    const g2 = makeGroup(root, { kind: "manual" });
    // a journal of a later writer (read after this process's)
    foreignJournal(root, "ffffffff-ffff-7fff-bfff-ffffffffffff", [
      { e: "group", t: 1, id: g1.id, kind: "batch", set: { label: "impostor" } },
      { e: "group", t: 2, kind: "manual" },
    ]);
    makeRun(root, "op"); // runs are no groups
    const ledger = readLedger(root);
    expect([...ledger.groups.keys()]).toEqual([g1.id, g2.id]);
    expect(ledger.groups.get(g1.id)!.kind).toBe("manual");
    expect(ledger.groups.get(g1.id)!.attrs.get("label")).toBe("one");
  });
});
