/**
 * `cohort.toml`: the declarative, language-agnostic definition of a project's workflow.
 *
 * ```toml
 * [project]
 * name = "demo"
 * on_start = "echo start"
 *
 * [operations.prepare]
 * command = "python prepare.py"
 * pre = [{ isfile = "in.dat" }]
 * post = [{ isfile = "init.dat" }]
 * directives = { np = 1, walltime = "0:30:00" }
 * aggregator = { groups_of = 2 }
 * on_success = "echo ok"
 *
 * [operations.simulate]
 * command = "python simulate.py --T {sp.T} --out {job.path}/traj.dat"
 * pre = [{ after = ["prepare"] }]
 * post = [{ isfile = "traj.dat" }]
 * directives = { np = 4, ngpu = 1, walltime = "2h" }
 *
 * [groups.ex]
 * operations = ["prepare", "simulate"]
 * directives = { simulate = { ngpu = 2 } }
 * submit_options = "--num-passes=2"
 * run_options = "--num-passes=2"
 *
 * [operations.train]
 * command = "python train.py --lr {flags.lr} --epochs {flags.epochs}"
 * flags = { lr = 0.01, epochs = 10 }
 *
 * [labels]
 * prepared = { isfile = "init.dat" }
 * ```
 *
 * Sections (any other top-level key is an error):
 *
 * - `[project]`
 *   - `name` (string, optional): the project's name.
 *   - `on_start`, `on_success`, `on_exception`, `on_exit` (optional): project-level hooks, run around every
 *     operation. A hook is a shell command, or a list of shell commands run in order, with the job
 *     directory as working directory (the project directory when the operation has no job).
 *
 * - `[operations.NAME]`: one operation. NAME matches `^[A-Za-z_][A-Za-z0-9_.-]*$` (quote it in a header
 *   when it holds a dot: `[operations."fit.v2"]`).
 *   - `command` (string, required, not empty): the shell command, run under `/bin/sh -c` with the job
 *     directory as working directory. Placeholders `{job.id}`, `{job.path}`, `{sp.KEY}`, `{doc.KEY}`,
 *     `{flags.KEY}`, `{project.path}` are substituted shell-quoted.
 *   - `pre` (list of conditions, optional): all must hold for the operation to be eligible.
 *   - `post` (list of conditions, optional): all holding means the operation is complete.
 *   - `directives` (table, optional): resources and execution requests (`np`, `ngpu`, `nranks`,
 *     `omp_num_threads`, `memory`, `walltime`, `executable`, `fork`, `processor_fraction`, and user keys
 *     passed to templates). Values are copied as written (strings, numbers, booleans, lists, tables);
 *     the vocabulary is checked when the workflow is assembled.
 *   - `aggregator` (optional; default: each job on its own): `"all"` (every job at once),
 *     `{ groups_of = N }` (N a positive integer) or `{ group_by = "key" }` (a dotted state-point path,
 *     or a document path with the prefix `doc.`), passed on verbatim.
 *   - `flags` (table, optional): makes this a *flag operation*: it has no job, each run gets a fresh run
 *     directory, and these are the default flag values (`{flags.KEY}`). A flag operation cannot have an
 *     `aggregator`.
 *   - `on_start`, `on_success`, `on_exception`, `on_exit` (optional): hooks of this operation, as in
 *     `[project]`.
 *
 * - `[groups.NAME]`: a FlowGroup. NAME as for operations; groups and operations share one namespace.
 *   - `operations` (non-empty list of operation names, required): the members, in the order they run.
 *   - `directives` (table, optional): group-specific directives per member operation, e.g.
 *     `{ simulate = { ngpu = 2 } }`; each key must be a member. They replace the member's own directives
 *     (no merge) when it runs through the group.
 *   - `submit_options`, `run_options` (string, optional): options of `cohort run`, as shell words, e.g.
 *     `"--num-passes=2"`: submit_options are added to the `cohort run` line of the group's cluster jobs,
 *     run_options apply whenever `cohort run` runs the group. Only `--num-passes`, `--order`,
 *     `--keep-going` and `--timeout` are taken (group-options.ts says why the others are not).
 *
 * - `[labels]`: `NAME = CONDITION`; `status` shows each label whose condition holds for a job.
 *
 * Conditions, in `pre`/`post` lists and as label values, are tables with exactly one key:
 * - `{ isfile = "name" }`: the file exists in the job directory (of every job of the aggregate);
 * - `{ true = "key" }` / `{ false = "key" }`: the document key (a dotted path) is truthy / falsy or absent;
 * - `{ after = ["op", ...] }` (or one name as a string): every post-condition of those operations holds;
 * - `{ never = true }`: never holds (a `post` of `never` means never complete);
 * - `{ not = CONDITION }`: the condition does not hold;
 * - `{ command = "shell command" }`: run in the job directory, holds when it exits with code 0.
 *
 * Values: TOML integers become numbers (bigints beyond 2^53), floats numbers, and an integer-valued float
 * (`10.0`, `1e3`) a `Float`, so that `{ epochs = 10 }` and `{ epochs = 10.0 }` stay different. Date and
 * time values are errors anywhere (quote them). The key `__proto__` is rejected.
 *
 * Every mistake is one `UserError` naming the file, the line and the key path, e.g.
 * `cohort.toml:14: unknown key operations.prepare.comand (did you mean command?)`. Key paths write list
 * indices from 0: `operations.simulate.pre[1]` is the second condition. Names of operations and groups
 * in groups and `after` conditions are checked when the workflow is assembled, not here.
 */
import { parse, TomlError } from "smol-toml";
import * as z from "zod/mini";
import type { $RefinementCtx, $ZodIssue } from "zod/v4/core";
import { Float, float, isPlainObject, type JsonObject, type JsonValue } from "../dataspace/value.js";
import { UserError } from "../util/errors.js";
import { closeNames } from "../util/names.js";
import { groupOptionWords } from "./group-options.js";
import type {
  Aggregator,
  Condition,
  Directives,
  GroupDefinition,
  HookName,
  Hooks,
  LabelDefinition,
  OperationDefinition,
  WorkflowDefinition,
} from "./model.js";

/** Operation and group names. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Parses and validates `cohort.toml`; every problem is a `UserError` naming `file`, the line and the key. */
export function parseProjectToml(text: string, file = "cohort.toml"): WorkflowDefinition {
  let raw: unknown;
  try {
    raw = parse(text, { integersAsBigInt: true });
  } catch (err) {
    throw malformed(err, text, file);
  }
  const locator = new Locator(text);
  const problems: Problem[] = [];
  const data = normalize(raw, [], problems, locator);
  checkNames(data, problems, locator);
  const result = documentSchema.safeParse(data);
  if (!result.success) for (const issue of result.error.issues) problems.push(...issueProblems(issue, locator));
  if (!result.success || problems.length > 0) throw firstProblem(problems, file);
  return build(result.data, locator, file);
}

// ---------------------------------------------------------------------------------------------------------
// Problems

type Path = (string | number)[];

interface Problem {
  line: number | undefined;
  message: string;
  hint?: string;
  /** Lower first (an unknown key explains more than what follows from it, such as a missing key). */
  rank: number;
}

function firstProblem(problems: Problem[], file: string): UserError {
  const order = (p: Problem) => p.line ?? Number.MAX_SAFE_INTEGER;
  if (problems.length === 0) return new UserError(`${file}: invalid definition`);
  // A misspelt key also makes the right key missing: report the misspelling first, wherever it is.
  const sorted = problems.map((p, i) => ({ p, i })).sort((a, b) => a.p.rank - b.p.rank || order(a.p) - order(b.p) || a.i - b.i);
  const { line, message, hint } = sorted[0].p;
  return new UserError(`${file}${line === undefined ? "" : `:${line}`}: ${message}`, hint);
}

function malformed(err: unknown, text: string, file: string): UserError {
  if (err instanceof TomlError && Number.isInteger(err.line) && Number.isInteger(err.column)) {
    const what = err.message.split("\n")[0].replace(/^Invalid TOML document:\s*/, "");
    const source = (text.split(/\r?\n/)[err.line - 1] ?? "").trim();
    const hint = source ? `at: ${source.length > 60 ? source.slice(0, 57) + "..." : source}` : undefined;
    return new UserError(`${file}:${err.line}:${err.column}: malformed TOML: ${what}`, hint);
  }
  const what = err instanceof Error ? err.message.split("\n")[0] : String(err);
  return new UserError(`${file}: malformed TOML: ${what}`);
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

// ---------------------------------------------------------------------------------------------------------
// Values: TOML → the value model, and the checks that need no schema

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Integers → numbers (bigints beyond 2^53), integer-valued floats → `Float`; reports dates and `__proto__`. */
function normalize(value: unknown, path: Path, problems: Problem[], locator: Locator): unknown {
  if (typeof value === "bigint") return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
  if (typeof value === "number") {
    // TOML's inf and nan, and a float beyond a double's range (1e999), which smol-toml reads as infinity:
    // refused here, with the line, rather than when a run stores them
    if (!Number.isFinite(value)) {
      problems.push({
        line: locator.lineOf(path),
        message: `${showPath(path)} is ${Number.isNaN(value) ? "nan" : "infinite (inf, or a float beyond a double's range)"}, which cohort does not store`,
        hint: "give a finite number, or quote it to make it a string",
        rank: 0,
      });
    }
    return float(value);
  }
  if (value instanceof Date) {
    problems.push({
      line: locator.lineOf(path),
      message: `${showPath(path)} is a date/time value, which cohort.toml does not accept`,
      hint: "quote it to make it a string",
      rank: 0,
    });
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => normalize(v, [...path, i], problems, locator));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (key === "__proto__") {
        problems.push({ line: locator.lineOf([...path, key]), message: `${showPath([...path, key])} is a reserved key`, hint: "rename it", rank: 0 });
        continue;
      }
      out[key] = normalize(v, [...path, key], problems, locator);
    }
    return out;
  }
  return value;
}

const NAME_HINT = "a name starts with a letter or _ and holds only letters, digits, _, . and -";

/** Names of operations and groups, members named by group directives, flags with an aggregator. */
function checkNames(data: unknown, problems: Problem[], locator: Locator): void {
  if (!isPlainObject(data)) return;
  const problem = (path: Path, message: string, hint: string) => problems.push({ line: locator.lineOf(path), message, hint, rank: 1 });
  for (const section of ["operations", "groups"] as const) {
    const table = data[section];
    if (!isPlainObject(table)) continue;
    for (const [name, def] of Object.entries(table)) {
      const path = [section, name];
      const kind = section === "operations" ? "operation" : "group";
      if (!NAME_PATTERN.test(name)) problem(path, `${showPath(path)}: ${JSON.stringify(name)} is not a valid ${kind} name`, NAME_HINT);
      if (!isPlainObject(def)) continue;
      if (section === "operations" && def.flags !== undefined && def.aggregator !== undefined) {
        problem([...path, "aggregator"], `${showPath([...path, "aggregator"])}: a flag operation has no jobs to aggregate`, "remove aggregator or flags");
      }
      if (section === "groups" && Array.isArray(def.operations) && isPlainObject(def.directives)) {
        const members = def.operations.filter((m): m is string => typeof m === "string");
        for (const member of Object.keys(def.directives)) {
          if (members.includes(member)) continue;
          const at = [...path, "directives", member];
          const close = closeNames(member, members);
          problem(
            at,
            `${showPath(at)}: ${showName(member)} is not a member of group ${showName(name)}`,
            close.length ? `did you mean ${close.map(showName).join(" or ")}?` : `members: ${members.map(showName).join(", ")}`,
          );
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The schema. Issue messages carry markers that `issueProblems` turns into text:
// KNOWN + the known keys of a table (for unknown keys), NEEDS + what a table lacks, HINT before a hint.

const KNOWN = "\u0000known:";
const NEEDS = "\u0000needs:";
const HINT = "\u0000hint:";

function withHint(message: string, hint?: string): string {
  return hint === undefined ? message : message + HINT + hint;
}

/** A strict table: unknown keys are reported with the known ones; `what` describes it when it is not a table. */
function table<S extends Record<string, z.ZodMiniType>>(shape: S, what: string, hint?: string) {
  const known = Object.keys(shape).join(",");
  return z.strictObject(shape, {
    error: (iss) => (iss.code === "unrecognized_keys" ? KNOWN + known : withHint(what, hint)),
  });
}

/** A required string: `needs` names it when it is missing. */
function requiredString(needs: string, what: string) {
  return z.string({ error: (iss) => (iss.input === undefined ? NEEDS + needs : what) }).check(z.minLength(1, { error: "must not be empty" }));
}

function optionalString(what: string) {
  return z.optional(z.string({ error: what }));
}

/** A group's `submit_options` or `run_options`: a string of options, checked by group-options.ts. */
function groupOptions() {
  return z.optional(
    z.string({ error: "must be a string of options" }).check(
      z.superRefine((text: string, ctx: $RefinementCtx<string>) => {
        try {
          groupOptionWords(text);
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          ctx.addIssue({ code: "custom", message: withHint(err.message, err.hint) });
        }
      }),
    ),
  );
}

const SHELL = "must be a shell command (a string)";

const nonEmpty = () => z.string().check(z.minLength(1));
const hook = z.optional(
  z.union([nonEmpty(), z.array(nonEmpty())], {
    error: withHint("must be a shell command or a list of shell commands", 'e.g. on_success = "echo done"'),
  }),
);
const hookShape = { on_start: hook, on_success: hook, on_exception: hook, on_exit: hook };
const HOOK_NAMES = Object.keys(hookShape) as HookName[];

function isJsonValue(v: unknown): v is JsonValue {
  if (v === null || ["string", "number", "bigint", "boolean"].includes(typeof v)) return true;
  if (Array.isArray(v)) return v.every(isJsonValue);
  return v instanceof Float || (isPlainObject(v) && !(v instanceof Date) && Object.values(v).every(isJsonValue));
}

const jsonValue = z.custom<JsonValue>(isJsonValue, { error: "must be a string, number, boolean, list or table" });
const directivesSchema = z.record(z.string(), jsonValue, {
  error: withHint("must be a table of directives", 'e.g. directives = { np = 4, walltime = "2h" }'),
});

interface RawCondition {
  isfile?: string;
  true?: string;
  false?: string;
  after?: string | string[];
  never?: true;
  not?: RawCondition;
  command?: string;
}

const CONDITION = 'must be a condition such as { isfile = "out.dat" }';
const CONDITION_HINT = "conditions: isfile, true, false, after, never, not, command";

/** Reports a table that does not have exactly one of its keys set. */
function exactlyOne(what: string, hint: string) {
  return (value: Record<string, unknown>, ctx: $RefinementCtx<Record<string, unknown>>) => {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    if (keys.length === 0) ctx.addIssue({ code: "custom", message: withHint(what, hint) });
    else if (keys.length > 1) {
      ctx.addIssue({ code: "custom", message: withHint(`must have exactly one key, not ${keys.join(" and ")}`, hint) });
    }
  };
}

/** An optional non-empty string; `what` describes it when it is not a string. */
function optionalName(what: string) {
  return z.optional(z.string({ error: what }).check(z.minLength(1, { error: "must not be empty" })));
}

const conditionSchema: z.ZodMiniType<RawCondition> = table(
  {
    isfile: optionalName("must be a file name (a string)"),
    true: optionalName("must be a document key (a string)"),
    false: optionalName("must be a document key (a string)"),
    after: z.optional(
      z.union(
        [z.string().check(z.minLength(1, { error: "must not be empty" })), z.array(nonEmpty()).check(z.minLength(1, { error: "must name at least one operation" }))],
        { error: withHint("must be an operation name or a non-empty list of them", 'e.g. { after = ["prepare"] }') },
      ),
    ),
    never: z.optional(z.literal(true, { error: "must be true" })),
    not: z.optional(z.lazy(() => conditionSchema)),
    command: optionalName(SHELL),
  },
  CONDITION,
  CONDITION_HINT,
).check(z.superRefine(exactlyOne(CONDITION, CONDITION_HINT)));

const conditionList = z.optional(z.array(conditionSchema, { error: withHint("must be a list of conditions", 'e.g. [{ isfile = "out.dat" }]') }));

const AGGREGATOR = 'must be "all", { groups_of = N } or { group_by = "key" }';
const aggregatorSchema = z.optional(
  z.union(
    [
      z.literal("all"),
      table(
        {
          // custom checks do not abort the union, so that their messages come through
          groups_of: z.optional(
            z.custom<number>((v) => typeof v === "number" && Number.isSafeInteger(v) && v >= 1, { error: "must be a positive integer", abort: false }),
          ),
          group_by: z.optional(z.custom<string>((v) => typeof v === "string" && v !== "", { error: "must be a key (a non-empty string)", abort: false })),
        },
        AGGREGATOR,
      ).check(z.superRefine(exactlyOne(AGGREGATOR, "one key: groups_of or group_by"))),
    ],
    { error: AGGREGATOR },
  ),
);

const operationSchema = table(
  {
    command: requiredString(withHint("a command", 'e.g. command = "python run.py"'), SHELL),
    pre: conditionList,
    post: conditionList,
    directives: z.optional(directivesSchema),
    aggregator: aggregatorSchema,
    flags: z.optional(z.record(z.string(), jsonValue, { error: withHint("must be a table of flag values", "e.g. flags = { lr = 0.01 }") })),
    ...hookShape,
  },
  "must be a table with a command",
  'e.g. [operations.NAME] command = "python run.py"',
);

const groupSchema = table(
  {
    operations: z
      .array(z.string({ error: "must be an operation name (a string)" }), {
        error: (iss) =>
          withHint(
            iss.input === undefined ? NEEDS + "operations, the list of its members" : "must be a list of operation names",
            'e.g. operations = ["prepare", "simulate"]',
          ),
      })
      .check(z.minLength(1, { error: withHint("must list at least one operation", 'e.g. operations = ["prepare", "simulate"]') })),
    directives: z.optional(
      z.record(z.string(), directivesSchema, {
        error: withHint("must be a table of directives per member operation", "e.g. directives = { simulate = { ngpu = 2 } }"),
      }),
    ),
    submit_options: groupOptions(),
    run_options: groupOptions(),
  },
  "must be a table with a list of operations",
  'e.g. [groups.NAME] operations = ["a", "b"]',
);

const documentSchema = table(
  {
    project: z.optional(table({ name: optionalString("must be a string"), ...hookShape }, "must be a table", "e.g. [project] name = \"demo\"")),
    operations: z.optional(z.record(z.string(), operationSchema, { error: withHint("must be a table of operations", "e.g. [operations.NAME]") })),
    groups: z.optional(z.record(z.string(), groupSchema, { error: withHint("must be a table of groups", "e.g. [groups.NAME]") })),
    labels: z.optional(
      z.record(z.string(), conditionSchema, { error: withHint("must be a table of labels", 'e.g. [labels] done = { isfile = "out.dat" }') }),
    ),
  },
  "must be a table",
);

type Document = z.output<typeof documentSchema>;

function issueProblems(issue: $ZodIssue, locator: Locator): Problem[] {
  const path = issue.path.filter((seg): seg is string | number => typeof seg !== "symbol");
  const [text, hint] = issue.message.split(HINT);
  if (issue.code === "unrecognized_keys") {
    const known = text.startsWith(KNOWN) ? text.slice(KNOWN.length).split(",") : [];
    return issue.keys.map((key) => ({
      line: locator.lineOf([...path, key]),
      message: `unknown key ${showPath([...path, key])}`,
      hint: suggestion(key, known),
      rank: 0,
    }));
  }
  if (text.startsWith(NEEDS)) {
    const parent = path.slice(0, -1);
    return [{ line: locator.lineOf(parent), message: `${showPath(parent)} needs ${text.slice(NEEDS.length)}`, hint, rank: 1 }];
  }
  return [{ line: locator.lineOf(path), message: `${showPath(path)} ${text}`, hint, rank: 1 }];
}

// ---------------------------------------------------------------------------------------------------------
// The model

function build(doc: Document, locator: Locator, file: string): WorkflowDefinition {
  const origin = (path: Path) => {
    const line = locator.lineOf(path);
    return line === undefined ? file : `${file}:${line}`;
  };
  const def: WorkflowDefinition = { operations: [], groups: [], labels: [], hooks: hooks(doc.project ?? {}) };
  if (doc.project?.name !== undefined) def.name = doc.project.name;
  for (const [name, op] of Object.entries(doc.operations ?? {})) {
    const path = ["operations", name];
    const conditions = (key: "pre" | "post") => (op[key] ?? []).map((c, i) => condition(c, [...path, key, i], origin));
    const operation: OperationDefinition = {
      name,
      body: { kind: "command", command: op.command },
      pre: conditions("pre"),
      post: conditions("post"),
      directives: { ...(op.directives ?? {}) } as Directives,
      aggregator: aggregator(op.aggregator),
      hooks: hooks(op),
      origin: origin(path),
    };
    if (op.flags !== undefined) operation.flags = { ...op.flags } as JsonObject;
    def.operations.push(operation);
  }
  for (const [name, g] of Object.entries(doc.groups ?? {})) {
    const group: GroupDefinition = {
      name,
      operations: [...g.operations],
      directives: Object.fromEntries(Object.entries(g.directives ?? {}).map(([member, d]) => [member, { ...d } as Directives])),
      origin: origin(["groups", name]),
    };
    if (g.run_options !== undefined) group.runOptions = g.run_options;
    if (g.submit_options !== undefined) group.submitOptions = g.submit_options;
    def.groups.push(group);
  }
  for (const [name, c] of Object.entries(doc.labels ?? {})) {
    const path = ["labels", name];
    const label: LabelDefinition = { name, condition: condition(c, path, origin), origin: origin(path) };
    def.labels.push(label);
  }
  return def;
}

function condition(raw: RawCondition, path: Path, origin: (path: Path) => string): Condition {
  const at = origin(path);
  if (raw.isfile !== undefined) return { kind: "isfile", file: raw.isfile, origin: at };
  if (raw.true !== undefined) return { kind: "true", key: raw.true, origin: at };
  if (raw.false !== undefined) return { kind: "false", key: raw.false, origin: at };
  if (raw.after !== undefined) return { kind: "after", operations: typeof raw.after === "string" ? [raw.after] : [...raw.after], origin: at };
  if (raw.never !== undefined) return { kind: "never", origin: at };
  if (raw.not !== undefined) return { kind: "not", condition: condition(raw.not, [...path, "not"], origin), origin: at };
  if (raw.command !== undefined) return { kind: "command", command: raw.command, origin: at };
  /* c8 ignore next: the schema lets no other table through */
  throw new Error("empty condition");
}

function aggregator(raw: "all" | { groups_of?: number; group_by?: string } | undefined): Aggregator {
  if (raw === undefined) return { kind: "single" };
  if (raw === "all") return { kind: "all" };
  if (raw.groups_of !== undefined) return { kind: "groupsOf", n: raw.groups_of };
  return { kind: "groupBy", key: raw.group_by ?? "" };
}

function hooks(raw: Partial<Record<HookName, string | string[] | undefined>>): Hooks {
  const out: Hooks = {};
  for (const name of HOOK_NAMES) {
    const value = raw[name];
    if (value === undefined) continue;
    const commands = typeof value === "string" ? [value] : value;
    if (commands.length > 0) out[name] = commands.map((command) => ({ command }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The locator: the line of each key path, from a scan of the TOML text

function pathKey(path: Path): string {
  return path.map(String).join("\u0000");
}

/**
 * Records the line where each key path first appears: `[table]` and `[[array]]` headers (array elements
 * by index), `key = value` assignments (dotted and quoted keys), and inside inline tables and arrays
 * (which may span lines) each key and each element. Tolerant: it never throws, whatever the text.
 */
export class Locator {
  private readonly lines = new Map<string, number>();
  private readonly arrayCounts = new Map<string, number>();
  private readonly lineStarts: number[] = [0];
  private pos = 0;

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === "\n") this.lineStarts.push(i + 1);
    if (text.startsWith("\ufeff")) this.pos = 1;
    try {
      this.document();
    } catch {
      // keep what was recorded: the text parsed, so this is only a limit of the scanner
    }
  }

  /** The line of `path`, or of its nearest enclosing key that appears in the text. */
  lineOf(path: Path): number | undefined {
    for (let n = path.length; n > 0; n--) {
      const line = this.lines.get(pathKey(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  }

  private lineAt(pos: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  private record(path: Path, line: number): void {
    for (let n = 1; n <= path.length; n++) {
      const key = pathKey(path.slice(0, n));
      if (!this.lines.has(key)) this.lines.set(key, line);
    }
  }

  private document(): void {
    let table: Path = [];
    const text = this.text;
    while (this.pos < text.length) {
      this.skipBlank();
      if (this.pos >= text.length) break;
      const start = this.pos;
      if (text[this.pos] === "[") table = this.header() ?? table;
      else this.keyValue(table);
      while (this.pos < text.length && text[this.pos] !== "\n") this.pos++;
      if (this.pos === start) this.pos++;
    }
  }

  /** `[a.b]` or `[[a.b]]`: the table that the following keys belong to. */
  private header(): Path | undefined {
    const line = this.lineAt(this.pos);
    this.pos++;
    const isArray = this.text[this.pos] === "[";
    if (isArray) this.pos++;
    const keys = this.keyPath();
    this.skipWs();
    if (keys.length === 0 || this.text[this.pos] !== "]") return undefined;
    this.pos += isArray ? 2 : 1;
    // a key naming an array of tables, inside a header, means its last element
    const path: Path = [];
    keys.forEach((key, i) => {
      path.push(key);
      const count = this.arrayCounts.get(pathKey(path));
      if (i === keys.length - 1 && isArray) {
        this.arrayCounts.set(pathKey(path), (count ?? 0) + 1);
        path.push(count ?? 0);
      } else if (count !== undefined) path.push(count - 1);
    });
    this.record(path, line);
    return path;
  }

  private keyValue(table: Path): void {
    const line = this.lineAt(this.pos);
    const keys = this.keyPath();
    this.skipWs();
    if (keys.length === 0 || this.text[this.pos] !== "=") return;
    this.pos++;
    const path = [...table, ...keys];
    this.record(path, line);
    this.skipWs();
    this.value(path);
  }

  private value(path: Path): void {
    const c = this.text[this.pos];
    if (c === '"' || c === "'") this.string();
    else if (c === "[") this.array(path);
    else if (c === "{") this.inlineTable(path);
    else while (this.pos < this.text.length && !",]}#\r\n".includes(this.text[this.pos])) this.pos++;
  }

  private array(path: Path): void {
    this.pos++;
    let index = 0;
    while (this.pos < this.text.length) {
      this.skipBlank();
      const c = this.text[this.pos];
      if (c === undefined) return;
      if (c === "]") {
        this.pos++;
        return;
      }
      if (c === ",") {
        this.pos++;
        index++;
        continue;
      }
      const start = this.pos;
      this.record([...path, index], this.lineAt(start));
      this.value([...path, index]);
      if (this.pos === start) this.pos++;
    }
  }

  private inlineTable(path: Path): void {
    this.pos++;
    while (this.pos < this.text.length) {
      this.skipBlank();
      const c = this.text[this.pos];
      if (c === undefined) return;
      if (c === "}") {
        this.pos++;
        return;
      }
      if (c === ",") {
        this.pos++;
        continue;
      }
      const start = this.pos;
      const keys = this.keyPath();
      this.skipWs();
      if (keys.length > 0 && this.text[this.pos] === "=") {
        this.pos++;
        this.record([...path, ...keys], this.lineAt(start));
        this.skipWs();
        this.value([...path, ...keys]);
      }
      if (this.pos === start) this.pos++;
    }
  }

  /** `a."b.c".'d'`: the keys, possibly none. */
  private keyPath(): string[] {
    const keys: string[] = [];
    for (;;) {
      this.skipWs();
      const key = this.simpleKey();
      if (key === undefined) return keys;
      keys.push(key);
      this.skipWs();
      if (this.text[this.pos] !== ".") return keys;
      this.pos++;
    }
  }

  private simpleKey(): string | undefined {
    const text = this.text;
    const c = text[this.pos];
    if (c === '"' || c === "'") return this.string();
    const start = this.pos;
    while (this.pos < text.length && /[A-Za-z0-9_-]/.test(text[this.pos])) this.pos++;
    return this.pos > start ? text.slice(start, this.pos) : undefined;
  }

  /** Skips a string of any of the four kinds and returns its value (escapes decoded for basic strings). */
  private string(): string {
    const text = this.text;
    const quote = text[this.pos];
    const triple = text.startsWith(quote.repeat(3), this.pos);
    this.pos += triple ? 3 : 1;
    let out = "";
    while (this.pos < text.length) {
      const c = text[this.pos];
      if (c === quote && (!triple || text.startsWith(quote.repeat(3), this.pos))) {
        this.pos += triple ? 3 : 1;
        // a multi-line string may end with one or two quotes of its own before the closing three
        for (let extra = 0; triple && extra < 2 && text[this.pos] === quote; extra++, this.pos++) out += quote;
        return out;
      }
      if (!triple && c === "\n") return out;
      if (c === "\\" && quote === '"') {
        const [decoded, length] = unescape(text, this.pos);
        out += decoded;
        this.pos += length;
        continue;
      }
      out += c;
      this.pos++;
    }
    return out;
  }

  /** Spaces and tabs. */
  private skipWs(): void {
    while (this.text[this.pos] === " " || this.text[this.pos] === "\t") this.pos++;
  }

  /** Whitespace, newlines and comments. */
  private skipBlank(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text[this.pos];
      if (c === " " || c === "\t" || c === "\r" || c === "\n") this.pos++;
      else if (c === "#") while (this.pos < text.length && text[this.pos] !== "\n") this.pos++;
      else return;
    }
  }
}

const ESCAPES: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", e: "\x1b", '"': '"', "\\": "\\" };

/** The escape sequence at `pos` (which holds the backslash): its text and its length. */
function unescape(text: string, pos: number): [string, number] {
  const c = text[pos + 1];
  if (c !== undefined && c in ESCAPES) return [ESCAPES[c], 2];
  const digits = c === "u" ? 4 : c === "U" ? 8 : c === "x" ? 2 : 0;
  if (digits > 0) {
    const hex = text.slice(pos + 2, pos + 2 + digits);
    const code = /^[0-9A-Fa-f]+$/.test(hex) ? parseInt(hex, 16) : NaN;
    if (code <= 0x10ffff) return [String.fromCodePoint(code), 2 + digits];
  }
  // a line-ending backslash in a multi-line string: the newline and the whitespace after it vanish
  let end = pos + 1;
  while (end < text.length && /\s/.test(text[end])) end++;
  return ["", Math.max(end - pos, 2)];
}
