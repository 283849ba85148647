import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COHORT, cohort, fakeSqueue, journalDirOf, lines, readJournals, readRuns, tempDir } from "../helpers.js";
import { makeGroup } from "../../src/runs/groups.js";

const TOML = `
[project]
name = "demo"

[operations.prepare]
command = "echo preparing {sp.T}"

[operations.simulate]
command = "echo line1; echo line2; echo simulated {sp.T}"

[operations.fail]
command = "echo failing; exit 3"
`;

interface Row {
  index: number | null;
  type: "run" | "group";
  id: string;
  name: string;
  operation: string;
  started: number | null;
  started_iso: string | null;
  status: string;
  label: string;
  tags: string[];
  jobs: string[];
  deleted?: boolean;
  kind?: string | null;
  members?: string[];
}

/**
 * A project with jobs T=1.0 and T=2.0 and five finished runs: prepare on both jobs, simulate on both,
 * then fail on the first job (error). Returns the runs' ids newest first, as `cohort runs` lists them.
 */
function project() {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "cohort.toml"), TOML);
  const run = (args: string[]) => {
    const r = cohort(args, { cwd: dir });
    expect(r.code, r.stderr).not.toBe(2);
    return r;
  };
  run(["init", "T={1.0,2.0}"]);
  const jobs = lines(run(["find"]).stdout);
  run(["exec", "prepare"]);
  run(["exec", "simulate"]);
  run(["exec", "fail", jobs[0]]);
  const newest = readRuns(dir)
    .map((r) => r.id)
    .reverse();
  expect(newest).toHaveLength(5);
  return { dir, jobs, newest, c: (...args: string[]) => cohort(args, { cwd: dir }) };
}

function json(text: string): Row[] {
  return JSON.parse(text) as Row[];
}

/** Table rows of a listing without its header, split into columns (two or more spaces apart). */
function table(stdout: string): string[][] {
  return lines(stdout)
    .slice(1)
    .map((l) => l.split(/\s{2,}/));
}

/** A bad-input result: exit code 2 and one error line. */
function expectUserError(r: { code: number | null; stdout: string; stderr: string }, what: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(lines(r.stderr)).toHaveLength(1);
  expect(r.stderr).toMatch(/^cohort: error: .*\(.+\)\n$/);
  expect(r.stderr).toMatch(what);
}

describe("cohort runs (list)", () => {
  it("lists runs newest first with #, name, operation, started, status, label", () => {
    const { newest, c } = project();
    const r = c("runs");
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)[0].split(/\s+/)).toEqual(["#", "name", "operation", "started", "status", "label"]);
    const rows = table(r.stdout);
    expect(rows.map((x) => x[0])).toEqual(["1", "2", "3", "4", "5"]);
    const all = json(c("runs", "--json").stdout);
    expect(all.map((x) => x.id)).toEqual(newest);
    expect(rows.map((x) => x[1])).toEqual(all.map((x) => x.name));
    expect(rows.map((x) => x[2])).toEqual(["fail", "simulate", "simulate", "prepare", "prepare"]);
    for (const row of rows) expect(row[3]).toMatch(/^(just now|\d+ seconds? ago|\d+ minutes? ago)$/);
    expect(rows.map((x) => x[4])).toEqual(["error", "completed", "completed", "completed", "completed"]);
  });

  it("--json: id, name, operation, started (µs and ISO), status, label, tags, jobs", () => {
    const { jobs, c } = project();
    const all = json(c("runs", "--json").stdout);
    const first = all[0];
    expect(first).toMatchObject({ index: 1, type: "run", operation: "fail", status: "error", label: "", tags: [], jobs: [jobs[0]], deleted: false });
    expect(first.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.name).toMatch(/^[a-z]{5}-[a-z]{5}$/);
    expect(new Date(first.started_iso!).getTime()).toBe(Math.floor(first.started! / 1000));
    expect(all.map((x) => x.index)).toEqual([1, 2, 3, 4, 5]);
  });

  it("-n N shows the newest N (default 20) and says how many there are; -a shows all", () => {
    const { newest, c } = project();
    const r = c("runs", "-n", "2");
    expect(table(r.stdout).map((x) => x[0])).toEqual(["1", "2"]);
    expect(r.stderr).toBe("2 of 5 shown; -a shows all, -n N the newest N\n");
    expect(json(c("runs", "-n", "2", "--json").stdout).map((x) => x.id)).toEqual(newest.slice(0, 2));
    expect(json(c("runs", "-a", "--json").stdout)).toHaveLength(5);
    expectUserError(c("runs", "-n", "0"), /-n 0 is not a whole number/);
    expectUserError(c("runs", "-a", "-n", "3"), /-a and -n both limit the list/);
  });

  it("filters -o (full regex), -s, -l, -t, -j; # stays the number of the whole list", () => {
    const { jobs, c } = project();
    const ops = (...args: string[]) => json(c("runs", "--json", ...args).stdout).map((x) => `${x.index}:${x.operation}`);
    expect(ops("-o", "simulate")).toEqual(["2:simulate", "3:simulate"]);
    expect(ops("-o", "sim")).toEqual([]);
    expect(ops("-o", "sim.*", "fail")).toEqual(["1:fail", "2:simulate", "3:simulate"]);
    expect(ops("-s", "error")).toEqual(["1:fail"]);
    expect(ops("-s", "completed", "-o", "prepare")).toEqual(["4:prepare", "5:prepare"]);
    expect(ops("-j", jobs[0].slice(0, 6))).toHaveLength(3);
    expect(ops("-j", jobs[0], "-o", "fail")).toEqual(["1:fail"]);
    expect(ops("-j", "ffffffff")).toEqual(jobs.some((j) => j.startsWith("ffffffff")) ? ops("-j", "ffffffff") : []);
    c("runs", "label", "2", "--set", "the best");
    c("runs", "tag", "3", "4", "--add", "keep", "lr=0.1");
    expect(ops("-l", "best")).toEqual(["2:simulate"]);
    expect(ops("-t", "keep")).toEqual(["3:simulate", "4:prepare"]);
    expect(ops("-t", "lr=0.1", "-o", "prepare")).toEqual(["4:prepare"]);
    // the human table shows the same numbers
    expect(table(c("runs", "-t", "keep").stdout).map((x) => x[0])).toEqual(["3", "4"]);
    expectUserError(c("runs", "-s", "done"), /-s done is not a status/);
    // every status the help offers is one -s takes, and the other way round
    const offered = /-s, --status <statuses\.\.\.>\s+([a-z,\s]+?)\n\s+-l/.exec(c("runs", "list", "--help").stdout)![1].split(/,\s+/);
    const taken = /\(one of ([a-z, ]+)\)/.exec(c("runs", "-s", "done").stderr)![1].split(", ");
    expect(offered).toEqual(taken);
    for (const s of offered) expect(c("runs", "-s", s).code).toBe(0);
    expectUserError(c("runs", "-o", "("), /-o \( is not a regular expression/);
    expectUserError(c("runs", "-j", "zz"), /-j zz is not a job id or prefix/);
  });

  it("an empty project lists nothing; --json gives []", () => {
    const { dir } = project();
    const empty = tempDir();
    fs.copyFileSync(path.join(dir, "cohort.toml"), path.join(empty, "cohort.toml"));
    const r = cohort(["runs"], { cwd: empty });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("no runs\n");
    expect(cohort(["runs", "--json"], { cwd: empty }).stdout).toBe("[]\n");
  });
});

describe("cohort runs show", () => {
  it("shows a run by #, name or id prefix", () => {
    const { jobs, newest, c } = project();
    const byIndex = c("runs", "show", "2");
    expect(byIndex.code, byIndex.stderr).toBe(0);
    const name = json(c("runs", "--json").stdout)[1].name;
    expect(c("runs", "show", name).stdout).toBe(byIndex.stdout);
    expect(c("runs", "show", newest[1].slice(0, 30)).stdout).toBe(byIndex.stdout);
    const text = byIndex.stdout;
    expect(text).toMatch(new RegExp(`^id +${newest[1]}$`, "m"));
    expect(text).toMatch(new RegExp(`^name +${name}$`, "m"));
    expect(text).toMatch(/^operation +simulate$/m);
    expect(text).toMatch(/^status +completed$/m);
    expect(text).toMatch(/^state point +\{"T": [12]\.0\}$/m);
    expect(text).toMatch(/^cmd +echo line1; echo line2; echo simulated [12]\.0$/m);
    expect(text).toMatch(/^started +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m);
    expect(text).toMatch(/^exit code +0$/m);
    expect(text).toMatch(/output \(last 20 lines\)\n {2}line1\n {2}line2\n {2}simulated [12]\.0\n$/);
    expect(jobs.some((j) => text.includes(j))).toBe(true);
  });

  it("says a run printed nothing", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.quiet]\ncommand = "true"\n`);
    expect(cohort(["init", "a=1"], { cwd: dir }).code).toBe(0);
    expect(cohort(["run"], { cwd: dir }).code).toBe(0);
    // (it headed an empty list: "output (last 20 lines)" and nothing under it)
    expect(cohort(["runs", "show", "1"], { cwd: dir }).stdout).toMatch(/\nlabel\n.*\noutput \(none\)\n$/s);
  });

  it("--tail N and --json", () => {
    const { c } = project();
    expect(c("runs", "show", "2", "--tail", "1").stdout).toMatch(/output \(last line\)\n {2}simulated [12]\.0\n$/);
    expect(c("runs", "show", "2", "--tail", "0").stdout).not.toContain("output");
    c("runs", "comment", "1", "-m", "why did it fail?");
    c("group", "create", "1", "2", "--label", "pair");
    const o = JSON.parse(c("runs", "show", "1", "--json", "--tail", "5").stdout);
    expect(o).toMatchObject({ operation: "fail", status: "error", exit_code: 3, cmd: { shell: "echo failing; exit 3" }, output: ["failing"], flowgroup: null });
    expect(o.config).toHaveProperty("T");
    // the state point as the job holds it: T is a float (1.0), another value than the integer 1
    expect(c("runs", "show", "1", "--json").stdout).toMatch(/"config": \{"T": [12]\.0\}/);
    expect(o.groups).toEqual([{ id: expect.any(String), name: expect.stringMatching(/^[a-z]{5}-[a-z]{5}$/), kind: "manual" }]);
    expect(o.comments).toEqual([{ id: expect.any(String), msg: "why did it fail?", author: expect.any(String), time: expect.any(Number), time_iso: expect.any(String) }]);
    // times from its run, start and end events, in that order
    for (const k of ["created", "started", "stopped"]) {
      expect(Number.isSafeInteger(o[k])).toBe(true);
      expect(new Date(o[`${k}_iso`]).getTime()).toBe(Math.floor(o[k] / 1000));
    }
    expect(o.created <= o.started && o.started <= o.stopped).toBe(true);
    expect(o.directives).toMatchObject({ np: 1 });
    // a shell command runs under /bin/sh: no interpreter, as --pretend shows it
    expect(o.directives).not.toHaveProperty("executable");
    expect(o.jobs).toHaveLength(1);
  });
});

describe("label, tag, comment", () => {
  it("label --set and --clear; tag --add and --remove (KEY=VALUE too)", () => {
    const { dir, c } = project();
    expect(c("runs", "label", "1", "2", "--set", "candidate").code).toBe(0);
    expect(json(c("runs", "--json").stdout).map((x) => x.label)).toEqual(["candidate", "candidate", "", "", ""]);
    expect(table(c("runs").stdout)[0][5]).toBe("candidate");
    c("runs", "label", "2", "--clear");
    expect(json(c("runs", "--json").stdout).map((x) => x.label)).toEqual(["candidate", "", "", "", ""]);
    c("runs", "tag", "1", "--add", "a", "b", "lr=0.01");
    c("runs", "tag", "1", "--remove", "a");
    const r = c("runs", "tag", "1", "--remove", "nope");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: run .* has no tag nope/);
    expect(json(c("runs", "--json").stdout)[0].tags).toEqual(["b", "lr=0.01"]);
    // removing a tag a run does not have records nothing; a run left without tags says so
    const events = readJournals(dir).flatMap((j) => j.events).length;
    const untagged = c("runs", "tag", "2", "--remove", "nope");
    expect(untagged.stdout).toBe(`${json(c("runs", "--json").stdout)[1].name}  no tags\n`);
    expect(readJournals(dir).flatMap((j) => j.events)).toHaveLength(events);
  });

  it("comment -m, --list (table and JSON), --delete by id prefix", () => {
    const { c } = project();
    const added = c("runs", "comment", "1", "-m", "first note");
    expect(added.code, added.stderr).toBe(0);
    const id = /comment ([0-9a-f]{8})$/m.exec(added.stdout)![1];
    c("runs", "comment", "1", "-m", "second note");
    const list = c("runs", "comment", "1", "--list");
    expect(lines(list.stdout)[0].split(/\s+/)).toEqual(["run", "id", "time", "author", "message"]);
    expect(table(list.stdout).map((x) => x[4])).toEqual(["first note", "second note"]);
    const listed = JSON.parse(c("runs", "comment", "1", "--list", "--json").stdout);
    expect(listed[0].comments.map((x: { msg: string }) => x.msg)).toEqual(["first note", "second note"]);
    expect(c("runs", "comment", "1", "--delete", id.slice(0, 5)).code).toBe(0);
    expect(JSON.parse(c("runs", "comment", "1", "--list", "--json").stdout)[0].comments.map((x: { msg: string }) => x.msg)).toEqual(["second note"]);
    expectUserError(c("runs", "comment", "1", "--delete", id), /has no comment/);
    expectUserError(c("runs", "comment", "1"), /give one of -m, --list, --delete/);
  });

  it("control characters: refused in labels, tags and comments; shown as escapes where others wrote them", () => {
    const { dir, newest, c } = project();
    expectUserError(c("runs", "label", "1", "--set", "\u001b[2J\u001b[31mred"), /the label "\\u001b\[2J\\u001b\[31mred" holds a control character/);
    expectUserError(c("runs", "label", "1", "--set", "two\nlines"), /holds a control character such as a line break/);
    expectUserError(c("runs", "tag", "1", "--add", "\u001b]0;title\u0007"), /is empty or has white space or a control character/);
    expectUserError(c("runs", "comment", "1", "-m", "x\u001b[2J"), /the comment .* holds a control character/);
    expectUserError(c("group", "create", "1", "--label", "a\u2028b"), /holds a control character/);
    // a comment may span lines: shown indented under its first
    expect(c("runs", "comment", "1", "-m", "first line\nsecond line").code).toBe(0);
    expect(c("runs", "show", "1").stdout).toMatch(/^ {2}[0-9a-f]{8} .*: first line\n {4}second line$/m);
    // what another writer put in the journal (another tool, an older cohort) is shown, escaped
    const t = Date.now() * 1000;
    fs.appendFileSync(path.join(journalDirOf(dir), "019ca9e4-0000-7000-8000-0000000000ff.jsonl"), [
      { e: "writer", v: 1, id: "019ca9e4-0000-7000-8000-0000000000ff", t, host: "elsewhere", pid: 1, cohort: "0", user: "x\u001b[1m" },
      { e: "attr", t, of: newest[0], set: { label: "\u001b[2Jboo\nfake line", "tag:\u0007bell": "", "comment:abcd0123": { msg: "\u001b]0;t\u0007hi", author: "x", time: t } } },
    ].map((e) => JSON.stringify(e) + "\n").join(""));
    for (const out of [c("runs").stdout, c("runs", "show", "1").stdout, c("runs", "comment", "1", "--list").stdout]) {
      // eslint-disable-next-line no-control-regex -- control characters are what it looks for
      expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    }
    expect(c("runs").stdout).toContain("\\u001b[2Jboo\\u000afake line");
    expect(c("runs", "show", "1").stdout).toContain("\\u001b]0;t\\u0007hi");
  });

  it("an error quoting a value is one line, whatever the value holds", () => {
    const { c } = project();
    for (const name of ["a\u2028b", "a\u0085b", "a\rb", "a\u007fb"]) expectUserError(c("runs", "show", name), /no run/);
  });

  it("every change is one attr event, in the journal of the command that made it", () => {
    const { dir, newest, c } = project();
    const before = readJournals(dir).length;
    c("runs", "label", "1", "--set", "x");
    c("runs", "tag", "1", "--add", "t1", "t2");
    c("runs", "comment", "1", "-m", "hi");
    c("runs", "tag", "2", "--remove", "nope"); // changes nothing: records nothing
    const added = readJournals(dir).slice(before);
    expect(added).toHaveLength(3);
    const changes = added.map((j) => {
      expect(j.events).toHaveLength(1);
      return j.events[0];
    });
    for (const e of changes) expect(e).toMatchObject({ e: "attr", of: newest[0], t: expect.any(Number), author: expect.any(String) });
    expect(changes[0].set).toEqual({ label: "x" });
    expect(changes[1].set).toEqual({ "tag:t1": "", "tag:t2": "" });
    const [key, comment] = Object.entries(changes[2].set as object)[0];
    expect(key).toMatch(/^comment:[0-9a-f-]+$/);
    expect(comment).toMatchObject({ msg: "hi", author: changes[2].author });
  });
});

describe("delete, restore, purge", () => {
  it("delete hides a run; --deleted lists the deleted ones; restore brings it back", () => {
    const { newest, c } = project();
    const name = json(c("runs", "--json").stdout)[1].name;
    expect(c("runs", "delete", "2").stdout).toBe(`${name}  deleted\n`);
    const after = json(c("runs", "--json").stdout);
    expect(after.map((x) => x.id)).toEqual([newest[0], ...newest.slice(2)]);
    expect(after.map((x) => x.index)).toEqual([1, 2, 3, 4]);
    const deleted = json(c("runs", "--deleted", "--json").stdout);
    expect(deleted.map((x) => [x.index, x.id, x.deleted])).toEqual([[1, newest[1], true]]);
    expect(table(c("runs", "--deleted").stdout)[0][4]).toBe("completed (deleted)");
    // a deleted run can still be shown by name; restore counts # among the deleted ones
    expect(c("runs", "show", name).stdout).toMatch(/^status +completed {2}\(deleted\)$/m);
    expect(c("runs", "restore", "1").stdout).toBe(`${name}  restored\n`);
    expect(json(c("runs", "--json").stdout).map((x) => x.id)).toEqual(newest);
    expect(c("runs", "--deleted").stderr).toBe("no deleted runs\n");
  });

  it("runs compare says so when a run it is given is deleted, rather than leave it out without a word", () => {
    const { c } = project();
    const name = json(c("runs", "--json").stdout)[1].name;
    c("runs", "delete", name);
    const r = c("runs", "compare", name, "1");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`cohort: warning: run ${name} is deleted: it is not compared ('cohort runs restore ${name}' brings it back)\n`);
    expect(r.stdout).not.toContain(name);
  });

  it("purge removes the output; the run is then 'purged' wherever it is named", () => {
    const { dir, newest, c } = project();
    const name = json(c("runs", "--json").stdout)[0].name;
    // the newest run (fail) is the only run of its exec, whose segment holds its output alone
    const journal = readJournals(dir).find((j) => j.events.some((e) => e.id === newest[0]))!;
    const segment = path.join(journalDirOf(dir), `${journal.writer.id}.0.out`);
    expect(fs.readFileSync(segment, "utf8")).toBe("failing\n");
    const r = c("runs", "purge", "1");
    expect(r.code, r.stderr).toBe(0); // no terminal: not asked
    expect(r.stdout).toBe(`${name}  purged\n`);
    expect(fs.existsSync(segment)).toBe(false);
    // its events stay, and a purged attribute is recorded
    expect(readJournals(dir).find((j) => j.file === journal.file)!.events).toEqual(journal.events);
    expect(readJournals(dir).at(-1)!.events).toEqual([expect.objectContaining({ e: "attr", of: newest[0], set: { purged: "" } })]);
    expect(json(c("runs", "-a", "--json").stdout).map((x) => x.id)).toEqual(newest.slice(1));
    expectUserError(c("runs", "show", name), new RegExp(`run ${name} was purged`));
    expectUserError(c("runs", "label", name, "--set", "x"), /was purged/);
    expectUserError(c("runs", "tag", newest[0].slice(0, 13), "--add", "x"), /was purged/);
    expectUserError(c("runs", "comment", name, "-m", "x"), /was purged/);
  });
});

describe("purge on a terminal", () => {
  // script(1) gives the command a terminal and passes it the answer typed on our side
  it.runIf(fs.existsSync("/usr/bin/script"))("asks first unless -y: 'n' keeps the run, 'y' purges it", () => {
    const { dir, newest } = project();
    const typed = (answer: string, args: string) =>
      spawnSync("/usr/bin/script", ["-qec", `"${process.execPath}" "${COHORT}" ${args}`, "/dev/null"], { cwd: dir, input: answer, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    const no = typed("n\n", "runs purge 1");
    expect(no.stdout).toContain("Purge run ");
    expect(no.stdout).toContain("nothing purged");
    expect(json(cohort(["runs", "--json"], { cwd: dir }).stdout).map((x) => x.id)).toEqual(newest);
    const yes = typed("y\n", "runs purge 1");
    expect(yes.stdout).toMatch(/[a-z]{5}-[a-z]{5} {2}purged/);
    expect(json(cohort(["runs", "--json"], { cwd: dir }).stdout).map((x) => x.id)).toEqual(newest.slice(1));
    // -y: not asked, even on a terminal
    const unasked = typed("", "runs purge 1 -y");
    expect(unasked.stdout).not.toContain("Purge run");
    expect(json(cohort(["runs", "--json"], { cwd: dir }).stdout).map((x) => x.id)).toEqual(newest.slice(2));
  });
});

describe("cohort group", () => {
  it("create, add, remove, show, label, tag, comment, delete", () => {
    const { newest, c } = project();
    const names = json(c("runs", "--json").stdout).map((x) => x.name);
    const created = c("group", "create", "2", "3", "--label", "sims");
    expect(created.code, created.stderr).toBe(0);
    const g = created.stdout.trim();
    expect(g).toMatch(/^[a-z]{5}-[a-z]{5}$/);
    let shown = JSON.parse(c("group", "show", g, "--json").stdout);
    expect(shown).toMatchObject({ name: g, kind: "manual", label: "sims", operation: "simulate", status: "completed", members: [newest[2], newest[1]] });
    // the members described, oldest first, with their # in 'cohort runs'
    expect(shown.runs.map((x: Row) => [x.index, x.name, x.status])).toEqual([
      [3, names[2], "completed"],
      [2, names[1], "completed"],
    ]);
    expect(c("group", "add", g, "1").stdout).toBe(`${g}  + ${names[0]}\n`);
    shown = JSON.parse(c("group", "show", g, "--json").stdout);
    expect(shown.status).toBe("error");
    expect(shown.operation).toBe("simulate...fail");
    expect(c("group", "remove", g, "1").code).toBe(0);
    expectUserError(c("group", "remove", g, "5"), /is not in group/);
    c("group", "label", g, "--set", "renamed");
    c("group", "tag", g, "--add", "sweep");
    c("group", "comment", g, "-m", "looks fine");
    const text = c("group", "show", g).stdout;
    expect(text).toMatch(/^kind +manual$/m);
    expect(text).toMatch(/^label +renamed$/m);
    expect(text).toMatch(/^tags +sweep$/m);
    expect(text).toMatch(/^operation +simulate$/m);
    expect(text).toMatch(/^status +completed$/m);
    expect(text).toMatch(/^members \(2\)$/m);
    expect(text).toContain(names[1]);
    expect(text).toContain(names[2]);
    expect(text).toMatch(/^comments\n {2}[0-9a-f]{8} .*: looks fine$/m);
    expect(JSON.parse(c("group", "comment", g, "--list", "--json").stdout)[0].comments[0].msg).toBe("looks fine");
    c("group", "label", g, "--clear");
    c("group", "tag", g, "--remove", "sweep");
    expect(JSON.parse(c("group", "show", g, "--json").stdout)).toMatchObject({ label: "", tags: [] });
    expect(c("group", "delete", g).code).toBe(0);
    expectUserError(c("group", "show", g), new RegExp(`group ${g} is deleted \\('cohort group restore ${g}' brings it back\\)`));
    expect(json(c("runs", "--json").stdout).map((x) => x.id)).toEqual(newest); // the members stay
    // restored, with its members and attributes
    expect(c("group", "restore", g).stdout).toBe(`${g}  restored\n`);
    expect(JSON.parse(c("group", "show", g, "--json").stdout)).toMatchObject({ name: g, kind: "manual", label: "" });
    expect(c("group", "show", g).stdout).toMatch(/^members \(2\)$/m);
    expectUserError(c("group", "restore", g), new RegExp(`no deleted group named ${g}`));
    // deleted groups are listed, numbered among themselves, as restore counts
    expect(c("runs", "-g", "--deleted").stderr).toBe("no deleted groups\n");
    c("group", "delete", g);
    expect(json(c("runs", "-g", "--deleted", "--json").stdout).map((x) => [x.index, x.name, x.deleted])).toEqual([[1, g, true]]);
    expect(c("group", "restore", "1").stdout).toBe(`${g}  restored\n`);
    expectUserError(c("group", "restore", "1"), /no deleted group #1/);
  });

  it("-g folds each group into one row (a run in two groups into both); -g GROUP lists its members", () => {
    const { newest, c } = project();
    const g1 = c("group", "create", "4", "5").stdout.trim(); // the two prepares
    const g2 = c("group", "create", "2", "3", "4").stdout.trim(); // the simulates and one prepare
    const rows = json(c("runs", "-g", "--json").stdout);
    // the newest run (fail) is in no group; g2 started with a prepare, after g1's first prepare
    expect(rows.map((x) => [x.index, x.type, x.type === "run" ? x.id : x.name])).toEqual([
      [1, "run", newest[0]],
      [2, "group", g2],
      [3, "group", g1],
    ]);
    expect(rows[1]).toMatchObject({ kind: "manual", operation: "prepare...simulate", status: "completed", members: [newest[3], newest[2], newest[1]] });
    const text = c("runs", "-g").stdout;
    expect(lines(text)[0].split(/\s+/)).toEqual(["#", "name", "operation", "started", "status", "label", "kind"]);
    expect(table(text).map((x) => x[x.length - 1])).toEqual(["run", "manual", "manual"]);
    // filters apply to group rows by their own columns
    expect(json(c("runs", "-g", "-o", "prepare", "--json").stdout).map((x) => x.name)).toEqual([g1]);
    // -g GROUP: the members, numbered as in the plain list; groups named by # of 'cohort runs -g'
    expect(json(c("runs", "-g", g1, "--json").stdout).map((x) => [x.index, x.id])).toEqual([
      [4, newest[3]],
      [5, newest[4]],
    ]);
    expect(json(c("runs", "-g", "3", "--json").stdout).map((x) => x.id)).toEqual([newest[3], newest[4]]);
    expect(JSON.parse(c("group", "show", "2", "--json").stdout).name).toBe(g2);
    expectUserError(c("group", "show", "1"), /row #1 of 'cohort runs -g' is run .*, not a group/);
    // a deleted member leaves the group's columns
    c("runs", "delete", "4");
    expect(JSON.parse(c("group", "show", g2, "--json").stdout).operation).toBe("simulate");
  });
});

describe("the scheduler", () => {
  it("is asked about an open submission only by the commands that show a group's status", () => {
    const { dir } = project();
    const squeue = fakeSqueue();
    squeue.queue("5|x|PENDING|Priority\n");
    const sub = makeGroup(dir, { kind: "submission", details: { flowgroup: "ex", scheduler: "slurm", scheduler_job_id: "5", job_name: "x" } });
    const c = (...args: string[]) => {
      const r = cohort(args, { cwd: dir, env: squeue.env });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      return r;
    };
    c("runs", "label", "1", "--set", "x");
    c("runs", "tag", "1", "--add", "t");
    c("runs", "comment", "1", "-m", "note");
    c("runs", "show", "1");
    c("runs", "delete", "1");
    c("runs", "restore", "1");
    c("runs", "compare", "1", "2");
    c("group", "label", sub.id, "--set", "queued one");
    c("group", "create", "1", "2");
    expect(squeue.calls()).toBe(0);
    expect(JSON.parse(c("group", "show", sub.id, "--json").stdout).status).toBe("queued");
    expect(squeue.calls()).toBe(1);
  });
});

describe("naming runs", () => {
  it("an ambiguous id prefix is an error that lists the candidates", () => {
    const { newest, c } = project();
    const prefix = newest[0].slice(0, 4); // every run of this test shares its first digits
    const r = c("runs", "show", prefix);
    expectUserError(r, new RegExp(`run id prefix ${prefix} is ambiguous: it names`));
    for (const id of newest.slice(0, 5)) expect(r.stderr).toContain(id);
  });

  it("bad input: unknown run or group, both or neither of --set/--clear, an unknown subcommand", () => {
    const { c } = project();
    expectUserError(c("runs", "show", "nosuch"), /no run named nosuch/);
    expectUserError(c("runs", "show", "babab-babab"), /no run named babab-babab \('cohort runs -a' lists them/);
    expectUserError(c("runs", "show", "99"), /no run #99/);
    expectUserError(c("group", "show", "babab-babab"), /no group named babab-babab/);
    // a run named where a group is expected says what it is, as a group named where a run is does
    const run = json(c("runs", "--json").stdout)[0].name;
    expectUserError(c("group", "show", run), new RegExp(`^cohort: error: ${run} is a run, not a run group \\('cohort runs show ${run}' shows it`));
    expectUserError(c("group", "add", "babab-babab", "1"), /no group named/);
    expectUserError(c("group", "create", "nosuch"), /no run named nosuch/);
    expectUserError(c("runs", "label", "1", "--set", "x", "--clear"), /--set and --clear cannot go together/);
    expectUserError(c("runs", "label", "1"), /give one of --set, --clear/);
    expectUserError(c("group", "label", "1", "--set", "x"), /row #1 .* not a group/);
    expectUserError(c("runs", "tag", "1", "--add", "x", "--remove", "y"), /--add and --remove cannot go together/);
    expectUserError(c("runs", "bogus"), /unknown command 'bogus' \(see 'cohort runs --help'\)/);
    expectUserError(c("runs", "delete"), /missing required argument/);
  });

  it("every command has help with examples", () => {
    const { c } = project();
    for (const cmd of [["runs"], ["runs", "list"], ["runs", "show"], ["runs", "label"], ["runs", "tag"], ["runs", "comment"], ["runs", "delete"], ["runs", "restore"], ["runs", "purge"], ["group"], ["group", "create"], ["group", "add"], ["group", "remove"], ["group", "show"], ["group", "label"], ["group", "tag"], ["group", "comment"], ["group", "delete"], ["group", "restore"]]) {
      const r = c(...cmd, "--help");
      expect(r.code, cmd.join(" ")).toBe(0);
      expect(r.stdout, cmd.join(" ")).toMatch(/Examples:\n {2}\$ cohort /);
    }
  });
});
