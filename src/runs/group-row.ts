/**
 * A group's row in run lists (SPEC §7), derived from its members' columns in the catalog's table.
 *
 * `cohort runs -g` sorts every group by its start but shows 20 rows: a row works out its start when
 * made and every other column when first read, so that 1,000 groups of 100 members each cost one pass
 * over their members and nothing more.
 */
import { labelOf, tagsOf, type Attributes } from "./attributes.js";
import type { CompactAttributes } from "./catalog-cache.js";
import { clusterJobStatus, groupOperationOf, groupStatus, type ClusterJobState, type GroupStatus } from "./group-columns.js";
import { MEMBER_PREFIX, type GroupKind } from "./groups.js";
import { runName } from "./run-id.js";
import { STATUS_CODES, type RunTable } from "./run-table.js";

export interface GroupSummary {
  id: string;
  name: string;
  kind?: GroupKind;
  operation: string;
  started?: number;
  status: GroupStatus;
  label: string;
  tags: string[];
  /** Member run ids, oldest first, deleted and purged ones included. */
  members: string[];
  attributes: Attributes;
}

/** A group's attributes as the cache keeps them, its members apart: a key alone stands for the key with value "". */
export function compactAttributes(attrs: Attributes): CompactAttributes {
  const out: CompactAttributes = [];
  for (const [k, v] of attrs) if (!k.startsWith(MEMBER_PREFIX)) out.push(v === "" ? k : [k, v]);
  return out;
}

/** A group's attributes from the cache: the members' keys come after the others (a log interleaves them). */
export function expandAttributes(compact: CompactAttributes, members: readonly string[]): Attributes {
  const attrs: Attributes = new Map();
  for (const kv of compact) {
    if (typeof kv === "string") attrs.set(kv, "");
    else attrs.set(kv[0], kv[1]);
  }
  for (const m of members) attrs.set(MEMBER_PREFIX + m, "");
  return attrs;
}

/** The value of one of a group's own attributes, read without expanding them all. */
export function compactValue(compact: CompactAttributes, key: string): unknown {
  let value: unknown;
  for (const kv of compact) {
    if (kv === key) value = "";
    else if (typeof kv !== "string" && kv[0] === key) value = kv[1];
  }
  return value;
}

/**
 * Each group's start, in one pass over the members of every group: `rows` holds the members' rows
 * (-1: none) of group g at `ends[g - 1]` (0 for the first) up to `ends[g]`; NaN where no member that
 * counts has started. One loop over 100,000 members runs optimized; a thousand short ones mostly do not.
 * `grouped` (one per row of `table`) is set to 1 at each member's row on the way.
 */
export function groupStarts(table: RunTable, rows: Int32Array, ends: Int32Array, grouped: Uint8Array): Float64Array {
  const { trash, started } = table.columns;
  const out = new Float64Array(ends.length).fill(NaN);
  // One flat loop, not one per group: optimized while it runs, V8 leaves an inner loop's code at its
  // first exit, and a thousand exits cost more than the loop.
  let g = 0;
  while (g < ends.length && ends[g] === 0) g++;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    if (r !== -1) grouped[r] = 1;
    if (r !== -1 && trash[r] === 0) {
      const t = started[r];
      const first = out[g];
      if (t < first || first !== first) out[g] = t; // first !== first: none yet (a NaN t never wins)
    }
    if (k + 1 === ends[g]) while (g < ends.length && ends[g] === k + 1) g++;
  }
  return out;
}

/** Scratch columns shared by every row's derivation (one at a time): no allocation per group. */
let scratchOps = new Int32Array(256);
let scratchStarts = new Float64Array(256);
const seen = new Uint8Array(STATUS_CODES.length);

export class GroupRow implements GroupSummary {
  readonly started: number | undefined;
  readonly #compact: CompactAttributes;
  readonly #table: RunTable;
  readonly #memberIds: () => string[];
  readonly #clusterJob: ((group: GroupSummary) => ClusterJobState | undefined) | undefined;
  #derived?: { operation: string; status: GroupStatus };
  #own?: Attributes;
  #members?: string[];
  #attributes?: Attributes;

  /**
   * `rows`: the members' rows in `table` (-1 where a member has none); `memberIds` gives their ids;
   * `clusterJob` the state of a submission's cluster job; `started`, the group's start as groupStarts
   * gives it (NaN: none), worked out for all groups at once.
   */
  constructor(
    readonly id: string,
    compact: CompactAttributes,
    readonly rows: Int32Array,
    table: RunTable,
    memberIds: () => string[],
    clusterJob: ((group: GroupSummary) => ClusterJobState | undefined) | undefined,
    started: number,
  ) {
    this.#compact = compact;
    this.#table = table;
    this.#memberIds = memberIds;
    this.#clusterJob = clusterJob;
    this.started = Number.isNaN(started) ? undefined : started;
  }

  get name(): string {
    return runName(this.id);
  }

  get kind(): GroupKind | undefined {
    const kind = compactValue(this.#compact, "kind");
    return typeof kind === "string" ? (kind as GroupKind) : undefined;
  }

  get operation(): string {
    return this.#derive().operation;
  }

  get status(): GroupStatus {
    return this.#derive().status;
  }

  get label(): string {
    return labelOf((this.#own ??= expandAttributes(this.#compact, [])));
  }

  get tags(): string[] {
    return tagsOf((this.#own ??= expandAttributes(this.#compact, [])));
  }

  get members(): string[] {
    return (this.#members ??= this.#memberIds());
  }

  get attributes(): Attributes {
    return (this.#attributes ??= expandAttributes(this.#compact, this.members));
  }

  /**
   * The members that count (neither deleted nor purged), in member order: their operations and starts
   * in the shared scratch columns (valid until the next call), and which statuses occur among them.
   */
  #counted(): { ops: Int32Array; starts: Float64Array } {
    const { rows } = this;
    const { trash, status: codes, started: times, op: opCodes } = this.#table.columns;
    if (scratchOps.length < rows.length) {
      scratchOps = new Int32Array(rows.length);
      scratchStarts = new Float64Array(rows.length);
    }
    seen.fill(0);
    let n = 0;
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k];
      if (r === -1 || trash[r] !== 0) continue;
      scratchOps[n] = opCodes[r];
      scratchStarts[n++] = times[r];
      seen[codes[r]] = 1;
    }
    return { ops: scratchOps.subarray(0, n), starts: scratchStarts.subarray(0, n) };
  }

  /** Operation and status from the members that count. */
  #derive(): { operation: string; status: GroupStatus } {
    if (this.#derived) return this.#derived;
    const table = this.#table;
    table.read(this.rows);
    const { ops, starts } = this.#counted();
    // The ladder looks at which statuses occur, not how often.
    const statuses: GroupStatus[] = STATUS_CODES.filter((_, c) => seen[c] === 1);
    const operation = groupOperationOf(ops, starts, (op) => (op === -1 ? "?" : table.operations[op][0]));
    // Only a submission has a cluster job.
    const cluster = this.kind === "submission" ? this.#clusterJob?.(this) : undefined;
    const extra = cluster !== undefined ? clusterJobStatus(cluster) : undefined;
    if (extra !== undefined) statuses.push(extra);
    this.#derived = { operation, status: groupStatus(statuses) };
    return this.#derived;
  }
}
