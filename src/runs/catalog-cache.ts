/**
 * The run catalog's cache, `.cohort/cache/runs.json`: what the catalog read of `.cohort/runs/`, kept
 * so that a listing of a project where nothing changed reads almost nothing. It is derived only:
 * deleting it loses nothing, and a file that does not parse or has another shape is ignored (and
 * replaced by the next listing). What is kept, and how each part is checked before it is used:
 *
 * - **The listing** of `.cohort/runs/` (which records, attribute logs, trash logs and groups exist),
 *   keyed by the directory's modification time, change time and inode, as the job index keys the
 *   workspace: adding, removing or renaming an entry changes the times. It is trusted only when the
 *   directory had been quiet for two seconds when it was read (a second change in the same clock tick
 *   could keep the times); otherwise the directory is read again.
 * - **Ended runs**: operation, FlowGroup, jobs, start time and exit code. A run's record does not change
 *   once `proc/exit` holds its exit code, so these are used as long as the record is listed. Of a run
 *   that has not ended only the operation and jobs are kept: its status depends on files that change
 *   and on whether its process lives.
 * - **Attribute logs, trash logs and groups**, each keyed by one `stat` of its directory (modification
 *   time, change time, inode), as the document cache keys documents: every change adds a file to the
 *   directory, which moves its times. A directory that was not quiet for two seconds when read is listed
 *   without a key, so it is read again every time until it is.
 *
 * At 100,000 runs the file's size and the time to parse it matter: the ended runs are a few long
 * strings (see CacheFile.runs), and a group's members are indices into them.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { collectTyped, restoreTyped } from "../dataspace/job-index.js";
import type { JsonValue } from "../dataspace/value.js";
import { writeFileAtomic } from "../util/fs.js";
import { isRunId } from "./run-id.js";
import type { TrashState } from "./trash.js";

const FORMAT = "cohort run catalog";
const ID_LENGTH = 36;
const NAME_LENGTH = 11;
const VERSION = 2;
/** A time older than the read by this much cannot hide a later change made in the same clock tick. */
export const TRUST_MARGIN_MS = 2000;

/** What one `stat` of a directory tells the cache; mtimeMs -1: never matches (read it again). */
export interface DirKey {
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

export const UNTRUSTED_KEY: DirKey = { mtimeMs: -1, ctimeMs: -1, ino: -1 };

/** The key of a directory; undefined when it does not exist. */
export function statKey(dir: string): DirKey | undefined {
  const st = fs.statSync(dir, { throwIfNoEntry: false });
  return st && { mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
}

/** The key to keep for a directory read at `readAt`: its own when it had been quiet long enough. */
export function keyToKeep(key: DirKey, readAt: number): DirKey {
  return readAt - key.mtimeMs > TRUST_MARGIN_MS ? key : UNTRUSTED_KEY;
}

export function sameKey(a: DirKey, b: DirKey): boolean {
  return a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino && a.mtimeMs !== -1;
}

export interface Keyed<T> {
  key: DirKey;
  value: T;
}

/** A run's label and tags. */
export type UserFacts = { label: string; tags: string[] };

/** A listed record that is read every time: not ended, purged, or not a record. */
export interface Unsettled {
  id: string;
  /** What its opref and jobs said (they never change); undefined: read them too. */
  op?: number;
  jobs?: string;
}

/** The cache as the catalog uses it. Runs are columns, sorted by id. */
export interface CatalogCache {
  /** The listed directory's key (UNTRUSTED_KEY when it was not quiet). */
  listing: DirKey;
  /** Distinct (operation, FlowGroup) pairs, referred to by `runs.op`. */
  operations: [string, string | null][];
  /** Ended runs. */
  runs: CachedRuns;
  unsettled: Unsettled[];
  /** Per run id with a `.user` directory; value null: not read (no such run is listed). */
  users: Map<string, Keyed<UserFacts | null>>;
  moves: Map<string, Keyed<TrashState>>;
  /** Per group id; null: not a group (read again every time). */
  groups: Map<string, Keyed<CachedGroup | null>>;
}

/** The ended runs of a cache, as columns in id order; names and jobs are cut from the file's text when asked for. */
export interface CachedRuns {
  ids: string[];
  name(i: number): string;
  /** Job ids joined by "\n"; "" for a flag run. */
  jobs(i: number): string;
  /** Index into `operations`; -1: the record has no valid opref (operation "?"). */
  op: ArrayLike<number>;
  /** NaN: not started. */
  started: ArrayLike<number>;
  exit: ArrayLike<number>;
  /** The columns as the file holds them: written again as they are when the runs did not change. */
  text?: RunsText;
}

/** Ended runs as the next cache will hold them. */
export interface RunColumns {
  ids: string[];
  names: string[];
  op: number[];
  jobs: string[];
  started: number[];
  exit: number[];
}

/** Attributes as [key, value], or just the key when the value is "" (members, tags): a third of the size. */
export type CompactAttributes = ([string, JsonValue] | string)[];

/**
 * A group: its attributes in log order but for its members' keys, and its members in id order, each as
 * its index in `runs` when it is an ended run there (so that a listing finds the member's run without
 * looking its id up), else as its id.
 */
export interface CachedGroup {
  attrs: CompactAttributes;
  members: (number | string)[];
}

export function emptyCache(): CatalogCache {
  return {
    listing: UNTRUSTED_KEY,
    operations: [],
    runs: { ids: [], name: () => "", jobs: () => "", op: [], started: [], exit: [] },
    unsettled: [],
    users: new Map(),
    moves: new Map(),
    groups: new Map(),
  };
}

export interface RunsText {
  ids: string;
  names: string;
  op: string;
  jobs: string;
  jobEnds: string;
  started: string;
  exit: string;
}

/** The file as written: keyed entries are [id, mtimeMs, ctimeMs, ino, value]. */
interface CacheFile {
  format: string;
  v: number;
  listing: number[];
  operations: [string, string | null][];
  /** os.endianness() of the machine that wrote the numbers below. */
  endian: string;
  /**
   * Ended runs, as few strings as can be: at 100,000 runs, cutting one string costs a fraction of
   * parsing 100,000 values. Ids and names are fixed-width fields of one string each; jobs one string
   * cut at `jobEnds`; numbers typed arrays in base64 (`op` and `jobEnds` Int32, `started` and `exit`
   * Float64, NaN: not started). A name kept costs less than one made.
   */
  runs: RunsText;
  /** [id] or [id, op, jobs] */
  unsettled: ([string] | [string, number, string])[];
  users: [string, number, number, number, UserFacts | null][];
  moves: [string, number, number, number, TrashState][];
  groups: [string, number, number, number, [CompactAttributes, (number | string)[]] | null][];
  /** Values JSON cannot carry in groups' attributes: [index into groups, exact text, ...path]. */
  typed: (string | number)[][];
}

export function cacheFile(projectRoot: string): string {
  return path.join(projectRoot, ".cohort", "cache", "runs.json");
}

/** Reads the cache; undefined when there is none or it is not one this version wrote. */
export function loadCache(file: string): CatalogCache | undefined {
  let data: CacheFile;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8")) as CacheFile;
  } catch {
    return undefined;
  }
  try {
    return valid(data) ? fromFile(data) : undefined;
  } catch {
    return undefined;
  }
}

const isNum = (x: unknown): x is number => typeof x === "number";
const isKeyed = (e: unknown): e is [string, number, number, number, unknown] =>
  Array.isArray(e) && e.length === 5 && typeof e[0] === "string" && isRunId(e[0]) && isNum(e[1]) && isNum(e[2]) && isNum(e[3]);
const TRASH_STATES = new Set(["present", "deleted", "purged"]);

/** Checks everything the catalog relies on, so that a foreign or damaged file cannot reach a listing. */
function valid(d: CacheFile): boolean {
  if (typeof d !== "object" || d === null || d.format !== FORMAT || d.v !== VERSION) return false;
  if (!Array.isArray(d.listing) || d.listing.length !== 3 || !d.listing.every(isNum)) return false;
  const ops = d.operations;
  if (!Array.isArray(ops) || !ops.every((o) => Array.isArray(o) && typeof o[0] === "string" && (o[1] === null || typeof o[1] === "string"))) return false;
  const r = d.runs;
  if (d.endian !== os.endianness() || typeof r !== "object" || r === null) return false;
  if (![r.ids, r.names, r.op, r.jobs, r.jobEnds, r.started, r.exit].every((x) => typeof x === "string")) return false;
  const n = r.ids.length / ID_LENGTH;
  if (!Number.isInteger(n) || r.names.length !== n * NAME_LENGTH) return false;
  // The ids in one check (a regular expression per id costs more than the rest of a listing): hex
  // digits and dashes only, dashes where an id has them. (fromFile checks their order.)
  if (!/^[0-9a-f-]*$/.test(r.ids)) return false;
  const dash = 45;
  for (let o = 0; o < r.ids.length; o += ID_LENGTH) {
    if (r.ids.charCodeAt(o + 8) !== dash || r.ids.charCodeAt(o + 13) !== dash || r.ids.charCodeAt(o + 18) !== dash || r.ids.charCodeAt(o + 23) !== dash) return false;
  }
  const validUnsettled = (u: unknown[]) =>
    typeof u[0] === "string" && isRunId(u[0]) && (u.length === 1 || (u.length === 3 && Number.isInteger(u[1]) && (u[1] as number) >= -1 && (u[1] as number) < ops.length && typeof u[2] === "string"));
  if (!Array.isArray(d.unsettled) || !d.unsettled.every((u) => Array.isArray(u) && validUnsettled(u))) return false;
  if (!Array.isArray(d.users) || !d.users.every((e) => isKeyed(e) && (e[4] === null || validUser(e[4])))) return false;
  if (!Array.isArray(d.moves) || !d.moves.every((e) => isKeyed(e) && TRASH_STATES.has(e[4]))) return false;
  const validGroup = (g: unknown) => Array.isArray(g) && g.length === 2 && validPairs(g[0]) && validMembers(g[1], n);
  if (!Array.isArray(d.groups) || !d.groups.every((e) => isKeyed(e) && (e[4] === null || validGroup(e[4])))) return false;
  return Array.isArray(d.typed);
}

function validUser(u: unknown): boolean {
  const x = u as UserFacts;
  return typeof x === "object" && x !== null && typeof x.label === "string" && Array.isArray(x.tags) && x.tags.every((t) => typeof t === "string");
}

function validMembers(m: unknown, runs: number): boolean {
  return Array.isArray(m) && m.every((x) => (Number.isInteger(x) && x >= 0 && x < runs) || typeof x === "string");
}

function validPairs(p: unknown): boolean {
  return Array.isArray(p) && p.every((kv) => typeof kv === "string" || (Array.isArray(kv) && kv.length === 2 && typeof kv[0] === "string"));
}

/** The numbers of a typed array written by `encode`; undefined when there are not `n` of them. */
function decode<T extends Int32Array | Float64Array>(text: string, n: number, Type: { new (n: number): T; BYTES_PER_ELEMENT: number }): T | undefined {
  const bytes = Buffer.from(text, "base64");
  if (bytes.length !== n * Type.BYTES_PER_ELEMENT) return undefined;
  const out = new Type(n);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

function encode(values: ArrayLike<number>, Type: { from(v: ArrayLike<number>): Int32Array | Float64Array }): string {
  const a = Type.from(values);
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

/** The cache a valid file holds; throws when its columns do not hold what the listing relies on. */
function fromFile(d: CacheFile): CatalogCache {
  restoreTyped(
    d.groups.map((g) => g[4] && g[4][0]),
    d.typed,
  );
  const [mtimeMs, ctimeMs, ino] = d.listing;
  const r = d.runs;
  const n = r.ids.length / ID_LENGTH;
  const op = decode(r.op, n, Int32Array);
  const jobEnds = decode(r.jobEnds, n, Int32Array);
  const started = decode(r.started, n, Float64Array);
  const exit = decode(r.exit, n, Float64Array);
  if (!op || !jobEnds || !started || !exit) throw new Error("the cache's columns are short");
  const ids: string[] = new Array(n);
  const operations = d.operations.length;
  for (let i = 0, from = 0; i < n; i++) {
    ids[i] = r.ids.slice(i * ID_LENGTH, (i + 1) * ID_LENGTH);
    const to = jobEnds[i];
    if (!(to >= from && to <= r.jobs.length)) throw new Error("the cache's jobs are damaged");
    from = to;
    if ((i > 0 && !(ids[i - 1] < ids[i])) || !(op[i] >= -1 && op[i] < operations) || !Number.isSafeInteger(exit[i])) throw new Error("the cache's runs are damaged");
  }
  const { names, jobs } = r;
  const runs: CachedRuns = {
    ids,
    name: (i) => names.slice(i * NAME_LENGTH, (i + 1) * NAME_LENGTH),
    jobs: (i) => jobs.slice(i === 0 ? 0 : jobEnds[i - 1], jobEnds[i]),
    op,
    started,
    exit,
    text: r,
  };
  return {
    listing: { mtimeMs, ctimeMs, ino },
    operations: d.operations,
    runs,
    unsettled: d.unsettled.map((u) => (u.length === 1 ? { id: u[0] } : { id: u[0], op: u[1], jobs: u[2] })),
    users: keyedMap(d.users),
    moves: keyedMap(d.moves),
    groups: keyedMap(d.groups.map(([id, m, c, ino, g]) => [id, m, c, ino, g && { attrs: g[0], members: g[1] }])),
  };
}

function keyedMap<T>(entries: [string, number, number, number, T][]): Map<string, Keyed<T>> {
  return new Map(entries.map(([id, mtimeMs, ctimeMs, ino, value]) => [id, { key: { mtimeMs, ctimeMs, ino }, value }]));
}

function keyedEntries<T>(m: Map<string, Keyed<T>>): [string, number, number, number, T][] {
  return [...m].map(([id, { key, value }]) => [id, key.mtimeMs, key.ctimeMs, key.ino, value]);
}

/** A cache to write: its ended runs as plain columns. */
export type CacheToSave = Omit<CatalogCache, "runs"> & { runs: RunColumns | { text: RunsText } };

/** Writes the cache. A failure to write is not an error: it is only a cache. */
export function saveCache(file: string, cache: CacheToSave): void {
  const runs = cache.runs;
  let runsText: RunsText;
  if ("text" in runs) runsText = runs.text;
  else {
    const columns = runs;
    const jobEnds: number[] = [];
    for (let i = 0, end = 0; i < columns.jobs.length; i++) jobEnds.push((end += columns.jobs[i].length));
    runsText = {
      ids: columns.ids.join(""),
      names: columns.names.join(""),
      op: encode(columns.op, Int32Array),
      jobs: columns.jobs.join(""),
      jobEnds: encode(jobEnds, Int32Array),
      started: encode(columns.started, Float64Array),
      exit: encode(columns.exit, Float64Array),
    };
  }
  const typed: (string | number)[][] = [];
  const groups = keyedEntries(cache.groups).map(([id, m, c, ino, g]): CacheFile["groups"][number] => [id, m, c, ino, g && [g.attrs, g.members]]);
  groups.forEach((g, i) => {
    if (g[4]) collectTyped(g[4][0] as JsonValue, [i], typed);
  });
  const data: CacheFile = {
    format: FORMAT,
    v: VERSION,
    listing: [cache.listing.mtimeMs, cache.listing.ctimeMs, cache.listing.ino],
    operations: cache.operations,
    endian: os.endianness(),
    runs: runsText,
    unsettled: cache.unsettled.map((u) => (u.op === undefined || u.jobs === undefined ? [u.id] : [u.id, u.op, u.jobs])),
    users: keyedEntries(cache.users),
    moves: keyedEntries(cache.moves),
    groups,
    typed,
  };
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // A replacer is slow on a big cache: use one only when a big integer needs it.
    const hasBig = typed.some(([, text]) => /^-?\d+$/.test(text as string));
    writeFileAtomic(file, hasBig ? JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) : JSON.stringify(data));
  } catch {
    // read-only project or full disk: the next listing reads the records again
  }
}
