/**
 * What one `cohort run` invocation does (SPEC §4, §5, §7), apart from reading its arguments and
 * printing (`cohort exec`: exec-operation.ts):
 *
 * - Flag operations run once per flag set (`KEY=VALUE` arguments, or their defaults); job operations
 *   and FlowGroups run in passes on the eligible aggregates, or, for a batch of state points, on the
 *   jobs the batch makes (`--force`: on all of them, whatever their conditions).
 * - `--needed` leaves out flag sets and state points that already have a completed run.
 * - A group's `run_options` apply for the options the command line left out.
 * - The runs join one run group: a `batch` for a batch, a `pipeline` for a FlowGroup (groupPlan).
 */
import type { Project } from "../dataspace/project.js";
import { validateStatepoint } from "../dataspace/project.js";
import type { ProjectPlace } from "../dataspace/root.js";
import type { JsonObject } from "../dataspace/value.js";
import { Claims } from "../runs/claims.js";
import { expandBatch, InvocationGroup, withDefaults, type Batch, type GroupPlan } from "../runs/batch.js";
import { JournalWriter } from "../runs/journal.js";
import { UserError } from "../util/errors.js";
import { parseCount, parseSeconds } from "../util/numbers.js";
import { groupOptionWords } from "../workflow/group-options.js";
import type { GroupDefinition } from "../workflow/model.js";
import { parseOrder, Planner, type Order, type Selection } from "../workflow/planner.js";
import type { Workflow } from "../workflow/workflow.js";
import { ClaimGate } from "./claim-gate.js";
import { prepareItems, runItems, runPasses, type ExecutionEvents, type ItemsOptions, type RunSummary } from "./engine.js";
import { flagItem, type ExecutionItem, type RunInfo } from "./execute.js";
import { eligibleItems, itemDirectives } from "./items.js";
import type { MachineResources } from "./machine.js";

/** What `cohort run` was asked to do, as its arguments say it. */
export interface RunRequest {
  /** Names (or patterns) of operations and groups; none: every job operation and group. */
  names: string[];
  /** `KEY=VALUE` arguments: flag sets, or the state points of a batch. */
  assignments: string[];
  /** `-j`, `-f`. */
  selection: Selection;
  /** `-n`: at most this many runs. */
  limit?: number;
  /** `--num-passes`, `--order`, `--keep-going`, `--timeout` (seconds): undefined when not given, for run_options to set. */
  numPasses?: number;
  order?: Order;
  keepGoing?: boolean;
  timeout?: number;
  machine?: MachineResources;
  force?: boolean;
  needed?: boolean;
  maxRuns?: number;
  seed?: number;
  /** `--print-runs --json` (JSON applies only there). */
  printRuns?: boolean;
  json?: boolean;
  warn?: (message: string) => void;
}

/** What one `cohort run` will do. */
export interface RunPlan {
  /** The groups selected (without names, job operations and groups only). */
  groups: GroupDefinition[];
  /** The flag runs, in order. */
  flagItems: ExecutionItem[];
  /** The job operations and FlowGroups selected. */
  jobGroups: GroupDefinition[];
  /** The state points of KEY=VALUE arguments for job groups (their jobs are made when the run starts). */
  statepoints?: JsonObject[];
  batch?: Batch;
  /** Flag sets and state points left out by `--needed`. */
  neededSkipped: number;
  selection: Selection;
  limit?: number;
  numPasses: number;
  order: Order;
  keepGoing: boolean;
  timeoutMs?: number;
  machine?: MachineResources;
  force: boolean;
}

function isFlagGroup(workflow: Workflow, group: GroupDefinition): boolean {
  return group.operations.some((name) => workflow.operation(name).flags !== undefined);
}

/** Checks the request against the workflow and expands its arguments into flag runs and state points. */
export async function planRun(project: Project, workflow: Workflow, request: RunRequest): Promise<RunPlan> {
  const { names, assignments } = request;
  const warn = request.warn ?? (() => {});
  const selected = workflow.select(names.length ? names : undefined, warn);
  // Without names, flag operations are left out: they have no jobs to become eligible on.
  const groups = names.length ? selected : selected.filter((g) => !isFlagGroup(workflow, g));
  const fromGroups = groupRunOptions(groups, warn);
  let flagGroups = groups.filter((g) => isFlagGroup(workflow, g));
  const jobGroups = groups.filter((g) => !isFlagGroup(workflow, g));
  for (const g of flagGroups) {
    if (!workflow.isSingleton(g)) {
      const op = g.operations.find((name) => workflow.operation(name).flags !== undefined)!;
      throw new UserError(`group ${g.name} holds the flag operation ${op}`, "a flag operation runs only by itself: cohort run " + op);
    }
  }
  if (request.json && !request.printRuns) throw new UserError("--json applies to --print-runs", "cohort run OPERATION KEY=VALUE... --print-runs --json");
  const { maxRuns, seed } = request;
  const selectsJobs = Boolean(request.selection.ids?.length || request.selection.filter);
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
    if (request.force) throw new UserError("--force applies to a batch of a job operation", "to run an operation ignoring its conditions: cohort exec OPERATION [IDS]");
    if (selectsJobs && flagGroups.length > 0) {
      warn(`-j and -f select jobs, and flag operations run on none: skipped ${flagGroups.map((g) => g.name).join(", ")}`);
      flagGroups = [];
    }
  }
  if (request.force && flagGroups.length > 0) throw new UserError("--force applies to job operations", "a flag operation always runs when named");
  const flagItems = flagGroups.flatMap((g) => {
    const op = workflow.operation(g.operations[0]);
    return withDefaults(op.name, op.flags!, batch ? batch.sets : [{}]).map((flags) => flagItem(g, op, flags));
  });
  const statepoints = batch && jobGroups.length > 0 ? batch.sets.map((sp) => validateStatepoint(sp)) : undefined;
  const plan: RunPlan = {
    groups,
    flagItems,
    jobGroups,
    statepoints,
    batch,
    neededSkipped: 0,
    selection: request.selection,
    limit: request.limit,
    numPasses: request.numPasses ?? fromGroups.numPasses ?? 1,
    order: request.order ?? fromGroups.order ?? "by-job",
    keepGoing: request.keepGoing ?? fromGroups.keepGoing ?? false,
    timeoutMs: (request.timeout ?? fromGroups.timeout) !== undefined ? (request.timeout ?? fromGroups.timeout)! * 1000 : undefined,
    machine: request.machine,
    force: request.force ?? false,
  };
  if (request.needed) {
    if (!batch && flagItems.length === 0) throw new UserError("--needed applies to flag operations and batches", "without KEY=VALUE arguments, eligibility already skips what is complete");
    await leaveOutCompleted(project, plan);
  }
  return plan;
}

/** `--needed`: leaves out the flag sets and state points that have a completed run. */
async function leaveOutCompleted(project: Project, plan: RunPlan): Promise<void> {
  // It reads every run's record: its module is loaded only here, which a plain `cohort run` does not pay for.
  const needed = await import("../runs/completed.js");
  const completed = needed.completedRuns(project.root, plan.groups.flatMap((g) => g.operations));
  const before = plan.flagItems.length + (plan.statepoints?.length ?? 0);
  plan.flagItems = plan.flagItems.filter((item) => !needed.hasCompletedFlags(completed, item.operation.name, item.flags!));
  plan.statepoints = plan.statepoints?.filter((sp) => {
    const id = project.openJob(sp).id;
    return !plan.jobGroups.every((g) => g.operations.every((o) => completed.get(o)!.jobs.has(id)));
  });
  plan.neededSkipped = before - plan.flagItems.length - (plan.statepoints?.length ?? 0);
}

/** The options the selected groups carry (`run_options`), when they all carry the same ones. */
function groupRunOptions(groups: GroupDefinition[], warn: (message: string) => void): { numPasses?: number; order?: Order; keepGoing?: boolean; timeout?: number } {
  const withOptions = groups.filter((g) => g.runOptions);
  if (withOptions.length === 0) return {};
  const texts = new Set(withOptions.map((g) => g.runOptions));
  if (texts.size > 1 || withOptions.length !== groups.length) {
    warn("the selected groups have different run_options; none of them is applied");
    return {};
  }
  const group = withOptions[0];
  try {
    // Checked when the workflow was loaded: each word is an option a group can carry, with a valid value.
    const words = groupOptionWords(group.runOptions!);
    const out: { numPasses?: number; order?: Order; keepGoing?: boolean; timeout?: number } = {};
    for (let i = 0; i < words.length; i++) {
      const eq = words[i].indexOf("=");
      const option = eq >= 0 ? words[i].slice(0, eq) : words[i];
      if (option === "--keep-going") {
        out.keepGoing = true;
        continue;
      }
      const value = eq >= 0 ? words[i].slice(eq + 1) : words[++i];
      if (option === "--num-passes") out.numPasses = parseCount(value, option);
      else if (option === "--order") out.order = parseOrder(value);
      else if (option === "--timeout") out.timeout = parseSeconds(value, option);
    }
    return out;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    throw new UserError(`run_options of group ${group.name} are not valid: ${err.message}`, "they take --num-passes, --order, --keep-going and --timeout");
  }
}

/** `--print-runs`: the flag sets (or state points) that would run; undefined when there is neither a batch nor a flag run. */
export function flagSetsOf(plan: RunPlan): JsonObject[] | undefined {
  const ops = new Set(plan.flagItems.map((i) => i.operation.name));
  if (ops.size > 1) throw new UserError(`--print-runs shows the flag sets of one operation, not of ${[...ops].join(", ")}`, "name one flag operation");
  if (plan.statepoints) return plan.statepoints;
  if (plan.flagItems.length > 0) return plan.flagItems.map((i) => i.flags!);
  if (plan.jobGroups.length > 0) throw new UserError("--print-runs shows the flag sets of a batch or a flag operation", "give KEY=VALUE arguments, e.g. T={1.0,2.0}");
  return undefined;
}

/**
 * `--pretend`: the items that would run now (at most `limit`), checked against the machine; runs
 * nothing and makes no job. Not for a batch of state points, whose jobs are made when it runs.
 */
export async function pretendItems(project: Project, workflow: Workflow, plan: RunPlan): Promise<ExecutionItem[]> {
  let items = plan.flagItems;
  if (!plan.statepoints && plan.jobGroups.length > 0) {
    const planner = new Planner(project, workflow, plan.selection);
    planner.checkSelected(plan.jobGroups);
    const { items: eligible, raised } = await eligibleItems(planner, plan.jobGroups, plan.order);
    if (raised.length > 0) throw raised[0].error;
    items = [...items, ...eligible];
  }
  const shown = plan.limit !== undefined ? items.slice(0, plan.limit) : items;
  if (plan.machine) {
    const fit = prepareItems(workflow, shown, plan.machine);
    if (fit instanceof UserError) throw fit;
  }
  return shown;
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

/** What the caller sees while items run, and how it stops them. */
export interface InvocationEvents extends Pick<ExecutionEvents, "onPass" | "onStart" | "onFinish"> {
  /** A run's output, as its bytes come. */
  echo?: (chunk: Buffer, run: RunInfo) => void;
  /** Aborted on Ctrl-C: nothing more starts. */
  signal: AbortSignal;
  /** Where the project was when the command began (see ExecutionEvents.place). */
  place: ProjectPlace;
  /**
   * The ids of the jobs a scheduler holds (undefined when it cannot be asked): claims of a cluster job
   * that has left the queue are stale (Claims.askScheduler). Without it they count until given back.
   */
  liveJobIds?: (scheduler: string) => Promise<ReadonlySet<string> | undefined>;
}

/**
 * Claims for a runner of the project (SPEC §6), those of cluster jobs gone from the queue known
 * stale. `wanted`: which aggregates it may run, when it knows; the scheduler is asked only about
 * claims of those (Claims.askScheduler).
 */
export function openClaims(project: Project, anyway: boolean, events: InvocationEvents, wanted?: (aggregate: string) => boolean): ClaimGate {
  const claims = new Claims(JournalWriter.of(project.root), anyway, events.signal);
  const { liveJobIds } = events;
  return new ClaimGate(claims, liveJobIds && (() => claims.askScheduler(liveJobIds, wanted)));
}

/**
 * The aggregates a selection by ids or prefixes (`-j`, a cluster job's script) may run: every one
 * without ids. An aggregate of several jobs has an id of its own that its jobs' ids do not tell: any
 * may be.
 */
function selectedAggregates(ids: readonly string[] | undefined): ((aggregate: string) => boolean) | undefined {
  if (!ids || ids.length === 0) return undefined;
  return (agg) => agg.startsWith("agg-") || ids.some((id) => agg.startsWith(id));
}

/** What an invocation did. */
export interface InvocationResult {
  summary: RunSummary;
  /** The run group the runs joined, if one was made. */
  group: InvocationGroup;
  /** (operation, aggregate) pairs another runner of the project ran or runs. */
  claimedElsewhere: number;
}

/** Runs what `plan` says: flag runs first, then the job groups (in passes, or `--force` on a batch's jobs). */
export async function runPlan(project: Project, workflow: Workflow, plan: RunPlan, events: InvocationEvents): Promise<InvocationResult> {
  // A batch of a flag operation knows how many runs it will make (no more than -n allows, so that a
  // batch cut short by -n is not read as stopped half-way); one of job operations, as many as are eligible.
  const planned = plan.jobGroups.length === 0 ? Math.min(plan.flagItems.length, plan.limit ?? Infinity) : undefined;
  const group = InvocationGroup.start(project.root, groupPlan(workflow, plan.groups, plan.batch, planned));
  const common = { ...events, keepGoing: plan.keepGoing, timeoutMs: plan.timeoutMs, machine: plan.machine, joins: () => group.forNewRun() };
  const { limit } = plan;
  const { signal } = events;
  const remaining = () => (limit !== undefined ? limit - summary.results.length : undefined);
  let summary: RunSummary = { results: [], passes: 0 };
  let claimedElsewhere = 0;
  if (plan.flagItems.length > 0) summary = await runItems(project, workflow, plan.flagItems, { ...common, limit: plan.limit });
  if (!summary.stopped && plan.jobGroups.length > 0) {
    const jobs = plan.statepoints ? await batchJobs(project, plan.statepoints, signal) : plan.selection;
    if (signal.aborted) summary = { ...summary, stopped: "interrupted" };
    else if (jobs) {
      // Runners sharing the project (other shells, cluster jobs) never run one (operation, aggregate) at once.
      const gate = openClaims(project, plan.force, events, selectedAggregates(jobs.ids));
      try {
        const more = plan.force
          ? await forceRun(project, workflow, plan.jobGroups, jobs, { ...common, gate, remaining })
          : await runPasses(project, workflow, { ...common, gate, groups: plan.jobGroups, selection: jobs, numPasses: plan.numPasses, limit: remaining(), order: plan.order });
        summary = appendSummary(summary, more);
      } finally {
        gate.close();
      }
      claimedElsewhere = gate.skipped;
    }
  }
  // A runner stopped half-way (interrupted, a pass refused as one that can never fit, its project
  // moved) has not made every run it would have: its group stays open, so that it reads terminated once
  // the runner is gone, even when the runs it made completed (a function returns on Ctrl-C). A failure
  // or -n ends it as planned.
  if (!summary.stopped || summary.stopped === "failure" || summary.stopped === "limit") group.finish();
  return { summary, group, claimedElsewhere };
}

/** Makes the jobs of a batch's state points: they are the selection (undefined when there are none). */
async function batchJobs(project: Project, statepoints: JsonObject[], signal: AbortSignal): Promise<Selection | undefined> {
  if (statepoints.length === 0) return undefined;
  const { ids } = await project.initJobs(statepoints, { signal });
  return ids.length > 0 ? { ids: [...new Set(ids)] } : undefined;
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
  planner.checkSelected(groups);
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
