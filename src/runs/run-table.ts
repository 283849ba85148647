/**
 * Every run of a catalog as columns, one row per run in id order: a listing of 100,000 runs reads
 * what it filters and sorts by from typed arrays, and makes a RunSummary only for the rows it shows
 * (at that size, making every summary cost more than reading the catalog).
 */
import type { RunStatus } from "./record.js";
import { runName } from "./run-id.js";
import type { TrashState } from "./trash.js";

/** A run status as the `status` column holds it: its index here. */
export const STATUS_CODES: readonly RunStatus[] = ["completed", "error", "terminated", "running", "staged", "pending", "unknown"];
/** A trash state as the `trash` column holds it. */
export const TRASH_CODES: readonly TrashState[] = ["present", "deleted", "purged"];

export const statusCode = (s: RunStatus): number => STATUS_CODES.indexOf(s);
export const trashCode = (s: TrashState): number => TRASH_CODES.indexOf(s);

/**
 * In the `status` column: a row whose record was read for its start alone (a listing without a cache
 * reads only what orders the rows); its operation, status and jobs are read when first asked for.
 */
export const UNREAD = 255;

export interface RunSummary {
  id: string;
  name: string;
  operation: string;
  /** The FlowGroup the run was executed in, if not its operation's own. */
  flowgroup?: string;
  /** Job ids of its aggregate; empty for a flag run. */
  jobs: string[];
  /** Epoch microseconds. */
  started?: number;
  status: RunStatus;
  label: string;
  tags: string[];
  trash: TrashState;
}

/** A run's label and tags. */
export type UserFacts = { label: string; tags: string[] };

export interface TableColumns {
  /** How many runs. */
  n: number;
  /** The id of row r; rows are in increasing order of id. */
  id: (r: number) => string;
  /** Distinct (operation, FlowGroup) pairs that `op` refers to. */
  operations: readonly [string, string | null][];
  /** Index into `operations`; -1: the record has no valid opref (operation "?"). */
  op: Int32Array;
  /** Epoch microseconds; NaN: not started. */
  started: Float64Array;
  /** Index into STATUS_CODES; UNREAD: see `read`. */
  status: Uint8Array;
  /** Index into TRASH_CODES. */
  trash: Uint8Array;
  /** The job ids of row r. */
  jobs: (r: number) => string[];
  /** The label and tags of row r: undefined without an attribute log. Asked once per row. */
  user: (r: number) => UserFacts | undefined;
  /** Rows newest first (see listing.ts), when known; else sorted when first asked for. */
  order?: Int32Array;
  /** Reads the records of UNREAD rows, filling in their `op` and `status` (and what `jobs` gives). */
  read?: (rows: number[]) => void;
}

export class RunTable {
  /** Made when asked for: a listing shows 20 (an array of every row's would be one more object of 800 KB at 100,000 runs for the collector to go through). */
  private readonly summaries = new Map<number, RunSummary>();
  private newest: Int32Array | undefined;
  private allIds: string[] | undefined;
  private readonly users = new Map<number, UserFacts | undefined>();

  constructor(private readonly c: TableColumns) {
    this.newest = c.order;
  }

  static empty(): RunTable {
    return new RunTable({ n: 0, id: () => "", operations: [], op: new Int32Array(0), started: new Float64Array(0), status: new Uint8Array(0), trash: new Uint8Array(0), jobs: () => [], user: () => undefined });
  }

  get length(): number {
    return this.c.n;
  }

  /**
   * The columns that derived values (a group's) are computed from, by row. Rows' `op` and `status`
   * hold what their records say only once `read` has been given them.
   */
  get columns(): Pick<TableColumns, "trash" | "status" | "started" | "op"> {
    return this.c;
  }

  /** Reads the records of those of `rows` that were read for their start alone: one pass for many rows. */
  read(rows: ArrayLike<number>): void {
    this.readOf(rows.length, (k) => rows[k]);
  }

  /** Reads every record read for its start alone: before a pass that looks at every row's operation, status or jobs. */
  readAll(): void {
    this.readOf(this.c.n, (k) => k);
  }

  /** Reads those of `count` rows (the k-th is `rowAt(k)`; -1: none) that were read for their start alone. */
  private readOf(count: number, rowAt: (k: number) => number): void {
    const { status } = this.c;
    const unread: number[] = [];
    for (let k = 0; k < count; k++) {
      const r = rowAt(k);
      if (r >= 0 && status[r] === UNREAD) unread.push(r);
    }
    if (unread.length > 0) this.c.read!(unread);
  }

  private known(r: number): void {
    if (this.c.status[r] === UNREAD) this.c.read!([r]);
  }

  /** The (operation, FlowGroup) pairs that the `op` column refers to. */
  get operations(): readonly [string, string | null][] {
    return this.c.operations;
  }

  /** Every id, in increasing order. */
  get ids(): readonly string[] {
    return (this.allIds ??= Array.from({ length: this.c.n }, (_, r) => this.c.id(r)));
  }

  id(r: number): string {
    return this.c.id(r);
  }

  name(r: number): string {
    return runName(this.c.id(r));
  }

  operation(r: number): string {
    this.known(r);
    const op = this.c.op[r];
    return op === -1 ? "?" : this.c.operations[op][0];
  }

  flowgroup(r: number): string | undefined {
    this.known(r);
    const op = this.c.op[r];
    return op === -1 ? undefined : this.c.operations[op][1] ?? undefined;
  }

  jobs(r: number): string[] {
    this.known(r);
    return this.c.jobs(r);
  }

  /** Epoch microseconds; undefined when not started. */
  started(r: number): number | undefined {
    const t = this.c.started[r];
    return Number.isNaN(t) ? undefined : t;
  }

  /** The start time, or the creation time (from the v7 id) of a run that has not started: what lists sort by. */
  sortTime(r: number): number {
    const t = this.c.started[r];
    return Number.isNaN(t) ? idTime(this.c.id(r)) : t;
  }

  status(r: number): RunStatus {
    this.known(r);
    return STATUS_CODES[this.c.status[r]];
  }

  trash(r: number): TrashState {
    return TRASH_CODES[this.c.trash[r]];
  }

  isPresent(r: number): boolean {
    return this.c.trash[r] === 0;
  }

  isDeleted(r: number): boolean {
    return this.c.trash[r] === 1;
  }

  label(r: number): string {
    return this.user(r)?.label ?? "";
  }

  tags(r: number): string[] {
    return this.user(r)?.tags ?? [];
  }

  private user(r: number): UserFacts | undefined {
    const known = this.users.get(r);
    if (known !== undefined || this.users.has(r)) return known;
    const user = this.c.user(r);
    this.users.set(r, user);
    return user;
  }

  /** The row of run `id`; -1 when it has none. */
  indexOf(id: string): number {
    const r = lowerBound(this.c.n, this.c.id, id);
    return r < this.c.n && this.c.id(r) === id ? r : -1;
  }

  /** Row r as one object, made once. */
  summary(r: number): RunSummary {
    let s = this.summaries.get(r);
    if (!s) {
      s = {
        id: this.c.id(r),
        name: this.name(r),
        operation: this.operation(r),
        flowgroup: this.flowgroup(r),
        jobs: this.jobs(r),
        started: this.started(r),
        status: this.status(r),
        label: this.label(r),
        tags: this.tags(r),
        trash: this.trash(r),
      };
      this.summaries.set(r, s);
    }
    return s;
  }

  /** Every row newest first, if they were ordered already (by the cache, or by `newestFirst`). */
  get knownOrder(): Int32Array | undefined {
    return this.newest;
  }

  /** Every row, newest first: by start time (creation time when not started), then by id. */
  newestFirst(): Int32Array {
    return (this.newest ??= newestOrder(this.c.n, this.c.id, this.c.started));
  }
}

/**
 * Indices of runs (ids and start times given as columns) newest first: by start time, creation time
 * (from the v7 id) when not started, then by id, the later first.
 */
export function newestOrder(n: number, id: (i: number) => string, started: ArrayLike<number>): Int32Array {
  const times = new Float64Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    order[i] = i;
    times[i] = Number.isNaN(started[i]) ? idTime(id(i)) : started[i];
  }
  // Ids break ties only: cut them then.
  return order.sort((a, b) => times[b] - times[a] || compareNewest(0, id(a), 0, id(b)));
}

/** Negative when a run (its sort time and id) lists before another, newest first. */
export function compareNewest(ta: number, ida: string, tb: number, idb: string): number {
  return tb - ta || (ida < idb ? 1 : ida > idb ? -1 : 0);
}

/** The creation time of a run or group, epoch microseconds, from the 48-bit millisecond prefix of its v7 id. */
export function idTime(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16) * 1000;
}

/**
 * Finds ids among `n` in increasing order (the k-th is `idAt(k)`); -1 for one not there. The ids asked
 * for come mostly in increasing order (a group's members, oldest first, are mostly runs made one after
 * another; logs are listed in id order): each is first looked for right after the last one found,
 * then, when it is beyond that one, by steps doubling from there (as many compares as twice the log
 * of the distance). One before the last found is searched for; past one such search per 16 ids
 * (members from all over the list), one index of every id costs less than the searches would.
 */
export function idFinder(n: number, idAt: (k: number) => string): (id: string) => number {
  let last = -1;
  let searches = 0;
  let index: Map<string, number> | undefined;
  const at = (k: number, id: string) => (k < n && idAt(k) === id ? k : -1);
  return (id) => {
    if (last + 1 < n && idAt(last + 1) === id) return ++last;
    let k: number;
    if (index !== undefined) k = index.get(id) ?? -1;
    else if (last !== -1 && id > idAt(last)) k = at(gallop(n, idAt, id, last + 1), id);
    else if (++searches <= n / 16) k = at(lowerBound(n, idAt, id), id);
    else {
      index = new Map();
      for (let i = 0; i < n; i++) index.set(idAt(i), i);
      k = index.get(id) ?? -1;
    }
    if (k !== -1) last = k;
    return k;
  };
}

/** lowerBound among keys from `from` on, where the answer is expected near `from`. */
function gallop(n: number, keyAt: (k: number) => string, key: string, from: number): number {
  let lo = from;
  let step = 1;
  while (lo + step < n && keyAt(lo + step - 1) < key) {
    lo += step;
    step *= 2;
  }
  return lowerBound(Math.min(n, lo + step), keyAt, key, lo);
}

/** The first of `n` keys in increasing order (the k-th is `keyAt(k)`), from `from` on, that is not below `key`. */
export function lowerBound(n: number, keyAt: (k: number) => string, key: string, from = 0): number {
  let lo = from;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keyAt(mid) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
