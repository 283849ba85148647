import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { COHORT, ROOT as root, tempDir } from "../helpers.js";

// The build (scripts/build.mjs, run by test/global-setup.ts) writes what each file of dist/ holds
// and imports to dist/metafile.json, as esbuild reports it.
interface Output {
  entryPoint?: string;
  imports: { path: string; kind: string; external?: boolean }[];
  inputs: Record<string, { bytesInOutput: number }>;
}
const meta = JSON.parse(fs.readFileSync(path.join(root, "dist", "metafile.json"), "utf8")) as { outputs: Record<string, Output> };
const outputs = Object.fromEntries(Object.entries(meta.outputs).filter(([file]) => file.endsWith(".js")));
/** The modules of src/ (and packages) that a file of dist/ holds. */
const sourcesIn = (file: string) => Object.keys(outputs[file].inputs).filter((i) => outputs[file].inputs[i].bytesInOutput > 0 && (i.startsWith("src/") || i.includes("node_modules/")));

/** The files node loads with `file` before any of its code runs (its static imports, transitively). */
function loadedWith(file: string): Set<string> {
  const seen = new Set<string>();
  const visit = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const i of outputs[f].imports) if (!i.external && i.kind === "import-statement") visit(i.path);
  };
  visit(file);
  return seen;
}

/** What running bin/cohort with `args` in `cwd` loads: files of dist/ (`dist/...`) and node's modules (`node:...`), from a module hook that notes each. */
function loadedBy(args: string[], cwd: string): string[] {
  const dir = tempDir();
  const log = path.join(dir, "loaded.txt");
  fs.writeFileSync(path.join(dir, "hooks.mjs"), `import fs from "node:fs";\nexport async function load(url, context, next) {\n  fs.appendFileSync(${JSON.stringify(log)}, url + "\\n");\n  return next(url, context);\n}\n`);
  fs.writeFileSync(path.join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(path.join(dir, "hooks.mjs")).href)});\n`);
  const r = spawnSync(process.execPath, [COHORT, ...args], { cwd, env: { ...process.env, NODE_OPTIONS: `--import ${pathToFileURL(path.join(dir, "register.mjs")).href}` }, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  const dist = pathToFileURL(path.join(root, "dist")).href + "/";
  return fs
    .readFileSync(log, "utf8")
    .split("\n")
    .filter((u) => u.startsWith(dist) || u.startsWith("node:"))
    .map((u) => (u.startsWith(dist) ? "dist/" + u.slice(dist.length) : u));
}

describe("the build", () => {
  it("has the library, the CLI, each command and the scripts node starts on their own as entry points", () => {
    // The rest is in dist/chunks/: what two of them share, and modules the code imports dynamically.
    const entries = Object.entries(outputs).filter(([file]) => !file.startsWith("dist/chunks/")).map(([file, o]) => [file, o.entryPoint]);
    const commands = fs.readdirSync(path.join(root, "src", "cli", "commands")).map((f) => [`dist/cli/commands/${f.replace(/\.ts$/, ".js")}`, `src/cli/commands/${f}`]);
    const others = ["index", "cli/main", "workflow/loader-hooks", "workflow/module-loader", "execution/worker", "execution/starter-process"].map((m) => [`dist/${m}.js`, `src/${m}.ts`]);
    expect(entries.sort()).toEqual([...others, ...commands].sort());
    for (const [file] of entries) expect(fs.existsSync(path.join(root, file!))).toBe(true);
    // package.json's `types`: tsc's declarations
    expect(fs.existsSync(path.join(root, "dist", "index.d.ts"))).toBe(true);
  });

  it("holds each module in one file: the CLI and a project module share one copy of each class", () => {
    const holders = new Map<string, string[]>();
    for (const file of Object.keys(outputs)) for (const input of sourcesIn(file)) holders.set(input, [...(holders.get(input) ?? []), file]);
    expect([...holders].filter(([, files]) => files.length > 1)).toEqual([]);
    const library = loadedWith("dist/index.js");
    const cli = new Set([...loadedWith("dist/cli/main.js"), ...loadedWith("dist/cli/commands/run.js")]);
    for (const input of ["src/util/errors.ts", "src/dataspace/value.ts", "src/workflow/flow-project.ts"]) {
      const [file] = holders.get(input)!;
      expect(library.has(file) && cli.has(file), input).toBe(true);
    }
  });

  it("loads a command's code only when it runs: `cohort runs` loads no module of submit or status", () => {
    const dir = tempDir();
    expect(spawnSync(process.execPath, [COHORT, "init", "x={1,2}"], { cwd: dir }).status).toBe(0);
    const sources = loadedBy(["runs"], dir).filter((f) => f.startsWith("dist/")).flatMap((file) => sourcesIn(file));
    expect(sources).toContain("src/cli/commands/runs-list.ts");
    expect(sources.filter((s) => /^src\/status\/|^src\/schedulers\/(submit|script)\.ts$|^src\/cli\/commands\/(submit|status|run)\.ts$|nunjucks/.test(s))).toEqual([]);
    const version = loadedBy(["--version"], dir).filter((f) => f.startsWith("dist/")).flatMap((file) => sourcesIn(file));
    expect(version.filter((s) => s.startsWith("src/cli/commands/"))).toEqual([]);
  });

  it("loads for a listing only what it shows: neither node's crypto module nor the code of schedulers, metrics or --json", () => {
    const dir = tempDir();
    expect(spawnSync(process.execPath, [COHORT, "init"], { cwd: dir }).status).toBe(0);
    fs.writeFileSync(path.join(dir, "cohort.toml"), '[project]\nname = "p"\n\n[operations.noop]\ncommand = "true"\nflags = { i = 0 }\n');
    expect(spawnSync(process.execPath, [COHORT, "run", "noop", "i={1,2}", "--quiet"], { cwd: dir }).status).toBe(0);
    for (const args of [["runs"], ["runs", "-g"]]) {
      loadedBy(args, dir); // writes the listing cache, which the next listing reads
      const loaded = loadedBy(args, dir);
      const sources = loaded.filter((f) => f.startsWith("dist/")).flatMap((file) => sourcesIn(file));
      expect(sources, args.join(" ")).toContain("src/runs/listing-cache.ts");
      expect(loaded.filter((f) => f === "node:crypto"), args.join(" ")).toEqual([]);
      expect(sources.filter((s) => /^src\/schedulers\/(scheduler|slurm|pbs|lsf)\.ts$|^src\/runs\/(compare|metrics|metrics-cache)\.ts$|^src\/dataspace\/json\.ts$/.test(s)), args.join(" ")).toEqual([]);
    }
  });

  it("bundles the packages it uses: its files import node's built-ins, each other and esbuild only", () => {
    const outside = new Set<string>();
    for (const o of Object.values(outputs)) for (const i of o.imports) if (i.external && !i.path.startsWith("node:") && !builtinModules.includes(i.path)) outside.add(i.path);
    // esbuild's API finds its binary from node_modules; nunjucks names chokidar (and fsevents) only to watch template files, which cohort never asks for
    expect([...outside].filter((p) => p !== "chokidar" && p !== "fsevents").sort()).toEqual(["esbuild"]);
    const packages = new Set(Object.values(outputs).flatMap((o) => Object.keys(o.inputs).map((i) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(i)?.[1]).filter((p) => p !== undefined)));
    expect([...packages]).toEqual(expect.arrayContaining(["commander", "nunjucks", "toml-eslint-parser", "cli-progress", "zod", "uuid"]));
  });
});

describe("the dashboard's page", () => {
  it("is built apart: the CLI's files hold neither preact nor uPlot, the page's hold both and fetch nothing from the internet", () => {
    for (const file of Object.keys(outputs)) expect(sourcesIn(file).filter((s) => /node_modules\/(preact|uplot)\//.test(s)), file).toEqual([]);
    const page = path.join(root, "dist", "dashboard", "page");
    const js = fs.readFileSync(path.join(page, "page.js"), "utf8");
    const css = fs.readFileSync(path.join(page, "page.css"), "utf8");
    expect(js).toContain("uplot"); // uPlot's own class names
    expect(css).toContain(".uplot");
    expect(fs.readFileSync(path.join(page, "index.html"), "utf8")).toMatch(/src="page\.js"/);
    // the only addresses are the XML namespaces preact names elements by
    const urls = new Set([...(js + css).matchAll(/https?:\/\/[^"'\s)]*/g)].map((m) => m[0]));
    expect([...urls].filter((u) => !u.startsWith("http://www.w3.org/"))).toEqual([]);
  });
});
