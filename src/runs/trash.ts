/**
 * Deleting, restoring and purging runs (SPEC §6). A run is deleted by a marker in `<run-id>.move/`,
 * never by touching its record, so a delete can be undone and two copies of a project still merge.
 *
 * `<run-id>.move/` is a log of markers, one file per action, named by a UUID v7 (time order):
 * `<uuid>.json` = `{"action": "trash" | "restore" | "purge", "author": USER, "time": MICROS}`. The last
 * marker decides: `trash` → deleted, `restore` → not deleted, `purge` → purged. Purging first writes
 * the `purge` marker, then removes the record, the attribute log and the run directory: a purged run
 * stays known by its marker, so naming it later says it was purged rather than that it never existed.
 */
import fs from "node:fs";
import path from "node:path";
import { dumpJson, parseJson } from "../dataspace/json.js";
import { isPlainObject } from "../dataspace/value.js";
import { writeFileAtomic } from "../util/fs.js";
import { changeFiles, currentAuthor, readChangeFile } from "./attributes.js";
import { nowMicros, runMetaDir, runsDir } from "./record.js";
import { newUuidV7 } from "./run-id.js";

export type TrashState = "present" | "deleted" | "purged";
export type TrashAction = "trash" | "restore" | "purge";

export function moveDir(projectRoot: string, id: string): string {
  return runMetaDir(projectRoot, id).replace(/\.meta$/, ".move");
}

export function userDir(projectRoot: string, id: string): string {
  return runMetaDir(projectRoot, id).replace(/\.meta$/, ".user");
}

/** The working directory of a flag operation's run: `<project>/.cohort/runs/<run-id>/`. */
export function runWorkDir(projectRoot: string, id: string): string {
  return runMetaDir(projectRoot, id).replace(/\.meta$/, "");
}

/** The state the markers of run `id` leave it in. */
export function trashState(projectRoot: string, id: string): TrashState {
  const dir = moveDir(projectRoot, id);
  const files = changeFiles(dir);
  for (let i = files.length - 1; i >= 0; i--) {
    const text = readChangeFile(path.join(dir, files[i]));
    let v;
    try {
      v = text === undefined ? undefined : parseJson(text);
    } catch {
      continue;
    }
    if (!isPlainObject(v)) continue;
    if (v.action === "trash") return "deleted";
    if (v.action === "restore") return "present";
    if (v.action === "purge") return "purged";
  }
  return "present";
}

function mark(projectRoot: string, id: string, action: TrashAction): void {
  const dir = moveDir(projectRoot, id);
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, `${newUuidV7()}.json`), dumpJson({ action, author: currentAuthor(), time: nowMicros() }) + "\n");
}

export function deleteRun(projectRoot: string, id: string): void {
  mark(projectRoot, id, "trash");
}

export function restoreRun(projectRoot: string, id: string): void {
  mark(projectRoot, id, "restore");
}

/** Removes a run's files for good, keeping its `purge` marker. */
export function purgeRun(projectRoot: string, id: string): void {
  mark(projectRoot, id, "purge");
  const tmp = path.join(runsDir(projectRoot), `.${id}.purge.${process.pid}.tmp`);
  for (const dir of [runMetaDir(projectRoot, id), userDir(projectRoot, id), runWorkDir(projectRoot, id)]) {
    // Renamed away first: a reader sees the whole record or none of it. A leftover of an interrupted
    // purge would make the rename fail, so it goes first.
    fs.rmSync(tmp, { recursive: true, force: true });
    try {
      fs.renameSync(dir, tmp);
    } catch {
      continue;
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
