import { dumpJson } from "../../dataspace/json.js";
import type { JsonObject } from "../../dataspace/value.js";
import type { Catalog } from "../../runs/catalog.js";
import type { GroupStatus } from "../../runs/group-columns.js";
import { foldedRows, groupMatches, listedRows, NO_FILTER, runMatches, type Row, type RowFilter } from "../../runs/listing.js";
import { resolveGroup, resolveJobRef } from "../../runs/select.js";
import { UserError } from "../../util/errors.js";
import { out } from "../context.js";
import { parseCount } from "../numbers.js";
import { groupCells, groupJson, openCatalog, ROW_HEAD, runCells, runJson } from "../run-rows.js";
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

const STATUSES: readonly GroupStatus[] = ["completed", "error", "running", "terminated", "queued", "staged", "pending", "unknown"];

function fullMatch(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    throw new UserError(`-o ${pattern} is not a regular expression: ${(err as Error).message}`, "e.g. -o train or -o 'sim.*'");
  }
}

function filterOf(opts: RunsListOptions, catalog: Catalog): RowFilter {
  for (const s of opts.status ?? []) {
    if (!STATUSES.includes(s as GroupStatus)) throw new UserError(`-s ${s} is not a status`, `one of ${STATUSES.join(", ")}`);
  }
  return {
    operations: opts.operation?.map(fullMatch),
    statuses: opts.status as GroupStatus[] | undefined,
    labels: opts.label,
    tags: opts.tag,
    // A prefix no run's job has matches nothing; one that fits several jobs is an error.
    jobs: opts.job?.flatMap((j) => resolveJobRef(catalog, j)),
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
  // Every run's operation or status is looked at with -a or these filters: no record is then read
  // for its start alone (catalog.ts), which would read the rest of each again.
  const everyRun = opts.all === true || opts.operation !== undefined || opts.status !== undefined || opts.job !== undefined;
  const { catalog } = openCatalog({ saveLater: true, startOnlyFrom: everyRun ? Infinity : undefined, groups: opts.group === true });
  const table = catalog.table;
  const filter = filterOf(opts, catalog);
  // The cache may hold runs read for their start alone by an earlier listing: read in one pass.
  if (filter.operations || filter.statuses) table.readAll();
  // Only the rows shown are kept: at 100,000 runs, the others are only counted.
  const shown: Listed[] = [];
  let matched = 0;
  const take = (row: Row, index: number) => {
    if (matched++ < limit) shown.push({ row, index });
  };
  if (opts.group === true) {
    if (opts.deleted) throw new UserError("--deleted lists deleted runs, which no group row stands for", "give -g a group to see its deleted members");
    foldedRows(catalog).forEach((row, i) => {
      if (row.type === "run" ? runMatches(table, row.row, filter) : groupMatches(row.group, filter, catalog)) take(row, i + 1);
    });
  } else {
    const order = listedRows(catalog, opts.deleted ?? false);
    const members = typeof opts.group === "string" ? new Set(resolveGroup(catalog, opts.group).rows) : undefined;
    if (!members && NO_FILTER(filter)) {
      // every run is listed: only the shown ones are looked at
      order.slice(0, Math.min(limit, order.length)).forEach((r, i) => take({ type: "run", row: r }, i + 1));
      matched = order.length;
    } else {
      order.forEach((r, i) => {
        if ((!members || members.has(r)) && runMatches(table, r, filter)) take({ type: "run", row: r }, i + 1);
      });
    }
  }
  table.read(shown.flatMap(({ row }) => (row.type === "run" ? [row.row] : Array.from(row.group.rows))));
  if (opts.json) {
    const rows: JsonObject[] = shown.map(({ row, index }) => (row.type === "run" ? runJson(table.summary(row.row), index) : groupJson(row.group, index, catalog)));
    out(dumpJson(rows) + "\n");
    catalog.save();
    return;
  }
  const now = Date.now();
  const folded = opts.group === true;
  const head = folded ? [...ROW_HEAD, "kind"] : ROW_HEAD;
  const cells = shown.map(({ row, index }) =>
    row.type === "run" ? [...runCells(table.summary(row.row), index, now), ...(folded ? ["run"] : [])] : [...groupCells(row.group, index, now), row.group.kind ?? "?"],
  );
  if (cells.length > 0) out(renderTable(head, cells) + "\n");
  else process.stderr.write(opts.deleted ? "no deleted runs\n" : "no runs\n");
  catalog.save();
  if (shown.length < matched) process.stderr.write(`${shown.length} of ${matched} shown; -a shows all, -n N the newest N\n`);
}
