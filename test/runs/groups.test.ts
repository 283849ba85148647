import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { changeFiles } from "../../src/runs/attributes.js";
import { groupDir, listGroupIds, membersOf, RunGroup } from "../../src/runs/groups.js";
import { runsDir } from "../../src/runs/record.js";
import { isRunId, newRunId, runName } from "../../src/runs/run-id.js";
import { tempDir } from "../helpers.js";

describe("run groups", () => {
  it("are made whole in one step: id file and a first change with kind, members, label and details", () => {
    const root = tempDir();
    const [a, b] = [newRunId(), newRunId()];
    const g = RunGroup.create(root, { kind: "batch", members: [b, a], label: "sweep", details: { operation: "train", flags: { lr: [0.1, 0.2] } } });
    expect(isRunId(g.id)).toBe(true);
    expect(g.name).toBe(runName(g.id));
    expect(g.dir).toBe(path.join(runsDir(root), g.id + ".group"));
    expect(fs.readFileSync(path.join(g.dir, "id"), "utf8")).toBe(g.id + "\n");
    expect(changeFiles(g.dir)).toHaveLength(1);
    // no temporary directory is left beside it
    expect(fs.readdirSync(runsDir(root))).toEqual([g.id + ".group"]);
    const opened = RunGroup.open(root, g.id);
    expect(opened.kind).toBe("batch");
    expect(opened.members).toEqual([a, b].sort());
    expect(opened.get("label")).toBe("sweep");
    expect(opened.get("operation")).toBe("train");
    expect(opened.get("flags")).toEqual({ lr: [0.1, 0.2] });
  });

  it("an empty label is not written", () => {
    const g = RunGroup.create(tempDir(), { kind: "manual", label: "" });
    expect(g.attributes.has("label")).toBe(false);
    expect(g.members).toEqual([]);
  });

  it("members are added and removed by changes to the log", () => {
    const root = tempDir();
    const [a, b, c] = [newRunId(), newRunId(), newRunId()];
    const g = RunGroup.create(root, { kind: "manual", members: [a] });
    g.addMembers([b, c]);
    expect(g.members).toEqual([a, b, c]);
    g.removeMembers([a, c]);
    expect(g.members).toEqual([b]);
    g.change({ set: { label: "x", "tag:t": "" } });
    expect(RunGroup.open(root, g.id).attributes).toEqual(new Map<string, unknown>([[`run:${b}`, ""], ["kind", "manual"], ["label", "x"], ["tag:t", ""]]));
    expect(changeFiles(g.dir)).toHaveLength(4);
  });

  it("a run may belong to several groups", () => {
    const root = tempDir();
    const r = newRunId();
    const g1 = RunGroup.create(root, { kind: "pipeline", members: [r] });
    const g2 = RunGroup.create(root, { kind: "manual", members: [r] });
    expect(listGroupIds(root)).toEqual([g1.id, g2.id].sort());
    expect(RunGroup.open(root, g1.id).members).toEqual([r]);
    expect(RunGroup.open(root, g2.id).members).toEqual([r]);
  });

  it("delete removes the group, not its runs' files", () => {
    const root = tempDir();
    const r = newRunId();
    fs.mkdirSync(path.join(runsDir(root), r + ".meta"), { recursive: true });
    const g = RunGroup.create(root, { kind: "manual", members: [r] });
    g.delete();
    expect(listGroupIds(root)).toEqual([]);
    expect(fs.readdirSync(runsDir(root))).toEqual([r + ".meta"]);
    expect(() => RunGroup.open(root, g.id)).toThrow(/no run group/);
  });

  it("open refuses a directory without a matching id file, and ids that are not ids", () => {
    const root = tempDir();
    const id = newRunId();
    fs.mkdirSync(groupDir(root, id), { recursive: true });
    expect(() => RunGroup.open(root, id)).toThrow(/no run group/);
    fs.writeFileSync(path.join(groupDir(root, id), "id"), newRunId() + "\n");
    expect(() => RunGroup.open(root, id)).toThrow(/no run group/);
    expect(() => groupDir(root, "../escape")).toThrow(/not a group id/);
  });

  it("listGroupIds: only group directories, oldest first; none without .cohort/runs", () => {
    const root = tempDir();
    expect(listGroupIds(root)).toEqual([]);
    const g1 = RunGroup.create(root, { kind: "manual" });
    const g2 = RunGroup.create(root, { kind: "manual" });
    fs.mkdirSync(path.join(runsDir(root), newRunId() + ".meta"));
    fs.mkdirSync(path.join(runsDir(root), `.${newRunId()}.group.1.tmp`));
    fs.mkdirSync(path.join(runsDir(root), "junk.group"));
    expect(listGroupIds(root)).toEqual([g1.id, g2.id]);
  });

  it("membersOf: the run:ID keys, sorted", () => {
    expect(
      membersOf(
        new Map([
          ["run:b", ""],
          ["label", "x"],
          ["run:a", ""],
        ]),
      ),
    ).toEqual(["a", "b"]);
  });
});
