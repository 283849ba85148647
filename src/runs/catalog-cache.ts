/**
 * The run catalog's cache, `.cohort/cache/runs.bin`: what the catalog read of `.cohort/runs/`, kept
 * so that a listing of a project where nothing changed reads almost nothing. It is derived only:
 * deleting it loses nothing, and a file that is not exactly as this version wrote it (its digest says
 * so) is ignored and replaced by the next listing. What is kept, and how each part is checked before
 * it is used:
 *
 * - **The listing** of `.cohort/runs/` (which records, attribute logs, trash logs and groups exist),
 *   keyed by the directory's modification time, change time and inode, as the job index keys the
 *   workspace: adding, removing or renaming an entry changes the times. It is trusted only when the
 *   directory had been quiet for two seconds when it was read (a second change in the same clock tick
 *   could keep the times); otherwise the directory is read again.
 * - **Ended runs**: operation, FlowGroup, jobs, start time and status. A run's record does not change
 *   once `proc/exit` holds its exit code, so these are used as long as the record is listed.
 * - **Runs read for their start alone** (catalog.ts), among the ended ones with status UNREAD: the
 *   start time only, which does not change once written; the rest is read from the record when asked for.
 * - **Runs that have not ended**: operation and jobs, and what their other files said, keyed by the
 *   record's directory and its `proc/` (catalog-worker.ts): read again when either changed. The status
 *   is derived every time, since it depends on whether the run's process lives.
 * - **Attribute logs, trash logs and groups**, each keyed by one `stat` of its directory (modification
 *   time, change time, inode), as the document cache keys documents: every change adds a file to the
 *   directory, which moves its times. A directory that was not quiet for two seconds when read is listed
 *   without a key, so it is read again every time until it is. Entries are decoded when asked for.
 *
 * At 100,000 runs the file's size and the time to read it matter, so it is binary: a small JSON
 * header, then the ended runs as columns (ids as text, numbers as typed arrays, the jobs as one text)
 * with their newest-first order, and the groups' members as indices into them. A listing where
 * nothing changed copies the columns it needs and decodes nothing else (see CacheHeader). The file
 * name changed from the `runs.json` of cohort's first releases, which a save removes.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { collectTyped, restoreTyped } from "../dataspace/typed-json.js";
import type { JsonValue } from "../dataspace/value.js";
import { writeFileAtomic } from "../util/fs.js";
import { isRunId } from "./run-id.js";
import { newestOrder, type UserFacts } from "./run-table.js";
import type { TrashState } from "./trash.js";

const MAGIC = Buffer.from("cohort run catalog\n", "latin1");
/** The SHA-256 of everything after it: a file that is not exactly as written is not used. */
const DIGEST_LENGTH = 32;
const HEADER_AT = MAGIC.length + DIGEST_LENGTH;
const VERSION = 5;
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
  return st && keyOf(st);
}

/** The key of a directory whose stats were taken. */
export function keyOf(st: fs.Stats): DirKey {
  return { mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
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
  /** The keys of its directories when its files were read (catalog-worker.ts), and what they held then (opref and jobs apart). */
  keys?: string;
  texts?: (string | null)[];
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
  /** Per run id with a `.user` directory; value null: not read yet. */
  users: KeyedLogs<UserFacts | null>;
  moves: KeyedLogs<TrashState>;
  /** Per group id; null: not a group (read again every time). */
  groups: KeyedLogs<CachedGroup | null>;
}

/**
 * The cache's entries for the logs of `.cohort/runs/` by id, each decoded from its text when first
 * asked for (a listing of 100,000 runs looks at the attribute logs of the 20 it shows). An entry that
 * does not decode is not there: its log is read again.
 */
export class KeyedLogs<T> {
  private readonly decoded = new Map<string, Keyed<T> | undefined>();
  private textsOrJson: Map<string, string> | string;
  /** Set when the JSON the entries came from was not a list of entries: they are read as none. */
  damaged = false;

  /** `texts`: by id; or the JSON of their [id, text] list, parsed when first needed. */
  constructor(
    texts: Map<string, string> | string = new Map(),
    private readonly decode: (text: string) => Keyed<T> | undefined = () => undefined,
  ) {
    this.textsOrJson = texts;
  }

  private get texts(): Map<string, string> {
    if (typeof this.textsOrJson === "string") {
      let list: unknown;
      try {
        list = JSON.parse(this.textsOrJson);
      } catch {
        list = undefined;
      }
      this.damaged = !validEntries(list);
      this.textsOrJson = this.damaged ? new Map() : new Map(list as [string, string][]);
    }
    return this.textsOrJson;
  }

  get(id: string): Keyed<T> | undefined {
    if (this.decoded.has(id)) return this.decoded.get(id);
    const text = this.texts.get(id);
    let entry: Keyed<T> | undefined;
    try {
      entry = text === undefined ? undefined : this.decode(text);
    } catch {
      entry = undefined;
    }
    this.decoded.set(id, entry);
    return entry;
  }

  set(id: string, entry: Keyed<T>): void {
    this.decoded.set(id, entry);
  }

  has(id: string): boolean {
    return this.decoded.has(id) ? this.decoded.get(id) !== undefined : this.texts.has(id);
  }

  /** The entries decoded so far. */
  decodedEntries(): [string, Keyed<T>][] {
    const out: [string, Keyed<T>][] = [];
    for (const [id, entry] of this.decoded) if (entry) out.push([id, entry]);
    return out;
  }

  /** Every id with an entry. */
  keys(): string[] {
    const ids = [...this.texts.keys()];
    for (const [id, entry] of this.decoded) if (entry && !this.texts.has(id)) ids.push(id);
    return ids;
  }

  /** The entries of the given ids, still undecoded; `all`: the ids are those it has (it is its own copy then). */
  only(ids: Iterable<string>, all = false): KeyedLogs<T> {
    if (all) return this;
    const texts = new Map<string, string>();
    const out = new KeyedLogs<T>(texts, this.decode);
    for (const id of ids) {
      if (this.decoded.has(id)) {
        const entry = this.decoded.get(id);
        if (entry) out.set(id, entry);
      } else {
        const text = this.texts.get(id);
        if (text !== undefined) texts.set(id, text);
      }
    }
    return out;
  }

  /**
   * Each entry as text: as it was read unless decoded (then by `encode`). One that did not decode is
   * kept as it was, so that its log stays listed (and is read when asked for).
   */
  encoded(encode: (entry: Keyed<T>) => string): [string, string][] {
    const out: [string, string][] = [];
    for (const [id, text] of this.texts) if (this.decoded.get(id) === undefined) out.push([id, text]);
    for (const [id, entry] of this.decoded) if (entry) out.push([id, encode(entry)]);
    return out;
  }

  /** encoded(), as the JSON of the list: the JSON given when no entry was needed. */
  encodedJson(encode: (entry: Keyed<T>) => string): string {
    return typeof this.textsOrJson === "string" && this.decoded.size === 0 ? this.textsOrJson : JSON.stringify(this.encoded(encode));
  }

  /** Every entry, decoded. */
  all(): [string, Keyed<T>][] {
    const out: [string, Keyed<T>][] = [];
    for (const id of this.keys()) {
      const entry = this.get(id);
      if (entry) out.push([id, entry]);
    }
    return out;
  }
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
  /** Status codes (run-table.ts): completed, error or terminated. */
  status: Uint8Array;
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
  status: number[];
  /** The runs newest first, when the reading had them so (else they are sorted here). */
  order?: Int32Array;
}

/** Attributes as [key, value], or just the key when the value is "" (members, tags): a third of the size. */
export type CompactAttributes = ([string, JsonValue] | string)[];

/**
 * A group: its attributes in log order but for its members' keys, and its members in id order, each as
 * its index in `runs` when it is an ended run there (so that a listing finds the member's run without
 * looking its id up), else as -1 - k for its id `ids[k]`.
 */
export interface CachedGroup {
  attrs: CompactAttributes;
  members: Int32Array;
  ids: readonly string[];
}

/** A member's id. */
export function memberId(group: CachedGroup, m: number, runId: (i: number) => string): string {
  return m >= 0 ? runId(m) : group.ids[-1 - m];
}

export function emptyCache(): CatalogCache {
  return {
    listing: UNTRUSTED_KEY,
    operations: [],
    runs: { n: 0, id: () => "", jobs: () => "", op: new Int32Array(0), started: new Float64Array(0), status: new Uint8Array(0), order: new Int32Array(0) },
    unsettled: [],
    users: new KeyedLogs(),
    moves: new KeyedLogs(),
    groups: new KeyedLogs(),
  };
}

/**
 * The file: MAGIC, the digest of the rest (DIGEST_LENGTH), the header's length (uint32 little-endian),
 * the header (JSON), the entries of attribute logs (the JSON of their [id, text] list, `usersBytes`
 * long: a listing of groups never parses them), then from the next multiple of 8 the runs' columns
 * (RunsLayout) and after them, again 8-aligned, the groups' members (int32 each: an index into the
 * runs, or -1 - k for `memberIds[k]`). The logs' entries are
 * [id, text], the text being the JSON of [mtimeMs, ctimeMs, ino, value, ...]: decoded when asked for.
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
  /** [id] or [id, op, jobs, at, keys, texts] */
  unsettled: ([string] | [string, number, string, number, string | null, (string | null)[] | null])[];
  /** The length of the attribute logs' entries after the header: [..., value, the run's index among the ended runs (-1: none)]. */
  usersBytes: number;
  /** As the attribute logs'. */
  moves: [string, string][];
  /**
   * [..., value, typed]: a group's value is [attributes, first member entry, member count]; typed, the
   * values JSON cannot carry in its attributes ([0, exact text, ...path]).
   */
  groups: [string, string][];
}

const align8 = (n: number) => (n + 7) & ~7;

const digest = (bytes: Buffer): Buffer => createHash("sha256").update(bytes).digest();

/** Where each column of n runs is in the runs' bytes; every typed column starts 8-aligned. */
function runsLayout(n: number, jobsBytes: number) {
  const ids = 0;
  const op = align8(ids + n * ID_LENGTH);
  const started = align8(op + n * 4);
  const jobEnds = started + n * 8;
  const status = jobEnds + n * 4;
  const order = align8(status + n);
  const jobs = align8(order + n * 4);
  return { ids, op, started, jobEnds, status, order, jobs, size: align8(jobs + jobsBytes) };
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
  const validTexts = (t: unknown) => t === null || (Array.isArray(t) && t.every((x) => x === null || typeof x === "string"));
  const validUnsettled = (u: unknown[]) =>
    idLike(u[0]) &&
    (u.length === 1 ||
      (u.length === 6 && Number.isInteger(u[1]) && (u[1] as number) >= -1 && (u[1] as number) < ops.length && typeof u[2] === "string" && index(u[3], 0) && (u[4] === null || typeof u[4] === "string") && validTexts(u[5]) && (u[4] === null) === (u[5] === null)));
  if (!Array.isArray(d.unsettled) || !d.unsettled.every((u) => Array.isArray(u) && validUnsettled(u))) return false;
  return Number.isSafeInteger(d.usersBytes) && d.usersBytes >= 0 && validEntries(d.moves) && validEntries(d.groups);
}

/** Whether `list` is a list of logs' entries: [run or group id, text]. */
function validEntries(list: unknown): list is [string, string][] {
  return Array.isArray(list) && list.every((e) => Array.isArray(e) && e.length === 2 && idLike(e[0]) && typeof e[1] === "string");
}

/** The decoding of a log's entry (its text parsed): its key, and its value when `valid`; undefined (read the log again) otherwise. */
function keyedOf<T>(e: unknown, valid: (value: unknown, rest: unknown[]) => boolean): Keyed<T> | undefined {
  if (!Array.isArray(e) || e.length < 4 || !isNum(e[0]) || !isNum(e[1]) || !isNum(e[2]) || !valid(e[3], e.slice(4))) return undefined;
  return { key: { mtimeMs: e[0], ctimeMs: e[1], ino: e[2] }, value: e[3] as T };
}

function validUser(u: unknown): boolean {
  const x = u as UserFacts;
  return typeof x === "object" && x !== null && typeof x.label === "string" && Array.isArray(x.tags) && x.tags.every((t) => typeof t === "string");
}

function validPairs(p: unknown): boolean {
  if (!Array.isArray(p)) return false;
  for (let i = 0; i < p.length; i++) {
    const kv: unknown = p[i];
    if (typeof kv !== "string" && !(Array.isArray(kv) && kv.length === 2 && typeof kv[0] === "string")) return false;
  }
  return true;
}

/**
 * `count` numbers of a typed array type in `bytes` at `offset`: a view of the file's buffer where the
 * numbers are aligned in it (the file aligns them, and a file's buffer of this size starts its own
 * memory), else a copy. Either is only read.
 */
function column<T extends Int32Array | Float64Array>(
  bytes: Buffer,
  offset: number,
  count: number,
  Type: { new (n: number): T; new (buffer: ArrayBufferLike, at: number, n: number): T; BYTES_PER_ELEMENT: number },
): T {
  const at = bytes.byteOffset + offset;
  if (at % Type.BYTES_PER_ELEMENT === 0) return new Type(bytes.buffer, at, count);
  const out = new Type(count);
  new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + count * Type.BYTES_PER_ELEMENT));
  return out;
}

/** The cache a file holds; throws when it is not one, or its columns do not hold what the listing relies on. */
function fromFile(buf: Buffer): CatalogCache {
  if (buf.length < HEADER_AT + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error("not a run catalog");
  // One digest (computed natively, milliseconds at 100,000 runs) stands for checking every value.
  if (!digest(buf.subarray(HEADER_AT)).equals(buf.subarray(MAGIC.length, HEADER_AT))) throw new Error("the cache is damaged");
  const headerLength = buf.readUInt32LE(HEADER_AT);
  const headerEnd = HEADER_AT + 4 + headerLength;
  if (headerEnd > buf.length) throw new Error("the cache is short");
  const d = JSON.parse(buf.toString("utf8", HEADER_AT + 4, headerEnd)) as CacheHeader;
  if (!validHeader(d)) throw new Error("not a run catalog of this version");
  const { n, jobs: jobsBytes } = d.runs;
  const layout = runsLayout(n, jobsBytes);
  const usersEnd = headerEnd + d.usersBytes;
  const runsStart = align8(usersEnd);
  const membersStart = runsStart + layout.size;
  if (buf.length !== membersStart + d.members * 4) throw new Error("the cache's length is wrong");
  const bytes = buf.subarray(runsStart, membersStart);

  // The columns are as this version wrote them (the digest says so): they are not checked one by one,
  // which at 100,000 runs would cost more than the rest of a listing.
  // An id is cut from the bytes when asked for: a listing asks for those it shows.
  const op = column(bytes, layout.op, n, Int32Array);
  const started = column(bytes, layout.started, n, Float64Array);
  const status = Uint8Array.from(bytes.subarray(layout.status, layout.status + n));
  const jobEnds = column(bytes, layout.jobEnds, n, Int32Array);
  const order = column(bytes, layout.order, n, Int32Array);
  let jobText: string | undefined;
  const runs: CachedRuns = {
    n,
    id: (i) => bytes.toString("latin1", layout.ids + i * ID_LENGTH, layout.ids + (i + 1) * ID_LENGTH),
    jobs: (i) => (jobText ??= bytes.toString("utf8", layout.jobs, layout.jobs + jobsBytes)).slice(i === 0 ? 0 : jobEnds[i - 1], jobEnds[i]),
    op,
    started,
    status,
    order,
    file: { n, jobsBytes, bytes },
  };

  const entries = column(buf, membersStart, d.members, Int32Array);
  // Checked in one pass when a group is first decoded: one loop over them all runs optimized, a
  // thousand short ones do not.
  let membersValid: boolean | undefined;
  const validMembers = () => {
    if (membersValid !== undefined) return membersValid;
    const ids = d.memberIds.length;
    let k = 0;
    while (k < entries.length && entries[k] < n && -1 - entries[k] < ids) k++;
    return (membersValid = k === entries.length);
  };
  const ranIndex = (x: unknown) => Number.isInteger(x) && (x as number) >= -1 && (x as number) < n;
  const runLog = <T>(valid: (v: unknown) => boolean) => (text: string) => {
    const e = JSON.parse(text) as unknown[];
    const entry = keyedOf<T>(e, (v, rest) => valid(v) && ranIndex(rest[0]));
    if (entry && (e[4] as number) >= 0) entry.run = e[4] as number;
    return entry;
  };
  // Every group is decoded at each `cohort runs -g`: plain checks, without the closures and copies of keyedOf.
  const group = (text: string): Keyed<CachedGroup | null> | undefined => {
    const e: unknown = JSON.parse(text);
    if (!Array.isArray(e) || !isNum(e[0]) || !isNum(e[1]) || !isNum(e[2])) return undefined;
    const key: DirKey = { mtimeMs: e[0], ctimeMs: e[1], ino: e[2] };
    const g: unknown = e[3];
    const typed: unknown = e[4];
    if (!Array.isArray(typed)) return undefined;
    if (g === null) return { key, value: null };
    if (!Array.isArray(g) || g.length !== 3 || !validPairs(g[0])) return undefined;
    const [attrs, first, count]: unknown[] = g;
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || (first as number) < 0 || (count as number) < 0 || (first as number) + (count as number) > d.members) return undefined;
    if (typed.length > 0) restoreTyped([attrs], typed as (string | number)[][]);
    if (!validMembers()) return undefined;
    return { key, value: { attrs: attrs as CompactAttributes, members: entries.subarray(first as number, (first as number) + (count as number)), ids: d.memberIds } };
  };
  const [mtimeMs, ctimeMs, ino] = d.listing;
  return {
    listing: { mtimeMs, ctimeMs, ino },
    operations: d.operations,
    runs,
    unsettled: d.unsettled.map((u) => (u.length === 1 ? { id: u[0] } : { id: u[0], op: u[1], jobs: u[2], at: u[3], keys: u[4] ?? undefined, texts: u[5] ?? undefined })),
    users: new KeyedLogs(buf.toString("utf8", headerEnd, usersEnd), runLog<UserFacts | null>((v) => v === null || validUser(v))),
    moves: new KeyedLogs(new Map(d.moves), runLog<TrashState>((v) => TRASH_STATES.has(v as string))),
    groups: new KeyedLogs(new Map(d.groups), group),
  };
}

/** A log's entry as text: [mtimeMs, ctimeMs, ino, value, ...rest]. */
function entryText<T>(entry: Keyed<T>, ...rest: unknown[]): string {
  return JSON.stringify([entry.key.mtimeMs, entry.key.ctimeMs, entry.key.ino, entry.value, ...rest]);
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
  bytes.set(columns.status, layout.status);
  put(jobEnds, Int32Array, layout.jobEnds);
  put(columns.order ?? newestOrder(n, (i) => ids[i], columns.started), Int32Array, layout.order);
  bytes.write(jobText, layout.jobs, "utf8");
  return { n, jobsBytes, bytes };
}

/** Writes the cache. A failure to write is not an error: it is only a cache. */
export function saveCache(file: string, cache: CacheToSave): void {
  const runs = "bytes" in cache.runs ? cache.runs : runsBytes(cache.runs);
  const memberIds: string[] = [];
  const entries: number[] = [];
  // Groups are written afresh: their members' place in the file moves.
  const groups = cache.groups.all().map(([id, entry]): [string, string] => {
    const g = entry.value;
    if (!g) return [id, entryText(entry, [])];
    const start = entries.length;
    for (const x of g.members) entries.push(x >= 0 ? x : -1 - (memberIds.push(g.ids[-1 - x]) - 1));
    const typed: (string | number)[][] = [];
    collectTyped(g.attrs as JsonValue, [0], typed);
    // A replacer is slow: use one only when a big integer needs it.
    const big = typed.some(([, text]) => /^-?\d+$/.test(text as string));
    const value = [g.attrs, start, g.members.length];
    const k = entry.key;
    return [id, big ? JSON.stringify([k.mtimeMs, k.ctimeMs, k.ino, value, typed], (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) : entryText({ key: k, value }, typed)];
  });
  const runLog = <T>(entry: Keyed<T>) => entryText(entry, entry.run ?? -1);
  const users = Buffer.from(cache.users.encodedJson(runLog), "utf8");
  const header: CacheHeader = {
    format: "cohort run catalog",
    v: VERSION,
    endian: os.endianness(),
    listing: [cache.listing.mtimeMs, cache.listing.ctimeMs, cache.listing.ino],
    operations: cache.operations,
    runs: { n: runs.n, jobs: runs.jobsBytes },
    members: entries.length,
    memberIds,
    unsettled: cache.unsettled.map((u) => (u.op === undefined || u.jobs === undefined || u.at === undefined ? [u.id] : [u.id, u.op, u.jobs, u.at, u.keys ?? null, (u.keys !== undefined && u.texts) || null])),
    usersBytes: users.length,
    moves: cache.moves.encoded(runLog),
    groups,
  };
  const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
  const runsStart = align8(HEADER_AT + 4 + headerBytes.length + users.length);
  const out = Buffer.alloc(runsStart + runs.bytes.length + entries.length * 4);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(headerBytes.length, HEADER_AT);
  headerBytes.copy(out, HEADER_AT + 4);
  users.copy(out, HEADER_AT + 4 + headerBytes.length);
  runs.bytes.copy(out, runsStart);
  const members = Int32Array.from(entries);
  out.set(new Uint8Array(members.buffer), runsStart + runs.bytes.length);
  digest(out.subarray(HEADER_AT)).copy(out, MAGIC.length);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, out);
    // the JSON cache of cohort 0.1's first releases, replaced by this file
    fs.rmSync(path.join(path.dirname(file), "runs.json"), { force: true });
  } catch {
    // read-only project or full disk: the next listing reads the records again
  }
}
