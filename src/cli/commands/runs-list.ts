import { dumpJson } from "../../dataspace/json.js";
import type { JsonObject } from "../../dataspace/value.js";
import type { GroupStatus } from "../../runs/group-columns.js";
import { foldedRows, groupMatches, listedRuns, runMatches, type Row, type RowFilter } from "../../runs/listing.js";
import { resolveGroup, resolveJobRef } from "../../runs/select.js";
import type { RunsView } from "../../runs/view.js";
import { UserError } from "../../util/errors.js";
import { out } from "../context.js";
import { parseCount } from "../numbers.js";
import { groupCells, groupJson, openRuns, ROW_HEAD, runCells, runJson } from "../run-rows.js";
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
}

const STATUSES: readonly GroupStatus[] = ["completed", "error", "running", "terminated", "queued", "pending", "unknown"];

function fullMatch(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    throw new UserError(`-o ${pattern} is not a regular expression: ${(err as Error).message}`, "e.g. -o train or -o 'sim.*'");
  }
}

function filterOf(opts: RunsListOptions, view: RunsView): RowFilter {
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

interface Listed {
  row: Row;
  index: number;
}

/** `cohort runs`: runs newest first; `-g` folds groups; `-g GROUP` lists one group's members. */
export default function runsList(_command: undefined, opts: RunsListOptions): void {
  // (`cohort runs X` with X no command of runs is an error before this: src/cli/main.ts)
  if (opts.all && opts.num !== undefined) throw new UserError("-a and -n both limit the list", "give one of them");
  const limit = opts.all ? Infinity : parseCount(opts.num ?? "20", "-n");
  const { view } = openRuns();
  const filter = filterOf(opts, view);
  // Only the rows shown are kept: the others are only counted.
  const shown: Listed[] = [];
  let matched = 0;
  const take = (row: Row, index: number) => {
    if (matched++ < limit) shown.push({ row, index });
  };
  if (opts.group === true) {
    if (opts.deleted) throw new UserError("--deleted lists deleted runs, which no group row stands for", "give -g a group to see its deleted members");
    foldedRows(view).forEach((row, i) => {
      if (row.type === "run" ? runMatches(view, row.run, filter) : groupMatches(view, row.group, filter)) take(row, i + 1);
    });
  } else {
    const members = typeof opts.group === "string" ? new Set(view.ledger.members(resolveGroup(view, opts.group))) : undefined;
    listedRuns(view, opts.deleted ?? false).forEach((run, i) => {
      if ((!members || members.has(run.id)) && runMatches(view, run, filter)) take({ type: "run", run }, i + 1);
    });
  }
  if (opts.json) {
    const rows: JsonObject[] = shown.map(({ row, index }) => (row.type === "run" ? runJson(view.summary(row.run), index) : groupJson(view, row.group, index)));
    out(dumpJson(rows) + "\n");
    return;
  }
  const now = Date.now();
  const folded = opts.group === true;
  const head = folded ? [...ROW_HEAD, "kind"] : ROW_HEAD;
  const cells = shown.map(({ row, index }) =>
    row.type === "run" ? [...runCells(view.summary(row.run), index, now), ...(folded ? ["run"] : [])] : [...groupCells(view.groupSummary(row.group), index, now), row.group.kind],
  );
  if (cells.length > 0) out(renderTable(head, cells) + "\n");
  else process.stderr.write(opts.deleted ? "no deleted runs\n" : "no runs\n");
  if (shown.length < matched) process.stderr.write(`${shown.length} of ${matched} shown; -a shows all, -n N the newest N\n`);
}
