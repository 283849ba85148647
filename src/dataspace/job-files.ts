/**
 * How cohort's own conditions see a job's files during one command: the built-in `isfile` and
 * `true`/`false` conditions, `-f doc.…` filters and `-p doc.…` columns ask a JobFiles, which the
 * command chooses and hands to the Planner (execution/plan.ts).
 *
 * - `run`, `next`, `exec` use LIVE_FILES: the files as they are at each question, since operations
 *   change them between passes.
 * - `status` and `submit` change nothing, and show one moment of the project: they use a
 *   DocumentSnapshot, which reads each job's document once, through the document cache (one `stat`
 *   per job when nothing changed).
 *
 * A `Job` itself always means the file system now: `job.doc` and `job.isFile()` read the files at each
 * call. That is also what user code (condition and label functions in project.ts) sees: a function
 * that reads a document reads its file.
 */
import type { DocumentCache } from "./document-cache.js";
import { EMPTY } from "./document.js";
import { JOB_DOCUMENT_FILE, type Job } from "./job.js";
import type { JsonObject } from "./value.js";

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
}
