/**
 * What can run: the aggregates of each selected group and the eligibility of each member operation,
 * as SPEC §4 defines them. Shared by `run` (and `--pretend`), `exec`, `next`, `status` and `submit`.
 */
import { spawnSync } from "node:child_process";
import type { Job } from "../dataspace/job.js";
import { LIVE_FILES, type JobFiles } from "../dataspace/job-files.js";
import type { Project } from "../dataspace/project.js";
import { compileFilter } from "../dataspace/filter.js";
import type { JsonObject } from "../dataspace/value.js";
import { errorText, UserError } from "../util/errors.js";
import { aggregateId, aggregatesOf } from "./aggregate.js";
import {
  ConditionError,
  evaluateConditionsNow,
  isPromiseLike,
  type ConditionContext,
  type MaybePromise,
} from "./conditions.js";
import type { Aggregator, Condition, GroupDefinition, OperationDefinition } from "./model.js";
import type { Workflow } from "./workflow.js";
import { expandCommand } from "./placeholders.js";

export interface Aggregate {
  id: string;
  jobs: Job[];
}

export interface Selection {
  /** Job ids or aggregate ids (`agg-...`), or unique prefixes of them (`-j`). */
  ids?: string[];
  /** A filter on the jobs (`-f`). */
  filter?: JsonObject;
}

/** The state of one operation on one aggregate. */
export interface Eligibility {
  eligible: boolean;
  /** The pre-condition that did not hold, when one did not. */
  blockedBy?: Condition;
  /** Whether every post-condition holds (and there is at least one); unknown when a pre-condition failed. */
  complete?: boolean;
}

export interface PlannerOptions {
  /** The jobs to plan over (default: every job of the project, read now). */
  jobs?: Job[];
  /**
   * The project does not change while this planner lives (`status`): `after` reuses the answer of
   * the post-conditions of an (operation, aggregate) instead of evaluating them again — always for
   * aggregates of several jobs, and for one job while it is the last one asked about (so a scan that
   * takes each job through every operation evaluates each post-condition once). Never for `run`,
   * whose operations change what the conditions see.
   */
  snapshot?: boolean;
  /** How conditions see the jobs' files (default: as they are at each question, LIVE_FILES). */
  files?: JobFiles;
}

/** A memoized evaluation that raised. */
class Raised {
  constructor(readonly error: unknown) {}
}

type Memo = boolean | Promise<boolean> | Raised;

/**
 * Snapshot mode's answers for one operation: by aggregate id for aggregates of several jobs; for
 * one-job aggregates only the last job asked about, which is every hit a scan job by job needs
 * (`after` asks about the job in hand) at a fraction of a map's cost at 100,000 jobs.
 */
interface OperationMemo {
  lastJob: Job | undefined;
  lastValue: Memo;
  byAggregate: Map<string, Memo>;
}

// Shared answers of the common synchronous cases: callers treat an Eligibility as read-only.
const ELIGIBLE: Eligibility = Object.freeze({ eligible: true, complete: false });
const COMPLETE: Eligibility = Object.freeze({ eligible: false, complete: true });

export class Planner {
  private readonly allJobs: Job[];
  private readonly aggregateCache = new Map<GroupDefinition, Aggregate[]>();
  /** Aggregates by aggregator: groups that aggregate alike (every job on its own, say) share them. */
  private readonly formedCache = new Map<unknown, Aggregate[]>();
  /** (operation, aggregate) pairs that completed in this process: `after` an operation without post-conditions. */
  readonly completedHere = new Set<string>();
  private snapshot: boolean;
  /** Snapshot mode: whether the post-conditions of an operation hold (see OperationMemo). */
  private readonly postMemo = new Map<OperationDefinition, OperationMemo>();
  /** Ids of aggregates of several jobs, by their jobs array (aggregateId hashes the ids). */
  private readonly aggIds = new WeakMap<Job[], string>();
  private readonly blocked = new WeakMap<Condition, Eligibility>();
  private readonly ctx: ConditionContext;
  private readonly files: JobFiles;

  constructor(
    readonly project: Project,
    readonly workflow: Workflow,
    private readonly selection: Selection = {},
    options: PlannerOptions = {},
  ) {
    this.allJobs = options.jobs ?? project.jobs();
    this.snapshot = options.snapshot ?? false;
    this.files = options.files ?? LIVE_FILES;
    this.ctx = {
      files: this.files,
      postHolds: (operation, jobs) => this.postHoldsNow(this.workflow.operation(operation), jobs),
      runCommand: (command, jobs) => Promise.resolve(runConditionCommand(command, jobs, project.root)),
    };
  }

  /**
   * Evaluates `fn` (the eligibility of a whole pass) as one moment of the project: nothing runs while
   * a pass is planned, so each post-condition is evaluated once, as in snapshot mode, even for `run`.
   */
  async atOneMoment<T>(fn: () => Promise<T>): Promise<T> {
    const was = this.snapshot;
    this.snapshot = true;
    this.postMemo.clear();
    try {
      return await fn();
    } finally {
      this.snapshot = was;
      this.postMemo.clear();
    }
  }

  /** The context conditions are evaluated in: `after` answers through postHoldsNow. */
  get context(): ConditionContext {
    return this.ctx;
  }

  /** Every job planned over (selected or not). */
  get jobs(): readonly Job[] {
    return this.allJobs;
  }

  /** The jobs the selection (`-j`, `-f`) picks, in id order; every job without a selection. */
  selectedJobs(): Job[] {
    if (this.selectedJobIds === null) this.resolveSelection();
    const ids = this.selectedJobIds ?? undefined;
    if (ids === undefined) return this.selectedAggPrefixes.length === 0 ? this.allJobs.slice() : [];
    return this.allJobs.filter((j) => ids.has(j.id));
  }

  /** The selected aggregates of a group: formed over all jobs, kept when every job of one is selected. */
  aggregates(group: GroupDefinition): Aggregate[] {
    let aggs = this.aggregateCache.get(group);
    if (aggs) return aggs;
    const aggregator = this.workflow.aggregator(group);
    const key = aggregatorKey(aggregator);
    aggs = this.formedCache.get(key);
    if (!aggs) {
      const where = this.workflow.isSingleton(group) ? `operation ${group.name} (${group.origin})` : `group ${group.name} (${group.origin})`;
      const formed = aggregatesOf(aggregator, this.allJobs, where).map((jobs) => ({ id: jobs.length === 1 ? jobs[0].id : aggregateId(jobs), jobs }));
      aggs = formed.filter((a) => this.isSelected(a));
      this.formedCache.set(key, aggs);
    }
    this.aggregateCache.set(group, aggs);
    return aggs;
  }

  /**
   * Refuses a selection by `-j` of which an id selects no aggregate of `groups`: a job in none of
   * them whose every job was given, an aggregate id that none has. (Not with `-f`, which may leave a
   * job out on purpose.)
   */
  checkSelected(groups: readonly GroupDefinition[]): void {
    const { ids, filter } = this.selection;
    if (!ids || ids.length === 0 || (filter && Object.keys(filter).length > 0)) return;
    const aggs = groups.flatMap((g) => this.aggregates(g));
    const missed = ids.filter((id) => {
      if (id.startsWith("agg-")) return !aggs.some((a) => a.id.startsWith(id));
      const job = this.project.resolveJobId(id);
      return !aggs.some((a) => a.jobs.some((j) => j.id === job));
    });
    if (missed.length === 0) return;
    throw new UserError(
      `${missed.join(" ")} ${missed.length === 1 ? "selects" : "select"} no aggregate of ${groups.map((g) => g.name).join(", ")}`,
      "an aggregate of several jobs is selected by its id (agg-...) or by every one of its jobs",
    );
  }

  private selectedJobIds: Set<string> | undefined | null = null;
  private selectedAggPrefixes: string[] = [];

  private isSelected(agg: Aggregate): boolean {
    if (this.selectedJobIds === null) this.resolveSelection();
    if (this.selectedAggPrefixes.length > 0 && this.selectedAggPrefixes.some((p) => agg.id.startsWith(p))) return true;
    if (this.selectedJobIds === undefined) return this.selectedAggPrefixes.length === 0;
    return agg.jobs.length > 0 && agg.jobs.every((j) => this.selectedJobIds!.has(j.id));
  }

  private resolveSelection(): void {
    const { ids, filter } = this.selection;
    let jobIds: Set<string> | undefined;
    if (ids && ids.length > 0) {
      jobIds = new Set();
      for (const id of ids) {
        if (id.startsWith("agg-")) this.selectedAggPrefixes.push(id);
        else jobIds.add(this.project.resolveJobId(id));
      }
      if (jobIds.size === 0) jobIds = undefined;
    }
    if (filter && Object.keys(filter).length > 0) {
      const match = compileFilter(filter);
      const matching = new Set(
        this.allJobs.filter((j) => match(j.spData, () => this.files.document(j) as JsonObject)).map((j) => j.id),
      );
      jobIds = jobIds ? new Set([...jobIds].filter((id) => matching.has(id))) : matching;
    }
    this.selectedJobIds = jobIds;
  }

  private aggIdOf(jobs: Job[]): string {
    if (jobs.length === 1) return jobs[0].id;
    let id = this.aggIds.get(jobs);
    if (id === undefined) this.aggIds.set(jobs, (id = aggregateId(jobs)));
    return id;
  }

  /**
   * Whether every post-condition of an operation holds on these jobs (for an operation without any:
   * whether it completed on them in this process). Synchronous unless a condition is async; in
   * snapshot mode evaluated once per (operation, aggregate). Throws a ConditionError.
   */
  postHoldsNow(op: OperationDefinition, jobs: Job[]): MaybePromise<boolean> {
    if (op.post.length === 0) return this.completedHere.has(pairKey(op.name, this.aggIdOf(jobs)));
    if (!this.snapshot) return this.evaluatePost(op, jobs);
    let memo = this.postMemo.get(op);
    if (!memo) this.postMemo.set(op, (memo = { lastJob: undefined, lastValue: false, byAggregate: new Map() }));
    let value: Memo | undefined;
    if (jobs.length === 1) {
      if (memo.lastJob === jobs[0]) value = memo.lastValue;
      else {
        value = this.memoizable(op, jobs);
        memo.lastJob = jobs[0];
        memo.lastValue = value;
      }
    } else {
      const key = this.aggIdOf(jobs);
      value = memo.byAggregate.get(key);
      if (value === undefined) memo.byAggregate.set(key, (value = this.memoizable(op, jobs)));
    }
    if (value instanceof Raised) throw value.error;
    return value;
  }

  private memoizable(op: OperationDefinition, jobs: Job[]): Memo {
    try {
      return this.evaluatePost(op, jobs);
    } catch (error) {
      return new Raised(error);
    }
  }

  private evaluatePost(op: OperationDefinition, jobs: Job[]): MaybePromise<boolean> {
    const r = evaluateConditionsNow(op.post, jobs, this.ctx);
    return isPromiseLike<{ holds: boolean }>(r) ? Promise.resolve(r).then((x) => x.holds) : r.holds;
  }

  /**
   * Eligible: every pre-condition holds, and there are no post-conditions or not all of them hold.
   * Pre-conditions are evaluated first, as signac-flow does; post-conditions only when they all hold.
   */
  async eligibility(op: OperationDefinition, agg: Aggregate): Promise<Eligibility> {
    return await this.eligibilityNow(op, agg);
  }

  /**
   * eligibility, synchronously when every condition involved answers synchronously (the answer is
   * shared: do not change it). Throws an EligibilityError.
   */
  eligibilityNow(op: OperationDefinition, agg: Aggregate): MaybePromise<Eligibility> {
    try {
      const pre = evaluateConditionsNow(op.pre, agg.jobs, this.ctx);
      if (isPromiseLike<{ holds: boolean; failed?: Condition }>(pre)) {
        return Promise.resolve(pre)
          .then((p) => this.afterPre(op, agg, p))
          .catch((err: unknown) => this.fail(op, agg, err));
      }
      const r = this.afterPre(op, agg, pre);
      return isPromiseLike<Eligibility>(r) ? Promise.resolve(r).catch((err: unknown) => this.fail(op, agg, err)) : r;
    } catch (err) {
      return this.fail(op, agg, err);
    }
  }

  private afterPre(op: OperationDefinition, agg: Aggregate, pre: { holds: boolean; failed?: Condition }): MaybePromise<Eligibility> {
    if (!pre.holds) return this.blockedBy(pre.failed!);
    if (op.post.length === 0) return ELIGIBLE;
    const complete = this.postHoldsNow(op, agg.jobs);
    if (isPromiseLike<boolean>(complete)) return Promise.resolve(complete).then((c) => (c ? COMPLETE : ELIGIBLE));
    return complete ? COMPLETE : ELIGIBLE;
  }

  private blockedBy(c: Condition): Eligibility {
    let e = this.blocked.get(c);
    if (!e) this.blocked.set(c, (e = Object.freeze({ eligible: false, blockedBy: c })));
    return e;
  }

  private fail(op: OperationDefinition, agg: Aggregate, err: unknown): never {
    if (err instanceof ConditionError) throw new EligibilityError(op.name, agg.id, err);
    throw err;
  }

  /** The aggregates of a group on which an operation is eligible now. */
  async eligibleAggregates(group: GroupDefinition, operation: OperationDefinition): Promise<Aggregate[]> {
    const out: Aggregate[] = [];
    for (const agg of this.aggregates(group)) if ((await this.eligibility(operation, agg)).eligible) out.push(agg);
    return out;
  }
}

/** Aggregators that form the same aggregates have the same key (functions only by identity). */
function aggregatorKey(a: Aggregator): unknown {
  switch (a.kind) {
    case "single":
    case "all":
      return a.kind;
    case "groupsOf":
      return `groupsOf:${a.n}`;
    case "groupBy":
      return typeof a.key === "string" ? `groupBy:${a.key}` : a.key;
  }
}

export function pairKey(operation: string, aggregate: string): string {
  return `${operation}\u0000${aggregate}`;
}

export type Order = "by-job" | "cyclic" | "random";

export function parseOrder(text: string): Order {
  if (text === "by-job" || text === "cyclic" || text === "random") return text;
  throw new UserError(`--order ${text} is not an order`, "use by-job, cyclic or random");
}

/** Where a condition or label failed: `job 3fa2...` or `aggregate agg-...`. */
export function failedOn(aggregate: string): string {
  return `${aggregate.startsWith("agg-") ? "aggregate" : "job"} ${aggregate}`;
}

/** How a condition that raised is told, by `status`, `run`, `next` and `--pretend` alike. */
export function conditionFailure(condition: string, operation: string, aggregate: string, message: string): string {
  return `condition ${condition} of operation ${operation} failed on ${failedOn(aggregate)}: ${message}`;
}

/** A condition raised while deciding whether an operation may run on an aggregate. */
export class EligibilityError extends Error {
  constructor(
    readonly operation: string,
    readonly aggregate: string,
    readonly error: ConditionError,
  ) {
    super(conditionFailure(error.description, operation, aggregate, errorText(error.error)), { cause: error });
    this.name = "EligibilityError";
  }
}

/**
 * A `{ command = "..." }` condition: run in the job directory (the project's for several jobs); 0 holds.
 * Its placeholders are expanded as an operation's command's are, since `test -f {sp.name}.dat` passed
 * the braces to the shell as they were and the condition was silently false.
 */
function runConditionCommand(command: string, jobs: Job[], root: string): number {
  const r = spawnSync("/bin/sh", ["-c", expandCommand(command, { jobs, projectRoot: root })], {
    cwd: jobs.length === 1 ? jobs[0].path : root,
    stdio: "ignore",
    env: { ...process.env, COHORT_PROJECT: root, COHORT_JOB_IDS: jobs.map((j) => j.id).join(" ") },
  });
  return r.status ?? 1;
}
