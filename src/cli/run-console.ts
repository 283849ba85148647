/**
 * What `cohort run` and `cohort exec` show while operations run (SPEC §5): each run's output as it
 * comes, a line on stderr when a run starts, a progress bar, and the summary at the end.
 *
 * - Output is written as the bytes the runs wrote, never decoded (it need not be UTF-8 text).
 * - Serial runs: the output is passed through as it comes, partial lines included.
 * - Several runs at once (`prefix`): every line is prefixed with its run's name (`[babab-dodod] ...`)
 *   and written whole, so lines of different runs never mix; a run's last line without a newline is
 *   completed when the run ends.
 * - `quiet`: no output and no start lines; only the summary (written by the caller).
 * - On a terminal (stderr a TTY), a progress bar counts finished, running and failed operations. While
 *   it shows, output is written in whole lines above it, through the bar, so that the two never mix.
 * - Elsewhere (a log file, a pipe), while runs start quickly one after another, start lines are written
 *   together, within 100 ms, and always before any output that follows them: a write per line cost as
 *   much as a quick run when stderr is a pipe. (A silent function that blocks cohort right after a quick
 *   run shows its start line when it ends.)
 */
import cliProgress from "cli-progress";
import type { ExecutionItem, ExecutionResult, RunInfo } from "../execution/execute.js";
import { describeItem } from "../execution/execute.js";
import type { RunSummary } from "../execution/engine.js";
import type { InvocationEvents } from "../execution/invocation.js";
import type { ProjectPlace } from "../dataspace/root.js";
import type { InvocationGroup } from "../runs/batch.js";
import { movedAway } from "./project.js";

const NEWLINE = 0x0a;

export interface RunConsoleOptions {
  quiet?: boolean;
  /** Prefix each line with its run's name (several runs at once). */
  prefix?: boolean;
  /** Show the progress bar; default: when stderr is a terminal. */
  progress?: boolean;
}

export class RunConsole {
  private readonly partial = new Map<string, { name: string; bytes: Buffer }>();
  private readonly runningIds = new Set<string>();
  private readonly bars: cliProgress.MultiBar | undefined;
  private readonly bar: cliProgress.SingleBar | undefined;
  private total = 0;
  private done = 0;
  private running = 0;
  private failed = 0;
  /** Messages not written yet, when stderr is no terminal (message()). */
  private pending = "";
  private pendingTimer: NodeJS.Timeout | undefined;
  private flushedAt = 0;
  private lastStartAt = 0;

  constructor(private readonly opts: RunConsoleOptions = {}) {
    const progress = opts.progress ?? Boolean(process.stderr.isTTY);
    if (progress) {
      this.bars = new cliProgress.MultiBar(
        {
          format: "run [{bar}] {value}/{total} finished | {running} running | {failed} failed",
          stream: process.stderr,
          hideCursor: false,
          clearOnComplete: true,
          gracefulExit: false,
          autopadding: true,
          barsize: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar = this.bars.create(0, 0, { running: 0, failed: 0 });
      // The bar turns line wrapping off while it shows: turn it back on even on an abrupt exit.
      process.once("exit", this.stopBar);
    } else process.once("exit", this.flush);
  }

  /** Whether output is written in whole lines. */
  private get lineBuffered(): boolean {
    return Boolean(this.opts.prefix || this.bars);
  }

  /** Writes whole lines of run output to the terminal. */
  private writeOutput(bytes: Buffer): void {
    this.flush();
    // The bar writes what it logs to its stream as it is (cli-progress's raw write), bytes included.
    if (this.bars && process.stdout.isTTY) this.bars.log(bytes as unknown as string);
    else process.stdout.write(bytes);
  }

  /** Writes a message of cohort's to stderr; while runs start quickly, with the next ones. */
  private message(text: string, quick = false): void {
    if (this.bars) {
      this.bars.log(text);
      return;
    }
    this.pending += text;
    if (quick && this.pending.length < 16_384 && Date.now() - this.flushedAt < 100) {
      this.pendingTimer ??= setTimeout(this.flush, 100).unref();
      return;
    }
    this.flush();
  }

  private readonly flush = (): void => {
    clearTimeout(this.pendingTimer);
    this.pendingTimer = undefined;
    if (this.pending === "") return;
    const text = this.pending;
    this.pending = "";
    this.flushedAt = Date.now();
    process.stderr.write(text);
  };

  /** Output of a run, as it comes (pass as ExecuteOptions.echo). */
  readonly echo = (chunk: Buffer, run: RunInfo): void => {
    if (this.opts.quiet) return;
    if (!this.lineBuffered) {
      this.flush();
      process.stdout.write(chunk);
      return;
    }
    const before = this.partial.get(run.id)?.bytes;
    const bytes = before ? Buffer.concat([before, chunk]) : chunk;
    const end = bytes.lastIndexOf(NEWLINE);
    if (end < bytes.length - 1) this.partial.set(run.id, { name: run.name, bytes: bytes.subarray(end + 1) });
    else this.partial.delete(run.id);
    if (end >= 0) this.writeOutput(this.prefixed(bytes.subarray(0, end + 1), run.name));
  };

  /** Whole lines, each prefixed with the run's name when several runs share the terminal. */
  private prefixed(lines: Buffer, name: string): Buffer {
    if (!this.opts.prefix) return lines;
    const prefix = Buffer.from(`[${name}] `);
    const parts: Buffer[] = [];
    for (let from = 0; from < lines.length; ) {
      const to = lines.indexOf(NEWLINE, from) + 1 || lines.length;
      parts.push(prefix, lines.subarray(from, to));
      from = to;
    }
    return Buffer.concat(parts);
  }

  /** A run's last line, which had no newline, completed. */
  private lastLine(entry: { name: string; bytes: Buffer }): Buffer {
    return this.prefixed(Buffer.concat([entry.bytes, Buffer.from("\n")]), entry.name);
  }

  /** What the library tells as items run (execution/invocation.ts), shown here. */
  events(): Required<Pick<InvocationEvents, "echo" | "onPass" | "onStart" | "onFinish">> {
    return {
      echo: this.echo,
      onPass: (items) => this.planned(items),
      onStart: (item, run) => this.started(item, run),
      onFinish: (result) => this.finished(result),
    };
  }

  /** Items about to run (a pass): they count towards the progress bar's total. */
  planned(items: ExecutionItem[]): void {
    this.total += items.length;
    this.refresh();
  }

  started(item: ExecutionItem, run: RunInfo): void {
    this.running++;
    this.runningIds.add(run.id);
    const now = Date.now();
    const quick = now - this.lastStartAt < 20;
    this.lastStartAt = now;
    if (!this.opts.quiet) this.message(`cohort: ${this.opts.prefix ? `[${run.name}] ` : ""}${describeItem(item)}\n`, quick);
    this.refresh();
  }

  finished(result: ExecutionResult): void {
    const rest = this.partial.get(result.runId);
    if (rest) {
      this.partial.delete(result.runId);
      if (!this.opts.quiet) this.writeOutput(this.lastLine(rest));
    }
    // A failure found before its run started (a condition that raised) was never counted as running.
    if (this.runningIds.delete(result.runId)) this.running--;
    this.done++;
    if (result.exitCode !== 0) this.failed++;
    if (this.done > this.total) this.total = this.done;
    if (this.opts.prefix && !this.opts.quiet && result.exitCode !== 0) {
      this.message(`cohort: [${result.runName}] ${result.exitCode < 0 ? "terminated" : "error"}: ${result.reason ?? `exit code ${result.exitCode}`}\n`);
    }
    this.refresh();
  }

  private refresh(): void {
    if (!this.bar) return;
    this.bar.setTotal(Math.max(this.total, 1));
    this.bar.update(this.done, { running: this.running, failed: this.failed });
  }

  /** Writes what is left of partial lines and removes the progress bar; call before the summary. */
  close(): void {
    this.flush();
    process.removeListener("exit", this.flush);
    for (const [id, entry] of this.partial) {
      this.partial.delete(id);
      if (!this.opts.quiet) this.writeOutput(this.lastLine(entry));
    }
    if (this.bars) {
      this.bars.update(); // writes what was logged since the last redraw
      this.stopBar();
      process.removeListener("exit", this.stopBar);
    }
  }

  private stopped = false;

  private readonly stopBar = (): void => {
    if (this.stopped || !this.bars) return;
    this.stopped = true;
    this.bars.stop();
  };
}

/** A summary stopped because the project moved away: the runs made, then the one-line error. */
export function endIfMoved(summary: RunSummary, place: ProjectPlace, group: InvocationGroup): void {
  if (summary.stopped !== "moved") return;
  reportSummary(summary.results, undefined, group);
  throw movedAway(place);
}

/**
 * (operation, aggregate) pairs left to another runner of the project (claims, SPEC §6): what it
 * executes now and, unless the command runs what it is given whatever ran before, what it ran since
 * this one began.
 */
export function reportClaimedElsewhere(n: number, anyway: boolean): void {
  if (n === 0) return;
  const them = n === 1 ? "it" : "them";
  process.stderr.write(`cohort: ${n} skipped: another runner of this project runs ${them}${anyway ? "" : `, or ran ${them} since this one began`}\n`);
}

/** The summary line of `cohort run` and `cohort exec`, each failure, and the exit code it makes. */
export function reportSummary(results: ExecutionResult[], stopped?: string, group?: InvocationGroup): void {
  const failed = results.filter((r) => r.exitCode !== 0);
  // Counted as `cohort runs` shows them: an exit code > 0 is an error (failed), < 0 a signal (terminated).
  const terminated = failed.filter((r) => r.exitCode < 0).length;
  const counts = `${results.length - failed.length} completed, ${failed.length - terminated} failed${terminated > 0 ? `, ${terminated} terminated` : ""}`;
  const lines = [`cohort: ${results.length} run${results.length === 1 ? "" : "s"}, ${counts}`];
  for (const r of failed) {
    lines.push(`  ${r.exitCode < 0 ? "terminated" : "error"}  ${describeItem(r.item)}  (run ${r.runName}): ${r.reason ?? `exit code ${r.exitCode}`}`);
  }
  if (stopped === "failure") lines.push("  stopped after the failure; --keep-going runs the rest");
  if (stopped === "interrupted") lines.push("  interrupted");
  if (group?.name) lines.push(`  the runs are in ${group.kind ?? "run"} group ${group.name}`);
  process.stderr.write(lines.join("\n") + "\n");
  if (failed.length > 0 || stopped === "interrupted") process.exitCode = stopped === "interrupted" ? 130 : 1;
}
