/**
 * Comparing runs (SPEC §14): one row per run — name, operation, status, start, duration — then the
 * flags or state-point keys that differ between the rows (every key with `all`), then metric columns:
 * each metric's last value, or the aggregations asked for (`min:loss`). Rows come in the order given
 * unless sorted by a column. This module works out the values; the CLI prints them.
 */
import { canonicalJson, parseJson } from "../dataspace/json.js";
import { formatScalar } from "../dataspace/multivalue.js";
import { isPlainObject, type JsonValue } from "../dataspace/value.js";
import { UserError } from "../util/errors.js";
import type { MetricsByRun } from "./metric-events.js";
import { formatMetric, parseMetricColumn, type MetricColumn, type MetricValue } from "./metrics.js";
import type { Run, RunsView, ListedRun } from "./view.js";

/** A column of the comparison: what it holds decides how its cells print and sort. */
export type CompareColumn =
  | { kind: "name" | "operation" | "status" | "started" | "duration"; heading: string }
  | { kind: "key"; heading: string; key: string }
  | { kind: "metric"; heading: string; metric: MetricColumn };

/** A cell's value: text, a number, a config value or a metric; undefined when the run has none. */
export type CompareValue = string | number | JsonValue | MetricValue | undefined;

export interface CompareRow {
  run: ListedRun;
  values: CompareValue[];
}

export interface Comparison {
  columns: CompareColumn[];
  rows: CompareRow[];
}

export interface CompareOptions {
  /** Every key, not only those that differ. */
  all?: boolean;
  /** Metric columns as written (`loss`, `min:loss`); every metric's last value when none. */
  metrics?: string[];
  /** A column heading to sort by, `-` before it for descending. */
  sort?: string;
  /** Epoch ms: the end of a running run's duration. */
  now?: number;
}

const FIXED = ["name", "operation", "status", "started", "duration"] as const;

/**
 * The keys of a run's config, flattened with dots (`model.layers`): a flag run's flags, a one-job run's
 * state point. A run on several jobs has no keys of its own to compare.
 */
function configKeys(run: Run): Map<string, JsonValue> {
  const keys = new Map<string, JsonValue>();
  if (run.jobs.length > 1) return keys;
  let config: JsonValue;
  try {
    config = parseJson(run.config);
  } catch {
    return keys;
  }
  const walk = (v: JsonValue, prefix: string) => {
    if (isPlainObject(v) && Object.keys(v).length > 0) for (const [k, x] of Object.entries(v)) walk(x, prefix === "" ? k : `${prefix}.${k}`);
    else if (prefix !== "") keys.set(prefix, v);
  };
  walk(config, "");
  return keys;
}

/** The comparison of `runs` (in the order given), with the metrics of `metrics`. */
export function compareRuns(view: RunsView, runs: readonly Run[], metrics: MetricsByRun, opts: CompareOptions = {}): Comparison {
  const now = (opts.now ?? Date.now()) * 1000;
  const configs = runs.map(configKeys);
  // Keys in the order first met; with several rows, only those whose values differ (or are missing somewhere).
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const c of configs) for (const k of c.keys()) if (!seen.has(k) && seen.add(k)) keys.push(k);
  const differs = (k: string) => {
    const texts = new Set(configs.map((c) => (c.has(k) ? canonicalJson(c.get(k)!) : "\u0000missing")));
    return texts.size > 1;
  };
  const shownKeys = opts.all || runs.length < 2 ? keys : keys.filter(differs);
  let metricColumns: MetricColumn[];
  if (opts.metrics && opts.metrics.length > 0) metricColumns = opts.metrics.map((m) => parseMetricColumn(m, "--metric"));
  else {
    const names = new Set<string>();
    for (const r of runs) for (const k of metrics.runs.get(r.id)?.keys() ?? []) names.add(k);
    // Each metric's last value. A name with a colon (`train:loss`) is no aggregation: its column is
    // headed `last:train:loss`, which -m and --sort take as they are.
    metricColumns = [...names].sort().map((metric) => ({ aggregation: "last", metric, text: metric.includes(":") ? `last:${metric}` : metric }));
  }
  // Each heading names one column: a key named as a fixed column shows as `config:NAME`, a metric
  // named as a fixed column or a key as `last:NAME`.
  const fixed = new Set<string>(FIXED);
  const columns: CompareColumn[] = [
    ...FIXED.map((kind) => ({ kind, heading: kind })),
    ...shownKeys.map((key): CompareColumn => ({ kind: "key", heading: fixed.has(key) ? `config:${key}` : key, key })),
    ...metricColumns.map((metric): CompareColumn => {
      const taken = metric.text === metric.metric && (fixed.has(metric.metric) || shownKeys.includes(metric.metric));
      return { kind: "metric", heading: taken ? `last:${metric.metric}` : metric.text, metric };
    }),
  ];
  const rows = runs.map((run, i): CompareRow => {
    const summary = view.summary(run);
    const values = columns.map((c): CompareValue => {
      switch (c.kind) {
        case "name":
          return summary.name;
        case "operation":
          return summary.operation;
        case "status":
          return summary.status;
        case "started":
          return run.started === undefined ? undefined : run.started / 1000;
        case "duration": {
          // (a run whose runner died has no end: how long it ran is not known)
          const end = run.ended ?? (summary.status === "running" ? now : undefined);
          return run.started === undefined || end === undefined ? undefined : (end - run.started) / 1e6;
        }
        case "key":
          return configs[i].get(c.key);
        case "metric":
          return metrics.runs.get(run.id)?.get(c.metric.metric)?.get(c.metric.aggregation);
      }
    });
    return { run: summary, values };
  });
  if (opts.sort !== undefined) sortRows(columns, rows, opts.sort);
  return { columns, rows };
}

/** A value as a number, for ordering; undefined when it is none. */
function numberOf(v: CompareValue): number | undefined {
  if (typeof v === "number") return v;
  if (v !== null && typeof v === "object" && "value" in v && typeof v.value === "number") return v.value;
  if (typeof v === "bigint") return Number(v);
  return undefined;
}

/** Sorts rows by a column (`-` first: descending); runs without a value come last either way. */
function sortRows(columns: CompareColumn[], rows: CompareRow[], sort: string): void {
  const descending = sort.startsWith("-");
  const heading = descending ? sort.slice(1) : sort;
  let c = columns.findIndex((col) => col.heading === heading);
  // A metric named as a key is headed `last:NAME`: its name alone names it too.
  if (c < 0) c = columns.findIndex((col) => col.kind === "metric" && col.metric.aggregation === "last" && col.metric.metric === heading);
  if (c < 0) throw new UserError(`--sort ${sort}: no column ${JSON.stringify(heading)}`, `columns: ${columns.map((col) => col.heading).join(", ")}`);
  const sign = descending ? -1 : 1;
  rows.sort((a, b) => {
    const x = a.values[c];
    const y = b.values[c];
    if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? 0 : 1) : -1;
    const nx = numberOf(x);
    const ny = numberOf(y);
    // NaN has no order among numbers: it goes last, as a missing value does.
    if (nx !== undefined && ny !== undefined) {
      if (Number.isNaN(nx) || Number.isNaN(ny)) return Number.isNaN(nx) ? (Number.isNaN(ny) ? 0 : 1) : -1;
      return sign * (nx - ny);
    }
    const tx = cellText(columns[c], x);
    const ty = cellText(columns[c], y);
    return sign * (tx < ty ? -1 : tx > ty ? 1 : 0);
  });
}

/** A cell as text: config values as the CLI writes them, metrics as Python prints them; times stay numbers for the caller. */
export function cellText(column: CompareColumn, v: CompareValue): string {
  if (v === undefined) return "";
  if (column.kind === "metric") return formatMetric(v as MetricValue);
  if (column.kind === "key") return formatScalar(v as JsonValue);
  return String(v);
}

/** `--best AGG:METRIC`: which way is best (min: the lowest, max: the highest) and of what. */
export function parseBest(text: string): MetricColumn {
  const column = parseMetricColumn(text, "--best");
  if (column.aggregation !== "min" && column.aggregation !== "max") {
    throw new UserError(`--best ${text}: say which way is best with min: or max:`, "min:loss picks the member with the lowest loss, max:acc the one with the highest acc");
  }
  return column;
}

/** The best of `runs` by `column` (see parseBest), with its value; undefined when none has the metric. */
export function bestRun(runs: Iterable<Run>, metrics: MetricsByRun, column: MetricColumn): { run: Run; value: MetricValue } | undefined {
  let best: { run: Run; value: MetricValue } | undefined;
  for (const run of runs) {
    const v = metrics.runs.get(run.id)?.get(column.metric)?.get(column.aggregation);
    if (v === undefined) continue;
    const x = typeof v === "number" ? v : v.value;
    if (Number.isNaN(x)) continue;
    const b = best && (typeof best.value === "number" ? best.value : best.value.value);
    if (b === undefined || (column.aggregation === "min" ? x < b : x > b)) best = { run, value: v };
  }
  return best;
}
