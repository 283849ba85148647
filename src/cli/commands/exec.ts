import { ProjectPlace } from "../../dataspace/root.js";
import { planExec, runExec } from "../../execution/exec-operation.js";
import { machineFor } from "../../execution/machine.js";
import { splitRunArgs } from "../../runs/batch.js";
import { parseSeconds } from "../../util/numbers.js";
import { liveJobIds } from "../../schedulers/tracking.js";
import { warn } from "../context.js";
import { movedAway } from "../project.js";
import { catchInterrupts, STOPPING_RUNS } from "../interrupt.js";
import { endIfMoved, reportClaimedElsewhere, reportSummary, RunConsole } from "../run-console.js";
import { loadProjectWorkflow } from "../workflow.js";

export interface ExecCliOptions {
  timeout?: string;
  parallel?: string | boolean;
  quiet?: boolean;
}

/** `cohort exec`: reads the arguments, has the library run the operation (execution/invocation.ts), prints. */
export default async function exec(operation: string, args: string[], opts: ExecCliOptions): Promise<void> {
  const { project, workflow } = await loadProjectWorkflow();
  const { names, assignments } = splitRunArgs(args);
  const machine = machineFor(opts.parallel);
  const timeout = opts.timeout !== undefined ? parseSeconds(opts.timeout, "--timeout") : undefined;
  const plan = planExec(project, workflow, { operation, names, assignments, timeout, machine });
  const signal = catchInterrupts(STOPPING_RUNS);
  const place = new ProjectPlace(project.root);
  const terminal = new RunConsole({ quiet: opts.quiet, prefix: machine !== undefined && machine.slots > 1 });
  let result;
  try {
    result = await runExec(project, workflow, plan, { ...terminal.events(), signal, place, liveJobIds: (scheduler) => liveJobIds(scheduler, warn) });
  } catch (err) {
    throw movedAway(place, err);
  } finally {
    terminal.close();
  }
  const { summary, group, claimedElsewhere } = result;
  if (summary.stopped === "refused") throw summary.refusal!;
  endIfMoved(summary, place, group);
  reportClaimedElsewhere(claimedElsewhere, true);
  reportSummary(summary.results, signal.aborted ? "interrupted" : summary.stopped, group);
  // What exec was asked to run and did not is a failure of the command (exit code 1), as a failed run is.
  if (claimedElsewhere > 0 && !process.exitCode) process.exitCode = 1;
}
