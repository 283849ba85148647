/**
 * Metrics in the journal (SPEC §14): a `metric` event holds a batch of values a run recorded, by column:
 * `s` the step of each row (null: none; left out when no row has one), and per metric its value in each
 * row (null: not in that row):
 *
 *     {"e":"metric","t":1796522068273000,"id":"<run>","s":[3,4,null],"m":{"loss":[0.12,0.11,null],"n":[null,null,7]}}
 *
 * Integers and non-integer floats are JSON numbers; a float that is a whole number (`1.0`), NaN and the
 * infinities are strings as Python prints them (`"1.0"`, `"nan"`, `"inf"`), so that `JSON.parse` reads
 * every line exactly. Columns keep a batch to a few arrays of numbers, which are quick to parse and to
 * sum up. Runs record their metrics in batches (one event per second at most, and one at the end), so a
 * run of many steps costs few lines. A writer appends its metric events to a file of their own beside
 * its journal, `<writer>.metrics.jsonl`, so that listings, which read journals, never read metrics.
 */
import fs from "node:fs";
import path from "node:path";
import { journalDir } from "./journal.js";
import { parseJson } from "../dataspace/json.js";
import { formatMetric, MetricSummary, parseMetricNumber, readMetricLines, summarize, type MetricRow, type MetricValue } from "./metrics.js";

/** How every metric event's line begins. */
const METRIC_LINE_START = '{"e":"metric",';

/** A writer's metrics file: `<writer>.metrics.jsonl`. */
export const METRICS_FILE_RE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.metrics\.jsonl$/;

/** A value as the event holds it. */
function encode(v: MetricValue | undefined): string {
  if (v === undefined) return "null";
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  const x = typeof v === "number" ? v : v.value;
  // Whole-number floats, NaN and infinities: JSON numbers cannot say them.
  if (!Number.isFinite(x) || Number.isInteger(x)) return `"${formatMetric(v)}"`;
  return String(x);
}

/**
 * The line of a `metric` event (with its newline) holding `rows` of run `runId`, at time `t` (epoch µs).
 * `fromFile`: the rows are those of the run's `$COHORT_METRICS` file (`"f":1`), which readers then no
 * longer read (metricsFileOf).
 */
export function metricLine(runId: string, rows: readonly MetricRow[], t: number, fromFile = false): string {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const k in row.values) {
      if (seen.has(k)) continue;
      seen.add(k);
      names.push(k);
    }
  }
  const columns = names.map((k) => `${JSON.stringify(k)}:[${rows.map((r) => encode(r.values[k])).join(",")}]`);
  const steps = rows.some((r) => r.step !== undefined) ? `"s":[${rows.map((r) => r.step ?? "null").join(",")}],` : "";
  return `${METRIC_LINE_START}"t":${t},"id":${JSON.stringify(runId)},${fromFile ? '"f":1,' : ""}${steps}"m":{${columns.join(",")}}}\n`;
}

/** A metric event as parsed, checked: its run, steps (or none) and columns. */
interface MetricColumns {
  id: string;
  steps: (number | null)[] | undefined;
  columns: [string, unknown[]][];
  rows: number;
}

/** The columns of a parsed `metric` event; undefined when it is not one cohort can read (damaged, foreign). */
function columnsOf(ev: unknown): MetricColumns | undefined {
  if (typeof ev !== "object" || ev === null) return undefined;
  const { id, s, m } = ev as { id?: unknown; s?: unknown; m?: unknown };
  if (typeof id !== "string" || typeof m !== "object" || m === null || Array.isArray(m)) return undefined;
  const columns = Object.entries(m as Record<string, unknown>);
  const rows = s === undefined ? (Array.isArray(columns[0]?.[1]) ? columns[0][1].length : 0) : Array.isArray(s) ? s.length : -1;
  if (rows < 0) return undefined;
  if (s !== undefined && !(s as unknown[]).every((x) => x === null || (Number.isSafeInteger(x) && (x as number) >= 0))) return undefined;
  for (const [, col] of columns) if (!Array.isArray(col) || col.length !== rows) return undefined;
  return { id, steps: s as (number | null)[] | undefined, columns: columns as [string, unknown[]][], rows };
}

/** A value of a column: undefined for null (not in that row), null when it is no metric value (damage). */
function valueOf(raw: unknown): MetricValue | undefined | null {
  if (raw === null) return undefined;
  if (typeof raw === "number") return raw;
  if (typeof raw === "string") return parseMetricNumber(raw) ?? null;
  return null;
}

/** The rows of a parsed `metric` event; undefined when it is not one cohort can read. */
export function metricRows(ev: unknown): { id: string; rows: MetricRow[] } | undefined {
  const c = columnsOf(ev);
  if (!c) return undefined;
  const rows: MetricRow[] = [];
  for (let i = 0; i < c.rows; i++) {
    const row: MetricRow = { values: {} };
    const step = c.steps?.[i];
    if (step !== undefined && step !== null) row.step = step;
    rows.push(row);
  }
  for (const [name, col] of c.columns) {
    for (let i = 0; i < c.rows; i++) {
      const v = valueOf(col[i]);
      if (v === null) return undefined;
      if (v !== undefined) rows[i].values[name] = v;
    }
  }
  return { id: c.id, rows };
}

/** Adds a parsed `metric` event to its run's summaries in `out`; false when it is not one cohort can read. */
function addEvent(ev: unknown, out: MetricsByRun, only: ReadonlySet<string> | undefined, series: boolean): boolean {
  const c = columnsOf(ev);
  if (!c) return false;
  for (const [, col] of c.columns) for (const raw of col) if (valueOf(raw) === null) return false;
  if (only && !only.has(c.id)) return true;
  if ((ev as { f?: unknown }).f === 1) out.filed.add(c.id);
  const runs = out.runs;
  let metrics = runs.get(c.id);
  if (!metrics) runs.set(c.id, (metrics = new Map()));
  for (const [name, col] of c.columns) {
    let summary = metrics.get(name);
    if (!summary) metrics.set(name, (summary = new MetricSummary(series)));
    for (let i = 0; i < c.rows; i++) {
      const v = valueOf(col[i]);
      if (v !== undefined && v !== null) summary.add(v, c.steps?.[i] ?? undefined);
    }
  }
  return true;
}

/** What the journals hold of each run's metrics. */
export interface MetricsByRun {
  runs: Map<string, Map<string, MetricSummary>>;
  /** Metric lines that could not be read. */
  skipped: number;
  /** Runs whose `$COHORT_METRICS` file is in an event (`"f":1`). */
  filed: Set<string>;
}

const ID_RE = /"id":"([^"\\]*)"/;

/**
 * Reads the metrics of every run (or of the runs in `only`) from a project's journals, in the order
 * each journal holds them. A torn last line is left for the next reading. With `series`, each metric
 * keeps its values and steps too (for sparklines and plots); comparisons need only the aggregations.
 */
export function readMetrics(projectRoot: string, only?: ReadonlySet<string>, series = false): MetricsByRun {
  // (before the events: a runner that files its run's file meanwhile has written the event before removing the file)
  const names = journalDirNames(projectRoot);
  const leftovers = readLeftovers(projectRoot, names, only);
  const out: MetricsByRun = { runs: new Map(), skipped: 0, filed: new Set() };
  for (const name of metricsFileNames(names)) {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(path.join(journalDir(projectRoot), name));
    } catch {
      continue;
    }
    addMetricLines(buf, buf.lastIndexOf(10) + 1, out, only, series);
  }
  addLeftovers(out, leftovers, series);
  return out;
}

/**
 * The file a run's programs append metrics to (`$COHORT_METRICS`), beside the journals. Its runner puts
 * its rows in a `metric` event when the run ends, then removes it; one left behind (the runner was
 * killed, or could not write the event) is read with the run's events until then.
 */
export function metricsFileOf(projectRoot: string, runId: string): string {
  return path.join(journalDir(projectRoot), `${runId}.logged`);
}

const LEFTOVER_RE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.logged$/;

/**
 * The rows of each run's `$COHORT_METRICS` file still there (of the runs in `only`), to its last
 * newline; `names`: the journal directory's entries.
 */
export function readLeftovers(projectRoot: string, names: readonly string[], only?: ReadonlySet<string>): Map<string, MetricRow[]> {
  const out = new Map<string, MetricRow[]>();
  for (const name of names) {
    const id = LEFTOVER_RE.exec(name)?.[1];
    if (!id || (only && !only.has(id))) continue;
    let text: string;
    try {
      text = fs.readFileSync(path.join(journalDir(projectRoot), name), "utf8");
    } catch {
      continue; // (its runner removed it meanwhile: its rows are in an event)
    }
    out.set(id, readMetricLines(text.slice(0, text.lastIndexOf("\n") + 1), parseJson).rows);
  }
  return out;
}

/** Adds the rows of leftover files to their runs, but for runs whose file is in an event already. */
export function addLeftovers(out: MetricsByRun, leftovers: Map<string, MetricRow[]>, series = false): void {
  for (const [id, rows] of leftovers) {
    if (out.filed.has(id) || rows.length === 0) continue;
    let metrics = out.runs.get(id);
    if (!metrics) out.runs.set(id, (metrics = new Map()));
    summarize(rows, metrics, series);
  }
}

/** The entries of a project's journal directory (none when there is none yet). */
export function journalDirNames(projectRoot: string): string[] {
  try {
    return fs.readdirSync(journalDir(projectRoot));
  } catch {
    return [];
  }
}

/** The metrics files among the journal directory's entries, by name (oldest writer first). */
export function metricsFileNames(names: readonly string[]): string[] {
  return names.filter((n) => METRICS_FILE_RE.test(n)).sort();
}

/** Adds the metric events among the bytes of a metrics file up to `end` (just after a newline) to `out`. */
export function addMetricLines(buf: Buffer, end: number, out: MetricsByRun, only?: ReadonlySet<string>, series = false): void {
  let from = 0;
  while (from < end) {
    const to = buf.indexOf(10, from);
    if (to > from) {
      // The run's id comes first in cohort's own lines: a run not asked for is not parsed.
      const id = only && ID_RE.exec(buf.toString("latin1", from, Math.min(to, from + 120)))?.[1];
      if (!(id && !only.has(id))) {
        let ev: unknown;
        try {
          ev = JSON.parse(buf.toString("utf8", from, to));
        } catch {
          ev = undefined;
        }
        if (!addEvent(ev, out, only, series)) out.skipped++;
      }
    }
    from = to + 1;
  }
}
