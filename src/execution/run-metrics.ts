/**
 * A run's metrics as execution gathers them (SPEC §14): from a function through its context, from any
 * program through the file `$COHORT_METRICS` names, and from a `summary.json` it leaves.
 *
 * A function operation gets its run as `this`, with `log` to record metrics:
 *
 *     project.operation(function train(job) {
 *       for (let step = 0; step < 100; step++) this.log({ loss: lossAt(step) }, { step });
 *     });
 *
 * (A function written as an arrow has no `this` of its own: write it with `function`.) A value that is
 * not a number, or a step that is not a whole number from 0, is reported once in the run's output and
 * skipped; it never fails the run.
 */
import fs from "node:fs";
import { parseJson } from "../dataspace/json.js";
import { Float } from "../dataspace/value.js";
import { formatMetric, readMetricLines, readOutputMetrics, readSummary, type MetricRow, type MetricsRead, type MetricValue, type OutputPattern } from "../runs/metrics.js";
import { compileMetricPattern } from "../workflow/metric-patterns.js";
import type { RunContext } from "../workflow/model.js";
import { errorText } from "../util/errors.js";
import { readTextFile } from "../util/fs.js";

/** Problems with what a run logged: counted, and the first told, once per run. */
export class MetricProblems {
  count = 0;
  first: string | undefined;

  add(text: string): void {
    this.count++;
    this.first ??= text;
  }

  /** The line that tells them, or undefined when there were none. */
  summary(): string | undefined {
    if (this.count === 0) return undefined;
    return `cohort: ${this.count === 1 ? "a metric was" : `${this.count} metrics were`} skipped: ${this.first}`;
  }
}

/** The row of one `log` call; undefined (and a problem told) when nothing of it can be kept. */
export function loggedRow(values: unknown, options: unknown, problems: MetricProblems): MetricRow | undefined {
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    problems.add(`log() takes an object of named numbers, not ${Array.isArray(values) ? "an array" : typeof values}`);
    return undefined;
  }
  const row: MetricRow = { values: {} };
  if (options !== undefined) {
    const step = (options as { step?: unknown } | null)?.step;
    if (step !== undefined) {
      if (!(Number.isSafeInteger(step) && (step as number) >= 0)) {
        problems.add(`the step must be a whole number from 0, not ${String(step)}`);
        return undefined;
      }
      row.step = step as number;
    }
  }
  let any = false;
  for (const k in values) {
    const v = (values as Record<string, unknown>)[k];
    if (k === "step") problems.add('"step" is no metric: give the step as log(values, { step })');
    else if (typeof v === "number" || v instanceof Float) {
      row.values[k] = v as MetricValue;
      any = true;
    } else problems.add(`${JSON.stringify(k)} is not a number: ${typeof v === "string" ? JSON.stringify(v) : String(v)}`);
  }
  return any ? row : undefined;
}

/** The context of a run recorded by this process: rows go to `record` (its journal, in batches). */
export function runContext(run: { id: string; name: string }, record: (row: MetricRow) => void, problems: MetricProblems): RunContext {
  return {
    id: run.id,
    name: run.name,
    log(values, options) {
      const row = loggedRow(values, options, problems);
      if (row) record(row);
    },
  };
}

/**
 * The context of a run executed in a worker process: rows go, as JSON lines, to the file
 * `$COHORT_METRICS` names, which cohort reads when the run ends; written at most once a second and when
 * `flush` is called.
 */
export class FileMetrics {
  private lines: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  readonly problems = new MetricProblems();

  constructor(private readonly file: string | undefined) {}

  context(run: { id: string; name: string }): RunContext {
    return runContext(run, (row) => this.add(row), this.problems);
  }

  private add(row: MetricRow): void {
    const values: Record<string, unknown> = {};
    for (const k in row.values) {
      const v = row.values[k];
      const x = typeof v === "number" ? v : v.value;
      // Whole-number floats, NaN and infinities as text, which cohort reads back as they were (metrics.ts).
      values[k] = Number.isFinite(x) && !(v instanceof Float && Number.isInteger(x)) ? x : formatMetric(v);
    }
    if (row.step !== undefined) values.step = row.step;
    this.lines.push(JSON.stringify(values));
    this.timer ??= setTimeout(() => this.flush(), 1000).unref();
  }

  /** Appends what was logged to the file. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lines.length === 0 || !this.file) return;
    const text = this.lines.join("\n") + "\n";
    this.lines = [];
    try {
      fs.appendFileSync(this.file, text);
    } catch (err) {
      this.problems.add(`${this.file} could not be written: ${(err as Error).message}`);
    }
  }
}



/** What is known of a file before a run: whether the run changed it is told by comparing. */
export type FileMark = fs.Stats | undefined;

/** The mark of a file (undefined when there is none). */
export function markOf(file: string): FileMark {
  return fs.statSync(file, { throwIfNoEntry: false });
}

/** The rows a metrics file holds; its problems told. */
function take(file: string, read: (text: string) => MetricsRead, problems: MetricProblems): MetricRow[] {
  try {
    const r = read(readTextFile(file));
    for (const p of r.problems) problems.add(p);
    return r.rows;
  } catch (err) {
    problems.add(errorText(err));
    return [];
  }
}

/**
 * The lines of the run's `$COHORT_METRICS` file, or undefined when there is none. The caller removes
 * the file once its rows are in the journal: until then, readers read it (metric-events.ts).
 */
export function readMetricsFile(file: string, problems: MetricProblems): MetricRow[] | undefined {
  // (a stat that finds nothing costs less than an existsSync here)
  return markOf(file) ? take(file, (text) => readMetricLines(text, parseJson), problems) : undefined;
}

/** The metrics of `summary.json` when the run wrote it (it differs from `before`, its mark as the run started). */
export function readSummaryFile(summary: { file: string; before: FileMark } | undefined, problems: MetricProblems): MetricRow[] {
  const st = summary && markOf(summary.file);
  const b = summary?.before;
  if (st && st.isFile() && !(b && b.mtimeMs === st.mtimeMs && b.ctimeMs === st.ctimeMs && b.ino === st.ino && b.size === st.size)) {
    return take(summary.file, (text) => readSummary(text, parseJson), problems);
  }
  return [];
}

/**
 * Metrics an operation's output patterns find in what the run prints, read as the output grows: each
 * time, the complete lines printed since the last time (all of it at the run's end), so that its
 * metrics reach the journal while it runs, and stay when its runner is killed.
 */
export class OutputMetrics {
  /** Bytes of the output read so far (up to the end of a line), and the lines in them. */
  read = 0;
  private lines = 0;
  private readonly patterns: OutputPattern[];

  constructor(
    patterns: readonly string[],
    private readonly problems: MetricProblems,
  ) {
    // (patterns were checked with the workflow: these compile)
    this.patterns = patterns.map(compileMetricPattern);
  }

  /**
   * The rows of the output from byte `read` on (`more`): up to the end of its last line, or of the
   * last update of a progress bar (`\r`, as tqdm redraws its line), or all of it when `ended`.
   */
  take(more: Buffer, ended: boolean): MetricRow[] {
    // (a \n or \r byte is never part of a UTF-8 character: the text up to it decodes whole)
    const upTo = ended ? more.length : Math.max(more.lastIndexOf(0x0a), more.lastIndexOf(0x0d)) + 1;
    if (upTo === 0) return [];
    const text = more.subarray(0, upTo).toString("utf8");
    this.read += upTo;
    const read = readOutputMetrics(text, this.patterns, "output", this.lines + 1);
    this.lines += text.split("\n").length - 1;
    for (const p of read.problems) this.problems.add(p);
    return read.rows;
  }
}
