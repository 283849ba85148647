/**
 * What `cohort run` and `cohort exec` show while operations run (SPEC §5): each run's output as it
 * comes, a line on stderr when a run starts, and a progress bar.
 *
 * - Serial runs: the output is passed through as it comes, partial lines included.
 * - Several runs at once (`prefix`): every line is prefixed with its run's name (`[babab-dodod] ...`)
 *   and written whole, so lines of different runs never mix; a run's last line without a newline is
 *   completed when the run ends.
 * - `quiet`: no output and no start lines; only the summary (written by the caller).
 * - On a terminal (stderr a TTY), a progress bar counts finished, running and failed operations. While
 *   it shows, output is written in whole lines above it, through the bar, so that the two never mix.
 */
import cliProgress from "../vendor/cli-progress.js";
import type { ExecutionItem, ExecutionResult, RunInfo } from "../execution/execute.js";
import { describeItem } from "../execution/execute.js";

export interface RunConsoleOptions {
  quiet?: boolean;
  /** Prefix each line with its run's name (several runs at once). */
  prefix?: boolean;
  /** Show the progress bar; default: when stderr is a terminal. */
  progress?: boolean;
}

export class RunConsole {
  private readonly partial = new Map<string, { name: string; text: string }>();
  private readonly runningIds = new Set<string>();
  private readonly bars: cliProgress.MultiBar | undefined;
  private readonly bar: cliProgress.SingleBar | undefined;
  private total = 0;
  private done = 0;
  private running = 0;
  private failed = 0;

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
    }
  }

  /** Whether output is written in whole lines. */
  private get lineBuffered(): boolean {
    return Boolean(this.opts.prefix || this.bars);
  }

  /** Writes whole lines of run output to the terminal. */
  private writeOutput(text: string): void {
    if (this.bars && process.stdout.isTTY) this.bars.log(text);
    else process.stdout.write(text);
  }

  /** Writes a message of cohort's to stderr. */
  private message(text: string): void {
    if (this.bars) this.bars.log(text);
    else process.stderr.write(text);
  }

  /** Output of a run, as it comes (pass as ExecuteOptions.echo). */
  readonly echo = (chunk: string, run: RunInfo): void => {
    if (this.opts.quiet) return;
    if (!this.lineBuffered) {
      process.stdout.write(chunk);
      return;
    }
    const entry = this.partial.get(run.id) ?? { name: run.name, text: "" };
    const text = entry.text + chunk;
    const end = text.lastIndexOf("\n");
    if (end < 0) {
      entry.text = text;
      this.partial.set(run.id, entry);
      return;
    }
    entry.text = text.slice(end + 1);
    if (entry.text) this.partial.set(run.id, entry);
    else this.partial.delete(run.id);
    this.writeOutput(this.prefixed(text.slice(0, end + 1), run.name));
  };

  private prefixed(lines: string, name: string): string {
    if (!this.opts.prefix) return lines;
    return lines.replace(/[^\n]*\n/g, (line) => `[${name}] ${line}`);
  }

  /** Items about to run (a pass): they count towards the progress bar's total. */
  planned(items: ExecutionItem[]): void {
    this.total += items.length;
    this.refresh();
  }

  started(item: ExecutionItem, run: RunInfo): void {
    this.running++;
    this.runningIds.add(run.id);
    if (!this.opts.quiet) this.message(`cohort: ${this.opts.prefix ? `[${run.name}] ` : ""}${describeItem(item)}\n`);
    this.refresh();
  }

  finished(result: ExecutionResult): void {
    const rest = this.partial.get(result.runId);
    if (rest) {
      this.partial.delete(result.runId);
      if (!this.opts.quiet) this.writeOutput(this.prefixed(rest.text + "\n", rest.name));
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
    for (const [id, entry] of this.partial) {
      this.partial.delete(id);
      if (!this.opts.quiet) this.writeOutput(this.prefixed(entry.text + "\n", entry.name));
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
