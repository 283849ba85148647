import fs from "node:fs";
import path from "node:path";
import { expandGrid, parseAssignments } from "../../dataspace/multivalue.js";
import { findProjectRoot, initProject } from "../../dataspace/project.js";
import { shellQuote } from "../../workflow/placeholders.js";
import { UserError } from "../../util/errors.js";
import { catchInterrupts } from "../interrupt.js";
import { progressBar } from "../progress.js";

export default async function init(args: string[], opts: { name?: string }): Promise<void> {
  const dirs = args.filter((a) => !a.includes("="));
  const assignments = args.filter((a) => a.includes("="));
  if (dirs.length > 1) throw new UserError(`init takes one directory, got ${dirs.join(", ")}`, "grid values are KEY=VALUES");
  // (a state point written as JSON would otherwise become a directory of that name)
  if (dirs.length === 1 && /^\s*[{[]/.test(dirs[0])) {
    throw new UserError(`${dirs[0]} looks like a state point, not a directory`, `init takes KEY=VALUES grids; cohort job init ${shellQuote(dirs[0])} makes one job from JSON`);
  }
  // cohort.toml refuses an empty name: init would write a project that does not load.
  if (opts.name === "") throw new UserError("--name must not be empty", "e.g. --name demo, or leave it out: the directory's name is used");
  const dir = path.resolve(dirs[0] ?? ".");
  // The grid is read first: bad input makes nothing.
  const sps = assignments.length > 0 ? expandGrid(parseAssignments(assignments)) : [];
  const existed = isProject(dir);
  const project = initProject(dir, opts.name);
  if (!existed) process.stderr.write(`Initialized project in ${project.root}\n`);
  if (assignments.length === 0) return;
  const bar = progressBar("creating jobs", sps.length);
  const { ids, created } = await project.initJobs(sps, { onProgress: (n) => bar.update(n), signal: catchInterrupts("stopping after the job in hand") });
  bar.stop();
  process.stderr.write(`${created} job${created === 1 ? "" : "s"} created, ${ids.length - created} existed${ids.length < sps.length ? `; stopped after ${ids.length} of ${sps.length}` : ""}\n`);
  if (ids.length < sps.length) process.exitCode = 130;
}

function isProject(dir: string): boolean {
  if (!fs.existsSync(dir)) return false;
  try {
    return findProjectRoot(dir) === dir;
  } catch {
    return false;
  }
}
