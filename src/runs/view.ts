/**
 * What run lists show: every run and group of a project with their derived columns (SPEC §6, §7),
 * read from the journals once per command. Statuses, labels and group columns are worked out when
 * first asked for: a listing shows 20 rows.
 */
import { labelOf, tagsOf, type Attributes } from "./attributes.js";
import type { GroupStatus } from "./group-columns.js";
import { JournalTail, type Group, type Ledger, type ReadMark, type Run } from "./ledger.js";
import { groupColumns, Liveness, runStatus, trashOf, type GroupColumns, type RunStatus, type ClusterLookups } from "./run-status.js";

export type { Group, Run } from "./ledger.js";
export type { RunStatus } from "./run-status.js";

/** A run as lists show it. */
export interface ListedRun {
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
  trash: "present" | "deleted" | "purged";
}

/** A group as lists show it. */
export interface ListedGroup {
  id: string;
  name: string;
  kind: string;
  operation: string;
  started?: number;
  status: GroupStatus;
  label: string;
  tags: string[];
  /** Member run ids, oldest first (deleted and purged ones included). */
  members: string[];
  attributes: Attributes;
}

/** What a listing cache keeps of a group whose columns are settled (GroupColumns.settled). */
export interface KeptGroup {
  columns: GroupColumns;
  /** Member run ids, as RunsView.members gives them. */
  members: string[];
}

export class RunsView {
  readonly live: Liveness;
  private readonly statuses = new Map<string, RunStatus>();
  private readonly columns = new Map<string, GroupColumns>();
  private readonly memberIds = new Map<string, string[]>();
  private readonly memberRunsOf = new Map<string, readonly Run[]>();

  constructor(
    readonly ledger: Ledger,
    private readonly opts: ClusterLookups = {},
    /** The journals the ledger was read from, as they were then (by file name). */
    readonly journals: ReadonlyMap<string, ReadMark> = new Map(),
    /**
     * Groups whose settled columns and member ids a listing cache kept (listing-cache.ts), by id: the
     * view answers for them from these, and their member runs need not be in the ledger.
     */
    kept: ReadonlyMap<string, KeptGroup> = new Map(),
  ) {
    this.live = new Liveness(opts);
    for (const [id, k] of kept) {
      this.columns.set(id, k.columns);
      this.memberIds.set(id, k.members);
    }
  }

  static read(projectRoot: string, opts: ClusterLookups = {}): RunsView {
    const tail = new JournalTail(projectRoot);
    return new RunsView(tail.read(), opts, tail.marks);
  }

  /** Every run, purged ones included, in the order made. */
  get runs(): Iterable<Run> {
    return this.ledger.runs.values();
  }

  /** Groups not deleted, in the order made. */
  groups(): Group[] {
    return [...this.ledger.groups.values()].filter((g) => !g.attrs.has("trash"));
  }

  status(run: Run): RunStatus {
    let s = this.statuses.get(run.id);
    if (s === undefined) {
      s = runStatus(run, this.ledger, this.live);
      this.statuses.set(run.id, s);
    }
    return s;
  }

  summary(run: Run): ListedRun {
    return {
      id: run.id,
      name: run.name,
      operation: run.operation,
      flowgroup: run.flowgroup,
      jobs: run.jobs,
      started: run.started,
      status: this.status(run),
      label: labelOf(run.attrs),
      tags: tagsOf(run.attrs),
      trash: trashOf(run),
    };
  }

  /** A group's member run ids, oldest first (deleted and purged ones included). */
  members(group: Group): string[] {
    let ids = this.memberIds.get(group.id);
    if (!ids) {
      ids = this.ledger.members(group);
      this.memberIds.set(group.id, ids);
    }
    return ids;
  }

  /** A group's members that are runs read (deleted and purged ones too), in no particular order. */
  memberRuns(group: Group): readonly Run[] {
    let runs = this.memberRunsOf.get(group.id);
    if (!runs) {
      runs = this.ledger.memberRuns(group);
      this.memberRunsOf.set(group.id, runs);
    }
    return runs;
  }

  groupColumns(group: Group): GroupColumns {
    let c = this.columns.get(group.id);
    if (!c) {
      c = groupColumns(group, this.ledger, this.live, this.opts, this.memberRuns(group));
      this.columns.set(group.id, c);
    }
    return c;
  }

  /** A group's started column alone: the start of its first counted member to start (no status is derived). */
  groupStarted(group: Group): number | undefined {
    const c = this.columns.get(group.id);
    if (c) return c.started;
    let first: number | undefined;
    for (const r of this.memberRuns(group)) {
      if (r.started !== undefined && (first === undefined || r.started < first) && trashOf(r) === "present") first = r.started;
    }
    return first;
  }

  groupSummary(group: Group): ListedGroup {
    const c = this.groupColumns(group);
    return {
      id: group.id,
      name: group.name,
      kind: group.kind,
      operation: c.operation,
      started: c.started,
      status: c.status,
      label: labelOf(group.attrs),
      tags: tagsOf(group.attrs),
      members: this.members(group),
      attributes: group.attrs,
    };
  }

  /** The groups of one kind (their attributes), without deriving any group's columns. */
  groupsOfKind(kind: string): Group[] {
    return this.groups().filter((g) => g.kind === kind);
  }
}
