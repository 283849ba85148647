import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  applyChanges,
  changeFiles,
  commentsOf,
  labelOf,
  mergeAttributeLogs,
  parseChange,
  readAttributes,
  readChanges,
  tagsOf,
  writeChange,
} from "../../src/runs/attributes.js";
import { tempDir } from "../helpers.js";

const asObject = (dir: string) => Object.fromEntries(readAttributes(dir));

describe("attribute logs", () => {
  it("writes one JSON file per change, named so that name order is write order", () => {
    const dir = path.join(tempDir(), "log");
    const a = writeChange(dir, { set: { label: "one" } }, "ann")!;
    const b = writeChange(dir, { set: { label: "two" }, delete: ["tag:x"] }, "bob")!;
    expect(a < b).toBe(true);
    expect(changeFiles(dir)).toEqual([a, b]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, a), "utf8"))).toEqual({ author: "ann", set: { label: "one" } });
    expect(JSON.parse(fs.readFileSync(path.join(dir, b), "utf8"))).toEqual({ author: "bob", set: { label: "two" }, delete: ["tag:x"] });
    // nothing but the change files: no temporary file is left
    expect(fs.readdirSync(dir).sort()).toEqual([a, b].sort());
  });

  it("a change that sets and deletes nothing writes nothing", () => {
    const dir = path.join(tempDir(), "log");
    expect(writeChange(dir, { set: {}, delete: [] })).toBeUndefined();
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("later changes win", () => {
    const dir = path.join(tempDir(), "log");
    writeChange(dir, { set: { label: "a", "tag:x": "" } });
    writeChange(dir, { set: { label: "b" } });
    writeChange(dir, { delete: ["tag:x"] });
    writeChange(dir, { set: { "tag:x": "", "tag:y": "" } });
    expect(asObject(dir)).toEqual({ label: "b", "tag:x": "", "tag:y": "" });
  });

  it("within one change, deletes apply after sets", () => {
    const dir = path.join(tempDir(), "log");
    writeChange(dir, { set: { label: "kept?" } });
    writeChange(dir, { set: { label: "new", "tag:t": "" }, delete: ["label"] });
    expect(asObject(dir)).toEqual({ "tag:t": "" });
    expect(applyChanges([{ author: "", set: { k: 1 }, delete: ["k"] }]).has("k")).toBe(false);
  });

  it("skips files that are not changes: bad JSON, wrong shape, a directory, foreign names", () => {
    const dir = path.join(tempDir(), "log");
    writeChange(dir, { set: { label: "good" } });
    const later = "ffffffff-ffff-7fff-bfff-ffffffffffff.json";
    fs.writeFileSync(path.join(dir, "00000000-0000-7000-8000-000000000001.json"), "{ not json");
    fs.writeFileSync(path.join(dir, "00000000-0000-7000-8000-000000000002.json"), '{"set": [1, 2]}');
    fs.writeFileSync(path.join(dir, "00000000-0000-7000-8000-000000000003.json"), '{"delete": "label"}');
    fs.writeFileSync(path.join(dir, "00000000-0000-7000-8000-000000000004.json"), "");
    fs.mkdirSync(path.join(dir, later)); // unreadable as a file
    fs.writeFileSync(path.join(dir, "notes.txt"), '{"set": {"label": "foreign"}}');
    fs.writeFileSync(path.join(dir, ".tmp-partial.json"), '{"set": {"label": "partial"}}');
    expect(asObject(dir)).toEqual({ label: "good" });
    expect(readChanges(dir)).toHaveLength(1);
  });

  it("parseChange accepts the documented shape only", () => {
    expect(parseChange('{"author": "a", "set": {"x": 1}, "delete": ["y"]}')).toEqual({ author: "a", set: { x: 1 }, delete: ["y"] });
    expect(parseChange('{"set": {"x": 1}}')).toEqual({ author: "", set: { x: 1 }, delete: undefined });
    expect(parseChange("[]")).toBeUndefined();
    expect(parseChange('{"delete": [1]}')).toBeUndefined();
    expect(parseChange("")).toBeUndefined();
  });

  it("a missing log reads as no attributes", () => {
    expect(readAttributes(path.join(tempDir(), "none")).size).toBe(0);
  });

  it("two copies with divergent changes merge, both ways, into the same attributes", () => {
    const base = tempDir();
    const a = path.join(base, "a");
    const b = path.join(base, "b");
    writeChange(a, { set: { label: "first", "tag:shared": "" } });
    mergeAttributeLogs(a, b); // b starts as a copy of a
    expect(asObject(b)).toEqual(asObject(a));
    // diverge: each copy changes on its own
    writeChange(a, { set: { "tag:from-a": "", label: "set in a" } });
    writeChange(b, { delete: ["tag:shared"], set: { "comment:c1": { msg: "hi", author: "bob", time: 1 } } });
    writeChange(a, { set: { "tag:late-a": "" } });
    writeChange(b, { set: { label: "set in b, last" } });
    expect(asObject(a)).not.toEqual(asObject(b));
    expect(mergeAttributeLogs(a, b)).toBe(2);
    expect(mergeAttributeLogs(b, a)).toBe(2);
    expect(mergeAttributeLogs(b, a)).toBe(0); // nothing more to copy
    expect(changeFiles(a)).toEqual(changeFiles(b));
    expect(asObject(a)).toEqual(asObject(b));
    expect(asObject(a)).toEqual({
      label: "set in b, last",
      "tag:from-a": "",
      "tag:late-a": "",
      "comment:c1": { msg: "hi", author: "bob", time: 1 },
    });
  });

  it("tags, comments and the label of a set of attributes", () => {
    const dir = path.join(tempDir(), "log");
    writeChange(dir, {
      set: {
        label: "L",
        "tag:z": "",
        "tag:lr=0.1": "",
        "comment:b": { msg: "second", author: "x", time: 20 },
        "comment:a": { msg: "first", author: "y", time: 10 },
        "comment:bad": "not an object",
      },
    });
    const attrs = readAttributes(dir);
    expect(labelOf(attrs)).toBe("L");
    expect(tagsOf(attrs)).toEqual(["lr=0.1", "z"]);
    expect(commentsOf(attrs)).toEqual([
      { id: "a", msg: "first", author: "y", time: 10 },
      { id: "b", msg: "second", author: "x", time: 20 },
    ]);
    expect(labelOf(new Map([["label", 3]]))).toBe("");
  });
});
