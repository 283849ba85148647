/**
 * The columns a run group shows in run lists, derived from its members (SPEC §7). Pure functions:
 * the caller reads the members; members that were deleted or purged are left out before calling.
 */
import type { RunStatus } from "./record.js";

/** A group's status: a run status, or `queued` (a submission whose cluster job waits). */
export type GroupStatus = RunStatus | "queued";

/** What a group needs to know of one member. */
export interface MemberFacts {
  operation: string;
  /** Epoch microseconds; undefined when the run has not started. */
  started?: number;
  status: GroupStatus;
}

/**
 * A submission's cluster job as the scheduler reports it: while it is known, waiting or held
 * (`queued`) or `running`; once ended, its final state.
 */
export type ClusterJobState = "queued" | "held" | "running" | "COMPLETED" | "FAILED" | "OUT_OF_MEMORY" | "CANCELLED" | "TIMEOUT";

/** The status a cluster job adds as one more member; undefined adds none. */
export function clusterJobStatus(state: ClusterJobState | undefined): GroupStatus | undefined {
  switch (state) {
    case "queued":
    case "held":
      return "queued";
    case "running":
      return "running";
    case "FAILED":
    case "OUT_OF_MEMORY":
      return "error";
    case "CANCELLED":
    case "TIMEOUT":
      return "terminated";
    default:
      return undefined;
  }
}

/**
 * The status ladder, first rule that matches: all completed → completed; any error → error; any
 * running → running; any terminated → terminated; any queued → queued; any staged or pending →
 * pending; no members → unknown. A member of status `unknown` among others leaves the ladder to its
 * last rule: the group is `unknown` only when nothing else matched.
 */
export function groupStatus(statuses: Iterable<GroupStatus>): GroupStatus {
  const seen = new Set<GroupStatus>();
  let count = 0;
  for (const s of statuses) {
    seen.add(s);
    count++;
  }
  if (count === 0) return "unknown";
  if (seen.size === 1 && seen.has("completed")) return "completed";
  for (const s of ["error", "running", "terminated", "queued"] as const) if (seen.has(s)) return s;
  if (seen.has("staged") || seen.has("pending")) return "pending";
  return "unknown";
}

/** Members by start time; those not started go last, in the order given (their ids: creation order). */
function byStart<T extends MemberFacts>(members: readonly T[]): T[] {
  return members
    .map((m, i) => ({ m, i }))
    .sort((a, b) => (a.m.started ?? Infinity) - (b.m.started ?? Infinity) || a.i - b.i)
    .map((x) => x.m);
}

/**
 * The operation column: the members' operation when all share one; otherwise `<first.op>...<other.op>`,
 * with `first` the first member by start time and `other` the first after it whose operation differs.
 * No members: "".
 */
export function groupOperation(members: readonly MemberFacts[]): string {
  const sorted = byStart(members);
  if (sorted.length === 0) return "";
  const first = sorted[0].operation;
  const other = sorted.find((m) => m.operation !== first);
  return other ? `${first}...${other.operation}` : first;
}

/** The started column: the start of the first member to start; undefined when none has. */
export function groupStarted(members: readonly MemberFacts[]): number | undefined {
  let first: number | undefined;
  for (const m of members) if (m.started !== undefined && (first === undefined || m.started < first)) first = m.started;
  return first;
}
