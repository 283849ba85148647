/**
 * Deleting, restoring and purging runs (SPEC §6). Delete and restore set and remove the `trash`
 * attribute, so a delete can be undone and two copies of a project still merge. Purging sets `purged`,
 * then overwrites the run's output bytes in its segment with zeros (the segment keeps its length, so
 * the offsets of the other runs in it stay right; a segment whose every run is purged is removed once
 * its writer is gone) and removes a flag run's directory. A purged run stays known by its events, so naming it later says it
 * was purged rather than that it never existed.
 */
import fs from "node:fs";
import path from "node:path";
import { isRunId } from "./run-id.js";
import { changeAttributes } from "./attributes.js";
import type { Ledger, Run } from "./ledger.js";
import { outputPlace } from "./output.js";
import { metricsFileOf } from "./metric-events.js";
import { Liveness } from "./run-status.js";

/** The working directory of a flag operation's run: `<project>/.cohort/runs/<run-id>/`. */
export function runWorkDir(projectRoot: string, id: string): string {
  if (!isRunId(id)) throw new Error(`not a run id: ${JSON.stringify(id)}`);
  return path.join(projectRoot, ".cohort", "runs", id);
}

export function deleteRun(projectRoot: string, id: string): void {
  changeAttributes(projectRoot, id, { set: { trash: "" } });
}

export function restoreRun(projectRoot: string, id: string): void {
  changeAttributes(projectRoot, id, { delete: ["trash"] });
}

/**
 * Removes a run's output and directory for good, keeping its events and a `purged` attribute. A
 * segment is removed only when every run in it is purged and its writer is gone for good: a runner
 * that still lives appends its slot's next run to the file it holds, at the offset it knows.
 */
export function purgeRun(projectRoot: string, run: Run, ledger: Ledger, live: Liveness = new Liveness()): void {
  changeAttributes(projectRoot, run.id, { set: { purged: "" } });
  ledger.note(run, { purged: "" });
  fs.rmSync(runWorkDir(projectRoot, run.id), { recursive: true, force: true });
  // (a $COHORT_METRICS file its runner, killed, left behind)
  fs.rmSync(metricsFileOf(projectRoot, run.id), { force: true });
  const place = outputPlace(projectRoot, run, ledger);
  if (!place) return;
  const sharers = [...ledger.runs.values()].filter((r) => r.segmentWriter === run.segmentWriter && r.slot === run.slot);
  const writer = run.segmentWriter === undefined ? undefined : ledger.writers.get(run.segmentWriter);
  if (sharers.every((r) => r.attrs.has("purged") && r.ended !== undefined) && live.gone(writer)) {
    fs.rmSync(place.file, { force: true });
    return;
  }
  let fd: number;
  try {
    fd = fs.openSync(place.file, "r+");
  } catch {
    return;
  }
  try {
    // A run without an end (its runner was killed) has its output up to the next run of its slot, or
    // to the end of the segment.
    const end = Math.min(place.end ?? Infinity, fs.fstatSync(fd).size);
    const zeros = Buffer.alloc(Math.min(Math.max(end - place.start, 0), 1 << 20));
    for (let at = place.start; at < end; ) {
      const n = Math.min(zeros.length, end - at);
      fs.writeSync(fd, zeros, 0, n, at);
      at += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}
