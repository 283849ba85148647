/**
 * The document cache, `.cohort/cache/documents.json`: the text of every job document cohort has read,
 * keyed by what one `stat` of the file tells — modification time, change time, size and inode — so that
 * a command showing the whole project (`status`) reads each document file only when it changed, with
 * one `stat` per job otherwise.
 *
 * It is never trusted blindly:
 * - A document is always `stat`ed. Any difference in mtime, ctime, size or inode (a rename gives a new
 *   inode, an in-place write a new mtime and ctime, and no program can set a ctime back) reads the file
 *   again. A missing file is an empty document, whatever the cache holds.
 * - A file whose mtime or ctime is less than two seconds older than the moment it was read is not
 *   cached: a second write in the same clock tick could keep both times and the size (the "racy git"
 *   problem). Such a file is read again by every command until it has been quiet for two seconds.
 * - Files larger than 64 KiB are not cached (read every time).
 * - A file that cannot be read or parsed is not cached: the error is raised by every read of it.
 *
 * Within one command a document is read once (a snapshot): every later read in the same command gets
 * the same content, unless this process writes the document.
 */
import fs from "node:fs";
import path from "node:path";
import { readSmallFileSync, writeFileAtomic } from "../util/fs.js";
import { parseJson } from "./json.js";
import type { DocumentSnapshots } from "./job.js";
import { UserError } from "../util/errors.js";
import { isPlainObject, type JsonObject } from "./value.js";

const CACHE_VERSION = 1;
const CACHE_FILE = "documents.json";
/** A time older than the read by this much cannot hide a later change made in the same clock tick. */
const TRUST_MARGIN_MS = 2000;
const MAX_CACHED_BYTES = 64 * 1024;

interface CacheFile {
  v: number;
  ids: string[];
  /** Per id, four numbers: mtimeMs, ctimeMs, size, ino. */
  stats: number[];
  /** Per id, the document's text. */
  texts: string[];
}

interface Entry {
  mtimeMs: number;
  ctimeMs: number;
  size: number;
  ino: number;
  text: string;
}

/** What one read of a document gave: its value, no file, or an error raised again on every read. */
type Snapshot = { doc: JsonObject | undefined } | { error: unknown };

export class DocumentCache implements DocumentSnapshots {
  private readonly snapshots = new Map<string, Snapshot>();
  private dirty = false;
  /** Files read (not served from the cache) in this process; for tests and benchmarks. */
  filesRead = 0;

  private constructor(
    private readonly file: string | undefined,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** Opens the cache of a project's `.cohort/cache/` (a missing or unreadable cache is an empty one). */
  static open(cacheDir: string): DocumentCache {
    const file = path.join(cacheDir, CACHE_FILE);
    return new DocumentCache(file, readCache(file));
  }

  /** A cache that is never saved: every document is read from its file once per use. */
  static inMemory(): DocumentCache {
    return new DocumentCache(undefined, new Map());
  }

  /** The document of a job (its file is `file`), read once per command: undefined when there is no file. */
  read(jobId: string, file: string): JsonObject | undefined {
    let snap = this.snapshots.get(jobId);
    if (!snap) {
      snap = this.load(jobId, file);
      this.snapshots.set(jobId, snap);
    }
    if ("error" in snap) throw snap.error;
    return snap.doc;
  }

  /** This process wrote the job's document: the next read goes to the file. */
  written(jobId: string): void {
    this.snapshots.delete(jobId);
    if (this.entries.delete(jobId)) this.dirty = true;
  }

  private load(jobId: string, file: string): Snapshot {
    const now = Date.now();
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(file, { throwIfNoEntry: false });
    } catch (error) {
      return { error };
    }
    const cached = this.entries.get(jobId);
    if (!st) {
      if (cached) {
        this.entries.delete(jobId);
        this.dirty = true;
      }
      return { doc: undefined };
    }
    if (cached && cached.mtimeMs === st.mtimeMs && cached.ctimeMs === st.ctimeMs && cached.size === st.size && cached.ino === st.ino) {
      try {
        return { doc: parseDocument(cached.text, file) };
      } catch {
        // a damaged cache entry: read the file
      }
    }
    let text: string;
    let doc: JsonObject;
    try {
      this.filesRead++;
      text = readSmallFileSync(file);
      doc = parseDocument(text, file);
    } catch (error) {
      if (cached) {
        this.entries.delete(jobId);
        this.dirty = true;
      }
      return { error };
    }
    const quiet = now - Math.max(st.mtimeMs, st.ctimeMs) > TRUST_MARGIN_MS;
    // The size read must match the stat: otherwise the file changed between the two calls.
    if (quiet && st.size <= MAX_CACHED_BYTES && Buffer.byteLength(text) === st.size) {
      this.entries.set(jobId, { mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size, ino: st.ino, text });
      this.dirty = true;
    } else if (cached) {
      this.entries.delete(jobId);
      this.dirty = true;
    }
    return { doc };
  }

  /**
   * Writes the cache if anything changed, keeping only the jobs in `existing` (when given).
   * A failure to write is not an error: it is only a cache.
   */
  save(existing?: ReadonlySet<string> | { has(id: string): boolean }): void {
    if (existing) {
      for (const id of this.entries.keys()) {
        if (!existing.has(id)) {
          this.entries.delete(id);
          this.dirty = true;
        }
      }
    }
    if (!this.dirty || this.file === undefined) return;
    const data: CacheFile = { v: CACHE_VERSION, ids: [], stats: [], texts: [] };
    for (const [id, e] of this.entries) {
      data.ids.push(id);
      data.stats.push(e.mtimeMs, e.ctimeMs, e.size, e.ino);
      data.texts.push(e.text);
    }
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileAtomic(this.file, JSON.stringify(data));
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
  const v = parseJson(text, file);
  if (!isPlainObject(v)) throw new UserError(`${file} does not hold a JSON object`, "a document is a JSON object");
  return v;
}

function readCache(file: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  let data: CacheFile;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8")) as CacheFile;
  } catch {
    return entries;
  }
  if (
    data?.v !== CACHE_VERSION ||
    !Array.isArray(data.ids) ||
    !Array.isArray(data.stats) ||
    !Array.isArray(data.texts) ||
    data.stats.length !== data.ids.length * 4 ||
    data.texts.length !== data.ids.length
  ) {
    return entries;
  }
  const { ids, stats, texts } = data;
  for (let i = 0; i < ids.length; i++) {
    const s = i * 4;
    entries.set(ids[i], { mtimeMs: stats[s], ctimeMs: stats[s + 1], size: stats[s + 2], ino: stats[s + 3], text: texts[i] });
  }
  return entries;
}
