/**
 * Recording a run in this process's journal (SPEC §6): a `run` event as its operation starts, before
 * anything of it runs, naming the output segment of the slot that executes it and where its output begins
 * there (the start a separate `start` event would carry: one line fewer per run), then `end` with the exit
 * code and the length of its output. Metrics it records between the two are `metric` events, written in
 * batches: within a second of the first row of a batch, every 1,000 rows, and at its end.
 */
import fs from "node:fs";
import { dumpJson } from "../dataspace/json.js";
import type { JsonObject } from "../dataspace/value.js";
import { nowMicros, type JournalWriter, type RunEvent, type Segment } from "./journal.js";
import { metricLine } from "./metric-events.js";
import type { MetricRow } from "./metrics.js";
import { newRunId, runName } from "./run-id.js";

export interface RunInit {
  operation: string;
  /** The FlowGroup the operation runs in; undefined for the operation's own singleton group. */
  flowgroup?: string;
  /** Job ids of the aggregate; empty for a flag run. */
  jobs: string[];
  /** The flags; the state point for one job; `{"jobs": [SP, ...]}` for several (see `runConfig`). */
  config: JsonObject;
  /** Resolved directives. */
  directives?: object;
  /** A command operation: its template and the command as run. */
  command?: { template: string; run: string };
  /** Groups the run joins. */
  groups?: string[];
}

/** The config of a run: the flags of a flag run, the state point of one job, `{"jobs": [...]}` for several. */
export function runConfig(opts: { flags?: JsonObject; statepoints?: JsonObject[] }): JsonObject {
  if (opts.flags) return opts.flags;
  const sps = opts.statepoints ?? [];
  return sps.length === 1 ? sps[0] : { jobs: sps };
}

/**
 * A run this process records. Its `run` event is written when its operation is about to start, and
 * holds that start: nothing of it has run before.
 */
export class RecordedRun {
  readonly id = newRunId();
  readonly name = runName(this.id);
  private readonly made: RunEvent;
  private segment: Segment | undefined;
  private offset = 0;

  constructor(
    private readonly journal: JournalWriter,
    init: RunInit,
  ) {
    const ev: RunEvent = { e: "run", t: nowMicros(), id: this.id, op: init.operation, config: dumpJson(init.config) };
    if (init.flowgroup !== undefined) ev.fg = init.flowgroup;
    if (init.jobs.length > 0) ev.jobs = init.jobs;
    // Keys whose value is undefined are left out by JSON, in the definition's key and in the file.
    if (init.directives) ev.d = journal.define("directives", init.directives as Record<string, unknown>);
    if (init.command) {
      ev.c = journal.define("command", init.command.template);
      if (init.command.run !== init.command.template) ev.cmd = init.command.run;
    } else ev.fn = true;
    if (init.groups && init.groups.length > 0) ev.in = init.groups;
    this.made = ev;
  }

  /** The segment file the run's output goes to, for another writer (a command, a worker) to append to. */
  lendOutputFile(): string {
    return this.segment!.lend();
  }

  /** The run is recorded and its operation starts, its output going to `segment` (the slot's). */
  start(segment: Segment): void {
    this.segment = segment;
    this.offset = segment.position();
    // (set on the event itself: a copy by spread costs more than the line's write, 20,000 times a campaign)
    const ev = this.made;
    ev.t = nowMicros();
    ev.slot = segment.slot;
    ev.off = this.offset;
    this.journal.append(ev);
  }

  /**
   * The run's output from byte `from` of it to what its segment holds now, read from the file as it
   * is (while the run goes on, another writer may be appending to it: the segment's own account of
   * its size is left alone).
   */
  outputFrom(from: number): Buffer {
    if (!this.segment) return Buffer.alloc(0);
    const fd = fs.openSync(this.segment.file, "r");
    try {
      const length = Math.max(0, fs.fstatSync(fd).size - this.offset - from);
      const buf = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const n = fs.readSync(fd, buf, got, length - got, this.offset + from + got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Why output could not be kept, once a write failed (a full disk); later output is dropped. */
  outputError: string | undefined;

  /** Appends output (cohort's own lines about the run, an in-process function's prints). */
  output(chunk: string | Uint8Array): void {
    if (this.outputError !== undefined) return;
    try {
      this.segment?.write(chunk);
    } catch (err) {
      this.outputError = `its output could not be written: ${(err as Error).message}`;
    }
  }

  private ended = false;
  private metrics: MetricRow[] = [];
  private metricsTimer: NodeJS.Timeout | undefined;
  /** Why metrics could not be written, once a write failed (a full disk); later metrics are dropped. */
  metricsError: string | undefined;

  /**
   * Records rows of metrics (SPEC §14); they reach the journal within a second, and before the run's
   * end. Rows logged after the end (a function that timed out goes on in its thread) are dropped, as
   * its output then is.
   */
  log(rows: readonly MetricRow[]): void {
    if (this.metricsError !== undefined || this.ended) return;
    for (const row of rows) this.metrics.push(row);
    if (this.metrics.length >= 1000) this.flushMetrics();
    else this.metricsTimer ??= setTimeout(() => this.flushMetrics(), 1000).unref();
  }

  /** Writes the metrics recorded since the last time as one event. */
  flushMetrics(): void {
    clearTimeout(this.metricsTimer);
    this.metricsTimer = undefined;
    if (this.metrics.length === 0) return;
    const rows = this.metrics;
    this.metrics = [];
    try {
      this.journal.appendMetricLine(metricLine(this.id, rows, nowMicros()));
    } catch (err) {
      this.metricsError = `its metrics could not be recorded: ${(err as Error).message}`;
    }
  }

  /**
   * Records the rows of the run's `$COHORT_METRICS` file, after what was logged before, as one event
   * that says so; true when it was written (then the file may go).
   */
  logFromFile(rows: readonly MetricRow[]): boolean {
    this.flushMetrics();
    if (this.metricsError !== undefined) return false;
    try {
      this.journal.appendMetricLine(metricLine(this.id, rows, nowMicros(), true));
      return true;
    } catch (err) {
      this.metricsError = `its metrics could not be recorded: ${(err as Error).message}`;
      return false;
    }
  }

  /** The run ended with `exit` (negative: killed by signal -exit); `cmd`: the command a `cmd` function returned. */
  end(exit: number, cmd?: string): void {
    this.flushMetrics();
    this.ended = true;
    const len = this.segment ? this.segment.position() - this.offset : undefined;
    this.journal.append(cmd === undefined ? { e: "end", t: nowMicros(), id: this.id, exit, len } : { e: "end", t: nowMicros(), id: this.id, exit, len, cmd });
  }
}
