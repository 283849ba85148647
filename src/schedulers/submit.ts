/**
 * `cohort submit` (SPEC §9): finds the eligible (group, aggregate) pairs of the selected groups,
 * leaves out those the scheduler already holds, bundles the rest into scripts, and submits each
 * script as one cluster job recorded as a `submission` run group.
 *
 * Decisions:
 * - A pair is left out when a cluster job of this project holding it is queued, held or running
 *   (known from the submission groups and ONE queue call), and so is any pair of the same aggregate
 *   whose group shares an operation with it. `--force` submits them anyway.
 * - `-n N` caps the number of pairs; `-b N` puts N pairs in one script (`-b` alone: all of them),
 *   run one after another, or at once with `--parallel`.
 * - `--array`: scripts whose resources are identical go as one job array (one task per script).
 * - `--chain`: operations downstream of what is submitted — whose `after` conditions name an
 *   operation of a submitted pair, on the same aggregate — are submitted at once as their own jobs,
 *   each depending (`afterok`) on the cluster jobs of the operations it waits for; chained jobs are
 *   never bundled or put into arrays.
 * - The group is recorded before the scheduler is called (the script must name it); when the
 *   scheduler refuses, the group and the script are removed, so nothing is recorded as submitted.
 *
 * The steps: plan (submit-plan.ts: eligible pairs, less what is queued), bundle (submit-bundle.ts:
 * pairs into cluster jobs), render (submit-render.ts: scripts, and `--chain`), submit (here).
 */
import fs from "node:fs";
import path from "node:path";
import type { Project } from "../dataspace/project.js";
import { makeGroup } from "../runs/groups.js";
import { Interrupted, UserError } from "../util/errors.js";
import { makeDirs } from "../util/fs.js";
import { CONTROL } from "../util/text.js";
import type { GroupDefinition } from "../workflow/model.js";
import type { Selection } from "../workflow/planner.js";
import type { Workflow } from "../workflow/workflow.js";
import type { ResolvedDirectives } from "../workflow/directives.js";
import type { ClusterProfile } from "./cluster-profile.js";
import type { PartitionLimits } from "./partition-choice.js";
import { Refused, SubmitError } from "./commands.js";
import type { Scheduler } from "./scheduler.js";
import { PLACE_NAME, type BundleEntry, type SchedulerName } from "./script.js";
import { bundleJobs, Entries } from "./submit-bundle.js";
import { eligiblePairs, leaveOutQueued } from "./submit-plan.js";
import { AFTER_HINT, chainJobs, CLUSTER_JOB_ID, ScriptRenderer } from "./submit-render.js";

export interface SubmitOptions {
  groups: GroupDefinition[];
  selection?: Selection;
  /** At most this many (group, aggregate) pairs. */
  num?: number;
  /** Pairs per script; `true`: all in one. */
  bundle?: number | true;
  parallel?: boolean;
  /** Render the scripts and submit nothing. */
  pretend?: boolean;
  force?: boolean;
  hold?: boolean;
  /** Cluster job ids every job waits for (`afterok`). */
  after?: string[];
  partition?: string;
  account?: string;
  chain?: boolean;
  array?: boolean;
  /** Given to the scheduler's submit command as they are (`cohort submit -- --qos=high`). */
  extra?: string[];
  /** The cluster profile in force: partitions to choose from, default account, submit options, script prelude. */
  cluster?: ClusterProfile;
  signal?: AbortSignal;
  /** Told about each job as it is submitted (or, pretending, rendered); a promise returned is waited for. */
  onJob?: (job: PlannedJob) => void | Promise<void>;
  /** Warnings (unread directives, pairs left out). */
  warn?: (message: string) => void;
}

/** One cluster job: its pairs (an array job: one task per element of `tasks`). */
export interface PlannedJob {
  entries: BundleEntry[];
  tasks?: BundleEntry[][];
  /** Jobs of this submission it depends on (`--chain`). */
  dependsOn: PlannedJob[];
  groupId: string;
  jobName: string;
  script: string;
  scriptFile: string;
  submitCommand: string[];
  /** The words the submit command adds before the script: the profile's, the partition's, those after `--`. */
  submitWords: string[];
  /** The whole script's resources (an array: each task's). */
  resources: ResolvedDirectives;
  /** The partition it goes to (none: the scheduler's default), and its limits where they are known. */
  partitionName?: string;
  partition?: PartitionLimits;
  /** Set once submitted. */
  jobId?: string;
}

export interface SubmitResult {
  jobs: PlannedJob[];
  /** Pairs left out because a cluster job holds them, as `group on aggregate`. */
  skipped: string[];
  interrupted: boolean;
}

/** `<project>/.cohort/cluster`: scripts and the scheduler's output files. */
export function clusterDir(project: Project): string {
  return path.join(project.dataDir, "cluster");
}

/**
 * Plans and (unless `pretend`) submits. Without a scheduler (pretending where none is installed) the
 * queue is not consulted and the scripts are rendered for `schedulerName`.
 */
export async function submit(
  project: Project,
  workflow: Workflow,
  scheduler: Scheduler | undefined,
  schedulerName: SchedulerName,
  opts: SubmitOptions,
): Promise<SubmitResult> {
  const warn = opts.warn ?? (() => {});
  const ident = projectId(project, workflow);
  checkScriptValues(ident, clusterDir(project), schedulerName, opts);
  // The scheduler is asked now and answers while eligibility is worked out; a failure is met where
  // each answer is awaited.
  const queue = scheduler?.queue();
  const partitions = scheduler?.partitions();
  queue?.catch(() => {});
  partitions?.catch(() => {});

  const { planner, pairs: eligible } = await eligiblePairs(project, workflow, opts);
  const { pairs, skipped, queuedOps } = await leaveOutQueued(project, workflow, scheduler, schedulerName, eligible, queue, opts, ident);
  if (skipped.length > 0) warn(`${skipped.length} (group, aggregate) pair${skipped.length === 1 ? " is" : "s are"} already queued or running and not submitted again (--force submits anyway)`);
  if (opts.num !== undefined) pairs.splice(opts.num);

  const renderer = new ScriptRenderer({ project: ident, dir: clusterDir(project), scheduler, schedulerName, partitions: await partitions, cluster: opts.cluster, opts });
  const entries = new Entries(workflow);
  const jobs = bundleJobs(pairs.map((p) => entries.of(p)), opts).map((p) => renderer.render(p));
  // (a loop, not push(...): 150,000 chained jobs overflow the stack)
  if (opts.chain) for (const job of chainJobs(planner, workflow, jobs, queuedOps, entries, renderer)) jobs.push(job);
  for (const k of renderer.unreadDirectives()) warn(`directive ${k} is set but the ${schedulerName} template does not use it`);

  const interrupted = await submitJobs(project, scheduler, schedulerName, jobs, renderer, opts);
  return { jobs: scheduler && !opts.pretend ? jobs.filter((j) => j.jobId !== undefined) : jobs, skipped, interrupted };
}

/**
 * Submits the jobs in order (a dependent after what it depends on), or, pretending, tells each;
 * whether a Ctrl-C stopped it.
 */
async function submitJobs(project: Project, scheduler: Scheduler | undefined, schedulerName: SchedulerName, jobs: PlannedJob[], renderer: ScriptRenderer, opts: SubmitOptions): Promise<boolean> {
  for (const job of jobs) {
    // Submitting blocks on the scheduler's command: a Ctrl-C is seen between two submissions.
    if (opts.signal) await new Promise((resolve) => setImmediate(resolve));
    if (opts.signal?.aborted) return true;
    if (!scheduler || opts.pretend) {
      const told = opts.onJob?.(job);
      if (told) await told;
      continue;
    }
    renderer.renderAgain(job);
    try {
      submitOne(project, scheduler, schedulerName, job);
    } catch (err) {
      if (err instanceof Refused && jobs.length > 1) throw refusedAmong(err, job, jobs);
      if (!(err instanceof Interrupted)) throw err;
      // cohort's own handler of the signal speaks first, as between two submissions
      await new Promise((resolve) => setImmediate(resolve));
      opts.warn?.(`${err.message} while submitting ${job.jobName}: whether ${schedulerName} took it is unknown, and nothing was recorded of it (a later 'cohort submit' finds it by its name if it was)`);
      return true;
    }
    opts.onJob?.(job);
  }
  return false;
}

/**
 * A refusal in a submission of several cluster jobs: which one was refused, and what became of the
 * others. Those before it stay submitted and recorded; none after it is submitted.
 */
function refusedAmong(err: Refused, job: PlannedJob, jobs: PlannedJob[]): SubmitError {
  const done = jobs.filter((j) => j.jobId !== undefined).length;
  const left = jobs.length - done - 1;
  const before = done === 1 ? "the cluster job submitted before it stays queued" : `the ${done} cluster jobs submitted before it stay queued`;
  const after = left === 0 ? "" : left === 1 ? "; the one after it was not submitted" : `; the ${left} after it were not submitted`;
  return new SubmitError(`${err.command} refused the cluster job ${job.jobName}: ${err.said}`, done === 0 ? err.hint : before + after);
}

/** What each character the output path cannot hold would become in a scheduler's directive line. */
const PATH_PROBLEMS: [RegExp, string, SchedulerName[]][] = [
  [CONTROL, "a control character such as a line break", ["slurm", "pbs", "lsf"]],
  [/"/, '", which ends the quoted path', ["slurm", "pbs", "lsf"]],
  [/\\/, "\\, which the scheduler reads as an escape", ["slurm", "pbs", "lsf"]],
  [/#/, "#, which starts a comment", ["slurm", "pbs", "lsf"]],
  [/%/, "%, which the scheduler reads as a file name pattern (%j)", ["slurm", "lsf"]],
  [/:/, ":, which PBS reads as host:path", ["pbs"]],
];

/**
 * Refuses, before anything is planned, values that a submission script cannot hold (SPEC §12; the
 * templates quote the rest): the project's path (the scheduler's output path is in a directive
 * line, where no quoting makes a line break or a `"` safe), the project's name, partition and
 * account names, `--after` ids, and words for the submit command.
 */
function checkScriptValues(ident: { name: string; root: string }, outputDir: string, scheduler: SchedulerName, opts: SubmitOptions): void {
  for (const [option, value] of [["--partition", opts.partition], ["--account", opts.account]] as const) {
    if (value !== undefined && !PLACE_NAME.test(value)) {
      throw new UserError(`${option} ${JSON.stringify(value)} is not a${option === "--account" ? "n account" : " partition"} name`, "a name holds only letters, digits and _ . - + : @ , =");
    }
  }
  for (const id of opts.after ?? []) if (!CLUSTER_JOB_ID.test(id)) throw new UserError(`--after ${JSON.stringify(id)} is not a cluster job id`, AFTER_HINT);
  for (const word of opts.extra ?? []) {
    if (CONTROL.test(word)) throw new UserError(`${JSON.stringify(word)} (after --) holds a control character such as a line break`, "words for the submit command must be one line of printable text");
  }
  for (const [re, what, schedulers] of PATH_PROBLEMS) {
    if (schedulers.includes(scheduler) && re.test(outputDir)) {
      throw new UserError(
        `the project's path ${JSON.stringify(ident.root)} cannot go into the ${scheduler} script's output path: it holds ${what}`,
        "move or rename the project's directory",
      );
    }
  }
  // The name is the directory's when no name is given: the path is checked first.
  if (CONTROL.test(ident.name)) throw new UserError(`the project's name ${JSON.stringify(ident.name)} holds a control character such as a line break`, "give [project] name one line of printable text");
}

function projectId(project: Project, workflow: Workflow): { name: string; root: string } {
  return { name: workflow.name ?? path.basename(project.root), root: project.root };
}

function submitOne(project: Project, scheduler: Scheduler, schedulerName: SchedulerName, job: PlannedJob): void {
  const flowgroups = [...new Set(job.entries.map((e) => e.group))];
  makeDirs(path.dirname(job.scriptFile));
  fs.writeFileSync(job.scriptFile, job.script);
  try {
    job.jobId = scheduler.submit(job.scriptFile, project.root, job.submitWords);
  } catch (err) {
    fs.rmSync(job.scriptFile, { force: true });
    throw err;
  }
  // The group is recorded once the scheduler has the job: runs the job starts join it by its id
  // (COHORT_SUBMISSION_GROUP in the script), whichever is read first.
  makeGroup(project.root, {
    id: job.groupId,
    kind: "submission",
    details: {
      flowgroup: flowgroups.join(","),
      scheduler: schedulerName,
      scheduler_job_id: job.jobId,
      job_name: job.jobName,
      script: path.relative(project.root, job.scriptFile),
      pairs: job.entries.map((e) => [e.group, e.aggregate]),
    },
  });
}
