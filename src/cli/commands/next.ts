import { dumpJson } from "../../dataspace/json.js";
import { UserError } from "../../util/errors.js";
import { Planner } from "../../workflow/planner.js";
import { out } from "../context.js";
import { loadProjectWorkflow } from "../workflow.js";

/** Prints the ids of the jobs (aggregates) on which an operation is eligible. */
export default async function next(operation: string, opts: { json?: boolean } = {}): Promise<void> {
  const { project, workflow } = await loadProjectWorkflow();
  const op = workflow.operation(operation);
  // A flag operation runs on no job: without conditions it would read as eligible on every one.
  if (op.flags !== undefined) throw new UserError(`${op.name} is a flag operation, which runs on no job`, `cohort run ${op.name} runs it; cohort runs -o ${op.name} lists its runs`);
  const planner = new Planner(project, workflow);
  const aggs = await planner.eligibleAggregates(workflow.groups.get(op.name)!, op);
  if (opts.json) out(dumpJson(aggs.map((a) => ({ id: a.id, jobs: a.jobs.map((j) => j.id) }))) + "\n");
  else out(aggs.map((a) => a.id + "\n").join(""));
}
