/**
 * `run --pretend` shows the resolved directives of what would run: `executable` only for function
 * operations, where it is the interpreter; a shell command runs under /bin/sh whatever it says.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cohort, tempDir } from "../helpers.js";

const TOML = `
[operations.shell]
command = "echo {sp.T}"
directives = { np = 2 }
`;

const MODULE = `
import { FlowProject } from "cohort";
const project = new FlowProject();
project.operation(function fn(job) {});
export default project;
`;

describe("run --pretend", () => {
  it("shows no executable for a shell-command operation, and the interpreter for a function operation", () => {
    const dir = tempDir();
    expect(cohort(["init", "T=1.5"], { cwd: dir }).code).toBe(0);
    fs.appendFileSync(path.join(dir, "cohort.toml"), TOML);
    fs.writeFileSync(path.join(dir, "project.ts"), MODULE);
    const r = cohort(["run", "--pretend"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const blocks = r.stdout.split(/\n(?=\S)/);
    const shell = blocks.find((b) => b.startsWith("shell on "))!;
    const fn = blocks.find((b) => b.startsWith("fn on "))!;
    expect(shell).toContain("command: echo 1.5");
    const directives = (block: string) => JSON.parse(/directives: (.*)/.exec(block)![1]) as Record<string, unknown>;
    expect(directives(shell)).toEqual({ np: 2, ngpu: 0, nranks: null, omp_num_threads: null, memory: null, walltime: null, fork: false, processor_fraction: 1 });
    expect(directives(fn)).toMatchObject({ np: 1, executable: process.execPath });
    // the same with --parallel, which checks the pass against the machine
    const parallel = cohort(["run", "--pretend", "--parallel", "2", "-o", "shell"], { cwd: dir });
    expect(parallel.code, parallel.stderr).toBe(0);
    expect(parallel.stdout).not.toContain("executable");
  });

  it("shows the command a cmd function returns, as signac-flow does, and why one would fail", () => {
    const dir = tempDir();
    expect(cohort(["init", "T={1,2}"], { cwd: dir }).code).toBe(0);
    fs.writeFileSync(
      path.join(dir, "project.ts"),
      `import { FlowProject, cmd } from "cohort";
const project = new FlowProject();
project.operation(cmd, function build(job) { return "echo T=" + String(job.sp.T) + " > a.txt"; });
project.operation(cmd, function broken(job) { if (job.sp.T === 1) throw new Error("no input"); return 3; });
export default project;
`,
    );
    const r = cohort(["run", "--pretend"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("command: echo T=1 > a.txt");
    expect(r.stdout).toContain("command: echo T=2 > a.txt");
    expect(r.stdout).toMatch(/command: broken\(\w{8}\) {2}\[function\], which would fail: no input/);
    expect(r.stdout).toMatch(/command: broken\(\w{8}\) {2}\[function\], which would fail: operation broken \(project.ts:4\) has cmd set but returned number/);
    // nothing ran
    expect(fs.readdirSync(path.join(dir, "workspace")).some((id) => fs.existsSync(path.join(dir, "workspace", id, "a.txt")))).toBe(false);
  });
});
