/** Run records in a chosen state, for the tests of the runs library. */
import { RunRecord } from "../../src/runs/record.js";

export type Made = "pending" | "staged" | "running" | "completed" | "error" | "terminated";

/** A run of `operation` left in state `state`; a running one holds a lock of this (live) process. */
export function makeRun(root: string, operation: string, state: Made = "completed", opts: { jobs?: string[]; id?: string } = {}): RunRecord {
  const rec = RunRecord.create(root, { project: "p", operation, config: {}, jobs: opts.jobs, cmd: { shell: "true" }, id: opts.id });
  if (state === "pending") return rec;
  rec.markStaged();
  if (state === "staged") return rec;
  rec.markStarted();
  if (state === "running") return rec;
  rec.finish(state === "completed" ? 0 : state === "error" ? 1 : -15);
  return rec;
}
