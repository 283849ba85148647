/**
 * The listing cache (docs/runs.md, "The listing cache"): the first rows of `cohort runs` and of
 * `cohort runs -g` as a full reading of the journals found them, with everything those rows are made
 * from (their runs, groups, member runs and writers), kept in `.cohort/cache/runs-list.v8` and
 * `runs-groups.v8` with the name and stat key (util/stat-key.ts) of every journal read.
 *
 * A listing finds the cache valid when the journals are exactly those files with those keys: then
 * nothing was appended, made, rewritten or removed since, and it reads no journal. (A journal only
 * grows, and a write that appends changes its size: so the keys need not be settled, as the
 * document cache's must, and a listing right after a run is cached.) Statuses are
 * derived when shown, as in any listing (whether a writer is alive, what the scheduler says): the
 * cache keeps events, not statuses. Only a group whose columns are settled (GroupColumns.settled:
 * each member ended or its runner gone for good, no scheduler to ask) is kept as its row shows it,
 * with its member ids: those columns follow from the journals alone, which the cache's key holds
 * unchanged, and its member runs (a hundred for a batch of a hundred) need not be read again.
 *
 * Anything else — a journal changed, added or gone, a cache file damaged, of another format or
 * unreadable — makes the listing read the journals as if there were no cache, and write the cache
 * anew. The cache is never needed for a right answer: deleting it only makes the next listing read
 * every journal.
 *
 * A journal whose writer may still append (alive, or on another host) is opened to check it, not only
 * `stat`ed: on NFS, opening a file revalidates its size, as a reading would (close-to-open
 * consistency), where a `stat` may answer from the attribute cache. A journal whose writer had ended
 * on this host when the cache was written never grows again (its writer alone appends to it): a
 * `stat` checks it, a third of the system calls, which at 1,000 journals is most of a cached listing.
 */
import fs from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import { readCheckedFile, writeCheckedFile } from "../util/checked-file.js";
import { isErrno, makeDirs } from "../util/fs.js";
import { keyAt, keyNumbers, sameKey } from "../util/stat-key.js";
import { JOURNAL_RE, journalDir } from "./journal.js";
import { Ledger, Run, type Group, type Stamp, type Writer } from "./ledger.js";
import type { Row } from "./listing.js";
import type { KeptGroup, RunsView } from "./view.js";

/** How many rows the cache keeps: the rows `cohort runs` shows by default. */
export const CACHED_ROWS = 20;

/** Changes whenever what the cache holds changes; a cache of another format is rebuilt. */
const FORMAT = 6;

export type ListKind = "runs" | "groups";

/**
 * A listing as the cache gives it: how many rows the whole list has, its first rows, and a ledger
 * holding what they show with the groups kept as shown (a view over both shows the rows as a view
 * over every run would).
 */
export interface CachedListing {
  total: number;
  rows: Row[];
  ledger: Ledger;
  kept: Map<string, KeptGroup>;
}

function cacheFile(projectRoot: string, kind: ListKind): string {
  return path.join(projectRoot, ".cohort", "cache", kind === "runs" ? "runs-list.v8" : "runs-groups.v8");
}

/**
 * A run as kept: its fields in a fixed order, its writers by their place in `writerIds` (field names
 * repeated for every run made the file three times bigger, and slower to read).
 */
type RunTuple = [
  id: string,
  writer: number,
  operation: string,
  made: number,
  jobs: string[],
  config: string,
  flowgroup: string | undefined,
  directives: Record<string, unknown> | undefined,
  command: string | undefined,
  commandExpanded: boolean,
  isFunction: boolean,
  started: number | undefined,
  segmentWriter: number,
  slot: number | undefined,
  offset: number | undefined,
  ended: number | undefined,
  exit: number | undefined,
  length: number | undefined,
  returned: string | undefined,
  attrs: ReadonlyMap<string, unknown> | undefined,
  stamps: Map<string, Stamp> | undefined,
];

interface GroupFields extends Omit<Group, "joined"> {
  joined: string[];
}

/** What a cache file holds (node's own serialization), under a CRC-32 of its bytes (checked-file.ts). */
interface Contents {
  format: number;
  /**
   * Every journal read, in name order, with its stat key (four numbers each, keyNumbers), and whether
   * its writer had ended on this host (`ended`, by place in `name`).
   */
  journals: { name: string[]; keys: number[]; ended: boolean[] };
  total: number;
  rows: ["run" | "group", string][];
  writers: Writer[];
  writerIds: string[];
  runs: RunTuple[];
  /** The groups of the rows; a kept one without its `joined` runs. */
  groups: GroupFields[];
  kept: (KeptGroup & { id: string })[];
}

/** The cached first rows of a listing, when the journals are as they were; undefined otherwise. */
export function loadListing(projectRoot: string, kind: ListKind): CachedListing | undefined {
  const body = readCheckedFile(cacheFile(projectRoot, kind));
  if (!body) return undefined; // none, unreadable or damaged
  let c: Contents;
  try {
    c = v8.deserialize(body) as Contents;
  } catch {
    return undefined;
  }
  if (c.format !== FORMAT || !journalsAre(projectRoot, c.journals)) return undefined;
  const ledger = new Ledger();
  for (const w of c.writers) ledger.writers.set(w.id, w);
  for (const t of c.runs) ledger.runs.set(t[0], reviveRun(t, c.writerIds));
  for (const g of c.groups) ledger.groups.set(g.id, { ...g, joined: g.joined.map((id) => ledger.runs.get(id)!) });
  const rows = c.rows.map(([type, id]): Row => (type === "run" ? { type, run: ledger.runs.get(id)! } : { type, group: ledger.groups.get(id)! }));
  return { total: c.total, rows, ledger, kept: new Map(c.kept.map(({ id, ...k }) => [id, k])) };
}

/**
 * Keeps the first rows of a listing that `view` (a full reading of the journals) gives. A cache that
 * cannot be written is left out: it is only ever a shortcut.
 */
export function saveListing(projectRoot: string, kind: ListKind, view: RunsView, rows: readonly Row[], total: number): void {
  const first = rows.slice(0, CACHED_ROWS);
  const runs = new Map<string, Run>();
  const groups = new Map<string, Group>();
  const kept: Contents["kept"] = [];
  for (const row of first) {
    if (row.type === "run") runs.set(row.run.id, row.run);
    else {
      const g = row.group;
      groups.set(g.id, g);
      const columns = view.groupColumns(g);
      if (columns.settled) kept.push({ id: g.id, columns, members: view.members(g) });
      else {
        // What its columns are made of: every member run, deleted and purged ones too (`--json` lists them).
        for (const id of view.members(g)) {
          const r = view.ledger.runs.get(id);
          if (r) runs.set(id, r);
        }
      }
    }
  }
  const keptIds = new Set(kept.map((k) => k.id));
  const writers = new Map<string, number>();
  const writerOf = (id: string) => {
    let i = writers.get(id);
    if (i === undefined) writers.set(id, (i = writers.size));
    return i;
  };
  for (const g of groups.values()) writerOf(g.writer);
  const names = [...view.journals.keys()].sort();
  const marks = names.map((n) => view.journals.get(n)!);
  const contents: Contents = {
    format: FORMAT,
    journals: { name: names, keys: marks.flatMap(keyNumbers), ended: names.map((n) => writerEnded(view, n)) },
    total,
    rows: first.map((row) => (row.type === "run" ? ["run", row.run.id] : ["group", row.group.id])),
    runs: [...runs.values()].map((r) => runTuple(r, writerOf)),
    writerIds: [...writers.keys()],
    writers: [...writers.keys()].flatMap((id) => view.ledger.writers.get(id) ?? []),
    groups: [...groups.values()].map((g) => ({ ...g, joined: keptIds.has(g.id) ? [] : g.joined.map((r) => r.id) })),
    kept,
  };
  const file = cacheFile(projectRoot, kind);
  try {
    makeDirs(path.dirname(file));
    writeCheckedFile(file, v8.serialize(contents));
  } catch {
    // a read-only project, a full disk: the next listing reads the journals again
  }
}

/** Whether the writer of journal `name` had ended on this host: a known writer, gone for good. */
function writerEnded(view: RunsView, name: string): boolean {
  const writer = view.ledger.writers.get(name.slice(0, -".jsonl".length));
  return writer !== undefined && view.live.gone(writer);
}

/** Whether the project's journals are exactly these files, with these stat keys. */
function journalsAre(projectRoot: string, j: Contents["journals"]): boolean {
  const dir = journalDir(projectRoot);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => JOURNAL_RE.test(n));
  } catch (err) {
    if (!isErrno(err, "ENOENT")) return false;
    names = [];
  }
  if (names.length !== j.name.length) return false;
  names.sort();
  for (let i = 0; i < names.length; i++) {
    if (names[i] !== j.name[i]) return false;
    if (j.ended[i]) {
      const st = fs.statSync(dir + path.sep + names[i], { throwIfNoEntry: false });
      if (!st || !sameKey(st, keyAt(j.keys, i * 4))) return false;
      continue;
    }
    let fd: number;
    try {
      fd = fs.openSync(dir + path.sep + names[i], "r");
    } catch {
      return false;
    }
    try {
      const st = fs.fstatSync(fd);
      if (!sameKey(st, keyAt(j.keys, i * 4))) return false;
    } finally {
      fs.closeSync(fd);
    }
  }
  return true;
}

function runTuple(r: Run, writerOf: (id: string) => number): RunTuple {
  const seg = r.segmentWriter === undefined ? -1 : writerOf(r.segmentWriter);
  // (an empty `attrs` is the one every run without attributes shares: left out)
  const attrs = r.attrs.size > 0 ? r.attrs : undefined;
  return [r.id, writerOf(r.writer), r.operation, r.made, r.jobs, r.config, r.flowgroup, r.directives, r.command, r.commandExpanded, r.function, r.started, seg, r.slot, r.offset, r.ended, r.exit, r.length, r.returned, attrs, r.stamps];
}

function reviveRun(t: RunTuple, writerIds: string[]): Run {
  const [id, writer, operation, made, jobs, config, flowgroup, directives, command, commandExpanded, isFunction, started, seg, slot, offset, ended, exit, length, returned, attrs, stamps] = t;
  const run = new Run(id, writerIds[writer], operation, made, jobs, config, { flowgroup, directives, command, commandExpanded, function: isFunction });
  run.started = started;
  run.segmentWriter = seg < 0 ? undefined : writerIds[seg];
  run.slot = slot;
  run.offset = offset;
  run.ended = ended;
  run.exit = exit;
  run.length = length;
  run.returned = returned;
  if (attrs) run.attrs = attrs;
  run.stamps = stamps;
  return run;
}
