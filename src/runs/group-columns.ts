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

/**
 * The operation column: the members' operation when all share one; otherwise `<first.op>...<other.op>`,
 * with `first` the first member by start time and `other` the first after it whose operation differs.
 * Members that have not started come after those that have, in the order given (their ids: creation
 * order). No members: "".
 */
export function groupOperation(members: readonly MemberFacts[]): string {
  const names: string[] = [];
  const index = new Map<string, number>();
  const ops = members.map((m) => {
    let i = index.get(m.operation);
    if (i === undefined) {
      i = names.push(m.operation) - 1;
      index.set(m.operation, i);
    }
    return i;
  });
  return groupOperationOf(
    ops,
    members.map((m) => m.started ?? NaN),
    (i) => names[i],
  );
}

/**
 * groupOperation over columns, in two passes (a listing derives groups of 100,000 members in all):
 * member k's operation as a number (`name` gives its text) and start (NaN: not started).
 */
export function groupOperationOf(ops: ArrayLike<number>, started: ArrayLike<number>, name: (op: number) => string): string {
  const n = ops.length;
  if (n === 0) return "";
  // Not started: after every start; ties keep the order given.
  const time = (k: number) => (Number.isNaN(started[k]) ? Infinity : started[k]);
  let first = 0;
  for (let k = 1; k < n; k++) if (time(k) < time(first)) first = k;
  const op = ops[first];
  let other = -1;
  for (let k = 0; k < n; k++) if (ops[k] !== op && (other === -1 || time(k) < time(other))) other = k;
  return other === -1 ? name(op) : `${name(op)}...${name(ops[other])}`;
}

/** The started column: the start of the first member to start; undefined when none has. */
export function groupStarted(members: readonly MemberFacts[]): number | undefined {
  let first: number | undefined;
  for (const { started: t } of members) if (t !== undefined && !Number.isNaN(t) && (first === undefined || t < first)) first = t;
  return first;
}
