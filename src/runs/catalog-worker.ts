/**
 * The files the run catalog looks at, shared between the calling thread and a worker thread so that
 * two cores share the system calls (at 100,000 runs these are most of the time):
 *
 * - The records to read (those the cache does not hold): the worker reads from the last backwards
 *   while the caller builds the runs the cache holds, then reads from the first onwards, and they stop
 *   where they meet. The worker hands over what it read in batches through a message port that the
 *   caller drains without waiting for an event loop (`receiveMessageOnPort`).
 * - Then the `stat` of each log directory (attribute logs, trash logs, groups) that the cache keys,
 *   which the worker writes into shared memory; the caller stats for itself any the worker has not
 *   reached yet.
 * - Then, when asked, the groups' logs (none is cached): the worker reads from the last backwards while
 *   the caller works out the runs, and hands them over as it does records; the caller reads from the
 *   first onwards when it comes to groups, and they stop where they meet.
 *
 * Both threads read a record by the same function, whose source is written once below and compiled
 * in each thread, since a worker started from this file cannot import TypeScript under the test runner.
 * The worker only reads; what the files mean is decided by the caller (catalog.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import type { MessagePort, Worker } from "node:worker_threads";
import { statKey, type DirKey } from "./catalog-cache.js";

/**
 * The texts of the files a run list needs, in the order `RUN_TEXT` names them; null: no such file.
 * `keys`: for a run that has not ended, the times and inodes of its record's directory and of `proc/`,
 * taken before its files were read (null when a directory was missing).
 */
export type RunTexts = (string | null)[];

/**
 * What a record read for its start alone gives, when it has started: the time its `started` file
 * holds (epoch microseconds, as record.ts's parseMicros reads it; NaN when the file holds no integer).
 * A number crosses from the worker thread for much less than an object holding the file's text.
 */
export type StartOnly = number;

/**
 * What reading a record gives: its texts; SAME when its directories' keys are those it was asked to
 * compare with; its start alone when asked for only that.
 */
export type RunRead = RunTexts | typeof SAME | StartOnly;
export const SAME = "same";

export const isStartOnly = (read: RunRead): read is StartOnly => typeof read === "number";

/**
 * How much of a record to read: `all` its files; `status` all but opref and jobs (which never change);
 * `start` only `started` when it holds a time, else all (a run that has not started may start later,
 * so what its other files say is needed now).
 */
export type ReadMode = "all" | "status" | "start";
const MODE_CHAR: Record<ReadMode, string> = { all: "a", status: "s", start: "t" };

/** Where each file's text is in RunTexts. */
export const RUN_TEXT = { exit: 0, started: 1, opref: 2, jobs: 3, lock: 4, staged: 5, initialized: 6, scheduler: 7, keys: 8 } as const;

/**
 * The reading of one record, as source that both threads compile (with `fs` and `Buffer` in scope).
 *
 * `readText` reads a small file with one open, read and close into a reused buffer, as util/fs.ts's
 * readSmallFileSync does (a worker cannot import that module under the test runner); null when the
 * file does not exist.
 *
 * `readRun` reads a record (`dir` ends with a separator) as much as its mode (a ReadMode's character)
 * says. `proc/exit` comes first: once it holds the exit code, no other file of the record changes, so
 * what is read after it is final. Of a run that has not ended, the keys of the record's directory and of
 * `proc/` are taken first (every step of a run creates or removes a file in one of them, which moves its
 * times): when they are `known`, the files are not read again (SAME). Then it is read as
 * RunRecord.status reads it — the exit code again, the lock, then (when there is none) the exit code
 * once more, so that a run that ends meanwhile is never taken for one that has not started; with a lock,
 * its cluster job (`scheduler.json`), which decides the status of a run locked on another host.
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
function dirKeys(dir) {
  let a, b;
  try {
    a = fs.statSync(dir);
    b = fs.statSync(dir + "proc");
  } catch {
    return null;
  }
  return a.mtimeMs + " " + a.ctimeMs + " " + a.ino + " " + b.mtimeMs + " " + b.ctimeMs + " " + b.ino;
}
const ended = (exit) => exit !== null && exit.trim() !== "";
// As record.ts's parseMicros, NaN for undefined.
function micros(text) {
  const t = text.trim();
  return /^-?\\d+$/.test(t) ? Number(t) : NaN;
}
// A group's log (dir ends with a separator): its listing and the texts of its JSON files; null when it cannot be listed.
function readGroup(dir) {
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch {
    return null;
  }
  const texts = {};
  for (const name of names) {
    if (!name.endsWith(".json")) continue;
    const text = readText(dir + name);
    if (text !== null) texts[name] = text;
  }
  return { names, texts };
}
function readRun(dir, mode, known) {
  if (mode === "t") {
    const started = readText(dir + "started");
    if (started !== null && started.trim() !== "") return micros(started);
  }
  const full = mode !== "s";
  let exit = known ? null : readText(dir + "proc/exit");
  let lock = null, staged = null, initialized = null, scheduler = null, keys = null;
  if (!ended(exit)) {
    keys = dirKeys(dir);
    if (known && keys === known) return "${SAME}";
    exit = readText(dir + "proc/exit");
  }
  if (!ended(exit)) {
    lock = readText(dir + "proc/lock");
    if (lock === null || lock.trim() === "") exit = readText(dir + "proc/exit");
    else scheduler = readText(dir + "scheduler.json");
    staged = readText(dir + "staged");
    initialized = readText(dir + "initialized");
  }
  const started = readText(dir + "started");
  const opref = full ? readText(dir + "opref") : null;
  const jobs = full ? readText(dir + "jobs") : null;
  return [exit, started, opref, jobs, lock, staged, initialized, scheduler, keys];
}
`;

/** A group's log as read: its listing, and the texts of its JSON files by name. */
export interface GroupRead {
  names: string[];
  texts: Record<string, string>;
}

const { readRun, readGroup, micros } = new Function("fs", "Buffer", `${READ_SOURCE}; return { readRun, readGroup, micros };`)(fs, Buffer) as {
  readRun: (dir: string, mode: string, known: string | null) => RunRead;
  readGroup: (dir: string) => GroupRead | null;
  micros: (text: string) => number;
};

/** For tests: a start as a record read for its start alone gives it. */
export const startOfText = micros;

/** A group's log in `dir`, read as a worker reads it; null when the directory cannot be listed. */
export function readGroupLog(dir: string): GroupRead | null {
  return readGroup(dir + path.sep);
}

// Loaded when a worker is started: a listing where little changed has none, and would load it for nothing.
const require = createRequire(import.meta.url);
let workerThreads: typeof import("node:worker_threads") | undefined;
const threads = () => (workerThreads ??= require("node:worker_threads") as typeof import("node:worker_threads"));

/** Below this many records to read, or directories to stat, a thread costs more than it saves. */
export const MIN_FOR_WORKER = { records: 2000, stats: 2000 };
const BATCH = 64;
/** In the shared stats' mtime: the worker found no such directory (NaN), or could not stat it. */
const FAILED = -Infinity;

/*
 * The worker, as CommonJS source: it runs as it is from dist/ and under the test runner alike. It may
 * be started before its task is known (booting a thread takes about as long as loading the cache), and
 * then waits for the task on its port. Records come first, from the last backwards, while the caller
 * builds the runs the cache holds; then the stats, which the caller needs after the runs.
 */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
// Missing files are expected (a flag run has no jobs file): their errors need no stack.
Error.stackTraceLimit = 0;
${READ_SOURCE}
const { port } = workerData;
function run({ base, ids, modes, known: knownText, dirs, groups: groupText, ctrl: ctrlBuffer, stats: statsBuffer }) {
  const known = knownText.split("\\n");
  const ctrl = new Int32Array(ctrlBuffer);
  const stats = new Float64Array(statsBuffer);
  const list = ids === "" ? [] : ids.split("\\n");
  let texts = [];
  let k = list.length - 1;
  // texts holds the records lo, lo + 1, ...: posted first, then announced, so that an index the
  // caller sees announced is in the port.
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
      run = readRun(base + list[k] + ${JSON.stringify(path.sep)}, modes[k], known[k] || null);
    } catch {
      run = null; // the caller reads this one itself, and meets the error
    }
    texts.unshift(run);
    if (texts.length === ${BATCH}) post(k);
  }
  post(k + 1);
  const dirList = dirs === "" ? [] : dirs.split("\\n");
  for (let d = 0; d < dirList.length; d++) {
    if (Atomics.load(ctrl, 3) === 1) break;
    try {
      const st = fs.statSync(base + dirList[d], { throwIfNoEntry: false });
      if (st) { stats[3 * d] = st.mtimeMs; stats[3 * d + 1] = st.ctimeMs; stats[3 * d + 2] = st.ino; }
      else stats[3 * d] = NaN;
    } catch {
      stats[3 * d] = -Infinity;
    }
    Atomics.store(ctrl, 2, d + 1);
  }
  const groups = groupText === "" ? [] : groupText.split("\\n");
  let read = [];
  const postGroups = (lo) => {
    port.postMessage({ groupsLo: lo, groups: read });
    Atomics.store(ctrl, 4, lo);
    read = [];
  };
  let g = groups.length - 1;
  for (; g >= 0; g--) {
    if (Atomics.load(ctrl, 5) >= g) break;
    let group;
    try {
      group = readGroup(base + groups[g] + ${JSON.stringify(path.sep)});
    } catch {
      group = undefined; // the caller reads this one itself
    }
    read.unshift(group);
    if (read.length === ${BATCH}) postGroups(g);
  }
  postGroups(g + 1);
}
if (workerData.task) run(workerData.task);
else port.once("message", run);
`;

export interface FilesOptions {
  /** Start a worker from this many records or directories on (default MIN_FOR_WORKER). */
  minForWorker?: { records: number; stats: number };
  /** For tests: the caller reads once the worker has handed over its first batch, so that both read. */
  waitForWorker?: boolean;
}

interface Task {
  ids: readonly string[];
  /** ReadMode characters, one per id. */
  modes: string;
  known: readonly (string | null)[];
  dirs: readonly string[];
  /** Group logs' directories to read. */
  groups: readonly string[];
  /**
   * [lowest record the worker has posted, highest record the caller has claimed, stats done, stop
   * stats, lowest group the worker has posted, highest group the caller has claimed]
   */
  ctrl: Int32Array;
  stats: Float64Array;
}

/**
 * The records `<dir>/<id>.meta` to read (each as much as its ReadMode says) and the directories
 * `<dir>/<name>` to stat, for one reading of the catalog: `start` (optional, as early as possible),
 * then `begin` with the task, then `readRecords` and `stat`, then `close`.
 */
export class CatalogFiles {
  private readonly base: string;
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  /** How many records, and how many groups, the worker read and handed over (a test sees that it helped). */
  handedOver = 0;
  groupsHandedOver = 0;
  /** Groups the worker handed over, by index; undefined: it could not read that one. */
  private readonly groupsRead = new Map<number, GroupRead | null | undefined>();
  private task: Task = { ids: [], modes: "", known: [], dirs: [], groups: [], ctrl: new Int32Array(6), stats: new Float64Array(0) };

  constructor(
    dir: string,
    private readonly opts: FilesOptions = {},
  ) {
    this.base = dir + path.sep;
  }

  /** Starts the worker before the task is known, when the caller expects a big one. */
  start(): this {
    this.worker ??= this.spawn(undefined);
    return this;
  }

  /**
   * Starts the worker when a directory of `bytes` (its size) likely lists enough records for one, so
   * that it boots while the directory is listed (booting takes 30–50 ms, a listing of 100,000 entries
   * 0.15–0.3 s). On ext4 an entry `<id>.meta` takes about 74 bytes.
   */
  startForListing(bytes: number): this {
    const min = this.opts.minForWorker ?? MIN_FOR_WORKER;
    return bytes >= min.records * 64 ? this.start() : this;
  }

  /**
   * Sets the task, and hands it to the worker (started now if the task is big enough). `groups`: group
   * logs the caller will read through `group()`, read by the worker meanwhile if one runs.
   */
  begin(ids: readonly string[], modes: readonly ReadMode[], dirs: readonly string[], known: readonly (string | null)[] = [], groups: readonly string[] = []): this {
    const ctrl = new Int32Array(new SharedArrayBuffer(24));
    ctrl[0] = ids.length;
    ctrl[1] = -1;
    ctrl[4] = groups.length;
    ctrl[5] = -1;
    const task: Task = { ids, modes: modes.map((m) => MODE_CHAR[m]).join(""), known, dirs, groups, ctrl, stats: new Float64Array(new SharedArrayBuffer(Math.max(1, dirs.length) * 24)) };
    this.task = task;
    const min = this.opts.minForWorker ?? MIN_FOR_WORKER;
    const big = ids.length >= min.records || dirs.length >= min.stats;
    const data = {
      base: this.base,
      ids: ids.length === 0 ? "" : ids.join(".meta\n") + ".meta",
      modes: task.modes,
      // (none known, as without a cache: empty)
      known: known.some((k) => k) ? ids.map((_, i) => known[i] ?? "").join("\n") : "",
      dirs: dirs.join("\n"),
      groups: groups.join("\n"),
      ctrl: ctrl.buffer,
      stats: task.stats.buffer,
    };
    if (this.worker && this.port) this.port.postMessage(data);
    else if (big) this.worker = this.spawn(data);
    return this;
  }

  private spawn(task: object | undefined): Worker | undefined {
    const { MessageChannel, Worker } = threads();
    const { port1, port2 } = new MessageChannel();
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port: port2, task }, transferList: [port2], stdout: true, stderr: true });
    } catch {
      port1.close();
      return undefined;
    }
    this.port = port1;
    worker.unref();
    worker.on("error", () => {}); // the caller reads for itself what the worker did not hand over
    return worker;
  }

  /** The texts of every record, in the order of the task's ids. */
  readRecords(): RunRead[] {
    const { ids, modes, known, ctrl } = this.task;
    const base = this.base;
    const out: RunRead[] = new Array(ids.length);
    const helped = this.worker !== undefined && ids.length > 0;
    if (helped && this.opts.waitForWorker) Atomics.wait(ctrl, 0, ids.length, 10_000);
    // A missing file throws; the stack such an error records costs as much as the read itself.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    let i = 0;
    try {
      for (; i < ids.length; i++) {
        if (helped) {
          if (i >= Atomics.load(ctrl, 0)) break;
          Atomics.store(ctrl, 1, i);
        }
        out[i] = readRun(base + ids[i] + ".meta" + path.sep, modes[i], known[i] ?? null);
      }
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
      Atomics.store(ctrl, 1, ids.length);
    }
    if (i < ids.length) {
      // Everything from i on was posted before the worker said so; a message is there once posted.
      this.receive((lo, texts) => {
        for (let j = 0; j < texts.length; j++) {
          const run = texts[j];
          if (lo + j >= i && run) {
            out[lo + j] = run;
            this.handedOver++;
          }
        }
      });
    }
    for (let j = i; j < ids.length; j++) out[j] ??= readRun(base + ids[j] + ".meta" + path.sep, modes[j], known[j] ?? null);
    return out;
  }

  /** Takes what the worker posted: records' batches to `records` (none: dropped), groups kept for group(). */
  private receive(records?: (lo: number, texts: (RunRead | null)[]) => void): void {
    if (!this.port) return;
    const { receiveMessageOnPort } = threads();
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
      const message = m.message as { lo: number; texts: (RunRead | null)[] } | { groupsLo: number; groups: (GroupRead | null | undefined)[] };
      if ("groups" in message) message.groups.forEach((g, j) => this.groupsRead.set(message.groupsLo + j, g));
      else records?.(message.lo, message.texts);
    }
  }

  /** The task's group k: as the worker read it when it has, else read now. */
  group(k: number): GroupRead | null {
    const { groups, ctrl } = this.task;
    if (k >= Atomics.load(ctrl, 4)) {
      // posted before announced: it is in the port
      this.receive();
      const read = this.groupsRead.get(k);
      this.groupsRead.delete(k);
      if (read !== undefined) {
        this.groupsHandedOver++;
        return read;
      }
    }
    Atomics.store(ctrl, 5, k);
    return readGroup(this.base + groups[k] + path.sep);
  }

  /** The key of the task's directory k: the worker's stat when it has been there, else one of its own. */
  stat(k: number): DirKey | undefined {
    const { ctrl, stats, dirs } = this.task;
    if (k < Atomics.load(ctrl, 2)) {
      const mtimeMs = stats[3 * k];
      if (Number.isNaN(mtimeMs)) return undefined;
      if (mtimeMs !== FAILED) return { mtimeMs, ctimeMs: stats[3 * k + 1], ino: stats[3 * k + 2] };
    }
    return statKey(this.base + dirs[k]);
  }

  /** For tests: resolves once the worker has taken every stat (or after ten seconds). */
  async statsDone(): Promise<void> {
    const { ctrl, dirs } = this.task;
    for (let waited = 0; this.worker && Atomics.load(ctrl, 2) < dirs.length && waited < 10_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  }

  /** For tests: resolves once the worker has read every group (or after ten seconds). */
  async groupsDone(): Promise<void> {
    const { ctrl } = this.task;
    // (done when it has met the caller, who reads from the first)
    for (let waited = 0; this.worker && Atomics.load(ctrl, 4) > Atomics.load(ctrl, 5) + 1 && waited < 10_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  }

  /** Stops the worker: at once, or when it has groups to read, once it has (or `endGroups`). */
  close(): void {
    Atomics.store(this.task.ctrl, 1, this.task.ids.length);
    Atomics.store(this.task.ctrl, 3, 1);
    if (this.task.groups.length === 0) this.endGroups();
  }

  /** Stops the worker, groups read or not. */
  endGroups(): void {
    Atomics.store(this.task.ctrl, 5, this.task.groups.length);
    this.port?.close();
    void this.worker?.terminate();
  }
}
