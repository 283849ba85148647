/**
 * Strict input (SPEC §12): bytes that are not UTF-8, in a file cohort reads or in an argument, are
 * refused with exit 2 and the file (and line) or argument named, never replaced by U+FFFD; nothing is
 * rewritten. Command-line values are typed by one function, so `doc`, `job init`, `init`, `run` and
 * `find` accept and refuse the same text.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COHORT, cohort, lines, tempDir, type Result } from "../helpers.js";

/** Runs bin/cohort with arguments given as bytes (node's spawn takes only strings: sh passes them on). */
function cohortBytes(args: Buffer[], cwd: string): Result {
  // printf '%b' turns each argument's \ooo escapes back into its raw bytes
  const octal = (b: Buffer) => [...b].map((x) => "\\0" + x.toString(8).padStart(3, "0")).join("");
  const script = `exec "$0" "$1" ${args.map((_, i) => `"$(printf '%b' "$${i + 2}")"`).join(" ")}`;
  const r = spawnSync("sh", ["-c", script, process.execPath, COHORT, ...args.map(octal)], {
    cwd,
    env: { ...process.env, NO_COLOR: "1" },
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const bytes = (...parts: (string | number[] | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));

function newProject(): string {
  const dir = tempDir();
  expect(cohort(["init"], { cwd: dir }).code).toBe(0);
  return dir;
}

function expectRefused(r: Result, message: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(lines(r.stderr)).toHaveLength(1);
  expect(r.stderr).toMatch(/^cohort: error: /);
  expect(r.stderr).toMatch(message);
}

describe("invalid UTF-8 in a file", () => {
  it("a job document holding \\xff is refused by doc, and the byte stays", () => {
    const dir = newProject();
    const id = cohort(["job", "init", "a=1"], { cwd: dir }).stdout.trim();
    const file = path.join(dir, "workspace", id, "signac_job_document.json");
    const content = bytes('{"x": 1,\n "y": "', [0xff], '"}');
    fs.writeFileSync(file, content);
    const set = cohort(["doc", id, "z", "2"], { cwd: dir });
    expectRefused(set, /signac_job_document\.json is not valid UTF-8: byte 0xff at line 2, column 8/);
    expect(fs.readFileSync(file)).toEqual(content);
    expectRefused(cohort(["doc", id], { cwd: dir }), /not valid UTF-8/);
    expectRefused(cohort(["find", "doc.x", "1"], { cwd: dir }), /signac_job_document\.json is not valid UTF-8/);
    expect(fs.readFileSync(file)).toEqual(content);
  });

  it("the project document holding \\xfe is refused, and the byte stays", () => {
    const dir = newProject();
    const file = path.join(dir, "signac_project_document.json");
    const content = bytes('{"name": "caf', [0xe9], '"}');
    fs.writeFileSync(file, content);
    expectRefused(cohort(["doc", "--project", "k", "v"], { cwd: dir }), /signac_project_document\.json is not valid UTF-8: byte 0xe9 at line 1, column 14/);
    expect(fs.readFileSync(file)).toEqual(content);
  });

  it("a state-point file that is not UTF-8 makes its job directory invalid, with the reason", () => {
    const dir = newProject();
    const id = cohort(["job", "init", "a=x"], { cwd: dir }).stdout.trim();
    const file = path.join(dir, "workspace", id, "signac_statepoint.json");
    const content = bytes('{"a": "', [0xff], '"}');
    fs.writeFileSync(file, content);
    const show = cohort(["job", "show", id.slice(0, 6)], { cwd: dir });
    expect(show.code).toBe(2);
    // one line: the error about the job named, not also the warning about skipped directories
    expect(lines(show.stderr)).toHaveLength(1);
    expect(lines(show.stderr)[0]).toMatch(new RegExp(`^cohort: error: job directory ${id} is invalid: state-point file is not valid UTF-8: byte 0xff at line 1, column 8`));
    const check = cohort(["check"], { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toMatch(/not valid UTF-8/);
    expect(fs.readFileSync(file)).toEqual(content);
  });

  it("cohort.toml holding \\xff is refused with its line", () => {
    const dir = newProject();
    const file = path.join(dir, "cohort.toml");
    fs.writeFileSync(file, bytes('[project]\nname = "d', [0xff], '"\n'));
    expectRefused(cohort(["status"], { cwd: dir }), /cohort\.toml is not valid UTF-8: byte 0xff at line 2, column 10/);
  });
  it("a submission template holding a Latin-1 byte is refused with its line; one holding U+FFFD is used", () => {
    const dir = newProject();
    fs.writeFileSync(path.join(dir, "cohort.toml"), '[operations.a]\ncommand = "true"\n');
    expect(cohort(["job", "init", "i=1"], { cwd: dir }).code).toBe(0);
    fs.mkdirSync(path.join(dir, "templates"));
    const template = (...middle: (string | number[])[]) =>
      fs.writeFileSync(path.join(dir, "templates", "slurm.sh"), bytes('{% extends "cohort/slurm.sh" %}\n{% block header %}\n{{ super() }}\n# ', ...middle, "\n{% endblock %}\n"));
    const submit = () => cohort(["submit", "--pretend", "--scheduler", "slurm"], { cwd: dir });
    template("caf", [0xe9]);
    expectRefused(submit(), /templates\/slurm\.sh is not valid UTF-8: byte 0xe9 at line 4, column 6/);
    template("caf\uFFFD");
    const shown = submit();
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("# caf\uFFFD\n");
  });
});

describe("invalid UTF-8 in an argument", () => {
  it("job init a=\\xff\\xfe is refused, naming the argument; no job is made", () => {
    const dir = newProject();
    const r = cohortBytes([bytes("job"), bytes("init"), bytes("a=", [0xff, 0xfe])], dir);
    expectRefused(r, /argument 3 'a=\\xff\\xfe' is not valid UTF-8: byte 0xff at column 3/);
    expect(fs.readdirSync(path.join(dir, "workspace"))).toEqual([]);
  });

  it("doc values, run flags, filters and option values are refused the same way", () => {
    const dir = newProject();
    const id = cohort(["job", "init", "a=1"], { cwd: dir }).stdout.trim();
    const bad = bytes("x", [0xc3]); // a sequence cut short
    expectRefused(cohortBytes([bytes("doc"), bytes(id), bytes("k"), bad], dir), /argument 4 'x\\xc3' is not valid UTF-8/);
    expectRefused(cohortBytes([bytes("run"), bytes("op"), bytes("lr=", bad)], dir), /argument 3 'lr=x\\xc3'/);
    expectRefused(cohortBytes([bytes("find"), bytes("a"), bad], dir), /argument 3 'x\\xc3'/);
    expectRefused(cohortBytes([bytes("-C"), bytes("d", [0xff]), bytes("find")], dir), /argument 2 'd\\xff'/);
    expect(fs.existsSync(path.join(dir, "workspace", id, "signac_job_document.json"))).toBe(false);
  });

  it("a U+FFFD the user really typed is kept", () => {
    const dir = newProject();
    const r = cohortBytes([bytes("job"), bytes("init"), bytes("a=\uFFFD")], dir);
    expect(r.code, r.stderr).toBe(0);
    const sp = cohort(["job", "show", r.stdout.trim(), "--json"], { cwd: dir });
    expect(JSON.parse(sp.stdout).sp).toEqual({ a: "\uFFFD" });
  });
});

describe("one typing of command-line values", () => {
  it("doc refuses 1e999 as job init does, and stores nothing", () => {
    const dir = newProject();
    const id = cohort(["job", "init", "a=1"], { cwd: dir }).stdout.trim();
    expectRefused(cohort(["job", "init", "a=1e999"], { cwd: dir }), /1e999 is too large for a float/);
    expectRefused(cohort(["doc", id, "x", "1e999"], { cwd: dir }), /1e999 is too large for a float/);
    expectRefused(cohort(["find", "a", "-1e999"], { cwd: dir }), /too large for a float/);
    expect(fs.existsSync(path.join(dir, "workspace", id, "signac_job_document.json"))).toBe(false);
  });

  it("unbalanced brackets are refused in init, job init, doc and find", () => {
    const dir = newProject();
    const id = cohort(["job", "init", "a=1"], { cwd: dir }).stdout.trim();
    expectRefused(cohort(["init", "lr={1,2}}"], { cwd: dir }), /unbalanced brackets in \{1,2\}\}/);
    expectRefused(cohort(["job", "init", "lr=2}"], { cwd: dir }), /unbalanced brackets in 2\}/);
    expectRefused(cohort(["doc", id, "x", "2}"], { cwd: dir }), /unbalanced brackets in 2\}/);
    expectRefused(cohort(["find", "a", "2}"], { cwd: dir }), /unbalanced brackets in 2\}/);
    expect(fs.readdirSync(path.join(dir, "workspace"))).toEqual([id]);
  });

  it("schema --max-values takes a whole number only, as every count option does", () => {
    const dir = newProject();
    for (const bad of ["", " ", "1e3", "1e999", "-1", "2.5"]) {
      expectRefused(cohort(["schema", "--max-values", bad], { cwd: dir }), /--max-values .* is not a whole number of at least 0/);
    }
    expect(cohort(["schema", "--max-values", "0"], { cwd: dir }).code).toBe(0);
  });

  it("doc stores a value as job init types it", () => {
    const dir = newProject();
    const id = cohort(["job", "init", "a=1"], { cwd: dir }).stdout.trim();
    for (const [text, stored] of [
      [".5", "0.5"],
      ["+3", "3"],
      ["'1'", '"1"'],
      ["007", '"007"'],
    ]) {
      expect(cohort(["doc", id, "x", text], { cwd: dir }).code).toBe(0);
      expect(cohort(["doc", id, "x"], { cwd: dir }).stdout).toBe(stored + "\n");
      expect(cohort(["find", "doc.x", text], { cwd: dir }).stdout.trim()).toBe(id);
    }
  });
});
