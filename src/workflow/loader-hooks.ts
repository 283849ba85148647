/**
 * Node.js module customization hooks (registered by module-loader.ts with `module.register`) that let a
 * project module be written in TypeScript with no build step, and make it import this cohort.
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
 *
 * These hooks run in Node's loader thread; roots arrive through the port given to `initialize`.
 */
import fs from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { InitializeHook, LoadHook, ResolveHook } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { MessagePort } from "node:worker_threads";
import type { TransformFailure } from "esbuild";

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

export const initialize: InitializeHook<HooksData> = ({ port }) => {
  port.on("message", (msg: RootMessage) => {
    const root = path.resolve(msg.root) + path.sep;
    if (!roots.includes(root)) roots.push(root);
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

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  if (specifier === "cohort") return { url: COHORT_URL, format: "module", shortCircuit: true };
  const parent = context.parentURL;
  const relative = specifier.startsWith("./") || specifier.startsWith("../") || specifier === "." || specifier === "..";
  if (!relative || parent === undefined || !isUserUrl(parent)) return nextResolve(specifier, context);
  const parentFile = filePath(parent);
  let resolved: Awaited<ReturnType<typeof nextResolve>>;
  const bare = specifier.replace(/[?#].*$/, "");
  const candidate = parentFile !== undefined ? tsCandidate(path.resolve(path.dirname(parentFile), bare)) : undefined;
  if (candidate !== undefined) {
    resolved = { url: pathToFileURL(candidate).href, shortCircuit: true };
  } else {
    resolved = await nextResolve(specifier, context);
  }
  const file = filePath(resolved.url);
  if (file !== undefined && !inNodeModules(file)) {
    userUrls.add(resolved.url);
    if (TS.test(file)) return { ...resolved, format: "module" };
  }
  return resolved;
};

export const load: LoadHook = async (url, context, nextLoad) => {
  const file = filePath(url);
  if (file === undefined || !TS.test(file) || !isUserUrl(url)) return nextLoad(url, context);
  const source = await readFile(file, "utf8");
  const { transform } = await import("esbuild");
  try {
    const result = await transform(source, {
      loader: "ts",
      format: "esm",
      sourcemap: "inline",
      sourcefile: path.basename(file),
      target: "node20",
      // esbuild renames a function whose name another binding of the module has (`const prepare =
      // project.operation(..., function prepare(job) {...})` would make `prepare2`); an operation's
      // name is its function's name, so names are kept as written.
      keepNames: true,
    });
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
