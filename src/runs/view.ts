/**
 * What run lists show: every run and group of a project with their derived columns (SPEC §6, §7),
 * read from the journals once per command. Statuses, labels and group columns are worked out when
 * first asked for: a listing shows 20 rows.
 */
import { labelOf, tagsOf, type Attributes } from "./attributes.js";
import type { GroupStatus } from "./group-columns.js";
import { readLedger, type Group, type Ledger, type Run } from "./ledger.js";
import { groupColumns, Liveness, runStatus, trashOf, type GroupColumns, type RunStatus, type StatusOptions } from "./run-status.js";

export type { Group, Run } from "./ledger.js";
export type { RunStatus } from "./run-status.js";

/** A run as lists show it. */
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
  trash: "present" | "deleted" | "purged";
}

/** A group as lists show it. */
export interface GroupSummary {
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

export class RunsView {
  readonly live: Liveness;
  private readonly statuses = new Map<string, RunStatus>();
  private readonly columns = new Map<string, GroupColumns>();

  constructor(
    readonly ledger: Ledger,
    private readonly opts: StatusOptions = {},
  ) {
    this.live = new Liveness(opts);
  }

  static read(projectRoot: string, opts: StatusOptions = {}): RunsView {
    return new RunsView(readLedger(projectRoot), opts);
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

  summary(run: Run): RunSummary {
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

  groupColumns(group: Group): GroupColumns {
    let c = this.columns.get(group.id);
    if (!c) {
      c = groupColumns(group, this.ledger, this.live, this.opts);
      this.columns.set(group.id, c);
    }
    return c;
  }

  groupSummary(group: Group): GroupSummary {
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
      members: this.ledger.members(group),
      attributes: group.attrs,
    };
  }

  /** The groups of one kind (their attributes), without deriving any group's columns. */
  groupsOfKind(kind: string): Group[] {
    return this.groups().filter((g) => g.kind === kind);
  }
}
