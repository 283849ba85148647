import { execute, describeItem, type ExecutionResult } from "../../execution/execute.js";
import { Planner } from "../../execution/plan.js";
import { catchInterrupts } from "../interrupt.js";
import { parseSeconds } from "../numbers.js";
import { loadProjectWorkflow } from "../workflow.js";
import { reportSummary } from "./run.js";

/** Runs an operation on the given jobs (all when none are given), ignoring its conditions. */
export default async function exec(operation: string, ids: string[], opts: { timeout?: string }): Promise<void> {
  const { project, workflow } = await loadProjectWorkflow();
  const op = workflow.operation(operation);
  const group = workflow.groups.get(op.name)!;
  const planner = new Planner(project, workflow, { ids });
  const signal = catchInterrupts();
  const terminal = process.stdout.write.bind(process.stdout);
  const results: ExecutionResult[] = [];
  for (const aggregate of planner.aggregates(group)) {
    if (signal.aborted) break;
    const item = { group, operation: op, aggregate };
    process.stderr.write(`cohort: ${describeItem(item)}\n`);
    results.push(
      await execute(project, workflow, item, {
        signal,
        timeoutMs: opts.timeout !== undefined ? parseSeconds(opts.timeout, "--timeout") * 1000 : undefined,
        echo: (chunk) => terminal(chunk),
      }),
    );
  }
  reportSummary(results, signal.aborted ? "interrupted" : undefined);
}
