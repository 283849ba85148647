/**
 * A project.ts operation that changes its job's state point: assigning `job.sp` moves the job (the next
 * command sees it under its new id, and the operation is complete), changing a value inside `job.sp`
 * is a clear run error. Values print as users wrote them (floats as `2.0`).
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cohort, lines, tempDir } from "../helpers.js";

function project(source: string, ...grid: string[]): string {
  const dir = tempDir();
  expect(cohort(["init", ...grid], { cwd: dir }).code).toBe(0);
  fs.writeFileSync(path.join(dir, "project.ts"), source);
  return dir;
}

interface Found {
  id: string;
  sp: Record<string, unknown>;
}

function found(dir: string): Found[] {
  const r = cohort(["find", "--json"], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Found[];
}

function operationStatus(dir: string, name: string): { eligible: number; complete: number } {
  const r = cohort(["status", "--json"], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { operations: { name: string; eligible: number; complete: number }[] }).operations.find((o) => o.name === name)!;
}

const MOVING = `
import { FlowProject, cmd, directives, post } from "cohort";
import type { Job } from "cohort";

const project = new FlowProject();

project.operation(post((job: Job) => job.sp.moved === true), async function move(job: Job) {
  job.doc.set("was", job.id);
  await job.writeFile("kept.txt", "kept");
  job.sp = { ...job.sp, moved: true };
  console.log("moved to", job.id);
});

project.operation(directives({ fork: true }), post((job: Job) => job.sp.forked === true), function forkmove(job: Job) {
  job.updateStatepoint({ forked: true });
});

// The command it returns runs in the job's directory, where the job is now.
project.operation(cmd, post.isFile("where.txt"), function cmdmove(job: Job) {
  job.updateStatepoint({ cmd: true });
  return "basename \\"$PWD\\" > where.txt";
});

project.operation(function mutate(job: Job) {
  (job.sp as Record<string, unknown>).T = 2;
});

project.operation(function collide(job: Job) {
  job.sp = { T: 9 };
});

export default project;
`;

describe("assigning job.sp in an operation moves the job", () => {
  for (const mode of [[], ["--parallel", "2"]]) {
    it(`and the next status sees it under its new id, complete${mode.length ? " (worker processes)" : ""}`, () => {
      const dir = project(MOVING, "T={1.0,2.0}");
      const before = found(dir);
      const r = cohort(["run", "-o", "move", ...mode], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const after = found(dir);
      expect(after.map((j) => j.sp).sort((a, b) => Number(a.T) - Number(b.T))).toEqual([
        { T: 1, moved: true },
        { T: 2, moved: true },
      ]);
      expect(after.map((j) => j.id).some((id) => before.some((b) => b.id === id))).toBe(false);
      for (const job of after) {
        const jobDir = path.join(dir, "workspace", job.id);
        // the state point as signac writes it (a float stays a float), the document and the files kept
        expect(fs.readFileSync(path.join(jobDir, "signac_statepoint.json"), "utf8")).toMatch(/^\{"T": [12]\.0, "moved": true\}$/);
        expect(fs.readFileSync(path.join(jobDir, "kept.txt"), "utf8")).toBe("kept");
        const was = (JSON.parse(fs.readFileSync(path.join(jobDir, "signac_job_document.json"), "utf8")) as { was: string }).was;
        expect(before.map((b) => b.id)).toContain(was);
        expect(r.stdout + r.stderr).toContain(`moved to ${job.id}`);
      }
      expect(operationStatus(dir, "move")).toMatchObject({ eligible: 0, complete: 2 });
      expect(cohort(["check"], { cwd: dir }).code).toBe(0);
      // not eligible again
      const again = cohort(["run", "-o", "move", ...mode], { cwd: dir });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain("0 runs");
    });
  }

  it("also from a worker of its own (fork)", () => {
    const dir = project(MOVING, "T={1.0}");
    expect(cohort(["run", "-o", "forkmove"], { cwd: dir }).code).toBe(0);
    expect(found(dir).map((j) => j.sp)).toEqual([{ T: 1, forked: true }]);
    expect(operationStatus(dir, "forkmove")).toMatchObject({ eligible: 0, complete: 1 });
  });

  for (const mode of [[], ["--parallel", "2"]]) {
    it(`before the command a cmd operation returns, which runs where the job is now${mode.length ? " (worker processes)" : ""}`, () => {
      const dir = project(MOVING, "T={1.0}");
      const r = cohort(["run", "-o", "cmdmove", ...mode], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("1 run, 1 completed, 0 failed");
      const [job] = found(dir);
      expect(job.sp).toEqual({ T: 1, cmd: true });
      expect(fs.readFileSync(path.join(dir, "workspace", job.id, "where.txt"), "utf8").trim()).toBe(job.id);
      expect(operationStatus(dir, "cmdmove")).toMatchObject({ eligible: 0, complete: 1 });
    });
  }

  it("changing a value inside job.sp is a run error that names updateStatepoint", () => {
    const dir = project(MOVING, "T={1.0}");
    const before = found(dir);
    for (const mode of [[], ["--parallel", "2"]]) {
      const r = cohort(["run", "-o", "mutate", ...mode], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("cannot set job.sp.T: a job's state point is read-only");
      expect(r.stderr).toContain("call job.updateStatepoint({ T: 2 })");
      expect(found(dir)).toEqual(before);
    }
  });

  it("moving onto an existing job is a run error, and both jobs stay as they were", () => {
    const dir = project(MOVING, "T={1.0,9}");
    const before = found(dir);
    const r = cohort(["run", "-o", "collide", "-f", "T", "1.0"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(lines(r.stderr).some((l) => /error {2}collide on \w+ .*the job of the new state point, [0-9a-f]{32}, exists/.test(l))).toBe(true);
    expect(found(dir)).toEqual(before);
    expect(cohort(["check"], { cwd: dir }).code).toBe(0);
  });
});

const PRINTING = `
import { FlowProject } from "cohort";
import type { Job } from "cohort";

const project = new FlowProject();

project.operation(function show(job: Job) {
  console.log(job.sp);
  console.log("template", \`\${job.sp.T}\`, "String", String(job.sp.T), "Number", Number(job.sp.T), "sum", (job.sp.T as unknown as number) + 1);
});

project.label(function temperature(job: Job) {
  return job.sp.T;
});

export default project;
`;

describe("values print as users wrote them", () => {
  it("console.log(job.sp), text, numbers; labels, job show, status -p, --pretend show 2.0", () => {
    const dir = project(PRINTING, "T=2.0", "N=3");
    fs.appendFileSync(path.join(dir, "cohort.toml"), '\n[operations.echo]\ncommand = "echo {sp.T}"\n');
    const r = cohort(["run", "-o", "show"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain("{ T: 2.0, N: 3 }");
    expect(r.stdout + r.stderr).toContain("template 2.0 String 2.0 Number 2 sum 3");
    expect(r.stdout + r.stderr).not.toContain("Float");

    const status = cohort(["status", "-p", "T", "N"], { cwd: dir });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain("temperature: 2.0");
    expect(status.stdout).toMatch(/[0-9a-f]{32} {2}2\.0 {2}3 /);

    const [job] = found(dir);
    expect(cohort(["job", "show", job.id], { cwd: dir }).stdout).toContain('"T": 2.0');
    expect(cohort(["run", "-o", "echo", "--pretend"], { cwd: dir }).stdout).toContain("command: echo 2.0");
  });
});
