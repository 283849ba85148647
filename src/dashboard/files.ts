/**
 * Files the dashboard serves: only from inside the project (SPEC §15). A path is refused when a part
 * of it is `..` (after decoding, so `%2e%2e` is `..` too) or when, symlinks followed, it leads out of
 * the project.
 */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../util/errors.js";

/** The real path of `relative` (a path inside the project, `/`-separated), or a UserError. */
export function projectFile(root: string, relative: string): string {
  const parts = relative.split(/[/\\]/).filter((p) => p !== "" && p !== ".");
  if (parts.length === 0 || parts.some((p) => p === ".." || p.includes("\0"))) throw new UserError(`${JSON.stringify(relative)} is not a path inside the project`, "paths are relative to the project and never go up");
  let real: string;
  try {
    real = fs.realpathSync(path.join(root, ...parts));
  } catch {
    throw new NotFound(`no file ${relative} in the project`);
  }
  const top = fs.realpathSync(root);
  if (real !== top && !real.startsWith(top + path.sep)) throw new UserError(`${relative} leads out of the project`, "files are served only from inside the project");
  return real;
}

export class NotFound extends Error {}

export interface FileEntry {
  /** Relative to the directory listed, `/`-separated. */
  path: string;
  size: number;
  dir: boolean;
}

/** The files under `dir`, at most `max`, breadth first (what a job page lists). */
export function listFiles(dir: string, max = 500): FileEntry[] {
  const out: FileEntry[] = [];
  const queue = [""];
  while (queue.length > 0 && out.length < max) {
    const rel = queue.shift()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (out.length >= max) break;
      const p = rel ? `${rel}/${e.name}` : e.name;
      let size = 0;
      try {
        size = e.isFile() ? fs.statSync(path.join(dir, p)).size : 0;
      } catch {
        // gone meanwhile
      }
      out.push({ path: p, size, dir: e.isDirectory() });
      if (e.isDirectory()) queue.push(p);
    }
  }
  return out;
}
