/**
 * A linked view of the data space, as signac's `view` makes: a tree of directories named after the
 * state-point values that tell the jobs apart, each ending in a `job` symbolic link to a job's
 * directory, for browsing the data with a shell or a file manager (`view/N/64/T/1.0/job/`).
 *
 * - The path of a job is `KEY/VALUE/...` for each key whose value is not the same in every job of the
 *   view, keys sorted, nested objects' keys dotted (`a.b`); a key a job lacks is left out of its path.
 *   Values are written as `cohort init` reads them (`1` an integer, `1.0` a float, a string as it is
 *   unless it would read as another value: `'1'`). A single job is `job` itself.
 * - The view is brought up to date in place: links to jobs no longer in it are removed with the
 *   directories that held only them; links are made relative, so the project can move with its view.
 *   Only symbolic links named `job` are ever removed: anything else under the view's directory stays.
 */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../util/errors.js";
import { CONTROL } from "../util/text.js";
import { dumpJson } from "./json.js";
import { leafValues } from "./keys.js";
import { formatScalar, parseScalar } from "./multivalue.js";
import type { Job } from "./job.js";
import { isPlainObject, type JsonValue } from "./value.js";

const LEAF = "job";

function readsAsItself(text: string): boolean {
  try {
    return parseScalar(text) === text;
  } catch {
    return false; // (text cohort init refuses bare, such as a lone `"`)
  }
}

/** The longest directory name file systems take (NAME_MAX), in bytes. */
const NAME_MAX = 255;

/** A value as one directory name, or a UserError naming the job and key when it cannot be one. */
function component(v: JsonValue, key: string, job: Job): string {
  // (a string as it is, unless cohort init would read it as another value: `'1'`, `'true'`)
  const text = typeof v === "string" && readsAsItself(v) ? v : Array.isArray(v) || isPlainObject(v) ? dumpJson(v) : formatScalar(v);
  for (const [name, kind] of [[key, "key"], [text, "value"]] as const) {
    // (a name too long would fail as ENAMETOOLONG with the whole path in the message: megabytes for a long list)
    if (name === "." || name === ".." || name.includes("/") || CONTROL.test(name) || Buffer.byteLength(name) > NAME_MAX) {
      const shown = name.length > 60 ? `${JSON.stringify(name.slice(0, 40)).slice(0, -1)}..." (${Buffer.byteLength(name)} bytes)` : JSON.stringify(name);
      throw new UserError(
        `job ${job.id} cannot be in a view: its state-point ${kind} ${shown}${kind === "value" ? ` (of ${shortKey(key)})` : ""} cannot be a directory name`,
        "a view's directories are named after keys and values: leave the job out with -f, or -j",
      );
    }
  }
  return text;
}

function shortKey(key: string): string {
  return key.length > 60 ? key.slice(0, 40) + "..." : key;
}

/** The path of each job in a view of `jobs` (relative, ending in `job`), by path. */
export function viewPaths(jobs: readonly Job[]): Map<string, Job> {
  const flat = jobs.map((job) => leafValues(job.spData));
  const all = new Set(flat.flatMap((m) => [...m.keys()]));
  const varying = [...all]
    .filter((key) => {
      const first = flat[0].has(key) ? dumpJson(flat[0].get(key)!) : undefined;
      return flat.some((m) => (m.has(key) ? dumpJson(m.get(key)!) : undefined) !== first);
    })
    .sort();
  const paths = new Map<string, Job>();
  jobs.forEach((job, i) => {
    const parts: string[] = [];
    for (const key of varying) if (flat[i].has(key)) parts.push(component(key, key, job), component(flat[i].get(key)!, key, job));
    parts.push(LEAF);
    const p = parts.join("/");
    const other = paths.get(p);
    if (other) throw new UserError(`jobs ${other.id} and ${job.id} would have the same place in the view, ${p}`, "leave one of them out with -f, or -j");
    paths.set(p, job);
  });
  return paths;
}

export interface ViewUpdate {
  made: number;
  kept: number;
  removed: number;
}

/** The relative paths of the `job` links under `dir`. */
function existingLinks(dir: string, rel = "", out: string[] = []): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return out;
    throw err;
  }
  for (const e of entries) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isSymbolicLink() && e.name === LEAF) out.push(p);
    else if (e.isDirectory()) existingLinks(dir, p, out);
  }
  return out;
}

/** Removes the directories of `rel` that are empty once its link is gone, up to the view's directory. */
function removeEmptyParents(dir: string, rel: string): void {
  for (let d = path.dirname(rel); d !== "."; d = path.dirname(d)) {
    try {
      fs.rmdirSync(path.join(dir, d));
    } catch {
      return; // not empty (or gone): what is above it is not empty either
    }
  }
}

/** Makes the view in `dir` hold exactly `paths` (viewPaths), changing only what differs. */
export function updateView(dir: string, paths: Map<string, Job>): ViewUpdate {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UserError(`${dir} is not a directory`, "name a directory for the view");
  const result: ViewUpdate = { made: 0, kept: 0, removed: 0 };
  for (const rel of existingLinks(dir)) {
    const job = paths.get(rel);
    const link = path.join(dir, rel);
    if (job && fs.readlinkSync(link) === path.relative(path.dirname(link), job.path)) {
      result.kept++;
      continue;
    }
    fs.unlinkSync(link);
    if (!job) {
      result.removed++;
      removeEmptyParents(dir, rel);
    }
  }
  for (const [rel, job] of paths) {
    const link = path.join(dir, rel);
    try {
      if (fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) continue;
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(path.relative(path.dirname(link), job.path), link);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST" || code === "ENOTDIR") {
        throw new UserError(`a file in ${path.dirname(link)} is in the way of the view's link to job ${job.id}`, "move it away, or choose another directory for the view");
      }
      throw err;
    }
    result.made++;
  }
  return result;
}
