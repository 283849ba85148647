/**
 * The TypeScript API of a project module (`project.ts`): signac-flow's `FlowProject` and its
 * decorators, translated one to one into wrappers passed before the operation's function.
 *
 * ```ts
 * import { FlowProject, directives, pre, post } from "cohort";
 * const project = new FlowProject();
 * const ex = project.makeGroup({ name: "ex" });
 * project.operation(
 *   ex.withDirectives({ ngpu: 2 }),   // @ex.with_directives({"ngpu": 2})
 *   directives({ ngpu: 1 }),          // @FlowProject.operation(directives={"ngpu": 1})
 *   post.isFile("out.txt"),           // @FlowProject.post.isfile("out.txt")
 *   async function op1(job) { ... },
 * );
 * export default project;
 * ```
 *
 * Decisions:
 * - Wrappers are plain objects tagged `wrapper: "..."` (a `FlowGroup` is one too), applied in the
 *   order written; conditions keep that order (it is their evaluation order).
 * - The options form `project.operation(name?, options, fn)` accepts the same things by key; an
 *   unknown key is an error (a typo would otherwise be ignored silently). Wrappers and an options
 *   object may be mixed.
 * - What a call is given is checked in cohort.toml's shape, with its schemas (definition-schema.ts):
 *   `post.isFile(f)` as `{ isfile = f }`, `groupsOf(n)` as `{ groups_of = n }`, an operation's
 *   directives, flags and aggregator as those keys of `[operations.NAME]`. A problem names the call.
 * - Operations referenced by `pre.after(...)` / `copyFrom(...)` may be names or the functions
 *   themselves; a function is resolved when `definition()` is called, to the name it was registered
 *   under in this project (else its own name), so references may precede the definition.
 * - `pre.copyFrom(...ops)` / `post.copyFrom(...ops)` (signac-flow's `copy_from`) insert the named
 *   operations' pre-/post-conditions at that place.
 * - `directives(...)` given twice merge; a key given twice is an error. Directive values are checked
 *   (vocabulary, types) when the workflow is assembled, with every other source.
 * - An operation's origin is the file and line of the `project.operation(...)` call, taken from the
 *   stack (`project.ts:12`), for messages.
 * - `flags: { lr: 0.01 }` in the options form makes a flag operation (as `flags` in cohort.toml): its
 *   function receives the run's flag set (defaults merged) instead of jobs, and cannot have an
 *   aggregator. In TypeScript, declare the parameter as `Record<string, any>`. JavaScript numbers
 *   cannot tell `1.0` from `1`: an integer default is an int (`float(1)` from the API makes a float).
 * - `metrics: ["loss=(?<loss>\\S+)"]` in the options form: output patterns, as `metrics` in cohort.toml
 *   (docs/metrics.md).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Job } from "../dataspace/job.js";
import type { JsonObject, JsonValue } from "../dataspace/value.js";
import { UserError } from "../util/errors.js";
import * as z from "zod/mini";
import {
  aggregatorSchema,
  check,
  conditionSchema,
  describeProblem,
  groupOptionsSchema,
  HOOK_NAMES,
  hookItem,
  operationShape,
  operationTable,
  showPath,
  table,
  toAggregator,
  type RawAggregator,
  type RawCondition,
} from "./definition-schema.js";
import type {
  Aggregator,
  Condition,
  Directives,
  GroupDefinition,
  HookFn,
  HookName,
  Hooks,
  JobsFn,
  LabelDefinition,
  LabelValue,
  OperationDefinition,
  Origin,
  RunContext,
  WorkflowDefinition,
} from "./model.js";

/** The marker a FlowProject carries, so that a loader can recognise one without `instanceof`. */
export const FLOW_PROJECT = Symbol.for("cohort.FlowProject");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

/** An operation named by its name or by its function. */
export type OperationRef = string | AnyFunction;

/** A condition as written: like `Condition`, but operations may be given by their functions. */
export type ConditionSpec =
  | Exclude<Condition, { kind: "after" } | { kind: "not" }>
  | { kind: "after"; operations: OperationRef[]; origin?: Origin }
  | { kind: "not"; condition: ConditionSpec; origin?: Origin }
  /** The named operations' pre-conditions (in a pre list) or post-conditions (in a post list). */
  | { kind: "copyFrom"; operations: OperationRef[] };

export interface ConditionWrapper {
  readonly wrapper: "pre" | "post";
  readonly condition: ConditionSpec;
}
export interface DirectivesWrapper {
  readonly wrapper: "directives";
  readonly directives: Directives;
}
export interface GroupWrapper {
  readonly wrapper: "group";
  readonly group: FlowGroup;
  readonly directives?: Directives;
}
export interface HookWrapper {
  readonly wrapper: "hook";
  readonly hook: HookName;
  readonly fn: HookFn;
}
export interface AggregatorWrapper {
  readonly wrapper: "aggregator";
  readonly aggregator: Aggregator;
}
export interface CmdWrapper {
  readonly wrapper: "cmd";
}
export type OperationWrapper = ConditionWrapper | DirectivesWrapper | GroupWrapper | HookWrapper | AggregatorWrapper | CmdWrapper | FlowGroup;

/** What a condition list accepts: a wrapper (`post.isFile("x")`), a condition object, or a predicate. */
export type ConditionInput = ConditionWrapper | ConditionSpec | JobsFn<boolean | Promise<boolean>>;
type HookInput = HookFn | string;
type HookOption = HookInput | HookInput[];

export interface OperationOptions {
  /** The operation's name (default: the function's name). */
  name?: string;
  directives?: Directives;
  groups?: (FlowGroup | GroupWrapper | { group: FlowGroup; directives?: Directives })[];
  pre?: ConditionInput | ConditionInput[];
  post?: ConditionInput | ConditionInput[];
  aggregator?: Aggregator | AggregatorWrapper;
  hooks?: {
    onStart?: HookOption;
    onSuccess?: HookOption;
    onException?: HookOption;
    onExit?: HookOption;
    on_start?: HookOption;
    on_success?: HookOption;
    on_exception?: HookOption;
    on_exit?: HookOption;
  };
  /** The function returns a shell command to run (signac-flow's `cmd=True`). */
  cmd?: boolean;
  /** Makes a flag operation with these default flags: the function receives a flag set, not jobs. */
  flags?: JsonObject;
  /** Output patterns whose named groups are metrics: `["loss=(?<loss>\\S+)"]` (docs/metrics.md). */
  metrics?: string[];
}

export interface GroupOptions {
  name: string;
  /** Group-specific directives per member operation (they replace the operation's own in this group). */
  directives?: Record<string, Directives>;
  /** Members given by name, e.g. operations defined in cohort.toml; they come first. */
  operations?: OperationRef[];
  runOptions?: string;
  submitOptions?: string;
}

/**
 * The operation's function: it receives the aggregate's jobs (one job by default), and its run as
 * `this` (a function written with `function`, not an arrow), typed without a `this:` parameter.
 */
export type OperationFn = (this: RunContext, ...jobs: Job[]) => unknown;
export type OperationArg = string | OperationWrapper | OperationOptions;

// ---------------------------------------------------------------------------------------------
// Conditions: pre.* and post.*

export interface ConditionBuilder {
  /** A predicate of the job (or of the aggregate's jobs); `fn.name` is shown in messages. */
  (fn: JobsFn<boolean | Promise<boolean>>): ConditionWrapper;
  /** The file exists in the job directory. */
  isFile(file: string): ConditionWrapper;
  /** The job document's key is truthy. */
  true(key: string): ConditionWrapper;
  /** The job document's key is falsy or absent. */
  false(key: string): ConditionWrapper;
  /** Every post-condition of the named operations holds. */
  after(...operations: OperationRef[]): ConditionWrapper;
  /** The condition does not hold. */
  not(condition: ConditionInput): ConditionWrapper;
  /** The pre- (or post-) conditions of the named operations, copied here. */
  copyFrom(...operations: OperationRef[]): ConditionWrapper;
  /** Never holds (as a post-condition: the operation is never complete). */
  readonly never: ConditionWrapper;
}

function conditionBuilder(which: "pre" | "post"): ConditionBuilder {
  const wrap = (condition: ConditionSpec): ConditionWrapper => ({ wrapper: which, condition });
  const where = (what: string) => `${which}.${what}`;
  const builder = (fn: JobsFn<boolean | Promise<boolean>>) => {
    if (typeof fn !== "function") throw new UserError(`${which}(...) takes a function of the job, not ${describe(fn)}`, `${which}((job) => job.isFile("x"))`);
    return wrap({ kind: "fn", name: fn.name, fn });
  };
  return Object.assign(builder, {
    isFile: (file: string) => wrap(checkedSpec({ kind: "isfile", file }, `${where("isFile")}(${describe(file)})`)),
    true: (key: string) => wrap(checkedSpec({ kind: "true", key }, `${where("true")}(${describe(key)})`)),
    false: (key: string) => wrap(checkedSpec({ kind: "false", key }, `${where("false")}(${describe(key)})`)),
    after: (...operations: OperationRef[]) => wrap({ kind: "after", operations: operationRefs(operations, where("after")) }),
    not: (condition: ConditionInput) => wrap({ kind: "not", condition: conditionSpec(condition, where("not")) }),
    copyFrom: (...operations: OperationRef[]) => wrap({ kind: "copyFrom", operations: operationRefs(operations, where("copyFrom")) }),
    never: Object.freeze(wrap({ kind: "never" })),
  }) as ConditionBuilder;
}

/** Pre-conditions: all must hold for the operation to be eligible. */
export const pre: ConditionBuilder = conditionBuilder("pre");
/** Post-conditions: all holding means the operation is complete. */
export const post: ConditionBuilder = conditionBuilder("post");

const CONDITION_KINDS = new Set(["isfile", "true", "false", "after", "never", "not", "fn", "command", "copyFrom"]);

function conditionSpec(input: unknown, where: string): ConditionSpec {
  if (typeof input === "function") return { kind: "fn", name: input.name, fn: input as JobsFn<boolean> };
  if (isObject(input)) {
    if ((input.wrapper === "pre" || input.wrapper === "post") && isObject(input.condition)) return input.condition as ConditionSpec;
    if (input.wrapper === undefined && typeof input.kind === "string" && CONDITION_KINDS.has(input.kind)) return checkedSpec(input as ConditionSpec, where);
  }
  throw new UserError(`${where}: ${describe(input)} is not a condition`, "use pre.isFile(...), post.true(...), a function of the job, ...");
}

/** A condition, checked as the same condition in cohort.toml is. */
function checkedSpec<C extends ConditionSpec>(spec: C, where: string): C {
  const raw = rawCondition(spec);
  if (raw !== undefined) checked(conditionSchema, raw, where);
  return spec;
}

/** A condition in cohort.toml's shape; a function, and copyFrom, have none (nor does what holds one). */
function rawCondition(spec: ConditionSpec): RawCondition | undefined {
  switch (spec.kind) {
    case "isfile":
      return { isfile: spec.file };
    case "true":
      return { true: spec.key };
    case "false":
      return { false: spec.key };
    case "after":
      return { after: spec.operations };
    case "never":
      return { never: true };
    case "command":
      return { command: spec.command };
    case "not": {
      // what is not a condition at all, the schema words
      if (!isObject(spec.condition)) return { not: spec.condition } as RawCondition;
      const inner = rawCondition(spec.condition);
      return inner && { not: inner };
    }
    default:
      return undefined;
  }
}

function operationRefs(refs: unknown[], where: string): OperationRef[] {
  if (refs.length === 0) throw new UserError(`${where}() needs at least one operation`, `${where}("prepare")`);
  for (const r of refs) {
    if (!((typeof r === "string" && r !== "") || typeof r === "function")) {
      throw new UserError(`${where}: ${describe(r)} is not an operation`, "name operations by their name or their function");
    }
  }
  return refs as OperationRef[];
}

// ---------------------------------------------------------------------------------------------
// Other wrappers

/** The operation's own directives (resources, execution options); values may be functions of the jobs. */
export function directives(d: Directives): DirectivesWrapper {
  return { wrapper: "directives", directives: checkDirectives(d, "directives(...)") };
}

/** The operation's function returns a shell command, which is run (signac-flow's `cmd=True`). */
export const cmd: CmdWrapper = Object.freeze({ wrapper: "cmd" as const });

/** Operation hooks (signac-flow's `@FlowProject.operation_hooks.on_start(fn)`, ...). */
export const hooks = {
  onStart: (fn: HookInput): HookWrapper => hookWrapper("on_start", fn),
  onSuccess: (fn: HookInput): HookWrapper => hookWrapper("on_success", fn),
  onException: (fn: HookInput): HookWrapper => hookWrapper("on_exception", fn),
  onExit: (fn: HookInput): HookWrapper => hookWrapper("on_exit", fn),
};

function hookWrapper(hook: HookName, fn: HookInput): HookWrapper {
  return { wrapper: "hook", hook, fn: hookFn(fn, `hooks.${camel(hook)}`) };
}

/** A hook as `on_start = ...` in cohort.toml takes it (a shell command), or a function; `{ command }` is a shell command too. */
function hookFn(fn: unknown, where: string): HookFn {
  const hook = isObject(fn) && typeof fn.command === "string" && Object.keys(fn).length === 1 ? fn.command : fn;
  const valid = checked(hookItem, hook, where, "a hook is a function of { operation, jobs, error, runId } or a shell command");
  return typeof valid === "string" ? { command: valid } : valid;
}

/** Aggregates of `n` jobs (the last may be smaller). */
export function groupsOf(n: number): AggregatorWrapper {
  checked(aggregatorSchema, { groups_of: n }, `groupsOf(${describe(n)})`, "groupsOf(2)");
  return { wrapper: "aggregator", aggregator: { kind: "groupsOf", n } };
}

/** Aggregates of the jobs sharing a value: a state-point key (dotted, `doc.` for the document) or a function. */
export function groupBy(key: string | JobsFn<JsonValue | undefined>): AggregatorWrapper {
  checked(aggregatorSchema, { group_by: key }, `groupBy(${describe(key)})`, `groupBy("T") or groupBy((job) => ...)`);
  return { wrapper: "aggregator", aggregator: { kind: "groupBy", key } };
}

/** One aggregate of all jobs. */
export function allJobs(): AggregatorWrapper {
  return { wrapper: "aggregator", aggregator: { kind: "all" } };
}

// ---------------------------------------------------------------------------------------------
// Groups

/** A FlowGroup: operations that run or are submitted together, each with its own directives in it. */
export class FlowGroup {
  readonly wrapper = "group" as const;
  /** Members in the order they were added (the order they run). */
  readonly operations: OperationRef[] = [];
  /** Directives given with the membership (`withDirectives`). */
  readonly memberDirectives = new Map<OperationRef, Directives>();
  /** Directives given by operation name to `makeGroup`. */
  readonly namedDirectives: Record<string, Directives> = {};

  constructor(
    readonly project: FlowProject,
    readonly name: string,
    readonly runOptions: string | undefined,
    readonly submitOptions: string | undefined,
    readonly origin: Origin,
  ) {}

  /** Membership with group-specific directives, which replace the operation's own in this group. */
  withDirectives(d: Directives): GroupWrapper {
    return { wrapper: "group", group: this, directives: checkDirectives(d, `group ${this.name}: withDirectives(...)`) };
  }

  /** @internal */
  add(ref: OperationRef, directives: Directives | undefined, where: string): void {
    if (this.operations.includes(ref)) throw new UserError(`${where} is added to group ${this.name} twice`, "add an operation to a group once");
    this.operations.push(ref);
    if (directives) this.memberDirectives.set(ref, directives);
  }
}

// ---------------------------------------------------------------------------------------------
// The project

interface OperationEntry {
  name: string;
  fn: AnyFunction;
  cmd: boolean;
  pre: ConditionSpec[];
  post: ConditionSpec[];
  directives: Directives;
  aggregator: Aggregator | undefined;
  hooks: Hooks;
  flags?: JsonObject;
  metrics?: string[];
  origin: Origin;
}

/** The project-level hooks registrar: `project.hooks.onStart(fn)`. */
export interface ProjectHooks {
  onStart(fn: HookInput): void;
  onSuccess(fn: HookInput): void;
  onException(fn: HookInput): void;
  onExit(fn: HookInput): void;
}

/**
 * The FlowProjects made since the project module's loader last took them: a module defines its
 * workflow on the one it exports, and one defined on another would be left out without a word.
 */
const madeProjects: FlowProject[] = [];

/** @internal The FlowProjects made since the last call (module-loader.ts, around loading a module). */
export function takeMadeProjects(): FlowProject[] {
  return madeProjects.splice(0);
}

export class FlowProject {
  readonly [FLOW_PROJECT] = true;
  readonly name: string | undefined;
  /** Where the name was given, for the message when cohort.toml names the project otherwise. */
  private readonly nameOrigin: Origin | undefined;
  private readonly ops: OperationEntry[] = [];
  private readonly groupList: FlowGroup[] = [];
  private readonly labelList: LabelDefinition[] = [];
  private readonly projectHooks: Hooks = {};

  /** Project-level hooks, run around every operation (after the operation's own). */
  readonly hooks: ProjectHooks = {
    onStart: (fn) => this.addProjectHook("on_start", fn),
    onSuccess: (fn) => this.addProjectHook("on_success", fn),
    onException: (fn) => this.addProjectHook("on_exception", fn),
    onExit: (fn) => this.addProjectHook("on_exit", fn),
  };

  constructor(options: { name?: string } = {}) {
    if (!isObject(options)) throw new UserError(`new FlowProject(${describe(options)}): the options must be an object`, `new FlowProject({ name: "demo" })`);
    checked(PROJECT_OPTIONS, options, "new FlowProject(...)");
    madeProjects.push(this);
    // Not empty, as in cohort.toml: the name begins the name of each cluster job.
    if (options.name !== undefined) {
      this.name = nonEmptyString(options.name, "new FlowProject", "a project name", 'new FlowProject({ name: "demo" }), or leave the name out');
      this.nameOrigin = callerOrigin();
    }
  }

  /** @internal The first operation, group or label defined on this project, for messages; none when it is empty. */
  firstDefinition(): string | undefined {
    const first = this.ops[0] ?? this.groupList[0] ?? this.labelList[0];
    if (first === undefined) return undefined;
    const kind = this.ops[0] ? "operation" : this.groupList[0] ? "group" : "label";
    return `${kind} ${first.name} (${first.origin})`;
  }

  /** Makes a group (signac-flow's `make_group`); a name can be used once. */
  makeGroup(options: GroupOptions | string): FlowGroup {
    const opts: GroupOptions = typeof options === "string" ? { name: options } : options;
    if (!isObject(opts)) throw new UserError(`makeGroup(${describe(options)}): give the group's options`, `project.makeGroup({ name: "ex" })`);
    const name = nonEmptyString(opts.name, "makeGroup", "a group name");
    const origin = callerOrigin();
    const where = `group ${name} (${origin})`;
    checked(GROUP_OPTIONS, opts, where);
    const made = this.groupList.find((g) => g.name === name);
    if (made) throw new UserError(`group ${name} is made twice: ${made.origin} and ${origin}`, "each group needs its own name");
    const group = new FlowGroup(this, name, opts.runOptions, opts.submitOptions, origin);
    if (opts.operations !== undefined) {
      if (!Array.isArray(opts.operations)) throw new UserError(`${where}: operations must be a list`, `operations: ["prepare", "simulate"]`);
      for (const ref of operationRefs(opts.operations, `${where}: operations`)) group.add(ref, undefined, `operation ${refName(ref)}`);
    }
    for (const [op, d] of Object.entries(opts.directives ?? {})) group.namedDirectives[op] = checkDirectives(d, `${where}: directives of ${op}`);
    this.groupList.push(group);
    return group;
  }

  /**
   * Defines an operation: `operation(...wrappers, fn)` or `operation(name, options, fn)`.
   * Returns the function, which stays callable.
   */
  operation<F extends OperationFn>(...args: [...OperationArg[], F]): OmitThisParameter<F> {
    const origin = callerOrigin();
    const fn = args[args.length - 1];
    let name = typeof args[0] === "string" ? args[0] : undefined;
    const rest = args.slice(name === undefined ? 0 : 1, -1) as unknown[];
    for (const arg of rest) if (isObject(arg) && !isWrapper(arg) && typeof arg.name === "string") name ??= arg.name;
    if (typeof fn !== "function") {
      // (a function written first, as `def` comes last in Python, names the operation the message is about)
      for (const arg of rest) if (typeof arg === "function" && arg.name) name ??= arg.name;
      const wrapper = isWrapper(fn) ? describeWrapper(fn) : undefined;
      throw new UserError(
        `operation ${name ?? "(unnamed)"} (${origin}): the last argument must be the operation's function, not ${wrapper ?? describe(fn)}`,
        wrapper ? `end with the function: project.operation(${wrapper}, function name(job) { ... })` : "project.operation(...wrappers, function name(job) { ... })",
      );
    }
    name ??= fn.name;
    if (!name) throw new UserError(`an operation (${origin}) has an anonymous function and no name`, `name it: project.operation("name", ..., fn) or use a named function`);
    const where = `operation ${name} (${origin})`;
    const existing = this.ops.find((o) => o.name === name);
    if (existing) throw new UserError(`operation ${name} is defined twice: ${existing.origin} and ${origin}`, "rename one of them");

    const entry: OperationEntry = { name, fn, cmd: false, pre: [], post: [], directives: {}, aggregator: undefined, hooks: {}, origin };
    const groups: { group: FlowGroup; directives?: Directives }[] = [];
    const apply = (w: unknown) => this.applyWrapper(entry, groups, w, where);
    for (const arg of rest) {
      if (isWrapper(arg)) apply(arg);
      else if (isObject(arg)) for (const w of optionWrappers(arg, where)) apply(w);
      else if (typeof arg === "function") {
        const other = this.ops.find((o) => o.fn === arg);
        throw new UserError(
          `${where}: ${other ? `the operation ${other.name} (${other.origin})` : describe(arg)} is passed where a wrapper goes`,
          other ? `to run after it: pre.after(${other.name})` : `a condition of the job goes in pre(${arg.name || "fn"}) or post(${arg.name || "fn"}); the operation's function comes last`,
        );
      } else throw new UserError(`${where}: ${describe(arg)} is not a wrapper`, "pass directives(...), pre.*(...), post.*(...), hooks.*(...), a group, an aggregator or cmd");
    }
    // the operation as cohort.toml would write it (its conditions and hooks are checked as they are given)
    checked(
      OPERATION,
      { directives: entry.directives, aggregator: entry.aggregator && rawAggregator(entry.aggregator, where), ...(entry.flags ? { flags: entry.flags } : {}), ...(entry.metrics ? { metrics: entry.metrics } : {}) },
      where,
    );
    for (const { group, directives: d } of groups) group.add(fn, d, where);
    this.ops.push(entry);
    // (the same function: callable without a run as `this`, as in a test of the project)
    return fn as OmitThisParameter<F>;
  }

  /** A label shown by `status`: a function of the job returning text or a flag, or a condition. */
  label(fn: JobsFn<LabelValue | Promise<LabelValue>>): void;
  label(name: string, fnOrCondition: JobsFn<LabelValue | Promise<LabelValue>> | ConditionWrapper | Condition): void;
  label(a: unknown, b?: unknown): void {
    const origin = callerOrigin();
    const fn = b === undefined ? a : b;
    const name = b === undefined ? (typeof a === "function" ? a.name : undefined) : a;
    if (typeof name !== "string" || name === "") throw new UserError(`a label (${origin}) has no name`, `project.label("prepared", (job) => job.isFile("init.dat"))`);
    if (this.labelList.some((l) => l.name === name)) throw new UserError(`label ${name} is defined twice`, "each label needs its own name");
    if (typeof fn === "function") {
      this.labelList.push({ name, fn: fn as JobsFn<LabelValue | Promise<LabelValue>>, origin });
    } else {
      const spec = conditionSpec(fn, `label ${name} (${origin})`);
      this.labelList.push({ name, condition: spec as Condition, origin });
    }
  }

  /** The definitions the engine reads. */
  definition(): WorkflowDefinition {
    const nameOf = (ref: OperationRef): string => {
      if (typeof ref === "string") return ref;
      return this.ops.find((o) => o.fn === ref)?.name ?? refName(ref);
    };
    const resolved = new Map<string, { pre?: Condition[]; post?: Condition[] }>();
    const resolving = new Set<string>();
    const resolveList = (op: OperationEntry, which: "pre" | "post"): Condition[] => {
      const cached = resolved.get(op.name)?.[which];
      if (cached) return cached;
      const key = `${which}:${op.name}`;
      if (resolving.has(key)) throw new UserError(`${which}.copyFrom of operation ${op.name} (${op.origin}) copies from itself through a cycle`, "copy conditions from operations that do not copy back");
      resolving.add(key);
      const out: Condition[] = [];
      for (const spec of op[which]) {
        if (spec.kind === "copyFrom") {
          for (const ref of spec.operations) {
            const name = nameOf(ref);
            const other = this.ops.find((o) => o.name === name);
            if (!other) throw new UserError(`${which}.copyFrom of operation ${op.name} (${op.origin}) names an unknown operation ${name}`, knownOps(this.ops));
            out.push(...resolveList(other, which));
          }
        } else {
          out.push(finish(spec, `${which} condition of operation ${op.name} (${op.origin})`));
        }
      }
      resolving.delete(key);
      resolved.set(op.name, { ...resolved.get(op.name), [which]: out });
      return out;
    };
    const finish = (spec: ConditionSpec, where: string): Condition => {
      switch (spec.kind) {
        case "after":
          return { ...spec, operations: spec.operations.map(nameOf) };
        case "not":
          return { ...spec, condition: finish(spec.condition, where) };
        case "copyFrom":
          throw new UserError(`${where}: copyFrom cannot be negated or nested`, "use copyFrom at the top level of a pre or post list");
        default:
          return spec;
      }
    };

    // An operation's function as a condition (`pre(prepare)` for `pre.after(prepare)`) would run the
    // operation to decide whether another may run.
    const opOf = new Map(this.ops.map((o) => [o.fn, o]));
    const asOperation = (spec: ConditionSpec | undefined): OperationEntry | undefined =>
      spec?.kind === "fn" ? opOf.get(spec.fn) : spec?.kind === "not" ? asOperation(spec.condition) : undefined;
    for (const op of this.ops) {
      for (const which of ["pre", "post"] as const) {
        const other = op[which].map(asOperation).find((o) => o !== undefined);
        if (other) {
          throw new UserError(
            `operation ${op.name} (${op.origin}) has the operation ${other.name} (${other.origin}) as a ${which}-condition, which would run it`,
            `to wait until ${other.name} is complete: ${which}.after(${other.name})`,
          );
        }
      }
    }
    for (const l of this.labelList) {
      const other = (l.fn && opOf.get(l.fn)) || asOperation(l.condition as ConditionSpec | undefined);
      if (other) {
        throw new UserError(
          `label ${l.name} (${l.origin}) is the operation ${other.name} (${other.origin}), which status would run`,
          `to show whether ${other.name} is complete: project.label("${l.name}", post.after(${other.name}))`,
        );
      }
    }

    const operations: OperationDefinition[] = this.ops.map((op) => {
      return {
        name: op.name,
        body: { kind: "function", fn: op.fn, cmd: op.cmd },
        pre: resolveList(op, "pre"),
        post: resolveList(op, "post"),
        directives: { ...op.directives },
        aggregator: op.aggregator ?? { kind: "single" },
        hooks: copyHooks(op.hooks),
        ...(op.flags ? { flags: { ...op.flags } } : {}),
        ...(op.metrics && op.metrics.length > 0 ? { metrics: [...op.metrics] } : {}),
        origin: op.origin,
      };
    });
    const groups: GroupDefinition[] = this.groupList.map((g) => {
      const where = `group ${g.name} (${g.origin})`;
      const members = g.operations.map(nameOf);
      const twice = members.find((m, i) => members.indexOf(m) !== i);
      if (twice !== undefined) throw new UserError(`${where} holds operation ${twice} twice`, "add an operation to a group once");
      const directivesByName: Record<string, Directives> = {};
      for (const [op, d] of Object.entries(g.namedDirectives)) {
        if (!members.includes(op)) throw new UserError(`${where} has directives for ${op}, which is not a member`, members.length ? `members: ${members.join(", ")}` : "the group has no members");
        directivesByName[op] = { ...d };
      }
      for (const [ref, d] of g.memberDirectives) {
        const op = nameOf(ref);
        if (directivesByName[op]) throw new UserError(`${where} gets directives for ${op} twice`, "give them in makeGroup or in withDirectives, not both");
        directivesByName[op] = { ...d };
      }
      return {
        name: g.name,
        operations: members,
        directives: directivesByName,
        ...(g.runOptions !== undefined ? { runOptions: g.runOptions } : {}),
        ...(g.submitOptions !== undefined ? { submitOptions: g.submitOptions } : {}),
        origin: g.origin,
      };
    });
    const labels = this.labelList.map((l) => (l.condition ? { ...l, condition: finish(l.condition as ConditionSpec, `label ${l.name} (${l.origin})`) } : { ...l }));
    return {
      ...(this.name !== undefined ? { name: this.name, nameOrigin: this.nameOrigin } : {}),
      operations,
      groups,
      labels,
      hooks: copyHooks(this.projectHooks),
    };
  }

  private addProjectHook(hook: HookName, fn: HookInput): void {
    (this.projectHooks[hook] ??= []).push(hookFn(fn, `project.hooks.${camel(hook)}`));
  }

  private applyWrapper(entry: OperationEntry, groups: { group: FlowGroup; directives?: Directives }[], w: unknown, where: string): void {
    if (w instanceof FlowGroup || (isObject(w) && w.wrapper === "group")) {
      const group = w instanceof FlowGroup ? w : (w as unknown as GroupWrapper).group;
      if (!(group instanceof FlowGroup)) throw new UserError(`${where}: ${describe(group)} is not a group`, "make groups with project.makeGroup(...)");
      if (group.project !== this) throw new UserError(`${where}: group ${group.name} belongs to another FlowProject`, "use groups made by this project");
      if (groups.some((g) => g.group === group)) throw new UserError(`${where} is added to group ${group.name} twice`, "add an operation to a group once");
      const d = w instanceof FlowGroup ? undefined : (w as unknown as GroupWrapper).directives;
      groups.push({ group, directives: d === undefined ? undefined : checkDirectives(d, `${where}: directives in group ${group.name}`) });
      return;
    }
    if (!isObject(w)) throw new UserError(`${where}: ${describe(w)} is not a wrapper`, "pass directives(...), pre.*(...), post.*(...), hooks.*(...), a group, an aggregator or cmd");
    switch (w.wrapper) {
      case "pre":
      case "post":
        entry[w.wrapper].push(conditionSpec(w, where));
        return;
      case "directives": {
        const d = checkDirectives(w.directives, `${where}: directives`);
        for (const key of Object.keys(d)) {
          if (Object.hasOwn(entry.directives, key)) throw new UserError(`${where}: directive ${key} is given twice`, "give each directive once");
        }
        Object.assign(entry.directives, d);
        return;
      }
      case "hook": {
        const hook = w.hook as HookName;
        if (!HOOK_NAMES.includes(hook)) throw new UserError(`${where}: unknown hook ${describe(hook)}`, `hooks are ${HOOK_NAMES.join(", ")}`);
        (entry.hooks[hook] ??= []).push(hookFn(w.fn, `${where}: hook ${hook}`));
        return;
      }
      case "aggregator": {
        if (entry.aggregator) throw new UserError(`${where} has two aggregators`, "give one of groupsOf(n), groupBy(key), allJobs()");
        entry.aggregator = toAggregator(rawAggregator(w.aggregator, where));
        return;
      }
      case "cmd":
        entry.cmd = true;
        return;
      case "metrics":
        if (entry.metrics) throw new UserError(`${where}: metrics are given twice`, "give them once");
        entry.metrics = w.metrics as string[];
        return;
      case "flags":
        if (entry.flags) throw new UserError(`${where}: flags are given twice`, "give them once");
        if (!isObject(w.flags) || isWrapper(w.flags)) throw new UserError(`${where}: flags must be an object of default values, not ${describe(w.flags)}`, "flags: { lr: 0.01, epochs: 10 }");
        entry.flags = w.flags as JsonObject;
        return;
      default:
        throw new UserError(`${where}: ${describe(w)} is not a wrapper`, "pass directives(...), pre.*(...), post.*(...), hooks.*(...), a group, an aggregator or cmd");
    }
  }
}

const HOOK_OPTION_KEYS: Record<string, HookName> = {
  onStart: "on_start",
  onSuccess: "on_success",
  onException: "on_exception",
  onExit: "on_exit",
  on_start: "on_start",
  on_success: "on_success",
  on_exception: "on_exception",
  on_exit: "on_exit",
};

/** An operation's table in cohort.toml, but for its command: the API gives a function. */
const OPERATION = operationTable({}, "must be an object");

/** Keys whose values are checked once they are in cohort.toml's shape. */
function keys(names: string[]) {
  return table(Object.fromEntries(names.map((name) => [name, z.optional(z.unknown())])), "must be an object");
}

/** `FlowProject.operation`'s options: an operation's keys in cohort.toml (its hooks under `hooks`), and what only the API has. */
const OPERATION_OPTIONS = keys(["name", "groups", "cmd", "hooks", ...Object.keys(operationShape).filter((key) => !HOOK_NAMES.includes(key as HookName))]);
const HOOK_OPTIONS = keys(Object.keys(HOOK_OPTION_KEYS));
const PROJECT_OPTIONS = keys(["name"]);
const GROUP_MEMBER_OPTIONS = keys(["group", "directives"]);
/** `makeGroup`'s options: a group's keys in cohort.toml, in camelCase, and its name. */
const GROUP_OPTIONS = table(
  {
    name: z.unknown(),
    operations: z.optional(z.unknown()),
    directives: z.optional(z.record(z.string(), z.unknown(), { error: "must map operation names to directives" })),
    runOptions: z.optional(groupOptionsSchema),
    submitOptions: z.optional(groupOptionsSchema),
  },
  "must be an object",
);

/** The options form translated into wrappers, in the order: groups, directives, pre, post, hooks, aggregator, cmd. */
function optionWrappers(opts: Record<string, unknown>, where: string): unknown[] {
  checked(OPERATION_OPTIONS, opts, where);
  const out: unknown[] = [];
  if (opts.groups !== undefined) {
    if (!Array.isArray(opts.groups)) throw new UserError(`${where}: groups must be a list`, "groups: [ex] or groups: [{ group: ex, directives: { ngpu: 2 } }]");
    for (const g of opts.groups) {
      if (g instanceof FlowGroup || (isObject(g) && g.wrapper === "group")) out.push(g);
      else if (isObject(g) && g.group instanceof FlowGroup) {
        checked(GROUP_MEMBER_OPTIONS, g, `${where}: groups`);
        out.push({ wrapper: "group", group: g.group, directives: g.directives });
      } else throw new UserError(`${where}: ${describe(g)} in groups is not a group`, "groups: [ex] or groups: [{ group: ex, directives: { ngpu: 2 } }]");
    }
  }
  if (opts.directives !== undefined) out.push({ wrapper: "directives", directives: opts.directives });
  for (const which of ["pre", "post"] as const) {
    const list = opts[which];
    if (list === undefined) continue;
    for (const c of Array.isArray(list) ? list : [list]) out.push({ wrapper: which, condition: conditionSpec(c, `${where}: ${which}`) });
  }
  if (opts.hooks !== undefined) {
    if (!isObject(opts.hooks)) throw new UserError(`${where}: hooks must be an object`, "hooks: { onStart: [fn] }");
    checked(HOOK_OPTIONS, opts.hooks, `${where}: hooks`);
    for (const [key, value] of Object.entries(opts.hooks)) {
      for (const fn of Array.isArray(value) ? value : [value]) out.push({ wrapper: "hook", hook: HOOK_OPTION_KEYS[key], fn });
    }
  }
  if (opts.aggregator !== undefined) {
    const a = opts.aggregator;
    out.push(isObject(a) && a.wrapper === "aggregator" ? a : { wrapper: "aggregator", aggregator: a });
  }
  if (opts.cmd !== undefined) {
    if (typeof opts.cmd !== "boolean") throw new UserError(`${where}: cmd must be true or false`, "cmd: true");
    if (opts.cmd) out.push(cmd);
  }
  if (opts.flags !== undefined) out.push({ wrapper: "flags", flags: opts.flags });
  if (opts.metrics !== undefined) out.push({ wrapper: "metrics", metrics: opts.metrics });
  return out;
}

/** An aggregator in cohort.toml's shape (none for one job each); what is none of the kinds is an error here. */
function rawAggregator(a: unknown, where: string): RawAggregator | undefined {
  if (isObject(a)) {
    if (a.kind === "single") return undefined;
    if (a.kind === "all") return "all";
    if (a.kind === "groupsOf") return { groups_of: a.n } as RawAggregator;
    if (a.kind === "groupBy") return { group_by: a.key } as RawAggregator;
  }
  throw new UserError(`${where}: ${describe(a)} is not an aggregator`, "use groupsOf(n), groupBy(key) or allJobs()");
}

/** Directives: an object (not a wrapper) whose values are checked as cohort.toml's. */
function checkDirectives(d: unknown, where: string): Directives {
  if (!isObject(d) || isWrapper(d)) throw new UserError(`${where}: directives must be an object, not ${describe(d)}`, "directives({ np: 4, ngpu: 1, walltime: \"2h\" })");
  checked(OPERATION, { directives: d }, where, "give a JSON value or a function of the jobs");
  return d as Directives;
}

/**
 * `value`, in cohort.toml's shape, checked with the schema cohort.toml is checked with; its first
 * problem (an unknown key first) is a UserError naming `where`, the call. `hint` replaces the
 * schema's, which shows TOML.
 */
function checked<T>(schema: z.ZodMiniType<T>, value: unknown, where: string, hint?: string): T {
  const result = check(schema, value);
  if (result.problems.length === 0) return result.data as T;
  const problem = result.problems.find((p) => p.kind === "unknown key") ?? result.problems[0];
  if (problem.kind === "unknown key") throw new UserError(`${where}: unknown option ${showPath(problem.path)}`, `options are ${problem.known.join(", ")}`);
  const { message, hint: schemaHint } = describeProblem(problem);
  const text = problem.path.length === 0 ? `${describe(value)} ${problem.kind === "invalid" ? problem.message : message}` : message;
  throw new UserError(`${where}: ${text}`, hint ?? schemaHint);
}

function copyHooks(h: Hooks): Hooks {
  const out: Hooks = {};
  for (const name of HOOK_NAMES) if (h[name]?.length) out[name] = [...h[name]];
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isWrapper(v: unknown): boolean {
  return v instanceof FlowGroup || (isObject(v) && typeof v.wrapper === "string");
}

function nonEmptyString(v: unknown, where: string, what: string, hint = `${where}("...")`): string {
  if (typeof v !== "string" || v === "") throw new UserError(`${where}: expected ${what}, got ${describe(v)}`, hint);
  return v;
}

function refName(ref: OperationRef): string {
  return typeof ref === "string" ? ref : ref.name || "(anonymous function)";
}

function knownOps(ops: OperationEntry[]): string {
  return ops.length ? `operations: ${ops.map((o) => o.name).join(", ")}` : "no operations are defined";
}

function camel(hook: HookName): string {
  return hook.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
}

/** A wrapper as it is written: `post.isFile("x")`, `directives(...)`, `group ex`. */
function describeWrapper(w: unknown): string {
  if (w instanceof FlowGroup) return `group ${w.name}`;
  const o = w as Record<string, unknown>;
  switch (o.wrapper) {
    case "pre":
    case "post": {
      const c = (isObject(o.condition) ? o.condition : {}) as Record<string, unknown>;
      const args = (list: unknown) => (Array.isArray(list) ? list.map((r) => (typeof r === "function" ? r.name || "fn" : JSON.stringify(r))).join(", ") : "...");
      switch (c.kind) {
        case "isfile":
          return `${o.wrapper}.isFile(${JSON.stringify(c.file)})`;
        case "true":
        case "false":
          return `${o.wrapper}.${c.kind}(${JSON.stringify(c.key)})`;
        case "after":
        case "copyFrom":
          return `${o.wrapper}.${c.kind}(${args(c.operations)})`;
        case "never":
          return `${o.wrapper}.never`;
        case "not":
          return `${o.wrapper}.not(...)`;
        case "fn":
          return `${o.wrapper}(${String(c.name)})`;
        default:
          return `${o.wrapper}(...)`;
      }
    }
    case "group":
      return isObject(o.group) ? `${String(o.group.name)}.withDirectives(...)` : "a group";
    case "hook":
      return `hooks.${camel(o.hook as HookName)}(...)`;
    case "aggregator": {
      const a = (isObject(o.aggregator) ? o.aggregator : {}) as Record<string, unknown>;
      return a.kind === "groupsOf" ? `groupsOf(${String(a.n)})` : a.kind === "all" ? "allJobs()" : a.kind === "groupBy" ? "groupBy(...)" : "an aggregator";
    }
    case "cmd":
      return "cmd";
    default:
      return `${String(o.wrapper)}(...)`;
  }
}

function describe(v: unknown): string {
  if (typeof v === "function") return `function ${v.name || "(anonymous)"}`;
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null || v === undefined || typeof v !== "object") return String(v);
  if (Array.isArray(v)) return "a list";
  return "an object";
}

// ---------------------------------------------------------------------------------------------
// Where things are defined

export interface StackLocation {
  file: string;
  line: number;
  column: number;
}

/** The file locations of a stack trace's frames, innermost first (file URLs become paths). */
export function stackLocations(stack: string | undefined): StackLocation[] {
  const out: StackLocation[] = [];
  for (const line of (stack ?? "").split("\n")) {
    const m = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m) continue;
    let file = m[1];
    if (file.startsWith("async ")) file = file.slice(6);
    if (file.startsWith("file://")) {
      try {
        file = fileURLToPath(file);
      } catch {
        continue;
      }
    }
    out.push({ file, line: Number(m[2]), column: Number(m[3]) });
  }
  return out;
}

/**
 * Whether a stack frame is in this module: in its file (built, a chunk of dist/ whose name the
 * bundler chooses) or, where node maps stack traces through dist's source maps, in its source.
 */
const SELF_FILE = fileURLToPath(import.meta.url);
const isSelf = (file: string) => file === SELF_FILE || /[\\/]workflow[\\/]flow-project\.[cm]?[jt]s$/.test(file);

/** `project.ts:12`: the file and line that called into this module. */
function callerOrigin(): Origin {
  const frame = stackLocations(new Error().stack).find((l) => !isSelf(l.file) && !l.file.startsWith("node:"));
  return frame ? `${path.basename(frame.file)}:${frame.line}` : "project module";
}
