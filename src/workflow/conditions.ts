/**
 * Conditions (SPEC §3.1, §4): evaluation on one aggregate, their descriptions for messages, and the
 * static checks of `after` references (unknown operations, cycles).
 *
 * Semantics, as signac-flow's `pre`/`post` helpers:
 * - `isfile(F)`: every job of the aggregate has the file F.
 * - `true(K)` / `false(K)`: for every job, the document value at K (a dotted path reaches nested
 *   keys) is truthy / is falsy or absent, with Python's truthiness: null, false, 0, 0.0, "", [] and
 *   {} are falsy.
 * - `after(A, ...)`: the post-conditions of every named operation hold on the aggregate (the engine
 *   answers through `ConditionContext.postHolds`).
 * - `never`: never holds. `not(C)`: the negation of C.
 * - A function: called with the aggregate's jobs and awaited; its result counts by Python
 *   truthiness, as signac-flow's does. `undefined` (a forgotten `return`) and a function value are
 *   errors rather than silently false.
 * - `command`: a shell command in the job directory, its placeholders expanded; exit code 0 holds.
 * A condition that throws is reported as a ConditionError naming the condition (the innermost one
 * that failed) and carrying the original error.
 */
import type { Job } from "../dataspace/job.js";
import type { JobFiles } from "../dataspace/job-files.js";
import { splitPath } from "../dataspace/keys.js";
import { lookupPath } from "../dataspace/project.js";
import { Float, type JsonValue } from "../dataspace/value.js";
import { errorText, UserError } from "../util/errors.js";
import type { Condition, OperationDefinition } from "./model.js";

/** A value, or a promise of it: conditions are evaluated synchronously unless one of them is async. */
export type MaybePromise<T> = T | Promise<T>;

export function isPromiseLike<T>(v: unknown): v is PromiseLike<T> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}

export interface ConditionContext {
  /** How `isfile`, `true` and `false` see the jobs' files in this command (job-files.ts). */
  files: JobFiles;
  /** Whether every post-condition of an operation holds on these jobs. */
  postHolds(operation: string, jobs: Job[]): MaybePromise<boolean>;
  /** Runs a `command` condition; resolves to its exit code. */
  runCommand?(command: string, jobs: Job[]): Promise<number>;
}

/** A condition that could not be evaluated: it threw, or returned no usable value. */
export class ConditionError extends Error {
  /** The condition's description (describeCondition). */
  readonly description: string;

  constructor(
    readonly condition: Condition,
    /** What it threw. */
    readonly error: unknown,
  ) {
    const description = describeCondition(condition);
    super(`condition ${description} failed: ${errorText(error)}`, { cause: error });
    this.name = "ConditionError";
    this.description = description;
  }
}

/** Python's truthiness of a JSON value: null, false, 0, 0.0, "", [] and {} are falsy. */
export function isTruthy(v: JsonValue | undefined): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "bigint") return v !== 0n;
  if (v instanceof Float) return v.value !== 0;
  if (typeof v === "string") return v !== "";
  if (Array.isArray(v)) return v.length > 0;
  return Object.keys(v).length > 0;
}

/** Dotted keys split once per key text, kept for the process: `true`/`false` conditions look the same key up on every job (bench/RESULTS.md). */
const splitKeys = new Map<string, string[]>();

function documentValue(files: JobFiles, job: Job, key: string): JsonValue | undefined {
  let keys = splitKeys.get(key);
  if (!keys) splitKeys.set(key, (keys = splitPath(key)));
  return lookupPath(files.document(job), keys);
}

function functionResult(result: unknown): boolean {
  if (result === undefined) {
    throw new Error("it returned undefined; a condition must return true or false (a missing return?)");
  }
  if (typeof result === "function") {
    throw new Error("it returned a function; a condition must return true or false");
  }
  if (typeof result === "object" && result !== null && !Array.isArray(result) && !(result instanceof Float)) {
    const proto = Object.getPrototypeOf(result) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw new Error(`it returned ${(result as object).constructor?.name ?? "an object"}; a condition must return true or false`);
    }
  }
  return isTruthy(result as JsonValue);
}

function afterHolds(operations: readonly string[], from: number, jobs: Job[], ctx: ConditionContext): MaybePromise<boolean> {
  for (let i = from; i < operations.length; i++) {
    const r = ctx.postHolds(operations[i], jobs);
    if (isPromiseLike<boolean>(r)) return Promise.resolve(r).then((holds) => (holds ? afterHolds(operations, i + 1, jobs, ctx) : false));
    if (!r) return false;
  }
  return true;
}

function evaluate(c: Condition, jobs: Job[], ctx: ConditionContext): MaybePromise<boolean> {
  switch (c.kind) {
    case "isfile":
      for (const j of jobs) if (!ctx.files.isFile(j, c.file)) return false;
      return true;
    case "true":
      for (const j of jobs) if (!isTruthy(documentValue(ctx.files, j, c.key))) return false;
      return true;
    case "false":
      for (const j of jobs) if (isTruthy(documentValue(ctx.files, j, c.key))) return false;
      return true;
    case "after":
      return afterHolds(c.operations, 0, jobs, ctx);
    case "never":
      return false;
    case "not": {
      const r = evaluateConditionNow(c.condition, jobs, ctx);
      return isPromiseLike<boolean>(r) ? Promise.resolve(r).then((x) => !x) : !r;
    }
    case "fn": {
      const r = c.fn(...jobs);
      return isPromiseLike(r) ? Promise.resolve(r).then(functionResult) : functionResult(r);
    }
    case "command": {
      if (!ctx.runCommand) throw new Error("command conditions cannot be evaluated here");
      return ctx.runCommand(c.command, jobs).then((code) => code === 0);
    }
  }
}

function wrap(c: Condition, err: unknown): ConditionError {
  return err instanceof ConditionError ? err : new ConditionError(c, err);
}

/**
 * Whether a condition holds on an aggregate: a boolean when every condition involved answered
 * synchronously (files, document keys, functions that return a value), else a promise. Throws (or
 * rejects with) a ConditionError when it cannot be evaluated.
 */
export function evaluateConditionNow(c: Condition, jobs: Job[], ctx: ConditionContext): MaybePromise<boolean> {
  let r: MaybePromise<boolean>;
  try {
    r = evaluate(c, jobs, ctx);
  } catch (err) {
    throw wrap(c, err);
  }
  if (isPromiseLike<boolean>(r)) {
    return Promise.resolve(r).catch((err: unknown) => {
      throw wrap(c, err);
    });
  }
  return r;
}

/** evaluateConditions, synchronously when every condition answers synchronously. */
export function evaluateConditionsNow(
  list: readonly Condition[],
  jobs: Job[],
  ctx: ConditionContext,
  from = 0,
): MaybePromise<{ holds: boolean; failed?: Condition }> {
  for (let i = from; i < list.length; i++) {
    const c = list[i];
    const r = evaluateConditionNow(c, jobs, ctx);
    if (isPromiseLike<boolean>(r)) {
      return Promise.resolve(r).then((holds) => (holds ? evaluateConditionsNow(list, jobs, ctx, i + 1) : failedAt(c)));
    }
    if (!r) return failedAt(c);
  }
  return HOLDS;
}

// Shared answers (callers only read them): at 100,000 jobs a fresh object per evaluation is felt.
const HOLDS: { holds: boolean; failed?: Condition } = Object.freeze({ holds: true });
const FAILED_AT = new WeakMap<Condition, { holds: boolean; failed?: Condition }>();

function failedAt(c: Condition): { holds: boolean; failed?: Condition } {
  let r = FAILED_AT.get(c);
  if (!r) FAILED_AT.set(c, (r = Object.freeze({ holds: false, failed: c })));
  return r;
}

/**
 * Evaluates conditions in order, stopping at the first that does not hold, which is returned as
 * `failed`. `holds` is true when all hold (so also for an empty list).
 */
export async function evaluateConditions(
  list: readonly Condition[],
  jobs: Job[],
  ctx: ConditionContext,
): Promise<{ holds: boolean; failed?: Condition }> {
  return await evaluateConditionsNow(list, jobs, ctx);
}

/** A condition as a user would write it: `isfile("init.dat")`, `after(prepare)`, `not(...)`, a function's name. */
export function describeCondition(c: Condition): string {
  switch (c.kind) {
    case "isfile":
      return `isfile(${JSON.stringify(c.file)})`;
    case "true":
    case "false":
      return `${c.kind}(${JSON.stringify(c.key)})`;
    case "after":
      return `after(${c.operations.join(", ")})`;
    case "never":
      return "never";
    case "not":
      return `not(${describeCondition(c.condition)})`;
    case "fn":
      return c.name || c.fn.name || "(anonymous)";
    case "command":
      return `command(${JSON.stringify(c.command)})`;
  }
}

/** The operation names of the `after` conditions in a list, including inside `not`, in order. */
export function afterNames(list: readonly Condition[]): { name: string; condition: Condition }[] {
  const out: { name: string; condition: Condition }[] = [];
  const visit = (c: Condition) => {
    if (c.kind === "after") for (const name of c.operations) out.push({ name, condition: c });
    else if (c.kind === "not") visit(c.condition);
  };
  for (const c of list) visit(c);
  return out;
}

/**
 * One cycle of the `after` graph (an edge from each operation to every operation its pre-conditions
 * name), as names from the first to itself again (`["a", "b", "a"]`), or undefined when there is
 * none. Names of unknown operations are ignored here (checkAfterReferences reports them).
 */
export function findAfterCycle(ops: readonly OperationDefinition[]): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const op of ops) edges.set(op.name, [...new Set(afterNames(op.pre).map((a) => a.name))]);
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    state.set(name, "active");
    stack.push(name);
    for (const next of edges.get(name) ?? []) {
      if (!edges.has(next)) continue;
      const s = state.get(next);
      if (s === "active") return [...stack.slice(stack.indexOf(next)), next];
      if (s === undefined) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(name, "done");
    return undefined;
  };
  for (const op of ops) {
    if (state.has(op.name)) continue;
    const cycle = visit(op.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Throws a UserError for an `after` condition (pre or post, inside `not` too) naming an unknown operation. */
export function checkAfterReferences(ops: readonly OperationDefinition[]): void {
  const known = new Set(ops.map((o) => o.name));
  for (const op of ops) {
    for (const { name, condition } of [...afterNames(op.pre), ...afterNames(op.post)]) {
      if (known.has(name)) continue;
      const origin = condition.origin ?? op.origin;
      const names = [...known];
      throw new UserError(
        `operation ${op.name} (${origin}) waits with ${describeCondition(condition)} for an unknown operation ${name}`,
        names.length ? `known operations: ${names.slice(0, 10).join(", ")}${names.length > 10 ? ", ..." : ""}` : "the project defines no operation",
      );
    }
  }
}
