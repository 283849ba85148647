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
 * At 100,000 runs the file's size and the time to read it matter, so it is binary: a small JSON
 * header, then the ended runs as columns (ids as text, numbers as typed arrays, the jobs as one text)
 * with their newest-first order, and the groups' members as indices into them. A listing where
 * nothing changed copies the columns it needs and decodes nothing else (see CacheHeader).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { collectTyped, restoreTyped } from "../dataspace/job-index.js";
import type { JsonValue } from "../dataspace/value.js";
import { writeFileAtomic } from "../util/fs.js";
import { isRunId } from "./run-id.js";
import { newestOrder, type UserFacts } from "./run-table.js";
import type { TrashState } from "./trash.js";

const MAGIC = Buffer.from("cohort run catalog\n", "latin1");
const VERSION = 3;
const ID_LENGTH = 36;
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
  /** For a run's log: the index of the run among the cache's ended runs, when it is one (so that a listing need not look its id up). */
  run?: number;
}

/** A listed record that is read every time: not ended, purged, or not a record. */
export interface Unsettled {
  id: string;
  /** What its opref and jobs said (they never change); undefined: read them too. */
  op?: number;
  jobs?: string;
  /** How many of the cache's ended runs have a smaller id (where it goes among them). */
  at?: number;
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

/** The ended runs of a cache, as columns in id order; an id is cut from the file's text when asked for. */
export interface CachedRuns {
  n: number;
  id(i: number): string;
  /** Job ids joined by "\n"; "" for a flag run. */
  jobs(i: number): string;
  /** Index into `operations`; -1: the record has no valid opref (operation "?"). */
  op: Int32Array;
  /** NaN: not started. */
  started: Float64Array;
  exit: Float64Array;
  /** Indices, newest first (as lists show runs). */
  order: Int32Array;
  /** The columns as the file holds them: written again as they are when the runs did not change. */
  file?: RunsBytes;
}

/** Ended runs' columns as a file holds them (RunsLayout). */
export interface RunsBytes {
  n: number;
  jobsBytes: number;
  bytes: Buffer;
}

/** Ended runs as the next cache will hold them. */
export interface RunColumns {
  ids: string[];
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
    runs: { n: 0, id: () => "", jobs: () => "", op: new Int32Array(0), started: new Float64Array(0), exit: new Float64Array(0), order: new Int32Array(0) },
    unsettled: [],
    users: new Map(),
    moves: new Map(),
    groups: new Map(),
  };
}

/**
 * The file: MAGIC, the header's length (uint32 little-endian), the header (JSON), then from the next
 * multiple of 8 the runs' columns (RunsLayout) and after them, again 8-aligned, the groups' members
 * (int32 each: an index into the runs, or -1 - k for `memberIds[k]`). Keyed entries are
 * [id, mtimeMs, ctimeMs, ino, value].
 */
interface CacheHeader {
  format: string;
  v: number;
  /** os.endianness() of the machine that wrote the numbers. */
  endian: string;
  listing: number[];
  operations: [string, string | null][];
  /** How many ended runs; the byte length of their jobs' text. */
  runs: { n: number; jobs: number };
  /** How many member entries. */
  members: number;
  memberIds: string[];
  /** [id] or [id, op, jobs, at] */
  unsettled: ([string] | [string, number, string, number])[];
  /** Keyed, then the run's index among the ended runs (-1: none). */
  users: [string, number, number, number, UserFacts | null, number][];
  moves: [string, number, number, number, TrashState, number][];
  /** A group's value: [attributes, first member entry, member count]. */
  groups: [string, number, number, number, [CompactAttributes, number, number] | null][];
  /** Values JSON cannot carry in groups' attributes: [index into groups, exact text, ...path]. */
  typed: (string | number)[][];
}

const align8 = (n: number) => (n + 7) & ~7;

/** Where each column of n runs is in the runs' bytes; every typed column starts 8-aligned. */
function runsLayout(n: number, jobsBytes: number) {
  const ids = 0;
  const op = align8(ids + n * ID_LENGTH);
  const started = align8(op + n * 4);
  const exit = started + n * 8;
  const jobEnds = exit + n * 8;
  const order = align8(jobEnds + n * 4);
  const jobs = align8(order + n * 4);
  return { ids, op, started, exit, jobEnds, order, jobs, size: align8(jobs + jobsBytes) };
}

export function cacheFile(projectRoot: string): string {
  return path.join(projectRoot, ".cohort", "cache", "runs.bin");
}

/** Reads the cache; undefined when there is none or it is not one this version wrote. */
export function loadCache(file: string): CatalogCache | undefined {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  try {
    return fromFile(buf);
  } catch {
    return undefined;
  }
}

const isNum = (x: unknown): x is number => typeof x === "number";
/** The form of a run id, checked cheaply (thousands of them per listing). */
const idLike = (s: unknown): s is string => typeof s === "string" && s.length === ID_LENGTH && s.charCodeAt(8) === 45 && s.charCodeAt(13) === 45 && s.charCodeAt(18) === 45 && s.charCodeAt(23) === 45;
const isKeyed = (e: unknown, length = 5): e is [string, number, number, number, unknown] =>
  Array.isArray(e) && e.length === length && idLike(e[0]) && isNum(e[1]) && isNum(e[2]) && isNum(e[3]);
const TRASH_STATES = new Set(["present", "deleted", "purged"]);

/** Checks everything of the header the catalog relies on, so that a foreign or damaged file cannot reach a listing. */
function validHeader(d: CacheHeader): boolean {
  if (typeof d !== "object" || d === null || d.format !== "cohort run catalog" || d.v !== VERSION || d.endian !== os.endianness()) return false;
  if (!Array.isArray(d.listing) || d.listing.length !== 3 || !d.listing.every(isNum)) return false;
  const ops = d.operations;
  if (!Array.isArray(ops) || !ops.every((o) => Array.isArray(o) && typeof o[0] === "string" && (o[1] === null || typeof o[1] === "string"))) return false;
  if (typeof d.runs !== "object" || d.runs === null || !Number.isSafeInteger(d.runs.n) || d.runs.n < 0 || !Number.isSafeInteger(d.runs.jobs) || d.runs.jobs < 0) return false;
  if (!Number.isSafeInteger(d.members) || d.members < 0 || !Array.isArray(d.memberIds) || !d.memberIds.every((id) => isRunId(id))) return false;
  const n = d.runs.n;
  const index = (x: unknown, from: number) => Number.isInteger(x) && (x as number) >= from && (x as number) <= n;
  const validUnsettled = (u: unknown[]) =>
    idLike(u[0]) && (u.length === 1 || (u.length === 4 && Number.isInteger(u[1]) && (u[1] as number) >= -1 && (u[1] as number) < ops.length && typeof u[2] === "string" && index(u[3], 0)));
  if (!Array.isArray(d.unsettled) || !d.unsettled.every((u) => Array.isArray(u) && validUnsettled(u))) return false;
  const ranIndex = (e: unknown[]) => index(e[5], -1) && e[5] !== n;
  if (!Array.isArray(d.users) || !d.users.every((e) => isKeyed(e, 6) && (e[4] === null || validUser(e[4])) && ranIndex(e))) return false;
  if (!Array.isArray(d.moves) || !d.moves.every((e) => isKeyed(e, 6) && TRASH_STATES.has(e[4] as string) && ranIndex(e))) return false;
  const validGroup = (g: unknown) =>
    Array.isArray(g) && g.length === 3 && validPairs(g[0]) && Number.isSafeInteger(g[1]) && Number.isSafeInteger(g[2]) && g[1] >= 0 && g[2] >= 0 && g[1] + g[2] <= d.members;
  if (!Array.isArray(d.groups) || !d.groups.every((e) => isKeyed(e) && (e[4] === null || validGroup(e[4])))) return false;
  return Array.isArray(d.typed);
}

function validUser(u: unknown): boolean {
  const x = u as UserFacts;
  return typeof x === "object" && x !== null && typeof x.label === "string" && Array.isArray(x.tags) && x.tags.every((t) => typeof t === "string");
}

function validPairs(p: unknown): boolean {
  return Array.isArray(p) && p.every((kv) => typeof kv === "string" || (Array.isArray(kv) && kv.length === 2 && typeof kv[0] === "string"));
}

/** A copy of `count` numbers of a typed array type from `bytes` at `offset` (a file's buffer need not be aligned). */
function column<T extends Int32Array | Float64Array>(bytes: Buffer, offset: number, count: number, Type: { new (n: number): T; BYTES_PER_ELEMENT: number }): T {
  const out = new Type(count);
  new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + count * Type.BYTES_PER_ELEMENT));
  return out;
}

/** The cache a file holds; throws when it is not one, or its columns do not hold what the listing relies on. */
function fromFile(buf: Buffer): CatalogCache {
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error("not a run catalog");
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const headerEnd = MAGIC.length + 4 + headerLength;
  if (headerEnd > buf.length) throw new Error("the cache is short");
  const d = JSON.parse(buf.toString("utf8", MAGIC.length + 4, headerEnd)) as CacheHeader;
  if (!validHeader(d)) throw new Error("not a run catalog of this version");
  const { n, jobs: jobsBytes } = d.runs;
  const layout = runsLayout(n, jobsBytes);
  const runsStart = align8(headerEnd);
  const membersStart = runsStart + layout.size;
  if (buf.length !== membersStart + d.members * 4) throw new Error("the cache's length is wrong");
  const bytes = buf.subarray(runsStart, membersStart);

  // Ids: dashes where an id has them. Their order is the writer's: a listing of 100,000 runs cuts no
  // more ids than it shows, and comparing them all would cost more than the rest of the reading.
  const idText = bytes.toString("latin1", layout.ids, layout.ids + n * ID_LENGTH);
  for (let o = 0; o < idText.length; o += ID_LENGTH) {
    if (idText.charCodeAt(o + 8) !== 45 || idText.charCodeAt(o + 13) !== 45 || idText.charCodeAt(o + 18) !== 45 || idText.charCodeAt(o + 23) !== 45) throw new Error("the cache's ids are damaged");
  }
  const op = column(bytes, layout.op, n, Int32Array);
  const started = column(bytes, layout.started, n, Float64Array);
  const exit = column(bytes, layout.exit, n, Float64Array);
  const jobEnds = column(bytes, layout.jobEnds, n, Int32Array);
  const order = column(bytes, layout.order, n, Int32Array);
  const operations = d.operations.length;
  const seen = new Uint8Array(n);
  for (let i = 0, from = 0; i < n; i++) {
    if (!(op[i] >= -1 && op[i] < operations) || !Number.isSafeInteger(exit[i]) || !(jobEnds[i] >= from && jobEnds[i] <= jobsBytes)) throw new Error("the cache's runs are damaged");
    from = jobEnds[i];
    const k = order[i];
    if (!(k >= 0 && k < n) || seen[k]) throw new Error("the cache's order is damaged");
    seen[k] = 1;
  }
  let jobText: string | undefined;
  const runs: CachedRuns = {
    n,
    id: (i) => idText.slice(i * ID_LENGTH, (i + 1) * ID_LENGTH),
    jobs: (i) => (jobText ??= bytes.toString("utf8", layout.jobs, layout.jobs + jobsBytes)).slice(i === 0 ? 0 : jobEnds[i - 1], jobEnds[i]),
    op,
    started,
    exit,
    order,
    file: { n, jobsBytes, bytes },
  };

  const entries = column(buf, membersStart, d.members, Int32Array);
  const member = (v: number): number | string => {
    if (v >= 0 && v < n) return v;
    const id = d.memberIds[-1 - v];
    if (id === undefined) throw new Error("the cache's members are damaged");
    return id;
  };
  restoreTyped(
    d.groups.map((g) => g[4] && g[4][0]),
    d.typed,
  );
  const groups = keyedMap(
    d.groups.map(([id, m, c, ino, g]) => {
      if (!g) return [id, m, c, ino, null];
      const members: (number | string)[] = new Array(g[2]);
      for (let k = 0; k < g[2]; k++) members[k] = member(entries[g[1] + k]);
      return [id, m, c, ino, { attrs: g[0], members }];
    }),
  );
  const [mtimeMs, ctimeMs, ino] = d.listing;
  return {
    listing: { mtimeMs, ctimeMs, ino },
    operations: d.operations,
    runs,
    unsettled: d.unsettled.map((u) => (u.length === 1 ? { id: u[0] } : { id: u[0], op: u[1], jobs: u[2], at: u[3] })),
    users: keyedMap(d.users),
    moves: keyedMap(d.moves),
    groups,
  };
}

function keyedMap<T>(entries: [string, number, number, number, T, number?][]): Map<string, Keyed<T>> {
  const map = new Map<string, Keyed<T>>();
  for (const [id, mtimeMs, ctimeMs, ino, value, run] of entries) map.set(id, { key: { mtimeMs, ctimeMs, ino }, value, run: run === undefined || run === -1 ? undefined : run });
  return map;
}

function keyedEntries<T>(m: Map<string, Keyed<T>>): [string, number, number, number, T][] {
  return [...m].map(([id, { key, value }]) => [id, key.mtimeMs, key.ctimeMs, key.ino, value]);
}

/** Keyed entries of runs' logs, with each run's index among the ended runs. */
function runEntries<T>(m: Map<string, Keyed<T>>): [string, number, number, number, T, number][] {
  return [...m].map(([id, { key, value, run }]) => [id, key.mtimeMs, key.ctimeMs, key.ino, value, run ?? -1]);
}

/** A cache to write: its ended runs as plain columns, or as the old file's bytes when they did not change. */
export type CacheToSave = Omit<CatalogCache, "runs"> & { runs: RunColumns | RunsBytes };

/** The bytes of ended runs' columns. */
function runsBytes(columns: RunColumns): RunsBytes {
  const { ids } = columns;
  const n = columns.ids.length;
  const jobText = columns.jobs.join("");
  const jobsBytes = Buffer.byteLength(jobText, "utf8");
  const layout = runsLayout(n, jobsBytes);
  const bytes = Buffer.alloc(layout.size);
  bytes.write(columns.ids.join(""), layout.ids, "latin1");
  const put = (values: ArrayLike<number>, Type: { from(v: ArrayLike<number>): Int32Array | Float64Array }, at: number) => {
    const a = Type.from(values);
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
  };
  const jobEnds: number[] = new Array(n);
  for (let i = 0, end = 0; i < n; i++) jobEnds[i] = end += columns.jobs[i].length;
  put(columns.op, Int32Array, layout.op);
  put(columns.started, Float64Array, layout.started);
  put(columns.exit, Float64Array, layout.exit);
  put(jobEnds, Int32Array, layout.jobEnds);
  put(newestOrder(n, (i) => ids[i], columns.started), Int32Array, layout.order);
  bytes.write(jobText, layout.jobs, "utf8");
  return { n, jobsBytes, bytes };
}

/** Writes the cache. A failure to write is not an error: it is only a cache. */
export function saveCache(file: string, cache: CacheToSave): void {
  const runs = "bytes" in cache.runs ? cache.runs : runsBytes(cache.runs);
  const memberIds: string[] = [];
  const entries: number[] = [];
  const groups = keyedEntries(cache.groups).map(([id, m, c, ino, g]): CacheHeader["groups"][number] => {
    if (!g) return [id, m, c, ino, null];
    const start = entries.length;
    for (const x of g.members) entries.push(typeof x === "number" ? x : -1 - (memberIds.push(x) - 1));
    return [id, m, c, ino, [g.attrs, start, g.members.length]];
  });
  const typed: (string | number)[][] = [];
  groups.forEach((g, i) => {
    if (g[4]) collectTyped(g[4][0] as JsonValue, [i], typed);
  });
  const header: CacheHeader = {
    format: "cohort run catalog",
    v: VERSION,
    endian: os.endianness(),
    listing: [cache.listing.mtimeMs, cache.listing.ctimeMs, cache.listing.ino],
    operations: cache.operations,
    runs: { n: runs.n, jobs: runs.jobsBytes },
    members: entries.length,
    memberIds,
    unsettled: cache.unsettled.map((u) => (u.op === undefined || u.jobs === undefined || u.at === undefined ? [u.id] : [u.id, u.op, u.jobs, u.at])),
    users: runEntries(cache.users),
    moves: runEntries(cache.moves),
    groups,
    typed,
  };
  // A replacer is slow on a big header: use one only when a big integer needs it.
  const hasBig = typed.some(([, text]) => /^-?\d+$/.test(text as string));
  const headerBytes = Buffer.from(hasBig ? JSON.stringify(header, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) : JSON.stringify(header), "utf8");
  const runsStart = align8(MAGIC.length + 4 + headerBytes.length);
  const out = Buffer.alloc(runsStart + runs.bytes.length + entries.length * 4);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(headerBytes.length, MAGIC.length);
  headerBytes.copy(out, MAGIC.length + 4);
  runs.bytes.copy(out, runsStart);
  const members = Int32Array.from(entries);
  out.set(new Uint8Array(members.buffer), runsStart + runs.bytes.length);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, out);
    // the JSON cache of cohort 0.1's first releases, replaced by this file
    fs.rmSync(path.join(path.dirname(file), "runs.json"), { force: true });
  } catch {
    // read-only project or full disk: the next listing reads the records again
  }
}
