/**
 * Long-lived worker processes that run TypeScript function operations for `cohort run --parallel`
 * (SPEC §5), the way signac-flow runs them in a process pool.
 *
 * - A worker is `node worker.js --serve PROJECT_ROOT` (worker.ts) with an IPC channel, in a process
 *   group (and session) of its own, started in cohort's working directory. It loads the workflow once
 *   and runs one request at a time; the pool starts a worker when every live one is busy, so there are
 *   never more workers than runs at once (at most the slots).
 * - A request's output (what the function writes to stdout and stderr, and what processes it started
 *   write to the worker's own stdout and stderr while it runs) is appended to the run's output file
 *   and passed to `echo`.
 * - Timeout or abort: the worker's group gets SIGTERM, then SIGKILL after the grace period; the run's
 *   exit code is minus the signal (-15, or -9), and the worker is replaced by a new one when needed.
 *   A worker that dies during a request (the function called `process.exit`, or crashed it) gives the
 *   request its exit code. A worker that dies while idle is simply dropped.
 * - `close()` ends every worker with its group, so that processes a function left running end with
 *   cohort's run at the latest. If cohort exits abruptly (a second Ctrl-C), the groups get SIGKILL
 *   (process.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { packageFile } from "../util/package-file.js";
import { setLongTimeout, type LongTimer } from "../util/timer.js";
import { DEFAULT_GRACE_MS, groupAlive, signalGroup, trackGroup, untrackGroup } from "./process.js";
import type { Moves, RunRequest, WorkerMessage } from "./worker.js";

export interface WorkerRequest {
  runId: string;
  operation: string;
  jobIds: string[];
  /** Added to the worker's environment while the request runs. */
  env: Record<string, string>;
  /** The run's output file (appended to). */
  outputFile: string;
  /** A flag run's flags, as JSON text. */
  flags?: string;
  echo?: (bytes: Buffer) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WorkerResult {
  /** 0 the function returned; 1 it threw; negative: stopped by signal -N; else the worker's exit code. */
  exitCode: number;
  timedOut: boolean;
  /** What went wrong, when the function threw or the worker failed. */
  reason?: string;
  /** What a `cmd` operation returned. */
  command?: string;
  /** Jobs the function moved to another state point: new id by old id. */
  moved?: Moves;
}

const SIGNALS = os.constants.signals;

/** The worker script, as built (an entry point of the build). */
export function workerScript(): string {
  return packageFile("dist/execution/worker.js");
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Current {
  request: WorkerRequest;
  fd: number;
  timedOut: boolean;
  finish: (result: WorkerResult) => void;
}

class Worker {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the worker has loaded the workflow: undefined, or why it could not. */
  readonly ready: Promise<string | undefined>;
  alive = true;
  busy = false;
  private current: Current | undefined;
  private stopping: Promise<number> | undefined;

  constructor(root: string, private readonly graceMs: number) {
    this.child = spawn(process.execPath, [workerScript(), "--serve", root], {
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
        if (this.current) this.output(chunk);
      });
    }
    this.ready = new Promise((resolve) => {
      this.child.on("message", (m: WorkerMessage) => {
        if (m.type === "ready") resolve(undefined);
        else if (m.type === "fatal") resolve(m.error);
        else this.onMessage(m);
      });
      void this.exited.then(({ code, signal }) => resolve(`the worker exited before it was ready (${signal ?? `exit code ${code}`})`));
    });
    // Stopped, or died by itself during a request: the exit code (or signal) is the request's.
    void this.exited.then(async ({ code, signal }) => {
      const stopSignal = this.stopping ? await this.stopping : undefined;
      const c = this.current;
      if (!c) return;
      const exitCode = stopSignal !== undefined ? -stopSignal : signal ? -(SIGNALS[signal] ?? SIGNALS.SIGKILL) : (code ?? 1);
      const reason = stopSignal === undefined && exitCode > 0 ? `the worker process exited with code ${exitCode}` : undefined;
      c.finish({ exitCode, timedOut: c.timedOut, reason });
    });
  }

  private output(bytes: Buffer): void {
    const c = this.current!;
    fs.writeSync(c.fd, bytes);
    c.request.echo?.(bytes);
  }

  private onMessage(m: WorkerMessage): void {
    const c = this.current;
    if (!c) return;
    if (m.type === "output") this.output(Buffer.from(m.bytes, "base64"));
    else if (m.type === "done") {
      if (m.ok) c.finish({ exitCode: 0, timedOut: false, command: m.command, moved: m.moved });
      else c.finish({ exitCode: 1, timedOut: false, reason: m.error, moved: m.moved });
    }
  }

  /** Runs one request; the worker must be ready and idle. */
  async run(request: WorkerRequest): Promise<WorkerResult> {
    if (request.signal?.aborted) return { exitCode: -SIGNALS.SIGTERM, timedOut: false };
    const fd = fs.openSync(request.outputFile, "a");
    let timer: LongTimer | undefined;
    const stop = () => void this.stop();
    try {
      const result = await new Promise<WorkerResult>((resolve) => {
        let settled = false;
        const current: Current = {
          request,
          fd,
          timedOut: false,
          finish: (r) => {
            if (settled) return;
            settled = true;
            resolve(r);
          },
        };
        this.current = current;
        if (!this.alive) {
          current.finish({ exitCode: 1, timedOut: false, reason: "the worker process is gone" });
          return;
        }
        request.signal?.addEventListener("abort", stop, { once: true });
        if (request.timeoutMs) {
          timer = setLongTimeout(() => {
            current.timedOut = true;
            stop();
          }, request.timeoutMs);
        }
        const message: RunRequest = { type: "run", runId: request.runId, operation: request.operation, jobs: request.jobIds, flags: request.flags, env: request.env };
        try {
          this.child.send(message);
        } catch {
          // the worker is gone: its exit settles the request
        }
      });
      return result;
    } finally {
      timer?.clear();
      request.signal?.removeEventListener("abort", stop);
      this.current = undefined;
      fs.closeSync(fd);
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

export class WorkerPool {
  private readonly workers = new Set<Worker>();
  private closed = false;

  constructor(
    private readonly projectRoot: string,
    private readonly graceMs = DEFAULT_GRACE_MS,
  ) {}

  /** Runs one function operation in an idle worker, starting one if none is idle. */
  async run(request: WorkerRequest): Promise<WorkerResult> {
    if (this.closed) throw new Error("the worker pool is closed");
    if (request.signal?.aborted) return { exitCode: -SIGNALS.SIGTERM, timedOut: false };
    let worker = [...this.workers].find((w) => w.alive && !w.busy);
    if (!worker) {
      worker = new Worker(this.projectRoot, this.graceMs);
      this.workers.add(worker);
      void worker.exited.then(() => {
        if (!worker!.busy) this.forget(worker!);
      });
    }
    worker.busy = true;
    try {
      const failed = await worker.ready;
      if (failed !== undefined) {
        fs.appendFileSync(request.outputFile, failed + "\n");
        request.echo?.(Buffer.from(failed + "\n"));
        await worker.stop();
        return { exitCode: 1, timedOut: false, reason: failed };
      }
      return await worker.run(request);
    } finally {
      worker.busy = false;
      if (!worker.alive) this.forget(worker);
    }
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
