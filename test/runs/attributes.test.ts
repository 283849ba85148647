import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { changeAttributes, commentsOf, labelOf, tagsOf } from "../../src/runs/attributes.js";
import { journalDir, JournalWriter, JOURNAL_RE } from "../../src/runs/journal.js";
import { readLedger } from "../../src/runs/ledger.js";
import { outputPlace, readOutput } from "../../src/runs/output.js";
import { newRunId } from "../../src/runs/run-id.js";
import { tempDir } from "../helpers.js";
import { foreignJournal, makeRun, nextProcess, ownEvents } from "./make-runs.js";

/** A run's attributes now, as an object. */
const attrsOf = (root: string, id: string) => Object.fromEntries(readLedger(root).runs.get(id)!.attrs);

describe("attribute changes", () => {
  it("each change is one attr event in this process's journal, with its author and time, in the order made", () => {
    const root = tempDir();
    const run = makeRun(root, "op");
    const before = ownEvents(root).length;
    changeAttributes(root, run.id, { set: { label: "one" } });
    changeAttributes(root, run.id, { set: { label: "two" }, delete: ["tag:x"] });
    const added = ownEvents(root).slice(before);
    expect(added).toHaveLength(2);
    expect(added[0]).toEqual({ e: "attr", t: expect.any(Number), of: run.id, set: { label: "one" }, author: expect.any(String) });
    expect(added[1]).toEqual({ e: "attr", t: expect.any(Number), of: run.id, set: { label: "two" }, delete: ["tag:x"], author: added[0].author });
    expect(added[0].author).not.toBe("");
    expect(added[1].t as number).toBeGreaterThan(added[0].t as number);
    // one journal file holds it all: no file per change
    expect(fs.readdirSync(journalDir(root)).filter((n) => JOURNAL_RE.test(n))).toEqual([path.basename(JournalWriter.of(root).file)]);
  });

  it("a change that sets and deletes nothing records nothing", () => {
    const root = tempDir();
    changeAttributes(root, newRunId(), { set: {}, delete: [] });
    changeAttributes(root, newRunId(), {});
    expect(fs.existsSync(journalDir(root))).toBe(false);
  });

  it("later changes win", () => {
    const root = tempDir();
    const { id } = makeRun(root, "op");
    changeAttributes(root, id, { set: { label: "a", "tag:x": "" } });
    changeAttributes(root, id, { set: { label: "b" } });
    changeAttributes(root, id, { delete: ["tag:x"] });
    changeAttributes(root, id, { set: { "tag:x": "", "tag:y": "" } });
    expect(attrsOf(root, id)).toEqual({ label: "b", "tag:x": "", "tag:y": "" });
  });

  it("within one change, deletes apply after sets", () => {
    const root = tempDir();
    const { id } = makeRun(root, "op");
    changeAttributes(root, id, { set: { label: "kept?" } });
    changeAttributes(root, id, { set: { label: "new", "tag:t": "" }, delete: ["label"] });
    expect(attrsOf(root, id)).toEqual({ "tag:t": "" });
  });

  it("a change recorded before its run's event, or in another journal, still applies", () => {
    const root = tempDir();
    const id = newRunId();
    // another process labelled the run; this journal, read after it, makes the run
    foreignJournal(root, "00000000-0000-7000-8000-000000000001", [{ e: "attr", t: 1, of: id, set: { label: "early", "tag:k": "" }, author: "a" }]);
    makeRun(root, "op", "completed", { id });
    expect(attrsOf(root, id)).toEqual({ label: "early", "tag:k": "" });
  });

  it("passes over attr events that are not changes: bad JSON, wrong shapes; applies the rest", () => {
    const root = tempDir();
    const { id } = makeRun(root, "op");
    changeAttributes(root, id, { set: { label: "good", "tag:t": "" } });
    const file = foreignJournal(root, newRunId(), [
      { e: "attr", t: Date.now() * 1000 + 1e9, of: id, set: [1, 2], author: "x" },
      { e: "attr", t: Date.now() * 1000 + 1e9, of: id, delete: "label", author: "x" },
      { e: "attr", t: Date.now() * 1000 + 1e9, of: id, delete: 5, author: "x" },
      { e: "attr", t: Date.now() * 1000 + 1e9, of: id, delete: [7], author: "x" },
      { e: "attr", t: Date.now() * 1000 + 1e9, of: id, set: "label", author: "x" },
      { e: "attr", t: Date.now() * 1000 + 1e9, of: 42, set: { label: "no" }, author: "x" },
      { e: "attr", t: "soon", of: id, set: { label: "no" }, author: "x" },
    ]);
    fs.appendFileSync(file, '{"e": "attr", "of": "' + id + '", "set": {"label": "torn"');
    const ledger = readLedger(root);
    expect(Object.fromEntries(ledger.runs.get(id)!.attrs)).toEqual({ label: "good", "tag:t": "" });
    expect(ledger.skipped).toBe(7);
  });

  it("a run without changes has no attributes; a project without journals no runs", () => {
    const root = tempDir();
    expect(readLedger(root).runs.size).toBe(0);
    const { id } = makeRun(root, "op");
    expect(readLedger(root).runs.get(id)!.attrs.size).toBe(0);
  });

  it("tags, comments and the label of a set of attributes", () => {
    const root = tempDir();
    const { id } = makeRun(root, "op");
    changeAttributes(root, id, {
      set: {
        label: "L",
        "tag:z": "",
        "tag:lr=0.1": "",
        "comment:b": { msg: "second", author: "x", time: 20 },
        "comment:a": { msg: "first", author: "y", time: 10 },
      },
    });
    // a change holding an ill-typed comment is damage: skipped whole, its label too
    changeAttributes(root, id, { set: { label: "not applied", "comment:bad": "not an object" } });
    const attrs = readLedger(root).runs.get(id)!.attrs;
    expect(labelOf(attrs)).toBe("L");
    expect(tagsOf(attrs)).toEqual(["lr=0.1", "z"]);
    expect(commentsOf(attrs)).toEqual([
      { id: "a", msg: "first", author: "y", time: 10 },
      { id: "b", msg: "second", author: "x", time: 20 },
    ]);
    expect(labelOf(new Map([["label", 3]]))).toBe("");
  });
});

describe("two copies of a project", () => {
  /** Copies the journal files and output segments `from` has and `to` lacks; returns their names. */
  function copyMissing(from: string, to: string): string[] {
    const copied: string[] = [];
    fs.mkdirSync(journalDir(to), { recursive: true });
    for (const name of fs.readdirSync(journalDir(from))) {
      if (!/\.(jsonl|out)$/.test(name) || fs.existsSync(path.join(journalDir(to), name))) continue;
      fs.copyFileSync(path.join(journalDir(from), name), path.join(journalDir(to), name));
      copied.push(name);
    }
    return copied.sort();
  }

  /** What a listing shows of every run: operation, exit code, label, tags, output. */
  function listing(root: string) {
    const ledger = readLedger(root);
    return [...ledger.runs.values()]
      .map((r) => {
        const place = outputPlace(root, r, ledger);
        return { id: r.id, op: r.operation, exit: r.exit, label: labelOf(r.attrs), tags: tagsOf(r.attrs), output: place ? readOutput(place).toString() : undefined };
      })
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  it("diverge, then merge by copying the journal files each lacks: both list the same runs, labels and outputs", () => {
    const base = tempDir();
    const a = path.join(base, "a");
    const b = path.join(base, "b");
    fs.mkdirSync(a);
    // A common past: one run with a label, made by a process that has ended.
    const first = makeRun(a, "prepare", "completed", { output: "prepared\n" });
    changeAttributes(a, first.id, { set: { label: "first", "tag:shared": "" } });
    nextProcess(a);
    fs.mkdirSync(b);
    copyMissing(a, b);
    expect(listing(b)).toEqual(listing(a));

    // Each copy goes on alone, one process after another.
    const inA = makeRun(a, "simulate", "completed", { output: "from a\n" });
    changeAttributes(a, first.id, { set: { "tag:from-a": "", label: "set in a" } });
    nextProcess(a);
    const inB = makeRun(b, "simulate", "error", { output: "from b\n" });
    changeAttributes(b, first.id, { delete: ["tag:shared"], set: { "comment:c1": { msg: "hi", author: "bob", time: 1 } } });
    nextProcess(b);
    changeAttributes(a, inA.id, { set: { "tag:late-a": "" } });
    nextProcess(a);
    changeAttributes(b, first.id, { set: { label: "set in b, last" } });
    nextProcess(b);
    expect(listing(a)).not.toEqual(listing(b));

    // Merge: every file one lacks is copied from the other; none is changed.
    expect(copyMissing(a, b)).toHaveLength(3); // two journals and a segment of a's
    expect(copyMissing(b, a)).toHaveLength(3);
    expect(copyMissing(b, a)).toEqual([]);
    expect(fs.readdirSync(journalDir(a)).sort()).toEqual(fs.readdirSync(journalDir(b)).sort());
    for (const name of fs.readdirSync(journalDir(a))) expect(fs.readFileSync(path.join(journalDir(a), name))).toEqual(fs.readFileSync(path.join(journalDir(b), name)));

    const merged = listing(a);
    expect(listing(b)).toEqual(merged);
    expect(merged.map((r) => [r.id, r.op, r.exit, r.output])).toEqual(
      [
        [first.id, "prepare", 0, "prepared\n"],
        [inA.id, "simulate", 0, "from a\n"],
        [inB.id, "simulate", 1, "from b\n"],
      ].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
    );
    // the changes of both copies apply in time order, later wins
    expect(Object.fromEntries(readLedger(b).runs.get(first.id)!.attrs)).toEqual({
      label: "set in b, last",
      "tag:from-a": "",
      "comment:c1": { msg: "hi", author: "bob", time: 1 },
    });
    expect(merged.find((r) => r.id === inA.id)!.tags).toEqual(["late-a"]);
  });
});
