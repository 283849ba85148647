import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cohort, cohortInBackground, lines, tempDir, waitFor } from "../helpers.js";

/** A project defined by a project.ts (no node_modules in it), with a grid of jobs. */
function moduleProject(source: string, ...grid: string[]): string {
  const dir = tempDir();
  expect(cohort(["init", ...grid], { cwd: dir }).code).toBe(0);
  fs.writeFileSync(path.join(dir, "project.ts"), source);
  return dir;
}

const SEED_WRAPPERS = `
import { FlowProject, directives, post } from "cohort";
import type { Job } from "cohort";

const project = new FlowProject();
const ex = project.makeGroup({ name: "ex" });

project.operation(
  ex.withDirectives({ ngpu: 2 }),
  directives({ ngpu: 1 }),
  post.isFile("out.txt"),
  async function op1(job: Job) {
    await job.writeFile("out.txt", String(job.sp.T));
    console.log("op1 wrote", String(job.sp.T));
  },
);

project.operation(
  ex,
  post.isFile("out2.txt"),
  post((job: Job) => job.doc.get("op2") === true),
  function op2(job: Job) {
    job.doc.set("op2", true);
    return job.writeFile("out2.txt", "2");
  },
);

export default project;
`;

const SEED_OPTIONS = `
import { FlowProject, post } from "cohort";

const project = new FlowProject();
const ex = project.makeGroup({ name: "ex" });

project.operation("op1", { directives: { ngpu: 1 }, groups: [{ group: ex, directives: { ngpu: 2 } }], post: [post.isFile("out.txt")] },
  async (job) => { await job.writeFile("out.txt", String(job.sp.T)); console.log("op1 wrote", String(job.sp.T)); });

project.operation("op2", { groups: [ex], post: [post.isFile("out2.txt"), post((job) => job.doc.get("op2") === true)] },
  (job) => { job.doc.set("op2", true); return job.writeFile("out2.txt", "2"); });

export default project;
`;

describe("a project.ts in both forms of the seed examples", () => {
  for (const [form, source] of [
    ["wrappers", SEED_WRAPPERS],
    ["options", SEED_OPTIONS],
  ] as const) {
    it(`${form}: op1 asks for 1 GPU alone and 2 through ex; the group ex runs op1 and op2`, () => {
      const dir = moduleProject(source, "T={1.0,2.0}");
      const alone = cohort(["run", "-o", "op1", "--pretend"], { cwd: dir });
      expect(alone.code, alone.stderr).toBe(0);
      expect(alone.stdout).toMatch(/"ngpu": 1/);
      const grouped = cohort(["run", "-o", "ex", "--pretend"], { cwd: dir });
      expect(grouped.stdout).toContain("op1 [ex] on");
      expect(grouped.stdout).toContain("op2 [ex] on");
      expect(grouped.stdout).toMatch(/op1 \[ex\][^\n]*\n[^\n]*\n {2}directives: [^\n]*"ngpu": 2/);
      const r = cohort(["run", "-o", "ex"], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("op1 wrote 1.0");
      for (const id of lines(cohort(["find"], { cwd: dir }).stdout)) {
        expect(fs.existsSync(path.join(dir, "workspace", id, "out.txt"))).toBe(true);
        expect(fs.readFileSync(path.join(dir, "workspace", id, "out2.txt"), "utf8")).toBe("2");
      }
      expect(lines(cohort(["next", "op1"], { cwd: dir }).stdout)).toEqual([]);
    });
  }
});

describe("project.ts operations", () => {
  it("a function may return a shell command (cmd)", () => {
    const dir = moduleProject(
      `
import { FlowProject, cmd, post } from "cohort";
const project = new FlowProject();
project.operation(cmd, post.isFile("hello.txt"), function hello(job) { return "echo hi " + job.id.slice(0, 4) + " > hello.txt"; });
export default project;
`,
      "a=1",
    );
    expect(cohort(["run"], { cwd: dir }).code).toBe(0);
    const id = lines(cohort(["find"], { cwd: dir }).stdout)[0];
    expect(fs.readFileSync(path.join(dir, "workspace", id, "hello.txt"), "utf8")).toBe(`hi ${id.slice(0, 4)}\n`);
    // The run records the command the function returned, which is what ran.
    const ran = `echo hi ${id.slice(0, 4)} > hello.txt`;
    expect(cohort(["runs", "show", "1"], { cwd: dir }).stdout).toMatch(new RegExp(`^cmd +hello\\(\\)  \\[function\\], which returned: ${ran}$`, "m"));
    expect(JSON.parse(cohort(["runs", "show", "1", "--json"], { cwd: dir }).stdout).cmd).toEqual({ function: "hello", shell: ran });
    // ... in a worker (--parallel) too
    expect(cohort(["exec", "hello", id, "--parallel", "2"], { cwd: dir }).code).toBe(0);
    expect(JSON.parse(cohort(["runs", "show", "1", "--json"], { cwd: dir }).stdout).cmd).toEqual({ function: "hello", shell: ran });
  });

  it.each([[["number"]], [["number", "--parallel", "2"]], [["forked"]]])("a cmd function that returns no string fails its run with one line, without cohort's stack (%j)", (args) => {
    const dir = moduleProject(
      `
import { FlowProject, cmd, directives } from "cohort";
const project = new FlowProject();
project.operation(cmd, function number(job) { return 42; });
project.operation(cmd, directives({ fork: true }), function forked(job) { return undefined; });
export default project;
`,
      "a=1",
    );
    const r = cohort(["run", "-o", ...args], { cwd: dir });
    expect(r.code).toBe(1);
    const op = args[0];
    const [line, what] = op === "forked" ? ["5", "undefined"] : ["4", "number"];
    const message = `operation ${op} (project.ts:${line}) has cmd set but returned ${what}, not a command (return the shell command to run as a string)`;
    // (it was "... raised: Error: operation number has cmd set but returned number, not a command" and ten lines of cohort's stack)
    const id = lines(cohort(["find"], { cwd: dir }).stdout)[0];
    expect(r.stdout.replace(/^\[[a-z-]+\] /, "")).toBe(`${op} on ${id}: ${message}\n`);
    expect(r.stderr).toContain(message);
  });

  it.each([[[]], [["--parallel", "2"]], [["-o", "forked"]]])("a function that throws shows the stack of the user's code, not cohort's (%j)", (args) => {
    const dir = moduleProject(
      `
import { FlowProject, directives } from "cohort";
import { check } from "./check.js";
const project = new FlowProject();
project.operation(function boom(job) { check(job.sp.a); });
project.operation(directives({ fork: true }), async function forked(job) { await new Promise((r) => setTimeout(r, 1)); check(job.sp.a); });
export default project;
`,
      "a=1",
    );
    fs.writeFileSync(path.join(dir, "check.ts"), "export function check(a: unknown) {\n  throw new Error(`bad a: ${String(a)}`);\n}\n");
    const r = cohort(["run", ...(args[0] === "-o" ? args : ["-o", "boom", ...args])], { cwd: dir });
    expect(r.code).toBe(1);
    const output = r.stdout.replace(/^\[[a-z-]+\] /gm, "");
    expect(output).toMatch(/ raised: Error: bad a: 1\n {4}at check \([^\n]*check\.ts:2:\d+\)\n {4}at [^\n]*project\.ts:[56]:\d+\)?\n/);
    // (ten frames of cohort's dist/ and node's internals followed)
    expect(output).not.toMatch(/dist\/|node:internal|node:async_hooks/);
  });

  it("a function whose promise can never settle fails its run, and cohort goes on", () => {
    const dir = moduleProject(
      `
import { FlowProject } from "cohort";
const project = new FlowProject();
project.operation(async function stuck(job) { await new Promise(() => {}); console.log("never"); });
project.operation(function after(job) { console.log("after ran"); });
export default project;
`,
      "a={1,2}",
    );
    // (node ended cohort with exit code 13 and no word, the run left 'terminated')
    const r = cohort(["run", "--keep-going"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("4 runs, 2 completed, 2 failed");
    expect(r.stdout.match(/stuck on [0-9a-f]{32}: it returned a promise that never settles/g)).toHaveLength(2);
    expect(r.stdout.match(/after ran/g)).toHaveLength(2);
  });

  it("a function that calls process.exit ends cohort saying so, and its run is an error with that code", () => {
    const dir = moduleProject(
      `
import { FlowProject } from "cohort";
const project = new FlowProject();
project.operation(function quits(job) { process.exit(3); });
export default project;
`,
      "a=1",
    );
    const id = lines(cohort(["find"], { cwd: dir }).stdout)[0];
    const r = cohort(["run"], { cwd: dir });
    expect(r.code).toBe(3);
    // (cohort ended with no word, and the run read terminated)
    const line = `quits on ${id}: the function called process.exit(3), which ended cohort; nothing more was started (to end a run with an error, throw; to run such a function, give its operation fork: true)`;
    expect(r.stderr).toBe(`cohort: quits on ${id}\ncohort: error: ${line}\n`);
    const [run] = JSON.parse(cohort(["runs", "--json"], { cwd: dir }).stdout) as { status: string; name: string }[];
    expect(run.status).toBe("error");
    expect(cohort(["runs", "show", run.name], { cwd: dir }).stdout).toContain(`exit code    3\n`);
    expect(cohort(["runs", "show", run.name], { cwd: dir }).stdout).toContain(line);
  });

  it("a second Ctrl-C while a function runs in cohort is not taken for the function's process.exit", async () => {
    const dir = moduleProject(
      `
import { FlowProject } from "cohort";
const project = new FlowProject();
project.operation(async function waits(job) { console.log("waiting"); await new Promise((r) => setTimeout(r, 30000)); });
export default project;
`,
      "a=1",
    );
    const run = cohortInBackground(["run"], { cwd: dir });
    await waitFor("the function to start", () => run.stderr().includes("cohort: waits on"));
    process.kill(run.pid, "SIGINT");
    await waitFor("the first Ctrl-C to be seen", () => run.stderr().includes("SIGINT again"));
    process.kill(run.pid, "SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).not.toContain("process.exit");
    const [rec] = JSON.parse(cohort(["runs", "--json"], { cwd: dir }).stdout) as { status: string }[];
    expect(rec.status).toBe("terminated");
  });

  it("jobs the module makes as it loads are counted by the command that loaded it", () => {
    const dir = moduleProject(
      `
import { FlowProject, openProject } from "cohort";
openProject().openJob({ a: 2 }).init();
const project = new FlowProject();
project.operation(function hello(job) { console.log("hi", job.sp.a); });
export default project;
`,
      "a=1",
    );
    const status = cohort(["status", "--json"], { cwd: dir });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).jobs).toBe(2);
    const run = cohort(["run"], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n").filter((l) => l.startsWith("hi ")).sort()).toEqual(["hi 1", "hi 2"]);
  });

  it("an aggregate operation receives the jobs of its aggregate", () => {
    const dir = moduleProject(
      `
import { FlowProject, groupsOf } from "cohort";
const project = new FlowProject();
project.operation(groupsOf(2), function pair(...jobs) {
  console.log("pair", jobs.map((j) => String(j.sp.i)).sort().join(","));
});
export default project;
`,
      "i={1..4}",
    );
    const r = cohort(["run"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).filter((l) => l.startsWith("pair"))).toHaveLength(2);
  });

  it("runs hooks and reports a condition that throws, with the operation and job", () => {
    const dir = moduleProject(
      `
import { FlowProject, hooks, pre } from "cohort";
const project = new FlowProject();
project.hooks.onExit(({ operation }) => { console.log("project exit", operation); });
project.operation(hooks.onStart(({ operation }) => console.log("start", operation)), function fine() {});
project.operation(pre(() => { throw new Error("boom in condition"); }), function broken() {});
export default project;
`,
      "i=1",
    );
    const ok = cohort(["run", "-o", "fine"], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("start fine");
    expect(ok.stdout).toContain("project exit fine");
    const bad = cohort(["run", "-o", "broken"], { cwd: dir });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("broken");
    expect(bad.stderr).toContain("boom in condition");
    expect(bad.stderr).toMatch(/[0-9a-f]{8}/);
    // one line as status words it (it was "condition condition failed: boom in condition (operation broken on ID)")
    const id = lines(cohort(["find"], { cwd: dir }).stdout)[0];
    const line = `condition (anonymous) of operation broken failed on job ${id}: boom in condition`;
    expect(bad.stderr).toContain(`(run `);
    expect(bad.stderr).toContain(`: ${line}\n`);
    const next = cohort(["next", "broken"], { cwd: dir });
    expect(next.code).toBe(1);
    expect(next.stderr).toBe(`cohort: error: ${line} (run with --debug for details)\n`);
    expect(cohort(["status"], { cwd: dir }).stderr).toBe(`cohort: error: ${line}\n`);
  });

  it("a hook that throws marks the run error", () => {
    const dir = moduleProject(
      `
import { FlowProject, hooks } from "cohort";
const project = new FlowProject();
project.operation(hooks.onSuccess(() => { throw new Error("hook exploded"); }), function op() {});
export default project;
`,
      "i=1",
    );
    const r = cohort(["run"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("hook exploded");
  });

  it("a project named otherwise in project.ts than in cohort.toml (as cohort init wrote it) is refused, naming both places", () => {
    const module = (name: string) => `import { FlowProject } from "cohort";\nconst project = new FlowProject({ name: ${JSON.stringify(name)} });\nproject.operation(function op(job) {});\nexport default project;\n`;
    const dir = moduleProject(module("sweep-v2"), "i=1");
    const r = cohort(["status"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`cohort: error: the project is named twice: ${JSON.stringify(path.basename(dir))} (cohort.toml:2) and "sweep-v2" (project.ts:2) (give the name in one place, or the same name in both)\n`);
    // The same name in both, or a name in one place only, is the project's name.
    fs.writeFileSync(path.join(dir, "project.ts"), module(path.basename(dir)));
    expect(cohort(["status"], { cwd: dir }).code).toBe(0);
    fs.writeFileSync(path.join(dir, "cohort.toml"), "[project]\n");
    fs.writeFileSync(path.join(dir, "project.ts"), module("sweep-v2"));
    const pretend = cohort(["submit", "-o", "op", "--pretend", "--scheduler", "slurm"], { cwd: dir, env: { PATH: "/usr/bin:/bin" } });
    expect(pretend.stdout).toMatch(/^#SBATCH --job-name=sweep-v2\./m);
  });

  it("a condition spelt as signac-flow spells it (post.isfile) is one line with the one meant", () => {
    const dir = moduleProject(`import { FlowProject, post } from "cohort";\nconst project = new FlowProject();\nproject.operation(post.isfile("x"), function a(job) {});\nexport default project;\n`, "i=1");
    const r = cohort(["status"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("cohort: error: project.ts:3: TypeError: post.isfile is not a function (did you mean post.isFile?)\n");
    fs.writeFileSync(path.join(dir, "project.ts"), `import { FlowProject, pre } from "cohort";\nexport default new FlowProject();\npre.exists("x");\n`);
    expect(cohort(["status"], { cwd: dir }).stderr).toMatch(/^cohort: error: project\.ts:3: TypeError: pre\.exists is not a function \(the conditions are pre\.isFile, pre\.true, .*pre\.never.*\)\n$/);
  });

  it("a syntax error names the file and line", () => {
    const dir = moduleProject(`import { FlowProject } from "cohort";\nconst project = new FlowProject(;\nexport default project;\n`, "i=1");
    const r = cohort(["run"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cohort: error: [^\n]*project\.ts:2:\d+[^\n]*\n$/);
  });

  it("a syntax error in a JavaScript project module names the file, line and column", () => {
    const dir = moduleProject("", "i=1");
    fs.rmSync(path.join(dir, "project.ts"));
    fs.writeFileSync(path.join(dir, "project.mjs"), `import { FlowProject } from "cohort";\nconst project = new FlowProject(;\nexport default project;\n`);
    const r = cohort(["status"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cohort: error: project\.mjs:2:\d+: [^\n]*\n$/);
  });
});
