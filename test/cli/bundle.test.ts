import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT as root } from "../helpers.js";

// The build (test/global-setup.ts) bundles the CLI into dist/cli-bundle/ (scripts/bundle-cli.mjs).
const outdir = path.join(root, "dist", "cli-bundle");
const modules = JSON.parse(fs.readFileSync(path.join(outdir, "modules.json"), "utf8")) as { shared: string[]; bundled: string[] };

describe("the CLI's bundle", () => {
  it("holds no module of the library: the CLI and a project module share one copy of each", () => {
    expect(modules.shared).toEqual(expect.arrayContaining(["dist/index.js", "dist/dataspace/value.js", "dist/util/errors.js", "dist/workflow/flow-project.js"]));
    expect(modules.bundled).toEqual(expect.arrayContaining(["dist/cli/main.js", "dist/cli/commands/runs-list.js", "dist/runs/ledger.js"]));
    expect(modules.bundled.filter((m) => modules.shared.includes(m) || m.startsWith("dist/vendor/"))).toEqual([]);
  });

  it("shares what main.js reaches with the command it runs: one copy of the debug switch, of UserError", () => {
    expect(modules.shared).toEqual(expect.arrayContaining(["dist/cli/context.js", "dist/util/errors.js"]));
  });

  it("is main.js and one module per command, which imports no other module of the bundle", () => {
    const files = fs.readdirSync(outdir).filter((f) => f.endsWith(".js"));
    const commands = fs.readdirSync(path.join(root, "dist", "cli", "commands")).filter((f) => f.endsWith(".js"));
    expect(files.sort()).toEqual(["main.js", ...commands].sort());
    for (const name of commands) {
      const text = fs.readFileSync(path.join(outdir, name), "utf8");
      expect([...text.matchAll(/(?:from|import)\s*\(?\s*"(\.\/[^"]+)"/g)].map((m) => m[1]), name).toEqual([]);
    }
    const main = fs.readFileSync(path.join(outdir, "main.js"), "utf8");
    expect([...main.matchAll(/import\("(\.\/[^"]+)"\)/g)].map((m) => m[1].slice(2)).sort()).toEqual([...new Set(commands)].sort());
  });

  it("holds no package: each is loaded from node_modules, where it finds its own files", () => {
    expect(modules.bundled.filter((m) => !m.startsWith("dist/"))).toEqual([]);
  });

  it("imports what it left out from dist/, where each such module is", () => {
    const imported = new Set<string>();
    for (const name of fs.readdirSync(outdir).filter((f) => f.endsWith(".js"))) {
      const text = fs.readFileSync(path.join(outdir, name), "utf8");
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.\.\/[^"]+)"/g)) imported.add(path.relative(root, path.resolve(outdir, m[1])).split(path.sep).join("/"));
    }
    expect([...imported].filter((m) => !fs.existsSync(path.join(root, m)))).toEqual([]);
    expect([...imported]).toEqual(expect.arrayContaining(["dist/util/errors.js", "dist/dataspace/value.js", "dist/vendor/commander.js"]));
    for (const m of imported) expect(modules.shared.includes(m) || m.startsWith("dist/vendor/")).toBe(true);
  });
});
