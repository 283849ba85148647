/**
 * What the run commands share: the project's runs and groups (read from its journals), and how a run
 * or a group shows as a table row or as JSON.
 */
import os from "node:os";
import type { JsonObject } from "../dataspace/value.js";
import { projectRootOf } from "../dataspace/root.js";
import { trashOf, type ClusterLookups } from "../runs/run-status.js";
import { RunsView, type Group, type ListedGroup, type ListedRun } from "../runs/view.js";
import { clusterJobOf, liveJobIds, pendingClusterView, submissionsOf } from "../schedulers/tracking.js";
import { warn } from "./context.js";
import { humanTime, isoTime } from "./when.js";
import { printable } from "../util/text.js";

/**
 * The project root of the working directory and its runs: every command reads them once. `groups`: the
 * command shows a group's status, so the scheduler is asked about open submissions (viewWithScheduler);
 * commands that only name, label or change runs and groups leave it unasked.
 */
export async function openRuns(groups = false): Promise<{ root: string; view: RunsView }> {
  const root = projectRootOf(process.cwd());
  return { root, view: await viewWithScheduler(root, (opts) => RunsView.read(root, opts), groups) };
}

/**
 * Says that damaged journal lines were skipped, for the commands that show one run or group in full
 * (`runs show`, `group show`): what the damage held may have been about it. Listings skip them quietly.
 */
export function warnDamaged(view: RunsView): void {
  const n = view.ledger.skipped;
  if (n > 0) warn(`${n} damaged journal line${n === 1 ? " was" : "s were"} skipped (lines of .cohort/journal/ that are not events cohort can read)`);
}

/**
 * A view made by `make`, whose statuses ask the scheduler as commands do: a run of another host runs
 * until its cluster job has left the queue, and a submission group's cluster job counts as a member
 * while the scheduler knows it (SPEC §7). Statuses are derived synchronously, as rows need them, so
 * the scheduler is asked first, and only when the journals hold such a run or an open submission
 * (and, for the submission, only when the caller shows `groups`).
 */
export async function viewWithScheduler(root: string, make: (opts: ClusterLookups) => RunsView, groups = true): Promise<RunsView> {
  // Filled in below, before anything derives a status.
  const lookups: ClusterLookups = {};
  const view = make(lookups);
  const remote = remoteClusterScheduler(view);
  if (remote !== undefined) {
    const live = await liveJobIds(remote, warn);
    lookups.clusterJobLive = (job) => live === undefined || live.has(job.job_id);
  }
  const pending = groups ? await pendingClusterView(root, warn, submissionsOf(view.groupsOfKind("submission"))) : undefined;
  lookups.clusterJob = clusterJobOf(pending);
  return view;
}

/** The scheduler of a cluster job that a run not ended on another host ran in, if there is one. */
function remoteClusterScheduler(view: RunsView): string | undefined {
  const host = os.hostname();
  const { writers, runs } = view.ledger;
  if (![...writers.values()].some((w) => w.host !== host && w.cluster)) return undefined;
  for (const run of runs.values()) {
    if (run.exit !== undefined || run.ended !== undefined) continue;
    const w = writers.get(run.segmentWriter ?? run.writer);
    if (w && w.host !== host && w.cluster) return w.cluster.scheduler;
  }
  return undefined;
}

export const ROW_HEAD = ["#", "name", "operation", "started", "status", "label"];

/** A run's status as lists show it: a deleted run says so. */
function runStatus(run: ListedRun): string {
  return run.trash === "deleted" ? `${run.status} (deleted)` : run.status;
}

export function runCells(run: ListedRun, index: number | undefined, now: number): string[] {
  return [index === undefined ? "" : String(index), run.name, run.operation, humanTime(run.started, now), runStatus(run), printable(run.label)];
}

export function groupCells(group: ListedGroup, index: number | undefined, now: number): string[] {
  return [index === undefined ? "" : String(index), group.name, group.operation, humanTime(group.started, now), group.status, printable(group.label)];
}

export function runJson(run: ListedRun, index: number | undefined): JsonObject {
  const o: JsonObject = {
    index: index ?? null,
    type: "run",
    id: run.id,
    name: run.name,
    operation: run.operation,
    started: run.started ?? null,
    started_iso: isoTime(run.started),
    status: run.status,
    label: run.label,
    tags: run.tags,
    jobs: run.jobs,
    deleted: run.trash === "deleted",
  };
  if (run.flowgroup !== undefined) o.flowgroup = run.flowgroup;
  return o;
}

/** A group as JSON; `jobs` are those of its members that count (neither deleted nor purged). */
export function groupJson(view: RunsView, g: Group, index: number | undefined): JsonObject {
  const group = view.groupSummary(g);
  return {
    index: index ?? null,
    type: "group",
    id: group.id,
    name: group.name,
    kind: group.kind,
    operation: group.operation,
    started: group.started ?? null,
    started_iso: isoTime(group.started),
    status: group.status,
    label: group.label,
    tags: group.tags,
    jobs: view.groupColumns(g).jobs,
    members: group.members,
    deleted: trashOf(g) === "deleted",
  };
}
