/**
 * Attribute logs (SPEC §6): the labels, tags, comments of a run (`<run-id>.user/`) and the members
 * and details of a run group (`<group-id>.group/`).
 *
 * A log is a directory of change files, one per change, never rewritten:
 *
 *   `<time-sortable-id>.json` = `{"author": USER, "set": {KEY: VALUE, ...}, "delete": [KEY, ...]}`
 *
 * The id is a UUID v7, so name order is time order (within one process, strictly increasing). Reading
 * applies the files in name order; within one file the sets apply first, then the deletes. Because
 * files are only ever added, two copies of a project merge by copying the change files one lacks
 * (`mergeAttributeLogs`). Each file is written to a temporary name and renamed, so a reader never
 * sees half a change; files that do not parse (a foreign or damaged file) are skipped, not fatal.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dumpJson, parseJson } from "../dataspace/json.js";
import { isPlainObject, type JsonObject, type JsonValue } from "../dataspace/value.js";
import { isErrno, readSmallFileSync, writeFileAtomic } from "../util/fs.js";
import { scanChange } from "./change-text.js";
import { newUuidV7 } from "./run-id.js";

export interface AttributeChange {
  author: string;
  set?: JsonObject;
  delete?: string[];
}

/** The attributes a log holds now. */
export type Attributes = Map<string, JsonValue>;

const CHANGE_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json$/;

let author: string | undefined;

/** The author of changes made by this process: the operating-system user. */
export function currentAuthor(): string {
  if (author === undefined) {
    try {
      author = os.userInfo().username;
    } catch {
      author = process.env.USER ?? process.env.LOGNAME ?? "unknown";
    }
  }
  return author;
}

/** The change files of a log, in the order they apply. */
export function changeFiles(dir: string): string[] {
  try {
    return changeFilesAmong(fs.readdirSync(dir));
  } catch (err) {
    if (isErrno(err, "ENOENT")) return [];
    throw err;
  }
}

/** The change files among the names a log's directory holds, in the order they apply. */
export function changeFilesAmong(names: readonly string[]): string[] {
  return names.filter((n) => CHANGE_RE.test(n)).sort();
}

/**
 * Adds one change to the log in `dir` (created if needed) and returns its file name. A change that
 * sets and deletes nothing writes nothing and returns undefined.
 */
export function writeChange(dir: string, change: { set?: JsonObject; delete?: string[] }, by: string = currentAuthor()): string | undefined {
  const set = change.set && Object.keys(change.set).length > 0 ? change.set : undefined;
  const del = change.delete && change.delete.length > 0 ? change.delete : undefined;
  if (!set && !del) return undefined;
  const record: JsonObject = { author: by };
  if (set) record.set = set;
  if (del) record.delete = del;
  fs.mkdirSync(dir, { recursive: true });
  const name = `${newUuidV7()}.json`;
  writeFileAtomic(path.join(dir, name), dumpJson(record) + "\n");
  return name;
}

/** Parses one change file; undefined when it is not a change. */
export function parseChange(text: string): AttributeChange | undefined {
  let v: JsonValue;
  try {
    v = parseJson(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(v)) return undefined;
  const set = v.set;
  const del = v.delete;
  if (set !== undefined && !isPlainObject(set)) return undefined;
  if (del !== undefined && !(Array.isArray(del) && del.every((k) => typeof k === "string"))) return undefined;
  return { author: typeof v.author === "string" ? v.author : "", set: set as JsonObject | undefined, delete: del as string[] | undefined };
}

/** Applies changes in order: later wins, deletes after sets. */
export function applyChanges(changes: Iterable<AttributeChange>, into: Attributes = new Map()): Attributes {
  for (const c of changes) {
    if (c.set) for (const [k, v] of Object.entries(c.set)) into.set(k, v);
    if (c.delete) for (const k of c.delete) into.delete(k);
  }
  return into;
}

/** The changes of the log in `dir`, in order (unreadable files skipped). */
export function readChanges(dir: string): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const name of changeFiles(dir)) {
    const text = readChangeFile(path.join(dir, name));
    const change = text === undefined ? undefined : parseChange(text);
    if (change) changes.push(change);
  }
  return changes;
}

/**
 * The text of one change or marker file; undefined when it cannot be read (gone, a directory, no
 * permission): one damaged file must not hide the rest of a log.
 */
export function readChangeFile(file: string): string | undefined {
  try {
    return readSmallFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * The attributes of the log in `dir` (empty when there is none); `names`: its listing, when read
 * already; `texts`: files read already, by name.
 */
export function readAttributes(dir: string, names?: readonly string[], texts: Record<string, string> = {}): Attributes {
  const into: Attributes = new Map();
  for (const name of names ? changeFilesAmong(names) : changeFiles(dir)) {
    const text = Object.hasOwn(texts, name) ? texts[name] : readChangeFile(path.join(dir, name));
    if (text !== undefined) applyChangeText(text, into);
  }
  return into;
}

/** Applies the change a file's text holds (nothing when it holds none), as `applyChanges(parseChange(text))` would. */
export function applyChangeText(text: string, into: Attributes): void {
  const scanned = scanChange(text);
  if (!scanned) {
    const change = parseChange(text);
    if (change) applyChanges([change], into);
    return;
  }
  if (scanned.set) for (const [k, v] of scanned.set) into.set(k, v);
  if (scanned.delete) for (const k of scanned.delete) into.delete(k);
}

/** Copies into `to` the change files of `from` that `to` lacks; returns how many were copied. */
export function mergeAttributeLogs(from: string, to: string): number {
  const have = new Set(changeFiles(to));
  let copied = 0;
  for (const name of changeFiles(from)) {
    if (have.has(name)) continue;
    fs.mkdirSync(to, { recursive: true });
    writeFileAtomic(path.join(to, name), fs.readFileSync(path.join(from, name)));
    copied++;
  }
  return copied;
}

/** Tags (`tag:NAME` keys) of a set of attributes, sorted. */
export function tagsOf(attrs: Attributes): string[] {
  const tags: string[] = [];
  for (const k of attrs.keys()) if (k.startsWith("tag:")) tags.push(k.slice(4));
  return tags.sort();
}

export interface Comment {
  id: string;
  msg: string;
  author: string;
  /** Epoch microseconds. */
  time: number;
}

/** Comments (`comment:ID` keys) of a set of attributes, oldest first. */
export function commentsOf(attrs: Attributes): Comment[] {
  const comments: Comment[] = [];
  for (const [k, v] of attrs) {
    if (!k.startsWith("comment:") || !isPlainObject(v)) continue;
    comments.push({
      id: k.slice(8),
      msg: typeof v.msg === "string" ? v.msg : "",
      author: typeof v.author === "string" ? v.author : "",
      time: typeof v.time === "number" ? v.time : Number(v.time ?? 0),
    });
  }
  return comments.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1));
}

/** The `label` attribute, or "" when there is none. */
export function labelOf(attrs: Attributes): string {
  const v = attrs.get("label");
  return typeof v === "string" ? v : "";
}
