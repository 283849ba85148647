/**
 * How conditions see jobs' files during one command: the built-in `isfile` and `true`/`false`
 * conditions, `-f doc.…` filters and `-p doc.…` columns ask a JobFiles, which the command chooses and
 * hands to the Planner (execution/plan.ts).
 *
 * - `run`, `next`, `exec` use LIVE_FILES: the files as they are at each question, since operations
 *   change them between passes.
 * - `status` and `submit` change nothing and show one moment of the project: they use a
 *   DocumentSnapshot, which reads each job's document once, through the document cache (one `stat`
 *   per job when nothing changed). Functions in project.ts (conditions, labels) are given the jobs the
 *   snapshot makes (`jobs()`), whose `doc` reads come from it too: they see what the built-in
 *   conditions see, as fast.
 *
 * A Job made by a Project always means the file system now: `job.doc` and `job.isFile()` read the
 * files at each call. No command changes that; a snapshot makes jobs of its own.
 */
import path from "node:path";
import type { DocumentCache } from "./document-cache.js";
import { Document, EMPTY, guardedDocument } from "./document.js";
import { Job, JOB_DOCUMENT_FILE } from "./job.js";
import type { Project } from "./project.js";
import { isPlainObject, type JsonObject, type JsonValue } from "./value.js";

export interface JobFiles {
  /** The job's document, for reading only (do not change it); empty when there is none. Throws when it cannot be read. */
  document(job: Job): Readonly<JsonObject>;
  /** Whether the job directory holds this file. */
  isFile(job: Job, name: string): boolean;
}

/** The files as they are now, at every question. */
export const LIVE_FILES: JobFiles = {
  document: (job) => job.doc.view(),
  isFile: (job, name) => job.isFile(name),
};

/** A document that could not be read: its error is raised at every question. */
class Unreadable {
  constructor(readonly error: unknown) {}
}

/** One moment of the project's documents: each job's read once, through a document cache. */
export class DocumentSnapshot implements JobFiles {
  private readonly read = new Map<string, Readonly<JsonObject> | Unreadable>();

  constructor(readonly cache: DocumentCache) {}

  document(job: Job): Readonly<JsonObject> {
    let doc = this.read.get(job.id);
    if (doc === undefined) {
      try {
        doc = this.cache.read(job.id, job.fn(JOB_DOCUMENT_FILE)) ?? EMPTY;
      } catch (error) {
        doc = new Unreadable(error);
      }
      this.read.set(job.id, doc);
    }
    if (doc instanceof Unreadable) throw doc.error;
    return doc;
  }

  isFile(job: Job, name: string): boolean {
    return job.isFile(name);
  }

  /** The project's jobs, reading their documents from this snapshot (writes go to the files). */
  jobs(project: Project): Job[] {
    const { jobIds, statepoints } = project.index;
    const prefix = project.workspace + path.sep;
    return jobIds.map((id, i) => new SnapshotJob(id, statepoints[i], prefix + id, project, this));
  }

  /** This process wrote the job's document: the next question reads the file again. */
  forget(jobId: string): void {
    this.read.delete(jobId);
  }
}

class SnapshotJob extends Job {
  constructor(id: string, sp: JsonObject, dir: string, project: Project, private readonly snapshot: DocumentSnapshot) {
    super(id, sp, dir, project);
  }

  override get doc(): Document {
    return guardedDocument(new SnapshotDocument(this, this.snapshot), "job.doc");
  }
}

/** A job's document whose reads come from a snapshot, as copies the caller may change. */
class SnapshotDocument extends Document {
  constructor(
    private readonly job: Job,
    private readonly snapshot: DocumentSnapshot,
  ) {
    super(job.fn(JOB_DOCUMENT_FILE), () => job.init());
  }

  override get data(): JsonObject {
    return copyJson(this.snapshot.document(this.job)) as JsonObject;
  }

  override view(): Readonly<JsonObject> {
    return this.snapshot.document(this.job);
  }

  override get(key: string): JsonValue | undefined {
    const data = this.view();
    return Object.hasOwn(data, key) ? copyJson(data[key]) : undefined;
  }

  override replace(data: JsonObject): void {
    super.replace(data);
    this.snapshot.forget(this.job.id);
  }
}

/** A deep copy of a JSON value (Floats are immutable and shared). */
function copyJson(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(copyJson);
  if (isPlainObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: copyJson(v[k]), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}
