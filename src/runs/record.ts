/**
 * Run records (SPEC §6): every execution is a run, recorded before it starts.
 *
 * ## On-disk format
 *
 * A run with id `<run-id>` (a lowercase UUID v7, see run-id.ts) lives in
 * `<project>/.cohort/runs/<run-id>.meta/`:
 *
 * | file              | content                                                                            |
 * |-------------------|------------------------------------------------------------------------------------|
 * | `id`              | the run id, one line                                                               |
 * | `opref`           | JSON `{"project": NAME, "operation": NAME}`, plus `"group": NAME` when the run was executed as a member of a FlowGroup (`run -o GROUP`) rather than as the operation's own singleton group |
 * | `config.json`     | JSON object: the flags of a flag operation; the state point of a single-job run; `{"jobs": [SP, ...]}` (state points in aggregate order) for an aggregate of several jobs |
 * | `jobs`            | the job ids of the aggregate, one per line, in aggregate order; absent for a flag run |
 * | `directives.json` | JSON object: the directives as resolved for this run (group-specific ones already applied) |
 * | `cmd.json`        | JSON: `{"shell": "COMMAND"}` (placeholders expanded), `{"argv": [...]}` or `{"function": NAME}` |
 * | `initialized`     | epoch microseconds, decimal, one line: when the record was made                    |
 * | `staged`          | epoch microseconds: when the run was handed to the executor (about to start)       |
 * | `started`         | epoch microseconds: when the operation itself started                              |
 * | `stopped`         | epoch microseconds: when it ended                                                  |
 * | `proc/lock`       | `HOST PID`, one line, while the run is running; removed when it ends               |
 * | `proc/exit`       | the exit code, decimal, one line; negative: killed by signal -N (`-15`: SIGTERM)   |
 * | `output`          | the merged stdout and stderr, appended while the run goes on                       |
 * | `scheduler.json`  | JSON `{"scheduler": "slurm", "job_id": "123"}`: the cluster job the run was executed in; absent outside one |
 *
 * JSON files are written as Python's `json.dumps` writes them (floats stay floats: `1.0`).
 * One-line files end with a newline; readers trim whitespace. Times have millisecond resolution and
 * are kept strictly increasing within one process (so `staged` < `started` even in the same
 * millisecond). The record is first assembled in a hidden temporary directory and renamed to `<run-id>.meta`
 * when complete, so a listing never sees a half-made record. The files added later (`staged`,
 * `started`, `proc/lock`, `stopped`, `proc/exit`) are each written once by a single small write:
 * a reader may find one empty for an instant and takes it as absent. When a run ends, `stopped` and `proc/exit` are written before
 * `proc/lock` is removed, so a reader that reads `proc/lock` before `proc/exit` never mistakes a
 * finished run for one that has not started.
 *
 * Status is derived, never stored: see `deriveRunStatus`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dumpJson, parseJson } from "../dataspace/json.js";
import { isPlainObject, type JsonObject, type JsonValue } from "../dataspace/value.js";
import { isErrno, readFileIfExists } from "../util/fs.js";
import { isRunId, newRunId, runName } from "./run-id.js";

export type RunStatus = "completed" | "error" | "terminated" | "running" | "staged" | "pending" | "unknown";

/** What a run executed: the project, the operation, and the FlowGroup it ran in (if not its own). */
export interface OpRef {
  project: string;
  operation: string;
  group?: string;
}

export type RunCommand = { argv: string[] } | { shell: string } | { function: string };

export interface RunLock {
  host: string;
  pid: number;
}

export interface RunInit {
  project: string;
  operation: string;
  /** The FlowGroup the operation ran in; leave undefined for the operation's own singleton group. */
  group?: string;
  /** The flags; the state point for one job; `{"jobs": [SP, ...]}` for several (see `runConfig`). */
  config: JsonObject;
  /** Job ids of the aggregate; undefined or empty for a flag run (no `jobs` file is written). */
  jobs?: string[];
  /** Resolved directives; keys whose value is undefined are left out. */
  directives?: object;
  cmd: RunCommand;
  /** A run id chosen beforehand; default: a new one. */
  id?: string;
}

/** The fields that decide a run's status. */
export interface RunStatusInput {
  exitCode?: number;
  lock?: RunLock;
  staged?: number;
  initialized?: number;
  /** The cluster job the run was executed in (`scheduler.json`). */
  clusterJob?: ClusterJobRef;
}

/** The cluster job a run was executed in: its scheduler and the job id the scheduler lists it by. */
export interface ClusterJobRef {
  scheduler: string;
  job_id: string;
}

/** `scheduler.json` as read: undefined unless it names a scheduler and a job id. */
export function parseClusterJob(v: JsonValue | undefined): ClusterJobRef | undefined {
  return isPlainObject(v) && typeof v.scheduler === "string" && typeof v.job_id === "string" ? { scheduler: v.scheduler, job_id: v.job_id } : undefined;
}

/**
 * The cluster job this process runs in, from the scheduler's environment: SLURM (array tasks as
 * `JOB_TASK`, as squeue lists them), PBS, LSF. Undefined outside a cluster job.
 */
export function clusterJobFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterJobRef | undefined {
  if (env.SLURM_JOB_ID) {
    const array = env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID ? `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}` : undefined;
    return { scheduler: "slurm", job_id: array ?? env.SLURM_JOB_ID };
  }
  if (env.PBS_JOBID) return { scheduler: "pbs", job_id: env.PBS_JOBID };
  if (env.LSB_JOBID) return { scheduler: "lsf", job_id: env.LSB_JOBINDEX && env.LSB_JOBINDEX !== "0" ? `${env.LSB_JOBID}[${env.LSB_JOBINDEX}]` : env.LSB_JOBID };
  return undefined;
}

export interface StatusOptions {
  /** Whether process `pid` lives on `host` (this host); default: `kill(pid, 0)`. */
  isAlive?(host: string, pid: number): boolean;
  /** The name of this host; default `os.hostname()`. */
  hostname?: string;
  /**
   * Whether the scheduler still holds a cluster job, for runs locked on another host; without it such
   * a run reads `running`.
   */
  clusterJobLive?(job: ClusterJobRef): boolean;
}

const META_SUFFIX = ".meta";
const META_RE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.meta$/;

/** `<project>/.cohort/runs`. */
export function runsDir(projectRoot: string): string {
  return path.join(projectRoot, ".cohort", "runs");
}

/** `<project>/.cohort/runs/<id>.meta`; refuses anything that is not a run id, so no id escapes the directory. */
export function runMetaDir(projectRoot: string, id: string): string {
  if (!isRunId(id)) throw new Error(`not a run id: ${JSON.stringify(id)}`);
  return path.join(runsDir(projectRoot), id + META_SUFFIX);
}

/** The ids of every run record of the project, oldest first (v7 ids sort by creation time). */
export function listRunIds(projectRoot: string): string[] {
  return idsIn(runsDir(projectRoot), META_RE);
}

/** The ids in `dir` of the entries whose names `re` matches (its first group is the id), sorted. */
export function idsIn(dir: string, re: RegExp): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return [];
    throw err;
  }
  const ids: string[] = [];
  for (const name of names) {
    const m = re.exec(name);
    if (m) ids.push(m[1]);
  }
  return ids.sort();
}

/** The `config.json` of a run: the flags of a flag run, the state point of one job, `{"jobs": [...]}` for several. */
export function runConfig(opts: { flags?: JsonObject; statepoints?: JsonObject[] }): JsonObject {
  if (opts.flags) return opts.flags;
  const sps = opts.statepoints ?? [];
  return sps.length === 1 ? sps[0] : { jobs: sps };
}

/** Directories known to exist in this process: a run's record costs one syscall less per run. */
const knownDirs = new Set<string>();

function ensureDir(dir: string): void {
  if (knownDirs.has(dir)) return;
  fs.mkdirSync(dir, { recursive: true });
  knownDirs.add(dir);
}

let hostName: string | undefined;

/** This host's name, asked once per process (every run's lock names it). */
function thisHost(): string {
  return (hostName ??= os.hostname());
}

let lastMicros = 0;

/** Epoch microseconds (millisecond resolution), strictly increasing within this process. */
export function nowMicros(): number {
  const t = Date.now() * 1000;
  lastMicros = t > lastMicros ? t : lastMicros + 1;
  return lastMicros;
}

/** Whether a process of this host exists (EPERM: it exists but belongs to someone else). */
export function pidIsAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  // The error is the common answer (a listing asks about every stale lock): its stack, unused, would
  // cost more than the call.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, "EPERM");
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * A run's status, first rule that matches (SPEC §6): exit code 0 → completed, > 0 → error,
 * < 0 (signal) → terminated; a lock of this host whose process is alive → running, dead → terminated;
 * a lock of another host → running (its process cannot be checked from here); `staged` → staged;
 * `initialized` → pending; otherwise unknown.
 */
export function deriveRunStatus(meta: RunStatusInput, opts: StatusOptions = {}): RunStatus {
  const exit = meta.exitCode;
  if (exit !== undefined) return exit === 0 ? "completed" : exit > 0 ? "error" : "terminated";
  const lock = meta.lock;
  if (lock) {
    const host = opts.hostname ?? thisHost();
    // Another host's process cannot be checked from here: its cluster job can.
    if (lock.host !== host) return meta.clusterJob && opts.clusterJobLive && !opts.clusterJobLive(meta.clusterJob) ? "terminated" : "running";
    const alive = opts.isAlive ? opts.isAlive(lock.host, lock.pid) : pidIsAlive(lock.pid);
    return alive ? "running" : "terminated";
  }
  if (meta.staged !== undefined) return "staged";
  if (meta.initialized !== undefined) return "pending";
  return "unknown";
}

/** JSON text of a value, leaving out object keys whose value is undefined. */
function jsonText(v: unknown): string {
  return dumpJson(withoutUndefined(v) as JsonValue);
}

function withoutUndefined(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutUndefined);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = withoutUndefined(x);
    return out;
  }
  return v;
}

/** A timestamp or exit code file's number; undefined when absent, empty or not an integer. */
export function parseMicros(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  return /^-?\d+$/.test(t) ? Number(t) : undefined;
}

/** A `proc/lock` file's host and pid; undefined when absent, empty or damaged. */
export function parseLock(text: string | undefined): RunLock | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\S+)\s+(\d+)\s*$/.exec(text);
  return m ? { host: m[1], pid: Number(m[2]) } : undefined;
}

/** The OpRef an `opref` file's JSON holds; undefined when it is not one. */
export function parseOpRef(v: JsonValue | undefined): OpRef | undefined {
  if (!isPlainObject(v) || typeof v.project !== "string" || typeof v.operation !== "string") return undefined;
  return typeof v.group === "string" ? { project: v.project, operation: v.operation, group: v.group } : { project: v.project, operation: v.operation };
}

/** The job ids of a `jobs` file, in aggregate order; empty when absent (a flag run). */
export function parseJobs(text: string | undefined): string[] {
  return (text ?? "").split("\n").filter((l) => l.trim() !== "");
}

const UNSET = Symbol("unset");

/** One run's record: made by `create` before the run starts, or opened by `read`. */
export class RunRecord {
  readonly name: string;
  private cache = new Map<string, unknown>();

  private constructor(
    readonly id: string,
    /** The `<run-id>.meta` directory. */
    readonly dir: string,
  ) {
    this.name = runName(id);
  }

  /** Writes a new run's record (status `pending`) and returns it. */
  static create(projectRoot: string, init: RunInit): RunRecord {
    const id = init.id ?? newRunId();
    const dir = runMetaDir(projectRoot, id);
    const runs = path.dirname(dir);
    ensureDir(runs);
    const tmp = path.join(runs, `.${id}.meta.${process.pid}.tmp`);
    fs.mkdirSync(tmp);
    try {
      fs.mkdirSync(path.join(tmp, "proc"));
      const opref: OpRef = { project: init.project, operation: init.operation };
      if (init.group !== undefined) opref.group = init.group;
      // Plain writes: nobody sees these files before the directory is renamed into place.
      const put = (name: string, text: string) => fs.writeFileSync(path.join(tmp, name), text);
      put("id", id + "\n");
      put("opref", jsonText(opref) + "\n");
      put("config.json", jsonText(init.config) + "\n");
      if (init.jobs && init.jobs.length > 0) put("jobs", init.jobs.join("\n") + "\n");
      put("directives.json", jsonText(init.directives ?? {}) + "\n");
      put("cmd.json", jsonText(init.cmd) + "\n");
      put("output", "");
      const cluster = clusterJobFromEnv();
      if (cluster) put("scheduler.json", jsonText(cluster) + "\n");
      put("initialized", nowMicros() + "\n");
      // A fresh id cannot collide; one chosen by the caller is checked, since a rename replaces an empty directory.
      if (init.id !== undefined && fs.existsSync(dir)) throw new Error(`run ${id} exists already`);
      fs.renameSync(tmp, dir);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    return new RunRecord(id, dir);
  }

  /** Opens the record in `dir` (`<run-id>.meta`); throws when it holds no valid `id`. */
  static read(dir: string): RunRecord {
    const text = readFileIfExists(path.join(dir, "id"));
    if (text === undefined) throw new Error(`${dir} is not a run record: it has no id file`);
    const id = text.trim();
    if (!isRunId(id)) throw new Error(`${dir} is not a run record: bad id ${JSON.stringify(id)}`);
    return new RunRecord(id, dir);
  }

  /** Opens the record of run `id` of a project. */
  static open(projectRoot: string, id: string): RunRecord {
    return RunRecord.read(runMetaDir(projectRoot, id));
  }

  /** The file that collects the run's merged stdout and stderr; a child process may append to it directly. */
  get outputPath(): string {
    return path.join(this.dir, "output");
  }

  /** Forgets what was read, so that the next access reads the files again. */
  refresh(): this {
    this.cache.clear();
    return this;
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  private cached<T>(key: string, load: () => T): T {
    const v = this.cache.has(key) ? this.cache.get(key) : UNSET;
    if (v !== UNSET) return v as T;
    const loaded = load();
    this.cache.set(key, loaded);
    return loaded;
  }

  private readJson(name: string): JsonValue | undefined {
    return this.cached(name, () => {
      const text = readFileIfExists(this.file(name));
      return text === undefined ? undefined : parseJson(text, this.file(name));
    });
  }

  private readMicros(name: string): number | undefined {
    return this.cached(name, () => parseMicros(readFileIfExists(this.file(name))));
  }

  /**
   * Writes one of the files a run adds as it goes (timestamps, lock, exit code). Each is written once,
   * by one small write, so a reader sees it empty or whole; readers take an empty file as absent. This
   * costs a third of a temporary file and a rename, which matters at thousands of runs.
   */
  private write(name: string, text: string, value: unknown): void {
    fs.writeFileSync(this.file(name), text);
    this.cache.set(name, value);
  }

  get opref(): OpRef | undefined {
    return parseOpRef(this.readJson("opref"));
  }

  get config(): JsonObject | undefined {
    const v = this.readJson("config.json");
    return isPlainObject(v) ? v : undefined;
  }

  get directives(): JsonObject | undefined {
    const v = this.readJson("directives.json");
    return isPlainObject(v) ? v : undefined;
  }

  get cmd(): RunCommand | undefined {
    const v = this.readJson("cmd.json");
    if (!isPlainObject(v)) return undefined;
    if (typeof v.shell === "string") return { shell: v.shell };
    if (typeof v.function === "string") return { function: v.function };
    if (Array.isArray(v.argv) && v.argv.every((a) => typeof a === "string")) return { argv: v.argv as string[] };
    return undefined;
  }

  /** Job ids of the aggregate; empty for a flag run. */
  get jobs(): string[] {
    return this.cached("jobs", () => parseJobs(readFileIfExists(this.file("jobs"))));
  }

  get initialized(): number | undefined {
    return this.readMicros("initialized");
  }
  get staged(): number | undefined {
    return this.readMicros("staged");
  }
  get started(): number | undefined {
    return this.readMicros("started");
  }
  get stopped(): number | undefined {
    return this.readMicros("stopped");
  }

  get lock(): RunLock | undefined {
    return this.cached("proc/lock", () => parseLock(readFileIfExists(this.file("proc/lock"))));
  }

  /** The cluster job the run was executed in; undefined for a run executed outside one. */
  get clusterJob(): ClusterJobRef | undefined {
    return parseClusterJob(this.readJson("scheduler.json"));
  }

  /** The exit code; undefined while the run has not ended. */
  get exitCode(): number | undefined {
    return this.cached("proc/exit", () => parseMicros(readFileIfExists(this.file("proc/exit"))));
  }

  /** The run's output so far. */
  readOutput(): string {
    return readFileIfExists(this.outputPath) ?? "";
  }

  /**
   * The run's current status, read afresh from the files. The lock is read before the exit code:
   * a run that ends writes its exit code before removing its lock, so this order never shows a run
   * that has just ended as not started.
   */
  status(opts?: StatusOptions): RunStatus {
    this.refresh();
    const lock = this.lock;
    const exitCode = this.exitCode;
    return deriveRunStatus({ lock, exitCode, staged: this.staged, initialized: this.initialized, clusterJob: lock ? this.clusterJob : undefined }, opts);
  }

  /** The run is handed to the executor. */
  markStaged(): void {
    const t = nowMicros();
    this.write("staged", t + "\n", t);
  }

  /** The run starts: `proc/lock` names this host and `pid` (default: this process), then `started`. */
  markStarted(pid: number = process.pid): void {
    const lock: RunLock = { host: thisHost(), pid };
    this.write("proc/lock", `${lock.host} ${lock.pid}\n`, lock);
    const t = nowMicros();
    this.write("started", t + "\n", t);
  }

  /** Appends to the run's output. */
  appendOutput(chunk: string | Uint8Array): void {
    fs.appendFileSync(this.outputPath, chunk);
  }

  /** The run ended with `exitCode` (negative: killed by signal -N): `stopped`, `proc/exit`, then the lock goes. */
  finish(exitCode: number): void {
    if (!Number.isSafeInteger(exitCode)) throw new Error(`bad exit code ${exitCode}`);
    const t = nowMicros();
    this.write("stopped", t + "\n", t);
    this.write("proc/exit", exitCode + "\n", exitCode);
    try {
      fs.unlinkSync(this.file("proc/lock"));
    } catch (err) {
      if (!isErrno(err, "ENOENT")) throw err;
    }
    this.cache.set("proc/lock", undefined);
  }
}
