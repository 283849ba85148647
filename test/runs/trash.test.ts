import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { changeAttributes } from "../../src/runs/attributes.js";
import { JournalWriter, segmentFile } from "../../src/runs/journal.js";
import { readLedger } from "../../src/runs/ledger.js";
import { outputPlace, readOutput } from "../../src/runs/output.js";
import { newRunId } from "../../src/runs/run-id.js";
import { trashOf } from "../../src/runs/run-status.js";
import { deleteRun, purgeRun, restoreRun, runWorkDir } from "../../src/runs/trash.js";
import { tempDir } from "../helpers.js";
import { deadPid, foreignJournal, makeRun, ownEvents } from "./make-runs.js";

const state = (root: string, id: string) => trashOf(readLedger(root).runs.get(id)!);

/** The output of a run, as `runs show` reads it. */
function output(root: string, id: string): string {
  const ledger = readLedger(root);
  const place = outputPlace(root, ledger.runs.get(id)!, ledger);
  return place ? readOutput(place).toString() : "";
}

function purge(root: string, id: string): void {
  const ledger = readLedger(root);
  purgeRun(root, ledger.runs.get(id)!, ledger);
}

describe("delete and restore", () => {
  it("delete, restore, delete again: the last change decides; the run's own events are never touched", () => {
    const root = tempDir();
    const run = makeRun(root, "op", "completed", { output: "kept\n" });
    const before = ownEvents(root);
    const segment = fs.readFileSync(segmentFile(root, JournalWriter.of(root).id, 0));
    expect(state(root, run.id)).toBe("present");
    deleteRun(root, run.id);
    expect(state(root, run.id)).toBe("deleted");
    restoreRun(root, run.id);
    expect(state(root, run.id)).toBe("present");
    deleteRun(root, run.id);
    expect(state(root, run.id)).toBe("deleted");
    const after = ownEvents(root);
    expect(after.slice(0, before.length)).toEqual(before);
    const changes = after.slice(before.length);
    expect(changes.map((e) => [e.e, e.of, e.set, e.delete])).toEqual([
      ["attr", run.id, { trash: "" }, undefined],
      ["attr", run.id, undefined, ["trash"]],
      ["attr", run.id, { trash: "" }, undefined],
    ]);
    for (const c of changes) {
      expect(typeof c.author).toBe("string");
      expect(Number.isSafeInteger(c.t)).toBe(true);
    }
    expect(fs.readFileSync(segmentFile(root, JournalWriter.of(root).id, 0))).toEqual(segment);
    expect(output(root, run.id)).toBe("kept\n");
  });

  it("lines that are not events are passed over", () => {
    const root = tempDir();
    const run = makeRun(root, "op");
    deleteRun(root, run.id);
    const file = foreignJournal(root, newRunId(), []);
    fs.appendFileSync(file, 'garbage\n{"e": "attr", "of": "' + run.id + '", "delete": ["tr\n[]\n');
    expect(state(root, run.id)).toBe("deleted");
  });
});

describe("purge", () => {
  it("zeroes the run's output, removes its directory, keeps its events and a purged attribute", () => {
    const root = tempDir();
    const before = makeRun(root, "op", "completed", { output: "before\n" });
    const run = makeRun(root, "op", "completed", { output: "secret\n" });
    const after = makeRun(root, "op", "error", { output: "after\n" });
    fs.mkdirSync(runWorkDir(root, run.id), { recursive: true });
    fs.writeFileSync(path.join(runWorkDir(root, run.id), "model.bin"), "data");
    changeAttributes(root, run.id, { set: { label: "x" } });
    const file = segmentFile(root, JournalWriter.of(root).id, 0);
    const size = fs.statSync(file).size;
    purge(root, run.id);
    expect(state(root, run.id)).toBe("purged");
    expect(readLedger(root).runs.get(run.id)!.operation).toBe("op");
    expect(fs.existsSync(runWorkDir(root, run.id))).toBe(false);
    // the segment keeps its length, so the other runs' outputs stay where their events say
    expect(fs.statSync(file).size).toBe(size);
    expect(fs.readFileSync(file, "utf8")).toBe("before\n" + "\0".repeat(7) + "after\n");
    expect(output(root, before.id)).toBe("before\n");
    expect(output(root, after.id)).toBe("after\n");
    expect(ownEvents(root).at(-1)).toMatchObject({ e: "attr", of: run.id, set: { purged: "" } });
  });

  /** Two completed runs in slot 0 of a writer of this host that has ended (a runner gone for good). */
  function endedWriter(root: string): { a: string; b: string; file: string } {
    const writer = newRunId();
    const a = newRunId();
    const b = newRunId();
    foreignJournal(
      root,
      writer,
      [
        { e: "run", t: 1, id: a, op: "op", config: "{}", slot: 0, off: 0 },
        { e: "end", t: 2, id: a, exit: 0, len: 2 },
        { e: "run", t: 3, id: b, op: "op", config: "{}", slot: 0, off: 2 },
        { e: "end", t: 4, id: b, exit: 0, len: 2 },
      ],
      { host: os.hostname(), pid: deadPid() },
    );
    const file = segmentFile(root, writer, 0);
    fs.writeFileSync(file, "a\nb\n");
    return { a, b, file };
  }

  it("removes a segment once every run in it is purged and its writer is gone", () => {
    const root = tempDir();
    const { a, b, file } = endedWriter(root);
    purge(root, a);
    expect(fs.existsSync(file)).toBe(true);
    purge(root, b);
    expect(fs.existsSync(file)).toBe(false);
    expect(output(root, a)).toBe("");
  });

  it("removes the segment when the runs that share it are purged by one command (one reading)", () => {
    const root = tempDir();
    const { a, b, file } = endedWriter(root);
    const ledger = readLedger(root);
    purgeRun(root, ledger.runs.get(a)!, ledger);
    expect(ledger.runs.get(a)!.attrs.has("purged")).toBe(true);
    purgeRun(root, ledger.runs.get(b)!, ledger);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("keeps the segment of a live runner whose every run is purged: its next run is appended to it", () => {
    const root = tempDir();
    // this process is the runner: its slot 0 is idle between two runs
    const a = makeRun(root, "op", "completed", { output: "a\n" });
    const b = makeRun(root, "op", "completed", { output: "b\n" });
    const file = segmentFile(root, JournalWriter.of(root).id, 0);
    purge(root, a.id);
    purge(root, b.id);
    expect(fs.readFileSync(file, "utf8")).toBe("\0".repeat(4));
    const next = makeRun(root, "op", "completed", { output: "next\n" });
    expect(output(root, next.id)).toBe("next\n");
  });

  it("zeroes the output of a run whose runner was killed before its end", () => {
    const root = tempDir();
    const writer = newRunId();
    const killed = newRunId();
    const next = newRunId();
    // a runner of this host that died in the middle of its second run: no end, so no length
    foreignJournal(
      root,
      writer,
      [
        { e: "run", t: 1, id: next, op: "op", config: "{}" },
        { e: "start", t: 2, id: next, slot: 0, off: 0 },
        { e: "end", t: 3, id: next, exit: 0, len: 6 },
        { e: "run", t: 4, id: killed, op: "op", config: "{}" },
        { e: "start", t: 5, id: killed, slot: 0, off: 6 },
      ],
      { host: os.hostname(), pid: deadPid() },
    );
    fs.writeFileSync(segmentFile(root, writer, 0), "first\nhalf of a sec");
    expect(output(root, killed)).toBe("half of a sec");
    purge(root, killed);
    expect(output(root, killed)).toBe("\0".repeat(13));
    expect(output(root, next)).toBe("first\n");
  });

  it("a purge cut short after its attribute, or of a run that never started, can be done (again)", () => {
    const root = tempDir();
    const run = makeRun(root, "op", "completed", { output: "data\n" });
    makeRun(root, "op", "completed", { output: "other\n" });
    // what an interrupted purge leaves: the attribute, not yet the zeros
    changeAttributes(root, run.id, { set: { purged: "" } });
    purge(root, run.id);
    expect(fs.readFileSync(segmentFile(root, JournalWriter.of(root).id, 0), "utf8")).toBe("\0".repeat(5) + "other\n");
    const pending = makeRun(root, "op", "pending");
    purge(root, pending.id);
    expect(state(root, pending.id)).toBe("purged");
  });

  it("a flag run's working directory is .cohort/runs/<run-id>; anything else is refused", () => {
    const root = tempDir();
    const id = "01900000-0000-7000-8000-000000000000";
    expect(runWorkDir(root, id)).toBe(path.join(root, ".cohort", "runs", id));
    expect(() => runWorkDir(root, "../../x")).toThrow(/not a run id/);
    expect(() => runWorkDir(root, id + "/..")).toThrow(/not a run id/);
  });
});
