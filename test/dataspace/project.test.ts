import fs from "node:fs";
import path from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { float, Float, initProject, openProject, UserError } from "../../src/index.js";
import { jobId } from "../../src/dataspace/id.js";
import { tempDir } from "../helpers.js";

describe("Project and Job", () => {
  it("opens a project from a subdirectory", () => {
    const dir = tempDir();
    initProject(dir);
    fs.mkdirSync(path.join(dir, "a", "b"), { recursive: true });
    expect(openProject(path.join(dir, "a", "b")).root).toBe(dir);
    expect(() => openProject(tempDir())).toThrow(UserError);
  });

  it("openJob computes signac's id; init creates the job; float() marks a float", () => {
    const project = initProject(tempDir());
    const a = project.openJob({ T: float(1), N: 64 });
    expect(a.id).toBe(jobId({ T: new Float(1), N: 64 }));
    expect(a.id).not.toBe(project.openJob({ T: 1, N: 64 }).id);
    expect(a.exists()).toBe(false);
    a.init();
    expect(a.exists()).toBe(true);
    expect(fs.readFileSync(a.fn("signac_statepoint.json"), "utf8")).toBe('{"T": 1.0, "N": 64}');
    expect(project.job(a.id.slice(0, 5)).sp).toEqual(a.sp);
    expect(() => project.openJob({ "a.b": 1 })).toThrow(/contains a dot/);
    expect(() => project.openJob({ a: NaN })).toThrow(UserError);
  });

  it("job documents: get, set, update, delete, atomic and visible to a fresh reader", () => {
    const project = initProject(tempDir());
    const job = project.openJob({ i: 1 });
    expect(job.doc.data).toEqual({});
    job.doc.set("energy", float(-2));
    job.doc.update({ done: true, n: 3 });
    expect(job.doc.get("energy")).toBeInstanceOf(Float);
    expect(job.exists()).toBe(true); // writing the document created the job
    expect(fs.readFileSync(job.fn("signac_job_document.json"), "utf8")).toBe('{"energy": -2.0, "done": true, "n": 3}');
    expect(openProject(project.root).job(job.id).doc.get("n")).toBe(3);
    expect(job.doc.delete("n", "missing")).toBe(true);
    expect(job.doc.has("n")).toBe(false);
    // signac's job.doc.get(key, default) (the default was ignored: undefined came back)
    expect(job.doc.get("n", 0)).toBe(0);
    expect(job.doc.get("done", false)).toBe(true);
    expect(job.doc.get("n")).toBeUndefined();
    expect(project.doc.get("campaign", "none")).toBe("none");
    expect(() => job.doc.set("a.b", 1)).toThrow(/contains a dot/);
    expect(() => job.doc.set("x", { "y.z": 1 })).toThrow(/contains a dot/);
    expect(fs.readdirSync(job.path).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("files: fn, isFile, readFile, writeFile", async () => {
    const project = initProject(tempDir());
    const job = project.openJob({ i: 2 });
    expect(job.isFile("out.txt")).toBe(false);
    await job.writeFile("out.txt", "hello");
    expect(job.isFile("out.txt")).toBe(true);
    expect(await job.readFile("out.txt")).toBe("hello");
    expect(job.fn("out.txt")).toBe(path.join(project.workspace, job.id, "out.txt"));
  });

  it("find and groupBy", async () => {
    const project = initProject(tempDir());
    await project.initJobs([1, 2, 3, 4].map((i) => ({ i, parity: i % 2 ? "odd" : "even", x: { y: i * 10 } })));
    project.openJob({ i: 1, parity: "odd", x: { y: 10 } }).doc.set("ok", true);
    expect(project.find({ i: { $gt: 2 } }).map((j) => j.sp.i)).toEqual(expect.arrayContaining([3, 4]));
    expect(project.find({ "x.y": 20 }).map((j) => j.sp.i)).toEqual([2]);
    expect(project.find({ "doc.ok": true }).map((j) => j.sp.i)).toEqual([1]);
    const groups = project.groupBy("parity");
    expect(groups.map(([k, js]) => [k, js.map((j) => j.sp.i).sort()])).toEqual([
      ["even", [2, 4]],
      ["odd", [1, 3]],
    ]);
    expect(project.groupBy("x.y").length).toBe(4);
    expect(project.groupBy("doc.ok").map(([k, js]) => [k, js.length])).toEqual([[true, 1]]);
    expect(project.groupBy((job) => Number(job.sp.i) > 2).map(([k, js]) => [k, js.length])).toEqual([
      [false, 2],
      [true, 2],
    ]);
  });

  it("the project document", () => {
    const project = initProject(tempDir());
    project.doc.set("campaign", "x");
    expect(fs.readFileSync(path.join(project.root, "signac_project_document.json"), "utf8")).toBe('{"campaign": "x"}');
    expect(openProject(project.root).doc.get("campaign")).toBe("x");
  });

  it("refuses doc.KEY = value, which would store nothing, and says which call stores it", () => {
    const project = initProject(tempDir());
    const job = project.openJob({ a: 1 }).init();
    const doc = job.doc as unknown as Record<string, unknown>;
    expect(() => (doc.energy = 1.5)).toThrow(TypeError);
    expect(() => (doc.energy = 1.5)).toThrow('job.doc.energy = ... would store nothing: a document is written through its methods (call job.doc.set("energy", 1.5) or job.doc.update({ ... }))');
    expect(() => (doc["done"] = true)).toThrow(/job\.doc\.set\("done", true\)/);
    expect(() => delete doc.energy).toThrow(/job\.doc\.delete\("energy"\)/);
    expect(() => Object.defineProperty(doc, "x", { value: 1 })).toThrow(TypeError);
    const pdoc = project.doc as unknown as Record<string, unknown>;
    expect(() => (pdoc.campaign = "x")).toThrow(/project\.doc\.set\("campaign", "x"\)/);
    // nothing was written, and the methods work through the guard
    expect(fs.existsSync(job.fn("signac_job_document.json"))).toBe(false);
    job.doc.set("energy", 1.5);
    expect(job.doc.get("energy")).toBe(1.5);
    expect(job.doc instanceof Object && "set" in job.doc).toBe(true);
    // a job found through the project (its document read from a snapshot) is guarded too
    for (const found of openProject(project.root).jobs()) {
      expect(() => ((found.doc as unknown as Record<string, unknown>).energy = 2)).toThrow(/would store nothing/);
      expect(found.doc.get("energy")).toBe(1.5);
    }
  });

  it("refuses signac's attribute read doc.KEY of a key the document holds, and answers KEY in doc", () => {
    const project = initProject(tempDir());
    const job = project.openJob({ a: 1 }).init();
    const doc = job.doc as unknown as Record<string, unknown>;
    expect(doc.energy).toBeUndefined();
    expect("energy" in job.doc).toBe(false);
    job.doc.set("energy", 1.5);
    // (it read undefined: a condition job.doc.energy > 0 was false without a word)
    expect(() => doc.energy).toThrow(TypeError);
    expect(() => doc.energy).toThrow('job.doc.energy reads nothing: a document is read through its methods (call job.doc.get("energy"))');
    expect("energy" in job.doc).toBe(true);
    expect(doc.missing).toBeUndefined();
    // members read as they are, also when the document has a key of their name
    job.doc.set("data", 1);
    expect(job.doc.data).toEqual({ energy: 1.5, data: 1 });
    for (const found of openProject(project.root).jobs()) expect(() => (found.doc as unknown as Record<string, unknown>).energy).toThrow(/job\.doc\.get\("energy"\)/);
    project.doc.set("campaign", "x");
    expect(() => (project.doc as unknown as Record<string, unknown>).campaign).toThrow(/project\.doc\.get\("campaign"\)/);
  });

  it("JSON.stringify(job.doc) and console.log(job.doc) show the document's keys", () => {
    const project = initProject(tempDir());
    const job = project.openJob({ a: 1 }).init();
    expect(JSON.stringify(job.doc)).toBe("{}");
    job.doc.set("energy", 1.5);
    job.doc.set("trace", { steps: [1, 2] });
    expect(JSON.stringify(job.doc)).toBe('{"energy":1.5,"trace":{"steps":[1,2]}}');
    expect(inspect(job.doc)).toBe("{ energy: 1.5, trace: { steps: [ 1, 2 ] } }");
    project.doc.set("campaign", "x");
    expect(inspect(project.doc)).toBe("{ campaign: 'x' }");
  });

  it("removeJobs removes a job wholly", async () => {
    const project = initProject(tempDir());
    const { ids } = await project.initJobs([{ a: 1 }, { a: 2 }]);
    project.removeJobs([ids[0]]);
    expect(project.jobs().map((j) => j.id)).toEqual([ids[1]]);
    expect(openProject(project.root).jobs().map((j) => j.id)).toEqual([ids[1]]);
  });

  it("removeJobsAsync stops between two jobs when its signal is aborted, and indexes what it removed", async () => {
    const project = initProject(tempDir());
    const { ids } = await project.initJobs(Array.from({ length: 300 }, (_, i) => ({ i })));
    const stop = new AbortController();
    const seen: number[] = [];
    const removed = await project.removeJobsAsync(ids, {
      signal: stop.signal,
      onProgress: (n) => {
        seen.push(n);
        // as Ctrl-C does: its handler runs at the next turn of the event loop, here after 256 jobs
        if (n === 0) setImmediate(() => stop.abort());
      },
    });
    expect(seen).toEqual([0]);
    expect(removed).toEqual(ids.slice(0, 256));
    const left = ids.slice(256).sort();
    expect(project.jobs().map((j) => j.id)).toEqual(left);
    expect(openProject(project.root).jobs().map((j) => j.id)).toEqual(left);
    expect(fs.readdirSync(project.workspace).sort()).toEqual(left);
  });
});
