/**
 * Metrics (SPEC §14): named numbers a run records, each with an optional step. This module reads them
 * from the places they come from — lines of JSON (`$COHORT_METRICS`), lines of output matched by
 * patterns, a `summary.json` — and sums them up per run for listings and comparison. It knows nothing
 * of journals: the journal's `metric` events carry what it returns.
 *
 * A value keeps what it was written as: an integer stays an integer, a float prints as Python prints it
 * (`0.0001`, `1e-05`, `2.0`), so that a comparison shows the numbers the program reported.
 */
import { Float, float, pythonFloatRepr } from "../dataspace/value.js";
import { UserError } from "../util/errors.js";

/** A metric's value: an integer (number), a float (a `Float` when integer-valued), or NaN and ±infinity as floats. */
export type MetricValue = number | Float;

/** Values recorded together, at one step or at none. */
export interface MetricRow {
  step?: number;
  values: Record<string, MetricValue>;
}

/** What reading some text found: rows, and what was wrong with the rest (one text per problem). */
export interface MetricsRead {
  rows: MetricRow[];
  problems: string[];
}

// ---------------------------------------------------------------------------------------------
// Numbers

// Decimal numbers as programs print them: `12`, `-0.5`, `.5`, `5.`, `1e-4`, `1.0E+03`, and Fortran's
// `1.0D-03`; `nan` and `inf`/`infinity` in any case, signed or not.
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+)?$/;
const SPECIAL_RE = /^([+-]?)(nan|inf|infinity)$/i;

/** The value a number's text stands for, or undefined when the text is not a number. */
export function parseMetricNumber(text: string): MetricValue | undefined {
  const t = text.trim();
  const special = SPECIAL_RE.exec(t);
  if (special) return new Float(special[2].toLowerCase() === "nan" ? NaN : special[1] === "-" ? -Infinity : Infinity);
  if (!NUMBER_RE.test(t)) return undefined;
  const decimal = t.replace(/[dD]/, "e");
  if (/^[+-]?\d+$/.test(decimal)) {
    const n = Number(decimal);
    // An integer beyond what a double holds exactly is kept as the float it is closest to.
    return Number.isSafeInteger(n) ? n : new Float(n);
  }
  const x = Number(decimal);
  return float(x);
}

/** A JSON value as a metric value: numbers as they are, numeric strings read as numbers; undefined otherwise. */
function metricOfJson(v: unknown): MetricValue | undefined {
  // An integer beyond what a double holds exactly is kept as the float it is closest to (as parseMetricNumber keeps it).
  if (typeof v === "number") return Number.isInteger(v) && !Number.isSafeInteger(v) ? new Float(v) : v;
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : new Float(Number(v));
  if (v instanceof Float) return v;
  if (typeof v === "string") return parseMetricNumber(v);
  return undefined;
}

/** A value as a table prints it: integers as they are, floats as Python prints them (`nan`, `inf` too). */
export function formatMetric(v: MetricValue): string {
  const x = typeof v === "number" ? v : v.value;
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (typeof v === "number" && Number.isInteger(v)) return String(v);
  return pythonFloatRepr(x);
}

/** The number of a value, for arithmetic and order. */
export function metricNumber(v: MetricValue): number {
  return typeof v === "number" ? v : v.value;
}

// ---------------------------------------------------------------------------------------------
// Sources

/** A JSON value in a message. */
function shown(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? Number(x) : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Whether `step` is a step: a non-negative integer (`3` or `3.0`). */
function stepOf(v: unknown): number | undefined {
  const n = v instanceof Float ? v.value : typeof v === "bigint" ? Number(v) : v;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

// Python's json module writes NaN and infinities as bare words, which JSON does not have.
const PYTHON_SPECIALS = /(?<=[:[,]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g;

/** Parses JSON text, also as Python's json module writes it (`NaN`, `Infinity`); undefined when it is not JSON. */
function parseLenient(text: string, parse: (text: string) => unknown): unknown {
  try {
    return parse(text);
  } catch {
    if (!/NaN|Infinity/.test(text)) return undefined;
    try {
      return parse(text.replace(PYTHON_SPECIALS, '"$1"'));
    } catch {
      return undefined;
    }
  }
}

/**
 * Reads one object of values: `{"loss": 0.12, "acc": 0.9}`, with `"step": N` when `stepKey` names it.
 * A value that is not a number is a problem; the others are kept.
 */
function rowOf(obj: unknown, where: string, stepKey: string | undefined, problems: string[]): MetricRow | undefined {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj) || obj instanceof Float) {
    problems.push(`${where}: not a JSON object`);
    return undefined;
  }
  const row: MetricRow = { values: {} };
  let any = false;
  for (const [k, raw] of Object.entries(obj)) {
    if (k === stepKey) {
      const step = stepOf(raw);
      if (step === undefined) {
        problems.push(`${where}: the step must be a whole number from 0, not ${shown(raw)}`);
        return undefined;
      }
      row.step = step;
      continue;
    }
    const v = metricOfJson(raw);
    if (v === undefined) {
      problems.push(`${where}: ${JSON.stringify(k)} is not a number: ${shown(raw)}`);
      continue;
    }
    row.values[k] = v;
    any = true;
  }
  return any ? row : undefined;
}

/**
 * Lines of JSON objects, as a program writes them to `$COHORT_METRICS`: each line one object of
 * values, with an optional `"step"`. An incomplete last line (no newline, as a program killed while
 * writing leaves it) is read when it is complete JSON and ignored otherwise.
 */
export function readMetricLines(text: string, parse: (text: string) => unknown, source = "$COHORT_METRICS"): MetricsRead {
  const rows: MetricRow[] = [];
  const problems: string[] = [];
  const lines = text.split("\n");
  const lastComplete = text.endsWith("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${source} line ${i + 1}`;
    const obj = parseLenient(line, parse);
    if (obj === undefined) {
      if (i === lines.length - 1 && !lastComplete) return;
      problems.push(`${where}: not JSON`);
      return;
    }
    const row = rowOf(obj, where, "step", problems);
    if (row) rows.push(row);
  });
  return { rows, problems };
}

/** A `summary.json`: its `metrics` object holds values without steps. */
export function readSummary(text: string, parse: (text: string) => unknown, source = "summary.json"): MetricsRead {
  const problems: string[] = [];
  const obj = parseLenient(text, parse);
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return { rows: [], problems: [`${source}: not a JSON object`] };
  const metrics = (obj as Record<string, unknown>).metrics;
  if (metrics === undefined) return { rows: [], problems };
  const row = rowOf(metrics, `${source}: metrics`, undefined, problems);
  return { rows: row ? [row] : [], problems };
}

/** An output pattern, compiled (workflow/metric-patterns.ts): a global regular expression and its named groups. */
export interface OutputPattern {
  re: RegExp;
  names: string[];
}

/**
 * Reads metrics from lines of output by patterns: every match of a pattern in a line gives the values
 * of its named groups (several metrics in one line, or several matches of one pattern). A group that
 * matched text that is no number is a problem; a group that took part in no match gives nothing.
 */
export function readOutputMetrics(text: string, patterns: readonly OutputPattern[], source = "output", firstLine = 1): MetricsRead {
  const rows: MetricRow[] = [];
  const problems: string[] = [];
  if (patterns.length === 0) return { rows, problems };
  text.split("\n").forEach((line, index) => {
    const i = index + firstLine - 1;
    for (const p of patterns) {
      p.re.lastIndex = 0;
      for (const m of line.matchAll(p.re)) {
        const groups = m.groups ?? {};
        const row: MetricRow = { values: {} };
        let any = false;
        for (const name of p.names) {
          const text = groups[name];
          if (text === undefined) continue;
          const v = parseMetricNumber(text);
          if (v === undefined) {
            problems.push(`${source} line ${i + 1}: ${name} is not a number: ${JSON.stringify(text)}`);
            continue;
          }
          if (name === "step") {
            const step = stepOf(v);
            if (step === undefined) problems.push(`${source} line ${i + 1}: the step must be a whole number from 0, not ${JSON.stringify(text)}`);
            else row.step = step;
            continue;
          }
          row.values[name] = v;
          any = true;
        }
        if (any) rows.push(row);
        if (m[0] === "") break; // a pattern matching the empty string would match at every position
      }
    }
  });
  return { rows, problems };
}

// ---------------------------------------------------------------------------------------------
// Summing up

/** What a comparison shows of a metric. */
export type Aggregation = "last" | "first" | "min" | "max" | "avg" | "count";
export const AGGREGATIONS: readonly Aggregation[] = ["last", "first", "min", "max", "avg", "count"];

/** A column of a comparison: a metric and what of it (`min:loss`; `loss` alone is its last value). */
export interface MetricColumn {
  aggregation: Aggregation;
  metric: string;
  /** As written: the column's heading. */
  text: string;
}

/** Parses `loss`, `min:loss`, `avg:val/acc`; `what` names the option in errors. */
export function parseMetricColumn(text: string, what: string): MetricColumn {
  const colon = text.indexOf(":");
  if (colon < 0) {
    if (text === "") throw new UserError(`${what}: a metric name is missing`, "e.g. loss, min:loss or max:acc");
    return { aggregation: "last", metric: text, text };
  }
  const agg = text.slice(0, colon);
  const metric = text.slice(colon + 1);
  if (!(AGGREGATIONS as readonly string[]).includes(agg)) {
    throw new UserError(`${what}: unknown aggregation ${JSON.stringify(agg)} in ${JSON.stringify(text)}`, `one of ${AGGREGATIONS.join(", ")}; a metric named with a colon is last:${text}`);
  }
  if (metric === "") throw new UserError(`${what}: a metric name is missing after ${JSON.stringify(agg + ":")}`, `e.g. ${agg}:loss`);
  return { aggregation: agg as Aggregation, metric, text };
}

/** One metric of one run, summed up as its values arrive, in the order recorded. */
export class MetricSummary {
  first: MetricValue | undefined = undefined;
  last: MetricValue | undefined = undefined;
  min: MetricValue | undefined = undefined;
  max: MetricValue | undefined = undefined;
  count = 0;
  /** The sum of the values, and what adding them lost to rounding (Neumaier's compensated sum). */
  sum = 0;
  carry = 0;
  /** Whether any value came with a step. */
  stepped = false;
  /** The values in order, with their steps (NaN: none), for sparklines and plots: kept with `series`. */
  readonly values: number[] = [];
  readonly steps: number[] = [];

  constructor(private readonly series = true) {}

  add(v: MetricValue, step: number | undefined): void {
    const x = metricNumber(v);
    this.first ??= v;
    this.last = v;
    // NaN is no minimum or maximum: a run whose loss diverged once keeps its best value.
    if (!Number.isNaN(x)) {
      if (this.min === undefined || x < metricNumber(this.min)) this.min = v;
      if (this.max === undefined || x > metricNumber(this.max)) this.max = v;
    }
    this.count++;
    // (so that the mean of 0.1 ten times is 0.1, as Python's statistics.fmean says, not 0.09999999999999999)
    const t = this.sum + x;
    if (Number.isFinite(t)) this.carry += Math.abs(this.sum) >= Math.abs(x) ? this.sum - t + x : x - t + this.sum;
    this.sum = t;
    if (step !== undefined) this.stepped = true;
    if (!this.series) return;
    this.values.push(x);
    this.steps.push(step ?? NaN);
  }

  /** The value of an aggregation; undefined when there is none (no values, or only NaN for min/max). */
  get(aggregation: Aggregation): MetricValue | undefined {
    switch (aggregation) {
      case "last":
        return this.last;
      case "first":
        return this.first;
      case "min":
        return this.min;
      case "max":
        return this.max;
      case "count":
        return this.count;
      case "avg":
        return this.count === 0 ? undefined : new Float((Number.isFinite(this.sum) ? this.sum + this.carry : this.sum) / this.count);
    }
  }
}

/** A run's metrics by name, summed up from its rows; with `series`, keeping every value too. */
export function summarize(rows: Iterable<MetricRow>, into = new Map<string, MetricSummary>(), series = true): Map<string, MetricSummary> {
  for (const row of rows) {
    for (const name in row.values) {
      const v = row.values[name];
      let s = into.get(name);
      if (!s) into.set(name, (s = new MetricSummary(series)));
      s.add(v, row.step);
    }
  }
  return into;
}
