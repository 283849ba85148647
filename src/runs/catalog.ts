/**
 * What run lists show: every run and every group of a project, read in one pass over `.cohort/runs/`
 * (one directory listing tells which runs have attributes or trash markers), through a cache of what
 * cannot have changed (catalog-cache.ts). Records without a cache are read by two threads
 * (catalog-worker.ts). The runs come as columns (run-table.ts); a run's summary object is made when
 * it is asked for.
 *
 * A directory `<run-id>.meta` is a run's record when it holds an `opref` file (every record has one
 * from the moment it appears, being assembled elsewhere and renamed into place) or a `started` time;
 * one whose `opref` is missing, empty or damaged is listed with operation "?".
 *
 * A reading that finds many records the cache does not hold (a first listing, or one after the cache
 * was deleted) reads only their `started` files, which order the list, and reads the rest of a record
 * when its operation, status or jobs are first asked for (run-table.ts): a listing shows 20 runs.
 */
import fs from "node:fs";
import path from "node:path";
import { parseJson } from "../dataspace/json.js";
import { isErrno } from "../util/fs.js";
import { labelOf, readAttributes, tagsOf, type Attributes } from "./attributes.js";
import { cacheFile, emptyCache, KeyedLogs, keyOf, keyToKeep, TRUST_MARGIN_MS, loadCache, sameKey, saveCache, statKey, UNTRUSTED_KEY, memberId, type CacheToSave, type CachedGroup, type CatalogCache, type DirKey, type RunColumns, type Unsettled } from "./catalog-cache.js";
import { CatalogFiles, readGroupLog, isStartOnly, RUN_TEXT, SAME, type ReadMode, type RunRead, type RunTexts } from "./catalog-worker.js";
import type { ClusterJobState } from "./group-columns.js";
import { compactAttributes, compactValue, expandAttributes, GroupRow, groupStarts, type GroupSummary } from "./group-row.js";
import { membersOf, RunGroup } from "./groups.js";
import { deriveRunStatus, parseClusterJob, parseJobs, parseLock, parseMicros, parseOpRef, runsDir, type ClusterJobRef, type OpRef, type StatusOptions } from "./record.js";
import { compareNewest, idFinder, idTime, lowerBound, RunTable, statusCode, trashCode, UNREAD, type RunSummary, type UserFacts } from "./run-table.js";
import { trashState, type TrashState } from "./trash.js";

export type { RunSummary } from "./run-table.js";
export type { GroupRow, GroupSummary } from "./group-row.js";

export interface Catalog {
  /** Every run with a record (purged runs have none), oldest first; made from `table` when first read. */
  runs: RunSummary[];
  /** Every group, as rows of run lists (each holds its members' rows in `table`). */
  groups: GroupRow[];
  /** Per row of `table`: 1 when its run is a member of a group (worked out with the groups' rows). */
  grouped(): Uint8Array;
  /** Ids of runs that were purged (only their marker is left). */
  purged: Set<string>;
  /** The runs as columns, row r being `runs[r]`. */
  table: RunTable;
  /**
   * Writes the cache again if what was read since the catalog was made (runs' attribute logs are read
   * when a label or tags are first asked for) would change it: a listing calls it when done.
   */
  save(): void;
  /**
   * The attributes of the groups of one kind, as read, without deriving any group's row (their
   * `clusterJob` may need them first: a submission group's state comes from all submissions at once).
   */
  groupsOfKind(kind: string): { id: string; attributes: Attributes }[];
}

// Tested, not matched: at 100,000 entries, the match arrays cost more than the test.
const ENTRY_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(?:meta|user|move|group)$/;

export interface CatalogOptions extends StatusOptions {
  /** The state of a submission group's cluster job, when a scheduler was asked. */
  clusterJob?(group: RunGroup | GroupSummary): ClusterJobState | undefined;
  /** false: read every record and log afresh, and neither use nor write the cache. */
  cache?: boolean;
  /**
   * From this many records to read that the cache does not hold, read them for their start alone
   * (default START_ONLY_FROM); Infinity for a caller that will look at every run's operation or status.
   */
  startOnlyFrom?: number;
  /** The caller calls `save()` when done: the cache is written once, with all that the caller read. */
  saveLater?: boolean;
  /** The caller will ask for groups: a worker thread, when one runs, reads them meanwhile if the cache has none. */
  groups?: boolean;
}

/** Which entries `.cohort/runs/` holds: run ids with a record, an attribute log, a trash log; group ids. */
interface Listing {
  /** Undefined when the listing came from the cache: the cache's ended and unsettled runs. */
  metas?: string[];
  /** Undefined when the listing came from the cache: the cache's entries of attribute logs (read when first asked for). */
  users?: string[];
  moves: string[];
  /** Sorted. */
  groups: string[];
}

/** A record read in this listing. */
interface FreshRun {
  id: string;
  op: number;
  jobs: string[];
  /** Job ids joined by "\n". */
  jobsText: string;
  /** NaN: not started. */
  started: number;
  /** UNREAD when only its start was read. */
  status: number;
  ended?: boolean;
}

/** The jobs of a run read for its start alone (one array for all: frozen, since callers are handed it). */
const NO_JOBS: string[] = Object.freeze([]) as unknown as string[];

/** From this many records to read that the cache does not hold, they are read for their start alone. */
export const START_ONLY_FROM = 1000;

/**
 * Reads every run and group of a project, through the cache (catalog-cache.ts tells what it keeps and
 * how each part is checked): when nothing changed, one `stat` of `.cohort/runs`, one of each attribute
 * log, trash log and group, and the records of the runs that have not ended.
 */
export function readCatalog(projectRoot: string, opts: CatalogOptions = {}): Catalog {
  const dir = runsDir(projectRoot);
  const useCache = opts.cache !== false;
  const file = cacheFile(projectRoot);
  // The worker thread starts only for many records or logs to look at (catalog-worker.ts): with a cache,
  // a listing where little changed does better without one (measured at 100,000 runs).
  const files = [new CatalogFiles(dir)];
  try {
    const old = useCache ? loadCache(file) : undefined;
    let reader = new CatalogReader(projectRoot, dir, opts, old ?? emptyCache(), files[0]);
    let catalog: Catalog;
    try {
      catalog = reader.read();
    } catch (err) {
      if (!old) throw err;
      // A cache damaged in a way its check did not see is dropped: the files decide.
      files.push(new CatalogFiles(dir));
      reader = new CatalogReader(projectRoot, dir, opts, emptyCache(), files[1]);
      catalog = reader.read();
    }
    const final = reader;
    const save = () => {
      if (!useCache || !final.dirty) return;
      saveCache(file, final.nextCache());
      final.dirty = false;
    };
    if (!opts.saveLater) save();
    return Object.defineProperty(catalog, "save", { value: save, enumerable: false });
  } finally {
    for (const f of files) f.close();
  }
}

/** The columns of the runs of one reading, in id order, before they become a RunTable. */
interface Rows {
  n: number;
  id: (r: number) => string;
  op: Int32Array;
  started: Float64Array;
  status: Uint8Array;
  trash: Uint8Array;
  /** Per row: the index of its run in the old cache, or -1 - k for the k-th fresh run. */
  src: Int32Array;
  /**
   * Whether row i is the old cache's run i for every one of them, the fresh runs coming after: what a
   * listing where nothing changed finds (runs that have not ended are the newest). Row and index are
   * then the same, and passes that map one to the other are left out.
   */
  keptFirst: boolean;
}

/** One reading of the catalog: the cache it starts from (`old`), and what the next cache will hold. */
class CatalogReader {
  /** Taken before any stat, so that "quiet for two seconds" errs on the safe side. */
  private readonly now = Date.now();
  /** Whether the next cache would know something the old one does not. */
  dirty = false;
  private listingKey: DirKey = UNTRUSTED_KEY;
  private readonly operations: [string, string | null][];
  private readonly opIndex = new Map<string, number>();
  /** The old cache's ended runs that are listed (indices, increasing), and the records read now (in id order). */
  private keep = new Int32Array(0);
  private fresh: FreshRun[] = [];
  /** Old cache runs read for their start alone and read in full since (by index): null, no record. */
  private readSince = new Map<number, FreshRun | null>();
  /** The rows and table of this reading, once made. */
  private made?: { rows: Rows; table: RunTable };
  /** Per fresh run (when every cached run is kept): how many cached runs come before it, if the cache knew. */
  private freshAt: (number | undefined)[] = [];
  private readonly unsettled: Unsettled[] = [];
  private users = new KeyedLogs<UserFacts | null>();
  private readonly moves = new KeyedLogs<TrashState>();
  private groups = new KeyedLogs<CachedGroup | null>();

  constructor(
    private readonly projectRoot: string,
    private readonly dir: string,
    private readonly opts: CatalogOptions,
    private readonly old: CatalogCache,
    private readonly files: CatalogFiles,
  ) {
    this.operations = old.operations.slice();
    this.operations.forEach(([op, group], i) => this.opIndex.set(opKey(op, group), i));
  }

  read(): Catalog {
    const st = fs.statSync(this.dir, { throwIfNoEntry: false });
    const dirKey = st && keyOf(st);
    const listed = dirKey && sameKey(this.old.listing, dirKey);
    // Without a cache, a big directory holds many records to read: a worker boots while it is listed.
    if (st && !listed && this.old.runs.n === 0) this.files.startForListing(st.size);
    const listing = dirKey && (listed ? this.cachedListing() : listDir(this.dir));
    if (!dirKey || !listing) return catalogOf(RunTable.empty(), new Set(), () => ({ groups: [], grouped: new Uint8Array(0) }), () => []);
    this.listingKey = keyToKeep(dirKey, this.now);
    // Once the directory is old enough, keeping its listing lets the next reading skip it.
    if (listing.metas && this.listingKey !== UNTRUSTED_KEY) this.dirty = true;

    const toRead = this.plan(listing);
    const { moves, users, groups: groupIds } = listing;
    let unknown = 0;
    for (const u of toRead) if (u.op === undefined) unknown++;
    const firstRead: ReadMode = unknown >= (this.opts.startOnlyFrom ?? START_ONLY_FROM) ? "start" : "all";
    const groupsAlong = this.opts.groups === true && this.old.groups.keys().length === 0;
    const groupDirs = groupIds.map((id) => id + ".group");
    // Attribute logs are looked at when a run's label or tags are asked for (a listing shows 20 runs).
    const files = this.files.begin(
      toRead.map((u) => u.id),
      toRead.map((u) => (u.op === undefined ? firstRead : "status")),
      [...moves.map((id) => id + ".move"), ...groupDirs],
      toRead.map((u) => (u.texts ? u.keys ?? null : null)),
      groupsAlong ? groupDirs : [],
    );
    const texts = files.readRecords();
    const memo = new Map<string, number>();
    for (let j = 0; j < toRead.length; j++) {
      const run = this.freshRun(toRead[j], texts[j], memo);
      if (run) {
        this.fresh.push(run);
        this.freshAt.push(toRead[j].at);
      }
    }
    let rows = this.rows();
    const old = this.old.runs;
    // The old cache's runs as rows: its logs and groups name runs by these indices.
    let oldRows = rowsOfOld(rows, old.n, this.keep);
    const rowOfOld = (i: number) => oldRows[i];
    const rowOfLog = (id: string, from: KeyedLogs<unknown>) => {
      const run = from.get(id)?.run;
      return run !== undefined ? rowOfOld(run) : rowOf(rows, id);
    };

    let d = 0;
    const purged = new Set<string>();
    let purging = false;
    for (const id of moves) {
      const state = this.keyed(this.old.moves, this.moves, id, files.stat(d++), () => trashState(this.projectRoot, id));
      if (state === undefined) continue;
      if (state === "purged") purged.add(id);
      const r = rowOfLog(id, this.old.moves);
      if (r === -1) continue;
      rows.trash[r] = trashCode(state);
      purging ||= state === "purged";
    }
    // A purged run's marker is written before its record is removed: such a record is not listed.
    if (purging) {
      rows = withoutPurged(rows);
      oldRows = rowsOfOld(rows, old.n, this.keep);
    }
    // The next cache keeps every listed log as the old one knew it (a new one as not read), unless read
    // again. A listing from the cache lists the logs the cache has: those entries serve as they are.
    const withLog = users && new Set(users);
    this.users = users ? this.old.users.only(users) : this.old.users;
    this.groups = this.old.groups.only(groupIds, !users);
    if (users) {
      for (const id of users) if (!this.users.has(id)) this.users.set(id, { key: UNTRUSTED_KEY, value: null });
      for (const id of groupIds) if (!this.groups.has(id)) this.groups.set(id, { key: UNTRUSTED_KEY, value: null });
    }
    // Groups are read when first asked for (`cohort runs` without -g never asks); a worker thread, when
    // one runs, has taken their stats meanwhile.
    const firstGroupStat = d;
    let foundGroups: [string, CachedGroup][] | undefined;
    const found = () => {
      if (foundGroups) return foundGroups;
      foundGroups = [];
      groupIds.forEach((id, k) => {
        const group = this.keyed(this.groups, this.groups, id, files.stat(firstGroupStat + k), () => {
          // A directory named like a group but without its id file is not one (made by hand, or half-copied).
          // As for records, the file's presence is enough for a list: its listing is read anyway.
          const dir = path.join(this.dir, id + ".group");
          const log = groupsAlong ? files.group(k) : readGroupLog(dir);
          if (!log || !log.names.includes("id")) return null;
          const attrs = readAttributes(dir, log.names, log.texts);
          const ids = membersOf(attrs);
          return { attrs: compactAttributes(attrs), members: Int32Array.from(ids, (_, k) => -1 - k), ids };
        });
        if (group) foundGroups!.push([id, group]);
      });
      if (groupsAlong) files.endGroups();
      return foundGroups;
    };

    const fresh = this.fresh;
    const src = rows.src;
    const readSince = this.readSince;
    const final = rows;
    const table = new RunTable({
      n: rows.n,
      id: rows.id,
      operations: this.operations,
      op: rows.op,
      started: rows.started,
      status: rows.status,
      trash: rows.trash,
      jobs: (r) => (src[r] < 0 ? fresh[-1 - src[r]].jobs : (readSince.get(src[r])?.jobs ?? splitJobs(old.jobs(src[r])))),
      read: (unread) => this.readInFull(final, unread),
      user: (r) => {
        const id = rows.id(r);
        // From the cache's listing, its entries tell which runs have a log; when they could not be read, any run may.
        if (withLog ? !withLog.has(id) : !this.users.has(id) && !this.users.damaged) return undefined;
        if (this.users.damaged) this.dirty = true;
        const user = this.keyed(this.users, this.users, id, statKey(path.join(this.dir, id + ".user")), () => {
          const attrs = readAttributes(path.join(this.dir, id + ".user"));
          return { label: labelOf(attrs), tags: tagsOf(attrs) };
        });
        return user ?? undefined;
      },
      order: this.order(rows, oldRows),
    });
    this.made = { rows, table };
    const memberIds = (g: CachedGroup) => Array.from(g.members, (m) => memberId(g, m, old.id));
    // The groups' rows are derived from their members' columns, each column when first read.
    const clusterJob = this.opts.clusterJob;
    const summarize = (): Summaries => {
      const list = found();
      // Every group's members' rows in one array, made in one pass (see groupStarts).
      const ends = new Int32Array(list.length);
      let total = 0;
      list.forEach(([, group], g) => (ends[g] = total += group.members.length));
      const all = new Int32Array(total);
      list.forEach(([, group], g) => all.set(group.members, g === 0 ? 0 : ends[g - 1]));
      // The cache's runs by their index, in one flat loop (see groupStarts); then the others by id.
      const others = rowsOfCached(all, oldRows);
      if (others.length > 0) {
        const rowOfMember = idFinder(rows.n, rows.id);
        let g = 0;
        for (const k of others) {
          while (ends[g] <= k) g++;
          all[k] = rowOfMember(list[g][1].ids[-1 - all[k]]);
        }
      }
      const grouped = new Uint8Array(rows.n);
      const starts = groupStarts(table, all, ends, grouped);
      const groups = list.map(([id, group], g) => new GroupRow(id, group.attrs, all.subarray(g === 0 ? 0 : ends[g - 1], ends[g]), table, () => memberIds(group), clusterJob, starts[g]));
      return { groups, grouped };
    };
    const groupsOfKind = (kind: string) =>
      found()
        .filter(([, group]) => compactValue(group.attrs, "kind") === kind)
        .map(([id, group]) => ({ id, attributes: expandAttributes(group.attrs, memberIds(group)) }));
    return catalogOf(table, purged, summarize, groupsOfKind);
  }

  /**
   * Reads the records of rows that were read for their start alone, and puts their operation and status
   * in the rows' columns (the start stays: it orders the list already, and a started run's does not
   * change). The next cache holds what was read.
   */
  private readInFull(rows: Rows, unread: number[]): void {
    const ids = unread.map((r) => rows.id(r));
    const files = new CatalogFiles(this.dir);
    let texts: RunRead[];
    try {
      texts = files.begin(ids, new Array<ReadMode>(ids.length).fill("all"), []).readRecords();
    } finally {
      files.close();
    }
    const memo = new Map<string, number>();
    unread.forEach((r, k) => {
      // A record gone since its start was read (purged meanwhile) lists as damaged until the next reading.
      const run = this.freshRun({ id: ids[k] }, texts[k], memo);
      rows.op[r] = run ? run.op : -1;
      rows.status[r] = run ? run.status : statusCode("unknown");
      const s = rows.src[r];
      if (s >= 0) this.readSince.set(s, run ?? null);
      else this.fresh[-1 - s] = run ?? { id: ids[k], op: -1, jobs: [], jobsText: "", started: rows.started[r], status: statusCode("unknown") };
    });
    this.dirty = true;
  }

  /** The listing the cache holds. */
  private cachedListing(): Listing {
    const old = this.old;
    return { moves: [...old.moves.keys()], groups: [...old.groups.keys()] };
  }

  /**
   * A log directory's value: the cached one when its key (one `stat`, taken before any read) shows the
   * directory as it was, otherwise read afresh. Undefined when the directory is gone.
   */
  private keyed<T>(from: KeyedLogs<T>, into: KeyedLogs<T>, id: string, key: DirKey | undefined, read: () => T): T | undefined {
    if (!key) return undefined;
    const cached = from.get(id);
    if (cached && sameKey(cached.key, key)) {
      into.set(id, cached);
      return cached.value;
    }
    const value = read();
    // What is not a log (a group without its id file) is looked at again every time.
    const kept = value === null ? UNTRUSTED_KEY : keyToKeep(key, this.now);
    into.set(id, { key: kept, value });
    if (kept !== UNTRUSTED_KEY || (cached && cached.key !== UNTRUSTED_KEY)) this.dirty = true;
    return value;
  }

  /** Sets `keep`, the ended runs the cache holds that are listed; returns the records to read (in id order). */
  private plan(listing: Listing): Unsettled[] {
    const old = this.old.runs;
    let toRead: Unsettled[];
    if (!listing.metas) {
      this.keep = iota(old.n);
      toRead = this.old.unsettled.slice();
    } else if (old.n === 0 && this.old.unsettled.length === 0) {
      // Nothing cached: every listed record is to be read.
      toRead = listing.metas.map((id) => ({ id }));
    } else {
      // The directory changed: every listed record is looked up among the cached ones.
      const index = new Map<string, number>();
      for (let i = 0; i < old.n; i++) index.set(old.id(i), i);
      const known = new Map(this.old.unsettled.map((u) => [u.id, u]));
      const keep: number[] = [];
      toRead = [];
      for (const id of listing.metas) {
        const i = index.get(id);
        if (i === undefined) toRead.push(known.get(id) ?? { id });
        else keep.push(i);
      }
      this.keep = Int32Array.from(keep).sort();
    }
    // The listing comes sorted on this system (libuv sorts it): then there is nothing to do.
    let sorted = true;
    for (let k = 1; k < toRead.length && sorted; k++) sorted = toRead[k - 1].id < toRead[k].id;
    if (!sorted) toRead.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return toRead;
  }

  /** The kept and the fresh runs as columns, merged in id order: each fresh run placed among the kept ones. */
  private rows(): Rows {
    const { keep, fresh } = this;
    const old = this.old.runs;
    const n = keep.length + fresh.length;
    const allKept = keep.length === old.n;
    const keptId = (k: number) => old.id(keep[k]);
    const rows: Rows = {
      n,
      id: (r) => (rows.src[r] >= 0 ? old.id(rows.src[r]) : fresh[-1 - rows.src[r]].id),
      op: new Int32Array(n),
      started: new Float64Array(n),
      status: new Uint8Array(n),
      trash: new Uint8Array(n),
      src: new Int32Array(n),
      keptFirst: allKept,
    };
    const { op, started, status, src } = rows;
    // Kept runs from keep[i] up to keep[to], into rows from r on; returns the next row.
    const putKept = (i: number, to: number, r: number) => {
      // (most calls put none: one per fresh run, and without a cache every run is fresh)
      if (i === to) return r;
      if (allKept) {
        // keep[i] is i: the columns go over as they are
        op.set(old.op.subarray(i, to), r);
        started.set(old.started.subarray(i, to), r);
        status.set(old.status.subarray(i, to), r);
        src.set(keep.subarray(i, to), r);
        return r + to - i;
      }
      for (; i < to; i++, r++) {
        const k = keep[i];
        op[r] = old.op[k];
        started[r] = old.started[k];
        status[r] = old.status[k];
        src[r] = k;
      }
      return r;
    };
    let r = 0;
    let i = 0;
    for (let j = 0; j < fresh.length; j++) {
      const f = fresh[j];
      const known = allKept ? this.freshAt[j] : undefined;
      const at = Math.min(keep.length, Math.max(i, known ?? lowerBound(keep.length, keptId, f.id)));
      if (at < keep.length) rows.keptFirst = false;
      r = putKept(i, at, r);
      i = at;
      op[r] = f.op;
      started[r] = f.started;
      status[r] = f.status;
      src[r++] = -1 - j;
    }
    putKept(i, keep.length, r);
    return rows;
  }

  /**
   * The rows newest first, from the old cache's order of its runs and the fresh runs sorted among
   * themselves: merging the two costs less than sorting every row. Undefined without a cache (the
   * table sorts when asked).
   */
  private order(rows: Rows, oldRows: Int32Array): Int32Array | undefined {
    const old = this.old.runs;
    if (old.n === 0) return undefined;
    const freshRows: number[] = [];
    if (rows.keptFirst) for (let r = old.n; r < rows.n; r++) freshRows.push(r);
    else for (let r = 0; r < rows.n; r++) if (rows.src[r] < 0) freshRows.push(r);
    const time = (r: number) => (Number.isNaN(rows.started[r]) ? idTime(rows.id(r)) : rows.started[r]);
    const before = (a: number, ta: number, b: number, tb: number) => tb - ta || compareNewest(0, rows.id(a), 0, rows.id(b));
    const fresh = freshRows.map((r) => ({ r, t: time(r) })).sort((a, b) => before(a.r, a.t, b.r, b.t));
    const out = new Int32Array(rows.n);
    // Rows as the cache's runs, and every fresh one newer than the newest of them: the fresh ones, then
    // the cache's order as it is.
    const last = fresh[fresh.length - 1];
    if (rows.keptFirst && old.order.length === old.n && (!last || before(last.r, last.t, old.order[0], time(old.order[0])) < 0)) {
      fresh.forEach((f, k) => (out[k] = f.r));
      out.set(old.order, fresh.length);
      return out;
    }
    let o = 0;
    let j = 0;
    for (let k = 0; k < old.order.length; k++) {
      const r = oldRows[old.order[k]];
      if (r === -1) continue;
      if (j < fresh.length) {
        const t = time(r);
        while (j < fresh.length && before(fresh[j].r, fresh[j].t, r, t) < 0) out[o++] = fresh[j++].r;
      }
      out[o++] = r;
    }
    while (j < fresh.length) out[o++] = fresh[j++].r;
    return out;
  }

  /** A run from the texts of its files; undefined when the directory holds no record (no opref, no start). */
  private freshRun(u: Unsettled, read: RunRead, memo: Map<string, number>): FreshRun | undefined {
    const id = u.id;
    if (isStartOnly(read)) {
      this.dirty = true;
      return { id, op: -1, jobs: NO_JOBS, jobsText: "", started: read, status: UNREAD };
    }
    // SAME: nothing was created or removed in its directories since the cache read its files.
    const t: RunTexts = read === SAME ? u.texts! : read;
    let op = u.op;
    let jobs: string[];
    let jobsText = u.jobs;
    if (op === undefined || jobsText === undefined) {
      const opText = t[RUN_TEXT.opref];
      const startText = t[RUN_TEXT.started];
      if (opText === null && (startText === null || startText.trim() === "")) {
        this.unsettled.push({ id });
        return undefined;
      }
      op = opText === null ? -1 : memo.get(opText);
      if (op === undefined) {
        op = this.operationIndex(opText!);
        memo.set(opText!, op);
      }
      jobs = parseJobs(t[RUN_TEXT.jobs] ?? undefined);
      jobsText = jobs.join("\n");
    } else jobs = splitJobs(jobsText);
    const started = parseMicros(t[RUN_TEXT.started] ?? undefined) ?? NaN;
    const exit = parseMicros(t[RUN_TEXT.exit] ?? undefined);
    if (exit !== undefined) {
      this.dirty = true;
      return { id, op, jobs, jobsText, started, status: statusCode(deriveRunStatus({ exitCode: exit })), ended: true };
    }
    const lock = parseLock(t[RUN_TEXT.lock] ?? undefined);
    const staged = parseMicros(t[RUN_TEXT.staged] ?? undefined);
    const initialized = parseMicros(t[RUN_TEXT.initialized] ?? undefined);
    const clusterJob = lock ? clusterJobOf(t[RUN_TEXT.scheduler]) : undefined;
    const status = deriveRunStatus({ lock, staged, initialized, clusterJob }, this.opts);
    const keys = read === SAME ? u.keys : this.trusted(t[RUN_TEXT.keys]);
    const texts = read === SAME ? u.texts : t.map((x, i) => (i === RUN_TEXT.opref || i === RUN_TEXT.jobs ? null : x));
    this.unsettled.push({ id, op, jobs: jobsText, keys, texts: keys === undefined ? undefined : texts });
    if (u.op === undefined || u.at === undefined || keys !== u.keys) this.dirty = true;
    return { id, op, jobs, jobsText, started, status: statusCode(status) };
  }

  /** A record's directory keys (catalog-worker.ts) when both directories had been quiet for two seconds. */
  private trusted(keys: string | null): string | undefined {
    if (keys === null) return undefined;
    const parts = keys.split(" ").map(Number);
    return this.now - parts[0] > TRUST_MARGIN_MS && this.now - parts[3] > TRUST_MARGIN_MS ? keys : undefined;
  }

  /** The index in `operations` of what an opref file says; -1 when it is empty or damaged. */
  private operationIndex(text: string): number {
    let opref: OpRef | undefined;
    try {
      opref = parseOpRef(parseJson(text));
    } catch {
      opref = undefined; // an empty or damaged opref: the run is listed all the same, its operation as "?"
    }
    if (!opref) return -1;
    const key = opKey(opref.operation, opref.group ?? null);
    let i = this.opIndex.get(key);
    if (i === undefined) {
      i = this.operations.push([opref.operation, opref.group ?? null]) - 1;
      this.opIndex.set(key, i);
    }
    return i;
  }

  /**
   * The next cache's runs newest first, from the order the table's rows were listed in (when they
   * were), with each row's place among the columns: sorting them again costs tens of milliseconds at
   * 100,000 runs. Undefined when some column is not a row (a purged run's record), or the rows were
   * never ordered.
   */
  private columnOrder(colOfOld: Int32Array, colOfFresh: Int32Array, n: number): Int32Array | undefined {
    const order = this.made?.table.knownOrder;
    if (!order) return undefined;
    const { src } = this.made!.rows;
    const out = new Int32Array(n);
    let k = 0;
    for (let o = 0; o < order.length; o++) {
      const s = src[order[o]];
      const c = s >= 0 ? colOfOld[s] : colOfFresh[-1 - s];
      if (c === -1) continue;
      if (k === n) return undefined;
      out[k++] = c;
    }
    return k === n ? out : undefined;
  }

  /** What the next cache holds: everything this reading saw. */
  nextCache(): CacheToSave {
    const old = this.old.runs;
    const kept = this.keep;
    // Runs read for their start alone are kept as such, until read in full.
    const fresh = this.fresh;
    // (indices into `fresh`)
    const read: number[] = [];
    fresh.forEach((f, k) => {
      if (f.ended || f.status === UNREAD) read.push(k);
    });
    const readSince = this.readSince;
    let runs: CacheToSave["runs"];
    /** The index of a run among the next cache's ended runs (-1: none), and how many come before an id. */
    let find: (id: string) => number;
    let before: (id: string) => number;
    if (old.file && read.length === 0 && kept.length === old.n && readSince.size === 0) {
      // The same ended runs (a log changed, or a run that has not ended): the runs as the old cache has them.
      runs = old.file;
      before = (id) => lowerBound(old.n, old.id, id);
      find = (id) => {
        const i = before(id);
        return i < old.n && old.id(i) === id ? i : -1;
      };
    } else {
      const columns: RunColumns = { ids: [], op: [], jobs: [], started: [], status: [] };
      // Where each old and fresh run went among the columns (-1: not there), to keep the order lists had.
      const colOfOld = new Int32Array(old.n).fill(-1);
      const colOfFresh = new Int32Array(fresh.length).fill(-1);
      const push = (id: string, op: number, jobs: string, started: number, status: number) => {
        columns.ids.push(id);
        columns.op.push(op);
        columns.jobs.push(jobs);
        columns.started.push(started);
        columns.status.push(status);
      };
      let j = 0;
      const pushRead = (k: number) => {
        const f = fresh[k];
        colOfFresh[k] = columns.ids.length;
        push(f.id, f.op, f.jobsText, f.started, f.status);
      };
      for (const i of kept) {
        const id = old.id(i);
        for (; j < read.length && fresh[read[j]].id < id; j++) pushRead(read[j]);
        const since = readSince.get(i);
        // One read in full since that has not ended is among the unsettled runs now.
        if (since !== undefined && !since?.ended) continue;
        colOfOld[i] = columns.ids.length;
        if (since === undefined) push(id, old.op[i], old.jobs(i), old.started[i], old.status[i]);
        else push(since.id, since.op, since.jobsText, since.started, since.status);
      }
      for (; j < read.length; j++) pushRead(read[j]);
      columns.order = this.columnOrder(colOfOld, colOfFresh, columns.ids.length);
      runs = columns;
      find = idFinder(columns.ids.length, (k) => columns.ids[k]);
      before = (id) => lowerBound(columns.ids.length, (k) => columns.ids[k], id);
    }
    const same = runs === old.file;
    // Group members as indices into the next cache's runs (a cached group's numbers are indices into the old ones).
    const groups = new KeyedLogs<CachedGroup | null>();
    for (const [id, { key, value }] of this.groups.all()) {
      if (!value) {
        groups.set(id, { key, value: null });
        continue;
      }
      const ids: string[] = [];
      const members = value.members.map((m) => {
        if (same && m >= 0) return m;
        const mid = memberId(value, m, old.id);
        const i = find(mid);
        return i === -1 ? -1 - (ids.push(mid) - 1) : i;
      });
      groups.set(id, { key, value: { attrs: value.attrs, members, ids } });
    }
    // Each log names its run's index: entries kept as text hold the old cache's, still right when the runs are the same.
    const withRuns = <T>(logs: KeyedLogs<T>) => {
      for (const [id, entry] of same ? logs.decodedEntries() : logs.all()) {
        const i = find(id);
        entry.run = i === -1 ? undefined : i;
      }
      return logs;
    };
    const unsettled = this.unsettled.map((u) => ({ ...u, at: before(u.id) }));
    // Entries of attribute logs that could not be read leave the cache's listing incomplete: the next reading lists the directory.
    const listing = this.users.damaged ? UNTRUSTED_KEY : this.listingKey;
    return { listing, operations: this.operations, runs, unsettled, users: withRuns(this.users), moves: withRuns(this.moves), groups };
  }
}

/** The groups' rows, and which rows are in a group. */
interface Summaries {
  groups: GroupRow[];
  grouped: Uint8Array;
}

/** A catalog: `runs` and `groups` made when first read; its functions kept out of its enumerable data (comparisons, JSON). */
function catalogOf(table: RunTable, purged: Set<string>, summarize: () => Summaries, groupsOfKind: Catalog["groupsOfKind"]): Catalog {
  const catalog = { purged } as Catalog;
  let runs: RunSummary[] | undefined;
  let summaries: Summaries | undefined;
  const allRuns = () => {
    table.readAll();
    return Array.from({ length: table.length }, (_, r) => table.summary(r));
  };
  Object.defineProperty(catalog, "runs", { get: () => (runs ??= allRuns()), enumerable: true });
  Object.defineProperty(catalog, "groups", { get: () => (summaries ??= summarize()).groups, enumerable: true });
  Object.defineProperty(catalog, "grouped", { value: () => (summaries ??= summarize()).grouped, enumerable: false });
  Object.defineProperty(catalog, "table", { value: table, enumerable: false });
  Object.defineProperty(catalog, "groupsOfKind", { value: groupsOfKind, enumerable: false });
  return catalog;
}

/**
 * Replaces each member that is a run of the old cache (m >= 0) by its row; returns where the others
 * are (-1 - j for the j-th id of their group), left as they are.
 */
function rowsOfCached(members: Int32Array, oldRows: Int32Array): number[] {
  const others: number[] = [];
  for (let k = 0; k < members.length; k++) {
    const m = members[k];
    if (m >= 0) members[k] = oldRows[m];
    else others.push(k);
  }
  return others;
}

/** 0, 1, ..., n - 1. */
function iota(n: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** Per run of the old cache, its row (-1: none); not to be changed (it may be `keep`). */
function rowsOfOld(rows: Rows, n: number, keep: Int32Array): Int32Array {
  // (keep is 0 to n - 1 then)
  if (rows.keptFirst) return keep;
  const out = new Int32Array(n).fill(-1);
  for (let r = 0; r < rows.n; r++) if (rows.src[r] >= 0) out[rows.src[r]] = r;
  return out;
}

/** The row of run `id`; -1 when it has none. */
function rowOf(rows: Rows, id: string): number {
  const r = lowerBound(rows.n, rows.id, id);
  return r < rows.n && rows.id(r) === id ? r : -1;
}

/** The rows but those whose run was purged. */
function withoutPurged(rows: Rows): Rows {
  const purged = trashCode("purged");
  let n = 0;
  for (let r = 0; r < rows.n; r++) if (rows.trash[r] !== purged) n++;
  const out: Rows = { n, id: (r) => rows.id(map[r]), op: new Int32Array(n), started: new Float64Array(n), status: new Uint8Array(n), trash: new Uint8Array(n), src: new Int32Array(n), keptFirst: false };
  const map = new Int32Array(n);
  for (let r = 0, k = 0; r < rows.n; r++) {
    if (rows.trash[r] === purged) continue;
    map[k] = r;
    out.op[k] = rows.op[r];
    out.started[k] = rows.started[r];
    out.status[k] = rows.status[r];
    out.trash[k] = rows.trash[r];
    out.src[k++] = rows.src[r];
  }
  return out;
}

const splitJobs = (text: string): string[] => (text === "" ? [] : text.split("\n"));

const opKey = (operation: string, group: string | null): string => (group === null ? operation : `${operation}\u0000${group}`);

/** The cluster job a `scheduler.json` names; undefined when there is none or it is damaged. */
function clusterJobOf(text: string | null): ClusterJobRef | undefined {
  if (text === null) return undefined;
  try {
    return parseClusterJob(parseJson(text));
  } catch {
    return undefined;
  }
}

/** Reads `.cohort/runs/`; undefined when it is gone. */
function listDir(dir: string): Listing | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return undefined;
    throw err;
  }
  const listing: Listing = { metas: [], users: [], moves: [], groups: [] };
  for (const n of names) {
    if (!ENTRY_RE.test(n)) continue;
    const id = n.slice(0, 36);
    // the kind by its first letter: meta, user, move, group
    const kind = n.charCodeAt(37);
    if (kind === 0x6d) (n.charCodeAt(38) === 0x65 ? listing.metas! : listing.moves).push(id);
    else if (kind === 0x75) listing.users!.push(id);
    else listing.groups.push(id);
  }
  listing.groups.sort();
  return listing;
}
