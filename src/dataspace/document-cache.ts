/**
 * The document cache, `.cohort/cache/documents.json`: the text of every job document cohort has read,
 * keyed by what one `stat` of the file tells (its stat key, util/stat-key.ts), so that
 * a command showing the whole project (`status`) reads each document file only when it changed, with
 * one `stat` per job otherwise.
 *
 * It is never trusted blindly:
 * - The cache file carries a CRC-32 of its content (checked-file.ts): one edited or damaged is read as an
 *   empty cache, and written anew.
 * - A document is always `stat`ed. Any change of its stat key reads the file again. A missing file is
 *   an empty document, whatever the cache holds.
 * - A file that is not settled (stat-key.ts: modified less than two seconds before the command began)
 *   is not cached: a second write in the same clock tick could keep the key. Such a file is read again
 *   by every command until it has been quiet for two seconds.
 * - Files larger than 64 KiB are not cached (read every time).
 * - A file that cannot be read or parsed is not cached: the error is raised by every read of it.
 * - Documents are stored parsed, with the values JSON cannot carry (integer-valued floats, big
 *   integers) recorded apart, as the job index stores state points.
 *
 * Within one command a document is read once (a snapshot, job-files.ts): every later read in the same
 * command gets the same content.
 */
import fs from "node:fs";
import path from "node:path";
import { readCheckedFile, writeCheckedFile } from "../util/checked-file.js";
import { makeDirs, readSmallFileSync } from "../util/fs.js";
import { keyAt, keyNumbers, keyOf, sameKey, settled, type StatKey } from "../util/stat-key.js";
import { UserError } from "../util/errors.js";
import { collectTyped, restoreTyped } from "./typed-json.js";
import { DOCUMENT_HINT } from "./document.js";
import { parseJson } from "./json.js";
import { isPlainObject, type JsonObject } from "./value.js";

const CACHE_VERSION = 2;
const CACHE_FILE = "documents.json";
const MAX_CACHED_BYTES = 64 * 1024;

interface CacheFile {
  v: number;
  ids: string[];
  /** Per id, its file's stat key as four numbers (keyNumbers). */
  stats: number[];
  /** Per id, the document (as JSON.parse reads it back, corrected by `typed`). */
  docs: JsonObject[];
  /** Values JSON cannot carry: [index into docs, exact text, ...path]. */
  typed: (string | number)[][];
}

interface Entry extends StatKey {
  doc: JsonObject;
}

export class DocumentCache {
  /** When the cache was opened: earlier than every stat, so that "quiet for two seconds" errs on the safe side. */
  private readonly openedAt = Date.now();
  private dirty = false;
  /** Files read (not served from the cache) in this process; for tests and benchmarks. */
  filesRead = 0;

  private loaded: Map<string, Entry> | undefined;

  private constructor(private readonly file: string | undefined) {}

  /**
   * Opens the cache in a project's `.cohort/cache/` (a missing or unreadable cache is an empty one).
   * The file is read at the first document read.
   */
  static open(cacheDir: string): DocumentCache {
    return new DocumentCache(path.join(cacheDir, CACHE_FILE));
  }

  /** A cache that is never saved. */
  static inMemory(): DocumentCache {
    const cache = new DocumentCache(undefined);
    cache.loaded = new Map();
    return cache;
  }

  private get entries(): Map<string, Entry> {
    this.loaded ??= this.file === undefined ? new Map() : readCache(this.file);
    return this.loaded;
  }

  private drop(jobId: string): void {
    if (this.entries.delete(jobId)) this.dirty = true;
  }

  /**
   * A job's document as its file holds it now: one stat, and a read only when the cache does not hold
   * this version of the file. Undefined when there is no file; throws when it cannot be read or parsed.
   */
  read(jobId: string, file: string): JsonObject | undefined {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    const cached = this.entries.get(jobId);
    if (!st) {
      if (cached) this.drop(jobId);
      return undefined;
    }
    if (cached && sameKey(cached, st)) return cached.doc;
    return this.readFile(file, st, cached, jobId);
  }

  private readFile(file: string, st: StatKey, cached: Entry | undefined, jobId: string): JsonObject {
    let text: string;
    let doc: JsonObject;
    try {
      this.filesRead++;
      text = readSmallFileSync(file);
      doc = parseDocument(text, file);
    } catch (error) {
      if (cached) this.drop(jobId);
      throw error;
    }
    // The length read must match the stat: otherwise the file changed between the two calls.
    if (settled(st, this.openedAt) && st.size <= MAX_CACHED_BYTES && Buffer.byteLength(text) === st.size) {
      this.entries.set(jobId, { ...keyOf(st), doc });
      this.dirty = true;
    } else if (cached) {
      this.drop(jobId);
    }
    return doc;
  }

  /**
   * Writes the cache if anything changed, keeping only the jobs that `existing` (asked only then)
   * holds. A failure to write is not an error: it is only a cache.
   */
  save(existing?: () => { has(id: string): boolean }): void {
    if (!this.loaded || !this.dirty || this.file === undefined) return;
    if (existing) {
      const ids = existing();
      for (const id of this.entries.keys()) if (!ids.has(id)) this.entries.delete(id);
    }
    const data: CacheFile = { v: CACHE_VERSION, ids: [], stats: [], docs: [], typed: [] };
    for (const [id, e] of this.entries) {
      collectTyped(e.doc, [data.ids.length], data.typed);
      data.ids.push(id);
      data.stats.push(...keyNumbers(e));
      data.docs.push(e.doc);
    }
    try {
      makeDirs(path.dirname(this.file));
      // A replacer is slow at 100,000 documents: use one only when a big integer needs it.
      const hasBig = data.typed.some(([, text]) => /^-?\d+$/.test(text as string));
      writeCheckedFile(this.file, hasBig ? JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) : JSON.stringify(data));
      this.dirty = false;
    } catch {
      // read-only project or full disk: the next command reads the files again
    }
  }

  /** The number of cached documents. */
  get size(): number {
    return this.entries.size;
  }
}

function parseDocument(text: string, file: string): JsonObject {
  const v = parseJson(text, file, DOCUMENT_HINT);
  if (!isPlainObject(v)) throw new UserError(`${file} does not hold a JSON object`, "a document is a JSON object");
  return v;
}

function readCache(file: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  let data: CacheFile;
  try {
    const body = readCheckedFile(file);
    if (!body) return entries;
    data = JSON.parse(body.toString("utf8")) as CacheFile;
    if (
      data?.v !== CACHE_VERSION ||
      !Array.isArray(data.ids) ||
      !Array.isArray(data.stats) ||
      !Array.isArray(data.docs) ||
      !Array.isArray(data.typed) ||
      data.stats.length !== data.ids.length * 4 ||
      data.docs.length !== data.ids.length
    ) {
      return entries;
    }
    restoreTyped(data.docs, data.typed);
  } catch {
    return entries;
  }
  const { ids, stats, docs } = data;
  for (let i = 0; i < ids.length; i++) {
    entries.set(ids[i], { ...keyAt(stats, i * 4), doc: docs[i] });
  }
  return entries;
}
