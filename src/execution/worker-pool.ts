/**
 * Long-lived worker processes that execute TypeScript function operations for `cohort run --parallel`
 * (SPEC §5), the way signac-flow runs them in a process pool.
 *
 * - A worker is `node worker.js --serve PROJECT_ROOT` (worker.ts) with an IPC channel, in a process
 *   group (and session) of its own, started in cohort's working directory. It loads the workflow once
 *   and executes batches of items, one run at a time, each as a serial `cohort run` does: it records the
 *   runs in a journal of its own, so that cohort's part of a run is two messages. The pool starts a
 *   worker when every live one is busy, or ahead (`start`, one per slot, while cohort plans), so there
 *   are never more workers than the slots.
 * - Output a run's function prints is recorded by the worker and sent here to be shown (`onOutput`);
 *   what reaches the worker's own stdout and stderr (processes a function started with inherited
 *   output) is shown as the current run's output, not recorded.
 * - A run whose time limit passed ends in the worker (execute.ts), which then ends itself; one that
 *   does not end by itself (a function that never yields) is stopped with its worker's group after the
 *   grace period. Abort (Ctrl-C) stops every busy worker's group: SIGTERM, then SIGKILL after the grace
 *   period. A run a worker was executing when it stopped or died is ended here, in cohort's journal,
 *   with minus the signal (-15, -9) or the worker's exit code; processes it started in a new session
 *   are stopped too (they carry its id).
 * - `close()` ends every worker with its group, so that processes a function left running end with
 *   cohort's run at the latest. If cohort exits abruptly (a second Ctrl-C), the groups get SIGKILL
 *   (process.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import { JournalWriter, nowMicros } from "../runs/journal.js";
import { packageFile } from "../util/package-file.js";
import { setLongTimeout, type LongTimer } from "../util/timer.js";
import { DEFAULT_GRACE_MS, groupAlive, signalGroup, stopCarriers, trackEntry, trackGroup, untrackEntry, untrackGroup } from "./process.js";
import type { BatchItem, Moves, WorkerMessage, WorkerRequest } from "./worker.js";

/** A run as the terminal shows it. */
export interface WorkerRun {
  id: string;
  name: string;
}

/** How a run of a batch ended. */
export interface BatchResult {
  runId: string;
  runName: string;
  /** 0 success, > 0 error, < 0 stopped by signal -N. */
  exitCode: number;
  reason?: string;
  timedOut?: boolean;
  /** Jobs the function moved to another state point: new id by old id. */
  moved?: Moves;
}

export interface Batch {
  items: BatchItem[];
  joins: string[];
  gpus?: string[];
  timeoutMs?: number;
  keepGoing: boolean;
  signal?: AbortSignal;
  /** Told each run's output as it comes; without it, output is only recorded. */
  onOutput?: (bytes: Buffer, run: WorkerRun) => void;
  /** A run was made (its writer is the worker's journal) and starts. */
  onStarted: (index: number, run: WorkerRun, writer: string) => void;
  onFinished: (index: number, result: BatchResult) => void;
}

/** What became of a batch's items beyond the runs it told. */
export interface BatchEnd {
  /** Items never started, in order. */
  unstarted: number[];
  /** The worker failed before it could start item `index` (or the workflow would not load: every item). */
  failed?: { index: number; reason: string };
}

const SIGNALS = os.constants.signals;

/** The worker script, as built (an entry point of the build). */
export function workerScript(): string {
  return packageFile("dist/execution/worker.js");
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Current {
  batch: Batch;
  /** The run going on, if any. */
  run?: { index: number; info: WorkerRun; watchdog?: LongTimer };
  /** Items told finished. */
  finished: Set<number>;
  /** Set when the worker said why it cannot go on. */
  fatal?: string;
  timedOut: boolean;
  done: (end: BatchEnd) => void;
}

class Worker {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the worker has loaded the workflow: its journal's writer id, or why it could not. */
  readonly ready: Promise<{ writer: string } | { error: string }>;
  alive = true;
  busy = false;
  /** It said it ends: given nothing more. */
  ending = false;
  private writer = "";
  private current: Current | undefined;
  private stopping: Promise<number> | undefined;

  constructor(
    private readonly projectRoot: string,
    private readonly graceMs: number,
  ) {
    this.child = spawn(process.execPath, [workerScript(), "--serve", projectRoot], {
      cwd: process.cwd(),
      env: process.env,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      detached: true,
      serialization: "json",
    });
    if (this.child.pid === undefined) throw new Error("cannot start a worker process");
    this.pid = this.child.pid;
    trackGroup(this.pid);
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.alive = false;
        resolve({ code, signal });
      });
      this.child.once("error", () => {
        this.alive = false;
        resolve({ code: 127, signal: null });
      });
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      stream.on("data", (chunk: Buffer) => {
        const c = this.current;
        if (c?.run) c.batch.onOutput?.(chunk, c.run.info);
      });
    }
    this.ready = new Promise((resolve) => {
      const receive = (m: WorkerMessage): void => {
        if (m.type === "many") for (const one of m.messages) receive(one);
        else if (m.type === "ready") {
          this.writer = m.writer;
          resolve({ writer: m.writer });
        } else if (m.type === "fatal") {
          if (this.current) this.current.fatal = m.error;
          resolve({ error: m.error });
        } else this.onMessage(m);
      };
      this.child.on("message", receive);
      void this.exited.then(({ code, signal }) => resolve({ error: `the worker exited before it was ready (${signal ?? `exit code ${code}`})` }));
    });
    void this.exited.then((how) => this.onExit(how));
  }

  private onMessage(m: WorkerMessage): void {
    const c = this.current;
    if (!c) return;
    if (m.type === "started") {
      const info = { id: m.id, name: m.name };
      c.run = { index: m.index, info };
      trackEntry(carrierOf(m.id));
      const limit = c.batch.timeoutMs;
      // The worker ends a run at its limit; one whose function never yields is stopped here.
      if (limit) {
        c.run.watchdog = setLongTimeout(() => {
          c.timedOut = true;
          void this.stop();
        }, limit + this.graceMs);
      }
      c.batch.onStarted(m.index, info, this.writer);
    } else if (m.type === "output") {
      c.batch.onOutput?.(Buffer.from(m.bytes, "base64"), { id: m.id, name: m.name });
    } else if (m.type === "finished") {
      if (c.run?.index === m.index) {
        c.run.watchdog?.clear();
        untrackEntry(carrierOf(c.run.info.id));
        c.run = undefined;
      }
      c.finished.add(m.index);
      c.batch.onFinished(m.index, { runId: m.id, runName: m.name, exitCode: m.exitCode, reason: m.reason, timedOut: m.timedOut, moved: m.moved });
    } else if (m.type === "batch-done") {
      if (m.ending) this.ending = true;
      this.settle();
    }
  }

  /** The batch ends: what was not started goes back to the caller. */
  private settle(failed?: BatchEnd["failed"]): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    const unstarted: number[] = [];
    for (let i = 0; i < c.batch.items.length; i++) if (!c.finished.has(i) && i !== failed?.index) unstarted.push(i);
    c.done({ unstarted, failed });
  }

  /** The worker stopped or died: the run it was executing ends here, in cohort's journal. */
  private async onExit({ code, signal }: { code: number | null; signal: NodeJS.Signals | null }): Promise<void> {
    const stopSignal = this.stopping ? await this.stopping : undefined;
    const c = this.current;
    if (!c) return;
    const run = c.run;
    const exitCode = stopSignal !== undefined ? -stopSignal : signal ? -(SIGNALS[signal] ?? SIGNALS.SIGKILL) : (code ?? 1);
    if (!run) {
      // Between runs: the next item could not start.
      const next = [...c.batch.items.keys()].find((i) => !c.finished.has(i));
      const reason = c.fatal ?? `the worker process exited with code ${exitCode}`;
      this.settle(next === undefined || stopSignal !== undefined ? undefined : { index: next, reason });
      return;
    }
    run.watchdog?.clear();
    const carrier = carrierOf(run.info.id);
    if (stopSignal !== undefined) await stopCarriers(carrier, this.graceMs);
    untrackEntry(carrier);
    const reason = c.timedOut ? "timed out" : stopSignal === undefined && exitCode > 0 ? `the worker process exited with code ${exitCode}` : exitCode < 0 ? `killed by signal ${-exitCode}` : undefined;
    try {
      JournalWriter.of(this.projectRoot).append({ e: "end", t: nowMicros(), id: run.info.id, exit: c.timedOut ? -15 : exitCode });
    } catch {
      // A full disk: the run reads terminated once its worker is known to be gone.
    }
    c.finished.add(run.index);
    c.batch.onFinished(run.index, { runId: run.info.id, runName: run.info.name, exitCode: c.timedOut ? -15 : exitCode, reason, timedOut: c.timedOut });
    this.settle();
  }

  /** Executes a batch; the worker must be ready and idle. */
  run(batch: Batch): Promise<BatchEnd> {
    return new Promise<BatchEnd>((resolve) => {
      const stop = () => void this.stop();
      batch.signal?.addEventListener("abort", stop, { once: true });
      this.current = {
        batch,
        finished: new Set(),
        timedOut: false,
        done: (end) => {
          batch.signal?.removeEventListener("abort", stop);
          resolve(end);
        },
      };
      if (!this.alive || batch.signal?.aborted) {
        this.settle();
        return;
      }
      const request: WorkerRequest = {
        type: "batch",
        items: batch.items,
        joins: batch.joins,
        gpus: batch.gpus,
        timeoutMs: batch.timeoutMs,
        echo: batch.onOutput !== undefined,
        keepGoing: batch.keepGoing,
      };
      try {
        this.child.send(request);
      } catch {
        // the worker is gone: its exit settles the batch
      }
    });
  }

  /** Start nothing more of the batch going on (the run going on finishes). */
  stopStarting(): void {
    if (!this.current || !this.alive) return;
    try {
      this.child.send({ type: "stop" } satisfies WorkerRequest);
    } catch {
      // gone
    }
  }

  /**
   * Ends the worker and everything in its group: SIGTERM, SIGKILL after the grace period. Resolves
   * with the last signal sent once the group is gone (or has been given up on).
   */
  stop(): Promise<number> {
    this.stopping ??= (async () => {
      let last = SIGNALS.SIGTERM;
      signalGroup(this.pid, "SIGTERM");
      const kill = setTimeout(() => {
        last = SIGNALS.SIGKILL;
        signalGroup(this.pid, "SIGKILL");
      }, this.graceMs);
      await this.exited;
      const giveUp = Date.now() + this.graceMs + 2000;
      while (groupAlive(this.pid) && Date.now() < giveUp) await sleep(20);
      clearTimeout(kill);
      untrackGroup(this.pid);
      return last;
    })();
    return this.stopping;
  }
}

/** What every process of a run carries in its environment (execute.ts sets it). */
const carrierOf = (runId: string) => `COHORT_RUN_ID=${runId}`;

export class WorkerPool {
  private readonly workers = new Set<Worker>();
  private closed = false;

  constructor(
    private readonly projectRoot: string,
    private readonly graceMs = DEFAULT_GRACE_MS,
  ) {}

  /** Starts workers until there are `count`, so that they load the workflow while cohort plans. */
  start(count: number): void {
    while (!this.closed && this.workers.size < count) this.add();
  }

  private add(): Worker {
    const worker = new Worker(this.projectRoot, this.graceMs);
    this.workers.add(worker);
    void worker.exited.then(() => {
      if (!worker.busy) this.forget(worker);
    });
    return worker;
  }

  /** Executes a batch of function operations in an idle worker, starting one if none is idle. */
  async run(batch: Batch): Promise<BatchEnd> {
    if (this.closed) throw new Error("the worker pool is closed");
    const all = [...batch.items.keys()];
    if (batch.signal?.aborted) return { unstarted: all };
    const worker = [...this.workers].find((w) => w.alive && !w.busy && !w.ending) ?? this.add();
    worker.busy = true;
    try {
      const ready = await worker.ready;
      if ("error" in ready) {
        await worker.stop();
        return { unstarted: all.slice(1), failed: { index: 0, reason: ready.error } };
      }
      return await worker.run(batch);
    } finally {
      worker.busy = false;
      if (!worker.alive || worker.ending) this.forget(worker);
    }
  }

  /** Busy workers start nothing more of their batches. */
  stopStarting(): void {
    for (const w of this.workers) if (w.busy) w.stopStarting();
  }

  private forget(worker: Worker): void {
    if (!this.workers.delete(worker)) return;
    // Its group may hold what the function left running.
    void worker.stop();
  }

  /** Ends every worker and its group. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.workers];
    this.workers.clear();
    await Promise.all(all.map((w) => w.stop()));
  }
}
