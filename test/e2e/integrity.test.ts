import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jobId } from "../../src/dataspace/id.js";
import { cohort, deadPid, lines, tempDir, tempName } from "../helpers.js";

function project(...grid: string[]): string {
  const dir = tempDir();
  expect(cohort(["init", ...grid], { cwd: dir }).code).toBe(0);
  return dir;
}

const ONE_LINE_ERROR = /^cohort: error: [^\n]+\n$/;

describe("cohort check", () => {
  it("passes a clean workspace", () => {
    const dir = project("a={1,2}");
    const r = cohort(["check"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("workspace OK\n");
  });

  it("reports wrong hashes, missing, empty and corrupt state points, and foreign entries", () => {
    const dir = project("a={1,2,3,4}");
    const ws = path.join(dir, "workspace");
    const [wrong, missing, empty, corrupt] = [1, 2, 3, 4].map((a) => jobId({ a }));
    fs.writeFileSync(path.join(ws, wrong, "signac_statepoint.json"), '{"a": 10}');
    fs.rmSync(path.join(ws, missing, "signac_statepoint.json"));
    fs.writeFileSync(path.join(ws, empty, "signac_statepoint.json"), "");
    fs.writeFileSync(path.join(ws, corrupt, "signac_statepoint.json"), '{"a": ');
    fs.writeFileSync(path.join(ws, "notes.txt"), "hello");
    fs.mkdirSync(path.join(ws, "scratch"));
    const r = cohort(["check"], { cwd: dir });
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    expect(out).toHaveLength(6);
    expect(out.find((l) => l.includes(wrong))).toContain(`hashes to ${jobId({ a: 10 })}`);
    expect(out.find((l) => l.includes(missing))).toContain("no state-point file");
    expect(out.find((l) => l.includes(empty))).toContain("empty");
    expect(out.find((l) => l.includes(corrupt))).toContain("corrupt");
    expect(out.find((l) => l.includes("notes.txt"))).toMatch(/^foreign/);
    expect(out.find((l) => l.includes("scratch"))).toMatch(/^foreign/);
    const json = JSON.parse(cohort(["check", "--json"], { cwd: dir }).stdout);
    expect(json).toHaveLength(6);
  });

  it("reports job and project documents that are not a JSON object, naming each file", () => {
    const dir = project("a={1,2,3,4,5}");
    const ws = path.join(dir, "workspace");
    const [corrupt, empty, list, latin1, fine] = [1, 2, 3, 4, 5].map((a) => jobId({ a }));
    const doc = (id: string) => path.join(ws, id, "signac_job_document.json");
    fs.writeFileSync(doc(corrupt), '{"x": ');
    fs.writeFileSync(doc(empty), "");
    fs.writeFileSync(doc(list), "[1, 2]");
    fs.writeFileSync(doc(latin1), Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]));
    fs.writeFileSync(doc(fine), '{"x": 1}');
    fs.writeFileSync(path.join(dir, "signac_project_document.json"), "{oops}");
    const r = cohort(["check"], { cwd: dir });
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    expect(out).toHaveLength(5);
    expect(out[0]).toMatch(/^invalid {2}signac_project_document\.json: project document is corrupt: /);
    expect(out.find((l) => l.includes(corrupt))).toMatch(new RegExp(`^invalid  workspace/${corrupt}/signac_job_document\\.json: document is corrupt: `));
    expect(out.find((l) => l.includes(empty))).toBe(`invalid  workspace/${empty}/signac_job_document.json: document is empty`);
    expect(out.find((l) => l.includes(list))).toBe(`invalid  workspace/${list}/signac_job_document.json: document does not hold a JSON object`);
    expect(out.find((l) => l.includes(latin1))).toContain("document is not valid UTF-8: byte 0xe9");
    expect(out.some((l) => l.includes(fine))).toBe(false);
    const json = JSON.parse(cohort(["check", "--json"], { cwd: dir }).stdout);
    expect(json.map((p: { kind: string }) => p.kind)).toEqual(["document", "document", "document", "document", "document"]);
    expect(json.find((p: { name: string }) => p.name === empty)).toEqual({ name: empty, path: `workspace/${empty}/signac_job_document.json`, kind: "document", reason: "document is empty" });
  });

  it("finds a state point edited in place even when the cache is warm", () => {
    const dir = project("a={1,2}");
    cohort(["find"], { cwd: dir });
    fs.writeFileSync(path.join(dir, "workspace", jobId({ a: 1 }), "signac_statepoint.json"), '{"a": 7}');
    const r = cohort(["check"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(jobId({ a: 1 }));
  });

  it("a state-point file with a dotted key, even one hashing to its name, is an invalid job directory", () => {
    const dir = project("a={2}");
    const ws = path.join(dir, "workspace");
    cohort(["find"], { cwd: dir }); // a warm index: the job made by another program is found by a rescan
    const top = { "a.b": 1 };
    const nested = { x: [{ "c.d": 2 }] };
    for (const sp of [top, nested]) {
      fs.mkdirSync(path.join(ws, jobId(sp)));
      fs.writeFileSync(path.join(ws, jobId(sp), "signac_statepoint.json"), JSON.stringify(sp));
    }
    const check = cohort(["check"], { cwd: dir });
    expect(check.code).toBe(1);
    expect(lines(check.stdout).find((l) => l.includes(jobId(top)))).toContain('state-point key "a.b" contains a dot');
    expect(lines(check.stdout).find((l) => l.includes(jobId(nested)))).toContain('state-point key "c.d" contains a dot');
    const found = cohort(["find"], { cwd: dir });
    expect(lines(found.stdout)).toEqual([jobId({ a: 2 })]);
    expect(found.stderr).toBe("cohort: warning: 2 job directories are invalid and skipped (run 'cohort check')\n");
    const show = cohort(["job", "show", jobId(top)], { cwd: dir });
    expect(show.code).toBe(2);
    expect(show.stderr).toMatch(/^cohort: error: job directory [0-9a-f]{32} is invalid: state-point key "a\.b" contains a dot/);
  });

  it("other commands skip an invalid job made by another program, with one warning", () => {
    const dir = project("a={2}");
    fs.mkdirSync(path.join(dir, "workspace", jobId({ a: 1 })));
    fs.writeFileSync(path.join(dir, "workspace", jobId({ a: 1 }), "signac_statepoint.json"), '{"a": 10}');
    const r = cohort(["find"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([jobId({ a: 2 })]);
    expect(r.stderr).toBe("cohort: warning: 1 job directory is invalid and skipped (run 'cohort check')\n");
    const show = cohort(["job", "show", jobId({ a: 1 })], { cwd: dir });
    expect(show.code).toBe(2);
    expect(show.stderr).toContain("hashes to");
  });

  it("naming an invalid job directory is one line, without the warning about skipped directories", () => {
    const dir = project("a={2}");
    fs.writeFileSync(path.join(dir, "cohort.toml"), '[project]\nname = "p"\n\n[operations.op]\ncommand = "true"\n');
    const bad = jobId({ a: 1 });
    fs.mkdirSync(path.join(dir, "workspace", bad));
    fs.writeFileSync(path.join(dir, "workspace", bad, "signac_statepoint.json"), '{"a": 10}');
    for (const args of [["job", "show", bad], ["doc", bad], ["doc", bad, "x", "1"], ["job", "rm", bad.slice(0, 6)], ["exec", "op", bad], ["run", "-j", bad]]) {
      const r = cohort(args, { cwd: dir });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(ONE_LINE_ERROR);
      expect(r.stderr, args.join(" ")).toContain(`job directory ${bad} is invalid: state point hashes to ${jobId({ a: 10 })}`);
    }
    expect(fs.readdirSync(path.join(dir, "workspace", bad))).toEqual(["signac_statepoint.json"]);
    // the warning still comes when the command goes on: before its output
    const found = cohort(["find"], { cwd: dir });
    expect(found.stderr).toBe("cohort: warning: 1 job directory is invalid and skipped (run 'cohort check')\n");
    const status = cohort(["status"], { cwd: dir });
    expect(status.code).toBe(0);
    expect(status.stderr).toBe("cohort: warning: 1 job directory is invalid and skipped (run 'cohort check')\n");
  });
});

describe("bad input: one line, exit code 2", () => {
  const dir = project();
  const cases: [string, string[], RegExp][] = [
    ["malformed JSON, with its position", ["job", "init", '{"a": 1,\n "b": }'], /malformed JSON in the state point: .* at line 2, column 7/],
    ["a state-point key with a dot", ["job", "init", '{"a.b": 1}'], /state-point key "a\.b" contains a dot/],
    ["a nested key with a dot", ["job", "init", '{"a": {"b.c": 1}}'], /state-point key "b\.c" contains a dot/],
    ["NaN in a state point", ["job", "init", '{"a": NaN}'], /NaN and Infinity are not valid values/],
    ["Infinity in a state point", ["job", "init", '{"a": -Infinity}'], /NaN and Infinity are not valid values/],
    ["a float overflowing to infinity", ["job", "init", '{"a": 1e400}'], /too large for a float/],
    ["a grid key with a dot", ["init", "a.b={1,2}"], /"a\.b" contains '\.'/],
    ["a state point that is not an object", ["job", "init", "[1, 2]"], /must be a JSON object/],
    ["an unknown job id", ["job", "show", "0123456789abcdef0123456789abcdef"], /no job matches/],
    ["an unknown command", ["frobnicate"], /unknown command/],
    ["an unknown option", ["find", "--frob"], /unknown option/],
    ["an unknown filter operator", ["find", '{"a": {"$foo": 1}}'], /\$foo/],
    ["malformed filter JSON", ["find", '{"a": '], /malformed JSON/],
  ];
  for (const [what, args, message] of cases) {
    it(what, () => {
      const r = cohort(args, { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(ONE_LINE_ERROR);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
    });
  }

  it("malformed JSON, in a document, a filter or a state point, comes with a hint, and the document is left as it was", () => {
    const d = project("a={1}");
    const file = path.join(d, "workspace", jobId({ a: 1 }), "signac_job_document.json");
    fs.writeFileSync(file, '{"x": }');
    const cases: [string[], RegExp][] = [
      [["doc", jobId({ a: 1 })], /at line 1, column 7 \(fix the file by hand; cohort leaves it as it is\)\n$/],
      [["doc", jobId({ a: 1 }), "y", "1"], /at line 1, column 7 \(fix the file by hand; cohort leaves it as it is\)\n$/],
      [["find", "doc.x", "1"], /at line 1, column 7 \(fix the file by hand; cohort leaves it as it is\)\n$/],
      [["find", '{"a": 1'], /at line 1, column 8 \(write the filter as JSON, .* or as KEY VALUE pairs\)\n$/],
      [["job", "id", '{"a": '], /at line 1, column 7 \(write it like '\{"T": 1\.0\}', or as KEY=VALUE pairs\)\n$/],
    ];
    for (const [args, message] of cases) {
      const r = cohort(args, { cwd: d });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(ONE_LINE_ERROR);
      expect(r.stderr, args.join(" ")).toMatch(message);
    }
    expect(fs.readFileSync(file, "utf8")).toBe('{"x": }');
  });

  it("shows a stack trace only with --debug", () => {
    const r = cohort(["--debug", "job", "init", '{"a": NaN}'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n").length).toBeGreaterThan(3);
  });
});

describe("the cache is never trusted blindly", () => {
  /** Makes the workspace look untouched for a while, so that the next command may trust the cache. */
  function age(dir: string): void {
    const ws = path.join(dir, "workspace");
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(ws, old, old);
    cohort(["find"], { cwd: dir }); // scans, and records a directory time old enough to trust
  }

  it("is used when nothing changed", () => {
    const dir = project("a={1,2}");
    age(dir);
    // A command that reads the workspace also removes what killed processes left in .cohort/cache; one
    // that trusts the cache reads neither.
    const cache = path.join(dir, ".cohort", "cache");
    const left = tempName("jobs.json", { pid: deadPid() });
    fs.writeFileSync(path.join(cache, left), "{");
    expect(cohort(["find"], { cwd: dir }).code).toBe(0);
    expect(fs.readdirSync(cache)).toContain(left);
    const now = new Date();
    fs.utimesSync(path.join(dir, "workspace"), now, now);
    expect(cohort(["find"], { cwd: dir }).code).toBe(0);
    expect(fs.readdirSync(cache)).not.toContain(left);
  });

  it("sees a job added behind its back with the workspace's time set back: the change time moved", () => {
    const dir = project("a={1,2}");
    age(dir);
    const sneaky = jobId({ a: 3 });
    const ws = path.join(dir, "workspace");
    const mtime = fs.statSync(ws).mtime;
    fs.mkdirSync(path.join(ws, sneaky));
    fs.writeFileSync(path.join(ws, sneaky, "signac_statepoint.json"), '{"a": 3}');
    fs.utimesSync(ws, mtime, mtime);
    expect(fs.statSync(ws).mtime).toEqual(mtime);
    expect(lines(cohort(["find"], { cwd: dir }).stdout)).toContain(sneaky);
  });

  it("sees a job added by another program", () => {
    const dir = project("a={1,2}");
    age(dir);
    const id = jobId({ a: 3.5 });
    fs.mkdirSync(path.join(dir, "workspace", id));
    fs.writeFileSync(path.join(dir, "workspace", id, "signac_statepoint.json"), '{"a": 3.5}');
    expect(lines(cohort(["find", "a.$gt", "3"], { cwd: dir }).stdout)).toEqual([id]);
  });

  it("sees a job removed by another program", () => {
    const dir = project("a={1,2}");
    age(dir);
    fs.rmSync(path.join(dir, "workspace", jobId({ a: 1 })), { recursive: true });
    expect(lines(cohort(["find"], { cwd: dir }).stdout)).toEqual([jobId({ a: 2 })]);
  });

  it("sees a job moved to a new state point by another program", () => {
    const dir = project("a={1,2}");
    age(dir);
    const ws = path.join(dir, "workspace");
    const moved = jobId({ a: 5 });
    fs.renameSync(path.join(ws, jobId({ a: 1 })), path.join(ws, moved));
    fs.writeFileSync(path.join(ws, moved, "signac_statepoint.json"), '{"a": 5}');
    expect(lines(cohort(["find", "a", "5"], { cwd: dir }).stdout)).toEqual([moved]);
    expect(lines(cohort(["find", "a", "1"], { cwd: dir }).stdout)).toEqual([]);
  });

  it("sees a document edited in place by another program", () => {
    const dir = project("a={1,2}");
    const id = jobId({ a: 1 });
    cohort(["doc", id, "done", "false"], { cwd: dir });
    age(dir);
    expect(lines(cohort(["find", "doc.done", "true"], { cwd: dir }).stdout)).toEqual([]);
    fs.writeFileSync(path.join(dir, "workspace", id, "signac_job_document.json"), '{"done": true}');
    expect(lines(cohort(["find", "doc.done", "true"], { cwd: dir }).stdout)).toEqual([id]);
  });

  it("survives a corrupt cache file", () => {
    const dir = project("a={1,2}");
    cohort(["find"], { cwd: dir });
    fs.writeFileSync(path.join(dir, ".cohort", "cache", "jobs.json"), "{not json");
    expect(lines(cohort(["find"], { cwd: dir }).stdout)).toHaveLength(2);
  });
});
