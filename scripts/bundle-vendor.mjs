#!/usr/bin/env node
// After tsc (npm run build): replaces each dist/vendor/*.js, which re-exports what cohort uses of a
// library, with that library bundled into one ES module by esbuild. Node loads one module much faster
// than a package's many: zod's own modules (about 95) took about 100 ms on every command that reads
// cohort.toml, and commander, nunjucks and smol-toml about 30 ms between them. A bundle of zod/mini
// keeps only the functions src/vendor/zod.ts names. From source (the tests), src/vendor is used as
// it is.
import { buildSync } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../dist/vendor/", import.meta.url));
const sources = fileURLToPath(new URL("../src/vendor/", import.meta.url));
// tsc leaves what an earlier build made: a library no longer in src/vendor (smol-toml) would be bundled again
for (const file of fs.readdirSync(dir).filter((f) => /\.(js|d\.ts)$/.test(f))) {
  if (!fs.existsSync(path.join(sources, file.replace(/\.(js|d\.ts)$/, ".ts")))) fs.rmSync(path.join(dir, file));
}
// CommonJS packages (commander, nunjucks, cli-progress) call require; an ES module has none of its own.
const banner = { js: 'import { createRequire as cohortCreateRequire } from "node:module";\nconst require = cohortCreateRequire(import.meta.url);' };
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".js"))) {
  const out = path.join(dir, file);
  buildSync({
    entryPoints: [out],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outfile: out,
    allowOverwrite: true,
    banner,
    // nunjucks asks for them only to watch template files, which cohort never does
    external: ["chokidar", "fsevents"],
    logLevel: "warning",
  });
  // tsc's source map was of the re-export
  fs.rmSync(out + ".map", { force: true });
}
