import fs from "node:fs";
import path from "node:path";
import { isErrno, writeFileAtomic } from "../util/fs.js";
import { Document, type DocumentSource } from "./document.js";
import { dumpJson } from "./json.js";
import { STATEPOINT_FILE } from "./job-index.js";
import type { JsonObject } from "./value.js";

export const JOB_DOCUMENT_FILE = "signac_job_document.json";
/** A file name that path.join would leave as it is. */
const SIMPLE_NAME = /^(?!\.\.?$)[^/\\]+$/;

/** A point of the data space: `workspace/<id>/`, named by the hash of its state point. */
/** Gives jobs their documents from a snapshot (the document cache): see Job.readDocumentsFrom. */
export interface DocumentSnapshots {
  read(jobId: string, file: string): JsonObject | undefined;
  written(jobId: string): void;
}

export class Job {
  private document: Document | undefined;
  private snapshots: DocumentSnapshots | undefined;
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
      const file = this.path + path.sep + JOB_DOCUMENT_FILE;
      const snapshots = this.snapshots;
      const source: DocumentSource | undefined = snapshots && {
        read: () => snapshots.read(this.id, file),
        written: () => snapshots.written(this.id),
      };
      this.document = new Document(file, () => this.init(), source);
    }
    return this.document;
  }

  /**
   * Reads of this job's document come from `snapshots` (read once per command, through the document
   * cache) instead of the file; writes still go to the file. For commands that show one moment of
   * the project, such as `status`.
   */
  readDocumentsFrom(snapshots: DocumentSnapshots): this {
    this.snapshots = snapshots;
    this.document = undefined;
    return this;
  }

  /** The path of a file in the job directory. */
  fn(name: string): string {
    return SIMPLE_NAME.test(name) ? this.path + path.sep + name : path.join(this.path, name);
  }

  isFile(name: string): boolean {
    return fs.existsSync(this.fn(name));
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
