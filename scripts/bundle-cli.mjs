#!/usr/bin/env node
// The third step of `npm run build` (after tsc and bundle-vendor.mjs): bundles the CLI into
// dist/cli-bundle/ with esbuild: main.js, and one module per command (`<command>.js`), which main.js
// imports when that command runs. bin/cohort runs dist/cli-bundle/main.js. Node loads a few modules
// faster than many (each is resolved, read, compiled and linked on its own, about a millisecond each
// here): `cohort runs -g` loaded 36 modules from dist/cli/, 18 from a bundle split into chunks, and
// 10 now.
//
// What cohort's library (dist/index.js) reaches is not bundled: a project module imports the library,
// and the CLI imports those modules from dist/ as they are, so that both share one copy of each (a
// Float, a UserError or a FlowProject is known by its class). Nor is what main.js reaches, which the
// command it runs shares with it. Nor are the vendor bundles (one module each already), nor packages
// from node_modules. What commands share besides is copied into each: a process runs one command. The
// modules that find files next to them (templates, bin/cohort, the worker and loader-hook scripts) sit
// at the same depth in dist/cli-bundle/ as in dist/, or fall back to dist/.
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = path.join(root, "dist");
const outdir = path.join(dist, "cli-bundle");
const common = { bundle: true, format: "esm", platform: "node", target: "node20", absWorkingDir: root, logLevel: "warning" };

// The library's modules, as esbuild finds them from its entry.
const library = await build({ ...common, entryPoints: [path.join(dist, "index.js")], write: false, metafile: true, outdir });
const libraryFiles = Object.keys(library.metafile.inputs).map((p) => path.resolve(root, p));
const vendor = path.join(dist, "vendor") + path.sep;
const main = path.join(dist, "cli", "main.js");
const commandsDir = path.join(dist, "cli", "commands") + path.sep;

/**
 * An esbuild plugin: `shared` modules (and the vendor bundles) are imported from dist/ as they are;
 * with `commands`, a command's module is imported as the bundle of that command, beside main.js.
 */
const leaveOut = (shared, commands = false) => ({
  name: "modules left out",
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      const file = path.resolve(args.resolveDir, args.path);
      if (commands && file.startsWith(commandsDir)) return { path: "./" + path.basename(file), external: true };
      if (!shared.has(file) && !file.startsWith(vendor)) return undefined;
      const rel = path.relative(outdir, file).split(path.sep).join("/");
      return { path: rel.startsWith(".") ? rel : "./" + rel, external: true };
    });
  },
});

// What main.js reaches (but its commands): shared too, so that main.js and the command it runs share
// one copy of each (the debug switch of cli/context.js, the class of a UserError).
const mainGraph = await build({ ...common, entryPoints: [main], write: false, metafile: true, outdir, packages: "external", plugins: [leaveOut(new Set(), true)] });
const shared = new Set([...libraryFiles, ...Object.keys(mainGraph.metafile.inputs).map((p) => path.resolve(root, p))].filter((f) => f !== main && !f.startsWith(vendor)));

fs.rmSync(outdir, { recursive: true, force: true });
// Packages are loaded from node_modules as they are: esbuild's own API finds its binary from there.
const bundle = { ...common, packages: "external", metafile: true, outdir, sourcemap: "linked", entryNames: "[name]" };
const mainBuild = await build({ ...bundle, entryPoints: [main], plugins: [leaveOut(shared, true)] });
// A process runs one command: each is one module, with what it alone reaches (copies of what commands share).
const commandFiles = fs.readdirSync(commandsDir).filter((f) => f.endsWith(".js")).map((f) => path.join(commandsDir, f));
const commandBuild = await build({ ...bundle, entryPoints: commandFiles, plugins: [leaveOut(shared)] });
const cli = { metafile: { inputs: { ...mainBuild.metafile.inputs, ...commandBuild.metafile.inputs } } };
// What was bundled and what was left shared, for the tests (test/cli/bundle.test.ts).
const relative = (files) => [...files].map((f) => path.relative(root, path.resolve(root, f)).split(path.sep).join("/")).sort();
const meta = { shared: relative(shared), bundled: relative(Object.keys(cli.metafile.inputs)) };
fs.writeFileSync(path.join(outdir, "modules.json"), JSON.stringify(meta, null, 1) + "\n");
