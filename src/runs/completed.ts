/**
 * What `cohort run --needed` skips: the completed runs of operations. Its own module, loaded only
 * with `--needed`, so that `cohort run` does not load the run catalog.
 */
import { canonicalJson } from "../dataspace/json.js";
import type { JsonObject } from "../dataspace/value.js";
import { readCatalog } from "./catalog.js";
import { RunRecord } from "./record.js";

/** What completed runs of an operation cover: flag sets (canonical JSON) and job ids. */
export interface Completed {
  configs: Set<string>;
  jobs: Set<string>;
}

/**
 * The completed runs (exit code 0, not deleted) of these operations, for `--needed`: for each
 * operation, the canonical JSON of the flags of its flag runs and the job ids its job runs ran on.
 * The run catalog says which runs those are (from its cache, where nothing changed); only their
 * flags are read.
 */
export function completedRuns(projectRoot: string, operations: Iterable<string>): Map<string, Completed> {
  const out = new Map<string, Completed>();
  for (const op of operations) out.set(op, { configs: new Set(), jobs: new Set() });
  // Every run's operation and status are looked at: no record is read for its start alone, and those
  // an earlier listing so read are read in full now, in one pass, and cached.
  const catalog = readCatalog(projectRoot, { startOnlyFrom: Infinity, saveLater: true });
  const { table } = catalog;
  table.readAll();
  catalog.save();
  for (let r = 0; r < table.length; r++) {
    const done = out.get(table.operation(r));
    if (!done || table.status(r) !== "completed" || !table.isPresent(r)) continue;
    const jobs = table.jobs(r);
    if (jobs.length > 0) for (const job of jobs) done.jobs.add(job);
    else {
      let config: JsonObject | undefined;
      try {
        config = RunRecord.open(projectRoot, table.id(r)).config;
      } catch {
        continue; // a record being removed
      }
      if (config) done.configs.add(canonicalJson(config));
    }
  }
  return out;
}

/** Whether a completed run of `operation` had exactly these flags. */
export function hasCompletedFlags(completed: Map<string, Completed>, operation: string, flags: JsonObject): boolean {
  return completed.get(operation)?.configs.has(canonicalJson(flags)) ?? false;
}
