/**
 * Loads the project module: `project.ts`, `project.mts`, `project.mjs` or `project.js` in the project
 * root (the first that exists), with no build step by the user.
 *
 * TypeScript is transpiled on the fly by esbuild through Node's module customization hooks
 * (loader-hooks.ts, registered once per process), and `import "cohort"` in the module resolves to this
 * running cohort. The module's default export (or a named export `project`) must be a FlowProject; its
 * `definition()` is what the engine reads.
 *
 * Errors become UserErrors that name the file: `project.ts:3:7: Expected ";" but found "x"` for a
 * syntax error, `project.ts:12: Error: ...` for an exception while the module runs (the line is the
 * innermost frame of the user's files, mapped through the source map).
 */
import fs from "node:fs";
import module, { register, type LoadHook, type ResolveHook } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { errorText, UserError } from "../util/errors.js";
import { packageFile } from "../util/package-file.js";
import { closeNames } from "../util/names.js";
import { FLOW_PROJECT, post, pre, stackLocations, takeMadeProjects } from "./flow-project.js";
import type { TransformFailure } from "esbuild";
import type * as LoaderHooks from "./loader-hooks.js";
import type { WorkflowDefinition } from "./model.js";

/** The names a project module may have, in order of preference. */
export const PROJECT_MODULES = ["project.ts", "project.mts", "project.mjs", "project.js"];

/** The project module's path in `root`, if there is one. */
export function findProjectModule(root: string): string | undefined {
  for (const name of PROJECT_MODULES) {
    const file = path.join(root, name);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

export async function loadProjectModule(root: string): Promise<WorkflowDefinition | undefined> {
  const file = findProjectModule(root);
  if (file === undefined) return undefined;
  const name = path.basename(file);
  await addRoot(path.dirname(file));
  let mod: Record<string, unknown>;
  takeMadeProjects();
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw await moduleError(err, file);
  }
  const made = takeMadeProjects();
  const project = isFlowProject(mod.default) ? mod.default : isFlowProject(mod.project) ? mod.project : undefined;
  if (!project) {
    const what = "default" in mod ? "its default export is not a FlowProject" : "it has no default export";
    throw new UserError(`${name} does not export a FlowProject: ${what}`, `end ${name} with: export default project;`);
  }
  const left = made.filter((p) => p !== project).map((p) => p.firstDefinition()).find((d) => d !== undefined);
  if (left !== undefined) {
    throw new UserError(`${left} is defined on a FlowProject that ${name} does not export, so it would be left out`, `define the workflow on one FlowProject, the one ${name} exports`);
  }
  try {
    return project.definition();
  } catch (err) {
    throw await moduleError(err, file);
  }
}

interface FlowProjectLike {
  definition(): WorkflowDefinition;
}

function isFlowProject(v: unknown): v is FlowProjectLike {
  return typeof v === "object" && v !== null && (v as Record<symbol, unknown>)[FLOW_PROJECT] === true && typeof (v as FlowProjectLike).definition === "function";
}

// ---------------------------------------------------------------------------------------------
// The hooks: registered once per process; each project root is announced to them before import.
// Where node has `module.registerHooks` (22.15 and later), they run in this thread: no loader thread
// starts, and every import the project module makes is answered without a message to one, which
// saves about a tenth of a second per command of a TypeScript project.

type RegisterHooks = (hooks: { resolve: ResolveHook; load: LoadHook }) => unknown;

const registerHooks = (module as unknown as { registerHooks?: RegisterHooks }).registerHooks;

interface HooksState {
  port: MessagePort;
  nextId: number;
  pending: Map<number, () => void>;
  roots: Set<string>;
}

const STATE = Symbol.for("cohort.loaderHooks");
const IN_THREAD = Symbol.for("cohort.loaderHooksInThread");

function hooksUrl(): URL {
  // Built as an entry point of its own: node runs it in a thread of its own, or this one imports it.
  return pathToFileURL(packageFile("dist/workflow/loader-hooks.js"));
}

/** The hooks in this thread, registered at the first call. */
async function hooksInThread(register: RegisterHooks): Promise<typeof LoaderHooks> {
  const global = globalThis as Record<symbol, Promise<typeof LoaderHooks> | undefined>;
  return (global[IN_THREAD] ??= (async () => {
    const hooks = (await import(hooksUrl().href)) as typeof LoaderHooks;
    process.setSourceMapsEnabled(true);
    register({ resolve: hooks.resolve, load: hooks.load });
    return hooks;
  })());
}

function hooks(): HooksState {
  const global = globalThis as Record<symbol, HooksState | undefined>;
  let state = global[STATE];
  if (!state) {
    const { port1, port2 } = new MessageChannel();
    // Stack traces of the user's TypeScript show its own lines (the hooks add inline source maps).
    process.setSourceMapsEnabled(true);
    register<LoaderHooks.HooksData>(hooksUrl(), { data: { port: port2 }, transferList: [port2] });
    const s: HooksState = { port: port1, nextId: 0, pending: new Map(), roots: new Set() };
    port1.on("message", (msg: { id: number }) => {
      s.pending.get(msg.id)?.();
      s.pending.delete(msg.id);
      if (s.pending.size === 0) port1.unref();
    });
    port1.unref();
    state = global[STATE] = s;
  }
  return state;
}

/** Tells the hooks that the files under `root` are the user's, and waits until they know. */
async function addRoot(root: string): Promise<void> {
  if (registerHooks) {
    (await hooksInThread(registerHooks)).addRoot(root);
    return;
  }
  const state = hooks();
  if (state.roots.has(root)) return;
  const id = state.nextId++;
  const message: LoaderHooks.RootMessage = { id, root };
  await new Promise<void>((resolve) => {
    state.pending.set(id, resolve);
    state.port.ref();
    state.port.postMessage(message);
  });
  state.roots.add(root);
}

// ---------------------------------------------------------------------------------------------
// Errors

/** The UserError for a failure while loading; its stack (shown by --debug) ends with the original one. */
async function moduleError(err: unknown, file: string): Promise<UserError> {
  const dir = path.dirname(file);
  const name = path.basename(file);
  const isSyntax = typeof err === "object" && err !== null && (err as Error).name === "SyntaxError";
  const jsLocation = isSyntax && /\.[cm]?js$/.test(file) ? await syntaxLocation(file) : undefined;
  const error = describeModuleError(err, dir, name, jsLocation);
  error.cause = err;
  if (err instanceof Error && err.stack) error.stack = `${error.stack ?? error.message}\ncaused by: ${err.stack}`;
  return error;
}

function describeModuleError(err: unknown, dir: string, name: string, jsLocation: SyntaxLocation | undefined): UserError {
  const e = typeof err === "object" && err !== null ? (err as Record<string, unknown>) : undefined;
  const rel = (file: string) => {
    const r = path.relative(dir, file);
    return r.startsWith("..") || path.isAbsolute(r) ? file : r;
  };
  if (e && e.code === "COHORT_SYNTAX_ERROR" && typeof e.file === "string") {
    const where = [rel(e.file), e.line, e.column].filter((x) => x !== undefined).join(":");
    return new UserError(`${where}: ${String(e.message)}`, "fix the syntax error");
  }
  const text = e && typeof e.message === "string" ? `${typeof e.name === "string" ? e.name : "Error"}: ${e.message}` : `thrown: ${errorText(err)}`;
  if (e && e.code === "ERR_MODULE_NOT_FOUND") {
    return new UserError(`${name}: ${String(e.message)}`, "install the package or fix the import");
  }
  if (e && e.name === "SyntaxError" && typeof e.stack === "string") {
    // A link error (a missing export): Node puts `FILE:LINE` first in the stack.
    const m = /^((?:file:\/\/|\/|[A-Za-z]:\\)\S*?):(\d+)\s*$/.exec(e.stack.split("\n")[0] ?? "");
    if (m) return new UserError(`${rel(m[1].startsWith("file:") ? fileURLToPath(m[1]) : m[1])}:${m[2]}: ${text}`, "fix the import or the syntax error");
    // A JavaScript syntax error carries no location: ask esbuild where it is in the module.
    if (jsLocation) return new UserError(`${rel(jsLocation.file)}:${jsLocation.line}:${jsLocation.column}: ${jsLocation.text}`, "fix the syntax error");
  }
  const frame = e && typeof e.stack === "string" ? stackLocations(e.stack).find((l) => isUserFile(l.file, dir)) : undefined;
  const where = frame ? `${rel(frame.file)}:${frame.line}` : name;
  if (e && e.name === "UserError") {
    // A usage error of the API names its place already (`operation op1 (project.ts:4) ...`): not twice.
    const message = String(e.message);
    return new UserError(names(message, where) ? message : `${where}: ${message}`, typeof e.hint === "string" ? e.hint : undefined);
  }
  return new UserError(`${where}: ${text}`, apiTypo(text) ?? `the error happened while loading ${name}; run with --debug for the stack trace`);
}

/**
 * A hint for `pre.isfile(...)` and the like (signac-flow's spellings, a letter's case): the condition
 * the user likely meant. esbuild strips the types that would have told at compile time.
 */
function apiTypo(text: string): string | undefined {
  const m = /^TypeError: (pre|post)\.(\w+) is not a function$/.exec(text);
  if (!m) return undefined;
  const builder = m[1] === "pre" ? pre : post;
  const known = Object.keys(builder);
  const [close] = closeNames(m[2], known);
  return close ? `did you mean ${m[1]}.${close}?` : `the conditions are ${m[1]}.${known.join(`, ${m[1]}.`)}`;
}

/** Whether `message` names the place `where` (`project.ts:4`), not merely one that begins the same (`project.ts:41`). */
function names(message: string, where: string): boolean {
  return new RegExp(`(?<![\\w./-])${where.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?!\\d)`).test(message);
}

interface SyntaxLocation {
  file: string;
  line: number;
  column: number;
  text: string;
}

/** Where esbuild finds a syntax error in a JavaScript module (1-based line and column). */
async function syntaxLocation(file: string): Promise<SyntaxLocation | undefined> {
  try {
    const { transform } = await import("esbuild");
    await transform(fs.readFileSync(file, "utf8"), { loader: "js", format: "esm", sourcefile: path.basename(file) });
    return undefined;
  } catch (err) {
    const loc = (err as Partial<TransformFailure>).errors?.[0]?.location;
    if (!loc) return undefined;
    const column = Buffer.from(loc.lineText, "utf8").subarray(0, loc.column).toString("utf8").length + 1;
    return { file, line: loc.line, column, text: (err as TransformFailure).errors[0].text };
  }
}

function isUserFile(file: string, dir: string): boolean {
  return path.isAbsolute(file) && !file.split(path.sep).includes("node_modules") && !path.relative(dir, file).startsWith("..");
}
