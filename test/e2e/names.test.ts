/**
 * Operation names as the user writes them (issue 16): kept through loading in every form of the
 * project module, defined once across cohort.toml and the module, and a selection (`-o`, an operation
 * argument) that matches nothing is an error with the closest names, for every command that selects.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cohort, lines, readRuns, tempDir } from "../helpers.js";

function project(files: Record<string, string>, ...grid: string[]): string {
  const dir = tempDir();
  expect(cohort(["init", ...grid], { cwd: dir }).code).toBe(0);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function ok(dir: string, ...args: string[]) {
  const r = cohort(args, { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return r;
}

/** `const prepare = project.operation(..., function prepare ...)`: esbuild alone would name it prepare2. */
const PIPELINE = (typed: boolean) => `import { FlowProject, post, pre } from "cohort";
${typed ? `import type { Job } from "cohort";\n` : ""}
const project = new FlowProject();
const prepare = project.operation(post.isFile("a.txt"), function prepare(job${typed ? ": Job" : ""}) {
  return job.writeFile("a.txt", "a");
});
project.operation(pre.after(prepare), post.isFile("b.txt"), function simulate(job${typed ? ": Job" : ""}) {
  return job.writeFile("b.txt", "b");
});
export default project;
`;

describe("operations keep the names written", () => {
  for (const file of ["project.ts", "project.mts", "project.mjs", "project.js"]) {
    it(`${file}: const prepare = project.operation(..., function prepare ...) is prepare`, () => {
      const dir = project({ [file]: PIPELINE(/\.m?ts$/.test(file)) }, "i={1,2}");
      const status = ok(dir, "status");
      expect(status.stdout).toMatch(/^prepare +op +2 +2 +0 +0$/m);
      expect(status.stdout).toMatch(/^simulate +op +2 +0 +0 +2 +after\(prepare\)$/m);
      const run = ok(dir, "run", "-o", "prepare");
      expect(run.stderr).not.toContain("warning");
      expect(readRuns(dir).map((r) => r.operation)).toEqual(["prepare", "prepare"]);
      expect(lines(ok(dir, "next", "simulate").stdout)).toHaveLength(2);
    });
  }
});

describe("a name is defined once", () => {
  const TOML = `[operations.prepare]\ncommand = "touch a.txt"\n`;

  it("an operation in cohort.toml and one of the same name in project.ts: both places, exit code 2", () => {
    const dir = project({ "cohort.toml": TOML, "project.ts": PIPELINE(true) }, "i=1");
    const r = cohort(["status"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("cohort: error: operation prepare is defined twice: cohort.toml:1 and project.ts:5 (rename one of them)\n");
  });

  it("two operations of one name in project.ts, one of them kept in a const of its name", () => {
    const source = PIPELINE(true).replace("export default project;", `project.operation(function prepare(job: Job) {});\nexport default project;`);
    const r = cohort(["run"], { cwd: project({ "project.ts": source }, "i=1") });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cohort: error: [^\n]*operation prepare is defined twice: project\.ts:5 and project\.ts:11 \(rename one of them\)\n$/);
  });

  it("a group of project.ts named like an operation of cohort.toml", () => {
    const source = `import { FlowProject } from "cohort";\nconst project = new FlowProject();\nproject.makeGroup("prepare");\nexport default project;\n`;
    const r = cohort(["status"], { cwd: project({ "cohort.toml": TOML, "project.ts": source }, "i=1") });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("cohort: error: group prepare (project.ts:3) has the name of an operation (cohort.toml:1) (group and operation names share one namespace)\n");
  });
});

describe("an operation and a condition in each other's places", () => {
  it("pre(prepare) for pre.after(prepare) is an error at load; the operation never runs as a condition", () => {
    const source = PIPELINE(true).replace("pre.after(prepare)", "pre(prepare)");
    const dir = project({ "project.ts": source }, "i=1");
    const r = cohort(["status"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^cohort: error: [^\n]*operation simulate \(project\.ts:8\) has the operation prepare \(project\.ts:5\) as a pre-condition[^\n]*\(to wait until prepare is complete: pre\.after\(prepare\)\)\n$/,
    );
    const [id] = lines(ok(dir, "find").stdout);
    expect(fs.existsSync(path.join(dir, "workspace", id, "a.txt"))).toBe(false);
  });

  it("a condition where the operation's function goes is an error naming the condition", () => {
    const source = `import { FlowProject, post } from "cohort";\nconst project = new FlowProject();\nproject.operation(post.isFile("x"));\nexport default project;\n`;
    const r = cohort(["run"], { cwd: project({ "project.ts": source }, "i=1") });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cohort: error: operation \(unnamed\) \(project\.ts:3\): the last argument must be the operation's function, not post\.isFile\("x"\) \(end with the function: [^\n]*\)\n$/);
  });
});

describe("a selection that matches nothing", () => {
  const TOML = `
[operations.prepare]
command = "touch init.dat"
post = [{ isfile = "init.dat" }]

[operations.train]
command = "echo {flags.lr} > lr.txt"
flags = { lr = 0.01 }
`;

  it("run, status, submit, next and exec: exit code 2, one line with the closest name", () => {
    const dir = project({ "cohort.toml": TOML }, "i=1");
    const cases: [string[], string][] = [
      [["run", "-o", "trian"], "no operation or group matches trian (did you mean train?)"],
      [["run", "trian", "lr=0.1"], "no operation or group matches trian (did you mean train?)"],
      [["status", "-o", "prepar"], "no operation or group matches prepar (did you mean prepare?)"],
      [["status", "prepar", "-o", "trian"], "no operation or group matches prepar or trian (did you mean prepare or train?)"],
      [["submit", "-o", "trian", "--pretend"], "no operation or group matches trian (did you mean train?)"],
      [["next", "prepar"], "unknown operation prepar (did you mean prepare?)"],
      [["exec", "trian"], "unknown operation trian (did you mean train?)"],
    ];
    const outcome = (args: string[]) => {
      const r = cohort(args, { cwd: dir });
      return { args: args.join(" "), code: r.code, stderr: r.stderr };
    };
    expect(cases.map(([args]) => outcome(args))).toEqual(cases.map(([args, error]) => ({ args: args.join(" "), code: 2, stderr: `cohort: error: ${error}\n` })));
    expect(readRuns(dir)).toEqual([]);
    const far = cohort(["run", "-o", "xyz"], { cwd: dir });
    expect(far.stderr).toBe("cohort: error: no operation or group matches xyz (known: prepare, train)\n");
  });

  it("a name that matches nothing beside one that matches is a warning, and the command goes on", () => {
    const dir = project({ "cohort.toml": TOML }, "i=1");
    const r = ok(dir, "run", "-o", "prepar", "prepare");
    expect(r.stderr).toContain("cohort: warning: no operation or group matches prepar; skipped (did you mean prepare?)\n");
    expect(readRuns(dir).map((m) => m.operation)).toEqual(["prepare"]);
    expect(ok(dir, "status", "-o", "nope", "prepare").stdout).toMatch(/^prepare +op/m);
  });

  it("flag operations and KEY=VALUE arguments are still selected by name", () => {
    const dir = project({ "cohort.toml": TOML }, "i=1");
    ok(dir, "run", "train", "lr=0.5");
    ok(dir, "run", "-o", "train");
    ok(dir, "exec", "train", "lr=0.25");
    expect(readRuns(dir).map((m) => m.operation)).toEqual(["train", "train", "train"]);
    // status shows no flag operation: naming one is a warning, not a selection of nothing.
    const status = ok(dir, "status", "-o", "train");
    expect(status.stderr).toBe("cohort: warning: train is a flag operation, which has no jobs; see 'cohort runs'\n");
  });

  it("next with a flag operation's name says it runs on no job", () => {
    const dir = project({ "cohort.toml": TOML }, "i={1,2}");
    const r = cohort(["next", "train"], { cwd: dir });
    expect([r.code, r.stdout, r.stderr]).toEqual([2, "", "cohort: error: train is a flag operation, which runs on no job (cohort run train runs it; cohort runs -o train lists its runs)\n"]);
  });

  it("next and exec with a group's name say it is a group", () => {
    const dir = project({ "cohort.toml": `${TOML}\n[groups.ex]\noperations = ["prepare"]\n` }, "i=1");
    const r = cohort(["next", "ex"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("cohort: error: ex is a group, not an operation (name one of its operations: prepare)\n");
  });
});
