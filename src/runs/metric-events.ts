/**
 * Metrics in the journal (SPEC §14): a `metric` event holds rows of values a run recorded, each row a
 * step (or null) and an object of values:
 *
 *     {"e":"metric","t":1796522068273000,"id":"<run>","m":[[3,{"loss":0.12,"acc":"1.0"}],[null,{"n":7}]]}
 *
 * Integers and non-integer floats are JSON numbers; a float that is a whole number (`1.0`), NaN and the
 * infinities are strings as Python prints them (`"1.0"`, `"nan"`, `"inf"`), so that `JSON.parse` reads
 * every line exactly and fast. Runs record their metrics in batches (one event per second at most, and
 * one at the end), so a run of many steps costs few lines. Listings skip these lines unread.
 */
import fs from "node:fs";
import path from "node:path";
import { JOURNAL_RE, journalDir } from "./journal.js";
import { formatMetric, parseMetricNumber, summarize, type MetricRow, type MetricSummary, type MetricValue } from "./metrics.js";

/** How every metric event's line begins: listings skip such lines without parsing them. */
export const METRIC_LINE_START = '{"e":"metric",';

/** A value as the event holds it. */
function encode(v: MetricValue): string {
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  const x = typeof v === "number" ? v : v.value;
  // Whole-number floats, NaN and infinities: JSON numbers cannot say them.
  if (!Number.isFinite(x) || Number.isInteger(x)) return `"${formatMetric(v)}"`;
  return String(x);
}

/** The line of a `metric` event (with its newline) holding `rows` of run `runId`, at time `t` (epoch µs). */
export function metricLine(runId: string, rows: readonly MetricRow[], t: number): string {
  const parts: string[] = [];
  for (const row of rows) {
    const values: string[] = [];
    for (const k in row.values) values.push(`${JSON.stringify(k)}:${encode(row.values[k])}`);
    parts.push(`[${row.step ?? "null"},{${values.join(",")}}]`);
  }
  return `${METRIC_LINE_START}"t":${t},"id":${JSON.stringify(runId)},"m":[${parts.join(",")}]}\n`;
}

/** The rows of a parsed `metric` event; undefined when it is not one cohort can read (damaged, foreign). */
export function metricRows(ev: unknown): { id: string; rows: MetricRow[] } | undefined {
  if (typeof ev !== "object" || ev === null) return undefined;
  const { id, m } = ev as { id?: unknown; m?: unknown };
  if (typeof id !== "string" || !Array.isArray(m)) return undefined;
  const rows: MetricRow[] = [];
  for (const r of m) {
    if (!Array.isArray(r) || r.length !== 2) return undefined;
    const [step, values] = r as [unknown, unknown];
    if (!(step === null || (Number.isSafeInteger(step) && (step as number) >= 0))) return undefined;
    if (typeof values !== "object" || values === null || Array.isArray(values)) return undefined;
    const row: MetricRow = { values: {} };
    if (step !== null) row.step = step as number;
    for (const [k, raw] of Object.entries(values as Record<string, unknown>)) {
      const v = typeof raw === "number" ? (raw as MetricValue) : typeof raw === "string" ? parseMetricNumber(raw) : undefined;
      if (v === undefined) return undefined;
      row.values[k] = v;
    }
    rows.push(row);
  }
  return { id, rows };
}

/** What the journals hold of each run's metrics. */
export interface MetricsByRun {
  runs: Map<string, Map<string, MetricSummary>>;
  /** Metric lines that could not be read. */
  skipped: number;
}

const PREFIX = Buffer.from(METRIC_LINE_START);

/**
 * Splits journal bytes up to `end` (just after a newline) into stretches of other lines, given as text,
 * and metric lines, given as byte ranges (without their newline): a reader of one kind skips the bytes
 * of the other without decoding them.
 */
export function splitMetricLines(buf: Buffer, end: number, text: (text: string) => void, metric: (from: number, to: number) => void): void {
  let pos = 0;
  let search = 0;
  while (pos < end) {
    let m = buf.indexOf(PREFIX, search);
    // Only at the start of a line: the same text could be inside another event's strings.
    while (m > 0 && m < end && buf[m - 1] !== 10) m = buf.indexOf(PREFIX, m + 1);
    if (m < 0 || m >= end) {
      text(buf.toString("utf8", pos, end));
      return;
    }
    if (m > pos) text(buf.toString("utf8", pos, m));
    const nl = buf.indexOf(10, m);
    metric(m, nl);
    pos = search = nl + 1;
  }
}

const ID_RE = /"id":"([^"\\]*)"/;

/**
 * Reads the metrics of every run (or of the runs in `only`) from a project's journals, in the order
 * each journal holds them. A torn last line is left for the next reading. With `series`, each metric
 * keeps its values and steps too (for sparklines and plots); comparisons need only the aggregations.
 */
export function readMetrics(projectRoot: string, only?: ReadonlySet<string>, series = false): MetricsByRun {
  const dir = journalDir(projectRoot);
  const out: MetricsByRun = { runs: new Map(), skipped: 0 };
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => JOURNAL_RE.test(n)).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(path.join(dir, name));
    } catch {
      continue;
    }
    const end = buf.lastIndexOf(10) + 1;
    splitMetricLines(
      buf,
      end,
      () => {},
      (from, to) => {
        if (only) {
          // The run's id comes first in cohort's own lines: a run not asked for is not parsed.
          const id = ID_RE.exec(buf.toString("latin1", from, Math.min(to, from + 120)))?.[1];
          if (id !== undefined && !only.has(id)) return;
        }
        let ev: unknown;
        try {
          ev = JSON.parse(buf.toString("utf8", from, to));
        } catch {
          ev = undefined;
        }
        const read = metricRows(ev);
        if (!read) out.skipped++;
        else if (!only || only.has(read.id)) {
          let metrics = out.runs.get(read.id);
          if (!metrics) out.runs.set(read.id, (metrics = new Map()));
          summarize(read.rows, metrics, series);
        }
      },
    );
  }
  return out;
}
