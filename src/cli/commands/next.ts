import { Planner } from "../../workflow/planner.js";
import { out } from "../context.js";
import { loadProjectWorkflow } from "../workflow.js";

/** Prints the ids of the jobs (aggregates) on which an operation is eligible. */
export default async function next(operation: string): Promise<void> {
  const { project, workflow } = await loadProjectWorkflow();
  const op = workflow.operation(operation);
  const planner = new Planner(project, workflow);
  const aggs = await planner.eligibleAggregates(workflow.groups.get(op.name)!, op);
  out(aggs.map((a) => a.id + "\n").join(""));
}
