/**
 * Following submissions to the end (SPEC §9): each cluster job is a `submission` run group whose
 * attributes hold `scheduler`, `scheduler_job_id`, `job_name`, `pairs` ([[group, aggregate], ...]) and,
 * once the job has ended and the scheduler said how, `scheduler_state` (final, so never asked again).
 *
 * `clusterStates` asks the scheduler once for its queue; jobs no longer queued are looked up together
 * (`sacct`, or `scontrol show job` without accounting) and their final state is written into their
 * group, so that later listings need no scheduler at all for them.
 */
import fs from "node:fs";
import path from "node:path";
import { changeAttributes } from "../runs/attributes.js";
import type { ClusterJobState } from "../runs/group-columns.js";
import { readLedger } from "../runs/ledger.js";
import type { FinalState, QueuedJob, Scheduler } from "./scheduler.js";

/** A submission group: its id and attributes. */
export interface SubmissionGroup {
  id: string;
  kind: string;
  attrs: Map<string, unknown>;
}

export interface Submission {
  group: SubmissionGroup;
  scheduler: string;
  jobId: string | undefined;
  jobName: string;
  /** [group, aggregate] pairs the cluster job runs. */
  pairs: [string, string][];
  finalState: FinalState | undefined;
}

function asPairs(v: unknown): [string, string][] {
  if (!Array.isArray(v)) return [];
  return v.filter((p): p is [string, string] => Array.isArray(p) && p.length === 2 && typeof p[0] === "string" && typeof p[1] === "string");
}

export function submissionOf(group: SubmissionGroup): Submission | undefined {
  if (group.kind !== "submission" || group.attrs.has("trash")) return undefined;
  const a = group.attrs;
  const str = (k: string) => {
    const v = a.get(k);
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  return {
    group,
    scheduler: str("scheduler") ?? "",
    jobId: str("scheduler_job_id"),
    jobName: str("job_name") ?? "",
    pairs: asPairs(a.get("pairs")),
    finalState: str("scheduler_state") as FinalState | undefined,
  };
}

/**
 * The scheduler's output files of a submission that exist, relative to the project (`.cohort/cluster/`,
 * as the built-in templates name them): SLURM `NAME-ID.out` (array tasks `NAME-ID_N.out`), LSF
 * `ID.out` (`ID_N.out`). What a failed job said before cohort ran is there.
 */
export function schedulerOutputFiles(projectRoot: string, s: Submission): string[] {
  const prefix = s.scheduler === "slurm" ? `${s.jobName}-${s.jobId}` : s.scheduler === "lsf" ? s.jobId : undefined;
  if (s.jobId === undefined || prefix === undefined) return [];
  const dir = path.join(".cohort", "cluster");
  let names: string[];
  try {
    names = fs.readdirSync(path.join(projectRoot, dir));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(".out") && (n === `${prefix}.out` || n.startsWith(`${prefix}_`)))
    .sort()
    .map((n) => path.join(dir, n));
}

/** The submission groups among groups already read, oldest first. */
export function submissionsOf(groups: Iterable<SubmissionGroup>): Submission[] {
  const out: Submission[] = [];
  for (const g of groups) {
    const s = submissionOf(g);
    if (s) out.push(s);
  }
  return out;
}

/** Only groups and attribute changes make a submission: `status` need not read 100,000 runs. */
const SUBMISSION_EVENTS: ReadonlySet<string> = new Set(["group", "attr"]);

/** Every submission group of a project, oldest first. */
export function listSubmissions(projectRoot: string): Submission[] {
  return submissionsOf(readLedger(projectRoot, { kinds: SUBMISSION_EVENTS }).groups.values());
}

export interface ClusterView {
  /** The state of each submission group's cluster job, by group id. */
  byGroup: Map<string, ClusterJobState>;
  /** The live queue, as the one scheduler call returned it. */
  queue: QueuedJob[];
  submissions: Submission[];
}

/**
 * One queue call, one final-state lookup for jobs that left the queue since the last look. `asked`:
 * the queue call, when the caller started it already.
 */
export async function clusterStates(projectRoot: string, scheduler: Scheduler, submissions = listSubmissions(projectRoot), asked?: Promise<QueuedJob[]>): Promise<ClusterView> {
  const queue = await (asked ?? scheduler.queue());
  const live = new Map(queue.map((j) => [j.id.replace(/_\[.*\]$/, "").replace(/_\d+$/, ""), j]));
  const byGroup = new Map<string, ClusterJobState>();
  const gone: Submission[] = [];
  for (const s of submissions) {
    if (s.scheduler !== scheduler.name || s.jobId === undefined) continue;
    if (s.finalState) {
      byGroup.set(s.group.id, s.finalState);
      continue;
    }
    const q = live.get(s.jobId);
    if (q) byGroup.set(s.group.id, q.state);
    else gone.push(s);
  }
  if (gone.length > 0) {
    const finals = scheduler.finalStates(gone.map((s) => s.jobId!));
    for (const s of gone) {
      const f = finals.get(s.jobId!);
      if (!f) continue;
      byGroup.set(s.group.id, f);
      changeAttributes(projectRoot, s.group.id, { set: { scheduler_state: f } });
      s.group.attrs.set("scheduler_state", f);
      s.finalState = f;
    }
  }
  return { byGroup, queue, submissions };
}

/** Pairs `[group, aggregate]` whose cluster job is queued, held or running now. */
export function pairsInQueue(view: ClusterView): Set<string> {
  const out = new Set<string>();
  for (const s of view.submissions) {
    const st = view.byGroup.get(s.group.id);
    if (st === "queued" || st === "held" || st === "running") for (const [g, a] of s.pairs) out.add(queueKey(g, a));
  }
  return out;
}

/** The key of a group's or an operation's pair with an aggregate, as the queue's submissions hold them. */
export function queueKey(name: string, aggregate: string): string {
  return `${name}\0${aggregate}`;
}

/**
 * The scheduler's view for listings (`status`, `runs -g`): undefined — and no scheduler call at all —
 * when every submission has its final state recorded. A scheduler that cannot be reached is a warning:
 * listings still show what the records say.
 */
export async function pendingClusterView(projectRoot: string, warn: (message: string) => void, submissions = listSubmissions(projectRoot)): Promise<ClusterView | undefined> {
  const open = submissions.filter((s) => s.jobId !== undefined && s.finalState === undefined);
  if (open.length === 0) return undefined;
  try {
    // (the schedulers' code loads only when one is asked: a listing with nothing submitted never is)
    const { openScheduler } = await import("./scheduler.js");
    const scheduler = openScheduler(open[0].scheduler);
    return await clusterStates(projectRoot, scheduler, submissions);
  } catch (err) {
    warn(`cannot ask the ${open[0].scheduler} scheduler about ${open.length} submitted job${open.length === 1 ? "" : "s"}: ${(err as Error).message}`);
    return undefined;
  }
}

/** Live states by `operation\0aggregate`, for the operations of every queued, held or running cluster job. */
export function operationStates(view: ClusterView, groupOperations: (group: string) => readonly string[] | undefined): Map<string, LiveState> {
  const out = new Map<string, LiveState>();
  for (const s of view.submissions) {
    const st = view.byGroup.get(s.group.id);
    if (st !== "queued" && st !== "held" && st !== "running") continue;
    for (const [g, a] of s.pairs) {
      for (const op of groupOperations(g) ?? []) {
        const key = queueKey(op, a);
        const prev = out.get(key);
        if (prev === undefined || LIVE_RANK[st] > LIVE_RANK[prev]) out.set(key, st);
      }
    }
  }
  return out;
}

export type LiveState = "queued" | "held" | "running";
const LIVE_RANK: Record<LiveState, number> = { held: 0, queued: 1, running: 2 };

/**
 * A submission group's cluster job state for the group's status: the scheduler's live answer where
 * it was asked, else the final state recorded in the group.
 */
export function clusterJobOf(view: ClusterView | undefined): (group: { id: string; attrs: Map<string, unknown> }) => ClusterJobState | undefined {
  return (group) => {
    const live = view?.byGroup.get(group.id);
    if (live !== undefined) return live;
    const recorded = group.attrs.get("scheduler_state");
    return typeof recorded === "string" && FINAL_STATES.has(recorded) ? (recorded as FinalState) : undefined;
  };
}

const FINAL_STATES = new Set<string>(["COMPLETED", "FAILED", "OUT_OF_MEMORY", "CANCELLED", "TIMEOUT"]);

/**
 * The ids of the jobs a scheduler holds now (array tasks also as `JOB_TASK`), from one queue call;
 * undefined when it cannot be asked, so that callers keep what the records say.
 */
export async function liveJobIds(schedulerName: string, warn: (message: string) => void): Promise<Set<string> | undefined> {
  try {
    const ids = new Set<string>();
    const { openScheduler } = await import("./scheduler.js");
    for (const j of await openScheduler(schedulerName).queue()) ids.add(j.id);
    return ids;
  } catch (err) {
    warn(`cannot ask the ${schedulerName} scheduler whether runs of other hosts still run: ${(err as Error).message}`);
    return undefined;
  }
}
