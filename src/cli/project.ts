import { openProject, type Project } from "../dataspace/project.js";
import type { ProjectPlace } from "../dataspace/root.js";
import { UserError } from "../util/errors.js";
import { warnLater } from "./context.js";

/**
 * Opens the project of the working directory and warns once about job directories it had to skip
 * (held back: a command that fails with the user's mistake prints that one line only).
 */
export function loadProject(opts: { index?: boolean } = {}): Project {
  const project = openProject(process.cwd());
  if (opts.index !== false) warnInvalid(project);
  return project;
}

/** Reads the project's job index (when not read yet) and warns once of the job directories it skips. */
export function warnInvalid(project: Project): void {
  const bad = project.index.invalid.length;
  if (bad > 0) warnLater(`${bad} job ${bad === 1 ? "directory is" : "directories are"} invalid and skipped (run 'cohort check')`);
}

/**
 * What `run` and `exec` say when the project moved away while they ran (ProjectPlace): what failed on
 * the way (a path that is gone) is this, and `err` otherwise.
 */
export function movedAway(place: ProjectPlace, err?: unknown): unknown {
  if (!place.moved()) return err;
  return new UserError(
    `the project ${place.root} was moved or removed while cohort ran: nothing more was started, and the runs that had started are recorded in it`,
    "run cohort again where the project is now",
  );
}
