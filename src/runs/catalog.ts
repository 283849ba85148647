/**
 * What run lists show: a summary of every run and every group of a project, read in one pass over
 * `.cohort/runs/` (one directory listing tells which runs have attributes or trash markers), through
 * a cache of what cannot have changed (catalog-cache.ts). Records without a cache are read by two
 * threads (catalog-worker.ts).
 *
 * A directory `<run-id>.meta` is a run's record when it holds an `opref` file (every record has one
 * from the moment it appears, being assembled elsewhere and renamed into place); one whose `opref` is
 * empty or damaged is listed with operation "?".
 */
import fs from "node:fs";
import path from "node:path";
import { parseJson } from "../dataspace/json.js";
import { isErrno } from "../util/fs.js";
import { labelOf, readAttributes, tagsOf, type Attributes } from "./attributes.js";
import { cacheFile, emptyCache, keyToKeep, loadCache, sameKey, saveCache, statKey, UNTRUSTED_KEY, type CatalogCache, type CachedGroup, type CompactAttributes, type DirKey, type CacheToSave, type Keyed, type RunColumns, type Unsettled, type UserFacts } from "./catalog-cache.js";
import { CatalogFiles, RUN_TEXT, type RunTexts } from "./catalog-worker.js";
import { clusterJobStatus, groupOperation, groupStarted, groupStatus, type ClusterJobState, type GroupStatus, type MemberFacts } from "./group-columns.js";
import { MEMBER_PREFIX, membersOf, RunGroup, type GroupKind } from "./groups.js";
import { deriveRunStatus, parseClusterJob, parseJobs, parseLock, parseMicros, parseOpRef, runsDir, type ClusterJobRef, type OpRef, type RunStatus, type StatusOptions } from "./record.js";
import { runName } from "./run-id.js";
import { trashState, type TrashState } from "./trash.js";

export interface RunSummary {
  id: string;
  name: string;
  operation: string;
  /** The FlowGroup the run was executed in, if not its operation's own. */
  flowgroup?: string;
  /** Job ids of its aggregate; empty for a flag run. */
  jobs: string[];
  /** Epoch microseconds. */
  started?: number;
  status: RunStatus;
  label: string;
  tags: string[];
  trash: TrashState;
}

export interface GroupSummary {
  id: string;
  name: string;
  kind?: GroupKind;
  operation: string;
  started?: number;
  status: GroupStatus;
  label: string;
  tags: string[];
  /** Member run ids, oldest first, deleted and purged ones included. */
  members: string[];
  attributes: Attributes;
}

export interface Catalog {
  /** Every run with a record (purged runs have none), oldest first. */
  runs: RunSummary[];
  groups: GroupSummary[];
  /** Ids of runs that were purged (only their marker is left). */
  purged: Set<string>;
  /**
   * The attributes of the groups of one kind, as read, without deriving any group's row (their
   * `clusterJob` may need them first: a submission group's state comes from all submissions at once).
   */
  groupsOfKind(kind: string): { id: string; attributes: Attributes }[];
}

const ENTRY_RE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(meta|user|move|group)$/;

export interface CatalogOptions extends StatusOptions {
  /** The state of a submission group's cluster job, when a scheduler was asked. */
  clusterJob?(group: RunGroup | GroupSummary): ClusterJobState | undefined;
  /** false: read every record and log afresh, and neither use nor write `.cohort/cache/runs.json`. */
  cache?: boolean;
}

/** Which entries `.cohort/runs/` holds: run ids with a record, an attribute log, a trash log; group ids. */
interface Listing {
  /** Undefined when the listing came from the cache: the cache's ended and unsettled runs. */
  metas?: string[];
  users: string[];
  moves: string[];
  /** Sorted. */
  groups: string[];
}

/** An ended run read in this listing, for the next cache. */
interface EndedRun {
  id: string;
  name: string;
  op: number;
  jobs: string;
  /** NaN: not started. */
  started: number;
  exit: number;
}

/**
 * Reads every run and group of a project, through the cache (catalog-cache.ts tells what it keeps and
 * how each part is checked): when nothing changed, one `stat` of `.cohort/runs`, one of each attribute
 * log, trash log and group, and the records of the runs that have not ended.
 */
export function readCatalog(projectRoot: string, opts: CatalogOptions = {}): Catalog {
  const dir = runsDir(projectRoot);
  const useCache = opts.cache !== false;
  const file = cacheFile(projectRoot);
  // A big cache means many runs: the worker thread boots while the cache loads.
  const files = [new CatalogFiles(dir)];
  if (useCache && (fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) >= EARLY_WORKER_CACHE_BYTES) files[0].start();
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
    if (useCache && reader.dirty) saveCache(file, reader.nextCache());
    return catalog;
  } finally {
    for (const f of files) f.close();
  }
}

/** About 10,000 runs. */
const EARLY_WORKER_CACHE_BYTES = 1 << 20;

/** One reading of the catalog: the cache it starts from (`old`), and what the next cache will hold. */
class CatalogReader {
  /** Taken before any stat, so that "quiet for two seconds" errs on the safe side. */
  private readonly now = Date.now();
  /** Whether the next cache would know something the old one does not. */
  dirty = false;
  private listingKey: DirKey = UNTRUSTED_KEY;
  private readonly operations: [string, string | null][];
  private readonly opIndex = new Map<string, number>();
  /** Ended runs, each list in id order: indices into the old cache's runs, and those read now. */
  private readonly keptEnded: number[] = [];
  private readonly readEnded: EndedRun[] = [];
  private readonly unsettled: Unsettled[] = [];
  private readonly users = new Map<string, Keyed<UserFacts | null>>();
  private readonly moves = new Map<string, Keyed<TrashState>>();
  private readonly groups = new Map<string, Keyed<CachedGroup | null>>();

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
    const dirKey = statKey(this.dir);
    const listing = dirKey && (sameKey(this.old.listing, dirKey) ? this.cachedListing() : listDir(this.dir));
    if (!dirKey || !listing) return withGroupsOfKind({ runs: [], groups: [], purged: new Set() }, () => []);
    this.listingKey = keyToKeep(dirKey, this.now);
    // Once the directory is old enough, keeping its listing lets the next reading skip it.
    if (listing.metas && this.listingKey !== UNTRUSTED_KEY) this.dirty = true;

    const { keep, toRead } = this.plan(listing);
    const { moves, users, groups: groupIds } = listing;
    const files = this.files.begin(
      toRead.map((u) => u.id),
      toRead.map((u) => u.op === undefined),
      [...moves.map((id) => id + ".move"), ...users.map((id) => id + ".user"), ...groupIds.map((id) => id + ".group")],
    );
    // The cached runs first: meanwhile the worker reads records and stats directories.
    const cached = keep.map((i) => this.cachedRun(i));
    const texts = files.readRecords();
    const memo = new Map<string, number>();
    const fresh: RunSummary[] = [];
    for (let j = 0; j < toRead.length; j++) {
      const run = this.freshRun(toRead[j], texts[j], memo);
      if (run) fresh.push(run);
    }
    let runs = mergeById(cached, fresh);

    let d = 0;
    const trash = new Map<string, TrashState>();
    const purged = new Set<string>();
    for (const id of moves) {
      const state = this.keyed(this.old.moves, this.moves, id, files.stat(d++), () => trashState(this.projectRoot, id));
      if (state === undefined) continue;
      trash.set(id, state);
      if (state === "purged") purged.add(id);
    }
    const withLogs = runsOf(runs, [...trash.keys(), ...users]);
    let purging = false;
    for (const [id, state] of trash) {
      const run = withLogs.get(id);
      if (!run) continue;
      run.trash = state;
      purging ||= state === "purged"; // its marker is written, its record not yet removed
    }
    if (purging) runs = runs.filter((r) => r.trash !== "purged");
    for (const id of users) {
      const key = files.stat(d++);
      const run = withLogs.get(id);
      if (!run || run.trash === "purged") {
        // a log without a listed run (left by a purge, or copied alone): kept in the listing, not read
        this.users.set(id, { key: UNTRUSTED_KEY, value: null });
        continue;
      }
      const user = this.keyed(this.old.users, this.users, id, key, () => {
        const attrs = readAttributes(path.join(this.dir, id + ".user"));
        return { label: labelOf(attrs), tags: tagsOf(attrs) };
      });
      if (user) {
        run.label = user.label;
        run.tags = user.tags;
      }
    }
    const found: [string, CachedGroup][] = [];
    for (const id of groupIds) {
      const group = this.keyed(this.old.groups, this.groups, id, files.stat(d++), () => {
        // A directory named like a group but without its id file is not one (made by hand, or half-copied).
        let attrs: Attributes;
        try {
          attrs = RunGroup.open(this.projectRoot, id).attributes;
        } catch {
          return null;
        }
        return { attrs: compactAttributes(attrs), members: membersOf(attrs) };
      });
      if (group) found.push([id, group]);
    }
    // Every file is read by now; the groups' rows are derived when first asked for (`cohort runs` without
    // -g never asks).
    const oldIds = this.old.runs.ids;
    const opts = this.opts;
    const summarize = (): GroupSummary[] => {
      // A cached group names its members by their index in the cache's runs.
      const byOldIndex: (RunSummary | undefined)[] = new Array(oldIds.length);
      for (let k = 0; k < keep.length; k++) byOldIndex[keep[k]] = cached[k];
      return found.map(([id, group]) => {
        const members: string[] = [];
        const memberRuns: (RunSummary | undefined)[] = [];
        for (const m of group.members) {
          if (typeof m === "number") {
            members.push(oldIds[m]);
            memberRuns.push(byOldIndex[m]);
          } else {
            members.push(m);
            memberRuns.push(findRun(runs, m));
          }
        }
        return groupSummary(id, expandAttributes(group.attrs, members), members, memberRuns, opts);
      });
    };
    const groupsOfKind = (kind: string) =>
      found
        .filter(([, group]) => group.attrs.some((kv) => typeof kv !== "string" && kv[0] === "kind" && kv[1] === kind))
        .map(([id, group]) => ({ id, attributes: expandAttributes(group.attrs, group.members.map((m) => (typeof m === "number" ? oldIds[m] : m))) }));
    return withGroupsOfKind(lazyGroups({ runs, purged }, summarize), groupsOfKind);
  }

  /** The listing the cache holds. */
  private cachedListing(): Listing {
    const old = this.old;
    return { users: [...old.users.keys()], moves: [...old.moves.keys()], groups: [...old.groups.keys()] };
  }

  /**
   * A log directory's value: the cached one when its key (one `stat`, taken before any read) shows the
   * directory as it was, otherwise read afresh. Undefined when the directory is gone.
   */
  private keyed<T>(from: Map<string, Keyed<T>>, into: Map<string, Keyed<T>>, id: string, key: DirKey | undefined, read: () => T): T | undefined {
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

  /** The ended runs the cache holds that are listed (indices into its runs, in id order), and the records to read (in id order). */
  private plan(listing: Listing): { keep: number[]; toRead: Unsettled[] } {
    const oldIds = this.old.runs.ids;
    const keep: number[] = [];
    let toRead: Unsettled[];
    if (!listing.metas) {
      for (let i = 0; i < oldIds.length; i++) keep.push(i);
      toRead = this.old.unsettled.slice();
    } else {
      const index = new Map<string, number>();
      for (let i = 0; i < oldIds.length; i++) index.set(oldIds[i], i);
      const known = new Map(this.old.unsettled.map((u) => [u.id, u]));
      toRead = [];
      for (const id of listing.metas) {
        const i = index.get(id);
        if (i === undefined) toRead.push(known.get(id) ?? { id });
        else keep.push(i);
      }
      keep.sort((a, b) => a - b);
    }
    toRead.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { keep, toRead };
  }

  private cachedRun(i: number): RunSummary {
    const old = this.old.runs;
    const id = old.ids[i];
    const op = old.op[i];
    const jobs = old.jobs(i);
    this.keptEnded.push(i);
    const started = old.started[i];
    const jobList = jobs === "" ? [] : jobs.split("\n");
    return summary(id, old.name(i), op === -1 ? undefined : this.old.operations[op], jobList, Number.isNaN(started) ? undefined : started, deriveRunStatus({ exitCode: old.exit[i] }));
  }

  /** A run from the texts of its files; undefined when the directory holds no record (no opref). */
  private freshRun(u: Unsettled, t: RunTexts, memo: Map<string, number>): RunSummary | undefined {
    const id = u.id;
    let op = u.op;
    let jobs: string[];
    let jobsText = u.jobs;
    if (op === undefined || jobsText === undefined) {
      const opText = t[RUN_TEXT.opref];
      if (opText === null) {
        this.unsettled.push({ id });
        return undefined;
      }
      op = memo.get(opText);
      if (op === undefined) {
        op = this.operationIndex(opText);
        memo.set(opText, op);
      }
      jobs = parseJobs(t[RUN_TEXT.jobs] ?? undefined);
      jobsText = jobs.join("\n");
    } else jobs = jobsText === "" ? [] : jobsText.split("\n");
    const started = parseMicros(t[RUN_TEXT.started] ?? undefined);
    const exitCode = parseMicros(t[RUN_TEXT.exit] ?? undefined);
    let status: RunStatus;
    if (exitCode !== undefined) {
      status = deriveRunStatus({ exitCode });
      this.readEnded.push({ id, name: runName(id), op, jobs: jobsText, started: started ?? NaN, exit: exitCode });
      this.dirty = true;
    } else {
      const lock = parseLock(t[RUN_TEXT.lock] ?? undefined);
      const staged = parseMicros(t[RUN_TEXT.staged] ?? undefined);
      const initialized = parseMicros(t[RUN_TEXT.initialized] ?? undefined);
      const clusterJob = lock ? clusterJobOf(t[RUN_TEXT.scheduler]) : undefined;
      status = deriveRunStatus({ lock, staged, initialized, clusterJob }, this.opts);
      this.unsettled.push({ id, op, jobs: jobsText });
      if (u.op === undefined) this.dirty = true;
    }
    return summary(id, runName(id), op === -1 ? undefined : this.operations[op], jobs, started, status);
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

  /** What the next cache holds: everything this reading saw. */
  nextCache(): CacheToSave {
    const old = this.old.runs;
    const { keptEnded: kept, readEnded: read } = this;
    if (old.text && read.length === 0 && kept.length === old.ids.length) {
      // The same ended runs (a log changed, or a run that has not ended): the runs as the old cache has
      // them, and so the numbers of the groups' members.
      const groups = new Map<string, Keyed<CachedGroup | null>>();
      for (const [id, { key, value }] of this.groups) {
        const members = value?.members.map((m) => {
          if (typeof m === "number") return m;
          const i = lowerBound(old.ids.length, (k) => old.ids[k], m);
          return old.ids[i] === m ? i : m;
        });
        groups.set(id, { key, value: value && members ? { attrs: value.attrs, members } : null });
      }
      return { listing: this.listingKey, operations: this.operations, runs: { text: old.text }, unsettled: this.unsettled, users: this.users, moves: this.moves, groups };
    }
    const runs: RunColumns = { ids: [], names: [], op: [], jobs: [], started: [], exit: [] };
    const push = (id: string, name: string, op: number, jobs: string, started: number, exit: number) => {
      runs.ids.push(id);
      runs.names.push(name);
      runs.op.push(op);
      runs.jobs.push(jobs);
      runs.started.push(started);
      runs.exit.push(exit);
    };
    let j = 0;
    for (const i of kept) {
      for (; j < read.length && read[j].id < old.ids[i]; j++) push(read[j].id, read[j].name, read[j].op, read[j].jobs, read[j].started, read[j].exit);
      push(old.ids[i], old.name(i), old.op[i], old.jobs(i), old.started[i], old.exit[i]);
    }
    for (; j < read.length; j++) push(read[j].id, read[j].name, read[j].op, read[j].jobs, read[j].started, read[j].exit);
    // Group members as indices into the new runs (a cached group's numbers are indices into the old ones).
    const index = new Map<string, number>();
    runs.ids.forEach((id, i) => index.set(id, i));
    const groups = new Map<string, Keyed<CachedGroup | null>>();
    for (const [id, { key, value }] of this.groups) {
      if (!value) {
        groups.set(id, { key, value });
        continue;
      }
      const members = value.members.map((m) => {
        const memberId = typeof m === "number" ? old.ids[m] : m;
        return index.get(memberId) ?? memberId;
      });
      groups.set(id, { key, value: { attrs: value.attrs, members } });
    }
    return { listing: this.listingKey, operations: this.operations, runs, unsettled: this.unsettled, users: this.users, moves: this.moves, groups };
  }
}

/** A catalog with its `groupsOfKind`, kept out of its enumerable data (comparisons, JSON). */
function withGroupsOfKind(catalog: Omit<Catalog, "groupsOfKind">, groupsOfKind: Catalog["groupsOfKind"]): Catalog {
  return Object.defineProperty(catalog as Catalog, "groupsOfKind", { value: groupsOfKind, enumerable: false });
}

/** A catalog whose `groups` are derived at the first read of the property (an ordinary one from then on). */
function lazyGroups(catalog: Omit<Catalog, "groups" | "groupsOfKind">, summarize: () => GroupSummary[]): Omit<Catalog, "groupsOfKind"> {
  let groups: GroupSummary[] | undefined;
  return Object.defineProperty(catalog as Omit<Catalog, "groupsOfKind">, "groups", {
    get: () => (groups ??= summarize()),
    set: (value: GroupSummary[]) => (groups = value),
    enumerable: true,
    configurable: true,
  });
}

/** The first of `n` ids in increasing order (the k-th is `idAt(k)`) that is not below `id`. */
function lowerBound(n: number, idAt: (k: number) => string, id: string): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (idAt(mid) < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The run of id `id` in `runs` (in id order). */
function findRun(runs: RunSummary[], id: string): RunSummary | undefined {
  const run = runs[lowerBound(runs.length, (k) => runs[k].id, id)];
  return run?.id === id ? run : undefined;
}

/** The runs (in id order) of the given ids, found in one pass over both in order. */
function runsOf(runs: RunSummary[], ids: string[]): Map<string, RunSummary> {
  const found = new Map<string, RunSummary>();
  ids.sort();
  let k = 0;
  for (const id of ids) {
    while (k < runs.length && runs[k].id < id) k++;
    if (k < runs.length && runs[k].id === id) found.set(id, runs[k]);
  }
  return found;
}

/** Two lists of runs, each in id order, as one. */
function mergeById(a: RunSummary[], b: RunSummary[]): RunSummary[] {
  if (b.length === 0) return a;
  if (a.length === 0 || a[a.length - 1].id < b[0].id) return a.concat(b);
  const out: RunSummary[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.length && j < b.length) out[o++] = a[i].id < b[j].id ? a[i++] : b[j++];
  while (i < a.length) out[o++] = a[i++];
  while (j < b.length) out[o++] = b[j++];
  return out;
}

const opKey = (operation: string, group: string | null): string => (group === null ? operation : `${operation}\u0000${group}`);

/** A run's summary, its label, tags and trash state still to be filled in. */
function summary(id: string, name: string, operation: [string, string | null] | undefined, jobs: string[], started: number | undefined, status: RunStatus): RunSummary {
  return {
    id,
    name,
    operation: operation ? operation[0] : "?",
    flowgroup: operation?.[1] ?? undefined,
    jobs,
    started,
    status,
    label: "",
    tags: [],
    trash: "present",
  };
}

/** The cluster job a `scheduler.json` names; undefined when there is none or it is damaged. */
function clusterJobOf(text: string | null): ClusterJobRef | undefined {
  if (text === null) return undefined;
  try {
    return parseClusterJob(parseJson(text));
  } catch {
    return undefined;
  }
}

/** A group's attributes as the cache keeps them, its members apart: a key alone stands for the key with value "". */
function compactAttributes(attrs: Attributes): CompactAttributes {
  const out: CompactAttributes = [];
  for (const [k, v] of attrs) if (!k.startsWith(MEMBER_PREFIX)) out.push(v === "" ? k : [k, v]);
  return out;
}

/** A group's attributes from the cache: the members' keys come after the others (a log interleaves them). */
function expandAttributes(compact: CompactAttributes, members: string[]): Attributes {
  const attrs: Attributes = new Map();
  for (const kv of compact) {
    if (typeof kv === "string") attrs.set(kv, "");
    else attrs.set(kv[0], kv[1]);
  }
  for (const m of members) attrs.set(MEMBER_PREFIX + m, "");
  return attrs;
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
    const m = ENTRY_RE.exec(n);
    if (!m) continue;
    if (m[2] === "meta") listing.metas!.push(m[1]);
    else if (m[2] === "user") listing.users.push(m[1]);
    else if (m[2] === "move") listing.moves.push(m[1]);
    else listing.groups.push(m[1]);
  }
  listing.groups.sort();
  return listing;
}

/** A group's row: its columns derived from the members that are neither deleted nor purged. */
export function summarizeGroup(projectRoot: string, id: string, runs: Map<string, RunSummary>, opts: CatalogOptions = {}): GroupSummary {
  const attrs = RunGroup.open(projectRoot, id).attributes;
  const members = membersOf(attrs);
  return groupSummary(id, attrs, members, members.map((m) => runs.get(m)), opts);
}

/** A group's row, from its attributes, its members and their runs (undefined: not listed). */
function groupSummary(id: string, attrs: Attributes, members: string[], memberRuns: (RunSummary | undefined)[], opts: CatalogOptions): GroupSummary {
  const counted: MemberFacts[] = [];
  for (const r of memberRuns) if (r && r.trash === "present") counted.push(r);
  const statuses: GroupStatus[] = counted.map((m) => m.status);
  const kind = attrs.get("kind");
  const summary: GroupSummary = {
    id,
    name: runName(id),
    kind: typeof kind === "string" ? (kind as GroupKind) : undefined,
    operation: groupOperation(counted),
    started: groupStarted(counted),
    status: "unknown",
    label: labelOf(attrs),
    tags: tagsOf(attrs),
    members,
    attributes: attrs,
  };
  const cluster = opts.clusterJob?.(summary);
  if (cluster !== undefined) {
    const extra = clusterJobStatus(cluster);
    if (extra !== undefined) statuses.push(extra);
  }
  summary.status = groupStatus(statuses);
  return summary;
}
