/**
 * The project module loader, tested as the CLI uses it: a plain Node process (the built dist/, as
 * bin/cohort runs it) loads user modules written in temporary directories outside the repository,
 * which have no node_modules of their own.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { readCheckedFile, writeCheckedFile } from "../../src/util/checked-file.js";
import { ROOT, tempDir } from "../helpers.js";

const LOADER = pathToFileURL(path.join(ROOT, "dist", "workflow", "module-loader.js")).href;

/** What the runner prints per root: the definition (functions by name) or the error. */
type Outcome = { definition?: Record<string, unknown> & { operations: Op[]; groups: Group[] }; none?: true; error?: { name: string; message: string; hint?: string } };
interface Op {
  name: string;
  directives: Record<string, unknown>;
  pre: unknown[];
  post: unknown[];
  body: { kind: string; fn: string; cmd: boolean };
  origin: string;
}
interface Group {
  name: string;
  operations: string[];
  directives: Record<string, Record<string, unknown>>;
}

const RUNNER = `
import { loadProjectModule } from ${JSON.stringify(LOADER)};
const out = [];
for (const root of process.argv.slice(2)) {
  try {
    const d = await loadProjectModule(root);
    out.push(d === undefined ? { none: true } : { definition: JSON.parse(JSON.stringify(d, (k, v) => typeof v === "function" ? "fn:" + v.name : v)) });
  } catch (e) {
    out.push({ error: { name: e.name, message: e.message, hint: e.hint } });
  }
}
process.stdout.write(JSON.stringify(out));
`;

function load(...roots: string[]): Outcome[] {
  const dir = tempDir("cohort-runner-");
  const runner = path.join(dir, "runner.mjs");
  fs.writeFileSync(runner, RUNNER);
  const r = spawnSync(process.execPath, [runner, ...roots], { encoding: "utf8", cwd: dir });
  if (r.status !== 0) throw new Error(`runner failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Outcome[];
}

function project(files: Record<string, string>): string {
  const dir = path.join(tempDir(), "proj");
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const SEED_A_WRAPPERS = `import { FlowProject, post, pre } from "cohort";
import type { Job } from "cohort";

const project = new FlowProject();
const ex = project.makeGroup({ name: "ex" });

project.operation(ex, post.isFile("a.txt"), async function op1(job: Job): Promise<void> {
  await job.writeFile("a.txt", "a");
});
project.operation(ex, pre.after("op1"), post.isFile("b.txt"), async function op2(job: Job) {
  await job.writeFile("b.txt", "b");
});

export default project;
`;

const SEED_A_OPTIONS = `import { FlowProject, post, pre } from "cohort";

const project = new FlowProject();
const ex = project.makeGroup({ name: "ex" });

project.operation("op1", { groups: [ex], post: [post.isFile("a.txt")] }, async (job) => job.writeFile("a.txt", "a"));
project.operation("op2", { groups: [ex], pre: [pre.after("op1")], post: [post.isFile("b.txt")] }, async (job) => job.writeFile("b.txt", "b"));

export default project;
`;

const SEED_B_WRAPPERS = `import { FlowProject, directives, post } from "cohort";

const project = new FlowProject();
const ex = project.makeGroup({ name: "ex" });

project.operation(
  ex.withDirectives({ ngpu: 2 }),
  directives({ ngpu: 1 }),
  post.isFile("out.txt"),
  async function op1(job) { await job.writeFile("out.txt", String(job.sp.T)); },
);

export default project;
`;

const SEED_B_OPTIONS = `import { FlowProject, post } from "cohort";

const project = new FlowProject();
const ex = project.makeGroup({ name: "ex" });

project.operation(
  "op1",
  { directives: { ngpu: 1 }, groups: [{ group: ex, directives: { ngpu: 2 } }], post: [post.isFile("out.txt")] },
  async (job) => { await job.writeFile("out.txt", String(job.sp.T)); },
);

export default project;
`;

function expectSeedA(outcome: Outcome, groupLine: number): void {
  expect(outcome.error).toBeUndefined();
  const def = outcome.definition!;
  expect(def.operations.map((o) => o.name)).toEqual(["op1", "op2"]);
  expect(def.groups).toEqual([{ name: "ex", operations: ["op1", "op2"], directives: {}, origin: `project.ts:${groupLine}` }]);
  expect(def.operations[1].pre).toEqual([{ kind: "after", operations: ["op1"] }]);
  expect(def.operations[1].post).toEqual([{ kind: "isfile", file: "b.txt" }]);
}

function expectSeedB(outcome: Outcome, file = "project.ts", groupLine = 4): void {
  expect(outcome.error).toBeUndefined();
  const def = outcome.definition!;
  expect(def.operations).toHaveLength(1);
  expect(def.operations[0]).toMatchObject({ name: "op1", directives: { ngpu: 1 }, post: [{ kind: "isfile", file: "out.txt" }], body: { kind: "function", cmd: false } });
  expect(def.groups).toEqual([{ name: "ex", operations: ["op1"], directives: { op1: { ngpu: 2 } }, origin: `${file}:${groupLine}` }]);
}

describe("loadProjectModule: the seed examples in TypeScript, no build step", () => {
  it("loads both examples in both forms, several projects in one process", () => {
    const roots = [SEED_A_WRAPPERS, SEED_A_OPTIONS, SEED_B_WRAPPERS, SEED_B_OPTIONS].map((text) => project({ "project.ts": text }));
    const [aw, ao, bw, bo] = load(...roots);
    expectSeedA(aw, 5);
    expectSeedA(ao, 4);
    expectSeedB(bw);
    expectSeedB(bo);
    // Origins are the user's lines, through the source map (the type annotations are gone in the output).
    expect(aw.definition!.operations.map((o) => o.origin)).toEqual(["project.ts:7", "project.ts:10"]);
    expect(ao.definition!.operations[0].body.fn).toBe("fn:");
  });
});

describe("loadProjectModule: finding and importing the module", () => {
  it("returns undefined without a project module", () => {
    expect(load(project({ "cohort.toml": "" }))).toEqual([{ none: true }]);
  });

  it("loads a .mjs project", () => {
    const root = project({ "project.mjs": SEED_B_WRAPPERS });
    expectSeedB(load(root)[0], "project.mjs");
  });

  it("loads a .js project and a .mts project", () => {
    const js = project({ "project.js": SEED_B_WRAPPERS });
    const mts = project({ "project.mts": SEED_B_OPTIONS });
    const [a, b] = load(js, mts);
    expectSeedB(a, "project.js");
    expectSeedB(b, "project.mts");
  });

  it("keeps the names written: a function named like the const that holds it is not renamed", () => {
    const source = (ext: string) => `import { FlowProject, pre } from "cohort";
const project = new FlowProject();
const prepare = project.operation(function prepare(job${ext === "ts" ? ": unknown" : ""}) {});
project.operation(pre.after(prepare), function simulate() {});
export default project;
`;
    const outcomes = load(...["ts", "mts", "mjs", "js"].map((ext) => project({ [`project.${ext}`]: source(ext) })));
    for (const o of outcomes) {
      expect(o.definition!.operations.map((op) => op.name)).toEqual(["prepare", "simulate"]);
      expect(o.definition!.operations[1].pre).toEqual([{ kind: "after", operations: ["prepare"] }]);
    }
  });

  it("prefers project.ts to project.mjs", () => {
    const root = project({ "project.ts": SEED_B_WRAPPERS, "project.mjs": "throw new Error('not me');\n" });
    expectSeedB(load(root)[0]);
  });

  it("transpiles the sibling TypeScript modules project.ts imports, by .js name, own name or no extension", () => {
    const root = project({
      "project.ts": `import { FlowProject, directives } from "cohort";
import { gpus } from "./helper.js";
import { name } from "./lib/names";
import { walltime } from "./more.ts";

const project = new FlowProject();
project.operation(name(), directives({ ngpu: gpus(), walltime }), () => {});
export default project;
`,
      "helper.ts": `export function gpus(): number { return 3 as number; }\n`,
      "lib/names.ts": `const prefix: string = "op";\nexport const name = (): string => prefix + "1";\n`,
      "more.ts": `export const walltime: string = "2h";\n`,
    });
    const [outcome] = load(root);
    expect(outcome.error).toBeUndefined();
    expect(outcome.definition!.operations[0]).toMatchObject({ name: "op1", directives: { ngpu: 3, walltime: "2h" } });
  });

  it("accepts a named export project", () => {
    const root = project({ "project.ts": SEED_B_WRAPPERS.replace("export default project;", "export { project };") });
    expectSeedB(load(root)[0]);
  });

  it("uses the running cohort even when the project has a node_modules/cohort of its own", () => {
    const root = project({
      "project.ts": SEED_B_WRAPPERS,
      "package.json": JSON.stringify({ type: "module", dependencies: { cohort: "*" } }),
      "node_modules/cohort/package.json": JSON.stringify({ name: "cohort", type: "module", main: "index.js" }),
      "node_modules/cohort/index.js": `throw new Error("the project's own copy of cohort was loaded");\n`,
    });
    expectSeedB(load(root)[0]);
  });
});

describe("loadProjectModule: where the hooks run", () => {
  it("in cohort's own thread where node has module.registerHooks, else in a loader thread of node's", () => {
    const root = project({ "project.ts": SEED_B_WRAPPERS });
    const dir = tempDir("cohort-runner-");
    const runner = path.join(dir, "runner.mjs");
    fs.writeFileSync(
      runner,
      `import module from "node:module";
import { loadProjectModule } from ${JSON.stringify(LOADER)};
await loadProjectModule(${JSON.stringify(root)});
const inThread = globalThis[Symbol.for("cohort.loaderHooksInThread")] !== undefined;
const loaderThread = globalThis[Symbol.for("cohort.loaderHooks")] !== undefined;
process.stdout.write(JSON.stringify({ registerHooks: typeof module.registerHooks === "function", inThread, loaderThread }));`,
    );
    const r = spawnSync(process.execPath, [runner], { encoding: "utf8", cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const { registerHooks, inThread, loaderThread } = JSON.parse(r.stdout) as Record<string, boolean>;
    expect({ inThread, loaderThread }).toEqual({ inThread: registerHooks, loaderThread: !registerHooks });
  });
});

/** A cache entry of the transpiled modules, as the loader wrote it. */
interface CacheEntry {
  esbuild: string;
  options: Record<string, unknown>;
  source: string;
  code: string;
}

const entryFile = (root: string, name: string) => path.join(root, ".cohort", "cache", "modules", name);
const readEntry = (file: string) => JSON.parse(readCheckedFile(file)!.toString("utf8")) as CacheEntry;
/** A module that defines one operation by this name: what a tampered entry holds instead of the source's code. */
const moduleDefining = (name: string) => `import { FlowProject } from "cohort";\nconst project = new FlowProject();\nproject.operation(${JSON.stringify(name)}, {}, () => {});\nexport default project;\n`;

describe("loadProjectModule: the cache of transpiled modules", () => {
  it("keeps what esbuild made of each user module, which a later process uses without transpiling", () => {
    const source = SEED_B_WRAPPERS.replace("import { FlowProject", 'import { helper } from "./lib/helper.js";\nimport { FlowProject').replace("directives({ ngpu: 1 })", "directives({ ngpu: helper })");
    const root = project({ "project.ts": source, "lib/helper.ts": "export const helper: number = 1;\n" });
    expectSeedB(load(root)[0], "project.ts", 5);
    const entry = readEntry(entryFile(root, "project.ts.json"));
    expect(entry.source).toBe(fs.readFileSync(path.join(root, "project.ts"), "utf8"));
    expect(entry.code).toContain("op1");
    expect(entry.code).not.toContain(": number");
    expect(readEntry(entryFile(root, "lib%2Fhelper.ts.json")).source).toBe("export const helper: number = 1;\n");
    // An entry whose code differs from what esbuild would make shows that the next process took it.
    writeCheckedFile(entryFile(root, "project.ts.json"), JSON.stringify({ ...entry, code: moduleDefining("from_the_cache") }));
    expect(load(root)[0].definition!.operations.map((o) => o.name)).toEqual(["from_the_cache"]);
  });

  it("transpiles again when the source, esbuild's version or the options differ, or the entry is damaged", () => {
    const root = project({ "project.ts": SEED_B_WRAPPERS });
    load(root);
    const file = entryFile(root, "project.ts.json");
    const entry = readEntry(file);
    const stale: [string, CacheEntry][] = [
      ["source", { ...entry, source: entry.source + "\n" }],
      ["esbuild", { ...entry, esbuild: "0.0.1" }],
      ["options", { ...entry, options: { ...entry.options, target: "node18" } }],
    ];
    for (const [what, e] of stale) {
      writeCheckedFile(file, JSON.stringify({ ...e, code: moduleDefining("stale") }));
      const [outcome] = load(root);
      expect(outcome.definition?.operations.map((o) => o.name), what).toEqual(["op1"]);
      expect(readEntry(file), what).toEqual(entry); // written anew
    }
    // Damage: the check fails, or the body is no entry.
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("op1", "op2"));
    expectSeedB(load(root)[0]);
    writeCheckedFile(file, "[]");
    expectSeedB(load(root)[0]);
    expect(readEntry(file)).toEqual(entry);
  });

  it("loads as before where the cache cannot be written, and keeps no syntax error", () => {
    const root = project({ "project.ts": SEED_B_WRAPPERS, ".cohort/cache/modules": "a file where the directory would be" });
    expectSeedB(load(root)[0]);
    const broken = project({ "project.ts": "const x = ;\n" });
    expect(load(broken)[0].error?.message).toMatch(/^project\.ts:1:11: /);
    expect(fs.existsSync(entryFile(broken, "project.ts.json"))).toBe(false);
  });
});

describe("loadProjectModule: errors name the file and line", () => {
  it("reports a TypeScript syntax error as FILE:LINE:COL", () => {
    const root = project({ "project.ts": `import { FlowProject } from "cohort";\nconst project = new FlowProject();\nconst x: number = ;\nexport default project;\n` });
    const [{ error }] = load(root);
    expect(error).toMatchObject({ name: "UserError", message: `project.ts:3:19: Unexpected ";"` });
  });

  it("reports a syntax error in an imported TypeScript file with that file's name", () => {
    const root = project({
      "project.ts": `import { FlowProject } from "cohort";\nimport { x } from "./helper.js";\nexport default new FlowProject({ name: String(x) });\n`,
      "helper.ts": `export const x = 1;\nexport const y = {;\n`,
    });
    const [{ error }] = load(root);
    expect(error?.message).toMatch(/^helper\.ts:2:19: Expected identifier/);
  });

  it("reports a JavaScript syntax error with its location", () => {
    const root = project({ "project.mjs": `import { FlowProject } from "cohort";\nconst p = new FlowProject(;\nexport default p;\n` });
    const [{ error }] = load(root);
    expect(error?.message).toMatch(/^project\.mjs:2:\d+: /);
  });

  it("reports an exception thrown while the module runs, with the user's line", () => {
    const root = project({
      "project.ts": `import { FlowProject } from "cohort";

interface Settings { size: number }
const project = new FlowProject();
function settings(): Settings {
  throw new Error("no settings file");
}
settings();
export default project;
`,
    });
    const [{ error }] = load(root);
    expect(error).toMatchObject({ name: "UserError", message: "project.ts:6: Error: no settings file" });
  });

  it("keeps a usage error's message and hint, adding the line where the message does not name it", () => {
    const root = project({
      "project.ts": `import { FlowProject, groupsOf, allJobs } from "cohort";
const project = new FlowProject();

project.operation(groupsOf(2), allJobs(), function op1() {});
export default project;
`,
    });
    const [{ error }] = load(root);
    expect(error?.name).toBe("UserError");
    // (it read "project.ts:4: operation op1 (project.ts:4) has two aggregators")
    expect(error?.message).toBe("operation op1 (project.ts:4) has two aggregators");
    expect(error?.hint).toMatch(/groupsOf/);
    const twice = project({
      "project.ts": `import { FlowProject, post } from "cohort";\nconst project = new FlowProject();\nproject.operation(function a() {});\nproject.operation(function a() {});\nexport default project;\n`,
    });
    expect(load(twice)[0].error?.message).toBe("operation a is defined twice: project.ts:3 and project.ts:4");
    const other = project({
      "project.ts": `import { FlowProject, post } from "cohort";\nconst project = new FlowProject();\n\n\n\n\n\n\n\n\nproject.operation(function a() {});\n\nproject.operation(post.isFile(""), function b() {});\nexport default project;\n`,
    });
    expect(load(other)[0].error?.message).toMatch(/^project\.ts:13: post\.isFile\(""\)/);
  });

  it("reports an import of a name cohort does not export", () => {
    const root = project({ "project.ts": `import { FlowProject, nothing } from "cohort";\nconsole.log(nothing);\nexport default new FlowProject();\n` });
    const [{ error }] = load(root);
    expect(error?.message).toMatch(/^project\.ts:1: SyntaxError: .*'nothing'/);
  });

  it("refuses operations defined on a FlowProject the module does not export", () => {
    // (they were left out without a word: status showed only the exported project's operations)
    const root = project({
      "project.ts": `import { FlowProject } from "cohort";\nconst project = new FlowProject();\nconst other = new FlowProject();\nother.operation(function a() {});\nproject.operation(function b() {});\nexport default project;\n`,
    });
    const [{ error }] = load(root);
    expect(error).toMatchObject({ name: "UserError", message: "operation a (project.ts:4) is defined on a FlowProject that project.ts does not export, so it would be left out" });
    const empty = project({ "project.ts": `import { FlowProject } from "cohort";\nnew FlowProject();\nconst project = new FlowProject();\nproject.operation(function b() {});\nexport default project;\n` });
    expect(load(empty)[0].error).toBeUndefined();
  });

  it("refuses a module without a default export", () => {
    const root = project({ "project.ts": `import { FlowProject } from "cohort";\nexport const p = new FlowProject();\n` });
    const [{ error }] = load(root);
    expect(error).toMatchObject({ name: "UserError", message: "project.ts does not export a FlowProject: it has no default export" });
    expect(error?.hint).toMatch(/export default project/);
  });

  it("refuses a default export that is not a FlowProject", () => {
    const root = project({ "project.mjs": `export default { definition() { return {}; } };\n` });
    const [{ error }] = load(root);
    expect(error?.message).toBe("project.mjs does not export a FlowProject: its default export is not a FlowProject");
  });
});
