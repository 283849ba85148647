/**
 * The columns a run group shows in run lists, derived from its members (SPEC §7). Pure functions:
 * the caller reads the members; members that were deleted or purged are left out before calling.
 */
import type { RunStatus } from "./run-status.js";

/** A group's status: a run status, `queued` (a submission whose cluster job waits), or `unknown` (no members). */
export type GroupStatus = RunStatus | "queued" | "unknown";

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
 * running → running; any terminated → terminated; any queued → queued; any pending → pending; no
 * members → unknown.
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
  if (seen.has("pending")) return "pending";
  return "unknown";
}

/**
 * The operation column: the members' operation when all share one; otherwise `<first.op>...<other.op>`,
 * with `first` the first member by start time and `other` the first after it whose operation differs.
 * Members that have not started come after those that have, in the order given (their ids: creation
 * order). No members: "".
 */
export function groupOperation(members: readonly MemberFacts[]): string {
  if (members.length === 0) return "";
  // Not started: after every start; ties keep the order given.
  const time = (m: MemberFacts) => m.started ?? Infinity;
  let first = members[0];
  for (const m of members) if (time(m) < time(first)) first = m;
  let other: MemberFacts | undefined;
  for (const m of members) if (m.operation !== first.operation && (other === undefined || time(m) < time(other))) other = m;
  return other === undefined ? first.operation : `${first.operation}...${other.operation}`;
}

/** The started column: the start of the first member to start; undefined when none has. */
export function groupStarted(members: readonly MemberFacts[]): number | undefined {
  let first: number | undefined;
  for (const { started: t } of members) if (t !== undefined && !Number.isNaN(t) && (first === undefined || t < first)) first = t;
  return first;
}
