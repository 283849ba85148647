/**
 * Node.js module customization hooks that let a project module be written in TypeScript with no build
 * step, and make it import this cohort. module-loader.ts registers them in cohort's own thread with
 * `module.registerHooks` where node has it (22.15 and later), else in a loader thread of node's with
 * `module.register`. The hooks answer synchronously, as the first way needs, but what node hands on
 * (`nextResolve`, `nextLoad`) is returned as it comes, a promise in the second way.
 *
 * - `import ... from "cohort"` resolves, from any module, to the `dist/index.js` next to this file: the
 *   running cohort, whether or not the project has a node_modules/cohort of its own (its classes must be
 *   the ones the engine checks against).
 * - Files of a registered project root (outside node_modules) and files they import by relative path
 *   are the user's; the user's `.ts`/`.mts` files are transpiled by esbuild (loader "ts", ESM, with an
 *   inline source map so that stack traces show the user's lines, and with `keepNames`, so that a
 *   function keeps the name written, which is an operation's name). Relative imports may name a `.ts`
 *   file by its `.js` name (as tsc's NodeNext wants), by its own name, or without extension.
 * - A syntax error is thrown as an error with `code: "COHORT_SYNTAX_ERROR"` and its location
 *   (`file`, 1-based `line` and `column`), which module-loader.ts turns into a UserError.
 * - What esbuild made of a file under a root is kept in that project's `.cohort/cache/modules/`, with
 *   the source it was made from: a later command that finds the same source (and the same esbuild and
 *   options) takes it from there and starts no esbuild, which costs about a tenth of a second. A missing,
 *   damaged or stale entry, or one that cannot be written, means transpiling, as without the cache.
 *
 * In a loader thread, roots arrive through the port given to `initialize`; in cohort's thread,
 * module-loader.ts calls `addRoot`.
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire, type InitializeHook, type LoadHook, type ResolveHook } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { MessagePort } from "node:worker_threads";
import type { TransformFailure, TransformOptions } from "esbuild";
import { readCheckedFile, writeCheckedFile } from "../util/checked-file.js";
import { makeDirs } from "../util/fs.js";

/** The running cohort's public API. */
const COHORT_URL = new URL("../index.js", import.meta.url).href;

export interface HooksData {
  port: MessagePort;
}
/** A message of module-loader.ts: a project root whose files are the user's. */
export interface RootMessage {
  id: number;
  root: string;
}

/** Project roots, each with a trailing separator. */
const roots: string[] = [];
/** URLs of user files reached by relative imports (possibly outside a root). */
const userUrls = new Set<string>();

/** Makes the files under `root` the user's. */
export function addRoot(root: string): void {
  const dir = path.resolve(root) + path.sep;
  if (!roots.includes(dir)) roots.push(dir);
}

export const initialize: InitializeHook<HooksData> = ({ port }) => {
  port.on("message", (msg: RootMessage) => {
    addRoot(msg.root);
    port.postMessage({ id: msg.id });
  });
  port.unref();
};

function filePath(url: string): string | undefined {
  if (!url.startsWith("file:")) return undefined;
  try {
    return fileURLToPath(url);
  } catch {
    return undefined;
  }
}

function inNodeModules(file: string): boolean {
  return file.split(path.sep).includes("node_modules");
}

function isUserUrl(url: string): boolean {
  if (userUrls.has(url)) return true;
  const file = filePath(url);
  return file !== undefined && !inNodeModules(file) && roots.some((r) => file.startsWith(r));
}

const TS = /\.(ts|mts)$/;

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The TypeScript file a relative specifier of a user module means, when it is not the file named. */
function tsCandidate(file: string): string | undefined {
  if (isFile(file)) return undefined;
  const candidates = /\.js$/.test(file)
    ? [file.replace(/\.js$/, ".ts")]
    : /\.mjs$/.test(file)
      ? [file.replace(/\.mjs$/, ".mts")]
      : path.extname(file) === ""
        ? [file + ".ts", file + ".mts", path.join(file, "index.ts")]
        : [];
  return candidates.find(isFile);
}

type Resolved = Awaited<ReturnType<ResolveHook>>;

export const resolve: ResolveHook = (specifier, context, nextResolve) => {
  if (specifier === "cohort") return { url: COHORT_URL, format: "module", shortCircuit: true };
  const parent = context.parentURL;
  const relative = specifier.startsWith("./") || specifier.startsWith("../") || specifier === "." || specifier === "..";
  if (!relative || parent === undefined || !isUserUrl(parent)) return nextResolve(specifier, context);
  const parentFile = filePath(parent);
  const bare = specifier.replace(/[?#].*$/, "");
  const candidate = parentFile !== undefined ? tsCandidate(path.resolve(path.dirname(parentFile), bare)) : undefined;
  if (candidate !== undefined) return userModule({ url: pathToFileURL(candidate).href, shortCircuit: true });
  const next = nextResolve(specifier, context);
  return typeof (next as Partial<Promise<Resolved>>).then === "function" ? (next as Promise<Resolved>).then(userModule) : userModule(next as Resolved);
};

/** A module a user file imports by relative path: the user's too, unless it is in node_modules. */
function userModule(resolved: Resolved): Resolved {
  const file = filePath(resolved.url);
  if (file !== undefined && !inNodeModules(file)) {
    userUrls.add(resolved.url);
    if (TS.test(file)) return { ...resolved, format: "module" };
  }
  return resolved;
}

function transformOptions(file: string): TransformOptions {
  return {
    loader: "ts",
    format: "esm",
    sourcemap: "inline",
    sourcefile: path.basename(file),
    target: "node20",
    // esbuild renames a function whose name another binding of the module has (`const prepare =
    // project.operation(..., function prepare(job) {...})` would make `prepare2`); an operation's
    // name is its function's name, so names are kept as written.
    keepNames: true,
  };
}

export const load: LoadHook = (url, context, nextLoad) => {
  const file = filePath(url);
  if (file === undefined || !TS.test(file) || !isUserUrl(url)) return nextLoad(url, context);
  const source = fs.readFileSync(file, "utf8");
  const options = transformOptions(file);
  const cache = cacheEntry(file);
  const made = cache && readEntry(cache.file, { esbuild: esbuildVersion(), options, source });
  if (made !== undefined) return { format: "module", source: made, shortCircuit: true };
  // (esbuild loads, and starts, only when a file is transpiled)
  const { transformSync } = createRequire(import.meta.url)("esbuild") as typeof import("esbuild");
  try {
    const result = transformSync(source, options);
    if (cache) writeEntry(cache, { esbuild: esbuildVersion(), options, source, code: result.code });
    return { format: "module", source: result.code, shortCircuit: true };
  } catch (err) {
    const first = (err as Partial<TransformFailure>).errors?.[0];
    if (!first) throw err;
    const loc = first.location;
    // esbuild's column counts bytes from 0; editors count characters from 1.
    const column = loc ? Buffer.from(loc.lineText, "utf8").subarray(0, loc.column).toString("utf8").length + 1 : undefined;
    const error = new SyntaxError(first.text) as SyntaxError & Record<string, unknown>;
    error.code = "COHORT_SYNTAX_ERROR";
    error.file = file;
    error.line = loc?.line;
    error.column = column;
    throw error;
  }
};

// ---------------------------------------------------------------------------------------------
// The cache of transpiled modules

/** What an entry was made from: it serves only the same. */
interface EntryKey {
  esbuild: string;
  options: TransformOptions;
  source: string;
}

interface Entry extends EntryKey {
  code: string;
}

/** Where the entry of a user file under a root is kept; none for a file outside every root. */
function cacheEntry(file: string): { file: string; root: string } | undefined {
  const root = roots.find((r) => file.startsWith(r));
  if (root === undefined) return undefined;
  const name = encodeURIComponent(file.slice(root.length)) + ".json";
  return { file: path.join(root, ".cohort", "cache", "modules", name), root };
}

let esbuildVersion_: string | undefined;

/** The installed esbuild's version, from its package.json (importing esbuild itself would start it). */
function esbuildVersion(): string {
  if (esbuildVersion_ === undefined) {
    try {
      // (import.meta.resolve is not there in node 20's loader thread)
      const file = createRequire(import.meta.url).resolve("esbuild/package.json");
      esbuildVersion_ = String((JSON.parse(fs.readFileSync(file, "utf8")) as { version?: unknown }).version);
    } catch {
      esbuildVersion_ = "";
    }
  }
  return esbuildVersion_;
}

/** The code an entry holds when it was made from `key`; undefined otherwise. */
function readEntry(file: string, key: EntryKey): string | undefined {
  if (key.esbuild === "") return undefined;
  const body = readCheckedFile(file);
  if (body === undefined) return undefined;
  try {
    const e = JSON.parse(body.toString("utf8")) as Partial<Entry>;
    const same = e.esbuild === key.esbuild && e.source === key.source && JSON.stringify(e.options) === JSON.stringify(key.options);
    return same && typeof e.code === "string" ? e.code : undefined;
  } catch {
    return undefined;
  }
}

function writeEntry(cache: { file: string; root: string }, entry: Entry): void {
  if (entry.esbuild === "") return;
  try {
    makeDirs(path.dirname(cache.file), cache.root);
    writeCheckedFile(cache.file, JSON.stringify(entry));
  } catch {
    // (a project that cannot be written to transpiles each time)
  }
}
