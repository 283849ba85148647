/**
 * The order, folding and filtering of run lists (SPEC §7), shared by `cohort runs` and by the
 * selection of runs and groups by their list index (select.ts), so that the `#` a list shows is
 * the number a command accepts. Runs are rows of the catalog's table (run-table.ts).
 *
 * Order: newest first by start time; a run or group that has not started counts from its creation
 * (the time in its v7 id). Ties go to the later id.
 */
import type { Catalog, GroupRow } from "./catalog.js";
import type { GroupStatus } from "./group-columns.js";
import { compareNewest, idTime, type RunTable } from "./run-table.js";

/** A row of `cohort runs -g`: a run (its row in the catalog's table) or a group. */
export type Row = { type: "run"; row: number } | { type: "group"; group: GroupRow };

function sortTime(x: { id: string; started?: number }): number {
  return x.started ?? idTime(x.id);
}

/** Newest first: by start time (creation time when not started), then by id. */
export function newestFirst<T extends { id: string; started?: number }>(items: readonly T[]): T[] {
  return items
    .map((x) => ({ x, t: sortTime(x) }))
    .sort((a, b) => compareNewest(a.t, a.x.id, b.t, b.x.id))
    .map((e) => e.x);
}

/**
 * The runs of a plain `cohort runs` listing, newest first, as rows of the catalog's table: those not
 * deleted, or with `deleted` only the deleted ones. Run `#N` is element N-1.
 */
export function listedRows(catalog: Catalog, deleted = false): number[] {
  const table = catalog.table;
  const order = table.newestFirst();
  const out: number[] = [];
  for (let k = 0; k < order.length; k++) if (table.isDeleted(order[k]) === deleted) out.push(order[k]);
  return out;
}

/**
 * The rows of `cohort runs -g`, newest first: each group in place of its members (a run in several
 * groups is folded into each), and every run that is in no group as itself. Deleted runs are left out.
 * Row `#N` is element N-1.
 */
export function foldedRows(catalog: Catalog): Row[] {
  const table = catalog.table;
  const grouped = catalog.grouped();
  const groups = newestFirst(catalog.groups);
  const groupTimes = groups.map(sortTime);
  const out: Row[] = [];
  let k = 0;
  // Both lists are newest first already: merged, not sorted again. A run's id is looked at only
  // when a group started at the same time (making 100,000 id strings costs more than the merge).
  const order = table.newestFirst();
  for (let i = 0; i < order.length; i++) {
    const r = order[i];
    if (!table.isPresent(r) || grouped[r]) continue;
    const t = table.sortTime(r);
    for (; k < groups.length && (groupTimes[k] > t || (groupTimes[k] === t && compareNewest(t, groups[k].id, t, table.id(r)) < 0)); k++) out.push({ type: "group", group: groups[k] });
    out.push({ type: "run", row: r });
  }
  for (; k < groups.length; k++) out.push({ type: "group", group: groups[k] });
  return out;
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

/** A row's columns, each looked up only when a filter asks for it. */
interface Columns {
  operation(): string;
  status(): GroupStatus;
  label(): string;
  tags(): string[];
  jobs(): string[];
}

function matches(c: Columns, f: RowFilter): boolean {
  if (f.operations && !f.operations.some((re) => re.test(c.operation()))) return false;
  if (f.statuses && !f.statuses.includes(c.status())) return false;
  if (f.labels && !f.labels.some((l) => c.label().includes(l))) return false;
  if (f.tags && !f.tags.some((t) => c.tags().includes(t))) return false;
  if (f.jobs && !f.jobs.some((j) => c.jobs().includes(j))) return false;
  return true;
}

/** Whether a filter lets every row through. */
export const NO_FILTER = (f: RowFilter) => !f.operations && !f.statuses && !f.labels && !f.tags && !f.jobs;

/** Whether row r of a table passes the filter. */
export function runMatches(table: RunTable, r: number, f: RowFilter): boolean {
  if (NO_FILTER(f)) return true;
  return matches({ operation: () => table.operation(r), status: () => table.status(r), label: () => table.label(r), tags: () => table.tags(r), jobs: () => table.jobs(r) }, f);
}

/**
 * A group row matches by its own columns (derived operation and status, its label and tags); for
 * `-j`, by the jobs of its members that count (neither deleted nor purged).
 */
export function groupMatches(group: GroupRow, f: RowFilter, catalog: Catalog): boolean {
  if (NO_FILTER(f)) return true;
  return matches({ operation: () => group.operation, status: () => group.status, label: () => group.label, tags: () => group.tags, jobs: () => groupJobs(group, catalog) }, f);
}

/** The jobs of a group's members that count (neither deleted nor purged), each once, in member order. */
export function groupJobs(group: GroupRow, catalog: Catalog): string[] {
  const jobs = new Set<string>();
  const table = catalog.table;
  for (const r of group.rows) if (r !== -1 && table.isPresent(r)) for (const j of table.jobs(r)) jobs.add(j);
  return [...jobs];
}
