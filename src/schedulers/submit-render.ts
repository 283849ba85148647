/**
 * The third step of `cohort submit`: each cluster job's script, rendered from the scheduler's
 * template; and with `--chain`, the jobs of the operations downstream of those submitted.
 */
import path from "node:path";
import { newRunId } from "../runs/run-id.js";
import { UserError } from "../util/errors.js";
import { packageFile } from "../util/package-file.js";
import { afterNames } from "../workflow/conditions.js";
import type { ResolvedDirectives } from "../workflow/directives.js";
import type { Planner, Aggregate } from "../workflow/planner.js";
import type { Workflow } from "../workflow/workflow.js";
import { clusterJobName, JOB_NAME } from "./job-name.js";
import type { ClusterProfile, PartitionProfile } from "./cluster-profile.js";
import { choosePartition, durationText, limitsOfScheduler, shortfalls, type PartitionLimits } from "./partition-choice.js";
import type { PartitionInfo, Scheduler } from "./scheduler.js";
import { renderScript, scriptWord, type BundleEntry, type SchedulerName, type ScriptOptions } from "./script.js";
import type { PlannedJob, SubmitOptions } from "./submit.js";
import type { Entries, JobPlan } from "./submit-bundle.js";
import { queueKey } from "./tracking.js";

const COHORT_BIN = packageFile("bin/cohort");

/**
 * A cluster job id as schedulers print them: `123`, `123_4` (SLURM), `123.server`, `123[].server` (PBS).
 * Every scheduler's starts with a digit: in `--after 5 simulate` or `--after --pretend`, the word
 * after the ids is a name or an option the user meant, not a job id.
 */
export const CLUSTER_JOB_ID = /^[0-9][A-Za-z0-9_.[\]-]*$/;

/** The hint of a word given to `--after` that is no job id. */
export const AFTER_HINT = "e.g. --after 12345; --after takes every word up to the next option, so put operation names before it";

export function dependencyExpression(scheduler: SchedulerName, ids: readonly string[]): string | undefined {
  if (ids.length === 0) return undefined;
  for (const id of ids) {
    // A job of this submission not submitted yet (pretending) is shown by its name: `<NAME>`.
    const name = /^<(.*)>$/.exec(id)?.[1];
    if (!(name !== undefined ? JOB_NAME.test(name) : CLUSTER_JOB_ID.test(id))) throw new UserError(`${JSON.stringify(id)} is not a cluster job id`, AFTER_HINT);
  }
  if (scheduler === "lsf") return ids.map((id) => `done(${id})`).join(" && ");
  return "afterok:" + ids.join(":");
}

/**
 * Refuses what the partition named (`--partition`) can never run, where the profile or sinfo tells its
 * limits. `job` names the job in messages (`the cluster job of simulate on 3fa2...`).
 */
export function checkPartition(resources: ResolvedDirectives, partitions: PartitionInfo[] | undefined, wanted: string | undefined, job = "the job"): void {
  if (!partitions || partitions.length === 0) return;
  const part = wanted !== undefined ? partitions.find((p) => p.name === wanted) : partitions.find((p) => p.isDefault) ?? partitions[0];
  if (!part) return; // the scheduler itself will name an unknown partition
  const where = `partition ${part.name}`;
  if (resources.ngpu > 0 && !partitions.some((p) => p.gpus > 0)) {
    throw new UserError(`${job} asks for ${resources.ngpu} GPU${resources.ngpu === 1 ? "" : "s"} but no partition of the scheduler has GPUs`, "remove the ngpu directive or submit to a cluster with GPU nodes");
  }
  if (resources.ngpu > part.gpus) {
    throw new UserError(`${job} asks for ${resources.ngpu} GPUs but ${where} has ${part.gpus === 0 ? "none" : `${part.gpus} per node`}`, `choose a GPU partition with --partition (${partitions.filter((p) => p.gpus > 0).map((p) => p.name).join(", ")})`);
  }
  if (resources.walltime !== null && part.maxWalltime !== undefined && resources.walltime > part.maxWalltime) {
    throw new UserError(`${job} asks for a walltime of ${durationText(resources.walltime)}, over the limit of ${where} (${durationText(part.maxWalltime)})`, "lower the walltime directive, bundle fewer operations, or choose another partition");
  }
}

/** Where a job goes: the partition (none: the scheduler's default), its limits where known, and the words its submit command adds. */
interface Placement {
  partition?: string;
  limits?: PartitionLimits;
  words: string[];
}

export interface RenderSettings {
  project: { name: string; root: string };
  /** Where scripts and the scheduler's output files go. */
  dir: string;
  scheduler: Scheduler | undefined;
  schedulerName: SchedulerName;
  partitions: PartitionInfo[] | undefined;
  /** The cluster profile in force, if any. */
  cluster?: ClusterProfile;
  opts: SubmitOptions;
}

/**
 * Renders the scripts of one submission. A job that waits for jobs of this submission is rendered
 * again, once they have their ids, just before it is submitted (`renderAgain`).
 */
export class ScriptRenderer {
  /** Directive keys the template has read in any script of this submission, and those it may not have. */
  private readonly directivesRead = new Set<string>();
  private readonly maybeUnread = new Set<string>();
  private readonly renderers = new Map<PlannedJob, (afterIds: string[]) => void>();
  private readonly queuedAfter = new Map<PlannedJob, string[]>();
  private readonly cohortBin = scriptWord(COHORT_BIN, "submission script (the path of cohort)");

  constructor(private readonly settings: RenderSettings) {}

  /**
   * The partition of a job of these resources: `--partition` when given (checked against what the
   * profile or sinfo tells of it), else the one chosen from the profile's partitions, else from sinfo's.
   */
  private place(resources: ResolvedDirectives, entries: BundleEntry[]): Placement {
    const { partitions, cluster, opts } = this.settings;
    const profileParts = cluster?.partitions ?? [];
    const words = (limits: PartitionLimits | undefined) => [
      ...(cluster?.submitOptions ?? []),
      ...(limits && "submitOptions" in limits ? (limits as PartitionProfile).submitOptions : []),
      ...(opts.extra ?? []),
    ];
    const job = `the cluster job of ${entries[0].group} on ${entries[0].aggregate}${entries.length > 1 ? ` (and ${entries.length - 1} more)` : ""}`;
    if (opts.partition !== undefined) {
      if (partitions) checkPartition(resources, partitions, opts.partition, job);
      const known = profileParts.find((p) => p.name === opts.partition);
      const why = known ? shortfalls(resources, known) : [];
      if (why.length > 0) throw new UserError(`partition ${known!.name} of cluster ${cluster!.name} cannot run ${job}: ${why.join("; ")}`, "lower the directive, bundle fewer operations, or leave out --partition and cohort chooses one");
      const limits = known ?? (partitions && limitsOfScheduler(partitions).find((p) => p.name === opts.partition));
      return { partition: opts.partition, limits, words: words(limits) };
    }
    if (profileParts.length > 0) {
      const limits = choosePartition(resources, profileParts, `cluster ${cluster!.name}`, job);
      return { partition: limits.name, limits, words: words(limits) };
    }
    if (partitions && partitions.length > 0) {
      const limits = choosePartition(resources, limitsOfScheduler(partitions), `the scheduler (sinfo)`, job);
      return { partition: limits.name, limits, words: words(undefined) };
    }
    return { words: words(undefined) };
  }

  /** A planned job with its script. */
  render(p: JobPlan): PlannedJob {
    const { project, dir, scheduler, schedulerName, cluster, opts } = this.settings;
    const all = p.tasks.length === 1 ? p.tasks[0] : p.tasks.flat();
    // An array's tasks share these resources (that is what put them in one array).
    const placed = this.place(p.resources, all);
    const isArray = p.tasks.length > 1;
    const groupId = newRunId();
    const jobName = clusterJobName(project, all);
    const options: ScriptOptions = { partition: placed.partition, account: opts.account ?? cluster?.account, hold: opts.hold };
    // The directory is normalized and a group id holds no separator: no path.join needed.
    const scriptFile = dir + path.sep + groupId + ".sh";
    const submitCommand = scheduler ? scheduler.submitCommand(scriptFile, placed.words) : defaultSubmitCommand(schedulerName, scriptFile, placed.words);
    const job: PlannedJob = {
      entries: all,
      tasks: isArray ? p.tasks : undefined,
      dependsOn: p.dependsOn,
      groupId,
      jobName,
      script: "",
      scriptFile,
      submitCommand,
      submitWords: placed.words,
      resources: p.resources,
      partitionName: placed.partition,
      partition: placed.limits,
    };
    const cohort = `${scriptWord(p.resources.executable, "submission script (the executable directive)")} ${this.cohortBin}`;
    const mpiLauncher = all.some((e) => e.operations.some((o) => o.directives.nranks)) ? (schedulerName === "slurm" ? "srun" : "mpirun") : "";
    const render = (afterIds: string[]) => {
      options.dependency = dependencyExpression(schedulerName, opts.after?.length ? [...opts.after, ...afterIds] : afterIds);
      const rendered = renderScript(
        {
          project,
          scheduler: schedulerName,
          jobName,
          submissionGroup: groupId,
          outputDir: dir,
          cohort,
          parallel: opts.parallel ?? false,
          mpiLauncher,
          bundle: all,
          resources: p.resources,
          options,
          prelude: cluster?.prelude ?? [],
          array: isArray ? { first: 1, tasks: p.tasks } : undefined,
        },
        this.directivesRead,
      );
      for (const k of rendered.unread) this.maybeUnread.add(k);
      job.script = rendered.text;
    };
    render(p.dependsOn.length > 0 ? [...p.afterIds, ...p.dependsOn.map((d) => d.jobId ?? `<${d.jobName}>`)] : p.afterIds);
    // Pretending, nothing is rendered again with the ids of submitted jobs.
    if (scheduler !== undefined && !opts.pretend) {
      this.renderers.set(job, render);
      this.queuedAfter.set(job, p.afterIds);
    }
    return job;
  }

  /** Renders a job again with the ids of the jobs of this submission it depends on, submitted by now. */
  renderAgain(job: PlannedJob): void {
    this.renderers.get(job)!([...this.queuedAfter.get(job)!, ...job.dependsOn.map((d) => d.jobId!)]);
  }

  /** Directives set on an operation that the template read in no script, sorted. */
  unreadDirectives(): string[] {
    return [...this.maybeUnread].sort().filter((k) => !this.directivesRead.has(k));
  }
}

function defaultSubmitCommand(scheduler: SchedulerName, file: string, extra: readonly string[] = []): string[] {
  if (scheduler === "slurm") return ["sbatch", "--parsable", ...extra, file];
  if (scheduler === "pbs") return ["qsub", ...extra, file];
  return ["bsub", ...extra, "<", file];
}

/**
 * Jobs for the operations downstream of `jobs` (`--chain`): an operation whose `after` conditions
 * name an operation submitted for an aggregate is submitted for that aggregate too, depending on
 * the jobs that run what it waits for; repeated until nothing new is downstream. `queued`: ids of
 * cluster jobs already queued, by queueKey(operation, aggregate).
 */
export function chainJobs(planner: Planner, workflow: Workflow, jobs: PlannedJob[], queued: Map<string, string[]>, entries: Entries, renderer: ScriptRenderer): PlannedJob[] {
  const byOp = new Map<string, PlannedJob[]>(); // operation\0aggregate -> jobs running it
  const note = (job: PlannedJob) => {
    for (const e of job.entries) for (const o of e.operations) byOp.set(queueKey(o.name, e.aggregate), [...(byOp.get(queueKey(o.name, e.aggregate)) ?? []), job]);
  };
  jobs.forEach(note);
  const added: PlannedJob[] = [];
  const byId = new Map<string, Map<string, Aggregate>>();
  let frontier = jobs;
  while (frontier.length > 0) {
    const next: PlannedJob[] = [];
    const aggregates = new Map<string, Aggregate>();
    for (const j of frontier) for (const e of j.entries) aggregates.set(e.aggregate, findAggregate(planner, workflow, e, byId));
    for (const op of workflow.operations.values()) {
      const waits = afterNames(op.pre).map((a) => a.name);
      if (waits.length === 0) continue;
      const group = workflow.groups.get(op.name)!;
      for (const [aggId, aggregate] of aggregates) {
        if (byOp.has(queueKey(op.name, aggId))) continue;
        const deps = waits.flatMap((w) => byOp.get(queueKey(w, aggId)) ?? []);
        if (deps.length === 0) continue;
        const afterIds = waits.flatMap((w) => queued.get(queueKey(w, aggId)) ?? []);
        const entry = entries.of({ group, aggregate });
        const job = renderer.render({ tasks: [[entry]], resources: entry.resources, dependsOn: [...new Set(deps)], afterIds });
        note(job);
        next.push(job);
      }
    }
    for (const job of next) added.push(job); // (not push(...next): 150,000 jobs overflow the stack)
    frontier = next;
  }
  return added;
}

/** An entry's aggregate, by id through `byId` (per group), filled at a group's first look: a search of the list for each entry took time quadratic in the jobs. */
function findAggregate(planner: Planner, workflow: Workflow, e: BundleEntry, byId: Map<string, Map<string, Aggregate>>): Aggregate {
  let ids = byId.get(e.group);
  if (!ids) byId.set(e.group, (ids = new Map(planner.aggregates(workflow.groups.get(e.group)!).map((a) => [a.id, a]))));
  const agg = ids.get(e.aggregate);
  if (!agg) throw new Error(`aggregate ${e.aggregate} of group ${e.group} not found`);
  return agg;
}
