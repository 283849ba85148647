/**
 * Reading the files of many run records at once, for the run catalog without a cache: the calling
 * thread reads records from the first onwards while a worker thread reads from the last backwards,
 * so that two cores share the system calls (at 100,000 runs these are nearly all of the time). They
 * stop where they meet; the worker hands over what it read in batches through a message port that
 * the caller drains without waiting for an event loop (`receiveMessageOnPort`).
 *
 * Both threads read a record by the same function, whose source is written once below and compiled
 * in each thread, since a worker started from this file cannot import TypeScript under the test runner.
 * The worker only reads; what the files mean is decided by the caller (catalog.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";

/** The texts of the files a run list needs, in the order `RUN_TEXT` names them; null: no such file. */
export type RunTexts = (string | null)[];

/** Where each file's text is in RunTexts. */
export const RUN_TEXT = { exit: 0, started: 1, opref: 2, jobs: 3, lock: 4, staged: 5, initialized: 6 } as const;

/**
 * The reading of one record, as source that both threads compile (with `fs` and `Buffer` in scope).
 *
 * `readText` reads a small file with one open, read and close into a reused buffer, as util/fs.ts's
 * readSmallFileSync does (a worker cannot import that module under the test runner); null when the
 * file does not exist.
 *
 * `readRun` reads a record (`dir` ends with a separator); `full`: also its opref and jobs, which never
 * change. `proc/exit` comes first: once it holds the exit code, no other file of the record changes, so
 * what is read after it is final. A run that has not ended is read as RunRecord.status reads it — the
 * lock, then (when there is none) the exit code again — so a run that ends meanwhile is never taken for
 * one that has not started.
 */
const READ_SOURCE = `
let scratch = Buffer.allocUnsafe(16384);
function readText(file) {
  let fd;
  try {
    fd = fs.openSync(file, "r");
  } catch (err) {
    if (err.code === "ENOENT" || err.code === "ENOTDIR") return null;
    throw err;
  }
  try {
    let length = 0;
    for (;;) {
      const want = scratch.length - length;
      const n = fs.readSync(fd, scratch, length, want, length);
      length += n;
      if (n < want) break;
      const bigger = Buffer.allocUnsafe(scratch.length * 2);
      scratch.copy(bigger);
      scratch = bigger;
    }
    return scratch.toString("utf8", 0, length);
  } finally {
    fs.closeSync(fd);
  }
}
function readRun(dir, full) {
  let exit = readText(dir + "proc/exit");
  let lock = null, staged = null, initialized = null;
  if (exit === null || exit.trim() === "") {
    lock = readText(dir + "proc/lock");
    if (lock === null || lock.trim() === "") exit = readText(dir + "proc/exit");
    staged = readText(dir + "staged");
    initialized = readText(dir + "initialized");
  }
  const started = readText(dir + "started");
  return full ? [exit, started, readText(dir + "opref"), readText(dir + "jobs"), lock, staged, initialized] : [exit, started, null, null, lock, staged, initialized];
}
`;

const readRun = new Function("fs", "Buffer", `${READ_SOURCE}; return readRun;`)(fs, Buffer) as (dir: string, full: boolean) => RunTexts;

/** Below this many records a thread costs more than it saves. */
export const MIN_RUNS_FOR_WORKER = 2000;
const BATCH = 64;

/* The worker, as CommonJS source: it runs as it is from dist/ and under the test runner alike. */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
// Missing files are expected (a flag run has no jobs file): their errors need no stack.
Error.stackTraceLimit = 0;
const { base, ids, full, port, ctrl: ctrlBuffer } = workerData;
const ctrl = new Int32Array(ctrlBuffer);
${READ_SOURCE}
const list = ids.split("\\n");
let texts = [];
let k = list.length - 1;
// texts holds the records lo, lo + 1, ...: posted first, then announced, so that an index the caller
// sees announced is in the port.
const post = (lo) => {
  port.postMessage({ lo, texts });
  Atomics.store(ctrl, 0, lo);
  Atomics.notify(ctrl, 0);
  texts = [];
};
for (; k >= 0; k--) {
  if (Atomics.load(ctrl, 1) >= k) break;
  let run;
  try {
    run = readRun(base + list[k] + ${JSON.stringify(path.sep)}, full[k] === "1");
  } catch {
    run = null; // the caller reads this one itself, and meets the error
  }
  texts.unshift(run);
  if (texts.length === ${BATCH}) post(k);
}
if (texts.length > 0) post(k + 1);
`;

export interface ReadOptions {
  /** A worker thread helps from this many records on (default MIN_RUNS_FOR_WORKER). */
  minForWorker?: number;
  /** For tests: this thread starts once the worker has handed over its first batch, so that both read. */
  waitForWorker?: boolean;
}

/**
 * The texts of the records `<dir>/<id>.meta` for each id, in the order given (opref and jobs only where
 * `full`).
 */
export function readRunFiles(dir: string, ids: readonly string[], full: readonly boolean[], opts: ReadOptions = {}): RunTexts[] {
  const base = dir + path.sep;
  const out: RunTexts[] = new Array(ids.length);
  const helper = ids.length >= (opts.minForWorker ?? MIN_RUNS_FOR_WORKER) && ids.length > 0 ? startWorker(base, ids, full) : undefined;
  const ctrl = helper?.ctrl;
  if (ctrl && opts.waitForWorker) Atomics.wait(ctrl, 0, ids.length, 10_000);
  // A missing file throws; the stack such an error records costs as much as the read itself.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let i = 0;
  try {
    for (; i < ids.length; i++) {
      if (ctrl) {
        if (i >= Atomics.load(ctrl, 0)) break;
        Atomics.store(ctrl, 1, i);
      }
      out[i] = readRun(base + ids[i] + ".meta" + path.sep, full[i]);
    }
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    if (helper) helper.stop();
  }
  if (helper && i < ids.length) {
    // Everything from i on was posted before the worker said so; a message is there once posted.
    for (let m = receiveMessageOnPort(helper.port); m; m = receiveMessageOnPort(helper.port)) {
      const { lo, texts } = m.message as { lo: number; texts: (RunTexts | null)[] };
      for (let j = 0; j < texts.length; j++) {
        const run = texts[j];
        if (lo + j >= i && run) out[lo + j] = run;
      }
    }
    helper.port.close();
    for (let j = i; j < ids.length; j++) out[j] ??= readRun(base + ids[j] + ".meta" + path.sep, full[j]);
  }
  return out;
}

interface Helper {
  /** [lowest index the worker has posted, highest index the caller has claimed] */
  ctrl: Int32Array;
  port: MessagePort;
  stop(): void;
}

function startWorker(base: string, ids: readonly string[], full: readonly boolean[]): Helper | undefined {
  const ctrl = new Int32Array(new SharedArrayBuffer(8));
  ctrl[0] = ids.length;
  ctrl[1] = -1;
  const { port1, port2 } = new MessageChannel();
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { base, ids: ids.map((id) => id + ".meta").join("\n"), full: full.map((f) => (f ? "1" : "0")).join(""), port: port2, ctrl: ctrl.buffer },
      transferList: [port2],
      stdout: true,
      stderr: true,
    });
  } catch {
    port1.close();
    return undefined;
  }
  worker.unref();
  worker.on("error", () => {}); // the caller reads for itself what the worker did not hand over
  return {
    ctrl,
    port: port1,
    stop() {
      Atomics.store(ctrl, 1, ids.length);
      void worker.terminate();
    },
  };
}
