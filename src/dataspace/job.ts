import fs from "node:fs";
import path from "node:path";
import { isErrno, writeFileAtomic } from "../util/fs.js";
import { Document, EMPTY, type DocumentSnapshots } from "./document.js";
import { dumpJson } from "./json.js";
import { STATEPOINT_FILE } from "./job-index.js";
import type { JsonObject } from "./value.js";

export const JOB_DOCUMENT_FILE = "signac_job_document.json";
/** A file name that path.join would leave as it is. */
const SIMPLE_NAME = /^(?!\.\.?$)[^/\\]+$/;

/** Facts about job files already looked up (see Job.useFileFacts): undefined for a name not looked up. */
export interface JobFileFacts {
  exists(index: number, name: string): boolean | undefined;
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

  constructor(
    /** The md5 of the state point's canonical JSON. */
    readonly id: string,
    /** The state point. Treat it as read-only: a changed state point is another job. */
    readonly sp: JsonObject,
    /** The job's directory. */
    readonly path: string,
  ) {}

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
      writeStatepoint(this.path, this.sp);
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
