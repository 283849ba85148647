import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, tempDir } from "../helpers.js";

/**
 * A project.ts as a user writes it, type-checked against dist/index.d.ts as the user's editor and
 * `tsc --noEmit --strict` see it (module nodenext, `import ... from "cohort"` through node_modules).
 * The documented calls must check as written; `@ts-expect-error` marks the mistakes the types catch.
 */
function typeErrors(source: string): string {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(ROOT, path.join(dir, "node_modules", "cohort"));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { module: "nodenext", target: "es2022", strict: true, noEmit: true, types: ["node"], typeRoots: [path.join(ROOT, "node_modules", "@types")] },
      files: ["project.ts"],
    }),
  );
  fs.writeFileSync(path.join(dir, "project.ts"), source);
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", dir], { cwd: dir, encoding: "utf8" });
  return r.stdout + r.stderr;
}

describe("the declarations a project.ts is checked with", () => {
  it("type the documented calls as documented, without annotations", () => {
    const errors = typeErrors(`
import { FlowProject, directives, groupBy, post, pre, type Job } from "cohort";

const project = new FlowProject();

// docs/metrics.md: the run is \`this\` (it was 'this' implicitly has type 'any')
project.operation(function train(job) {
  for (let step = 0; step < 3; step++) this.log({ loss: 1 / (step + 1) }, { step });
  this.log({ params: 1.2e6 });
  console.log(this.id, this.name, job.id);
});

// docs/workflow.md: the function stays callable, e.g. from a test of the project
const prepare = project.operation(post.isFile("init.dat"), function prepare(job) { return job.writeFile("init.dat", "1"); });
export const direct = (job: Job) => prepare(job);
project.operation(pre.after(prepare), function simulate(job) {});

// docs/api.md: a label may return job.sp.T as it is
project.label(function temperature(job) { return job.sp.T; });
// docs/workflow.md: a groupBy function returns undefined to leave a job out
project.operation(groupBy((job) => (job.sp.T === null ? undefined : job.sp.T)), function byT(...jobs) {});
// directive functions may return a state-point value; other keys are the user's
project.operation(directives({ np: (job) => job.sp.N, walltime: "2h", memory: "4g", constraint: "haswell" }), function big(job) {});

export default project;
`);
    expect(errors).toBe("");
  });

  it("catch directive values of the wrong type", () => {
    const errors = typeErrors(`
import { FlowProject, directives } from "cohort";
const project = new FlowProject();
// @ts-expect-error np is a number
project.operation(directives({ np: "four" }), function a(job) {});
// @ts-expect-error fork is a boolean
project.operation("b", { directives: { fork: "yes" } }, function b(job) {});
// @ts-expect-error walltime is hours or a string
project.operation(directives({ walltime: [1] }), function c(job) {});
// @ts-expect-error the run has no such method
project.operation(function d(job) { this.logg({ x: 1 }); });
export default project;
`);
    expect(errors).toBe("");
  });
});
