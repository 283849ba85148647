import { dumpJson } from "../../dataspace/json.js";
import type { JsonObject } from "../../dataspace/value.js";
import { shellQuote } from "../../workflow/placeholders.js";
import { clusterInForce } from "../../schedulers/cluster-detect.js";
import { submissionCost, type SubmissionCost } from "../../schedulers/cost.js";
import { formatHours } from "../../workflow/resource-hours.js";
import { openScheduler, type Scheduler } from "../../schedulers/scheduler.js";
import { SCHEDULERS, type SchedulerName } from "../../schedulers/script.js";
import { submit, type PlannedJob } from "../../schedulers/submit.js";
import { AFTER_HINT, CLUSTER_JOB_ID } from "../../schedulers/submit-render.js";
import { UserError } from "../../util/errors.js";
import { out, warn } from "../context.js";
import { catchInterrupts } from "../interrupt.js";
import { parseCount } from "../../util/numbers.js";
import { loadProjectWorkflow, selectionOf } from "../workflow.js";
import type { GroupDefinition } from "../../workflow/model.js";
import type { Workflow } from "../../workflow/workflow.js";

export interface SubmitCliOptions {
  operation?: string[];
  jobId?: string[];
  filter?: string[];
  num?: string;
  bundle?: string | boolean;
  parallel?: boolean;
  pretend?: boolean;
  force?: boolean;
  hold?: boolean;
  after?: string[];
  partition?: string;
  account?: string;
  scheduler?: string;
  cluster?: string;
  json?: boolean;
  chain?: boolean;
  array?: boolean;
}

/** Characters of pretended scripts gathered before one write. */
const PRINT_BLOCK = 64 * 1024;

/** Resolves once stdout has written what it holds (or has closed: a closed pipe ends the process). */
function drained(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.stdout.off("drain", done).off("close", done);
      resolve();
    };
    process.stdout.on("drain", done).on("close", done);
  });
}

function parseBundle(v: string | boolean | undefined): number | true | undefined {
  if (v === undefined || v === false) return undefined;
  if (v === true) return true;
  return parseCount(v, "--bundle");
}

function schedulerNameOf(name: string | undefined): SchedulerName | undefined {
  if (name === undefined) return undefined;
  if (!(SCHEDULERS as readonly string[]).includes(name)) throw new UserError(`there is no scheduler ${name}`, "choose --scheduler slurm, pbs or lsf");
  return name as SchedulerName;
}

/** The scheduler named, or found on the PATH; none where there is none. */
function tryScheduler(named: SchedulerName | undefined): Scheduler | undefined {
  try {
    return openScheduler(named);
  } catch (err) {
    if (err instanceof UserError) return undefined;
    throw err;
  }
}

/** `# cost of 3 cluster jobs: 6 CPU-hours, 2 GPU-hours; charged 10 on cluster X`, and what is not counted. */
function costLine(cost: SubmissionCost, jobs: number, cluster: string | undefined): string {
  const charge = cost.charge !== undefined && cluster !== undefined ? `; charged ${formatHours(cost.charge)} on cluster ${cluster}` : "";
  const w = cost.withoutWalltime;
  const uncounted = w > 0 ? ` (${w} job${w === 1 ? " has" : "s have"} no walltime and ${w === 1 ? "is" : "are"} not counted)` : "";
  return `# cost of ${jobs} cluster job${jobs === 1 ? "" : "s"}: ${formatHours(cost.cpuHours)} CPU-hours, ${formatHours(cost.gpuHours)} GPU-hours${charge}${uncounted}\n`;
}

/** The --json shape (docs/submission.md): each cluster job, pretending its script, and the cost. */
function submissionJson(jobs: PlannedJob[], cost: SubmissionCost, scheduler: SchedulerName, cluster: string | undefined, pretend: boolean): JsonObject {
  return {
    scheduler,
    cluster: cluster ?? null,
    jobs: jobs.map((job) => ({
      name: job.jobName,
      id: job.jobId ?? null,
      pairs: job.entries.map((e) => [e.group, e.aggregate]),
      array_tasks: job.tasks?.length ?? null,
      partition: job.partitionName ?? null,
      submit_command: job.submitCommand,
      ...(pretend ? { script: job.script } : {}),
    })),
    cost: { cpu_hours: cost.cpuHours, gpu_hours: cost.gpuHours, not_counted: cost.withoutWalltime, charge: cost.charge ?? null },
  };
}

/**
 * The selected groups a cluster job can run: a cluster job runs a group on an aggregate, and a flag
 * operation has none. Left out as `cohort run` leaves them out without names; named, with a warning,
 * and an error when nothing else is left.
 */
function jobGroups(workflow: Workflow, selected: GroupDefinition[], named: boolean): GroupDefinition[] {
  const flagOp = (g: GroupDefinition) => g.operations.find((name) => workflow.operation(name).flags !== undefined);
  const kept = selected.filter((g) => flagOp(g) === undefined);
  if (!named || kept.length === selected.length) return kept;
  const left = selected.filter((g) => flagOp(g) !== undefined).map((g) => (g.name === flagOp(g) ? g.name : `${g.name} (it holds the flag operation ${flagOp(g)})`));
  const what = `${left.join(", ")}: a flag operation runs on no job, and a cluster job runs a group on jobs`;
  if (kept.length === 0) throw new UserError(`cannot submit ${what}`, `run it here: cohort run ${flagOp(selected[0])}`);
  warn(`skipped ${what}`);
  return kept;
}

export default async function submitCommand(names: string[], opts: SubmitCliOptions): Promise<void> {
  // Words after `--` go to the scheduler's submit command untouched.
  const dash = process.argv.indexOf("--");
  const extra = dash >= 0 ? process.argv.slice(dash + 1) : [];
  const positional = dash >= 0 ? names.slice(0, names.length - extra.length) : names;
  const named = schedulerNameOf(opts.scheduler);
  const { project, workflow } = await loadProjectWorkflow();
  const patterns = [...positional, ...(opts.operation ?? [])];
  const groups = jobGroups(workflow, workflow.select(patterns.length ? patterns : undefined, warn), patterns.length > 0);
  for (const id of opts.after ?? []) if (!CLUSTER_JOB_ID.test(id)) throw new UserError(`--after ${id} is not a cluster job id`, AFTER_HINT);
  // The scheduler found on the PATH answers for its cluster's name, if a profile's detection asks.
  const found = tryScheduler(named);
  const cluster = (await clusterInForce(project.root, opts.cluster, found))?.profile;
  const wanted = named ?? cluster?.scheduler;
  let scheduler: Scheduler | undefined = found !== undefined && (wanted === undefined || found.name === wanted) ? found : undefined;
  if (scheduler === undefined) {
    try {
      scheduler = openScheduler(wanted);
    } catch (err) {
      if (!opts.pretend || !(err instanceof UserError)) throw err;
    }
  }
  const schedulerName = scheduler?.name ?? wanted ?? "slurm";
  // Pretending, scripts are printed in blocks: one write per script costs more than rendering it.
  // A submitted job is printed at once, so that a Ctrl-C loses none of what was submitted.
  let pending = "";
  const flush = () => {
    if (pending) out(pending);
    pending = "";
  };
  const shown = (job: PlannedJob): Promise<void> | undefined => {
    if (opts.json) return undefined; // all at the end
    if (opts.pretend) {
      const n = job.entries.length;
      pending +=
        `# cluster job ${job.jobName}: ${n} (group, aggregate) pair${n === 1 ? "" : "s"}${job.tasks ? `, an array of ${job.tasks.length} tasks` : ""}\n` +
        (job.script.endsWith("\n") ? job.script : job.script + "\n") +
        `# submit with: ${job.submitCommand.map((w) => (w === "<" ? w : shellQuote(w))).join(" ")}\n\n`;
      if (pending.length < PRINT_BLOCK) return undefined;
      flush();
      // A pipe read slower than scripts are printed: wait, rather than hold every script in memory.
      if (process.stdout.writableNeedDrain) return drained();
    } else {
      out(`${job.jobId}\t${job.jobName}\t${job.entries.map((e) => `${e.group} on ${e.aggregate}`).join(", ")}\n`);
    }
  };
  const result = await submit(project, workflow, scheduler, schedulerName, {
    groups,
    selection: selectionOf(opts),
    num: opts.num !== undefined ? parseCount(opts.num, "-n", 0) : undefined,
    bundle: parseBundle(opts.bundle),
    parallel: opts.parallel,
    pretend: opts.pretend,
    force: opts.force,
    hold: opts.hold,
    after: opts.after,
    partition: opts.partition,
    account: opts.account,
    chain: opts.chain,
    array: opts.array,
    extra,
    cluster,
    signal: opts.pretend ? undefined : catchInterrupts("stopping: nothing more is submitted"),
    onJob: shown,
    warn,
  }).finally(flush);
  const n = result.jobs.length;
  const cost = submissionCost(result.jobs, cluster !== undefined);
  if (opts.json) out(dumpJson(submissionJson(result.jobs, cost, schedulerName, cluster?.name, opts.pretend ?? false)) + "\n");
  if (opts.pretend) {
    if (opts.json) return;
    if (n === 0) out("nothing to submit\n");
    else out(costLine(cost, n, cluster?.name));
    return;
  }
  process.stderr.write(`cohort: ${n} cluster job${n === 1 ? "" : "s"} submitted to ${schedulerName}${result.interrupted ? " before the interruption; nothing else was submitted" : ""}\n`);
  if (result.interrupted) process.exitCode = 130;
}
