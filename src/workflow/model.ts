/**
 * The workflow model: operations, their conditions and directives, groups (FlowGroups), hooks.
 * `cohort.toml` and a project module (`project.ts`) both produce a `WorkflowDefinition`; the two are
 * merged into one `Workflow` (workflow.ts) that the engine runs.
 */
import type { Job } from "../dataspace/job.js";
import type { Float, JsonObject, JsonValue } from "../dataspace/value.js";

/** What an operation, condition or directive function receives: one job, or the jobs of an aggregate. */
export type JobsFn<T> = (...jobs: Job[]) => T;

/** A function operation's run, as the function sees it (`this`). */
export interface RunContext {
  /** The run's id and its name (`cohort runs show NAME`). */
  readonly id: string;
  readonly name: string;
  /** Records metrics: named numbers, at a step (a whole number from 0) or at none. */
  log(values: Record<string, number | Float>, options?: { step?: number }): void;
}

/** Where a definition came from, for messages: `cohort.toml:12` or `project.ts`. */
export type Origin = string;

export type Condition =
  /** A file exists in the job directory (every job of the aggregate). */
  | { kind: "isfile"; file: string; origin?: Origin }
  /** A document key is truthy (`true`) or falsy/absent (`false`), as signac-flow's `pre.true(key)`. */
  | { kind: "true" | "false"; key: string; origin?: Origin }
  /** Every post-condition of the named operations holds. */
  | { kind: "after"; operations: string[]; origin?: Origin }
  /** Never holds: an operation with `post = never` is never complete. */
  | { kind: "never"; origin?: Origin }
  | { kind: "not"; condition: Condition; origin?: Origin }
  /** A predicate written in TypeScript; `name` is shown in messages. */
  | { kind: "fn"; name: string; fn: JobsFn<boolean | Promise<boolean>>; origin?: Origin }
  /** A shell command run in the job directory; exit code 0 means it holds (TOML only). */
  | { kind: "command"; command: string; origin?: Origin };

/** A directive's value, or a function of the aggregate that returns it (evaluated per aggregate). */
export type DirectiveValue = JsonValue | JobsFn<JsonValue>;

/**
 * An operation's directives: the standard ones typed as they are checked (docs/workflow.md,
 * "Directives"; a function's value is checked when it is evaluated), any other key kept for templates.
 */
export interface Directives {
  /** CPU slots, an integer ≥ 1. */
  np?: number | Float | JobsFn<JsonValue>;
  /** GPUs, an integer ≥ 0. */
  ngpu?: number | Float | JobsFn<JsonValue>;
  /** MPI ranks; null: not set. */
  nranks?: number | Float | null | JobsFn<JsonValue>;
  /** OpenMP threads per rank; null: not set. */
  omp_num_threads?: number | Float | null | JobsFn<JsonValue>;
  /** Gigabytes as a number, or a size with a unit: "512m", "4g"; null: not set. */
  memory?: number | Float | string | null | JobsFn<JsonValue>;
  /** Hours as a number, or "H:MM:SS", "2h", "30m"; null: not set. */
  walltime?: number | Float | string | null | JobsFn<JsonValue>;
  /** The interpreter a function operation runs with. */
  executable?: string | JobsFn<JsonValue>;
  /** Run a function operation in a process of its own. */
  fork?: boolean | JobsFn<JsonValue>;
  /** The share of a processor each of its np needs, in (0, 1]. */
  processor_fraction?: number | Float | JobsFn<JsonValue>;
  [key: string]: DirectiveValue | undefined;
}

/** A hook: a TypeScript function, or (from TOML) a shell command run in the job directory. */
export type HookFn = ((info: HookInfo) => void | Promise<void>) | { command: string };
export interface HookInfo {
  operation: string;
  jobs: Job[];
  /** Set for on_exception and on_exit after a failure. */
  error?: Error;
  /** The run's id. */
  runId: string;
}
export type HookName = "on_start" | "on_success" | "on_exception" | "on_exit";
export type Hooks = Partial<Record<HookName, HookFn[]>>;

export type Aggregator =
  | { kind: "single" }
  | { kind: "groupsOf"; n: number }
  /** A key path, or a function of the job: its value, or undefined to leave the job out. */
  | { kind: "groupBy"; key: string | JobsFn<JsonValue | undefined> }
  | { kind: "all" };

export type OperationBody =
  /** A shell command with placeholders ({job.id}, {sp.KEY}, ...), always shell-quoted when substituted. */
  | { kind: "command"; command: string }
  /** A TypeScript function of the aggregate's jobs; with `cmd`, it returns a shell command to run. */
  | { kind: "function"; fn: JobsFn<unknown>; cmd: boolean };

export interface OperationDefinition {
  name: string;
  body: OperationBody;
  pre: Condition[];
  post: Condition[];
  directives: Directives;
  aggregator: Aggregator;
  hooks: Hooks;
  /** Flags of a flag operation (no job; a fresh run directory per run). */
  flags?: JsonObject;
  /** Output patterns whose named groups are metrics (metric-patterns.ts). */
  metrics?: string[];
  origin: Origin;
}

export interface GroupDefinition {
  name: string;
  /** Member operations, in the order they run. */
  operations: string[];
  /** Group-specific directives per member operation; they replace the operation's own (no merge). */
  directives: Record<string, Directives>;
  /** Options applied when the group is run or submitted, e.g. "--num-passes=2". */
  runOptions?: string;
  submitOptions?: string;
  origin: Origin;
}

/**
 * What a label function returns for a job: true (the label is set), false/null/undefined (it is not),
 * or a text value shown as `name: value` (a number counts as its text, a Float as Python writes it:
 * `2.0`; "" as not set). It may be async. Any JSON value is accepted by the type, so that a label may
 * return a state-point value as it is (`job.sp.T`); a list or an object is the label's error on that job.
 */
export type LabelValue = JsonValue | undefined;

/** A label shown by `status`: a condition that holds for the job, or a function returning text or a flag. */
export interface LabelDefinition {
  name: string;
  condition?: Condition;
  fn?: JobsFn<LabelValue | Promise<LabelValue>>;
  origin: Origin;
}

/** What one source (cohort.toml or a project module) defines. */
export interface WorkflowDefinition {
  name?: string;
  /** Where the name was given (`cohort.toml:2`, `project.ts:3`). */
  nameOrigin?: Origin;
  operations: OperationDefinition[];
  groups: GroupDefinition[];
  labels: LabelDefinition[];
  hooks: Hooks;
}
