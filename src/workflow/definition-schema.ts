/**
 * One definition shape for both ways of defining a workflow, and the zod schemas that check it.
 * `cohort.toml` is written in this shape; `FlowProject` (flow-project.ts) turns what each call is given
 * into it. So an option is checked in one place, here; toml.ts and flow-project.ts each put it into
 * the model (`WorkflowDefinition`).
 *
 * The shape is cohort.toml's: an operation is a table `{ command, pre, post, directives, aggregator,
 * flags, on_start, ... }`, a condition a table with one key (`{ isfile = "x" }`), an aggregator `"all"`,
 * `{ groups_of = N }` or `{ group_by = "key" }`. Only TypeScript can give a function, so the schemas
 * take functions where the API takes them (directive values, hooks, `group_by`, `after`) and a TOML
 * file never meets them.
 *
 * A failed check is a list of `Problem`s, plain data with the key path; each source words them with its
 * own place (the file and line, or the call).
 */
import * as z from "zod/mini";
import type { $RefinementCtx, $ZodIssue } from "zod/v4/core";
import { Float, isPlainObject, type JsonValue } from "../dataspace/value.js";
import { compileMetricPattern } from "./metric-patterns.js";
import { UserError } from "../util/errors.js";
import { closeNames } from "../util/names.js";
import { groupOptionWords } from "./group-options.js";
import type { Aggregator, HookFn, HookName, JobsFn } from "./model.js";
import { parseCommandTemplate } from "./command-template.js";

/** A key path: table keys and list indices, e.g. `["operations", "a", "pre", 1]`. */
export type Path = (string | number)[];

export type Problem =
  /** A key the table does not have; `known` are those it has. */
  | { kind: "unknown key"; path: Path; known: string[] }
  /** The table at `path` lacks a key it needs: `needs` says which. */
  | { kind: "missing"; path: Path; needs: string; hint?: string }
  | { kind: "invalid"; path: Path; message: string; hint?: string };

/** Checks `value` against `schema`: its output, or what is wrong with it. */
export function check<T>(schema: z.ZodMiniType<T>, value: unknown): { data: T; problems: [] } | { data?: undefined; problems: Problem[] } {
  const result = schema.safeParse(value);
  if (result.success) return { data: result.data, problems: [] };
  return { problems: result.error.issues.map((issue) => problemOf(issue, value)) };
}

/** The problem's text after its place: `unknown key operations.a.comand`, `operations.a needs a command`. */
export function describeProblem(p: Problem): { message: string; hint?: string } {
  if (p.kind === "unknown key") return { message: `unknown key ${showPath(p.path)}`, hint: suggestion(String(p.path[p.path.length - 1]), p.known) };
  if (p.kind === "missing") return { message: `${showPath(p.path)} needs ${p.needs}`, hint: p.hint };
  // a message reads on from the key path: "must be …", or ": " and a sentence of its own
  return { message: `${showPath(p.path)}${p.message.startsWith(":") ? "" : " "}${p.message}`, hint: p.hint };
}

/** `operations.simulate.pre[1]`, `groups."my group"`. */
export function showPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else {
      const key = /^[A-Za-z0-9_-]+$/.test(seg) ? seg : JSON.stringify(seg);
      out += out ? `.${key}` : key;
    }
  }
  return out || "the document";
}

/** A name as written in messages: quoted when it is not plain. */
function showName(name: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(name) ? name : JSON.stringify(name);
}

function suggestion(word: string, known: readonly string[]): string {
  const close = closeNames(word, known);
  return close.length ? `did you mean ${close.join(" or ")}?` : `known keys: ${known.join(", ")}`;
}

/** What a table says it needs when a required key is missing. */
const NEEDS: Record<string, { needs: string; hint: string }> = {
  command: { needs: "a command", hint: 'e.g. command = "python run.py"' },
  operations: { needs: "operations, the list of its members", hint: 'e.g. operations = ["prepare", "simulate"]' },
};

/** Messages of the schemas below that come with a hint: filled as the schemas are made, read after. */
const HINTS: Record<string, string> = {};
function hinted(message: string, hint: string): string {
  HINTS[message] = hint;
  return message;
}

function problemOf(issue: $ZodIssue, value: unknown): Problem {
  // A key a record refuses: its own check says why (the record's message says what the table holds).
  if (issue.code === "invalid_key" && issue.issues.length > 0) return problemOf({ ...issue.issues[0], path: issue.path } as $ZodIssue, value);
  const path = issue.path.filter((seg): seg is string | number => typeof seg !== "symbol");
  const params = issue.code === "custom" ? (issue.params as { known?: string[]; hint?: string } | undefined) : undefined;
  if (params?.known) return { kind: "unknown key", path, known: params.known };
  const last = path[path.length - 1];
  if (issue.code === "invalid_type" && typeof last === "string" && Object.hasOwn(NEEDS, last) && valueAt(value, path) === undefined) {
    return { kind: "missing", path: path.slice(0, -1), ...NEEDS[last] };
  }
  return { kind: "invalid", path, message: issue.message, hint: params?.hint ?? HINTS[issue.message] };
}

function valueAt(value: unknown, path: Path): unknown {
  let v = value;
  for (const seg of path) v = isPlainObject(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[seg] : undefined;
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// The schemas

/**
 * A table of these keys; another key is a problem of its own, found even when a value is wrong too
 * (a misspelt key also makes the right one missing). `what` describes it when it is not a table.
 */
export function table<S extends Record<string, z.ZodMiniType>>(shape: S, what: string) {
  const known = Object.keys(shape);
  return z.looseObject(shape, { error: what }).check(
    z.superRefine(
      (value: Record<string, unknown>, ctx: $RefinementCtx<Record<string, unknown>>) => {
        if (!isPlainObject(value)) return;
        for (const key of Object.keys(value)) {
          if (!known.includes(key)) ctx.addIssue({ code: "custom", message: `unknown key ${key}`, path: [key], params: { known } });
        }
      },
      // zod skips a check once a value has failed; this one runs anyway
      { when: () => true },
    ),
  );
}

const SHELL = "must be a shell command (a string)";
const nonEmpty = (what?: string) => z.string(what === undefined ? undefined : { error: what }).check(z.minLength(1, { error: "must not be empty" }));
const isFunction = (v: unknown): v is (...args: never[]) => unknown => typeof v === "function";

function isJsonValue(v: unknown): v is JsonValue {
  if (v === null || ["string", "number", "bigint", "boolean"].includes(typeof v)) return typeof v !== "number" || Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJsonValue);
  return v instanceof Float || (isPlainObject(v) && !(v instanceof Date) && Object.values(v).every(isJsonValue));
}

const JSON_VALUE = "must be a string, number, boolean, list or table";
const jsonValue = z.custom<JsonValue>(isJsonValue, { error: JSON_VALUE });

/** A directive's value is data, or (from TypeScript) a function of the jobs. */
const directivesSchema = z.record(
  z.string(),
  z.custom<JsonValue | ((...args: never[]) => unknown)>((v) => isJsonValue(v) || isFunction(v), { error: JSON_VALUE }),
  { error: hinted("must be a table of directives", 'e.g. directives = { np = 4, walltime = "2h" }') },
);

const flagsSchema = z.record(z.string(), jsonValue, { error: hinted("must be a table of flag values", "e.g. flags = { lr = 0.01 }") });

/** A hook: a shell command or (from TypeScript) a function. */
export const hookItem = z.union([nonEmpty(), z.custom<HookFn>(isFunction)], { error: "must be a shell command or a function" });
/** A hook, or a list of them. */
const hook = z.optional(
  z.union([hookItem, z.array(hookItem)], {
    error: hinted("must be a shell command or a list of shell commands", 'e.g. on_success = "echo done"'),
  }),
);
const hookShape = { on_start: hook, on_success: hook, on_exception: hook, on_exit: hook };
export const HOOK_NAMES = Object.keys(hookShape) as HookName[];

/**
 * A check of a string by a function that throws a UserError, as a refinement: the error's message (after
 * `sep`, which parts it from the key's path) and hint become the problem's.
 */
function checkedBy(check: (text: string) => unknown, sep = ": ") {
  return z.superRefine((text: string, ctx: $RefinementCtx<string>) => {
    try {
      check(text);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      ctx.addIssue({ code: "custom", message: sep + err.message, params: { hint: err.hint } });
    }
  });
}

/** A group's `submit_options` or `run_options`: a string of options, checked by group-options.ts. */
export const groupOptionsSchema = z.string({ error: "must be a string of options" }).check(checkedBy(groupOptionWords, ""));

/** A condition as written: a table with one key (or, from TypeScript, operations given by their functions). */
export interface RawCondition {
  isfile?: string;
  true?: string;
  false?: string;
  after?: string | (string | ((...args: never[]) => unknown))[];
  never?: true;
  not?: RawCondition;
  command?: string;
}

const CONDITION = hinted('must be a condition such as { isfile = "out.dat" }', "conditions: isfile, true, false, after, never, not, command");

/** Reports a table that does not have exactly one of its keys set. */
function exactlyOne(known: string[], what: string, hint?: string) {
  return (value: Record<string, unknown>, ctx: $RefinementCtx<Record<string, unknown>>) => {
    const keys = known.filter((k) => value[k] !== undefined);
    if (keys.length === 0) ctx.addIssue({ code: "custom", message: what, params: { hint } });
    else if (keys.length > 1) ctx.addIssue({ code: "custom", message: `must have exactly one key, not ${keys.join(" and ")}`, params: { hint } });
  };
}

/** An operation's (or a condition's) command: a shell command whose placeholders have their form (command-template.ts). */
const commandTemplate = nonEmpty(SHELL).check(checkedBy((command: string) => parseCommandTemplate(command)));

const operationName = z.union([nonEmpty(), z.custom<(...args: never[]) => unknown>(isFunction)]);

const conditionShape = {
    isfile: z.optional(nonEmpty("must be a file name (a string)")),
    true: z.optional(nonEmpty("must be a document key (a string)")),
    false: z.optional(nonEmpty("must be a document key (a string)")),
    after: z.optional(
      z.union([nonEmpty(), z.array(operationName).check(z.minLength(1, { error: "must name at least one operation" }))], {
        error: hinted("must be an operation name or a non-empty list of them", 'e.g. { after = ["prepare"] }'),
      }),
    ),
    never: z.optional(z.literal(true, { error: "must be true" })),
    not: z.optional(z.lazy(() => conditionSchema)),
    command: z.optional(commandTemplate),
};
export const conditionSchema: z.ZodMiniType<RawCondition> = table(conditionShape, CONDITION).check(
  z.superRefine(exactlyOne(Object.keys(conditionShape), CONDITION, HINTS[CONDITION])),
);

const conditionList = z.optional(z.array(conditionSchema, { error: hinted("must be a list of conditions", 'e.g. [{ isfile = "out.dat" }]') }));

const AGGREGATOR = 'must be "all", { groups_of = N } or { group_by = "key" }';
export const aggregatorSchema = z.union(
  [
    z.literal("all"),
    table(
      {
        // custom checks do not abort the union, so that their messages come through
        groups_of: z.optional(
          z.custom<number>((v) => typeof v === "number" && Number.isSafeInteger(v) && v >= 1, { error: "must be a positive integer", abort: false }),
        ),
        group_by: z.optional(
          z.custom<string | JobsFn<JsonValue | undefined>>((v) => (typeof v === "string" && v !== "") || isFunction(v), {
            error: "must be a key (a non-empty string)",
            abort: false,
          }),
        ),
      },
      AGGREGATOR,
    ).check(z.superRefine(exactlyOne(["groups_of", "group_by"], AGGREGATOR, "one key: groups_of or group_by"))),
  ],
  { error: AGGREGATOR },
);

/** An output pattern: a regular expression with a named group per metric (metric-patterns.ts). */
const metricPattern = z.string({ error: hinted("must be a regular expression (a string)", 'e.g. "loss=(?<loss>\\S+)"') }).check(checkedBy(compileMetricPattern));

/** What an operation sets besides what it runs: the same keys in cohort.toml and in `FlowProject.operation`. */
export const operationShape = {
  pre: conditionList,
  post: conditionList,
  directives: z.optional(directivesSchema),
  aggregator: z.optional(aggregatorSchema),
  flags: z.optional(flagsSchema),
  metrics: z.optional(z.array(metricPattern, { error: hinted("must be a list of regular expressions", 'e.g. metrics = ["loss=(?<loss>\\S+)"]') })),
  ...hookShape,
};

/** The keys of `operationShape`, checked together: a flag operation has no jobs to aggregate. */
export function operationTable<S extends Record<string, z.ZodMiniType>>(shape: S, what: string) {
  return table({ ...shape, ...operationShape }, what).check(
    z.superRefine((op: Record<string, unknown>, ctx: $RefinementCtx<Record<string, unknown>>) => {
      if (op.flags !== undefined && op.aggregator !== undefined) {
        ctx.addIssue({ code: "custom", path: ["aggregator"], message: ": a flag operation has no jobs to aggregate", params: { hint: "remove aggregator or flags" } });
      }
    }),
  );
}

const groupSchema = table(
  {
    operations: z
      .array(z.string({ error: "must be an operation name (a string)" }), {
        error: hinted("must be a list of operation names", 'e.g. operations = ["prepare", "simulate"]'),
      })
      .check(z.minLength(1, { error: hinted("must list at least one operation", 'e.g. operations = ["prepare", "simulate"]') })),
    directives: z.optional(
      z.record(z.string(), directivesSchema, {
        error: hinted("must be a table of directives per member operation", "e.g. directives = { simulate = { ngpu = 2 } }"),
      }),
    ),
    submit_options: z.optional(groupOptionsSchema),
    run_options: z.optional(groupOptionsSchema),
  },
  hinted("must be a table with a list of operations", 'e.g. [groups.NAME] operations = ["a", "b"]'),
);

/** Groups by name; each gives directives only to its members. */
const groupsSchema = z.record(z.string(), groupSchema, { error: hinted("must be a table of groups", "e.g. [groups.NAME]") }).check(
  z.superRefine((groups: Record<string, { operations: string[]; directives?: Record<string, unknown> }>, ctx) => {
    for (const [name, group] of Object.entries(groups)) {
      for (const member of Object.keys(group.directives ?? {})) {
        if (group.operations.includes(member)) continue;
        const close = closeNames(member, group.operations);
        ctx.addIssue({
          code: "custom",
          path: [name, "directives", member],
          message: `: ${showName(member)} is not a member of group ${showName(name)}`,
          params: { hint: close.length ? `did you mean ${close.map(showName).join(" or ")}?` : `members: ${group.operations.map(showName).join(", ")}` },
        });
      }
    }
  }),
);

/** A project's name begins the name of each of its cluster jobs: an empty one would begin them with a dot. */
const projectName = z.string({ error: "must be a string" }).check(
  z.refine((s) => s !== "", { error: "must not be empty", params: { hint: 'e.g. name = "demo", or leave the name out' } }),
);

/** The whole of a `cohort.toml`. */
export const documentSchema = table(
  {
    project: z.optional(table({ name: z.optional(projectName), ...hookShape }, hinted("must be a table", 'e.g. [project] name = "demo"'))),
    operations: z.optional(
      z.record(z.string(), operationTable({ command: commandTemplate }, hinted("must be a table with a command", 'e.g. [operations.NAME] command = "python run.py"')), {
        error: hinted("must be a table of operations", "e.g. [operations.NAME]"),
      }),
    ),
    groups: z.optional(groupsSchema),
    labels: z.optional(z.record(z.string(), conditionSchema, { error: hinted("must be a table of labels", 'e.g. [labels] done = { isfile = "out.dat" }') })),
    // Cluster profiles: checked where they are read (schedulers/cluster-profile.ts), not by the workflow.
    clusters: z.optional(jsonValue),
  },
  "must be a table",
);

// ---------------------------------------------------------------------------------------------------------
// The shape → the model

export type Document = z.output<typeof documentSchema>;
export type RawAggregator = z.output<typeof aggregatorSchema>;

export function toAggregator(raw: RawAggregator | undefined): Aggregator {
  if (raw === undefined) return { kind: "single" };
  if (raw === "all") return { kind: "all" };
  if (raw.groups_of !== undefined) return { kind: "groupsOf", n: raw.groups_of };
  return { kind: "groupBy", key: raw.group_by ?? "" };
}
