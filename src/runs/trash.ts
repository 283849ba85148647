/**
 * Deleting, restoring and purging runs (SPEC §6). Delete and restore set and remove the `trash`
 * attribute, so a delete can be undone and two copies of a project still merge. Purging sets `purged`,
 * then overwrites the run's output bytes in its segment with zeros (the segment keeps its length, so
 * the offsets of the other runs in it stay right; a segment whose every run is purged is removed) and
 * removes a flag run's directory. A purged run stays known by its events, so naming it later says it
 * was purged rather than that it never existed.
 */
import fs from "node:fs";
import path from "node:path";
import { isRunId } from "./run-id.js";
import { changeAttributes } from "./attributes.js";
import { segmentFile } from "./journal.js";
import type { Ledger, Run } from "./ledger.js";

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

/** Removes a run's output and directory for good, keeping its events and a `purged` attribute. */
export function purgeRun(projectRoot: string, run: Run, ledger: Ledger): void {
  changeAttributes(projectRoot, run.id, { set: { purged: "" } });
  run.attrs.set("purged", "");
  fs.rmSync(runWorkDir(projectRoot, run.id), { recursive: true, force: true });
  if (run.segmentWriter === undefined || run.slot === undefined || run.offset === undefined) return;
  const file = segmentFile(projectRoot, run.segmentWriter, run.slot);
  const sharers = [...ledger.runs.values()].filter((r) => r.segmentWriter === run.segmentWriter && r.slot === run.slot);
  if (sharers.every((r) => r.attrs.has("purged") && r.ended !== undefined)) {
    fs.rmSync(file, { force: true });
    return;
  }
  const length = run.length ?? 0;
  if (length <= 0) return;
  let fd: number;
  try {
    fd = fs.openSync(file, "r+");
  } catch {
    return;
  }
  try {
    const zeros = Buffer.alloc(Math.min(length, 1 << 20));
    for (let done = 0; done < length; ) {
      const n = Math.min(zeros.length, length - done);
      fs.writeSync(fd, zeros, 0, n, run.offset + done);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}
