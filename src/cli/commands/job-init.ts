import { out } from "../context.js";
import { loadProject } from "../project.js";
import { parseStatepointArgs } from "../statepoint-arg.js";

export default function jobInit(args: string[]): void {
  const sp = parseStatepointArgs(args);
  // One job needs no index: the next command sees it through the workspace's modification time.
  const job = loadProject({ index: false }).openJob(sp).init();
  out(job.id + "\n");
}
