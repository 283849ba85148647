/**
 * Batches (SPEC §8) and the run group one invocation of `cohort run` makes (SPEC §7).
 *
 * - `cohort run OP ARGS...`: an argument holding `=` is a flag assignment (`KEY=VALUE`), any other
 *   is an operation or group name ({@link splitRunArgs}). The assignments use the multi-value syntax of
 *   dataspace/multivalue.ts; they form a **batch** when any key has several values or a random
 *   distribution ({@link expandBatch}). A single flag set of plain values is one run, not a batch.
 * - A flag operation's flag sets are merged over its declared defaults; a key it does not declare is
 *   an error ({@link withDefaults}).
 * - `--needed` skips flag sets that already have a completed run (`completed.ts`).
 * - {@link InvocationGroup}: the one run group of an invocation (a batch or a pipeline), made at its
 *   first run, which each run joins as it is made, so that a crash leaves the runs made so far grouped,
 *   and an invocation that runs nothing leaves no empty group. The group ends when the invocation has
 *   made every run it will make. With `COHORT_SUBMISSION_GROUP=<group-id>` (set in a cluster job),
 *   runs join that group instead.
 */
import { expandGrid, parseAssignments, type Assignment, type GridOptions } from "../dataspace/multivalue.js";
import type { JsonObject } from "../dataspace/value.js";
import { UserError } from "../util/errors.js";
import { endGroup, makeGroup, type GroupKind } from "./groups.js";
import { isRunId } from "./run-id.js";

/** The environment variable a cluster job sets so that its runs join its submission group. */
export const SUBMISSION_GROUP_ENV = "COHORT_SUBMISSION_GROUP";

/** Splits `run`'s positional arguments: `KEY=VALUE` assignments and operation or group names. */
export function splitRunArgs(args: readonly string[]): { names: string[]; assignments: string[] } {
  const names: string[] = [];
  const assignments: string[] = [];
  for (const arg of args) (arg.includes("=") ? assignments : names).push(arg);
  return { names, assignments };
}

export interface Batch {
  /** The assignment arguments as typed. */
  args: string[];
  assignments: Assignment[];
  /** The flag sets (or state points), first key outermost. */
  sets: JsonObject[];
  /** Whether the arguments form a batch: a key with several values or a random distribution. */
  isBatch: boolean;
}

/** The flag sets of `KEY=VALUE` arguments: a grid, sampled to `maxRuns`, or random draws. */
export function expandBatch(args: readonly string[], opts: GridOptions = {}): Batch {
  const assignments = parseAssignments(args);
  return {
    args: [...args],
    assignments,
    sets: expandGrid(assignments, opts),
    isBatch: assignments.some((a) => a.multi || a.dist !== undefined),
  };
}

/**
 * Each flag set merged over a flag operation's defaults (the defaults' key order first); a key the
 * operation does not declare is a UserError that names the declared ones.
 */
export function withDefaults(operation: string, defaults: JsonObject, sets: readonly JsonObject[]): JsonObject[] {
  const declared = Object.keys(defaults);
  for (const set of sets) {
    for (const key of Object.keys(set)) {
      if (!Object.hasOwn(defaults, key)) {
        throw new UserError(
          `operation ${operation} has no flag ${key}`,
          declared.length ? `its flags are ${declared.join(", ")}` : `it declares no flags; add ${key} to its flags in cohort.toml`,
        );
      }
    }
  }
  return sets.map((set) => ({ ...defaults, ...set }));
}

/** The group an invocation makes: its kind and details, and for a batch how many runs it will make. */
export interface GroupPlan {
  kind: Extract<GroupKind, "batch" | "pipeline">;
  details: JsonObject;
  planned?: number;
}

/** The one run group of an invocation: made at its first run, joined by each run as it is made. */
export class InvocationGroup {
  private made: { id: string; name: string } | undefined;

  private constructor(
    private readonly projectRoot: string,
    private readonly plan: GroupPlan | undefined,
    private readonly joined: string | undefined,
  ) {}

  /**
   * The group of an invocation that would make `plan` (none: no group). When the environment names
   * a submission group, runs join it instead and no group is made; a value that is no group id is a
   * UserError, raised before anything runs.
   */
  static start(projectRoot: string, plan: GroupPlan | undefined, env: NodeJS.ProcessEnv = process.env): InvocationGroup {
    const joinId = env[SUBMISSION_GROUP_ENV]?.trim();
    if (!joinId) return new InvocationGroup(projectRoot, plan, undefined);
    if (!isRunId(joinId)) throw new UserError(`${SUBMISSION_GROUP_ENV}=${joinId} is not a run group id`, `cohort's cluster jobs set it; unset it to run outside one`);
    return new InvocationGroup(projectRoot, undefined, joinId);
  }

  /** The group's id, once it exists (or the joined group's). */
  get id(): string | undefined {
    return this.joined ?? this.made?.id;
  }

  /** The group's short name, once it exists. */
  get name(): string | undefined {
    return this.made?.name;
  }

  /** The kind of group the runs go to: the plan's, or a submission. */
  get kind(): GroupKind | undefined {
    return this.plan?.kind ?? (this.joined ? "submission" : undefined);
  }

  /** The groups a run about to be made joins: the first makes the group. */
  forNewRun(): string[] {
    if (this.joined) return [this.joined];
    if (!this.plan) return [];
    this.made ??= makeGroup(this.projectRoot, { kind: this.plan.kind, details: this.plan.details, planned: this.plan.planned });
    return [this.made.id];
  }

  /** The invocation has made every run it will make. */
  finish(): void {
    if (this.made) endGroup(this.projectRoot, this.made.id);
  }
}
