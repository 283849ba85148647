import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jobId } from "../../src/dataspace/id.js";
import { parseJson } from "../../src/dataspace/json.js";
import type { JsonObject } from "../../src/dataspace/value.js";
import { cohort, lines, signacProjectCopy, tempDir } from "../helpers.js";

const sp = (text: string) => parseJson(text) as JsonObject;

describe("cohort init", () => {
  it("writes cohort.toml, .signac/config and workspace/", () => {
    const dir = tempDir();
    const r = cohort(["init"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, ".signac", "config"), "utf8")).toBe("schema_version = 2\n");
    expect(fs.readFileSync(path.join(dir, "cohort.toml"), "utf8")).toContain("[project]");
    expect(fs.statSync(path.join(dir, "workspace")).isDirectory()).toBe(true);
  });

  it("initializes a named directory and keeps an existing cohort.toml", () => {
    const dir = tempDir();
    expect(cohort(["init", "proj", "--name", "demo"], { cwd: dir }).code).toBe(0);
    const toml = path.join(dir, "proj", "cohort.toml");
    expect(fs.readFileSync(toml, "utf8")).toContain('name = "demo"');
    fs.appendFileSync(toml, "# mine\n");
    expect(cohort(["init", "proj"], { cwd: dir }).code).toBe(0);
    expect(fs.readFileSync(toml, "utf8")).toContain("# mine");
  });

  it("refuses an empty --name, which cohort.toml refuses too, and makes nothing", () => {
    const dir = tempDir();
    const r = cohort(["init", "proj", "--name", ""], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("cohort: error: --name must not be empty (e.g. --name demo, or leave it out: the directory's name is used)\n");
    expect(fs.existsSync(path.join(dir, "proj"))).toBe(false);
  });

  it("creates a grid of jobs, first key outermost, keeping 1.0 a float", () => {
    const dir = tempDir();
    expect(cohort(["init", "T={1.0,2.0}", "N={100,1000}"], { cwd: dir }).code).toBe(0);
    const expected = ['{"T": 1.0, "N": 100}', '{"T": 1.0, "N": 1000}', '{"T": 2.0, "N": 100}', '{"T": 2.0, "N": 1000}'];
    const ids = lines(cohort(["find"], { cwd: dir }).stdout);
    expect(ids).toEqual(expected.map((t) => jobId(sp(t))).sort());
    for (const t of expected) {
      const file = path.join(dir, "workspace", jobId(sp(t)), "signac_statepoint.json");
      expect(fs.readFileSync(file, "utf8")).toBe(t);
    }
    // the same grid again creates nothing new
    const again = cohort(["init", "T={1.0,2.0}", "N={100,1000}"], { cwd: dir });
    expect(again.stderr).toContain("0 jobs created, 4 existed");
    // one job is a job, not "1 jobs"
    expect(cohort(["init", "T=3.0", "N=100"], { cwd: dir }).stderr).toBe("1 job created, 0 existed\n");
  });

  it("creates ranges", () => {
    const dir = tempDir();
    expect(cohort(["init", "i={1..5}", "x={0..1..0.25}"], { cwd: dir }).code).toBe(0);
    expect(lines(cohort(["find"], { cwd: dir }).stdout)).toHaveLength(25);
    expect(lines(cohort(["find", "x", "0.25"], { cwd: dir }).stdout)).toHaveLength(5);
    expect(lines(cohort(["find", "x", "1"], { cwd: dir }).stdout)).toHaveLength(5); // int 1 matches float 1.0
    expect(cohort(["job", "id", '{"i": 5, "x": 1.0}'], { cwd: dir }).stdout.trim()).toBe(jobId(sp('{"i": 5, "x": 1.0}')));
    expect(lines(cohort(["find", '{"i": 5, "x": 1.0}'], { cwd: dir }).stdout)).toEqual([jobId(sp('{"i": 5, "x": 1.0}'))]);
  });
});

describe("finding the project", () => {
  it("works from any subdirectory and with -C", () => {
    const dir = tempDir();
    cohort(["init", "a={1,2}"], { cwd: dir });
    const sub = path.join(dir, "workspace", jobId({ a: 1 }));
    expect(lines(cohort(["find", "a", "2"], { cwd: sub }).stdout)).toEqual([jobId({ a: 2 })]);
    expect(lines(cohort(["-C", dir, "find", "a", "1"], { cwd: tempDir() }).stdout)).toEqual([jobId({ a: 1 })]);
  });

  it("refuses to run outside a project with one line and exit code 2", () => {
    const r = cohort(["find"], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cohort: error: not inside a cohort or signac project: .* \(run 'cohort init' or pass -C DIR\)\n$/);
  });

  it("explains how to migrate a schema-1 signac project", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "signac.rc"), "project = old\nworkspace_dir = workspace\n");
    const r = cohort(["find"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("schema version 1");
    expect(r.stderr).toContain("signac migrate");
  });
});

describe("a project made by signac 2.4.1", () => {
  // What signac's find_jobs returned on test/fixtures/signac-project (ids sorted).
  const expected: [string, string[]][] = [
    ['{"T": {"$gt": 1.2}, "model": "lj"}', ["99a44666a7f7c4840f0c929c0e956791", "b0090424f93b008294a77d29fa4f6a04", "c70eef595365ca034fe67c1b4947a690", "eb729366d8f3b68036557bbe62e0bde9"]],
    ['{"doc.prepared": true}', ["09f324ec5778311adea494d74da682ad", "361cc0052c897bb1be5da78b8ddd8c3c", "4a90233f9cbaae7b6b09e058d1d9936d", "99a44666a7f7c4840f0c929c0e956791", "c70eef595365ca034fe67c1b4947a690", "db8f4dc089f402ca2eb69be2fa231905"]],
    ['{"N": 64, "params.sigma": 1}', ["09f324ec5778311adea494d74da682ad", "361cc0052c897bb1be5da78b8ddd8c3c", "4a90233f9cbaae7b6b09e058d1d9936d", "99a44666a7f7c4840f0c929c0e956791", "c70eef595365ca034fe67c1b4947a690", "db8f4dc089f402ca2eb69be2fa231905"]],
    ['{"model": {"$regex": "^w"}}', ["09f324ec5778311adea494d74da682ad", "281dfa219b20c55cbcd7d5ce911ff636", "4a90233f9cbaae7b6b09e058d1d9936d", "7b7290fbf9abab70b0e52114eacccd1a", "b9e5f810b212dcaabdc473e20a002f63", "db8f4dc089f402ca2eb69be2fa231905"]],
    ['{"$or": [{"T": 1.0}, {"big": {"$exists": true}}]}', ["281dfa219b20c55cbcd7d5ce911ff636", "361cc0052c897bb1be5da78b8ddd8c3c", "73030f47a505bb5ec56e45ceba007935", "db8f4dc089f402ca2eb69be2fa231905", "ea4d7baf4f867f27dbbc9155051df01e"]],
    ['{"doc.energy": {"$lt": -20}}', ["7b7290fbf9abab70b0e52114eacccd1a", "b0090424f93b008294a77d29fa4f6a04"]],
    ['{"T": {"$in": [1.0, 2]}}', ["281dfa219b20c55cbcd7d5ce911ff636", "361cc0052c897bb1be5da78b8ddd8c3c", "4a90233f9cbaae7b6b09e058d1d9936d", "7b7290fbf9abab70b0e52114eacccd1a", "b0090424f93b008294a77d29fa4f6a04", "c70eef595365ca034fe67c1b4947a690", "db8f4dc089f402ca2eb69be2fa231905", "ea4d7baf4f867f27dbbc9155051df01e"]],
  ];

  it("opens unchanged and find returns exactly what signac returns", () => {
    const dir = signacProjectCopy();
    const before = snapshot(dir);
    for (const [filter, ids] of expected) {
      const r = cohort(["find", filter], { cwd: dir });
      expect(r.stderr).toBe("");
      expect(lines(r.stdout), filter).toEqual(ids);
    }
    expect(lines(cohort(["find"], { cwd: dir }).stdout)).toHaveLength(13);
    expect(cohort(["check"], { cwd: dir }).code).toBe(0);
    // nothing of signac's was touched; cohort added only .cohort/
    const after = snapshot(dir);
    for (const [file, content] of before) expect(after.get(file), file).toBe(content);
    expect([...after.keys()].filter((f) => !before.has(f)).every((f) => f.startsWith(".cohort/"))).toBe(true);
  });

  it("answers the short form of the same queries", () => {
    const dir = signacProjectCopy();
    expect(lines(cohort(["find", "doc.energy.$lt", "-20"], { cwd: dir }).stdout)).toEqual(expected[5][1]);
    expect(lines(cohort(["find", "model", "/^w/"], { cwd: dir }).stdout)).toEqual(expected[3][1]);
    expect(lines(cohort(["find", "N", "64", "params.sigma", "1"], { cwd: dir }).stdout)).toEqual(expected[2][1]);
  });

  it("keeps the big integer, the tiny float and the mixed list exact", () => {
    const dir = signacProjectCopy();
    const r = cohort(["job", "show", "73030", "--json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"big": 1180591620717411303424');
    expect(r.stdout).toContain('"tiny": 1e-07');
    expect(r.stdout).toContain('"list": [1, 1.0, "1", true, null]');
  });
});

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p, "latin1"));
    }
  };
  walk(dir);
  return out;
}
