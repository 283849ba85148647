import { jobId } from "../../dataspace/id.js";
import { out } from "../context.js";
import { parseStatepointArgs } from "../statepoint-arg.js";

/** Computes an id only: works outside any project. */
export default function jobIdCommand(args: string[]): void {
  out(jobId(parseStatepointArgs(args)) + "\n");
}
