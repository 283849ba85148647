import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jobId } from "../../src/dataspace/id.js";
import { readCheckedFile } from "../../src/util/checked-file.js";
import { cohort, lines, tempDir } from "../helpers.js";

const TOML = `
[project]
name = "demo"

[operations.prepare]
command = "echo prepared"
post = [{ true = "prepared" }]

[operations.simulate]
command = "touch traj.dat"
pre = [{ after = ["prepare"] }]
post = [{ isfile = "traj.dat" }]

[operations.analyze]
command = "true"
pre = [{ after = ["simulate"] }]

[groups.prep_and_sim]
operations = ["prepare", "simulate"]

[labels]
simulated = { isfile = "traj.dat" }
`;

const MODULE = `
import { FlowProject } from "cohort";
import type { Job } from "cohort";

const project = new FlowProject();
project.label("stage", (job: Job) => (job.isFile("traj.dat") ? "simulated" : job.doc.get("prepared") ? "prepared" : null));
project.label(function hot(job: Job) { return Number(job.sp.T) >= 3; });
export default project;
`;

const id = (T: number) => jobId({ T: T + 0.5 });

/**
 * A project of four jobs T = 0.5 .. 3.5 (`id(T)` names them): T 0 and 1 prepared, T 0 simulated.
 * With the module, labels come from project.ts as well as cohort.toml.
 */
function project(withModule = true): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "cohort.toml"), TOML);
  expect(cohort(["init", "T={0.5,1.5,2.5,3.5}"], { cwd: dir }).code).toBe(0);
  if (withModule) fs.writeFileSync(path.join(dir, "project.ts"), MODULE);
  for (const T of [0, 1]) expect(cohort(["doc", id(T), "prepared", "true"], { cwd: dir }).code).toBe(0);
  fs.writeFileSync(path.join(dir, "workspace", id(0), "traj.dat"), "x");
  return dir;
}

/** Makes the job index and the documents look untouched for a minute, then runs a command: the caches are trusted from then on. */
function ageAndWarm(dir: string): void {
  const old = new Date(Date.now() - 60_000);
  const ws = path.join(dir, "workspace");
  for (const name of fs.readdirSync(ws)) {
    const doc = path.join(ws, name, "signac_job_document.json");
    if (fs.existsSync(doc)) fs.utimesSync(doc, old, old);
  }
  fs.utimesSync(ws, old, old);
  expect(cohort(["status"], { cwd: dir }).code).toBe(0);
}

describe("cohort status", () => {
  it("shows each operation, then each group: eligible, complete, waiting and what blocks them", () => {
    const dir = project(false);
    const r = cohort(["status"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const out = lines(r.stdout);
    expect(out[0]).toBe("Project demo: 4 jobs");
    expect(out[1]).toMatch(/^name +kind +total +eligible +complete +waiting +blocked by +scheduler$/);
    const row = (name: string) => out.find((l) => l.startsWith(name + " "))!.split(/\s{2,}/);
    expect(row("prepare")).toEqual(["prepare", "op", "4", "2", "2", "0"]);
    expect(row("simulate")).toEqual(["simulate", "op", "4", "1", "1", "2", "after(prepare)"]);
    expect(row("analyze")).toEqual(["analyze", "op", "4", "1", "0", "3", "after(simulate)"]);
    expect(row("prep_and_sim")).toEqual(["prep_and_sim", "group", "4", "3", "1", "0"]);
    expect(r.stdout).toMatch(/\nLabels\nsimulated +█{5}░{15} +25% +\(1\/4\)\n/);
  });

  it("shows labels from cohort.toml and project.ts: flags as ratios, text labels by value", () => {
    const dir = project();
    const r = cohort(["status"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const labels = r.stdout.slice(r.stdout.indexOf("Labels\n"));
    expect(lines(labels).map((l) => l.replace(/[█░]+/, "BAR").replace(/\s+/g, " "))).toEqual([
      "Labels",
      "simulated BAR 25% (1/4)",
      "stage: prepared BAR 25% (1/4)",
      "stage: simulated BAR 25% (1/4)",
      "hot BAR 25% (1/4)",
    ]);
  });

  it("-d shows a row per job, -p adds state-point and document columns, -o narrows", () => {
    const dir = project();
    const r = cohort(["status", "-o", "simulate", "-d", "-p", "T", "doc.prepared"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const table = lines(r.stdout.slice(r.stdout.lastIndexOf("\nid ") + 1));
    expect(table[0].split(/\s+/)).toEqual(["id", "T", "doc.prepared", "simulate", "simulated", "stage", "hot"]);
    const rowOf = (T: number) => table.find((l) => l.startsWith(id(T)))!.split(/\s{2,}/);
    expect(rowOf(0)).toEqual([id(0), "0.5", "true", "complete", "yes", "simulated"]);
    expect(rowOf(1)).toEqual([id(1), "1.5", "true", "eligible", "prepared"]); // "simulated" is empty
    expect(rowOf(3)).toEqual([id(3), "3.5", "waiting", "yes"]);
    expect(table).toHaveLength(5);
    expect(r.stdout).not.toMatch(/^prepare /m); // -o simulate: neither prepare nor the group
    expect(r.stdout).toMatch(/^simulate +op +4 +1 +1 +2 +after\(prepare\)$/m);
    expect(r.stderr).toBe("");
    // A key no job shown has (a typo) is said, not left a column of blanks without a word.
    const typo = cohort(["status", "-d", "-p", "t", "doc.prepard"], { cwd: dir });
    expect(typo.code).toBe(0);
    expect(typo.stderr).toBe("cohort: warning: no job shown has t (-p t: its column is empty)\ncohort: warning: no job shown has doc.prepard (-p doc.prepard: its column is empty)\n");
  });

  it("-j and -f narrow the jobs like run", () => {
    const dir = project(false);
    const j = cohort(["status", "-j", id(0).slice(0, 8), id(3), "-d"], { cwd: dir });
    expect(j.code, j.stderr).toBe(0);
    expect(j.stdout).toContain("Project demo: 2 jobs");
    expect(j.stdout).toMatch(/^prepare +op +2 +1 +1 +0$/m);
    const f = cohort(["status", "-f", "doc.prepared", "true"], { cwd: dir });
    expect(f.stdout).toMatch(/^prepare +op +2 +0 +2 +0$/m);
  });

  it("counts the remaining CPU-hours and GPU-hours of eligible and waiting aggregates; those without a walltime apart", () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, "cohort.toml"),
      `[operations.prepare]\ncommand = "true"\npost = [{ true = "prepared" }]\ndirectives = { np = 4, walltime = "0:30:00" }\n\n` +
        `[operations.train]\ncommand = "true"\npre = [{ after = ["prepare"] }]\ndirectives = { ngpu = 2, walltime = 2 }\n\n` +
        `[operations.plot]\ncommand = "true"\n`,
    );
    expect(cohort(["init", "T={1,2,3}"], { cwd: dir }).code).toBe(0);
    const [done] = lines(cohort(["find"], { cwd: dir }).stdout);
    expect(cohort(["doc", done, "prepared", "true"], { cwd: dir }).code).toBe(0);
    // prepare: 2 remaining × 4 CPUs × 0.5 h; train: 3 remaining (1 eligible, 2 waiting) × (1 CPU, 2 GPUs) × 2 h; plot: 3 without a walltime
    const text = cohort(["status"], { cwd: dir });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("\nRemaining: 10 CPU-hours, 12 GPU-hours (3 aggregates without a walltime not counted)\n");
    const s = JSON.parse(cohort(["status", "--json"], { cwd: dir }).stdout);
    expect(s.operations.map((o: { name: string; remaining: unknown }) => [o.name, o.remaining])).toEqual([
      ["prepare", { cpu_hours: 4, gpu_hours: 0, not_counted: 0 }],
      ["train", { cpu_hours: 6, gpu_hours: 12, not_counted: 0 }],
      ["plot", { cpu_hours: 0, gpu_hours: 0, not_counted: 3 }],
    ]);
    expect(s.remaining).toEqual({ cpu_hours: 10, gpu_hours: 12, not_counted: 3 });
    // -o selects what is counted
    expect(cohort(["status", "-o", "prepare"], { cwd: dir }).stdout).toMatch(/^Remaining: 4 CPU-hours, 0 GPU-hours$/m);
  });

  it("--json prints counts per operation and group, labels, and with -d the rows", () => {
    const dir = project();
    const r = cohort(["status", "--json", "-d", "-p", "T"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(Object.keys(s)).toEqual(["project", "jobs", "operations", "groups", "remaining", "labels", "problems", "rows"]);
    expect(s.project).toBe("demo");
    expect(s.jobs).toBe(4);
    expect(s.operations.map((o: { name: string }) => o.name)).toEqual(["prepare", "simulate", "analyze"]);
    expect(s.operations[1]).toEqual({
      name: "simulate",
      total: 4,
      eligible: 1,
      complete: 1,
      waiting: 2,
      errors: 0,
      blockedBy: [{ condition: "after(prepare)", count: 2 }],
      scheduler: null,
      remaining: { cpu_hours: 0, gpu_hours: 0, not_counted: 3 },
    });
    expect(s.groups).toEqual([
      {
        name: "prep_and_sim",
        operations: ["prepare", "simulate"],
        total: 4,
        eligible: 3,
        complete: 1,
        waiting: 0,
        errors: 0,
        blockedBy: [],
        scheduler: null,
        remaining: { cpu_hours: 0, gpu_hours: 0, not_counted: 3 },
      },
    ]);
    expect(s.labels).toEqual([
      { name: "simulated", kind: "condition", count: 1, values: [], errors: 0 },
      { name: "stage", kind: "function", count: 0, values: [{ value: "prepared", count: 1 }, { value: "simulated", count: 1 }], errors: 0 },
      { name: "hot", kind: "function", count: 1, values: [], errors: 0 },
    ]);
    expect(s.problems).toEqual([]);
    const row = s.rows.find((x: { id: string }) => x.id === id(1));
    expect(row).toEqual({
      id: id(1),
      operations: { prepare: "complete", simulate: "eligible", analyze: "waiting" },
      labels: { simulated: false, stage: "prepared", hot: false },
      parameters: { T: 1.5 },
    });
    expect(s.rows).toHaveLength(4);
  });

  it("a label function that throws: one line per failure naming the label, the job and the message; exit code 1", () => {
    const dir = project(false);
    fs.writeFileSync(
      path.join(dir, "project.ts"),
      `import { FlowProject } from "cohort";
const project = new FlowProject();
project.label("energy", (job) => { if (Number(job.sp.T) > 2) throw new Error("no energy yet"); return true; });
export default project;
`,
    );
    const r = cohort(["status", "-d"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(lines(r.stderr).sort()).toEqual(
      [2, 3].map((T) => `cohort: error: label energy failed on job ${id(T)}: no energy yet`).sort(),
    );
    expect(r.stdout).toMatch(/^energy +█{10}░{10} +50% +\(2\/4, 2 failed\)$/m);
    expect(r.stdout).toMatch(new RegExp(`^${id(3)} .* !$`, "m"));
    const json = JSON.parse(cohort(["status", "--json"], { cwd: dir }).stdout);
    expect(json.problems).toContainEqual({ kind: "label", name: "energy", job: id(2), message: "no energy yet" });
  });

  it("a condition that throws is reported the same way, and its aggregates count as errors", () => {
    const dir = tempDir();
    expect(cohort(["init", "T={0.5,1.5}"], { cwd: dir }).code).toBe(0);
    fs.writeFileSync(
      path.join(dir, "project.ts"),
      `import { FlowProject, post } from "cohort";
const project = new FlowProject();
project.operation("fit", { post: [post(function converged(job) { if (Number(job.sp.T) > 1) throw new Error("bad file"); return false; })] }, () => {});
export default project;
`,
    );
    const r = cohort(["status"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`cohort: error: condition converged of operation fit failed on job ${id(1)}: bad file\n`);
    expect(r.stdout).toMatch(/^name +kind +total +eligible +complete +waiting +errors +blocked by +scheduler$/m);
    expect(r.stdout).toMatch(/^fit +op +2 +1 +0 +0 +1$/m);
  });

  it("with warm caches, sees a deleted product file and a document edited in place by another program", () => {
    const dir = project(false);
    ageAndWarm(dir);
    const before = cohort(["status"], { cwd: dir });
    expect(before.stdout).toMatch(/^prepare +op +4 +2 +2 +0$/m);
    expect(before.stdout).toMatch(/^simulate +op +4 +1 +1 +2 +after\(prepare\)$/m);
    const cached = JSON.parse(readCheckedFile(path.join(dir, ".cohort", "cache", "documents.json"))!.toString("utf8"));
    expect(cached.ids).toContain(id(1)); // the document below is served from the cache until it changes
    // another program: deletes simulate's product of T=0.5, rewrites T=1.5's document in place (same size)
    fs.rmSync(path.join(dir, "workspace", id(0), "traj.dat"));
    const doc = path.join(dir, "workspace", id(1), "signac_job_document.json");
    expect(fs.readFileSync(doc, "utf8")).toBe('{"prepared": true}');
    const fd = fs.openSync(doc, "r+");
    fs.writeSync(fd, '{"prepared": null}', 0);
    fs.closeSync(fd);
    const after = cohort(["status"], { cwd: dir });
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/^prepare +op +4 +3 +1 +0$/m);
    expect(after.stdout).toMatch(/^simulate +op +4 +1 +0 +3 +after\(prepare\)$/m);
    expect(after.stdout).toMatch(/^simulated +░{20} +0% +\(0\/4\)$/m);
  });

  it("bad input: a bad -o regular expression is exit code 2; an unknown name a warning", () => {
    const dir = project(false);
    const bad = cohort(["status", "-o", "("], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^cohort: error: -o \( is not a valid regular expression: .*\n$/);
    const unknown = cohort(["status", "-o", "nothing", "prepare"], { cwd: dir });
    expect(unknown.code).toBe(0);
    expect(unknown.stderr).toBe("cohort: warning: no operation or group matches nothing; skipped\n");
    expect(unknown.stdout).toMatch(/^prepare +op/m);
  });

  it("a project without a workflow shows its jobs, and color never reaches a pipe", () => {
    const dir = tempDir();
    expect(cohort(["init", "a={1,2}"], { cwd: dir }).code).toBe(0);
    const r = cohort(["status"], { cwd: dir, env: { NO_COLOR: "" } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("2 jobs");
    expect(r.stdout).toContain("no operations or groups to show");
    expect(r.stdout).not.toContain("\u001b[");
  });
});
