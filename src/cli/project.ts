import { openProject, type Project } from "../dataspace/project.js";
import { warn } from "./context.js";

/** Opens the project of the working directory and warns once about job directories it had to skip. */
export function loadProject(opts: { index?: boolean } = {}): Project {
  const project = openProject(process.cwd());
  if (opts.index !== false) {
    const bad = project.index.invalid.length;
    if (bad > 0) warn(`${bad} job ${bad === 1 ? "directory is" : "directories are"} invalid and skipped (run 'cohort check')`);
  }
  return project;
}
