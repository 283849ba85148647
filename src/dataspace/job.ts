import fs from "node:fs";
import path from "node:path";
import { UserError } from "../util/errors.js";
import { isErrno, makeDirs, naming, tempNameFor, writeFileAtomic } from "../util/fs.js";
import { Document, guardedDocument } from "./document.js";
import { jobId } from "./id.js";
import { dumpJson } from "./json.js";
import { NO_STATEPOINT_FILE, readStatepoint, STATEPOINT_FILE } from "./job-index.js";
import { copyStatepoint, readOnlyStatepoint } from "./statepoint.js";
import { isPlainObject, type JsonObject } from "./value.js";

export const JOB_DOCUMENT_FILE = "signac_job_document.json";
/** A file name that path.join would leave as it is. */
const SIMPLE_NAME = /^(?!\.\.?$)[^/\\]+$/;

/** Who learns of a job's move: its project, whose index lists it under its old id. */
export interface JobOwner {
  jobMoved(job: Job, oldId: string): void;
  /** The state point the job was opened with is not the one in its directory (a damaged index). */
  statepointDiffered?(job: Job): void;
}

/** signac's error for a state point whose job exists already: the job cannot move there. */
export class DestinationExistsError extends Error {
  constructor(
    /** The id of the job that was to move. */
    readonly source: string,
    /** The id of the existing job. */
    readonly destination: string,
  ) {
    super(`cannot change the state point of job ${source}: the job of the new state point, ${destination}, exists (remove it or choose another state point)`);
    this.name = "DestinationExistsError";
  }
}

/**
 * A point of the data space: `workspace/<id>/`, named by the hash of its state point. Its document and
 * files are read from the file system at every call (a command that shows one moment of the project
 * reads them through a JobFiles instead: job-files.ts).
 */
export class Job {
  private document: Document | undefined;
  /** Known to exist: set once `init()` has made or found the job, so later writes skip the check. */
  private initialized = false;
  /** Set once verify() found the job directory's state point to be this job's. */
  private verified = false;

  private jobId: string;
  private statepoint_: JsonObject;
  private dir: string;
  /** The read-only view `sp` returns, made when first read. */
  private spView: JsonObject | undefined;

  constructor(
    /** The md5 of the state point's canonical JSON. */
    id: string,
    /** The state point, as stored: the Job never changes it, and neither may the caller. */
    sp: JsonObject,
    /** The job's directory. */
    path: string,
    /** Told when the job moves to another state point (its project, to update its index). */
    private readonly owner?: JobOwner,
  ) {
    this.jobId = id;
    this.statepoint_ = sp;
    this.dir = path;
  }

  /** The md5 of the state point's canonical JSON (signac's id). */
  get id(): string {
    return this.jobId;
  }

  /** The job's directory. */
  get path(): string {
    return this.dir;
  }

  /**
   * The state point, read-only: changing a value in it throws a TypeError that names
   * `updateStatepoint`. Assigning a new one (`job.sp = {...}`) moves the job (resetStatepoint).
   */
  get sp(): Readonly<JsonObject> {
    return (this.spView ??= readOnlyStatepoint(this.statepoint_));
  }

  set sp(sp: JsonObject) {
    this.resetStatepoint(sp);
  }

  /** signac's name for `sp`. */
  get statepoint(): Readonly<JsonObject> {
    return this.sp;
  }

  set statepoint(sp: JsonObject) {
    this.resetStatepoint(sp);
  }

  /**
   * The stored state point, for cohort's own reading where the view's cost would show (a scan of
   * every job). Never change it: it is shared with the project's index.
   * @internal
   */
  get spData(): Readonly<JsonObject> {
    return this.statepoint_;
  }

  /**
   * Moves the job to another state point, as signac's `reset_statepoint` does: the job directory is
   * renamed to the new id and its state-point file rewritten; the document and the files stay with it.
   * Throws DestinationExistsError when the job of the new state point exists (nothing is changed).
   * A job that does not exist yet only changes in memory. Returns the job, now under its new id.
   */
  resetStatepoint(sp: JsonObject): this {
    const copy = copyStatepoint(sp);
    const id = jobId(copy); // refuses NaN, Infinity and values JSON cannot hold
    if (id === this.jobId) return this;
    const oldId = this.jobId;
    const to = path.join(path.dirname(this.dir), id);
    const moved = moveJobDirectory(this.dir, to, copy, oldId, id);
    this.adopt(id, copy, to);
    if (moved) this.owner?.jobMoved(this, oldId);
    return this;
  }

  /**
   * Changes some keys of the state point (the others are kept) and moves the job, like
   * resetStatepoint: `job.updateStatepoint({ T: 2 })`. Unlike signac's `update_statepoint`, a key
   * the state point has is overwritten: this is the call for what `job.sp.T = 2` means.
   */
  updateStatepoint(changes: JsonObject): this {
    if (!isPlainObject(changes)) throw new UserError("updateStatepoint takes an object of the keys to change", "e.g. job.updateStatepoint({ T: 2 })");
    return this.resetStatepoint({ ...this.statepoint_, ...changes });
  }

  /**
   * Follows a move made elsewhere (an operation in a worker process moved this job): reads the state
   * point of job `id`, in the same workspace.
   * @internal
   */
  movedTo(id: string): void {
    if (id === this.jobId) return;
    const oldId = this.jobId;
    const to = path.join(path.dirname(this.dir), id);
    const sp = readStatepoint(to, id);
    if (typeof sp === "string") throw new Error(`job ${oldId} moved to ${id}, whose directory is not a valid job: ${sp}`);
    this.adopt(id, sp, to);
    this.owner?.jobMoved(this, oldId);
  }

  /**
   * Reads the state point in the job directory and checks that it hashes to the id: what a job runs
   * with is its own file's state point, never a cache's alone (SPEC §12). A state point the job was
   * opened with that differs (a damaged index) gives way to the file's, and the owner is told. A job
   * not made yet is made, when the state point it was opened with is its own. Throws a UserError when
   * the directory holds no state point of this id. Reads the file once per Job. (It does not list the
   * directory, which would cost a run five system calls: `cohort check` removes the temporary files a
   * killed process left in job directories, util/fs.ts, isStaleTemp.)
   */
  verify(): this {
    if (this.verified) return this;
    const read = readStatepoint(this.dir, this.jobId);
    const heldIsOwn = () => jobId(this.statepoint_) === this.jobId;
    if (typeof read !== "string") {
      if (!heldIsOwn()) {
        this.statepoint_ = read;
        this.spView = undefined;
        this.owner?.statepointDiffered?.(this);
      }
      this.initialized = true; // its state point file is there: init() need not look again
    } else if (read === NO_STATEPOINT_FILE && !fs.existsSync(this.dir) && heldIsOwn()) {
      this.init();
    } else {
      throw new UserError(`job directory ${this.jobId} is invalid: ${read}`, "run 'cohort check'");
    }
    this.verified = true;
    return this;
  }

  private adopt(id: string, sp: JsonObject, dir: string): void {
    this.jobId = id;
    this.statepoint_ = sp;
    this.dir = dir;
    this.spView = undefined;
    this.verified = false;
    this.document = undefined;
  }

  /** The job document (`signac_job_document.json`); writing to it creates the job if needed. */
  get doc(): Document {
    this.document ??= guardedDocument(new Document(this.path + path.sep + JOB_DOCUMENT_FILE, () => this.init()), "job.doc");
    return this.document;
  }

  /** The path of a file in the job directory. */
  fn(name: string): string {
    return SIMPLE_NAME.test(name) ? this.path + path.sep + name : path.join(this.path, name);
  }

  /** Whether the job directory holds this file now. */
  isFile(name: string): boolean {
    return fs.existsSync(this.fn(name));
  }

  exists(): boolean {
    return fs.existsSync(path.join(this.path, STATEPOINT_FILE));
  }

  /**
   * Takes the job as verified by the process that handed it over (a runner, for its worker): its
   * directory held this state point then, as after verify().
   * @internal
   */
  verifiedElsewhere(): this {
    this.initialized = true;
    this.verified = true;
    return this;
  }

  /** Creates the job directory and its state-point file unless they exist; returns the job. */
  init(): this {
    if (!this.initialized) {
      writeStatepoint(this.dir, this.statepoint_);
      this.initialized = true;
    }
    return this;
  }

  readFile(name: string): Promise<string>;
  readFile(name: string, encoding: null): Promise<Buffer>;
  readFile(name: string, encoding: BufferEncoding | null = "utf8"): Promise<string | Buffer> {
    return fs.promises.readFile(this.fn(name), encoding === null ? undefined : { encoding });
  }

  /** Writes a file in the job directory atomically, creating the job if needed. */
  async writeFile(name: string, data: string | Uint8Array): Promise<void> {
    this.init();
    writeFileAtomic(this.fn(name), data);
  }

  toString(): string {
    return this.id;
  }
}

/** An empty state-point file this old was left by a crash; a younger one is being written by its maker. */
const LEFT_EMPTY_MS = 10_000;

/**
 * Creates `dir` with its state-point file; returns true only when this call made the file, so that
 * processes creating jobs together count each job once: the exclusive create of the file decides
 * who made it. A failure (a full disk) removes what this call made. A state-point file left empty
 * by a crash is replaced, by one process only.
 */
export function writeStatepoint(dir: string, sp: JsonObject): boolean {
  const file = dir + path.sep + STATEPOINT_FILE;
  // The common case, a job that exists, in one stat (failed calls cost an exception each).
  if ((fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) > 0) return false;
  let madeDir = false;
  for (let attempt = 0; !madeDir; attempt++) {
    try {
      fs.mkdirSync(dir);
      madeDir = true;
    } catch (err) {
      if (isErrno(err, "EEXIST")) break;
      if (!isErrno(err, "ENOENT") || attempt > 0) throw err;
      // A project of a cohort.toml alone has no workspace/ yet: its first job makes it, but never the
      // project's own directory (gone when the project was moved away meanwhile).
      const workspace = path.dirname(dir);
      makeDirs(workspace, path.dirname(workspace));
    }
  }
  for (let attempt = 0; ; attempt++) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, "wx");
    } catch (err) {
      if (!isErrno(err, "EEXIST")) {
        if (madeDir) removeEmptyDir(dir);
        throw err;
      }
      if (attempt === 0 && removeLeftEmpty(file)) continue;
      return false;
    }
    try {
      fs.writeFileSync(fd, dumpJson(sp));
      const closing = fd;
      fd = undefined;
      fs.closeSync(closing); // on NFS, a full disk may show only here
      return true;
    } catch (err) {
      if (fd !== undefined) fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      if (madeDir) removeEmptyDir(dir);
      throw naming(err, file);
    }
  }
}

/**
 * Takes away a state-point file a crash left empty, so that the caller may create it again: the
 * rename lets one process only take it. False when the file is not empty, or young (its maker is
 * writing it).
 */
function removeLeftEmpty(file: string): boolean {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st || st.size > 0 || Date.now() - st.mtimeMs < LEFT_EMPTY_MS) return false;
  const away = tempNameFor(file);
  try {
    fs.renameSync(file, away);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return true; // another process took it: creating again decides
    throw err;
  }
  fs.rmSync(away, { force: true });
  return true;
}

function removeEmptyDir(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // not empty (another process is making the same job) or already gone
  }
}

/**
 * Moves a job directory to the id of a new state point; false when there is no directory (the job
 * does not exist yet: only its Job changes). The order keeps every failure but a crash harmless:
 * 1. the new state-point file is written beside the old one under a temporary name, so that a full
 *    disk or a missing directory fails before anything visible changes;
 * 2. the directory is renamed: the one step that finds the destination taken (a job directory is
 *    never empty, and rename refuses a non-empty target), so two processes cannot both get it;
 * 3. the new state-point file replaces the old one by a rename within the directory.
 * A crash between 2 and 3 leaves the directory under its new name with the old state point and the
 * new one beside it; `cohort check` reports it (the state point does not hash to the name).
 */
function moveJobDirectory(from: string, to: string, sp: JsonObject, oldId: string, newId: string): boolean {
  const file = from + path.sep + STATEPOINT_FILE;
  const tmp = tempNameFor(file);
  try {
    fs.writeFileSync(tmp, dumpJson(sp), { flag: "wx" });
  } catch (err) {
    if (isErrno(err, "ENOENT")) return false;
    throw err;
  }
  try {
    fs.renameSync(from, to);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    if (isErrno(err, "EEXIST") || isErrno(err, "ENOTEMPTY")) throw new DestinationExistsError(oldId, newId);
    if (isErrno(err, "ENOENT")) throw new UserError(`job ${oldId} is gone: another process moved or removed it`, "open the job again");
    throw err;
  }
  fs.renameSync(to + path.sep + path.basename(tmp), to + path.sep + STATEPOINT_FILE);
  return true;
}
