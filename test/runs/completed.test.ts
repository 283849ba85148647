import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../src/dataspace/value.js";
import { Float } from "../../src/dataspace/value.js";
import { completedRuns, hasCompletedFlags } from "../../src/runs/completed.js";
import { RunRecord } from "../../src/runs/record.js";
import { readCatalog } from "../../src/runs/catalog.js";
import { UNREAD } from "../../src/runs/run-table.js";
import { deleteRun } from "../../src/runs/trash.js";
import { tempDir } from "../helpers.js";
import { makeRun } from "./make-runs.js";

const f = (x: number) => new Float(x);

describe("completedRuns", () => {
  function flagRun(root: string, operation: string, config: JsonObject, exit: number | undefined): string {
    const rec = RunRecord.create(root, { project: "p", operation, config, cmd: { shell: "true" } });
    if (exit !== undefined) rec.finish(exit);
    return rec.id;
  }

  it("knows the flags and jobs of completed runs that are not deleted, compared canonically", () => {
    const root = tempDir();
    flagRun(root, "train", { lr: 0.1, epochs: 3 }, 0);
    flagRun(root, "train", { lr: 0.2, epochs: 3 }, 1); // failed
    flagRun(root, "train", { lr: 0.3, epochs: 3 }, undefined); // not finished
    deleteRun(root, flagRun(root, "train", { lr: 0.4, epochs: 3 }, 0));
    flagRun(root, "other", { lr: 0.5, epochs: 3 }, 0);
    flagRun(root, "train", { lr: f(1), epochs: 3 }, 0);
    const job = RunRecord.create(root, { project: "p", operation: "simulate", config: { T: 1 }, jobs: ["a".repeat(32)], cmd: { shell: "true" } });
    job.finish(0);
    const done = completedRuns(root, ["train", "simulate"]);
    // key order does not matter; an int is not a float
    expect(hasCompletedFlags(done, "train", { epochs: 3, lr: 0.1 })).toBe(true);
    expect(hasCompletedFlags(done, "train", { lr: 0.2, epochs: 3 })).toBe(false);
    expect(hasCompletedFlags(done, "train", { lr: 0.3, epochs: 3 })).toBe(false);
    expect(hasCompletedFlags(done, "train", { lr: 0.4, epochs: 3 })).toBe(false);
    expect(hasCompletedFlags(done, "train", { lr: 0.5, epochs: 3 })).toBe(false);
    expect(hasCompletedFlags(done, "train", { lr: f(1), epochs: 3 })).toBe(true);
    expect(hasCompletedFlags(done, "train", { lr: 1, epochs: 3 })).toBe(false);
    expect(hasCompletedFlags(done, "unknown", { lr: 0.1, epochs: 3 })).toBe(false);
    expect([...done.get("simulate")!.jobs]).toEqual(["a".repeat(32)]);
    expect(done.get("train")!.jobs.size).toBe(0);
  });

  it("reads in full, in one pass that the cache keeps, the runs an earlier listing read for their start alone", () => {
    const root = tempDir();
    makeRun(root, "train", "completed", { jobs: ["0".repeat(32)] });
    makeRun(root, "train", "error", { jobs: ["1".repeat(32)] });
    makeRun(root, "other", "completed", { jobs: ["2".repeat(32)] });
    readCatalog(root, { startOnlyFrom: 1 });
    const unread = () => {
      const { table } = readCatalog(root);
      return table.ids.filter((_, r) => table.columns.status[r] === UNREAD).length;
    };
    expect(unread()).toBe(3);
    expect([...completedRuns(root, ["train"]).get("train")!.jobs]).toEqual(["0".repeat(32)]);
    expect(unread()).toBe(0);
  });
});
