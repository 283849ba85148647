#!/usr/bin/env node
// The third step of `npm run build` (after tsc and bundle-vendor.mjs): bundles the CLI, dist/cli/main.js
// and the modules only it reaches, into dist/cli-bundle/ with esbuild: one module per command, and
// chunks for what commands share. bin/cohort runs dist/cli-bundle/main.js. Node loads a few modules
// faster than many (each is resolved, read, compiled and linked on its own): `cohort runs -g` loaded 36
// modules, and 18 once bundled.
//
// What cohort's library (dist/index.js) reaches is not bundled: a project module imports the library,
// and the CLI imports those modules from dist/ as they are, so that both share one copy of each (a
// Float, a UserError or a FlowProject is known by its class). Nor are the vendor bundles (one module
// each already), nor packages from node_modules. The modules that find files next to them (templates,
// bin/cohort, the worker and loader-hook scripts) sit at the same depth in dist/cli-bundle/ as in
// dist/, or fall back to dist/.
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
const shared = new Set(Object.keys(library.metafile.inputs).map((p) => path.resolve(root, p)));
const vendor = path.join(dist, "vendor") + path.sep;

fs.rmSync(outdir, { recursive: true, force: true });
const cli = await build({
  ...common,
  entryPoints: [path.join(dist, "cli", "main.js")],
  splitting: true,
  // Packages are loaded from node_modules as they are: esbuild's own API finds its binary from there.
  packages: "external",
  metafile: true,
  outdir,
  sourcemap: "linked",
  plugins: [
    {
      name: "shared modules stay in dist/",
      setup(b) {
        b.onResolve({ filter: /^\./ }, (args) => {
          const file = path.resolve(args.resolveDir, args.path);
          if (!shared.has(file) && !file.startsWith(vendor)) return undefined;
          const rel = path.relative(outdir, file).split(path.sep).join("/");
          return { path: rel.startsWith(".") ? rel : "./" + rel, external: true };
        });
      },
    },
  ],
});
// What was bundled and what was left shared, for the tests (test/cli/bundle.test.ts).
const relative = (files) => [...files].map((f) => path.relative(root, path.resolve(root, f)).split(path.sep).join("/")).sort();
const meta = { shared: relative(shared), bundled: relative(Object.keys(cli.metafile.inputs)) };
fs.writeFileSync(path.join(outdir, "modules.json"), JSON.stringify(meta, null, 1) + "\n");
