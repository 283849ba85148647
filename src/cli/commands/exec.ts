import { prepareItems, runConcurrently } from "../../execution/engine.js";
import { execute, type ExecutionItem, type ExecutionResult } from "../../execution/execute.js";
import { poolOf } from "../../execution/machine.js";
import { Planner } from "../../execution/plan.js";
import { UserError } from "../../util/errors.js";
import { catchInterrupts } from "../interrupt.js";
import { parseSeconds } from "../numbers.js";
import { RunConsole } from "../run-output.js";
import { loadProjectWorkflow } from "../workflow.js";
import { machineFor, reportSummary } from "./run.js";

export interface ExecCliOptions {
  timeout?: string;
  parallel?: string | boolean;
  quiet?: boolean;
}

/** Runs an operation on the given jobs (all when none are given), ignoring its conditions. */
export default async function exec(operation: string, ids: string[], opts: ExecCliOptions): Promise<void> {
  const { project, workflow } = await loadProjectWorkflow();
  const op = workflow.operation(operation);
  const group = workflow.groups.get(op.name)!;
  const planner = new Planner(project, workflow, { ids });
  const machine = machineFor(opts.parallel);
  const timeoutMs = opts.timeout !== undefined ? parseSeconds(opts.timeout, "--timeout") * 1000 : undefined;
  const items: ExecutionItem[] = planner.aggregates(group).map((aggregate) => ({ group, operation: op, aggregate }));
  const prepared = machine ? prepareItems(workflow, items, machine) : undefined;
  if (prepared instanceof UserError) throw prepared;
  const signal = catchInterrupts();
  const terminal = new RunConsole({ quiet: opts.quiet, prefix: machine !== undefined && machine.slots > 1 });
  const events = {
    onStart: terminal.started.bind(terminal),
    onFinish: terminal.finished.bind(terminal),
  };
  let results: ExecutionResult[] = [];
  let stopped: string | undefined;
  try {
    terminal.planned(items);
    if (machine && prepared) {
      const batch = await runConcurrently(project, workflow, prepared, poolOf(machine), {
        machine,
        keepGoing: true,
        signal,
        timeoutMs,
        echo: terminal.echo,
        ...events,
      });
      results = batch.results;
      stopped = batch.stopped;
    } else {
      for (const item of items) {
        if (signal.aborted) break;
        const result = await execute(project, workflow, item, { signal, timeoutMs, echo: terminal.echo }, { onRun: (run) => events.onStart(item, run) });
        results.push(result);
        events.onFinish(result);
      }
    }
  } finally {
    terminal.close();
  }
  reportSummary(results, signal.aborted ? "interrupted" : stopped);
}
