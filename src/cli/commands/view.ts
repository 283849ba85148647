import path from "node:path";
import { parseFilterArgs } from "../../dataspace/filter.js";
import { updateView, viewPaths } from "../../dataspace/view.js";
import { UserError } from "../../util/errors.js";
import { out } from "../context.js";
import { loadProject } from "../project.js";

/** `cohort view [DIR]`: a linked view of the jobs (dataspace/view.ts), made or brought up to date. */
export default function view(dir: string | undefined, opts: { filter?: string[]; jobId?: string[] }): void {
  const project = loadProject();
  const target = path.resolve(dir ?? path.join(project.root, "view"));
  for (const own of [project.workspace, project.dataDir, path.join(project.root, ".signac")]) {
    if (target === own || target.startsWith(own + path.sep)) throw new UserError(`a view cannot be made in ${path.relative(project.root, own)}/, which is the project's own`, "name a directory of its own, such as view");
  }
  if (target === project.root || project.root.startsWith(target + path.sep)) throw new UserError("a view cannot be made in the project's directory or above it", "name a directory of its own, such as view");
  let jobs = opts.filter ? project.find(parseFilterArgs(opts.filter)) : project.jobs();
  if (opts.jobId) {
    const ids = new Set(opts.jobId.map((p) => project.resolveJobId(p)));
    jobs = jobs.filter((j) => ids.has(j.id));
  }
  const r = updateView(target, viewPaths(jobs));
  const shown = path.relative(process.cwd(), target) || ".";
  out(`${shown}: ${jobs.length} job${jobs.length === 1 ? "" : "s"} (${r.made} link${r.made === 1 ? "" : "s"} made, ${r.removed} removed, ${r.kept} unchanged)\n`);
}
