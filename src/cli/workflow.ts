import type { Project } from "../dataspace/project.js";
import { parseFilterArgs } from "../dataspace/filter.js";
import type { Selection } from "../workflow/planner.js";
import { loadWorkflow } from "../workflow/load.js";
import type { Workflow } from "../workflow/workflow.js";
import { loadProject, warnInvalid } from "./project.js";

/** The project of the working directory and its workflow. */
export async function loadProjectWorkflow(): Promise<{ project: Project; workflow: Workflow }> {
  // The jobs are listed once the workflow has loaded: a project module may make jobs as it loads.
  const project = loadProject({ index: false });
  const workflow = await loadWorkflow(project);
  warnInvalid(project);
  return { project, workflow };
}

/** `-j IDS` and `-f FILTER` into a selection of jobs and aggregates. */
export function selectionOf(opts: { jobId?: string[]; filter?: string[] }): Selection {
  return { ids: opts.jobId, filter: opts.filter && opts.filter.length ? parseFilterArgs(opts.filter) : undefined };
}
