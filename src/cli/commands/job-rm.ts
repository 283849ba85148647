import { loadProject } from "../project.js";

export default function jobRm(prefixes: string[]): void {
  const project = loadProject();
  const ids = [...new Set(prefixes.map((p) => project.resolveJobId(p)))];
  project.removeJobs(ids);
  for (const id of ids) process.stderr.write(`removed ${id}\n`);
}
