import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jobId } from "../../src/dataspace/id.js";
import { Float } from "../../src/dataspace/value.js";
import { readLedger } from "../../src/runs/ledger.js";
import { cohort, journalDirOf, lines, readRuns, tempDir } from "../helpers.js";

const TOML = `
[project]
name = "batch"

[operations.train]
command = "echo {flags.lr} > lr.txt && pwd > cwd.txt && echo \\"$COHORT_RUN_DIR\\" > env.txt"
flags = { lr = 0.01, epochs = 10 }

[operations.simulate]
command = "echo {sp.T} > out.txt"
post = [{ isfile = "out.txt" }]

[operations.count]
command = "echo x >> count.txt"
`;

function project(): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "cohort.toml"), TOML);
  expect(cohort(["init"], { cwd: dir }).code).toBe(0);
  return dir;
}

const runsDir = (dir: string) => path.join(dir, ".cohort", "runs");
const readIn = (dir: string, runId: string, file: string) => fs.readFileSync(path.join(runsDir(dir), runId, file), "utf8");
/** The config text of a run's event: its flags or its state point, as signac writes JSON. */
const configOf = (dir: string, runId: string) => readLedger(dir).runs.get(runId)!.config;

/** The run groups of the project, in the order made. */
function groups(dir: string) {
  const ledger = readLedger(dir);
  return [...ledger.groups.values()].map((g) => ({ id: g.id, name: g.name, kind: g.kind, planned: g.planned, get: (k: string) => g.attrs.get(k), members: ledger.members(g) }));
}

/** Nothing was recorded: no journal, no run directory. */
function nothingRecorded(dir: string): void {
  expect(fs.existsSync(journalDirOf(dir))).toBe(false);
  expect(fs.existsSync(runsDir(dir))).toBe(false);
}

function ok(dir: string, ...args: string[]) {
  const r = cohort(args, { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return r;
}

describe("flag operations", () => {
  it("run once with their defaults when named, in a fresh run directory; not without names", () => {
    const dir = project();
    expect(ok(dir, "run").stderr).toContain("0 runs");
    expect(readRuns(dir)).toEqual([]);
    ok(dir, "run", "train");
    const [run] = readRuns(dir);
    expect(run.operation).toBe("train");
    expect(run.jobs).toEqual([]);
    expect(configOf(dir, run.id)).toBe('{"lr": 0.01, "epochs": 10}');
    const runDir = fs.realpathSync(path.join(runsDir(dir), run.id));
    expect(readIn(dir, run.id, "lr.txt")).toBe("0.01\n");
    expect(readIn(dir, run.id, "cwd.txt").trim()).toBe(runDir);
    expect(fs.realpathSync(readIn(dir, run.id, "env.txt").trim())).toBe(runDir);
    expect(groups(dir)).toEqual([]); // one run, no batch
  });

  it("take flag overrides; one set of plain values is one run and no group", () => {
    const dir = project();
    ok(dir, "run", "train", "lr=0.5", "epochs=3");
    const [run] = readRuns(dir);
    expect(configOf(dir, run.id)).toBe('{"lr": 0.5, "epochs": 3}');
    expect(readIn(dir, run.id, "lr.txt")).toBe("0.5\n");
    expect(groups(dir)).toEqual([]);
  });

  it("run through exec, with flags", () => {
    const dir = project();
    ok(dir, "exec", "train", "lr=0.25");
    const [run] = readRuns(dir);
    expect(readIn(dir, run.id, "lr.txt")).toBe("0.25\n");
  });
});

describe("batches of a flag operation", () => {
  it("lr={1e-4,1e-3,1e-2}: three runs, each in its own directory with its lr, and one batch group of exactly them", () => {
    const dir = project();
    const r = ok(dir, "run", "train", "lr={1e-4,1e-3,1e-2}");
    expect(r.stderr).toContain("3 runs, 3 completed");
    const runs = readRuns(dir);
    expect(runs).toHaveLength(3);
    expect(runs.map((run) => readIn(dir, run.id, "lr.txt")).sort()).toEqual(["0.0001\n", "0.001\n", "0.01\n"]);
    for (const run of runs) {
      const lr = readIn(dir, run.id, "lr.txt").trim();
      expect(configOf(dir, run.id)).toBe(`{"lr": ${lr}, "epochs": 10}`);
    }
    const all = groups(dir);
    expect(all).toHaveLength(1);
    const [batch] = all;
    expect(batch.kind).toBe("batch");
    expect(batch.get("operation")).toBe("train");
    expect(batch.get("flags")).toEqual(["lr={1e-4,1e-3,1e-2}"]);
    expect(batch.members).toEqual(runs.map((run) => run.id).sort());
    expect(batch.planned).toBe(3);
    expect(r.stderr).toContain(`batch group ${batch.name}`);
    expect(JSON.parse(ok(dir, "runs", "-g", "--json").stdout)).toMatchObject([{ type: "group", id: batch.id, kind: "batch", status: "completed" }]);
  });

  it("group show: the batch's flags as typed, its operation once, and how many of its planned runs it made", () => {
    const dir = project();
    fs.appendFileSync(path.join(dir, "cohort.toml"), `\n[operations.fails_at_2]\ncommand = "test {flags.lr} != 2"\nflags = { lr = 1, epochs = 1 }\n`);
    const r = cohort(["run", "fails_at_2", "lr={1,2,3}", "epochs=5"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("stopped after the failure");
    const text = ok(dir, "group", "show", "1").stdout;
    expect(text).toMatch(/^flags +lr=\{1,2,3\} epochs=5$/m);
    expect(text.match(/^operation +fails_at_2$/gm)).toHaveLength(1);
    expect(text).toMatch(/^status +error$/m);
    expect(text).toMatch(/^members \(2 of 3 planned\)$/m);
    // a batch that made every run it planned shows the count alone
    ok(dir, "run", "train", "lr={1,2}");
    expect(ok(dir, "group", "show", "1").stdout).toMatch(/^members \(2\)$/m);
  });

  it("a finished batch stays completed when a member is taken out or deleted by hand: it made every run it planned", () => {
    const dir = project();
    ok(dir, "run", "train", "lr={1,2,3}");
    ok(dir, "group", "remove", "1", "1");
    ok(dir, "runs", "delete", "2");
    const [row] = JSON.parse(ok(dir, "runs", "-g", "--json").stdout).filter((r: { type: string }) => r.type === "group");
    expect(row).toMatchObject({ kind: "batch", status: "completed" });
    expect(ok(dir, "group", "show", row.name).stdout).toMatch(/^members \(2\)$/m);
    expect(JSON.parse(ok(dir, "group", "show", row.name, "--json").stdout)).toMatchObject({ planned: 3, made: 3 });
  });

  it("-n N caps a batch: it plans N runs, and reads completed once they all completed", () => {
    const dir = project();
    ok(dir, "run", "train", "lr={1..5}", "-n", "2");
    expect(readRuns(dir)).toHaveLength(2);
    expect(groups(dir)[0].planned).toBe(2);
    expect(JSON.parse(ok(dir, "runs", "-g", "--json").stdout)).toMatchObject([{ type: "group", kind: "batch", status: "completed" }]);
    expect(ok(dir, "group", "show", "1").stdout).toMatch(/^members \(2\)$/m);
  });

  it("key=a key=b is key={a,b}; a grid runs every combination, the first flag outermost", () => {
    const dir = project();
    ok(dir, "run", "train", "lr=0.5", "lr=0.25", "epochs={1,2}");
    const runs = readRuns(dir);
    const configs = runs.map((run) => configOf(dir, run.id));
    expect(configs).toEqual(['{"lr": 0.5, "epochs": 1}', '{"lr": 0.5, "epochs": 2}', '{"lr": 0.25, "epochs": 1}', '{"lr": 0.25, "epochs": 2}']);
    const [batch] = groups(dir);
    expect(batch.get("flags")).toEqual(["lr=0.5", "lr=0.25", "epochs={1,2}"]);
    expect(batch.members).toHaveLength(4);
  });

  it("--print-runs shows the flag sets (--json too) and runs nothing", () => {
    const dir = project();
    const table = ok(dir, "run", "train", "epochs={1,2}", "lr={0.5,'x'}", "--print-runs");
    expect(lines(table.stdout).map((l) => l.split(/\s+/))).toEqual([
      ["#", "lr", "epochs"],
      ["1", "0.5", "1"],
      ["2", "x", "1"],
      ["3", "0.5", "2"],
      ["4", "x", "2"],
    ]);
    const json = ok(dir, "run", "train", "lr={1,1.0,'1'}", "--print-runs", "--json");
    expect(json.stdout).toBe('[{"lr": 1, "epochs": 10}, {"lr": 1.0, "epochs": 10}, {"lr": "1", "epochs": 10}]\n');
    const random = ["train", "lr=loguniform[1e-5:1e-1]", "--max-runs", "4", "--seed", "3", "--print-runs", "--json"];
    const drawn = ok(dir, "run", ...random).stdout;
    expect(JSON.parse(drawn)).toHaveLength(4);
    expect(ok(dir, "run", ...random).stdout).toBe(drawn); // the same seed draws the same values
    expect(JSON.parse(ok(dir, "run", "train", "lr=uniform[0:1]", "--print-runs", "--json").stdout)).toHaveLength(20);
    expect(lines(ok(dir, "run", "train", "lr={1..10}", "epochs={1..10}", "--max-runs", "5", "--print-runs").stdout)).toHaveLength(6);
    nothingRecorded(dir);
  });

  it("--needed skips flag sets that have a completed run", () => {
    const dir = project();
    ok(dir, "run", "train", "lr={1,2}");
    const r = ok(dir, "run", "train", "lr={1,2,3}", "--needed");
    expect(r.stderr).toContain("2 flag sets skipped");
    const runs = readRuns(dir);
    expect(runs).toHaveLength(3);
    const [, second] = groups(dir);
    expect(second.members).toHaveLength(1);
    expect(readIn(dir, second.members[0], "lr.txt")).toBe("3\n");
    // every set is done now: nothing runs, and no empty group is made
    expect(ok(dir, "run", "train", "lr={1,2,3}", "--needed").stderr).toContain("0 runs");
    expect(groups(dir)).toHaveLength(2); // nothing ran: no empty group
  });

  it("--parallel runs the members of a batch at once, each with its flags, all in the batch group", () => {
    const dir = project();
    ok(dir, "run", "train", "lr={1..4}", "--parallel", "2");
    const runs = readRuns(dir);
    expect(runs.map((run) => readIn(dir, run.id, "lr.txt")).sort()).toEqual(["1\n", "2\n", "3\n", "4\n"]);
    const [batch] = groups(dir);
    expect(batch.members).toEqual(runs.map((run) => run.id).sort());
  });
});

describe("batches of a job operation", () => {
  it("make the job of each state point and run the operation on it, when eligible or with --force", () => {
    const dir = project();
    const r = ok(dir, "run", "simulate", "T={1.0,2.0}");
    expect(r.stderr).toContain("2 runs, 2 completed");
    const ids = [jobId({ T: new Float(1) }), jobId({ T: new Float(2) })];
    expect(lines(ok(dir, "find").stdout).sort()).toEqual([...ids].sort());
    expect(fs.readFileSync(path.join(dir, "workspace", ids[0], "signac_statepoint.json"), "utf8")).toBe('{"T": 1.0}');
    for (const [i, id] of ids.entries()) expect(fs.readFileSync(path.join(dir, "workspace", id, "out.txt"), "utf8")).toBe(`${i + 1}.0\n`);
    const runs = readRuns(dir);
    expect(runs.map((run) => run.jobs[0]).sort()).toEqual([...ids].sort());
    const [batch] = groups(dir);
    expect(batch.kind).toBe("batch");
    expect(batch.get("operation")).toBe("simulate");
    expect(batch.members).toEqual(runs.map((run) => run.id).sort());

    // complete now: nothing is eligible, and no group is made
    expect(ok(dir, "run", "simulate", "T={1.0,2.0}").stderr).toContain("0 runs");
    expect(groups(dir)).toHaveLength(1);
    // --force runs it all the same, on those jobs only
    ok(dir, "init", "T=3.0");
    expect(ok(dir, "run", "simulate", "T={1.0,2.0}", "--force").stderr).toContain("2 runs, 2 completed");
    expect(readRuns(dir).slice(2).map((run) => run.jobs[0]).sort()).toEqual([...ids].sort());
    expect(groups(dir)).toHaveLength(2);
  });

  it("--needed skips state points on which the operation completed a run", () => {
    const dir = project();
    ok(dir, "run", "count", "n={1,2}");
    expect(ok(dir, "run", "count", "n={1,2,3}", "--needed").stderr).toContain("2 flag sets skipped");
    const jobs = readRuns(dir).map((run) => run.jobs[0]);
    expect(jobs.slice(0, 2).sort()).toEqual([jobId({ n: 1 }), jobId({ n: 2 })].sort());
    expect(jobs.slice(2)).toEqual([jobId({ n: 3 })]);
    const counts = [1, 2, 3].map((n) => fs.readFileSync(path.join(dir, "workspace", jobId({ n }), "count.txt"), "utf8"));
    expect(counts).toEqual(["x\n", "x\n", "x\n"]);
  });

  it("--print-runs shows the state points and makes no job", () => {
    const dir = project();
    const r = ok(dir, "run", "simulate", "T={1.0,2.0}", "N=4", "--print-runs");
    expect(lines(r.stdout).map((l) => l.split(/\s+/))).toEqual([
      ["#", "T", "N"],
      ["1", "1.0", "4"],
      ["2", "2.0", "4"],
    ]);
    expect(lines(ok(dir, "find").stdout)).toEqual([]);
  });
});

describe("bad batch input: one line, exit code 2, nothing run", () => {
  it.each([
    ["an unterminated list", ["train", "lr={1,2"], /^cohort: error: \{1,2 is neither a JSON object nor a \{a,b,\.\.\.\} list of values \(/],
    ["an empty range", ["train", "lr={1..}"], /^cohort: error: malformed range \{1\.\.\} \(/],
    ["a reversed range without a negative step", ["train", "lr={5..1..1}"], /^cohort: error: the step of the range \{5\.\.1\.\.1\} goes away from its end \(use a negative step/],
    ["uniform[b:a]", ["train", "lr=uniform[0.9:0.1]"], /^cohort: error: the bounds of uniform\[0\.9:0\.1\] are not increasing \(/],
    ["an undeclared flag", ["train", "momentum={0.9,0.99}"], /^cohort: error: operation train has no flag momentum \(its flags are lr, epochs\)\n$/],
    ["--max-runs 0", ["train", "lr=uniform[0:1]", "--max-runs", "0"], /^cohort: error: --max-runs 0 is not a whole number of at least 1 \(/],
    ["flags without an operation", ["lr={1,2}"], /^cohort: error: flag values lr=\{1,2\} name no operation \(/],
    ["--seed without flags", ["train", "--seed", "1"], /^cohort: error: --seed applies to a batch \(/],
    ["flags for a flag and a job operation at once", ["train", "simulate", "lr={1,2}"], /^cohort: error: KEY=VALUE arguments cannot apply both/],
  ])("%s", (_name, args, message) => {
    const dir = project();
    const r = cohort(["run", ...args], { cwd: dir });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    nothingRecorded(dir);
  });

  it("exec of a flag operation refuses job ids, and exec of a job operation refuses flags", () => {
    const dir = project();
    for (const args of [["exec", "train", "3fa2"], ["exec", "simulate", "T=1.0"]]) {
      const r = cohort(args, { cwd: dir });
      expect(r.code).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
    }
    nothingRecorded(dir);
  });
});

describe("flag operations in project.ts", () => {
  const SOURCE = `
import { FlowProject } from "cohort";
import fs from "node:fs";
import path from "node:path";

const project = new FlowProject();
project.operation("fit", { flags: { lr: 0.5, tag: "a" } }, function fit(flags: Record<string, any>) {
  const dir = process.env.COHORT_RUN_DIR!;
  fs.writeFileSync(path.join(dir, "flags.json"), JSON.stringify(flags));
  console.log("fit", flags.lr, flags.tag);
});
project.operation("fitcmd", { flags: { n: 1 }, cmd: true }, (flags: Record<string, any>) => \`echo \${flags.n} > n.txt\`);
export default project;
`;

  it.each([["serially, in cohort"], ["--parallel", "2"]])("receive their flag set and find their run directory (%s)", (...options) => {
    const dir = tempDir();
    expect(cohort(["init"], { cwd: dir }).code).toBe(0);
    fs.writeFileSync(path.join(dir, "project.ts"), SOURCE);
    const parallel = options[0] === "--parallel" ? options : [];
    const r = ok(dir, "run", "fit", "lr={1,2.5}", ...parallel);
    expect(r.stdout).toContain("fit 2.5 a");
    const runs = readRuns(dir);
    expect(runs.map((run) => JSON.parse(readIn(dir, run.id, "flags.json"))).sort((a, b) => a.lr - b.lr)).toEqual([
      { lr: 1, tag: "a" },
      { lr: 2.5, tag: "a" },
    ]);
    expect(groups(dir)[0].members).toEqual(runs.map((run) => run.id).sort());
    ok(dir, "run", "fitcmd", "n=7", ...parallel);
    const cmdRun = readRuns(dir).find((run) => run.operation === "fitcmd")!;
    expect(readIn(dir, cmdRun.id, "n.txt")).toBe("7\n");
  });

  it.each([
    ["flags with an aggregator", `{ flags: { a: 1 }, aggregator: allJobs() }`, /^cohort: error: operation fit \(project\.ts:\d+\): aggregator: a flag operation has no jobs to aggregate \(remove aggregator or flags\)$/m],
    ["flags that are not an object", `{ flags: [1] }`, /^cohort: error: operation fit \(project\.ts:\d+\): flags must be an object of default values/],
    ["a flag that is no JSON value", `{ flags: { f: () => 1 } }`, /^cohort: error: operation fit \(project\.ts:\d+\): flags\.f must be a string, number, boolean, list or table/],
  ])("refuses %s: one line, exit code 2", (_name, options, message) => {
    const dir = tempDir();
    expect(cohort(["init"], { cwd: dir }).code).toBe(0);
    fs.writeFileSync(path.join(dir, "project.ts"), `import { FlowProject, allJobs } from "cohort";\nconst project = new FlowProject();\nproject.operation("fit", ${options}, function fit() {});\nexport default project;\n`);
    const r = cohort(["run", "fit"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
