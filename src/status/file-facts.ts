/**
 * What a status scan needs to know about each job's files — the stat of its document, and whether the
 * files that `isfile` conditions name exist — looked up by a worker thread from the last job backwards
 * while the scan goes forwards, so that two cores share the system calls (at 100,000 jobs these are most
 * of the time of a warm `status`). The scan takes a job's facts from the worker when the worker has
 * already been there, and looks itself otherwise; the two stop where they meet.
 *
 * The worker only looks (stat and exists, as the scan would); everything it finds is what the files
 * were during this command, so the status stays one moment of the project. A file the worker could not
 * look at leaves the job to the scan.
 */
import { Worker } from "node:worker_threads";
import type { DocumentCache } from "../dataspace/document-cache.js";
import type { Job, JobFileFacts } from "../dataspace/job.js";
import { JOB_DOCUMENT_FILE } from "../dataspace/job.js";

/** Below this many jobs a thread costs more than it saves. */
export const MIN_JOBS_FOR_WORKER = 20000;


// Per job: [ok, mtimeMs, ctimeMs, size, ino, exists(name 0), exists(name 1), ...]; mtimeMs NaN: no document.
const HEAD = 5;

/* The worker, as CommonJS source: it runs as it is from dist/ and under the test runner alike. */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const path = require("node:path");
const { dirs, names, docFile, values, ctrl: ctrlBuffer } = workerData;
const f = new Float64Array(values);
const ctrl = new Int32Array(ctrlBuffer);
const width = ${HEAD} + names.length;
const simple = /^(?!\\.\\.?$)[^/\\\\]+$/;
const join = (dir, name) => (simple.test(name) ? dir + path.sep + name : path.join(dir, name));
for (let k = dirs.length - 1; k >= 0; k--) {
  if (Atomics.load(ctrl, 1) >= k) break;
  const o = k * width;
  try {
    if (docFile) {
      const st = fs.statSync(dirs[k] + path.sep + docFile, { throwIfNoEntry: false });
      if (st) { f[o + 1] = st.mtimeMs; f[o + 2] = st.ctimeMs; f[o + 3] = st.size; f[o + 4] = st.ino; }
      else f[o + 1] = NaN;
    }
    for (let n = 0; n < names.length; n++) f[o + ${HEAD} + n] = fs.existsSync(join(dirs[k], names[n])) ? 1 : 0;
    f[o] = 1;
  } catch {
    f[o] = 0;
  }
  Atomics.store(ctrl, 0, k);
}
`;

export class FileFacts implements JobFileFacts {
  private readonly width: number;
  private readonly nameIndex: Map<string, number>;

  private constructor(
    private readonly count: number,
    names: string[],
    private readonly values: Float64Array,
    /** [lowest index the worker has done, highest index the scan has claimed] */
    private readonly ctrl: Int32Array,
    private readonly worker: Worker,
  ) {
    this.width = HEAD + names.length;
    this.nameIndex = new Map(names.map((n, i) => [n, i]));
    worker.once("exit", () => (this.exited = true));
  }

  private exited = false;

  /**
   * Starts the worker on these jobs (in the order the scan takes them), for the document (when
   * `documents`) and the named files. Undefined when there is nothing to look at or a thread cannot
   * start. (The caller decides whether the jobs are many enough: MIN_JOBS_FOR_WORKER.)
   */
  static start(jobs: readonly Job[], names: string[], documents: boolean): FileFacts | undefined {
    if (jobs.length === 0 || (names.length === 0 && !documents)) return undefined;
    const values = new Float64Array(new SharedArrayBuffer(jobs.length * (HEAD + names.length) * 8));
    const ctrl = new Int32Array(new SharedArrayBuffer(8));
    ctrl[0] = jobs.length;
    ctrl[1] = -1;
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { dirs: jobs.map((j) => j.path), names, docFile: documents ? JOB_DOCUMENT_FILE : "", values: values.buffer, ctrl: ctrl.buffer },
        stdout: true,
        stderr: true,
      });
    } catch {
      return undefined;
    }
    worker.unref();
    worker.on("error", () => {}); // the scan looks for itself where the worker did not
    return new FileFacts(jobs.length, names, values, ctrl, worker);
  }

  /**
   * The scan is at job i: true when the worker has its facts (use them); otherwise the worker leaves
   * job i and everything before it to the scan.
   */
  claim(i: number): boolean {
    if (i >= Atomics.load(this.ctrl, 0) && this.values[i * this.width] === 1) return true;
    Atomics.store(this.ctrl, 1, i);
    return false;
  }

  /** Gives the document cache the stat of a claimed job's document. */
  primeDocument(documents: DocumentCache, jobId: string, i: number): void {
    const o = i * this.width;
    const v = this.values;
    documents.prime(jobId, v[o + 1], v[o + 2], v[o + 3], v[o + 4]);
  }

  /** Whether a file exists in a claimed job; undefined for a name the worker did not look at. */
  exists(i: number, name: string): boolean | undefined {
    const n = this.nameIndex.get(name);
    return n === undefined ? undefined : this.values[i * this.width + HEAD + n] === 1;
  }

  /** Resolves when the worker has finished (for tests: then every job can be claimed). */
  settled(): Promise<void> {
    return new Promise((resolve) => {
      if (this.exited) resolve();
      else this.worker.once("exit", () => resolve());
    });
  }

  /** Stops the worker. */
  stop(): void {
    Atomics.store(this.ctrl, 1, this.count);
    void this.worker.terminate();
  }
}
