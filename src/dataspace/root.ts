/**
 * Where a project is: the nearest directory, looking upwards, that holds `cohort.toml` or a signac
 * `.signac/` of schema version 2. Apart from the project itself, so that commands that need only the
 * root (the run commands) do not load the data space.
 */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../util/errors.js";
import { isErrno, readTextFile } from "../util/fs.js";

export const PROJECT_FILE = "cohort.toml";
export const SIGNAC_DIR = ".signac";

/** Walks up from `start` to the nearest directory holding `cohort.toml` or `.signac/`. */
export function findProjectRoot(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, PROJECT_FILE)) || isDirectory(path.join(dir, SIGNAC_DIR))) return dir;
    for (const old of ["signac.rc", ".signac.rc"]) {
      if (fs.existsSync(path.join(dir, old))) {
        throw new UserError(
          `${path.join(dir, old)} marks a signac project of schema version 1, which cohort does not open`,
          "migrate it with signac 2: run 'signac migrate' in that directory",
        );
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new UserError(`not inside a cohort or signac project: ${path.resolve(start)}`, "run 'cohort init' or pass -C DIR");
    }
    dir = parent;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function checkSchemaVersion(root: string): void {
  let text: string;
  try {
    text = readTextFile(path.join(root, SIGNAC_DIR, "config"));
  } catch (err) {
    if (isErrno(err, "ENOENT")) return;
    throw err;
  }
  const m = /^\s*schema_version\s*=\s*"?(\d+)"?\s*$/m.exec(text);
  if (m && m[1] !== "2") {
    throw new UserError(
      `${root} is a signac project of schema version ${m[1]}; cohort opens version 2`,
      "migrate it with signac 2: run 'signac migrate' in that directory",
    );
  }
}

/** The root of the project that holds `dir`, checked to be one cohort opens. */
export function projectRootOf(dir: string = process.cwd()): string {
  const root = findProjectRoot(dir);
  checkSchemaVersion(root);
  return root;
}

/**
 * Where a project's directory was when a command began, to tell whether it has been moved (or removed)
 * since: its path then names another directory, or none. Work that goes on through open files (the
 * run journal) still reaches it; anything reached by its path would not.
 */
export class ProjectPlace {
  private readonly identity: string | undefined;

  constructor(readonly root: string) {
    this.identity = identityOf(root);
  }

  /** Whether the path no longer names the directory it named (one stat). */
  moved(): boolean {
    return this.identity !== undefined && identityOf(this.root) !== this.identity;
  }
}

function identityOf(dir: string): string | undefined {
  const st = fs.statSync(dir, { bigint: true, throwIfNoEntry: false });
  return st ? `${st.dev}:${st.ino}` : undefined;
}
