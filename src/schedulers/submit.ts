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
 */
import fs from "node:fs";
import path from "node:path";
import { DocumentCache } from "../dataspace/document-cache.js";
import { DocumentSnapshot } from "../dataspace/job-files.js";
import type { Project } from "../dataspace/project.js";
import { eligibleItems, itemDirectives, type ExecutionItem } from "../execution/items.js";
import { Planner, type Aggregate, type Selection } from "../execution/plan.js";
import { makeGroup } from "../runs/groups.js";
import { newRunId } from "../runs/run-id.js";
import { Interrupted, UserError } from "../util/errors.js";
import { makeDirs } from "../util/fs.js";
import { packageFile } from "../util/package-file.js";
import { afterNames } from "../workflow/conditions.js";
import { combineParallel, combineSerial, directivesFor, type ResolvedDirectives } from "../workflow/directives.js";
import { checkGroupOptions, CONTROL } from "../workflow/group-options.js";
import type { GroupDefinition } from "../workflow/model.js";
import type { Workflow } from "../workflow/workflow.js";
import { commandsAnswered, startCommands } from "./commands.js";
import { clusterJobName } from "./job-name.js";
import type { PartitionInfo, Scheduler } from "./scheduler.js";
import { renderScript, scriptWord, type BundleEntry, type SchedulerName, type ScriptOptions } from "./script.js";
import { clusterStates, listSubmissions, pairKey, pairsInQueue, type Submission } from "./tracking.js";

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
  /** Set once submitted. */
  jobId?: string;
}

export interface SubmitResult {
  jobs: PlannedJob[];
  /** Pairs left out because a cluster job holds them, as `group on aggregate`. */
  skipped: string[];
  interrupted: boolean;
}

interface Pair {
  group: GroupDefinition;
  aggregate: Aggregate;
}

/** `<project>/.cohort/cluster`: scripts and the scheduler's output files. */
export function clusterDir(project: Project): string {
  return path.join(project.dataDir, "cluster");
}

const COHORT_BIN = packageFile("bin/cohort");

/** A cluster job id as schedulers print them: `123`, `123_4` (SLURM), `123.server`, `123[].server` (PBS). */
export const CLUSTER_JOB_ID = /^[A-Za-z0-9_.[\]-]+$/;

export function dependencyExpression(scheduler: SchedulerName, ids: readonly string[]): string | undefined {
  if (ids.length === 0) return undefined;
  for (const id of ids) {
    // A job of this submission not submitted yet (pretending) is shown by its name: `<NAME>`.
    if (!CLUSTER_JOB_ID.test(id.replace(/^<(.*)>$/, "$1"))) throw new UserError(`${JSON.stringify(id)} is not a cluster job id`, "e.g. --after 12345");
  }
  if (scheduler === "lsf") return ids.map((id) => `done(${id})`).join(" && ");
  return "afterok:" + ids.join(":");
}

/** Whether directives hold no function: then they resolve alike for every aggregate. */
function isStatic(workflow: Workflow, group: GroupDefinition): boolean {
  return group.operations.every((name) => Object.values(directivesFor(workflow.operation(name), workflow.isSingleton(group) ? undefined : group)).every((v) => typeof v !== "function"));
}

/** Resolved operations and resources of groups whose directives are static, computed once per group. */
const staticEntries = new WeakMap<GroupDefinition, Pick<BundleEntry, "operations" | "resources">>();

/** The words of each group's submit_options (checked when the workflow was loaded), split once per group. */
const submitWords = new WeakMap<GroupDefinition, readonly string[]>();

function submitOptionsOf(group: GroupDefinition): readonly string[] {
  let words = submitWords.get(group);
  if (!words) {
    words = group.submitOptions ? checkGroupOptions(group.submitOptions, `group ${group.name} (${group.origin}): submit_options`) : [];
    submitWords.set(group, words);
  }
  return words;
}

function entryOf(workflow: Workflow, pair: Pair): BundleEntry {
  const known = staticEntries.get(pair.group);
  if (known) return { group: pair.group.name, aggregate: pair.aggregate.id, jobs: pair.aggregate.jobs.map((j) => j.id), ...known, submit_options: submitOptionsOf(pair.group) };
  const operations = pair.group.operations.map((name) => {
    const item: ExecutionItem = { group: pair.group, operation: workflow.operation(name), aggregate: pair.aggregate };
    return { name, directives: itemDirectives(workflow, item) };
  });
  const entry: BundleEntry = {
    group: pair.group.name,
    aggregate: pair.aggregate.id,
    jobs: pair.aggregate.jobs.map((j) => j.id),
    operations,
    resources: combineSerial(operations.map((o) => o.directives)),
    submit_options: submitOptionsOf(pair.group),
  };
  if (isStatic(workflow, pair.group)) staticEntries.set(pair.group, { operations: entry.operations, resources: entry.resources });
  return entry;
}

function sameResources(a: ResolvedDirectives, b: ResolvedDirectives): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return false;
  return true;
}

/** Refuses what the scheduler's partitions can never run, where sinfo tells their limits. */
export function checkPartition(resources: ResolvedDirectives, partitions: PartitionInfo[] | undefined, wanted: string | undefined): void {
  if (!partitions || partitions.length === 0) return;
  const part = wanted !== undefined ? partitions.find((p) => p.name === wanted) : partitions.find((p) => p.isDefault) ?? partitions[0];
  if (!part) return; // the scheduler itself will name an unknown partition
  const where = `partition ${part.name}`;
  if (resources.ngpu > 0 && !partitions.some((p) => p.gpus > 0)) {
    throw new UserError(`the job asks for ${resources.ngpu} GPU${resources.ngpu === 1 ? "" : "s"} but no partition of the scheduler has GPUs`, "remove the ngpu directive or submit to a cluster with GPU nodes");
  }
  if (resources.ngpu > part.gpus) {
    throw new UserError(`the job asks for ${resources.ngpu} GPUs but ${where} has ${part.gpus === 0 ? "none" : `${part.gpus} per node`}`, `choose a GPU partition with --partition (${partitions.filter((p) => p.gpus > 0).map((p) => p.name).join(", ")})`);
  }
  if (resources.walltime !== null && part.maxWalltime !== undefined && resources.walltime > part.maxWalltime) {
    throw new UserError(`the job asks for a walltime of ${fmtSeconds(resources.walltime)}, over the limit of ${where} (${fmtSeconds(part.maxWalltime)})`, "lower the walltime directive, bundle fewer operations, or choose another partition");
  }
}

function fmtSeconds(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, "0")}:${String(Math.round(s % 60)).padStart(2, "0")}`;
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
  // Nothing runs while submitting: conditions are answered from one snapshot, documents through the cache.
  // The scheduler's queue and partitions are asked now and read once eligibility is known.
  if (scheduler) startCommands(scheduler.askCommands());
  const documents = DocumentCache.open(path.join(project.dataDir, "cache"));
  const files = new DocumentSnapshot(documents);
  const planner = new Planner(project, workflow, opts.selection, { jobs: files.jobs(project), snapshot: true, files });
  const { items, raised } = await eligibleItems(planner, opts.groups);
  documents.save(() => new Set(project.index.jobIds));
  if (raised.length > 0) throw raised[0].error;

  // Eligible pairs, in order, once each.
  const pairs: Pair[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const key = pairKey(item.group.name, item.aggregate.id);
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push({ group: item.group, aggregate: item.aggregate });
  }
  // What a script runs is the state point in each job's directory, not the index's alone (Job.verify).
  for (const pair of pairs) for (const job of pair.aggregate.jobs) job.verify();

  // What the scheduler holds now: one queue call.
  const busyOps = new Set<string>();
  const skipped: string[] = [];
  const jobsOfOp = new Map<string, string[]>(); // op\0aggregate -> cluster job ids already queued
  let view: ReturnType<typeof clusterStates> | undefined;
  await commandsAnswered();
  try {
    view = scheduler && clusterStates(project.root, scheduler);
  } catch (err) {
    // Pretending needs no scheduler: without its queue, every eligible pair is shown. That is said
    // only where the queue could have left a pair out: one this project's records show submitted
    // to a cluster job that has not ended (or sharing an operation with one).
    if (!opts.pretend || !(err instanceof UserError)) throw err;
    const unsure = pairsMaybeQueued(workflow, pairs, listSubmissions(project.root).filter((s) => s.scheduler === schedulerName && s.jobId !== undefined && !s.finalState));
    if (unsure > 0) warn(`${unsure} of these (group, aggregate) pairs ${unsure === 1 ? "is" : "are"} shown though ${unsure === 1 ? "it" : "they"} may be queued already: ${err.message}`);
  }
  if (view) {
    const held = pairsInQueue(view);
    const liveNames = new Set(view.queue.map((j) => j.name));
    for (const s of view.submissions) {
      const st = view.byGroup.get(s.group.id);
      if (!(st === "queued" || st === "held" || st === "running")) continue;
      for (const [g, a] of s.pairs) {
        for (const op of workflow.groups.get(g)?.operations ?? []) {
          busyOps.add(pairKey(op, a));
          const list = jobsOfOp.get(pairKey(op, a)) ?? [];
          list.push(s.jobId!);
          jobsOfOp.set(pairKey(op, a), list);
        }
      }
    }
    const free: Pair[] = [];
    for (const p of pairs) {
      const inQueue =
        held.has(pairKey(p.group.name, p.aggregate.id)) ||
        liveNames.has(clusterJobName(ident, [{ group: p.group.name, aggregate: p.aggregate.id }])) ||
        p.group.operations.some((op) => busyOps.has(pairKey(op, p.aggregate.id)));
      if (inQueue && !opts.force) skipped.push(`${p.group.name} on ${p.aggregate.id}`);
      else free.push(p);
    }
    pairs.splice(0, pairs.length, ...free);
  }
  if (skipped.length > 0) warn(`${skipped.length} (group, aggregate) pair${skipped.length === 1 ? " is" : "s are"} already queued or running and not submitted again (--force submits anyway)`);
  if (opts.num !== undefined) pairs.splice(opts.num);

  const partitions = scheduler?.partitions();
  const entries = pairs.map((p) => entryOf(workflow, p));

  // Bundles.
  const size = opts.bundle === true ? Math.max(1, entries.length) : opts.bundle ?? 1;
  const bundles: BundleEntry[][] = [];
  for (let i = 0; i < entries.length; i += size) bundles.push(entries.slice(i, i + size));
  const combined = (b: BundleEntry[]) => (b.length === 1 ? b[0].resources : (opts.parallel ? combineParallel : combineSerial)(b.map((e) => e.resources)));

  // Arrays: bundles of identical resources.
  const planned: { tasks: BundleEntry[][]; resources: ResolvedDirectives; dependsOn: PlannedJob[]; afterIds: string[] }[] = [];
  for (const b of bundles) {
    const resources = combined(b);
    const into = opts.array ? planned.find((p) => p.tasks.length > 0 && sameResources(p.resources, resources)) : undefined;
    if (into) into.tasks.push(b);
    else planned.push({ tasks: [b], resources, dependsOn: [], afterIds: [] });
  }

  const jobs: PlannedJob[] = [];
  /** Renders a job's script once the ids of what it waits for are known. */
  const renderers = new Map<PlannedJob, (afterIds: string[]) => void>();
  /** Directive keys the template has read in any script of this submission, and those it may not have. */
  const directivesRead = new Set<string>();
  const maybeUnread = new Set<string>();
  /** Ids of cluster jobs already queued that a chained job waits for. */
  const queuedAfter = new Map<PlannedJob, string[]>();
  const dir = clusterDir(project);
  const cohortBin = scriptWord(COHORT_BIN, "submission script (the path of cohort)");
  const cohortCmd = (r: ResolvedDirectives) => `${scriptWord(r.executable, "submission script (the executable directive)")} ${cohortBin}`;
  // Pretending, nothing is rendered again with the ids of submitted jobs.
  const renderAgain = scheduler !== undefined && !opts.pretend;
  // Scripts are rendered on this thread only. A worker thread rendering a share of them was tried on
  // two cores: two threads rendering with nunjucks each ran about 1.6 times slower, and the worker's
  // start and the copying of the template data ate the rest, so 10,000 scripts took no less time.
  const make = (p: (typeof planned)[number]): PlannedJob => {
    // An array's tasks share these resources (that is what put them in one array).
    if (partitions) checkPartition(p.resources, partitions, opts.partition);
    const all = p.tasks.length === 1 ? p.tasks[0] : p.tasks.flat();
    const isArray = p.tasks.length > 1;
    const groupId = newRunId();
    const jobName = clusterJobName(ident, all);
    const options: ScriptOptions = { partition: opts.partition, account: opts.account, hold: opts.hold };
    // The directory is normalized and a group id holds no separator: no path.join needed (it costs, at 100,000 scripts).
    const scriptFile = dir + path.sep + groupId + ".sh";
    const submitCommand = scheduler ? scheduler.submitCommand(scriptFile, opts.extra) : defaultSubmitCommand(schedulerName, scriptFile, opts.extra);
    const job: PlannedJob = { entries: all, tasks: isArray ? p.tasks : undefined, dependsOn: p.dependsOn, groupId, jobName, script: "", scriptFile, submitCommand };
    const render = (afterIds: string[]) => {
      options.dependency = dependencyExpression(schedulerName, opts.after?.length ? [...opts.after, ...afterIds] : afterIds);
      const rendered = renderScript({
        project: ident,
        scheduler: schedulerName,
        jobName,
        submissionGroup: groupId,
        outputDir: dir,
        cohort: cohortCmd(p.resources),
        parallel: opts.parallel ?? false,
        mpiLauncher: all.some((e) => e.operations.some((o) => o.directives.nranks)) ? (schedulerName === "slurm" ? "srun" : "mpirun") : "",
        bundle: all,
        resources: p.resources,
        options,
        array: isArray ? { first: 1, tasks: p.tasks } : undefined,
      }, directivesRead);
      for (const k of rendered.unread) maybeUnread.add(k);
      job.script = rendered.text;
    };
    render(p.dependsOn.length > 0 ? [...p.afterIds, ...p.dependsOn.map((d) => d.jobId ?? `<${d.jobName}>`)] : p.afterIds);
    if (renderAgain) {
      renderers.set(job, render);
      queuedAfter.set(job, p.afterIds);
    }
    return job;
  };
  for (const p of planned) jobs.push(make(p));

  if (opts.chain) {
    for (const job of chainJobs(planner, workflow, jobs, jobsOfOp, make)) jobs.push(job);
  }
  for (const k of [...maybeUnread].sort()) if (!directivesRead.has(k)) warn(`directive ${k} is set but the ${schedulerName} template does not use it`);

  // Submit, in order (a dependent after what it depends on).
  let interrupted = false;
  for (const job of jobs) {
    // Submitting blocks on the scheduler's command: a Ctrl-C is seen between two submissions.
    if (opts.signal) await new Promise((resolve) => setImmediate(resolve));
    if (opts.signal?.aborted) {
      interrupted = true;
      break;
    }
    if (!scheduler || opts.pretend) {
      const told = opts.onJob?.(job);
      if (told) await told;
      continue;
    }
    renderers.get(job)!([...queuedAfter.get(job)!, ...job.dependsOn.map((d) => d.jobId!)]);
    try {
      submitOne(project, scheduler, schedulerName, job, opts);
    } catch (err) {
      if (!(err instanceof Interrupted)) throw err;
      interrupted = true;
      // cohort's own handler of the signal speaks first, as between two submissions
      await new Promise((resolve) => setImmediate(resolve));
      warn(`${err.message} while submitting ${job.jobName}: whether ${schedulerName} took it is unknown, and nothing was recorded of it (a later 'cohort submit' finds it by its name if it was)`);
      break;
    }
    opts.onJob?.(job);
  }
  return { jobs: scheduler && !opts.pretend ? jobs.filter((j) => j.jobId !== undefined) : jobs, skipped, interrupted };
}

/** How many pairs a cluster job of `open` (submissions not known to have ended) runs, or shares an operation with. */
function pairsMaybeQueued(workflow: Workflow, pairs: readonly Pair[], open: readonly Submission[]): number {
  if (open.length === 0) return 0;
  const busy = new Set<string>();
  for (const s of open) for (const [g, a] of s.pairs) for (const op of workflow.groups.get(g)?.operations ?? []) busy.add(pairKey(op, a));
  return pairs.filter((p) => p.group.operations.some((op) => busy.has(pairKey(op, p.aggregate.id)))).length;
}

/** Partition and account names: one word of a scheduler's directive line, as every scheduler names them. */
const PLACE_NAME = /^[A-Za-z0-9_.:@,+=-]+$/;

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
  for (const id of opts.after ?? []) if (!CLUSTER_JOB_ID.test(id)) throw new UserError(`--after ${JSON.stringify(id)} is not a cluster job id`, "e.g. --after 12345");
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

function defaultSubmitCommand(scheduler: SchedulerName, file: string, extra: readonly string[] = []): string[] {
  if (scheduler === "slurm") return ["sbatch", "--parsable", ...extra, file];
  if (scheduler === "pbs") return ["qsub", ...extra, file];
  return ["bsub", ...extra, "<", file];
}

function submitOne(project: Project, scheduler: Scheduler, schedulerName: SchedulerName, job: PlannedJob, opts: SubmitOptions): void {
  const flowgroups = [...new Set(job.entries.map((e) => e.group))];
  makeDirs(path.dirname(job.scriptFile));
  fs.writeFileSync(job.scriptFile, job.script);
  try {
    job.jobId = scheduler.submit(job.scriptFile, project.root, opts.extra);
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

/**
 * Jobs for the operations downstream of `jobs` (`--chain`): an operation whose `after` conditions
 * name an operation submitted for an aggregate is submitted for that aggregate too, depending on
 * the jobs that run what it waits for; repeated until nothing new is downstream.
 */
function chainJobs(
  planner: Planner,
  workflow: Workflow,
  jobs: PlannedJob[],
  queued: Map<string, string[]>,
  make: (p: { tasks: BundleEntry[][]; resources: ResolvedDirectives; dependsOn: PlannedJob[]; afterIds: string[] }) => PlannedJob,
): PlannedJob[] {
  const byOp = new Map<string, PlannedJob[]>(); // op\0aggregate -> jobs running it
  const note = (job: PlannedJob) => {
    for (const e of job.entries) for (const o of e.operations) byOp.set(pairKey(o.name, e.aggregate), [...(byOp.get(pairKey(o.name, e.aggregate)) ?? []), job]);
  };
  jobs.forEach(note);
  const added: PlannedJob[] = [];
  let frontier = jobs;
  while (frontier.length > 0) {
    const next: PlannedJob[] = [];
    const aggregates = new Map<string, Aggregate>();
    for (const j of frontier) for (const e of j.entries) aggregates.set(e.aggregate, findAggregate(planner, workflow, e));
    for (const op of workflow.operations.values()) {
      const waits = afterNames(op.pre).map((a) => a.name);
      if (waits.length === 0) continue;
      const group = workflow.groups.get(op.name)!;
      for (const [aggId, aggregate] of aggregates) {
        if (byOp.has(pairKey(op.name, aggId))) continue;
        const deps = waits.flatMap((w) => byOp.get(pairKey(w, aggId)) ?? []);
        if (deps.length === 0) continue;
        const afterIds = waits.flatMap((w) => queued.get(pairKey(w, aggId)) ?? []);
        const entry = entryOf(workflow, { group, aggregate });
        const job = make({ tasks: [[entry]], resources: entry.resources, dependsOn: [...new Set(deps)], afterIds });
        note(job);
        next.push(job);
      }
    }
    added.push(...next);
    frontier = next;
  }
  return added;
}

function findAggregate(planner: Planner, workflow: Workflow, e: BundleEntry): Aggregate {
  const group = workflow.groups.get(e.group)!;
  const agg = planner.aggregates(group).find((a) => a.id === e.aggregate);
  if (!agg) throw new Error(`aggregate ${e.aggregate} of group ${e.group} not found`);
  return agg;
}
