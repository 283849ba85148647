#!/usr/bin/env node
// After tsc (npm run build): replaces dist/vendor/zod.js, a re-export of zod, with zod bundled into
// one ES module, which loads in less than half the time (see src/vendor/zod.ts).
import { buildSync } from "esbuild";
import fs from "node:fs";
import { fileURLToPath } from "node:url";

const out = fileURLToPath(new URL("../dist/vendor/zod.js", import.meta.url));
buildSync({ stdin: { contents: 'export { z } from "zod";', resolveDir: fileURLToPath(new URL("..", import.meta.url)) }, bundle: true, format: "esm", platform: "node", target: "node20", outfile: out, logLevel: "warning" });
// tsc's source map was of the re-export
fs.rmSync(out + ".map", { force: true });
