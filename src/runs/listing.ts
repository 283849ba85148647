/**
 * The order, folding and filtering of run lists (SPEC §7), shared by `cohort runs` and by the
 * selection of runs and groups by their list index (select.ts), so that the `#` a list shows is
 * the number a command accepts.
 *
 * Order: newest first by start time; a run or group that has not started counts from its creation
 * (the time in its v7 id). Ties go to the later id.
 */
import type { Catalog, GroupSummary, RunSummary } from "./catalog.js";
import type { GroupStatus } from "./group-columns.js";

export type Row = { type: "run"; run: RunSummary } | { type: "group"; group: GroupSummary };

/** The creation time of a run or group, epoch microseconds, from the 48-bit millisecond prefix of its v7 id. */
export function idTime(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16) * 1000;
}

function sortTime(x: { id: string; started?: number }): number {
  return x.started ?? idTime(x.id);
}

/** Newest first: by start time (creation time when not started), then by id. */
export function newestFirst<T extends { id: string; started?: number }>(items: readonly T[]): T[] {
  return items
    .map((x) => ({ x, t: sortTime(x) }))
    .sort((a, b) => b.t - a.t || (a.x.id < b.x.id ? 1 : a.x.id > b.x.id ? -1 : 0))
    .map((e) => e.x);
}

/**
 * The runs of a plain `cohort runs` listing, newest first: those not deleted, or with
 * `deleted` only the deleted ones. Run `#N` is element N-1.
 */
export function listedRuns(catalog: Catalog, deleted = false): RunSummary[] {
  return newestFirst(catalog.runs.filter((r) => (r.trash === "deleted") === deleted));
}

/**
 * The rows of `cohort runs -g`, newest first: each group in place of its members (a run in several
 * groups is folded into each), and every run that is in no group as itself. Deleted runs are left out.
 * Row `#N` is element N-1.
 */
export function foldedRows(catalog: Catalog): Row[] {
  const grouped = new Set<string>();
  for (const g of catalog.groups) for (const m of g.members) grouped.add(m);
  const items: (Row & { id: string; started?: number })[] = [];
  for (const g of catalog.groups) items.push({ type: "group", group: g, id: g.id, started: g.started });
  for (const r of catalog.runs) {
    if (r.trash === "present" && !grouped.has(r.id)) items.push({ type: "run", run: r, id: r.id, started: r.started });
  }
  return newestFirst(items).map((i) => (i.type === "run" ? { type: "run", run: i.run } : { type: "group", group: i.group }));
}

/**
 * What `-o`, `-s`, `-l`, `-t`, `-j` ask for. Several values of one filter: any may match; several
 * filters: all must. An absent filter lets everything through; an empty one, nothing.
 */
export interface RowFilter {
  /** Full matches of the operation column. */
  operations?: RegExp[];
  statuses?: GroupStatus[];
  /** Substrings of the label. */
  labels?: string[];
  tags?: string[];
  /** Full job ids: runs whose aggregate includes one of them. */
  jobs?: string[];
}

interface Columns {
  operation: string;
  status: GroupStatus;
  label: string;
  tags: string[];
  jobs: string[];
}

function matches(c: Columns, f: RowFilter): boolean {
  if (f.operations && !f.operations.some((re) => re.test(c.operation))) return false;
  if (f.statuses && !f.statuses.includes(c.status)) return false;
  if (f.labels && !f.labels.some((l) => c.label.includes(l))) return false;
  if (f.tags && !f.tags.some((t) => c.tags.includes(t))) return false;
  if (f.jobs && !f.jobs.some((j) => c.jobs.includes(j))) return false;
  return true;
}

export function runMatches(run: RunSummary, f: RowFilter): boolean {
  return matches(run, f);
}

/**
 * A group row matches by its own columns (derived operation and status, its label and tags); for
 * `-j`, by the jobs of its members that count (neither deleted nor purged).
 */
export function groupMatches(group: GroupSummary, f: RowFilter, runs: ReadonlyMap<string, RunSummary>): boolean {
  let jobs: string[] = [];
  if (f.jobs) {
    jobs = group.members.flatMap((m) => {
      const r = runs.get(m);
      return r && r.trash === "present" ? r.jobs : [];
    });
  }
  return matches({ operation: group.operation, status: group.status, label: group.label, tags: group.tags, jobs }, f);
}
