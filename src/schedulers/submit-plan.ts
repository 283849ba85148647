/**
 * The first step of `cohort submit`: the eligible (group, aggregate) pairs of the selected groups,
 * less those a cluster job of this project already holds (see submit.ts).
 */
import path from "node:path";
import { DocumentCache } from "../dataspace/document-cache.js";
import { DocumentSnapshot } from "../dataspace/job-files.js";
import type { Project } from "../dataspace/project.js";
import { eligibleItems } from "../execution/items.js";
import { UserError } from "../util/errors.js";
import type { GroupDefinition } from "../workflow/model.js";
import { Planner, type Aggregate } from "../workflow/planner.js";
import type { Workflow } from "../workflow/workflow.js";
import { clusterJobName } from "./job-name.js";
import type { QueuedJob, Scheduler } from "./scheduler.js";
import type { SchedulerName } from "./script.js";
import type { SubmitOptions } from "./submit.js";
import { clusterStates, listSubmissions, pairsInQueue, queueKey, type ClusterView, type Submission } from "./tracking.js";

export interface Pair {
  group: GroupDefinition;
  aggregate: Aggregate;
}

/** The eligible pairs, in order, once each, and the planner that found them. */
export async function eligiblePairs(project: Project, workflow: Workflow, opts: SubmitOptions): Promise<{ planner: Planner; pairs: Pair[] }> {
  // Nothing runs while submitting: conditions are answered from one snapshot, documents through the cache.
  const documents = DocumentCache.open(path.join(project.dataDir, "cache"));
  const files = new DocumentSnapshot(documents);
  const planner = new Planner(project, workflow, opts.selection, { jobs: files.jobs(project), snapshot: true, files });
  const { items, raised } = await eligibleItems(planner, opts.groups);
  documents.save(() => new Set(project.index.jobIds));
  if (raised.length > 0) throw raised[0].error;

  const pairs: Pair[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const key = queueKey(item.group.name, item.aggregate.id);
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push({ group: item.group, aggregate: item.aggregate });
  }
  // What a script runs is the state point in each job's directory, not the index's alone (Job.verify).
  for (const pair of pairs) for (const job of pair.aggregate.jobs) job.verify();
  return { planner, pairs };
}

export interface Unqueued {
  /** The pairs to submit. */
  pairs: Pair[];
  /** Pairs left out because a cluster job holds them, as `group on aggregate`. */
  skipped: string[];
  /** The cluster job ids already queued that run an operation on an aggregate, by queueKey(operation, aggregate). */
  queuedOps: Map<string, string[]>;
}

/**
 * Leaves out the pairs the scheduler's queue (`queue`, asked by the caller) holds, and those sharing an
 * operation with them, unless `--force`. Without a scheduler, or pretending where the queue cannot
 * be asked, every pair stays.
 */
export async function leaveOutQueued(
  project: Project,
  workflow: Workflow,
  scheduler: Scheduler | undefined,
  schedulerName: SchedulerName,
  pairs: Pair[],
  queue: Promise<QueuedJob[]> | undefined,
  opts: SubmitOptions,
  projectName: { name: string; root: string },
): Promise<Unqueued> {
  const warn = opts.warn ?? (() => {});
  const queuedOps = new Map<string, string[]>();
  let view: ClusterView | undefined;
  try {
    view = scheduler && (await clusterStates(project.root, scheduler, undefined, queue));
  } catch (err) {
    // Pretending needs no scheduler: without its queue, every eligible pair is shown. That is said
    // only where the queue could have left a pair out: one this project's records show submitted
    // to a cluster job that has not ended (or sharing an operation with one).
    if (!opts.pretend || !(err instanceof UserError)) throw err;
    const unsure = pairsMaybeQueued(workflow, pairs, listSubmissions(project.root).filter((s) => s.scheduler === schedulerName && s.jobId !== undefined && !s.finalState));
    if (unsure > 0) warn(`${unsure} of these (group, aggregate) pairs ${unsure === 1 ? "is" : "are"} shown though ${unsure === 1 ? "it" : "they"} may be queued already: ${err.message}`);
  }
  if (!view) return { pairs, skipped: [], queuedOps };
  const held = pairsInQueue(view);
  const liveNames = new Set(view.queue.map((j) => j.name));
  const busyOps = new Set<string>();
  for (const s of view.submissions) {
    const st = view.byGroup.get(s.group.id);
    if (!(st === "queued" || st === "held" || st === "running")) continue;
    for (const [g, a] of s.pairs) {
      for (const op of workflow.groups.get(g)?.operations ?? []) {
        busyOps.add(queueKey(op, a));
        const list = queuedOps.get(queueKey(op, a)) ?? [];
        list.push(s.jobId!);
        queuedOps.set(queueKey(op, a), list);
      }
    }
  }
  const free: Pair[] = [];
  const skipped: string[] = [];
  for (const p of pairs) {
    const inQueue =
      held.has(queueKey(p.group.name, p.aggregate.id)) ||
      liveNames.has(clusterJobName(projectName, [{ group: p.group.name, aggregate: p.aggregate.id }])) ||
      p.group.operations.some((op) => busyOps.has(queueKey(op, p.aggregate.id)));
    if (inQueue && !opts.force) skipped.push(`${p.group.name} on ${p.aggregate.id}`);
    else free.push(p);
  }
  return { pairs: free, skipped, queuedOps };
}

/** How many pairs a cluster job of `open` (submissions not known to have ended) runs, or shares an operation with. */
function pairsMaybeQueued(workflow: Workflow, pairs: readonly Pair[], open: readonly Submission[]): number {
  if (open.length === 0) return 0;
  const busy = new Set<string>();
  for (const s of open) for (const [g, a] of s.pairs) for (const op of workflow.groups.get(g)?.operations ?? []) busy.add(queueKey(op, a));
  return pairs.filter((p) => p.group.operations.some((op) => busy.has(queueKey(op, p.aggregate.id)))).length;
}
