/**
 * Run and group status, derived from the journals and never stored (SPEC §6, §7).
 *
 * A run with an `end` is `completed` (exit 0), `error` (> 0) or `terminated` (< 0: a signal). Without
 * one, it depends on its writer (the process whose journal made it): alive → `running` once started,
 * `pending` before; dead on this host → `terminated`; on another host → alive until the cluster job it
 * ran in has left the scheduler (when the caller can ask), then dead.
 */
import os from "node:os";
import type { ClusterJobRef } from "./cluster-job.js";
import { groupOperation, groupStarted, groupStatus, clusterJobStatus, type ClusterJobState, type GroupStatus, type MemberFacts } from "./group-columns.js";
import { bootId, currentAuthor } from "./journal.js";
import type { Group, Ledger, Run, Writer } from "./ledger.js";
import { pidIsAlive } from "../util/process.js";

export type RunStatus = "completed" | "error" | "terminated" | "running" | "pending";

export interface ClusterLookups {
  /** Whether the scheduler still holds a cluster job; without it, a writer on another host counts as alive. */
  clusterJobLive?(job: ClusterJobRef): boolean;
  /** The state of a submission group's cluster job, when a scheduler was asked. */
  clusterJob?(group: Group): ClusterJobState | undefined;
}

/** Tells whether writers are alive, asking each once. */
export class Liveness {
  private readonly known = new Map<string, boolean>();
  private readonly host = os.hostname();
  private readonly boot = bootId();
  private readonly user = currentAuthor();

  constructor(private readonly opts: ClusterLookups = {}) {}

  alive(writer: Writer | undefined): boolean {
    if (!writer) return false;
    let alive = this.known.get(writer.id);
    if (alive === undefined) {
      alive = this.ask(writer);
      this.known.set(writer.id, alive);
    }
    return alive;
  }

  /**
   * Whether a writer is gone for good: a process of this host that no longer runs never comes back
   * (a writer no journal names counts as gone). One of another host is never known to be gone.
   */
  gone(writer: Writer | undefined): boolean {
    return writer === undefined || (writer.host === this.host && !this.alive(writer));
  }

  private ask(w: Writer): boolean {
    // The scheduler is asked about this user's jobs only (`squeue -u`): another user's counts as alive.
    if (w.host !== this.host) return !(w.cluster && w.user === this.user && this.opts.clusterJobLive && !this.opts.clusterJobLive(w.cluster));
    if (w.boot !== undefined && this.boot !== undefined && w.boot !== this.boot) return false;
    return pidIsAlive(w.pid, w.pstart);
  }
}

export function runStatus(run: Run, ledger: Ledger, live: Liveness): RunStatus {
  if (run.exit !== undefined) return run.exit === 0 ? "completed" : run.exit > 0 ? "error" : "terminated";
  if (run.ended !== undefined) return "error";
  if (!live.alive(runnerOf(run, ledger))) return "terminated";
  return run.started !== undefined ? "running" : "pending";
}

/** The writer that runs a run: the one that started it (the same one that made it, for cohort's own runners). */
function runnerOf(run: Run, ledger: Ledger): Writer | undefined {
  return ledger.writers.get(run.segmentWriter ?? run.writer);
}

/** Whether a run's status can no longer change: it has an end, or its runner is gone for good. */
function runSettled(run: Run, ledger: Ledger, live: Liveness): boolean {
  return run.exit !== undefined || run.ended !== undefined || live.gone(runnerOf(run, ledger));
}

/** Whether a run was deleted (to the trash) or purged. */
export function trashOf(run: { attrs: ReadonlyMap<string, unknown> }): "present" | "deleted" | "purged" {
  if (run.attrs.has("purged")) return "purged";
  return run.attrs.has("trash") ? "deleted" : "present";
}

/** A group's derived columns (SPEC §7). */
export interface GroupColumns {
  operation: string;
  started?: number;
  status: GroupStatus;
  /** The jobs of the members that count (neither deleted nor purged), each once, in member order. */
  jobs: string[];
  /**
   * Whether the columns can change only with the journals: no member that counts, nor the runner
   * making a batch or pipeline, may still run (each ended, or its runner gone for good), and no
   * scheduler is asked.
   */
  settled: boolean;
}

/** The members of a group that count (runs read, neither deleted nor purged), in the order made. */
function countedMembers(runs: readonly Run[]): Run[] {
  return runs.filter((r) => trashOf(r) === "present").sort((a, b) => a.made - b.made || (a.id < b.id ? -1 : 1));
}

/** `runs`: the runs among the group's members (Ledger.memberRuns). */
export function groupColumns(group: Group, ledger: Ledger, live: Liveness, opts: ClusterLookups = {}, runs: readonly Run[] = ledger.memberRuns(group)): GroupColumns {
  const members = countedMembers(runs);
  const facts: MemberFacts[] = members.map((r) => ({ operation: r.operation, started: r.started, status: runStatus(r, ledger, live) }));
  const statuses: GroupStatus[] = facts.map((f) => f.status);
  let settled = members.every((r) => runSettled(r, ledger, live));
  if (group.kind === "submission") {
    const s = clusterJobStatus(opts.clusterJob?.(group));
    if (s) statuses.push(s);
    settled = false;
  } else if (group.kind === "batch" || group.kind === "pipeline") {
    // The runner making the group counts as one more member until it has finished: running while it
    // lives, terminated when it died before making every run it planned. The runs it made are those
    // that joined by their own event: members removed or added by hand since do not change that count.
    if (group.ended === undefined) {
      const runner = ledger.writers.get(group.writer);
      statuses.push(live.alive(runner) ? "running" : "terminated");
      settled &&= live.gone(runner);
    } else if (group.planned !== undefined && group.joined.length < group.planned) statuses.push("terminated");
  }
  const jobs = new Set<string>();
  for (const r of members) for (const j of r.jobs) jobs.add(j);
  return { operation: facts.length > 0 ? groupOperation(facts) : plannedOperation(group), started: groupStarted(facts), status: groupStatus(statuses), jobs: [...jobs], settled };
}

/**
 * What a group with no counted member was made to run, so that a queued submission's row says what it
 * waits to run: a batch's operation, a submission's FlowGroups (`first...other` when several); else "".
 */
function plannedOperation(group: Group): string {
  const named = group.attrs.get(group.kind === "submission" ? "flowgroup" : "operation");
  if (typeof named !== "string" || (group.kind !== "submission" && group.kind !== "batch")) return "";
  const names = group.kind === "submission" ? named.split(",") : [named];
  const other = names.find((n) => n !== names[0]);
  return other === undefined ? names[0] : `${names[0]}...${other}`;
}
