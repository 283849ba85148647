import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";

const SRC = path.join(ROOT, "src", "vendor");
const DIST = path.join(ROOT, "dist", "vendor");

/** The module specifiers a built module names: static and dynamic imports, and requires. */
function specifiers(text: string): string[] {
  const found = new Set<string>();
  const name = '"([\\w@./:-]+)"';
  for (const re of [`\\bfrom\\s*${name}`, `\\bimport\\s*${name}`, `\\bimport\\(\\s*${name}\\s*\\)`, `\\brequire\\(\\s*${name}\\s*\\)`].map((r) => new RegExp(r, "g"))) {
    for (const m of text.matchAll(re)) found.add(m[1]);
  }
  return [...found].sort();
}

describe("the build's vendor modules", () => {
  const names = fs.readdirSync(SRC).filter((f) => f.endsWith(".ts")).map((f) => f.replace(/\.ts$/, ".js"));

  it("exist for every library src/vendor re-exports", () => {
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(fs.existsSync(path.join(DIST, name)), name).toBe(true);
  });

  // Loaded as one module each, a library costs node far less than as its package's many modules.
  it.each(names)("%s is one bundle that imports node's built-ins only", (name) => {
    const text = fs.readFileSync(path.join(DIST, name), "utf8");
    const outside = specifiers(text).filter((s) => !s.startsWith("node:") && !builtinModules.includes(s));
    // nunjucks names these for watching template files, which cohort never asks for
    expect(outside.filter((s) => s !== "chokidar" && s !== "fsevents")).toEqual([]);
  });
});
