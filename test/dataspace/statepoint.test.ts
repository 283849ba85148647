import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkWorkspace, DestinationExistsError, float, Float, initProject, jobId, openProject, UserError, type JsonObject } from "../../src/index.js";
import { tempDir } from "../helpers.js";

/** The names in a job directory, temporary files included. */
const filesOf = (dir: string) => fs.readdirSync(dir).sort();

describe("job.sp is read-only", () => {
  it("reads as the state point, typed as stored", () => {
    const project = initProject(tempDir());
    const job = project.openJob({ T: float(1), N: 64, x: { y: [1, float(2)] } }).init();
    const again = openProject(project.root).job(job.id);
    for (const j of [job, again]) {
      expect(j.sp.T).toBeInstanceOf(Float);
      expect(j.sp.N).toBe(64);
      expect(j.sp).toEqual({ T: new Float(1), N: 64, x: { y: [1, new Float(2)] } });
      expect(Object.keys(j.sp)).toEqual(["T", "N", "x"]);
      expect(jobId(j.sp)).toBe(j.id);
      expect({ ...j.sp, N: 1 }).toEqual({ T: new Float(1), N: 1, x: { y: [1, new Float(2)] } });
      expect(Array.isArray((j.sp.x as JsonObject).y)).toBe(true);
      expect(JSON.stringify(j.sp)).toBe('{"T":1,"N":64,"x":{"y":[1,2]}}');
    }
  });

  it("refuses every change with a TypeError that names the call that does it", () => {
    const project = initProject(tempDir());
    const job = project.openJob({ T: float(1), x: { y: [1] } }).init();
    const sp = job.sp as Record<string, unknown>;
    expect(() => (sp.T = 2)).toThrow(TypeError);
    expect(() => (sp.T = 2)).toThrow("job.updateStatepoint({ T: 2 })");
    expect(() => (sp.T = float(2))).toThrow("job.updateStatepoint({ T: 2.0 })");
    expect(() => (sp.new = "a")).toThrow('job.updateStatepoint({ new: "a" })');
    expect(() => delete sp.T).toThrow(TypeError);
    expect(() => delete sp.T).toThrow("const { T, ...rest } = job.sp; job.sp = rest");
    const x = sp.x as { y: number[]; z?: number };
    expect(() => (x.z = 1)).toThrow("job.updateStatepoint({ x: ... })");
    expect(() => x.y.push(2)).toThrow(TypeError);
    expect(() => x.y.sort()).not.toThrow(); // one element: nothing to move
    expect(() => Object.assign(sp, { T: 3 })).toThrow(TypeError);
    expect(() => Object.defineProperty(sp, "T", { value: 3 })).toThrow(TypeError);
    expect(() => Object.freeze(sp)).toThrow(TypeError);
    // Nothing changed: not the job, not its file, not the project's index, which shares the object.
    expect(job.sp).toEqual({ T: new Float(1), x: { y: [1] } });
    expect(fs.readFileSync(job.fn("signac_statepoint.json"), "utf8")).toBe('{"T": 1.0, "x": {"y": [1]}}');
    expect(project.jobs()[0].sp).toEqual({ T: new Float(1), x: { y: [1] } });
  });

  it("openJob keeps a copy: changing the object given afterwards does not change the job", () => {
    const project = initProject(tempDir());
    const given: JsonObject = { T: 1, x: { y: 2 } };
    const job = project.openJob(given);
    given.T = 5;
    (given.x as JsonObject).y = 3;
    expect(job.sp).toEqual({ T: 1, x: { y: 2 } });
    expect(job.id).toBe(jobId({ T: 1, x: { y: 2 } }));
  });
});

describe("assigning job.sp moves the job, as signac's reset_statepoint does", () => {
  it("renames the directory to the new id, rewrites the state point, keeps the document and files", async () => {
    const project = initProject(tempDir());
    const job = project.openJob({ a: 0 }).init();
    expect(job.id).toBe("9bfd29df07674bc4aa960cf661b5acd2");
    job.doc.set("result", float(2));
    await job.writeFile("out.txt", "data");
    expect(project.jobs().map((j) => j.id)).toEqual([job.id]); // the index is read before the move
    const old = job.path;

    job.sp = { a: 1 };
    expect(job.id).toBe("42b7b4f2921788ea14dac5566e6f06d0"); // signac's id of {"a": 1}
    expect(job.path).toBe(path.join(project.workspace, job.id));
    expect(job.sp).toEqual({ a: 1 });
    expect(fs.existsSync(old)).toBe(false);
    expect(filesOf(job.path)).toEqual(["out.txt", "signac_job_document.json", "signac_statepoint.json"]);
    expect(fs.readFileSync(job.fn("signac_statepoint.json"), "utf8")).toBe('{"a": 1}');
    expect(job.doc.get("result")).toEqual(new Float(2));
    expect(await job.readFile("out.txt")).toBe("data");
    // The same project object, whose index was read before, and a fresh one see the move.
    expect(project.jobs().map((j) => j.id)).toEqual([job.id]);
    expect(openProject(project.root).jobs().map((j) => j.id)).toEqual([job.id]);
    expect(checkWorkspace(project.workspace)).toEqual([]);

    job.statepoint = { a: float(1) }; // signac's name; an int and a float are different values
    expect(job.id).toBe("4b8937963abc9e9148b4524d4f837b4b");
    expect(fs.readFileSync(job.fn("signac_statepoint.json"), "utf8")).toBe('{"a": 1.0}');
    expect(openProject(project.root).job(job.id).sp.a).toBeInstanceOf(Float);
  });

  it("updateStatepoint changes some keys, keeping the others and their types", () => {
    const project = initProject(tempDir());
    const job = project.openJob({ T: float(1), N: 64 }).init();
    expect(job.updateStatepoint({ N: 2, extra: { k: float(0.5) } })).toBe(job);
    expect(job.sp).toEqual({ T: new Float(1), N: 2, extra: { k: 0.5 } });
    expect(job.sp.T).toBeInstanceOf(Float);
    expect(job.id).toBe(jobId({ T: new Float(1), N: 2, extra: { k: 0.5 } }));
    expect(fs.readFileSync(job.fn("signac_statepoint.json"), "utf8")).toBe('{"T": 1.0, "N": 2, "extra": {"k": 0.5}}');
    // A state point made from the view of another is a plain copy.
    job.resetStatepoint({ ...job.sp, N: 3 });
    expect(job.sp).toEqual({ T: new Float(1), N: 3, extra: { k: 0.5 } });
    expect(project.jobs().map((j) => j.id)).toEqual([job.id]);
    // The same state point: nothing to do.
    const id = job.id;
    job.updateStatepoint({ N: 3 });
    expect(job.id).toBe(id);
  });

  it("refuses to move onto an existing job (DestinationExistsError) and changes nothing", () => {
    const project = initProject(tempDir());
    const a = project.openJob({ i: 1 }).init();
    const b = project.openJob({ i: 2 }).init();
    b.doc.set("mine", true);
    let error: unknown;
    try {
      a.sp = { i: 2 };
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DestinationExistsError);
    expect((error as DestinationExistsError).destination).toBe(b.id);
    expect((error as Error).message).toMatch(/the job of the new state point, [0-9a-f]{32}, exists/);
    expect(a.id).toBe(jobId({ i: 1 }));
    expect(a.sp).toEqual({ i: 1 });
    expect(filesOf(a.path)).toEqual(["signac_statepoint.json"]); // no temporary file left
    expect(fs.readFileSync(a.fn("signac_statepoint.json"), "utf8")).toBe('{"i": 1}');
    expect(filesOf(b.path)).toEqual(["signac_job_document.json", "signac_statepoint.json"]);
    expect(checkWorkspace(project.workspace)).toEqual([]);
  });

  it("refuses a state point that cannot be stored, and changes nothing", () => {
    const project = initProject(tempDir());
    const job = project.openJob({ i: 1 }).init();
    expect(() => (job.sp = { "a.b": 1 })).toThrow(/contains a dot/);
    expect(() => job.updateStatepoint({ x: NaN })).toThrow(UserError);
    expect(() => job.updateStatepoint({ d: new Date(0) as never })).toThrow(/a Date cannot be stored/);
    expect(() => (job.sp = [1] as never)).toThrow(/must be a JSON object/);
    expect(job.sp).toEqual({ i: 1 });
    expect(filesOf(project.workspace)).toEqual([job.id]);
    expect(filesOf(job.path)).toEqual(["signac_statepoint.json"]);
  });

  it("a job that does not exist yet only changes in memory", () => {
    const project = initProject(tempDir());
    const job = project.openJob({ i: 1 });
    job.sp = { i: 2 };
    expect(job.id).toBe(jobId({ i: 2 }));
    expect(job.exists()).toBe(false);
    expect(filesOf(project.workspace)).toEqual([]);
    job.init();
    expect(fs.readFileSync(job.fn("signac_statepoint.json"), "utf8")).toBe('{"i": 2}');
  });
});
