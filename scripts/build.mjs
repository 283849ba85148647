#!/usr/bin/env node
// `npm run build`: dist/ from src/, in one esbuild call, and the library's type declarations from tsc.
//
// The entry points are the library (dist/index.js, what a project module imports as `cohort`), the
// CLI (dist/cli/main.js, which bin/cohort imports), one per command (main.js imports a command's module
// only when that command runs), and the scripts node starts in a thread or process of their own. They
// are built together, so that code two of them reach is in one shared chunk (dist/chunks/): the CLI
// and a project module share one copy of each class (a Float, a UserError or a FlowProject is known by
// its class). Packages are bundled too (one copy, only what cohort uses), but esbuild, whose API finds
// its own binary from node_modules. dist/metafile.json says which source modules each file holds
// (test/cli/bundle.test.ts reads it).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = path.join(root, "dist");
const commands = fs.readdirSync(path.join(root, "src/cli/commands")).filter((f) => f.endsWith(".ts"));

fs.rmSync(dist, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: [
    "src/index.ts",
    "src/cli/main.ts",
    ...commands.map((f) => `src/cli/commands/${f}`),
    "src/workflow/loader-hooks.ts",
    // test/workflow/module-loader.test.ts loads it in a plain node process, as the CLI does
    "src/workflow/module-loader.ts",
    "src/execution/worker.ts",
    "src/execution/starter-process.ts",
  ],
  outdir: dist,
  outbase: "src",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  metafile: true,
  // nunjucks asks for chokidar and fsevents only to watch template files, which cohort never does
  external: ["esbuild", "chokidar", "fsevents"],
  // CommonJS packages (commander, nunjucks, cli-progress) call require, which an ES module lacks.
  banner: { js: 'import { createRequire as cohortCreateRequire } from "node:module";\nconst require = cohortCreateRequire(import.meta.url);' },
  logLevel: "warning",
});
fs.writeFileSync(path.join(dist, "metafile.json"), JSON.stringify(result.metafile) + "\n");

// The dashboard's page (`cohort ui`), for the browser: preact, uPlot and their CSS in page.js and
// page.css of dist/dashboard/page/, which the server serves as they are (nothing is fetched from the
// internet). A build of its own: the CLI never loads it.
await build({
  absWorkingDir: root,
  entryPoints: { page: "src/dashboard/page/main.tsx" },
  outdir: path.join(dist, "dashboard/page"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["chrome109", "firefox115", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: true,
  sourcemap: "linked",
  logLevel: "warning",
});
fs.copyFileSync(path.join(root, "src/dashboard/page/index.html"), path.join(dist, "dashboard/page/index.html"));

// The library's types (package.json `types`): declarations only, beside the JavaScript.
execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
