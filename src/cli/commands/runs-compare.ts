import { dumpJson } from "../../dataspace/json.js";
import type { JsonObject, JsonValue } from "../../dataspace/value.js";
import { cellText, compareRuns, type CompareColumn, type Comparison, type CompareValue } from "../../runs/compare.js";
import { listedRuns, runMatches } from "../../runs/listing.js";
import { readMetricsCached } from "../../runs/metrics-cache.js";
import { metricNumber, type MetricValue } from "../../runs/metrics.js";
import { trashOf } from "../../runs/run-status.js";
import { resolveGroup, resolveRun, RunRefs } from "../../runs/select.js";
import type { Run, RunsView } from "../../runs/view.js";
import { UserError } from "../../util/errors.js";
import { out, warn } from "../context.js";
import { parseCount } from "../../util/numbers.js";
import { runDurationText } from "../../util/run-duration.js";
import { openRuns } from "../runs-rows.js";
import { cellWidth, renderTable } from "../table.js";
import { humanTime, isoTime } from "../when.js";
import { filterOf, type RunsListOptions } from "./runs-list.js";

export interface RunsCompareOptions extends Omit<RunsListOptions, "group"> {
  /** Groups whose members are compared (-g, once per group). */
  group?: string[];
  metric?: string[];
  sort?: string;
  csv?: boolean;
  all?: boolean;
}

/**
 * The runs compared: those the arguments name (a group's name stands for its members), and those of
 * each `-g GROUP`, or else the runs `cohort runs` lists; then the filters. Newest first, as listed, unless
 * named one by one.
 */
export function comparedRuns(view: RunsView, refs: string[], opts: RunsCompareOptions): Run[] {
  const filter = filterOf(opts, view);
  let runs: Run[];
  const groups = opts.group ?? [];
  if (refs.length > 0 || groups.length > 0) {
    const seen = new Set<string>();
    runs = [];
    const add = (r: Run) => {
      if (seen.has(r.id) || trashOf(r) !== "present") return;
      seen.add(r.id);
      runs.push(r);
    };
    const membersOf = (ref: string) => {
      const g = resolveGroup(view, ref);
      const members = new Set(view.members(g));
      return view.memberRuns(g).filter((r) => members.has(r.id)).sort((a, b) => (a.id < b.id ? -1 : 1));
    };
    for (const g of groups) membersOf(g).forEach(add);
    const index = new RunRefs(view);
    for (const ref of refs) {
      let run: Run | undefined;
      try {
        run = resolveRun(view, ref, {}, index);
      } catch (err) {
        // Not a run: a group's name or id stands for its members.
        let members: Run[];
        try {
          members = membersOf(ref);
        } catch {
          throw err;
        }
        members.forEach(add);
        continue;
      }
      // (a run named outright and left out would vanish from the table without a word)
      if (trashOf(run) === "deleted") warn(`run ${run.name} is deleted: it is not compared ('cohort runs restore ${run.name}' brings it back)`);
      add(run);
    }
  } else runs = listedRuns(view, opts.deleted ?? false);
  return runs.filter((r) => runMatches(view, r, filter));
}

/** A cell as the table shows it. */
function shown(c: CompareColumn, v: CompareValue, now: number): string {
  if (v === undefined) return "";
  if (c.kind === "started") return humanTime((v as number) * 1000, now);
  if (c.kind === "duration") return runDurationText(v as number);
  return cellText(c, v);
}

/** A cell as CSV and JSON hold it: times in ISO form and seconds, metrics and config values as numbers where they are. */
function dataOf(c: CompareColumn, v: CompareValue): JsonValue {
  if (v === undefined) return null;
  if (c.kind === "started") return isoTime((v as number) * 1000);
  if (c.kind === "duration") return Math.round((v as number) * 1000) / 1000;
  if (c.kind === "metric") {
    const x = metricNumber(v as MetricValue);
    // JSON has no NaN or infinity: those are written as Python prints them.
    return Number.isFinite(x) ? (v as JsonValue) : cellText(c, v);
  }
  return v as JsonValue;
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The comparison as CSV: a header line, then one line per run. */
export function comparisonCsv(cmp: Comparison): string {
  const lines = [cmp.columns.map((c) => csvField(c.heading)).join(",")];
  for (const row of cmp.rows) {
    lines.push(
      cmp.columns
        .map((c, i) => {
          const v = row.values[i];
          if (v === undefined) return "";
          const d = dataOf(c, v);
          // (a string as it is: the quotes the table puts around `'a b'` are not part of it)
          if (c.kind === "key") return csvField(typeof v === "string" ? v : dumpJson(v as JsonValue));
          return csvField(c.kind === "metric" ? cellText(c, v) : String(d));
        })
        .join(","),
    );
  }
  return lines.join("\n") + "\n";
}

/** The comparison as JSON: per run its fixed columns (`started` as `cohort runs --json` has it), `config` (the keys shown) and `metrics`. */
export function comparisonJson(cmp: Comparison): JsonObject[] {
  return cmp.rows.map((row) => {
    const o: JsonObject = { id: row.run.id };
    const config: JsonObject = {};
    const metrics: JsonObject = {};
    cmp.columns.forEach((c, i) => {
      const d = dataOf(c, row.values[i]);
      if (c.kind === "key") config[c.key] = d;
      else if (c.kind === "metric") metrics[c.heading] = d;
      else if (c.kind === "started") {
        // (as `cohort runs --json` gives it: epoch microseconds, and the ISO form beside)
        o.started = row.run.started ?? null;
        o.started_iso = d;
      } else o[c.kind] = d;
    });
    o.config = config;
    o.metrics = metrics;
    return o;
  });
}

/**
 * The table, as wide as the terminal allows: the columns that do not fit are left out from the right
 * (the run's name always stays), and a line says which.
 */
function fitted(cmp: Comparison, cells: string[][], width: number): { head: string[]; cells: string[][]; left: string[] } {
  // (as the table measures them: wide characters take two columns, escapes their text's)
  const widths = cmp.columns.map((c, i) => cells.reduce((w, row) => Math.max(w, cellWidth(row[i])), cellWidth(c.heading)));
  let keep = cmp.columns.length;
  const total = (n: number) => widths.slice(0, n).reduce((a, w) => a + w, 0) + 2 * (n - 1);
  while (keep > 1 && total(keep) > width) keep--;
  return { head: cmp.columns.slice(0, keep).map((c) => c.heading), cells: cells.map((r) => r.slice(0, keep)), left: cmp.columns.slice(keep).map((c) => c.heading) };
}

/** `cohort runs compare`: one row per run, the keys that differ, and metrics. */
export default async function runsCompare(refs: string[], opts: RunsCompareOptions): Promise<void> {
  if (opts.csv && opts.json) throw new UserError("--csv and --json both choose the output", "give one of them");
  const limit = opts.num !== undefined ? parseCount(opts.num, "-n") : Infinity;
  const { root, view } = await openRuns();
  let runs = comparedRuns(view, refs, opts);
  const metrics = readMetricsCached(root);
  const now = Date.now();
  const compare = { all: opts.all, metrics: opts.metric, now };
  let cmp = compareRuns(view, runs, metrics, { ...compare, sort: opts.sort });
  // -n keeps the first N rows as sorted (the 3 lowest losses with --sort loss -n 3); the keys that
  // differ are then those of these rows.
  if (cmp.rows.length > limit) {
    const byId = new Map(runs.map((r) => [r.id, r]));
    runs = cmp.rows.slice(0, limit).map((row) => byId.get(row.run.id)!);
    cmp = compareRuns(view, runs, metrics, compare);
  }
  // A metric asked for by name that no run compared has: most likely a typo, which an empty column hides.
  cmp.columns.forEach((c, i) => {
    if (c.kind === "metric" && opts.metric && cmp.rows.length > 0 && cmp.rows.every((row) => row.values[i] === undefined)) warn(`no run compared has the metric ${c.metric.metric}`);
  });
  if (opts.json) return void out(dumpJson(comparisonJson(cmp)) + "\n");
  if (opts.csv) return void out(comparisonCsv(cmp));
  if (cmp.rows.length === 0) return void process.stderr.write("no runs to compare\n");
  const width = process.stdout.isTTY ? process.stdout.columns || 80 : Number(process.env.COLUMNS) || Infinity;
  const table = comparisonTable(cmp, now, width);
  out(table.text + "\n");
  if (table.left.length > 0) process.stderr.write(`${table.left.length} column${table.left.length === 1 ? "" : "s"} left out for the terminal's width: ${table.left.join(", ")} (--csv or --json shows every one; -m picks metrics)\n`);
}

/** The comparison as a table no wider than `width` (at `now`, epoch ms), and the headings of the columns left out. */
export function comparisonTable(cmp: Comparison, now: number, width: number): { text: string; left: string[] } {
  const cells = cmp.rows.map((row) => cmp.columns.map((c, i) => shown(c, row.values[i], now)));
  const fit = fitted(cmp, cells, width);
  return { text: renderTable(fit.head, fit.cells), left: fit.left };
}
