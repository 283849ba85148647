import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../src/dataspace/value.js";
import { Float } from "../../src/dataspace/value.js";
import { completedRuns, hasCompletedFlags } from "../../src/runs/completed.js";
import { JournalWriter } from "../../src/runs/journal.js";
import { readLedger } from "../../src/runs/ledger.js";
import { RecordedRun } from "../../src/runs/recorder.js";
import { newRunId } from "../../src/runs/run-id.js";
import { deleteRun, purgeRun } from "../../src/runs/trash.js";
import { tempDir } from "../helpers.js";
import { foreignJournal, makeRun } from "./make-runs.js";

const f = (x: number) => new Float(x);

describe("completedRuns", () => {
  function flagRun(root: string, operation: string, config: JsonObject, exit: number | undefined): string {
    const rec = new RecordedRun(JournalWriter.of(root), { operation, config, jobs: [], command: { template: "true", run: "true" } });
    rec.start(JournalWriter.of(root).segment(0));
    if (exit !== undefined) rec.end(exit);
    return rec.id;
  }

  it("knows the flags and jobs of completed runs that are not deleted, compared canonically", () => {
    const root = tempDir();
    flagRun(root, "train", { lr: 0.1, epochs: 3 }, 0);
    flagRun(root, "train", { lr: 0.2, epochs: 3 }, 1); // failed
    flagRun(root, "train", { lr: 0.3, epochs: 3 }, undefined); // not finished
    flagRun(root, "train", { lr: 0.6, epochs: 3 }, -15); // terminated
    deleteRun(root, flagRun(root, "train", { lr: 0.4, epochs: 3 }, 0));
    flagRun(root, "other", { lr: 0.5, epochs: 3 }, 0);
    flagRun(root, "train", { lr: f(1), epochs: 3 }, 0);
    const job = new RecordedRun(JournalWriter.of(root), { operation: "simulate", config: { T: 1 }, jobs: ["a".repeat(32)], command: { template: "true", run: "true" } });
    job.start(JournalWriter.of(root).segment(0));
    job.end(0);
    const done = completedRuns(root, ["train", "simulate"]);
    // key order does not matter; an int is not a float
    expect(hasCompletedFlags(done, "train", { epochs: 3, lr: 0.1 })).toBe(true);
    expect(hasCompletedFlags(done, "train", { lr: 0.2, epochs: 3 })).toBe(false);
    expect(hasCompletedFlags(done, "train", { lr: 0.3, epochs: 3 })).toBe(false);
    expect(hasCompletedFlags(done, "train", { lr: 0.6, epochs: 3 })).toBe(false);
    expect(hasCompletedFlags(done, "train", { lr: 0.4, epochs: 3 })).toBe(false);
    expect(hasCompletedFlags(done, "train", { lr: 0.5, epochs: 3 })).toBe(false);
    expect(hasCompletedFlags(done, "train", { lr: f(1), epochs: 3 })).toBe(true);
    expect(hasCompletedFlags(done, "train", { lr: 1, epochs: 3 })).toBe(false);
    expect(hasCompletedFlags(done, "unknown", { lr: 0.1, epochs: 3 })).toBe(false);
    expect([...done.get("simulate")!.jobs]).toEqual(["a".repeat(32)]);
    expect(done.get("train")!.jobs.size).toBe(0);
  });

  it("reads every journal: a run's end in another journal counts; a purged run and a damaged config do not", () => {
    const root = tempDir();
    const elsewhere = newRunId();
    const damaged = newRunId();
    // made and ended by another process
    foreignJournal(root, newRunId(), [
      { e: "run", t: 1, id: elsewhere, op: "train", config: '{"lr": 0.7}' },
      { e: "run", t: 2, id: damaged, op: "train", config: '{"lr": 0.' },
      { e: "end", t: 3, id: damaged, exit: 0 },
    ]);
    const split = newRunId();
    makeRun(root, "train", "pending", { id: split, config: '{"lr": 0.8}' });
    foreignJournal(root, newRunId(), [{ e: "end", t: Date.now() * 1000, id: split, exit: 0 }]);
    expect(hasCompletedFlags(completedRuns(root, ["train"]), "train", { lr: 0.7 })).toBe(false); // no end yet
    foreignJournal(root, newRunId(), [{ e: "end", t: 4, id: elsewhere, exit: 0 }]);
    const purged = makeRun(root, "train", "completed", { jobs: ["b".repeat(32)] });
    makeRun(root, "train", "completed", { jobs: ["c".repeat(32)] });
    const ledger = readLedger(root);
    purgeRun(root, ledger.runs.get(purged.id)!, ledger);
    const done = completedRuns(root, ["train"]);
    expect(hasCompletedFlags(done, "train", { lr: 0.7 })).toBe(true);
    expect(hasCompletedFlags(done, "train", { lr: 0.8 })).toBe(true);
    expect([...done.get("train")!.configs].sort()).toEqual(['{"lr": 0.7}', '{"lr": 0.8}']);
    expect([...done.get("train")!.jobs]).toEqual(["c".repeat(32)]);
  });
});
