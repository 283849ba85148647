import type { JsonObject, JsonValue } from "../../dataspace/value.js";
import type { MetricColumn } from "../../runs/metrics.js";
import { trashOf } from "../../runs/run-status.js";
import type { Run } from "../../runs/view.js";
import type { GroupStatus } from "../../runs/group-columns.js";
import { deletedGroups, foldedRows, groupMatches, listedRuns, runMatches, type Row, type RowFilter } from "../../runs/listing.js";
import { resolveGroup, resolveJobRef } from "../../runs/select.js";
import { RunsView } from "../../runs/view.js";
import { CACHED_ROWS, loadListing, saveListing, type ListKind } from "../../runs/listing-cache.js";
import { projectRootOf } from "../../dataspace/root.js";
import { UserError } from "../../util/errors.js";
import { out, warn } from "../context.js";
import { parseCount } from "../../util/numbers.js";
import { groupCells, groupJson, ROW_HEAD, runCells, runJson, viewWithScheduler } from "../runs-rows.js";
import { renderTable } from "../table.js";

export interface RunsListOptions {
  group?: string | boolean;
  operation?: string[];
  status?: string[];
  label?: string[];
  tag?: string[];
  job?: string[];
  num?: string;
  all?: boolean;
  deleted?: boolean;
  json?: boolean;
  /** `-g --best min:loss`: each row's best member and its value. */
  best?: string;
}

const STATUSES: readonly GroupStatus[] = ["completed", "error", "running", "terminated", "queued", "pending", "unknown"];

function fullMatch(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    throw new UserError(`-o ${pattern} is not a regular expression: ${(err as Error).message}`, "e.g. -o train or -o 'sim.*'");
  }
}

/** The filters of `cohort runs` (and `runs compare`): -o, -s, -l, -t, -j. */
export function filterOf(opts: Pick<RunsListOptions, "operation" | "status" | "label" | "tag" | "job">, view: RunsView): RowFilter {
  for (const s of opts.status ?? []) {
    if (!STATUSES.includes(s as GroupStatus)) throw new UserError(`-s ${s} is not a status`, `one of ${STATUSES.join(", ")}`);
  }
  return {
    operations: opts.operation?.map(fullMatch),
    statuses: opts.status as GroupStatus[] | undefined,
    labels: opts.label,
    tags: opts.tag,
    // A prefix no run's job has matches nothing; one that fits several jobs is an error.
    jobs: opts.job?.flatMap((j) => resolveJobRef(view, j)),
  };
}

export interface Listed {
  row: Row;
  index: number;
}

/**
 * Which list the listing cache keeps, when these options ask for it as it is: the plain list or the
 * `-g` rows, unfiltered, newest first, no more rows than the cache holds.
 */
function cachedKind(opts: RunsListOptions, limit: number): ListKind | undefined {
  // (--best reads members' metrics, which the cache does not keep)
  const filtered = opts.operation || opts.status || opts.label || opts.tag || opts.job || opts.deleted || opts.best;
  if (filtered || limit > CACHED_ROWS || typeof opts.group === "string") return undefined;
  return opts.group === true ? "groups" : "runs";
}

/** The rows a listing shows (at most `limit`), how many rows matched, and the view to show them with. */
export interface Listing {
  view: RunsView;
  shown: Listed[];
  matched: number;
  /** Whether the rows came from the listing cache. */
  cached: boolean;
  /** Keeps what the listing cache holds of this listing (nothing when it came from the cache or is not kept). */
  save(): void;
}

/** The rows of `cohort runs` with these options in project `root`: from the listing cache when it holds them. */
export async function listing(root: string, opts: RunsListOptions, limit: number): Promise<Listing> {
  const kind = cachedKind(opts, limit);
  const cached = kind && loadListing(root, kind);
  if (cached) {
    const view = await viewWithScheduler(root, (o) => new RunsView(cached.ledger, o, undefined, cached.kept), opts.group !== undefined);
    const shown = cached.rows.slice(0, limit).map((row, i) => ({ row, index: i + 1 }));
    return { view, shown, matched: cached.total, cached: true, save: () => {} };
  }
  const view = await viewWithScheduler(root, (o) => RunsView.read(root, o), opts.group !== undefined);
  const filter = filterOf(opts, view);
  // Only the rows shown are kept: the others are only counted.
  const shown: Listed[] = [];
  let matched = 0;
  const take = (row: Row, index: number) => {
    if (matched++ < limit) shown.push({ row, index });
  };
  let save = () => {};
  if (opts.group === true && opts.deleted) {
    deletedGroups(view).forEach((group, i) => {
      if (groupMatches(view, group, filter)) take({ type: "group", group }, i + 1);
    });
  } else if (opts.group === true) {
    const rows = foldedRows(view);
    rows.forEach((row, i) => {
      if (row.type === "run" ? runMatches(view, row.run, filter) : groupMatches(view, row.group, filter)) take(row, i + 1);
    });
    if (kind) save = () => saveListing(root, kind, view, rows.slice(0, CACHED_ROWS), rows.length);
  } else {
    const members = typeof opts.group === "string" ? new Set(view.ledger.members(resolveGroup(view, opts.group))) : undefined;
    const runs = listedRuns(view, opts.deleted ?? false);
    runs.forEach((run, i) => {
      if ((!members || members.has(run.id)) && runMatches(view, run, filter)) take({ type: "run", run }, i + 1);
    });
    const first = runs.slice(0, CACHED_ROWS).map((run): Row => ({ type: "run", run }));
    if (kind) save = () => saveListing(root, kind, view, first, runs.length);
  }
  return { view, shown, matched, cached: false, save };
}

/** `cohort runs`: runs newest first; `-g` folds groups; `-g GROUP` lists one group's members. */
export default async function runsList(_command: undefined, opts: RunsListOptions): Promise<void> {
  // (`cohort runs X` with X no command of runs is an error before this: src/cli/main.ts)
  if (opts.all && opts.num !== undefined) throw new UserError("-a and -n both limit the list", "give one of them");
  const limit = opts.all ? Infinity : parseCount(opts.num ?? "20", "-n");
  if (opts.best !== undefined && opts.group !== true) {
    // (-g GROUP lists one group's members: there is no row of a group to add a best member to)
    const what = opts.group === undefined ? "--best goes with -g" : `--best goes with -g alone, not with -g ${opts.group}`;
    throw new UserError(`${what}: it adds each group's best member to its row`, "cohort runs -g --best min:loss; cohort runs compare -g GROUP --sort loss ranks one group's members");
  }
  // (what --best and --json need is loaded for them alone: a plain listing starts sooner)
  const column = opts.best === undefined ? undefined : (await import("../../runs/compare.js")).parseBest(opts.best);
  const root = projectRootOf(process.cwd());
  const { view, shown, matched, save } = await listing(root, opts, limit);
  const best = column && (await bestOfRows(root, view, shown, column));
  if (best && shown.length > 0 && best.every((b) => b === undefined)) warn(`no run of the rows shown has the metric ${column!.metric}`);
  if (opts.json) {
    const rows = jsonRows(view, shown);
    if (best) rows.forEach((r, i) => (r.best = best[i] ? { id: best[i].run.id, name: best[i].run.name, value: best[i].json } : null));
    const { dumpJson } = await import("../../dataspace/json.js");
    out(dumpJson(rows) + "\n");
  } else {
    const now = Date.now();
    const folded = opts.group === true;
    const head = folded ? [...ROW_HEAD, "kind"] : [...ROW_HEAD];
    const cells = shown.map(({ row, index }) =>
      row.type === "run" ? [...runCells(view.summary(row.run), index, now), ...(folded ? ["run"] : [])] : [...groupCells(view.groupSummary(row.group), index, now), row.group.kind],
    );
    if (best) {
      head.push("best", column!.text);
      cells.forEach((row, i) => row.push(best[i]?.run.name ?? "", best[i]?.text ?? ""));
    }
    if (cells.length > 0) out(renderTable(head, cells) + "\n");
    else process.stderr.write(opts.deleted ? (opts.group === true ? "no deleted groups\n" : "no deleted runs\n") : "no runs\n");
    if (shown.length < matched) process.stderr.write(`${shown.length} of ${matched} shown; -a shows all, -n N the newest N\n`);
  }
  // (after the rows are out: the cache only speeds up the next listing)
  save();
}

/** A row's best member, and its value as the table shows it and as JSON. */
interface BestOfRow {
  run: Run;
  text: string;
  json: JsonValue;
}

/** Each row's best member by `column` (a run row: the run itself), reading only their metrics. */
async function bestOfRows(root: string, view: RunsView, shown: readonly Listed[], column: MetricColumn): Promise<(BestOfRow | undefined)[]> {
  const [{ bestRun }, { readMetricsCached }, { formatMetric }] = await Promise.all([import("../../runs/compare.js"), import("../../runs/metrics-cache.js"), import("../../runs/metrics.js")]);
  const candidates = shown.map(({ row }) => {
    if (row.type === "run") return [row.run];
    const members = new Set(view.members(row.group));
    return view.memberRuns(row.group).filter((r) => trashOf(r) === "present" && members.has(r.id));
  });
  const metrics = readMetricsCached(root);
  return candidates.map((runs) => {
    const best = bestRun(runs, metrics, column);
    if (!best) return undefined;
    const v = best.value;
    // (NaN and infinities, which JSON has not, as Python prints them)
    return { run: best.run, text: formatMetric(v), json: Number.isFinite(typeof v === "number" ? v : v.value) ? v : formatMetric(v) };
  });
}

/** The rows of `--json`. */
export function jsonRows(view: RunsView, shown: readonly Listed[]): JsonObject[] {
  return shown.map(({ row, index }) => (row.type === "run" ? runJson(view.summary(row.run), index) : groupJson(view, row.group, index)));
}
