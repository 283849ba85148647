import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/**
 * A file of cohort's own package (`bin/cohort`, `templates/`, `dist/…`), by its path from the
 * package's root: the nearest directory above this module with a package.json. This module is in
 * src/util/ when tests run the sources and in whichever file of dist/ the bundler put it when built,
 * so its depth says nothing. From the sources, `dist/…` names the built files (test/global-setup.ts
 * builds them).
 */
export function packageFile(relative: string): string {
  if (root === undefined) {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    while (!fs.existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    root = dir;
  }
  return path.join(root, relative);
}
