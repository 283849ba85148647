import fs from "node:fs";
import path from "node:path";
import { UserError } from "../util/errors.js";
import { makeDirs, sweepStaleTemps, tempNameFor, writeFileAtomic } from "../util/fs.js";
import { Document, guardedDocument, readDocumentFile } from "./document.js";
import { compileFilter } from "./filter.js";
import { jobId } from "./id.js";
import type { JobFiles } from "./job-files.js";
import { JobIndex } from "./job-index.js";
import { Job, JOB_DOCUMENT_FILE, writeStatepoint, type JobOwner } from "./job.js";
import { canonicalJson } from "./json.js";
import { assertValidKeys, splitPath } from "./keys.js";
import { checkSchemaVersion, PROJECT_FILE, projectRootOf, SIGNAC_DIR } from "./root.js";
import { copyStatepoint } from "./statepoint.js";
import { isPlainObject, type JsonObject, type JsonValue } from "./value.js";

export const PROJECT_DOCUMENT_FILE = "signac_project_document.json";
export { findProjectRoot, PROJECT_FILE } from "./root.js";

/** Opens the project that holds `dir` (default: the working directory), looking upwards. */
export function openProject(dir: string = process.cwd()): Project {
  return new Project(projectRootOf(dir));
}

/** Makes `dir` a project (idempotent): `cohort.toml`, `.signac/config`, `workspace/`. */
export function initProject(dir: string, name?: string): Project {
  const root = path.resolve(dir);
  makeDirs(path.join(root, SIGNAC_DIR));
  checkSchemaVersion(root);
  const config = path.join(root, SIGNAC_DIR, "config");
  if (!fs.existsSync(config)) writeFileAtomic(config, "schema_version = 2\n");
  const toml = path.join(root, PROJECT_FILE);
  if (!fs.existsSync(toml)) {
    writeFileAtomic(toml, `[project]\nname = ${JSON.stringify(name ?? path.basename(root))}\n`);
  }
  makeDirs(path.join(root, "workspace"));
  return new Project(root);
}

/** Checks that a state point can be stored: a JSON object, keys without dots, finite numbers. */
export function validateStatepoint(sp: unknown): JsonObject {
  if (!isPlainObject(sp)) throw new UserError("a state point must be a JSON object", 'write it like {"T": 1.0}');
  assertValidKeys(sp, "state-point");
  canonicalJson(sp); // refuses NaN, Infinity and non-JSON values
  return sp;
}

export type GroupKey = string | string[] | ((job: Job) => JsonValue);

export class Project implements JobOwner {
  readonly workspace: string;
  private jobIndex: JobIndex | undefined;

  constructor(readonly root: string) {
    this.workspace = path.join(root, "workspace");
  }

  /** Where cohort keeps its own files (`.cohort/`). */
  get dataDir(): string {
    return path.join(this.root, ".cohort");
  }

  /** The project document (`signac_project_document.json`). */
  get doc(): Document {
    return guardedDocument(new Document(path.join(this.root, PROJECT_DOCUMENT_FILE)), "project.doc");
  }

  /** The index of every job's id and state point, current as of its first use in this process. */
  get index(): JobIndex {
    if (!this.jobIndex) {
      const cache = path.join(this.dataDir, "cache");
      this.jobIndex = JobIndex.load(this.workspace, cache);
      this.jobIndex.save();
      // Something changed in the workspace: a moment to look for what killed processes left in
      // cohort's own directories (two small listings, beside the workspace's).
      if (this.jobIndex.rescanned) {
        sweepStaleTemps(cache);
        sweepStaleTemps(path.join(this.dataDir, "tmp"));
      }
    }
    return this.jobIndex;
  }

  /**
   * The job of a state point; it exists on disk once `init()` is called or something is written to it.
   * The job keeps a copy: changing `sp` afterwards does not change the job.
   */
  openJob(sp: JsonObject): Job {
    const copy = copyStatepoint(sp);
    const id = jobId(copy); // refuses NaN, Infinity and values JSON cannot hold
    return new Job(id, copy, path.join(this.workspace, id), this);
  }

  /**
   * A job of this project moved to another state point (Job.resetStatepoint): the index read in this
   * process lists it under its old id, so it is read again when next used. (The index in the cache
   * sees the move by itself: renaming a job directory changes the workspace's modification time.)
   */
  jobMoved(): void {
    this.jobIndex = undefined;
  }

  /**
   * A job's directory holds another state point than the index gave it (Job.verify): the index cache is
   * wrong, so it is dropped, here and on disk.
   */
  statepointDiffered(): void {
    this.index.discardCache();
    this.jobIndex = undefined;
  }

  /** The job with this id or unique id prefix. */
  job(idOrPrefix: string): Job {
    const id = this.resolveJobId(idOrPrefix);
    return new Job(id, this.index.statepoint(id)!, path.join(this.workspace, id), this);
  }

  /** The full id of an existing job given by id or unique prefix. */
  resolveJobId(prefix: string): string {
    if (!/^[0-9a-f]{1,32}$/.test(prefix)) {
      throw new UserError(`${JSON.stringify(prefix)} is not a job id`, "job ids are 32 hexadecimal digits; a unique prefix will do");
    }
    const matches = this.index.withPrefix(prefix);
    if (matches.length === 1) return matches[0];
    if (matches.length === 0) {
      const bad = this.index.invalid.find((e) => e.name.startsWith(prefix));
      if (bad) throw new UserError(`job directory ${bad.name} is invalid: ${bad.reason}`, "run 'cohort check'");
      throw new UserError(`no job matches ${prefix}`, "list job ids with 'cohort find'");
    }
    const shown = matches.slice(0, 5).join(", ") + (matches.length > 5 ? `, ... (${matches.length} in all)` : "");
    throw new UserError(`job id prefix ${prefix} is ambiguous: ${shown}`, "give more characters");
  }

  /** Every job, ordered by id. */
  jobs(): Job[] {
    const { jobIds, statepoints } = this.index;
    const prefix = this.workspace + path.sep;
    return jobIds.map((id, i) => new Job(id, statepoints[i], prefix + id, this));
  }

  /**
   * The jobs matching a filter in signac's query language (SPEC §2.2), ordered by id. `files` reads the
   * documents the filter needs (by default, each from its file), so that a caller can keep them.
   */
  find(filter: JsonObject = {}, files?: Pick<JobFiles, "document">): Job[] {
    const match = compileFilter(filter);
    const { jobIds, statepoints } = this.index;
    const out: Job[] = [];
    const prefix = this.workspace + path.sep;
    const noDoc = () => ({});
    // Paths and document readers are made only where needed: this loop runs over every job.
    for (let i = 0; i < jobIds.length; i++) {
      if (!match.needsDoc) {
        if (match(statepoints[i], noDoc)) out.push(new Job(jobIds[i], statepoints[i], prefix + jobIds[i], this));
        continue;
      }
      const job = new Job(jobIds[i], statepoints[i], prefix + jobIds[i], this);
      const doc = files ? () => files.document(job) as JsonObject : () => readDocumentFile(job.fn(JOB_DOCUMENT_FILE)) ?? {};
      if (match(statepoints[i], doc)) out.push(job);
    }
    return out;
  }

  /**
   * Groups jobs by a state-point key (dotted path, `doc.` prefix for the document), several keys,
   * or a function. Jobs lacking the key are left out, as signac does. Groups are ordered by key.
   */
  groupBy(key: GroupKey, jobs: Job[] = this.jobs()): [JsonValue, Job[]][] {
    const keyOf = groupKeyFunction(key);
    const groups = new Map<string, [JsonValue, Job[]]>();
    for (const job of jobs) {
      const k = keyOf(job);
      if (k === undefined) continue;
      const text = canonicalJson(k);
      const g = groups.get(text);
      if (g) g[1].push(job);
      else groups.set(text, [k, [job]]);
    }
    return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
  }

  /**
   * Creates the jobs of many state points (the existing ones are left as they are).
   * `onProgress` is called now and then with the number done. Aborting `signal` (Ctrl-C in the CLI)
   * ends the loop between two jobs, so that no job is left half made; the jobs made so far are indexed.
   */
  async initJobs(
    sps: Iterable<JsonObject>,
    opts: { onProgress?: (done: number) => void; signal?: AbortSignal } = {},
  ): Promise<{ ids: string[]; created: number }> {
    const index = this.index;
    makeDirs(this.workspace);
    const ids: string[] = [];
    const made: [string, JsonObject][] = [];
    let created = 0;
    try {
      for (const sp of sps) {
        if (ids.length % 256 === 0) {
          // let signal handlers run: the loop is otherwise synchronous
          await new Promise((resolve) => setImmediate(resolve));
          if (opts.signal?.aborted) break;
          if (ids.length % 1024 === 0) opts.onProgress?.(ids.length);
        }
        const job = this.openJob(sp);
        if (writeStatepoint(job.path, job.spData)) created++;
        ids.push(job.id);
        made.push([job.id, job.spData]);
      }
    } finally {
      index.add(made);
      index.save();
    }
    return { ids, created };
  }

  /** Removes jobs and all their files. Each leaves the workspace at once by a rename, then is deleted. */
  removeJobs(ids: string[]): void {
    const removed: string[] = [];
    try {
      for (const id of ids) this.removeJob(id, removed);
    } finally {
      this.unindex(removed);
    }
  }

  /**
   * removeJobs for long lists: it lets the event loop run every 256 jobs, so that aborting `signal`
   * (Ctrl-C in the CLI) stops it between two jobs, and calls `onProgress` with the number done.
   * Returns the ids removed; the others are left as they were.
   */
  async removeJobsAsync(ids: string[], opts: { onProgress?: (done: number) => void; signal?: AbortSignal } = {}): Promise<string[]> {
    const removed: string[] = [];
    try {
      for (const id of ids) {
        if (removed.length % 256 === 0) {
          await new Promise((resolve) => setImmediate(resolve));
          if (opts.signal?.aborted) break;
          opts.onProgress?.(removed.length);
        }
        this.removeJob(id, removed);
      }
    } finally {
      this.unindex(removed);
    }
    return removed;
  }

  /** Moves a job out of the workspace (then it counts as removed) and deletes it. */
  private removeJob(id: string, removed: string[]): void {
    const trash = path.join(this.dataDir, "tmp");
    if (removed.length === 0) makeDirs(trash);
    // A temporary name: what a killed process leaves here is removed later (sweepStaleTemps).
    const target = tempNameFor(path.join(trash, `rm-${id}`));
    fs.renameSync(path.join(this.workspace, id), target);
    removed.push(id);
    fs.rmSync(target, { recursive: true, force: true });
  }

  private unindex(removed: string[]): void {
    this.index.remove(removed);
    this.index.save();
  }
}

function groupKeyFunction(key: GroupKey): (job: Job) => JsonValue | undefined {
  if (typeof key === "function") return key;
  if (Array.isArray(key)) {
    const parts = key.map(groupKeyFunction);
    return (job) => {
      const values = parts.map((f) => f(job));
      return values.some((v) => v === undefined) ? undefined : (values as JsonValue[]);
    };
  }
  const isDoc = key.startsWith("doc.");
  const keys = splitPath(isDoc ? key.slice(4) : key.startsWith("sp.") ? key.slice(3) : key);
  return (job) => lookupPath(isDoc ? job.doc.data : job.spData, keys);
}

/** The value at a path of keys, or undefined when any step is missing. */
export function lookupPath(obj: JsonValue, keys: readonly string[]): JsonValue | undefined {
  let v: JsonValue | undefined = obj;
  for (const k of keys) {
    if (!isPlainObject(v) || !Object.hasOwn(v, k)) return undefined;
    v = v[k];
  }
  return v;
}
