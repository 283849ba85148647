import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jobId } from "../../src/dataspace/id.js";
import { cohort, cohortInBackground, lines, readRuns, tempDir, waitFor } from "../helpers.js";

function project(): string {
  const dir = tempDir();
  expect(cohort(["init"], { cwd: dir }).code).toBe(0);
  return dir;
}

describe("cohort init", () => {
  it("a bad grid is one line and exit 2, and makes no project", () => {
    for (const args of [["T={1..}"], ["new", "a.b=1"], ['{"a": 1}'], ["[1]"]]) {
      const dir = tempDir();
      const r = cohort(["init", ...args], { cwd: dir });
      expect(r.code).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(/^cohort: error: /);
      expect(fs.readdirSync(dir)).toEqual([]);
    }
  });
});

describe("cohort job", () => {
  it("init creates a job idempotently and prints its id; id only computes", () => {
    const dir = project();
    const id = jobId({ a: 1 });
    expect(cohort(["job", "id", '{"a": 1}'], { cwd: dir }).stdout).toBe(id + "\n");
    expect(fs.existsSync(path.join(dir, "workspace", id))).toBe(false);
    expect(cohort(["job", "init", '{"a": 1}'], { cwd: dir }).stdout).toBe(id + "\n");
    expect(cohort(["job", "init", "a=1"], { cwd: dir }).stdout).toBe(id + "\n");
    expect(fs.readFileSync(path.join(dir, "workspace", id, "signac_statepoint.json"), "utf8")).toBe('{"a": 1}');
    expect(lines(cohort(["find"], { cwd: dir }).stdout)).toEqual([id]);
  });

  it("init in a project of a cohort.toml alone (no workspace/ yet) makes the workspace and the job", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "cohort.toml"), '[project]\nname = "bare"\n');
    const r = cohort(["job", "init", "a=1"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(jobId({ a: 1 }) + "\n");
    expect(lines(cohort(["find"], { cwd: dir }).stdout)).toEqual([jobId({ a: 1 })]);
  });

  it("job id works outside any project and tells 1 from 1.0", () => {
    const dir = tempDir();
    expect(cohort(["job", "id", '{"a": 1}'], { cwd: dir }).stdout.trim()).toBe("42b7b4f2921788ea14dac5566e6f06d0");
    expect(cohort(["job", "id", '{"a": 1.0}'], { cwd: dir }).stdout.trim()).toBe("4b8937963abc9e9148b4524d4f837b4b");
    expect(cohort(["job", "id", "a=1.0"], { cwd: dir }).stdout.trim()).toBe("4b8937963abc9e9148b4524d4f837b4b");
  });

  it("show prints state point, document and path; accepts a unique prefix", () => {
    const dir = project();
    const id = cohort(["job", "init", '{"T": 1.5, "name": "x"}'], { cwd: dir }).stdout.trim();
    cohort(["doc", id, "energy", "-2.0"], { cwd: dir });
    const r = cohort(["job", "show", id.slice(0, 6)], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(id);
    expect(r.stdout).toContain(path.join(dir, "workspace", id));
    expect(r.stdout).toContain('"T": 1.5');
    expect(r.stdout).toContain('"energy": -2.0');
    const json = JSON.parse(cohort(["job", "show", id, "--json"], { cwd: dir }).stdout);
    expect(json).toEqual({ id, path: path.join(dir, "workspace", id), sp: { T: 1.5, name: "x" }, doc: { energy: -2 } });
  });

  it("an ambiguous prefix is an error listing the candidates; an unknown id is an error", () => {
    const dir = project();
    cohort(["init", "i={0..20}"], { cwd: dir }); // 21 ids over 16 first digits: two share one
    const all = lines(cohort(["find"], { cwd: dir }).stdout);
    const prefix = all.map((id) => id[0]).find((c, i, cs) => cs.indexOf(c) !== i)!;
    const r = cohort(["job", "show", prefix], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("ambiguous");
    for (const id of all.filter((x) => x.startsWith(prefix)).slice(0, 5)) expect(r.stderr).toContain(id);
    const u = cohort(["job", "show", "ffffffffffffffff"], { cwd: dir });
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/^cohort: error: no job matches ffffffffffffffff \(.*\)\n$/);
    const bad = cohort(["job", "show", "xyz"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("not a job id");
  });

  it("rm removes jobs and their files", () => {
    const dir = project();
    cohort(["init", "a={1,2,3}"], { cwd: dir });
    fs.writeFileSync(path.join(dir, "workspace", jobId({ a: 1 }), "out.txt"), "x");
    const r = cohort(["job", "rm", jobId({ a: 1 }).slice(0, 8), jobId({ a: 2 })], { cwd: dir });
    expect(r.code).toBe(0);
    expect(lines(cohort(["find"], { cwd: dir }).stdout)).toEqual([jobId({ a: 3 })]);
    expect(fs.readdirSync(path.join(dir, "workspace"))).toEqual([jobId({ a: 3 })]);
    expect(fs.readdirSync(path.join(dir, ".cohort", "tmp"))).toEqual([]);
  });
});

describe("cohort job rm of a job a run is executing on", () => {
  it("is refused with the run and operation named; once the run has ended, rm works", async () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.wait]\ncommand = "touch started; while [ ! -e \\"$COHORT_PROJECT/go\\" ]; do sleep 0.05; done"\n`);
    cohort(["init", "a={1,2}"], { cwd: dir });
    const [busy, idle] = [jobId({ a: 1 }), jobId({ a: 2 })];
    const run = cohortInBackground(["run", "-j", busy], { cwd: dir });
    await waitFor("the run to start", () => fs.existsSync(path.join(dir, "workspace", busy, "started")));
    const [made] = readRuns(dir);

    const refused = cohort(["job", "rm", idle, busy.slice(0, 6)], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `cohort: error: job ${busy} is in use: run ${made.name} (wait) is running on it; nothing was removed ` +
        "(wait for the run to end or stop it; --force removes the job anyway)\n",
    );
    expect(fs.readdirSync(path.join(dir, "workspace")).sort()).toEqual([busy, idle].sort());

    fs.writeFileSync(path.join(dir, "go"), "");
    expect((await run.done).code).toBe(0);
    expect(cohort(["job", "rm", busy], { cwd: dir }).code).toBe(0);
    expect(fs.readdirSync(path.join(dir, "workspace"))).toEqual([idle]);
  });

  it("--force removes a job a run is executing on", async () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.wait]\ncommand = "touch \\"$COHORT_PROJECT/started\\"; sleep 30"\n`);
    cohort(["init", "a=1"], { cwd: dir });
    const run = cohortInBackground(["run"], { cwd: dir });
    await waitFor("the run to start", () => fs.existsSync(path.join(dir, "started")));
    const r = cohort(["job", "rm", "--force", jobId({ a: 1 })], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(path.join(dir, "workspace"))).toEqual([]);
    run.child.kill("SIGTERM");
    await run.done;
  });
});

describe("cohort doc", () => {
  it("prints, sets JSON values, sets nested keys, deletes", () => {
    const dir = project();
    const id = cohort(["job", "init", "a=1"], { cwd: dir }).stdout.trim();
    expect(cohort(["doc", id], { cwd: dir }).stdout).toBe("{}\n");
    expect(cohort(["doc", id, "energy", "1.0"], { cwd: dir }).code).toBe(0);
    expect(cohort(["doc", id, "tags", '["a", "b"]'], { cwd: dir }).code).toBe(0);
    expect(cohort(["doc", id, "stage", "prod"], { cwd: dir }).code).toBe(0);
    expect(cohort(["doc", id, "result.x", "2"], { cwd: dir }).code).toBe(0);
    const file = path.join(dir, "workspace", id, "signac_job_document.json");
    expect(fs.readFileSync(file, "utf8")).toBe('{"energy": 1.0, "tags": ["a", "b"], "stage": "prod", "result": {"x": 2}}');
    expect(cohort(["doc", id, "energy"], { cwd: dir }).stdout).toBe("1.0\n");
    expect(cohort(["doc", id, "result.x"], { cwd: dir }).stdout).toBe("2\n");
    expect(cohort(["doc", id, "--delete", "tags"], { cwd: dir }).code).toBe(0);
    expect(cohort(["doc", id, "--delete", "result.x"], { cwd: dir }).code).toBe(0);
    expect(fs.readFileSync(file, "utf8")).toBe('{"energy": 1.0, "stage": "prod", "result": {}}');
    const missing = cohort(["doc", id, "--delete", "nope"], { cwd: dir });
    expect(missing.code).toBe(2);
  });

  it("edits the project document", () => {
    const dir = project();
    expect(cohort(["doc", "--project", "campaign", '"fixture"'], { cwd: dir }).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "signac_project_document.json"), "utf8")).toBe('{"campaign": "fixture"}');
    expect(cohort(["doc", "--project"], { cwd: dir }).stdout).toBe('{\n  "campaign": "fixture"\n}\n');
  });

  it("refuses keys with a dot, as signac does", () => {
    const dir = project();
    const id = cohort(["job", "init", "a=1"], { cwd: dir }).stdout.trim();
    const r = cohort(["doc", id, "x", '{"a.b": 1}'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cohort: error: document key "a\.b" contains a dot \(.*\)\n$/);
    expect(fs.existsSync(path.join(dir, "workspace", id, "signac_job_document.json"))).toBe(false);
  });
});

describe("cohort find output", () => {
  it("prints ids, --sp and --doc columns, and JSON", () => {
    const dir = project();
    cohort(["init", "T={1.0,2.0}", "N=64"], { cwd: dir });
    const id1 = jobId({ T: 1.5 }); // not in the project
    expect(lines(cohort(["find", "T", "1.5"], { cwd: dir }).stdout)).toEqual([]);
    expect(id1).toHaveLength(32);
    const [a] = lines(cohort(["find", "T", "1.0"], { cwd: dir }).stdout);
    cohort(["doc", a, "energy", "-3.5"], { cwd: dir });
    const table = lines(cohort(["find", "--sp", "T", "--doc", "energy"], { cwd: dir }).stdout);
    expect(table[0].split(/\s+/)).toEqual(["id", "T", "doc.energy"]);
    expect(table.find((l) => l.startsWith(a))!.split(/\s+/)).toEqual([a, "1.0", "-3.5"]);
    const plain = lines(cohort(["find", "--sp"], { cwd: dir }).stdout);
    expect(plain).toContain(`${a} {"T": 1.0, "N": 64}`);
    const json = JSON.parse(cohort(["find", "doc.energy", "--json", "--doc"], { cwd: dir }).stdout);
    expect(json).toEqual([{ id: a, sp: { T: 1, N: 64 }, doc: { energy: -3.5 } }]);
  });
});

describe("cohort schema", () => {
  it("prints keys with types and ranges", () => {
    const dir = project();
    cohort(["init", "T={1.0,1.5,2.0}", "N={64,128}", "model=lj"], { cwd: dir });
    const r = cohort(["schema"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^T\s+float/m);
    expect(r.stdout).toMatch(/^N\s+int/m);
    expect(r.stdout).toMatch(/^model\s+str/m);
    const json = cohort(["schema", "--json"], { cwd: dir });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toBeTruthy();
  });
});
