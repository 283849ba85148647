/**
 * What `cohort run --needed` skips: the completed runs of operations.
 */
import { canonicalJson, parseJson } from "../dataspace/json.js";
import type { JsonObject } from "../dataspace/value.js";
import { readLedger } from "./ledger.js";
import { trashOf } from "./run-status.js";

/** What completed runs of an operation cover: flag sets (canonical JSON) and job ids. */
export interface Completed {
  configs: Set<string>;
  jobs: Set<string>;
}

/**
 * The completed runs (exit code 0, not deleted) of these operations, for `--needed`: for each
 * operation, the canonical JSON of the flags of its flag runs and the job ids its job runs ran on.
 */
export function completedRuns(projectRoot: string, operations: Iterable<string>): Map<string, Completed> {
  const out = new Map<string, Completed>();
  for (const op of operations) out.set(op, { configs: new Set(), jobs: new Set() });
  for (const run of readLedger(projectRoot).runs.values()) {
    const done = out.get(run.operation);
    if (!done || run.exit !== 0 || trashOf(run) !== "present") continue;
    if (run.jobs.length > 0) for (const job of run.jobs) done.jobs.add(job);
    else {
      try {
        done.configs.add(canonicalJson(parseJson(run.config)));
      } catch {
        continue; // a damaged config matches nothing
      }
    }
  }
  return out;
}

/** Whether a completed run of `operation` had exactly these flags. */
export function hasCompletedFlags(completed: Map<string, Completed>, operation: string, flags: JsonObject): boolean {
  return completed.get(operation)?.configs.has(canonicalJson(flags)) ?? false;
}
