import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DocumentCache } from "../../src/dataspace/document-cache.js";
import type { Job } from "../../src/dataspace/job.js";
import { initProject, type Project } from "../../src/dataspace/project.js";
import { float } from "../../src/dataspace/value.js";
import { computeStatus, selectEntries, type StatusOptions, type StatusReport } from "../../src/status/compute.js";
import { formatTable, renderLabels, renderStatus } from "../../src/status/render.js";
import { FlowProject, groupsOf, post, pre } from "../../src/workflow/flow-project.js";
import { parseProjectToml } from "../../src/workflow/toml.js";
import { Workflow } from "../../src/workflow/workflow.js";
import { tempDir } from "../helpers.js";

/** A project with jobs i = 0..n-1, in id order of creation irrelevant: returns the jobs by i. */
async function projectWith(n: number): Promise<{ project: Project; byI: Job[] }> {
  const project = initProject(tempDir());
  await project.initJobs(Array.from({ length: n }, (_, i) => ({ i })));
  const byI: Job[] = [];
  for (const job of project.jobs()) byI[job.sp.i as number] = job;
  return { project, byI };
}

const status = (project: Project, workflow: Workflow, opts: StatusOptions = {}): Promise<StatusReport> =>
  computeStatus(project, workflow, { documents: DocumentCache.inMemory(), ...opts });

const entry = (r: StatusReport, name: string) => r.entries.find((e) => e.name === name)!;

const PIPELINE = `
[project]
name = "demo"

[operations.prepare]
command = "true"
post = [{ true = "prepared" }]

[operations.simulate]
command = "true"
pre = [{ after = ["prepare"] }]
post = [{ isfile = "traj.dat" }]

[operations.analyze]
command = "true"
pre = [{ after = ["simulate"] }, { true = "go" }]

[groups.prep_and_sim]
operations = ["prepare", "simulate"]

[labels]
prepared = { true = "prepared" }
simulated = { after = ["simulate"] }
`;

/** 10 jobs: 0-5 prepared, 0-2 simulated, job 0 ready to analyze. */
async function pipeline(): Promise<{ project: Project; byI: Job[]; workflow: Workflow }> {
  const { project, byI } = await projectWith(10);
  for (let i = 0; i < 6; i++) byI[i].doc.set("prepared", true);
  for (let i = 0; i < 3; i++) await byI[i].writeFile("traj.dat", "x");
  byI[0].doc.set("go", true);
  return { project, byI, workflow: new Workflow([parseProjectToml(PIPELINE)]) };
}

describe("computeStatus: operations", () => {
  it("counts eligible, complete and waiting aggregates, and what the waiting ones wait for", async () => {
    const { project, workflow } = await pipeline();
    const r = await status(project, workflow);
    expect(r.project).toBe("demo");
    expect(r.jobs).toBe(10);
    // a project named nowhere (a signac project with only a project.ts) is named by its directory
    expect((await status(project, new Workflow([]))).project).toBe(path.basename(project.root));
    expect(entry(r, "prepare")).toMatchObject({ kind: "operation", total: 10, eligible: 4, complete: 6, waiting: 0, errors: 0, blockedBy: [] });
    expect(entry(r, "simulate")).toMatchObject({ total: 10, eligible: 3, complete: 3, waiting: 4, blockedBy: [{ condition: "after(prepare)", count: 4 }] });
    // analyze has no post-condition: never complete; job 0 eligible; 1 and 2 wait for "go"; the rest for simulate
    expect(entry(r, "analyze")).toMatchObject({
      eligible: 1,
      complete: 0,
      waiting: 9,
      blockedBy: [
        { condition: "after(simulate)", count: 7 },
        { condition: 'true("go")', count: 2 },
      ],
    });
    expect(entry(r, "prep_and_sim").scheduler).toBeNull();
    expect(r.problems).toEqual([]);
  });

  it("a group is eligible when any member is, complete when all are, else waiting", async () => {
    const { project, workflow } = await pipeline();
    const r = await status(project, workflow);
    // jobs 0-2: both complete; 3-5: simulate eligible; 6-9: prepare eligible
    expect(entry(r, "prep_and_sim")).toMatchObject({ kind: "group", operations: ["prepare", "simulate"], total: 10, eligible: 7, complete: 3, waiting: 0 });
    const g = new Workflow([
      parseProjectToml(`
[operations.a]
command = "true"
pre = [{ never = true }]
[operations.b]
command = "true"
post = [{ isfile = "b" }]
[groups.g]
operations = ["a", "b"]
`),
    ]);
    const { project: p2, byI } = await projectWith(2);
    await byI[0].writeFile("b", "");
    const r2 = await status(p2, g);
    // job 0: a waiting, b complete -> waiting (blocked by a's condition); job 1: b eligible -> eligible
    expect(entry(r2, "g")).toMatchObject({ eligible: 1, complete: 0, waiting: 1, blockedBy: [{ condition: "a: never", count: 1 }] });
  });

  it("shows every operation, then every group; -o narrows by full regular expression", async () => {
    const { project, workflow } = await pipeline();
    expect(selectEntries(workflow, undefined).map((g) => g.name)).toEqual(["prepare", "simulate", "analyze", "prep_and_sim"]);
    const warnings: string[] = [];
    expect(selectEntries(workflow, ["sim.*", "prep_and_sim", "nothing"], (w) => warnings.push(w)).map((g) => g.name)).toEqual(["simulate", "prep_and_sim"]);
    expect(warnings).toEqual(["no operation or group matches nothing; skipped"]);
    // No pattern matching anything is an error (exit code 2), whose hint gives the closest names.
    expect(() => selectEntries(workflow, ["prep"])).toThrow(/^no operation or group matches prep$/);
    expect(() => selectEntries(workflow, ["simulat"])).toThrow(expect.objectContaining({ hint: "did you mean simulate?" }));
    const r = await status(project, workflow, { names: ["analyze"] });
    expect(r.entries.map((e) => e.name)).toEqual(["analyze"]);
    expect(entry(r, "analyze").eligible).toBe(1);
  });

  it("evaluates each post-condition once per (operation, job), however many operations wait for it", async () => {
    const { project, byI } = await projectWith(30);
    for (let i = 0; i < 30; i += 3) byI[i].doc.set("done", true);
    let calls = 0;
    const fp = new FlowProject();
    const done = (job: Job) => {
      calls++;
      return job.doc.get("done") === true;
    };
    fp.operation("a", { post: [post(done)] }, () => {});
    fp.operation("b", { pre: [pre.after("a")] }, () => {});
    fp.operation("c", { pre: [pre.after("a")] }, () => {});
    fp.label("a_done", pre.after("a"));
    const r = await status(project, new Workflow([fp.definition()]));
    expect(calls).toBe(30);
    expect(entry(r, "a")).toMatchObject({ eligible: 20, complete: 10 });
    expect(entry(r, "b")).toMatchObject({ eligible: 10, waiting: 20 });
    expect(r.labels[0]).toMatchObject({ name: "a_done", count: 10 });
  });

  it("takes async conditions and labels", async () => {
    const { project } = await projectWith(4);
    const fp = new FlowProject();
    fp.operation("a", { post: [post(async (job: Job) => (job.sp.i as number) % 2 === 0)] }, () => {});
    fp.label("big", async (job: Job) => ((job.sp.i as number) > 1 ? "yes" : false));
    const r = await status(project, new Workflow([fp.definition()]), { detailed: true });
    expect(entry(r, "a")).toMatchObject({ eligible: 2, complete: 2 });
    expect(r.labels[0].values).toEqual([{ value: "yes", count: 2 }]);
  });

  it("reports a condition that raises as an error of that aggregate and goes on", async () => {
    const { project, byI } = await projectWith(3);
    const fp = new FlowProject();
    fp.operation("a", { post: [post(function energyKnown(job: Job) {
      if (job.sp.i === 1) throw new Error("no energy");
      return false;
    })] }, () => {});
    fp.operation("b", { pre: [pre.after("a")] }, () => {});
    const r = await status(project, new Workflow([fp.definition()]), { detailed: true });
    expect(entry(r, "a")).toMatchObject({ eligible: 2, errors: 1 });
    expect(entry(r, "b")).toMatchObject({ waiting: 2, errors: 1 });
    expect(r.problems).toEqual([
      { kind: "condition", name: "energyKnown", operation: "a", job: byI[1].id, message: "no energy" },
      { kind: "condition", name: "energyKnown", operation: "b", job: byI[1].id, message: "no energy" },
    ]);
    expect(r.rows!.find((row) => row.id === byI[1].id)!.operations).toEqual({ a: "error", b: "error" });
  });
});

describe("computeStatus: labels", () => {
  it("counts flag labels and the values of text labels", async () => {
    const { project, byI } = await projectWith(6);
    for (let i = 0; i < 4; i++) byI[i].doc.set("stage", i < 2 ? "eq" : "prod");
    const fp = new FlowProject();
    fp.label("staged", (job: Job) => job.doc.has("stage"));
    fp.label("stage", (job: Job) => (job.doc.get("stage") as string | undefined) ?? null);
    fp.label("i", (job: Job) => (job.sp.i as number) < 1 ? (job.sp.i as unknown as string) : "");
    const toml = parseProjectToml('[labels]\nfirst = { not = { true = "stage" } }\n');
    const r = await status(project, new Workflow([toml, fp.definition()]));
    const labels = Object.fromEntries(r.labels.map((l) => [l.name, l]));
    expect(labels.first).toMatchObject({ kind: "condition", count: 2, values: [] });
    expect(labels.staged).toMatchObject({ kind: "function", count: 4, values: [] });
    expect(labels.stage).toMatchObject({ count: 0, values: [{ value: "eq", count: 2 }, { value: "prod", count: 2 }] });
    expect(labels.i).toMatchObject({ count: 0, values: [{ value: "0", count: 1 }] });
  });

  it("a label that raises or returns something else is an error for that job; the scan goes on", async () => {
    const { project, byI } = await projectWith(3);
    const fp = new FlowProject();
    fp.label("broken", (job: Job) => {
      if (job.sp.i === 2) throw new Error("boom");
      return true;
    });
    fp.label("weird", ((job: Job) => (job.sp.i === 0 ? { a: 1 } : false)) as never);
    const r = await status(project, new Workflow([fp.definition()]), { detailed: true });
    expect(r.labels.map((l) => [l.name, l.count, l.errors])).toEqual([
      ["broken", 2, 1],
      ["weird", 0, 1],
    ]);
    expect(r.problems).toHaveLength(2);
    expect(r.problems).toContainEqual({ kind: "label", name: "weird", job: byI[0].id, message: "it returned an object; a label returns true/false or a string" });
    expect(r.problems).toContainEqual({ kind: "label", name: "broken", job: byI[2].id, message: "boom" });
    const row = r.rows!.find((x) => x.id === byI[2].id)!;
    expect(row.labels).toEqual({ broken: null, weird: false });
  });
});

describe("computeStatus: per job (-d, -p) and selection (-j, -f)", () => {
  it("gives each job the state of every shown operation, its labels, and -p columns", async () => {
    const { project, byI, workflow } = await pipeline();
    byI[1].doc.set("energy", float(-2));
    const r = await status(project, workflow, { parameters: ["i", "doc.energy", "sp.missing"] });
    expect(r.columns).toEqual({ operations: ["prepare", "simulate", "analyze"], labels: ["prepared", "simulated"], parameters: ["i", "doc.energy", "sp.missing"] });
    const row = (i: number) => r.rows!.find((x) => x.id === byI[i].id)!;
    expect(row(0).operations).toEqual({ prepare: "complete", simulate: "complete", analyze: "eligible" });
    expect(row(4).operations).toEqual({ prepare: "complete", simulate: "eligible", analyze: "waiting" });
    expect(row(8).operations).toEqual({ prepare: "eligible", simulate: "waiting", analyze: "waiting" });
    expect(row(1).parameters).toEqual({ i: 1, "doc.energy": float(-2), "sp.missing": null });
    expect(row(1).labels).toEqual({ prepared: true, simulated: true });
    expect(r.rows!.map((x) => x.id)).toEqual([...r.rows!.map((x) => x.id)].sort());
  });

  it("maps the state of an aggregate to each of its jobs", async () => {
    const { project, byI } = await projectWith(4);
    const fp = new FlowProject();
    fp.operation("pair", groupsOf(3), post.isFile("p"), () => {});
    const jobs = project.jobs();
    for (const j of jobs.slice(0, 3)) await j.writeFile("p", "");
    const r = await status(project, new Workflow([fp.definition()]), { detailed: true });
    expect(entry(r, "pair")).toMatchObject({ total: 2, complete: 1, eligible: 1 });
    expect(r.rows!.map((x) => x.operations.pair)).toEqual(["complete", "complete", "complete", "eligible"]);
    expect(byI).toHaveLength(4);
  });

  it("-j and -f narrow the jobs, and the labels count only those", async () => {
    const { project, byI, workflow } = await pipeline();
    const r = await status(project, workflow, { selection: { ids: [byI[0].id.slice(0, 6), byI[7].id] } });
    expect(r.jobs).toBe(2);
    expect(entry(r, "prepare")).toMatchObject({ total: 2, eligible: 1, complete: 1 });
    expect(r.labels[0]).toMatchObject({ name: "prepared", count: 1 });
    const f = await status(project, workflow, { selection: { filter: { "doc.prepared": true } } });
    expect(f.jobs).toBe(6);
    expect(entry(f, "prepare")).toMatchObject({ total: 6, complete: 6 });
  });
});

describe("computeStatus: files and the document cache", () => {
  it("answers from the documents and files of many jobs: built-in conditions, and label functions reading the jobs", async () => {
    const { project, byI } = await projectWith(300);
    for (let i = 0; i < 300; i += 2) byI[i].doc.set("prepared", i % 3 === 0 ? true : 0);
    for (let i = 0; i < 300; i += 5) await byI[i].writeFile("traj.dat", "x");
    const fp = new FlowProject();
    fp.label("made", (job: Job) => (job.isFile("traj.dat") ? "traj" : job.doc.get("prepared") === 0));
    const workflow = new Workflow([parseProjectToml(PIPELINE), fp.definition()]);
    const r = await status(project, workflow, { detailed: true });
    expect(entry(r, "prepare")).toMatchObject({ complete: 50, eligible: 250 });
    // simulate: after(prepare) for the 50 prepared; complete where traj.dat is (i % 30 == 0: 10 of them)
    expect(entry(r, "simulate")).toMatchObject({ complete: 10, eligible: 40, waiting: 250 });
    const made = (i: number) => (i % 5 === 0 ? "traj" : i % 2 === 0 && i % 3 !== 0);
    const byId = new Map(byI.map((j, i) => [j.id, i]));
    for (const row of r.rows!) expect(row.labels.made, row.id).toBe(made(byId.get(row.id)!));
    expect(r.labels.find((l) => l.name === "made")).toMatchObject({ count: 80, values: [{ value: "traj", count: 60 }] });
  });

  it("reads documents through .cohort/cache and sees in-place edits and deleted files", async () => {
    const { project, byI, workflow } = await pipeline();
    const old = new Date(Date.now() - 60_000);
    for (const j of byI) if (fs.existsSync(path.join(j.path, "signac_job_document.json"))) fs.utimesSync(path.join(j.path, "signac_job_document.json"), old, old);
    const first = await computeStatus(project, workflow);
    expect(fs.existsSync(path.join(project.dataDir, "cache", "documents.json"))).toBe(true);
    const cache = DocumentCache.open(path.join(project.dataDir, "cache"));
    const again = await computeStatus(project, workflow, { documents: cache });
    expect(again).toEqual(first);
    expect(cache.filesRead).toBe(0);
    // another program edits a document in place (same size) and deletes a product
    fs.writeFileSync(path.join(byI[5].path, "signac_job_document.json"), '{"prepared": null}');
    fs.rmSync(path.join(byI[0].path, "traj.dat"));
    const after = await computeStatus(project, workflow);
    expect(entry(after, "prepare")).toMatchObject({ complete: 5, eligible: 5 });
    expect(entry(after, "simulate")).toMatchObject({ complete: 2, eligible: 3 });
  });
});

describe("render", () => {
  it("aligns columns, numbers to the right, and cuts trailing blanks", () => {
    expect(formatTable(["name", "n", "x"], [["a", "10", ""], ["bbb", "2", "y"]], ["left", "right"])).toBe("name   n  x\na     10\nbbb    2  y");
  });

  it("draws label bars: floor, never full below 100%", () => {
    const text = renderLabels(
      [
        { name: "prepared", kind: "condition", count: 8, values: [], errors: 0 },
        { name: "stage", kind: "function", count: 0, values: [{ value: "eq", count: 999 }], errors: 1 },
      ],
      1000,
      { barWidth: 10 },
    );
    expect(text.split("\n")).toEqual(["prepared   ░░░░░░░░░░    0%  (8/1000)", "stage: eq  █████████░   99%  (999/1000, 1 failed)"]);
    expect(renderLabels([{ name: "done", kind: "condition", count: 10, values: [], errors: 0 }], 10, { barWidth: 10 })).toBe("done  ██████████  100%  (10/10)");
  });

  it("renders the overview, labels and the table per job, with color only when asked", async () => {
    const { project, workflow } = await pipeline();
    const r = await status(project, workflow, { parameters: ["i"] });
    const text = renderStatus(r);
    expect(text).not.toContain("\u001b[");
    expect(text).toMatch(/^name +kind +total +eligible +complete +waiting +blocked by +scheduler$/m);
    expect(text).toContain("simulate      op        10         3         3        4  after(prepare)\n");
    expect(text).toContain("analyze       op        10         1         0        9  after(simulate) (7 of 9; 1 other)\n");
    expect(text).toContain("prep_and_sim  group     10         7         3        0\n");
    expect(text).toMatch(/prepared\s+█+░+\s+60%\s+\(6\/10\)/);
    expect(renderStatus(r, { color: true })).toContain("\u001b[");
  });
});
