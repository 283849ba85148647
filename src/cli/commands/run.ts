import os from "node:os";
import { Command } from "../../vendor/commander.js";
import type { Project } from "../../dataspace/project.js";
import { validateStatepoint } from "../../dataspace/project.js";
import { dumpJson } from "../../dataspace/json.js";
import { formatScalar } from "../../dataspace/multivalue.js";
import type { JsonObject } from "../../dataspace/value.js";
import { prepareItems, runItems, runPasses, type ExecutionEvents, type ItemsOptions, type RunSummary } from "../../execution/engine.js";
import { describeItem, flagItem, itemCommand, type ExecutionItem, type ExecutionResult } from "../../execution/execute.js";
import { eligibleItems, itemDirectives } from "../../execution/items.js";
import { machineResources, type MachineResources } from "../../execution/machine.js";
import { parseOrder, Planner, type Order, type Selection } from "../../workflow/planner.js";
import { expandBatch, InvocationGroup, splitRunArgs, withDefaults, type Batch, type GroupPlan } from "../../runs/batch.js";
import { Claims } from "../../runs/claims.js";
import { JournalWriter } from "../../runs/journal.js";
import { ClaimGate } from "../../execution/claim-gate.js";
import { shellWords } from "../../workflow/group-options.js";
import type { GroupDefinition } from "../../workflow/model.js";
import type { Workflow } from "../../workflow/workflow.js";
import { UserError } from "../../util/errors.js";
import { ProjectPlace } from "../../dataspace/root.js";
import { movedAway } from "../project.js";
import { out, warn } from "../context.js";
import { catchInterrupts } from "../interrupt.js";
import { parseCount, parseSeconds } from "../../util/numbers.js";
import { RunConsole } from "../run-console.js";
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

/** `--parallel [N]`: the number of CPU slots, or undefined when runs are serial. */
export function parseParallel(value: string | boolean | undefined): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return os.availableParallelism();
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new UserError(`--parallel ${value} is not a number of CPU slots of at least 1`, "give --parallel a whole number like 2, or nothing for every core; put it after the operation names");
  }
  return n;
}

/** The machine's resources for `--parallel`, or undefined when runs are serial. */
export function machineFor(parallel: string | boolean | undefined): MachineResources | undefined {
  const slots = parseParallel(parallel);
  return slots === undefined ? undefined : machineResources(slots);
}

export default async function run(positional: string[], cliOpts: RunCliOptions, command: Command): Promise<void> {
  const { project, workflow } = await loadProjectWorkflow();
  const { names, assignments } = splitRunArgs([...positional, ...(cliOpts.operation ?? [])]);
  const selected = workflow.select(names.length ? names : undefined, warn);
  // Without names, flag operations are left out: they have no jobs to become eligible on.
  const groups = names.length ? selected : selected.filter((g) => !isFlagGroup(workflow, g));
  const opts = withGroupRunOptions(cliOpts, groups, command);
  const order = parseOrder(opts.order);
  const numPasses = parseCount(opts.numPasses, "--num-passes");
  const limit = opts.num !== undefined ? parseCount(opts.num, "-n", 0) : undefined;
  const selection = selectionOf(opts);
  const machine = machineFor(opts.parallel);
  const timeoutMs = opts.timeout !== undefined ? parseSeconds(opts.timeout, "--timeout") * 1000 : undefined;
  // --needed reads the run catalog: its module is loaded only then, which a plain `cohort run` does not pay for.
  const needed = opts.needed ? await import("../../runs/completed.js") : undefined;
  const work = planWork(project, workflow, groups, names, assignments, opts, needed);
  if (opts.printRuns) {
    printFlagSets(work, Boolean(opts.json));
    return;
  }
  if (opts.pretend) {
    await pretend(project, workflow, work, selection, order, limit, machine);
    return;
  }
  // A batch of a flag operation knows how many runs it will make; one of job operations, as many as are eligible.
  const planned = work.jobGroups.length === 0 ? work.flagItems.length : undefined;
  const invocation = InvocationGroup.start(project.root, groupPlan(workflow, groups, work.batch, planned));
  const terminal = new RunConsole({ quiet: opts.quiet, prefix: machine !== undefined && machine.slots > 1 });
  const signal = catchInterrupts();
  const place = new ProjectPlace(project.root);
  const common = {
    place,
    keepGoing: opts.keepGoing,
    timeoutMs,
    machine,
    signal,
    echo: terminal.echo,
    onPass: (items: ExecutionItem[]) => terminal.planned(items),
    ...trackedEvents(terminal, invocation),
  };
  const remaining = () => (limit !== undefined ? limit - summary.results.length : undefined);
  let summary: RunSummary = { results: [], passes: 0 };
  try {
    if (work.flagItems.length > 0) summary = await runItems(project, workflow, work.flagItems, { ...common, limit });
    if (!summary.stopped && work.jobGroups.length > 0) {
      const jobs = work.statepoints ? await batchJobs(project, work.statepoints, signal) : selection;
      if (signal.aborted) summary = { ...summary, stopped: "interrupted" };
      else if (jobs && opts.force) summary = appendSummary(summary, await forceRun(project, workflow, work.jobGroups, jobs, { ...common, remaining }));
      else if (jobs) {
        // Runners sharing the project (other shells, cluster jobs) never run one (operation, aggregate) at once.
        const gate = new ClaimGate(new Claims(JournalWriter.of(project.root)));
        try {
          summary = appendSummary(summary, await runPasses(project, workflow, { ...common, gate, groups: work.jobGroups, selection: jobs, numPasses, limit: remaining(), order }));
        } finally {
          gate.close();
        }
        if (gate.skipped > 0) process.stderr.write(`cohort: ${gate.skipped} skipped: another runner of this project runs ${gate.skipped === 1 ? "it" : "them"}, or ran ${gate.skipped === 1 ? "it" : "them"} since this one began\n`);
      }
    }
  } catch (err) {
    throw movedAway(place, err);
  } finally {
    terminal.close();
  }
  invocation.finish();
  endIfMoved(summary, place, invocation);
  if (summary.stopped === "refused") {
    // An item of a later pass cannot fit: what ran before is summed up, then the refusal (exit code 2).
    if (summary.results.length > 0) reportSummary(summary.results, undefined, invocation);
    throw summary.refusal!;
  }
  reportSummary(summary.results, summary.stopped, invocation);
}

/** What one `cohort run` will do: flag runs, and job groups with the state points of a batch. */
interface Work {
  /** The flag runs, in order. */
  flagItems: ExecutionItem[];
  /** The job operations and FlowGroups selected. */
  jobGroups: GroupDefinition[];
  /** The state points of KEY=VALUE arguments for job groups (their jobs are made when the run starts). */
  statepoints?: JsonObject[];
  batch?: Batch;
}

function isFlagGroup(workflow: Workflow, group: GroupDefinition): boolean {
  return group.operations.some((name) => workflow.operation(name).flags !== undefined);
}

/** Checks the selection against the arguments and expands them into flag runs and state points. */
function planWork(
  project: Project,
  workflow: Workflow,
  groups: GroupDefinition[],
  names: string[],
  assignments: string[],
  opts: RunCliOptions,
  needed: typeof import("../../runs/completed.js") | undefined,
): Work {
  let flagGroups = groups.filter((g) => isFlagGroup(workflow, g));
  const jobGroups = groups.filter((g) => !isFlagGroup(workflow, g));
  for (const g of flagGroups) {
    if (!workflow.isSingleton(g)) {
      const op = g.operations.find((name) => workflow.operation(name).flags !== undefined)!;
      throw new UserError(`group ${g.name} holds the flag operation ${op}`, "a flag operation runs only by itself: cohort run " + op);
    }
  }
  if (opts.json && !opts.printRuns) throw new UserError("--json applies to --print-runs", "cohort run OPERATION KEY=VALUE... --print-runs --json");
  const maxRuns = opts.maxRuns !== undefined ? parseCount(opts.maxRuns, "--max-runs") : undefined;
  const seed = opts.seed !== undefined ? parseSeed(opts.seed) : undefined;
  const selectsJobs = Boolean(opts.jobId?.length || opts.filter?.length);
  let batch: Batch | undefined;
  if (assignments.length > 0) {
    if (names.length === 0) throw new UserError(`flag values ${assignments.join(" ")} name no operation`, "cohort run OPERATION KEY=VALUE ...");
    if (selectsJobs) throw new UserError("-j and -f cannot be combined with KEY=VALUE arguments", "a batch's flag sets choose its jobs");
    if (flagGroups.length > 0 && jobGroups.length > 0) {
      throw new UserError(
        `KEY=VALUE arguments cannot apply both to the flag operation ${flagGroups[0].name} and to ${jobGroups[0].name}`,
        "run flag operations and job operations in separate batches",
      );
    }
    batch = expandBatch(assignments, { maxRuns, seed });
  } else {
    if (maxRuns !== undefined || seed !== undefined) throw new UserError(`${maxRuns !== undefined ? "--max-runs" : "--seed"} applies to a batch`, "give KEY=VALUE arguments, e.g. lr=uniform[1e-4:1e-1]");
    if (opts.force) throw new UserError("--force applies to a batch of a job operation", "to run an operation ignoring its conditions: cohort exec OPERATION [IDS]");
    if (selectsJobs && flagGroups.length > 0) {
      warn(`-j and -f select jobs, and flag operations run on none: skipped ${flagGroups.map((g) => g.name).join(", ")}`);
      flagGroups = [];
    }
  }
  if (opts.force && flagGroups.length > 0) throw new UserError("--force applies to job operations", "a flag operation always runs when named");
  let flagItems = flagGroups.flatMap((g) => {
    const op = workflow.operation(g.operations[0]);
    return withDefaults(op.name, op.flags!, batch ? batch.sets : [{}]).map((flags) => flagItem(g, op, flags));
  });
  let statepoints = batch && jobGroups.length > 0 ? batch.sets.map((sp) => validateStatepoint(sp)) : undefined;
  if (needed) {
    if (!batch && flagItems.length === 0) throw new UserError("--needed applies to flag operations and batches", "without KEY=VALUE arguments, eligibility already skips what is complete");
    const completed = needed.completedRuns(project.root, groups.flatMap((g) => g.operations));
    const before = flagItems.length + (statepoints?.length ?? 0);
    flagItems = flagItems.filter((item) => !needed.hasCompletedFlags(completed, item.operation.name, item.flags!));
    statepoints = statepoints?.filter((sp) => {
      const id = project.openJob(sp).id;
      return !jobGroups.every((g) => g.operations.every((o) => completed.get(o)!.jobs.has(id)));
    });
    const skipped = before - flagItems.length - (statepoints?.length ?? 0);
    if (skipped > 0) process.stderr.write(`cohort: ${skipped} flag set${skipped === 1 ? "" : "s"} skipped: ${skipped === 1 ? "it has" : "they have"} a completed run (--needed)\n`);
  }
  return { flagItems, jobGroups, statepoints, batch };
}

function parseSeed(text: string): number {
  const n = Number(text);
  if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(n)) throw new UserError(`--seed ${text} is not a whole number`, "e.g. --seed 42");
  return n;
}

/** Makes the jobs of a batch's state points: they are the selection (undefined when there are none). */
async function batchJobs(project: Project, statepoints: JsonObject[], signal: AbortSignal): Promise<Selection | undefined> {
  if (statepoints.length === 0) return undefined;
  const { ids } = await project.initJobs(statepoints, { signal });
  return ids.length > 0 ? { ids: [...new Set(ids)] } : undefined;
}

/** `--print-runs`: the table of flag sets (or state points) that would run. */
function printFlagSets(work: Work, json: boolean): void {
  const ops = new Set(work.flagItems.map((i) => i.operation.name));
  if (ops.size > 1) throw new UserError(`--print-runs shows the flag sets of one operation, not of ${[...ops].join(", ")}`, "name one flag operation");
  const sets = work.statepoints ?? work.flagItems.map((i) => i.flags!);
  if (!work.statepoints && work.flagItems.length === 0) {
    if (work.jobGroups.length > 0) throw new UserError("--print-runs shows the flag sets of a batch or a flag operation", "give KEY=VALUE arguments, e.g. T={1.0,2.0}");
    out(json ? "[]\n" : "");
    return;
  }
  if (json) {
    out(dumpJson(sets) + "\n");
    return;
  }
  const keys = [...new Set(sets.flatMap((s) => Object.keys(s)))];
  const rows = sets.map((s, i) => [String(i + 1), ...keys.map((k) => (Object.hasOwn(s, k) ? formatScalar(s[k]) : ""))]);
  out(renderTable(["#", ...keys], rows) + "\n");
}

/** `--pretend`: what would run, with commands and resolved directives; runs nothing, makes no job. */
async function pretend(
  project: Project,
  workflow: Workflow,
  work: Work,
  selection: Selection,
  order: Order,
  limit: number | undefined,
  machine: MachineResources | undefined,
): Promise<void> {
  let items = work.flagItems;
  if (work.statepoints) {
    // The batch's jobs are made only when it runs: show its state points instead.
    printFlagSets({ ...work, flagItems: [] }, false);
    out("(the jobs of these state points are made when the batch runs)\n");
  } else if (work.jobGroups.length > 0) {
    const { items: eligible, raised } = await eligibleItems(new Planner(project, workflow, selection), work.jobGroups, order);
    if (raised.length > 0) throw raised[0].error;
    items = [...items, ...eligible];
  }
  if (work.statepoints && items.length === 0) return;
  const shown = limit !== undefined ? items.slice(0, limit) : items;
  if (machine) {
    const fit = prepareItems(workflow, shown, machine);
    if (fit instanceof UserError) throw fit;
  }
  const lines = shown.map((item) => {
    const command = itemCommand(project, item) ?? `${item.operation.name}(${item.aggregate.jobs.map((j) => j.id.slice(0, 8)).join(", ")})  [function]`;
    return `${describeItem(item)}\n  command: ${command}\n  directives: ${dumpJson(pretendDirectives(workflow, item))}\n`;
  });
  out(lines.join("") || "nothing is eligible\n");
}

/**
 * The directives `--pretend` shows for an item: all resolved ones, but `executable` only for a function
 * operation, where it is the interpreter (a shell command runs under /bin/sh whatever it says).
 */
export function pretendDirectives(workflow: Workflow, item: ExecutionItem): JsonObject {
  const directives = { ...itemDirectives(workflow, item) } as unknown as JsonObject;
  if (item.operation.body.kind === "command") delete directives.executable;
  return directives;
}

/**
 * The run group an invocation makes (SPEC §7): a batch for a batch; else a pipeline when a FlowGroup
 * that is not an operation's own is selected; else none.
 */
export function groupPlan(workflow: Workflow, groups: GroupDefinition[], batch: Batch | undefined, planned?: number): GroupPlan | undefined {
  if (batch?.isBatch) return { kind: "batch", details: { operation: groups.map((g) => g.name).join(" "), flags: batch.args }, planned };
  const flowgroups = groups.filter((g) => !workflow.isSingleton(g)).map((g) => g.name);
  if (flowgroups.length > 0) return { kind: "pipeline", details: { flowgroup: flowgroups.join(" ") } };
  return undefined;
}

/** The terminal's start and finish events, and the invocation's group, which each run joins as it is made. */
export function trackedEvents(terminal: RunConsole, invocation: InvocationGroup): Required<Pick<ExecutionEvents, "onStart" | "onFinish">> & { joins: () => string[] } {
  return {
    onStart: (item, run) => terminal.started(item, run),
    onFinish: (result) => terminal.finished(result),
    joins: () => invocation.forNewRun(),
  };
}

/**
 * `--force` in a batch of job operations: every member of each group runs on every job of the batch
 * whatever its conditions, one member after another (all jobs of the first, then of the second...),
 * so that members keep their order also with --parallel.
 */
async function forceRun(
  project: Project,
  workflow: Workflow,
  groups: GroupDefinition[],
  selection: Selection,
  opts: ItemsOptions & { remaining: () => number | undefined },
): Promise<RunSummary> {
  const planner = new Planner(project, workflow, selection);
  let summary: RunSummary = { results: [], passes: 0 };
  for (const group of groups) {
    for (const name of group.operations) {
      const operation = workflow.operation(name);
      const items = planner.aggregates(group).map((aggregate) => ({ group, operation, aggregate }));
      const left = opts.remaining();
      const limit = left !== undefined ? left - summary.results.length : undefined;
      if (limit !== undefined && limit <= 0) return { ...summary, stopped: "limit" };
      summary = appendSummary(summary, await runItems(project, workflow, items, { ...opts, limit }));
      if (summary.stopped) return summary;
    }
  }
  return summary;
}

function appendSummary(a: RunSummary, b: RunSummary): RunSummary {
  return { results: [...a.results, ...b.results], passes: a.passes + b.passes, stopped: b.stopped, refusal: b.refusal };
}

/** A summary stopped because the project moved away: the runs made, then the one-line error. */
export function endIfMoved(summary: RunSummary, place: ProjectPlace, invocation: InvocationGroup): void {
  if (summary.stopped !== "moved") return;
  reportSummary(summary.results, undefined, invocation);
  throw movedAway(place);
}

export function reportSummary(results: ExecutionResult[], stopped?: string, invocation?: InvocationGroup): void {
  const failed = results.filter((r) => r.exitCode !== 0);
  const lines = [`cohort: ${results.length} run${results.length === 1 ? "" : "s"}, ${results.length - failed.length} completed, ${failed.length} failed`];
  for (const r of failed) {
    lines.push(`  ${r.exitCode < 0 ? "terminated" : "error"}  ${describeItem(r.item)}  (run ${r.runName}): ${r.reason ?? `exit code ${r.exitCode}`}`);
  }
  if (stopped === "failure") lines.push("  stopped after the failure; --keep-going runs the rest");
  if (stopped === "interrupted") lines.push("  interrupted");
  if (invocation?.name) lines.push(`  the runs are in ${invocation.kind ?? "run"} group ${invocation.name}`);
  process.stderr.write(lines.join("\n") + "\n");
  if (failed.length > 0 || stopped === "interrupted") process.exitCode = stopped === "interrupted" ? 130 : 1;
}

/** Options a group carries (`run_options`), for those the command line left at their defaults. */
const GROUP_OPTIONS = ["numPasses", "order", "keepGoing", "timeout"] as const;

function withGroupRunOptions(opts: RunCliOptions, groups: GroupDefinition[], command: Command): RunCliOptions {
  const withOptions = groups.filter((g) => g.runOptions);
  if (withOptions.length === 0) return opts;
  const texts = new Set(withOptions.map((g) => g.runOptions));
  if (texts.size > 1 || withOptions.length !== groups.length) {
    warn("the selected groups have different run_options; none of them is applied");
    return opts;
  }
  const parser = new Command("run_options")
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .option("--num-passes <n>")
    .option("--order <order>")
    .option("--keep-going")
    .option("--timeout <seconds>");
  const text = withOptions[0].runOptions!;
  try {
    parser.parse(shellWords(text), { from: "user" });
  } catch (err) {
    throw new UserError(`run_options of group ${withOptions[0].name} are not valid: ${(err as Error).message.replace(/^error: /, "")}`, "they take --num-passes, --order, --keep-going and --timeout");
  }
  const fromGroup = parser.opts<Partial<RunCliOptions>>();
  const merged: RunCliOptions = { ...opts };
  for (const key of GROUP_OPTIONS) {
    if (fromGroup[key] !== undefined && command.getOptionValueSource(key) !== "cli") (merged as unknown as Record<string, unknown>)[key] = fromGroup[key];
  }
  return merged;
}
