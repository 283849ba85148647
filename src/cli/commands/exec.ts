import { runItems } from "../../execution/engine.js";
import { flagItem, type ExecutionItem } from "../../execution/execute.js";
import { Planner } from "../../workflow/planner.js";
import { expandBatch, InvocationGroup, splitRunArgs, withDefaults, type Batch } from "../../runs/batch.js";
import { UserError } from "../../util/errors.js";
import { ProjectPlace } from "../../dataspace/root.js";
import { movedAway } from "../project.js";
import { catchInterrupts } from "../interrupt.js";
import { parseSeconds } from "../../util/numbers.js";
import { RunConsole } from "../run-console.js";
import { loadProjectWorkflow } from "../workflow.js";
import { endIfMoved, groupPlan, machineFor, reportSummary, trackedEvents } from "./run.js";

export interface ExecCliOptions {
  timeout?: string;
  parallel?: string | boolean;
  quiet?: boolean;
}

/**
 * Runs an operation on the given jobs (all when none are given), ignoring its conditions; a flag
 * operation once per flag set of its KEY=VALUE arguments (its defaults without any).
 */
export default async function exec(operation: string, args: string[], opts: ExecCliOptions): Promise<void> {
  const { project, workflow } = await loadProjectWorkflow();
  const op = workflow.operation(operation);
  const group = workflow.groups.get(op.name)!;
  const { names: ids, assignments } = splitRunArgs(args);
  let items: ExecutionItem[];
  let batch: Batch | undefined;
  if (op.flags) {
    if (ids.length > 0) throw new UserError(`${op.name} is a flag operation: it runs on no job, not on ${ids.join(" ")}`, "give its flags as KEY=VALUE");
    batch = assignments.length > 0 ? expandBatch(assignments) : undefined;
    items = withDefaults(op.name, op.flags, batch ? batch.sets : [{}]).map((flags) => flagItem(group, op, flags));
  } else {
    if (assignments.length > 0) {
      throw new UserError(`${op.name} takes no flags: ${assignments[0]}`, `to run it on the jobs of state points: cohort run ${op.name} ${assignments.join(" ")} --force`);
    }
    items = new Planner(project, workflow, { ids }).aggregates(group).map((aggregate) => ({ group, operation: op, aggregate }));
  }
  const machine = machineFor(opts.parallel);
  const timeoutMs = opts.timeout !== undefined ? parseSeconds(opts.timeout, "--timeout") * 1000 : undefined;
  const invocation = InvocationGroup.start(project.root, groupPlan(workflow, [group], batch, items.length));
  const signal = catchInterrupts();
  const place = new ProjectPlace(project.root);
  const terminal = new RunConsole({ quiet: opts.quiet, prefix: machine !== undefined && machine.slots > 1 });
  let summary;
  try {
    summary = await runItems(project, workflow, items, {
      place,
      machine,
      keepGoing: true,
      signal,
      timeoutMs,
      echo: terminal.echo,
      onPass: (planned) => terminal.planned(planned),
      ...trackedEvents(terminal, invocation),
    });
  } catch (err) {
    throw movedAway(place, err);
  } finally {
    terminal.close();
  }
  invocation.finish();
  if (summary.stopped === "refused") throw summary.refusal!;
  endIfMoved(summary, place, invocation);
  reportSummary(summary.results, signal.aborted ? "interrupted" : summary.stopped, invocation);
}
