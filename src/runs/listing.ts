/**
 * The order, folding and filtering of run lists (SPEC §7), shared by `cohort runs` and by the
 * selection of runs and groups by their list index (select.ts), so that the `#` a list shows is the
 * number a command accepts.
 *
 * Order: newest first by start time; a run or group that has not started counts from its creation.
 * Ties go to the later id.
 */
import type { GroupStatus } from "./group-columns.js";
import type { Group, Run, RunsView } from "./view.js";
import { trashOf } from "./run-status.js";

/** A row of `cohort runs -g`: a run or a group. */
export type Row = { type: "run"; run: Run } | { type: "group"; group: Group };

function compareNewest(ta: number, ida: string, tb: number, idb: string): number {
  return tb - ta || (ida < idb ? 1 : ida > idb ? -1 : 0);
}

function runTime(r: Run): number {
  return r.started ?? r.made;
}

/**
 * The runs of a plain `cohort runs` listing, newest first: those not deleted (purged ones never), or
 * with `deleted` only the deleted ones. Run `#N` is element N-1.
 */
export function listedRuns(view: RunsView, deleted = false): Run[] {
  const out: Run[] = [];
  for (const r of view.runs) {
    const t = trashOf(r);
    if (t === "purged" || (t === "deleted") !== deleted) continue;
    out.push(r);
  }
  return out.sort((a, b) => compareNewest(runTime(a), a.id, runTime(b), b.id));
}

/**
 * The rows of `cohort runs -g`, newest first: each group in place of its members (a run in several
 * groups is folded into each), and every run that is in no group as itself. Deleted runs are left out.
 * Row `#N` is element N-1.
 */
export function foldedRows(view: RunsView): Row[] {
  const grouped = new Set<Run>();
  const groups = view.groups();
  for (const g of groups) for (const r of view.memberRuns(g)) grouped.add(r);
  const rows: { row: Row; t: number; id: string }[] = [];
  for (const r of view.runs) if (!grouped.has(r) && trashOf(r) === "present") rows.push({ row: { type: "run", run: r }, t: runTime(r), id: r.id });
  for (const g of groups) rows.push({ row: { type: "group", group: g }, t: view.groupStarted(g) ?? g.made, id: g.id });
  return rows.sort((a, b) => compareNewest(a.t, a.id, b.t, b.id)).map((x) => x.row);
}

/** The deleted groups, newest first, as `cohort runs -g --deleted` numbers them (`group restore #N`). */
export function deletedGroups(view: RunsView): Group[] {
  const rows = [...view.ledger.groups.values()].filter((g) => g.attrs.has("trash")).map((group) => ({ group, t: view.groupStarted(group) ?? group.made }));
  return rows.sort((a, b) => compareNewest(a.t, a.group.id, b.t, b.group.id)).map((x) => x.group);
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

export function runMatches(view: RunsView, run: Run, f: RowFilter): boolean {
  if (NO_FILTER(f)) return true;
  const s = () => view.summary(run);
  return matches({ operation: () => run.operation, status: () => view.status(run), label: () => s().label, tags: () => s().tags, jobs: () => run.jobs }, f);
}

/**
 * A group row matches by its own columns (derived operation and status, its label and tags); for
 * `-j`, by the jobs of its members that count (neither deleted nor purged).
 */
export function groupMatches(view: RunsView, group: Group, f: RowFilter): boolean {
  if (NO_FILTER(f)) return true;
  const s = () => view.groupSummary(group);
  return matches({ operation: () => s().operation, status: () => s().status, label: () => s().label, tags: () => s().tags, jobs: () => view.groupColumns(group).jobs }, f);
}
