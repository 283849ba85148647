import type { Command } from "commander";
import { dumpJson } from "../../dataspace/json.js";
import { formatScalar } from "../../dataspace/multivalue.js";
import { ProjectPlace } from "../../dataspace/root.js";
import type { JsonObject } from "../../dataspace/value.js";
import { commandOf, describeItem, itemCommand } from "../../execution/execute.js";
import type { ExecutionItem } from "../../execution/items.js";
import { flagSetsOf, planRun, pretendDirectives, pretendItems, runPlan, type RunPlan } from "../../execution/invocation.js";
import { machineFor, takeGpuShare } from "../../execution/machine.js";
import { splitRunArgs } from "../../runs/batch.js";
import { errorText, UserError } from "../../util/errors.js";
import { parseCount, parseSeconds } from "../../util/numbers.js";
import { parseOrder } from "../../workflow/planner.js";
import type { Project } from "../../dataspace/project.js";
import type { Workflow } from "../../workflow/workflow.js";
import type { RunContext } from "../../workflow/model.js";
import { liveJobIds } from "../../schedulers/tracking.js";
import { movedAway } from "../project.js";
import { out, warn } from "../context.js";
import { catchInterrupts, STOPPING_RUNS } from "../interrupt.js";
import { endIfMoved, reportClaimedElsewhere, reportSummary, RunConsole } from "../run-console.js";
import { renderTable } from "../table.js";
import { loadProjectWorkflow, selectionOf } from "../workflow.js";

export interface RunCliOptions {
  operation?: string[];
  jobId?: string[];
  filter?: string[];
  num?: string;
  numPasses: string;
  order: string;
  pretend?: boolean;
  keepGoing?: boolean;
  timeout?: string;
  /** `--parallel` alone is `true`: every core. */
  parallel?: string | boolean;
  quiet?: boolean;
  /** A batch of job operations: run on its jobs whatever their conditions. */
  force?: boolean;
  printRuns?: boolean;
  json?: boolean;
  needed?: boolean;
  maxRuns?: string;
  seed?: string;
}

/** `cohort run`: reads the arguments, has the library plan and run them (execution/invocation.ts), prints. */
export default async function run(positional: string[], opts: RunCliOptions, command: Command): Promise<void> {
  // (first: the project's module, loaded next, sees the GPUs of this member of a bundle too)
  takeGpuShare();
  const { project, workflow } = await loadProjectWorkflow();
  const { names, assignments } = splitRunArgs([...positional, ...(opts.operation ?? [])]);
  // Options left at their defaults are left to the groups' run_options.
  const given = (key: keyof RunCliOptions) => command.getOptionValueSource(key) === "cli";
  const plan = await planRun(project, workflow, {
    names,
    assignments,
    selection: selectionOf(opts),
    limit: opts.num !== undefined ? parseCount(opts.num, "-n", 0) : undefined,
    numPasses: given("numPasses") ? parseCount(opts.numPasses, "--num-passes") : undefined,
    order: given("order") ? parseOrder(opts.order) : undefined,
    keepGoing: opts.keepGoing,
    timeout: opts.timeout !== undefined ? parseSeconds(opts.timeout, "--timeout") : undefined,
    machine: machineFor(opts.parallel),
    force: opts.force,
    needed: opts.needed,
    maxRuns: opts.maxRuns !== undefined ? parseCount(opts.maxRuns, "--max-runs") : undefined,
    seed: opts.seed !== undefined ? parseSeed(opts.seed) : undefined,
    printRuns: opts.printRuns,
    json: opts.json,
    warn,
  });
  const skipped = plan.neededSkipped;
  if (skipped > 0) process.stderr.write(`cohort: ${skipped} flag set${skipped === 1 ? "" : "s"} skipped: ${skipped === 1 ? "it has" : "they have"} a completed run (--needed)\n`);
  if (opts.printRuns) {
    const sets = flagSetsOf(plan);
    if (sets) printFlagSets(sets, Boolean(opts.json));
    else out(opts.json ? "[]\n" : "");
    return;
  }
  if (opts.pretend) {
    await pretend(project, workflow, plan);
    return;
  }
  const terminal = new RunConsole({ quiet: opts.quiet, prefix: plan.machine !== undefined && plan.machine.slots > 1 });
  const signal = catchInterrupts(STOPPING_RUNS);
  const place = new ProjectPlace(project.root);
  let result;
  try {
    result = await runPlan(project, workflow, plan, { ...terminal.events(), signal, place, liveJobIds: (scheduler) => liveJobIds(scheduler, warn) });
  } catch (err) {
    throw movedAway(place, err);
  } finally {
    terminal.close();
  }
  const { summary, group, claimedElsewhere: n } = result;
  reportClaimedElsewhere(n, Boolean(plan.force));
  endIfMoved(summary, place, group);
  if (summary.stopped === "refused") {
    // An item of a later pass cannot fit: what ran before is summed up, then the refusal (exit code 2).
    if (summary.results.length > 0) reportSummary(summary.results, undefined, group);
    throw summary.refusal!;
  }
  reportSummary(summary.results, summary.stopped, group);
}

function parseSeed(text: string): number {
  const n = Number(text);
  if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(n)) throw new UserError(`--seed ${text} is not a whole number`, "e.g. --seed 42");
  return n;
}

/** `--print-runs`: the table of flag sets (or state points) that would run. */
function printFlagSets(sets: JsonObject[], json: boolean): void {
  if (json) {
    out(dumpJson(sets) + "\n");
    return;
  }
  const keys = [...new Set(sets.flatMap((s) => Object.keys(s)))];
  const rows = sets.map((s, i) => [String(i + 1), ...keys.map((k) => (Object.hasOwn(s, k) ? formatScalar(s[k]) : ""))]);
  out(renderTable(["#", ...keys], rows) + "\n");
}

/** `--pretend`: what would run, with commands and resolved directives; runs nothing, makes no job. */
async function pretend(project: Project, workflow: Workflow, plan: RunPlan): Promise<void> {
  if (plan.statepoints) {
    // The batch's jobs are made only when it runs: show its state points instead.
    printFlagSets(plan.statepoints, false);
    out("(the jobs of these state points are made when the batch runs)\n");
    return;
  }
  const lines: string[] = [];
  for (const item of await pretendItems(project, workflow, plan)) {
    const command = itemCommand(project, item) ?? (await functionCommand(item));
    lines.push(`${describeItem(item)}\n  command: ${command}\n  directives: ${dumpJson(pretendDirectives(workflow, item))}\n`);
  }
  out(lines.join("") || "nothing is eligible\n");
}

/** What `--pretend` shows for a function operation's command: its call, or for a `cmd` function the command it returns. */
async function functionCommand(item: ExecutionItem): Promise<string> {
  const call = `${item.operation.name}(${item.aggregate.jobs.map((j) => j.id.slice(0, 8)).join(", ")})  [function]`;
  const body = item.operation.body;
  if (body.kind !== "function" || !body.cmd) return call;
  // The shell command is what runs, and what a user checks before running: as signac-flow's --pretend
  // does, the function is called for it (a cmd function builds a string); this.log records nothing here.
  const self: RunContext = { id: "", name: "", log: () => undefined };
  try {
    const args: unknown[] = item.flags ? [item.flags] : item.aggregate.jobs;
    return commandOf(item.operation, await (body.fn as (...a: unknown[]) => unknown).apply(self, args));
  } catch (err) {
    return `${call}, which would fail: ${errorText(err)}`;
  }
}
