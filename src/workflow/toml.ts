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
 * - `[clusters.NAME]`: cluster profiles of the project, read by schedulers/cluster-profile.ts (which
 *   checks them); the workflow takes no part of them.
 *
 * Conditions, in `pre`/`post` lists and as label values, are tables with exactly one key:
 * - `{ isfile = "name" }`: the file exists in the job directory (of every job of the aggregate);
 * - `{ true = "key" }` / `{ false = "key" }`: the document key (a dotted path) is truthy / falsy or absent;
 * - `{ after = ["op", ...] }` (or one name as a string): every post-condition of those operations holds;
 * - `{ never = true }`: never holds (a `post` of `never` means never complete);
 * - `{ not = CONDITION }`: the condition does not hold;
 * - `{ command = "shell command" }`: run in the job directory, with the placeholders of an operation's
 *   command (`{sp.T}`), holds when it exits with code 0.
 *
 * Values: TOML integers become numbers (bigints beyond 2^53), floats numbers, and an integer-valued float
 * (`10.0`, `1e3`) a `Float`, so that `{ epochs = 10 }` and `{ epochs = 10.0 }` stay different. Date and
 * time values are errors anywhere (quote them). The key `__proto__` is rejected. The text is parsed
 * once, by toml-eslint-parser, whose syntax tree gives the line of every key; the schemas are in
 * definition-schema.ts, which the TypeScript API shares.
 *
 * Every mistake is one `UserError` naming the file, the line and the key path, e.g.
 * `cohort.toml:14: unknown key operations.prepare.comand (did you mean command?)`. Key paths write list
 * indices from 0: `operations.simulate.pre[1]` is the second condition. Names of operations and groups
 * in groups and `after` conditions are checked when the workflow is assembled, not here.
 */
import { float, isPlainObject, type JsonObject } from "../dataspace/value.js";
import { UserError } from "../util/errors.js";
import { parseTOML, ParseError, type AST } from "toml-eslint-parser";
import {
  check,
  describeProblem,
  documentSchema,
  HOOK_NAMES,
  toAggregator,
  type Document,
  type Path,
  type Problem,
  type RawCondition,
} from "./definition-schema.js";
import type { Condition, Directives, GroupDefinition, HookName, Hooks, LabelDefinition, OperationDefinition, Origin, WorkflowDefinition } from "./model.js";

/** Operation and group names. */
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Parses and validates `cohort.toml`; every problem is a `UserError` naming `file`, the line and the key. */
export function parseProjectToml(text: string, file = "cohort.toml"): WorkflowDefinition {
  const { value, lines, problems: valueProblems } = readToml(text, file);
  // An unknown key, or a value cohort refuses, explains more than what follows from it (a misspelt key
  // also makes the right key missing): those come first, wherever they are.
  const ranked = valueProblems.map((problem) => ({ problem, rank: 0 }));
  for (const problem of nameProblems(value)) ranked.push({ problem, rank: 1 });
  const result = check(documentSchema, value);
  for (const problem of result.problems) ranked.push({ problem, rank: problem.kind === "unknown key" ? 0 : 1 });
  if (ranked.length > 0 || result.data === undefined) throw firstProblem(ranked, lines, file);
  return build(result.data, lines, file);
}

/** The first problem to tell (by rank, then line) as one UserError naming the file and line. */
export function firstProblem(ranked: { problem: Problem; rank: number }[], lines: KeyLines, file: string): UserError {
  if (ranked.length === 0) return new UserError(`${file}: invalid definition`);
  const line = (p: Problem) => lines.lineOf(p.path) ?? Number.MAX_SAFE_INTEGER;
  const [{ problem }] = ranked.map((r, i) => ({ ...r, i })).sort((a, b) => a.rank - b.rank || line(a.problem) - line(b.problem) || a.i - b.i);
  const at = lines.lineOf(problem.path);
  const { message, hint } = describeProblem(problem);
  return new UserError(`${file}${at === undefined ? "" : `:${at}`}: ${message}`, hint);
}

/** Names of operations and groups, which only cohort.toml restricts (they become TOML keys and file names in scripts). */
function nameProblems(data: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  for (const section of ["operations", "groups"] as const) {
    const table = data[section];
    if (!isPlainObject(table)) continue;
    for (const name of Object.keys(table)) {
      if (NAME_PATTERN.test(name)) continue;
      const kind = section === "operations" ? "operation" : "group";
      problems.push({
        kind: "invalid",
        path: [section, name],
        message: `: ${JSON.stringify(name)} is not a valid ${kind} name`,
        hint: "a name starts with a letter or _ and holds only letters, digits, _, . and -",
      });
    }
  }
  return problems;
}

function build(doc: Document, lines: KeyLines, file: string): WorkflowDefinition {
  const origin = (path: Path) => {
    const line = lines.lineOf(path);
    return line === undefined ? file : `${file}:${line}`;
  };
  const def: WorkflowDefinition = { operations: [], groups: [], labels: [], hooks: toHooks(doc.project ?? {}) };
  if (doc.project?.name !== undefined) {
    def.name = doc.project.name;
    def.nameOrigin = origin(["project", "name"]);
  }
  for (const [name, op] of Object.entries(doc.operations ?? {})) {
    const path = ["operations", name];
    const conditions = (key: "pre" | "post") => (op[key] ?? []).map((c, i) => toCondition(c, [...path, key, i], origin));
    const operation: OperationDefinition = {
      name,
      body: { kind: "command", command: op.command },
      pre: conditions("pre"),
      post: conditions("post"),
      directives: { ...(op.directives ?? {}) } as Directives,
      aggregator: toAggregator(op.aggregator),
      hooks: toHooks(op),
      origin: origin(path),
    };
    if (op.flags !== undefined) operation.flags = { ...op.flags } as JsonObject;
    if (op.metrics !== undefined && op.metrics.length > 0) operation.metrics = [...op.metrics];
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
    const label: LabelDefinition = { name, condition: toCondition(c, path, origin), origin: origin(path) };
    def.labels.push(label);
  }
  return def;
}

/** A checked condition in the model; `origin` says where each (nested) condition was written. */
function toCondition(raw: RawCondition, path: Path, origin: (path: Path) => Origin): Condition {
  const at = origin(path);
  if (raw.isfile !== undefined) return { kind: "isfile", file: raw.isfile, origin: at };
  if (raw.true !== undefined) return { kind: "true", key: raw.true, origin: at };
  if (raw.false !== undefined) return { kind: "false", key: raw.false, origin: at };
  // a TOML file names operations by their names: functions come only from TypeScript
  if (raw.after !== undefined) return { kind: "after", operations: (typeof raw.after === "string" ? [raw.after] : raw.after).map(String), origin: at };
  if (raw.never !== undefined) return { kind: "never", origin: at };
  if (raw.not !== undefined) return { kind: "not", condition: toCondition(raw.not, [...path, "not"], origin), origin: at };
  if (raw.command !== undefined) return { kind: "command", command: raw.command, origin: at };
  /* c8 ignore next: the schema lets no other table through */
  throw new Error("empty condition");
}

function toHooks(raw: Partial<Record<HookName, unknown>>): Hooks {
  const out: Hooks = {};
  for (const name of HOOK_NAMES) {
    const value = raw[name];
    if (value === undefined) continue;
    // a TOML file gives shell commands: functions come only from TypeScript
    const commands = (Array.isArray(value) ? value : [value]).map(String);
    if (commands.length > 0) out[name] = commands.map((command) => ({ command }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The text → its values, the line where each key first appears, and the values cohort refuses (dates, inf
// and nan, the key `__proto__`), each with its key path. One parse, by toml-eslint-parser, whose syntax
// tree has the position of every key and value.

export interface TomlText {
  value: Record<string, unknown>;
  lines: KeyLines;
  /** Values cohort does not take, in the order they appear. */
  problems: Problem[];
}

/** The line where each key path first appears. */
export class KeyLines {
  private readonly lines = new Map<string, number>();

  /** Records `line` for `path` and each of its prefixes not seen before. */
  record(path: Path, line: number): void {
    for (let n = 1; n <= path.length; n++) {
      const key = JSON.stringify(path.slice(0, n));
      if (!this.lines.has(key)) this.lines.set(key, line);
    }
  }

  /** The line of `path`, or of its nearest enclosing key. */
  lineOf(path: Path): number | undefined {
    for (let n = path.length; n > 0; n--) {
      const line = this.lines.get(JSON.stringify(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  }
}

/** Reads `text`; malformed TOML is a `UserError` naming `file`, the line and the column. */
export function readToml(text: string, file: string): TomlText {
  // the parser takes no byte order mark; lines and columns do not count it
  const source = text.startsWith("\ufeff") ? text.slice(1) : text;
  let program: AST.TOMLProgram;
  try {
    program = parseTOML(source);
  } catch (err) {
    if (err instanceof ParseError) throw malformed(err, source, file);
    throw err;
  }
  const out: TomlText = { value: {}, lines: new KeyLines(), problems: [] };
  for (const node of program.body[0].body) {
    if (node.type === "TOMLKeyValue") keyValue(node, out.value, [], out);
    else table(node, out);
  }
  return out;
}

/** toml-eslint-parser's messages for something missing before the token it stops at. */
const MISSING = /same line|Unspecified value|Unterminated|Expected comma/;

function malformed(err: ParseError, text: string, file: string): UserError {
  let index = Math.min(err.index, text.length);
  // What is missing (a value, a bracket) is reported at the next token, which may start a later line:
  // the place to show is the end of the line where it is missing.
  const startsLine = /(^|\n)[ \t]*$/.test(text.slice(0, index));
  if (startsLine && MISSING.test(err.message)) index = text.slice(0, index).replace(/(\r?\n[ \t]*)+$/, "").length;
  const lineStart = text.lastIndexOf("\n", index - 1) + 1;
  const line = text.slice(0, lineStart).split("\n").length;
  const lineEnd = text.indexOf("\n", lineStart);
  const written = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd).trim();
  const hint = written ? `at: ${written.length > 60 ? written.slice(0, 57) + "..." : written}` : undefined;
  return new UserError(`${file}:${line}:${index - lineStart + 1}: malformed TOML: ${err.message.split("\n")[0]}`, hint);
}

/** `[a.b]` or `[[a.b]]`: its keys go into the table the header names (a new element, for `[[...]]`). */
function table(node: AST.TOMLTable, out: TomlText): void {
  const path = node.resolvedKey;
  if (path.includes("__proto__")) return reserved(path.slice(0, path.indexOf("__proto__") + 1), node, out);
  out.lines.record(path, node.loc.start.line);
  let target: Record<string, unknown> | unknown[] = out.value;
  path.forEach((key, i) => {
    const container = target as Record<string | number, unknown>;
    if (!Object.hasOwn(container, key)) container[key] = typeof path[i + 1] === "number" ? [] : {};
    target = container[key] as Record<string, unknown> | unknown[];
  });
  for (const kv of node.body) keyValue(kv, target as Record<string, unknown>, path, out);
}

/** `a.b = value`, in a table at `base`: dotted keys make (or extend) tables. */
function keyValue(node: AST.TOMLKeyValue, target: Record<string, unknown>, base: Path, out: TomlText): void {
  const keys = node.key.keys.map((k) => (k.type === "TOMLBare" ? k.name : k.value));
  const path = [...base, ...keys];
  if (keys.includes("__proto__")) return reserved([...base, ...keys.slice(0, keys.indexOf("__proto__") + 1)], node, out);
  out.lines.record(path, node.loc.start.line);
  for (const key of keys.slice(0, -1)) {
    if (!Object.hasOwn(target, key)) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[keys[keys.length - 1]] = content(node.value, path, out);
}

function content(node: AST.TOMLContentNode, path: Path, out: TomlText): unknown {
  switch (node.type) {
    case "TOMLArray":
      return node.elements.map((element, i) => {
        out.lines.record([...path, i], element.loc.start.line);
        return content(element, [...path, i], out);
      });
    case "TOMLInlineTable": {
      const table: Record<string, unknown> = {};
      for (const kv of node.body) keyValue(kv, table, path, out);
      return table;
    }
    default:
      return scalar(node, path, out);
  }
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function scalar(node: AST.TOMLValue, path: Path, out: TomlText): unknown {
  switch (node.kind) {
    case "integer":
      return node.bigint >= MIN_SAFE && node.bigint <= MAX_SAFE ? Number(node.bigint) : node.bigint;
    case "float":
      // TOML's inf and nan, and a float beyond a double's range (1e999): refused here, with the line,
      // rather than when a run stores them
      if (!Number.isFinite(node.value)) {
        const what = Number.isNaN(node.value) ? "nan" : "infinite (inf, or a float beyond a double's range)";
        out.problems.push({ kind: "invalid", path, message: `is ${what}, which cohort does not store`, hint: "give a finite number, or quote it to make it a string" });
      }
      return float(node.value);
    case "string":
    case "boolean":
      return node.value;
    default:
      out.problems.push({ kind: "invalid", path, message: "is a date/time value, which cohort.toml does not accept", hint: "quote it to make it a string" });
      return node.value;
  }
}

function reserved(path: Path, node: AST.TOMLNode, out: TomlText): void {
  out.lines.record(path, node.loc.start.line);
  out.problems.push({ kind: "invalid", path, message: "is a reserved key", hint: "rename it" });
}
