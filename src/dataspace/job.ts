import fs from "node:fs";
import path from "node:path";
import { UserError } from "../util/errors.js";
import { isErrno, tempNameFor, writeFileAtomic } from "../util/fs.js";
import { Document, EMPTY, type DocumentSnapshots } from "./document.js";
import { jobId } from "./id.js";
import { dumpJson } from "./json.js";
import { readStatepoint, STATEPOINT_FILE } from "./job-index.js";
import { copyStatepoint, readOnlyStatepoint } from "./statepoint.js";
import { isPlainObject, type JsonObject } from "./value.js";

export const JOB_DOCUMENT_FILE = "signac_job_document.json";
/** A file name that path.join would leave as it is. */
const SIMPLE_NAME = /^(?!\.\.?$)[^/\\]+$/;

/** Facts about job files already looked up (see Job.useFileFacts): undefined for a name not looked up. */
export interface JobFileFacts {
  exists(index: number, name: string): boolean | undefined;
}

/** Who learns of a job's move: its project, whose index lists it under its old id. */
export interface JobOwner {
  jobMoved(job: Job, oldId: string): void;
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

/** A snapshot of the document not taken yet. */
const NOT_READ = Symbol("not read");
/** A snapshot that could not be taken: the error is raised again. */
class Unreadable {
  constructor(readonly error: unknown) {}
}

/** A point of the data space: `workspace/<id>/`, named by the hash of its state point. */
export class Job {
  private document: Document | undefined;
  private snapshots: DocumentSnapshots | undefined;
  private docSnapshot: JsonObject | undefined | Unreadable | typeof NOT_READ = NOT_READ;
  private fileFacts: JobFileFacts | undefined;
  private fileFactsIndex = -1;
  /** Known to exist: set once `init()` has made or found the job, so later writes skip the check. */
  private initialized = false;

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

  private adopt(id: string, sp: JsonObject, dir: string): void {
    this.jobId = id;
    this.statepoint_ = sp;
    this.dir = dir;
    this.spView = undefined;
    this.document = undefined;
    this.docSnapshot = NOT_READ;
    this.fileFacts = undefined;
    this.fileFactsIndex = -1;
  }

  /** The job document (`signac_job_document.json`); writing to it creates the job if needed. */
  get doc(): Document {
    if (!this.document) {
      const source = this.snapshots && {
        snapshot: () => this.documentView(),
        written: () => {
          this.docSnapshot = NOT_READ;
          this.snapshots!.written(this.id);
        },
      };
      this.document = new Document(this.path + path.sep + JOB_DOCUMENT_FILE, () => this.init(), source);
    }
    return this.document;
  }

  /**
   * Reads of this job's document come from `snapshots` (once per command, through the document cache)
   * instead of the file; writes still go to the file. For commands that show one moment of the
   * project, such as `status`.
   */
  readDocumentsFrom(snapshots: DocumentSnapshots): this {
    this.snapshots = snapshots;
    this.document = undefined;
    this.docSnapshot = NOT_READ;
    return this;
  }

  /**
   * The document for reading only — do not change the object: `doc.data` gives a copy to change. From
   * the snapshot when the job reads from one (taken at the first read), else from the file.
   */
  documentView(): Readonly<JsonObject> {
    const snapshots = this.snapshots;
    if (!snapshots) return this.doc.view();
    let snap = this.docSnapshot;
    if (snap === NOT_READ) {
      try {
        snap = snapshots.read(this.id, this.path + path.sep + JOB_DOCUMENT_FILE);
      } catch (error) {
        snap = new Unreadable(error);
      }
      this.docSnapshot = snap;
    }
    if (snap instanceof Unreadable) throw snap.error;
    return snap ?? EMPTY;
  }

  /** The path of a file in the job directory. */
  fn(name: string): string {
    return SIMPLE_NAME.test(name) ? this.path + path.sep + name : path.join(this.path, name);
  }

  isFile(name: string): boolean {
    if (this.fileFacts) {
      const known = this.fileFacts.exists(this.fileFactsIndex, name);
      if (known !== undefined) return known;
    }
    return fs.existsSync(this.fn(name));
  }

  /**
   * Answers isFile from facts looked up a moment ago in this command (this job is entry `index` of
   * them), until called again without them. For a scan that shows one moment of the project (`status`).
   */
  useFileFacts(facts: JobFileFacts | undefined, index = -1): void {
    this.fileFacts = facts;
    this.fileFactsIndex = index;
  }

  exists(): boolean {
    return fs.existsSync(path.join(this.path, STATEPOINT_FILE));
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

/**
 * Creates `dir` with its state-point file; returns false when the job already existed.
 * The file is created exclusively, so two processes creating the same job cannot both write it.
 * A state-point file left empty by a crash is rewritten.
 */
export function writeStatepoint(dir: string, sp: JsonObject): boolean {
  // The common case, a job that exists, in one stat (failed calls cost an exception each).
  if ((fs.statSync(path.join(dir, STATEPOINT_FILE), { throwIfNoEntry: false })?.size ?? 0) > 0) return false;
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    if (!isErrno(err, "EEXIST")) throw err;
    const file = path.join(dir, STATEPOINT_FILE);
    let size: number | undefined;
    try {
      size = fs.statSync(file).size;
    } catch (e) {
      if (!isErrno(e, "ENOENT")) throw e;
    }
    if (size === undefined || size === 0) {
      writeFileAtomic(file, dumpJson(sp));
      return true;
    }
    return false;
  }
  try {
    fs.writeFileSync(path.join(dir, STATEPOINT_FILE), dumpJson(sp), { flag: "wx" });
  } catch (err) {
    if (!isErrno(err, "EEXIST")) throw err;
    return false;
  }
  return true;
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
