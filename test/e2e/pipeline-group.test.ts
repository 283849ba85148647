import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeGroup } from "../../src/runs/groups.js";
import { readLedger } from "../../src/runs/ledger.js";
import { newRunId } from "../../src/runs/run-id.js";
import { cohort, cohortInBackground, readJournals, readRuns, tempDir, waitFor } from "../helpers.js";

const TOML = `
[operations.prepare]
command = "echo {sp.T} > init.dat"
post = [{ isfile = "init.dat" }]

[operations.simulate]
command = "cat init.dat > traj.dat"
pre = [{ after = ["prepare"] }]
post = [{ isfile = "traj.dat" }]

[operations.note]
command = "echo noted >> notes.txt"

[groups.ex]
operations = ["prepare", "simulate"]

[groups.notes]
operations = ["note"]
`;

function project(): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "cohort.toml"), TOML);
  expect(cohort(["init", "T={1,2,3}"], { cwd: dir }).code).toBe(0);
  return dir;
}

function ok(dir: string, args: string[], env?: NodeJS.ProcessEnv) {
  const r = cohort(args, { cwd: dir, env });
  expect(r.code, r.stderr).toBe(0);
  return r;
}

/** The run groups of the project, in the order made. */
function groups(dir: string) {
  const ledger = readLedger(dir);
  return [...ledger.groups.values()].map((g) => ({ id: g.id, name: g.name, kind: g.kind, ended: g.ended, get: (k: string) => g.attrs.get(k), members: ledger.members(g) }));
}

const group = (dir: string, id: string) => groups(dir).find((g) => g.id === id)!;

describe("pipeline groups", () => {
  it("cohort run -o GROUP makes one pipeline group per invocation holding every run it executed", () => {
    const dir = project();
    const first = ok(dir, ["run", "-o", "ex"]);
    const runs = readRuns(dir);
    expect(runs).toHaveLength(6); // prepare and simulate on three jobs, in two passes
    const [pipeline] = groups(dir);
    expect(groups(dir)).toHaveLength(1);
    expect(pipeline.kind).toBe("pipeline");
    expect(pipeline.get("flowgroup")).toBe("ex");
    expect(pipeline.members).toEqual(runs.map((r) => r.id).sort());
    expect(first.stderr).toContain(`pipeline group ${pipeline.name}`);
    expect(pipeline.ended).toBeDefined(); // its runner finished it
    // the runs joined it as they were made: no attribute change of the group's for its members
    expect(readJournals(dir).flatMap((j) => j.events).filter((e) => e.e === "attr")).toEqual([]);

    // a second invocation makes a second group, with the runs of that invocation only
    ok(dir, ["run", "notes"]);
    const all = groups(dir);
    expect(all).toHaveLength(2);
    expect(all[1].get("flowgroup")).toBe("notes");
    const notes = readRuns(dir).filter((r) => r.operation === "note");
    expect(notes).toHaveLength(3);
    expect(all[1].members).toEqual(notes.map((r) => r.id).sort());
    expect(group(dir, pipeline.id).members).toEqual(pipeline.members);
  });

  it("makes no group when nothing ran, nor for operations run as their own groups", () => {
    const dir = project();
    ok(dir, ["run", "-o", "prepare"]);
    ok(dir, ["run", "-o", "ex", "--pretend"]);
    expect(readRuns(dir)).toHaveLength(3);
    expect(groups(dir)).toEqual([]);
    ok(dir, ["run", "-o", "ex"]);
    ok(dir, ["run", "-o", "ex"]); // everything is complete: nothing runs
    expect(groups(dir)).toHaveLength(1);
    expect(groups(dir)[0].members).toHaveLength(3); // the simulate runs
  });

  it("a failed run is a member too", () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "cohort.toml"), TOML.replace('command = "cat init.dat > traj.dat"', 'command = "exit 3"'));
    const r = cohort(["run", "-o", "ex"], { cwd: dir });
    expect(r.code).toBe(1);
    const runs = readRuns(dir);
    expect(runs.map((run) => run.exit)).toEqual([0, 0, 0, 3]); // stopped after the first failure
    const [pipeline] = groups(dir);
    expect(pipeline.members).toEqual(runs.map((run) => run.id).sort());
  });

  it("a pipeline stopped by Ctrl-C reads terminated, even when the run in hand completed", async () => {
    const dir = tempDir();
    expect(cohort(["init", "i={1,2,3}"], { cwd: dir }).code).toBe(0);
    // a function run in cohort finishes what it does on Ctrl-C: its run completes
    fs.writeFileSync(
      path.join(dir, "project.ts"),
      `import fs from "node:fs";
import { FlowProject, post } from "cohort";
const project = new FlowProject();
const ab = project.makeGroup({ name: "ab" });
project.operation(ab, post.isFile("a.done"), async function a(job) {
  await new Promise((r) => setTimeout(r, 1500));
  fs.writeFileSync(job.path + "/a.done", "");
});
export default project;
`,
    );
    const run = cohortInBackground(["run", "-o", "ab"], { cwd: dir });
    await waitFor("the first run to start", () => run.stderr().includes("cohort: a [ab] on"));
    process.kill(run.pid, "SIGINT");
    expect((await run.done).code).toBe(130);
    const rows = JSON.parse(ok(dir, ["runs", "-g", "--json"]).stdout) as { type: string; kind?: string; status: string }[];
    expect(rows.map((r) => [r.kind, r.status])).toEqual([["pipeline", "terminated"]]);
    expect(JSON.parse(ok(dir, ["runs", "--json"]).stdout).map((r: { status: string }) => r.status)).toEqual(["completed"]);
  });

  it("a pipeline whose later pass is refused (it can never fit) reads terminated, not completed", () => {
    const dir = project();
    fs.appendFileSync(path.join(dir, "cohort.toml"), `\n[operations.huge]\ncommand = "true"\npre = [{ after = ["prepare"] }]\ndirectives = { np = 100000 }\n\n[groups.big]\noperations = ["prepare", "huge"]\n`);
    const r = cohort(["run", "-o", "big", "--parallel", "2"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/can never run here/);
    const rows = JSON.parse(ok(dir, ["runs", "-g", "--json"]).stdout) as { kind?: string; status: string }[];
    expect(rows.map((x) => [x.kind, x.status])).toEqual([["pipeline", "terminated"]]);
  });

  it("with COHORT_SUBMISSION_GROUP, runs join that group and no pipeline group is made", () => {
    const dir = project();
    ok(dir, ["run", "note"]); // some run, to make a group by hand from
    const submission = makeGroup(dir, { kind: "submission", details: { flowgroup: "ex" } });
    ok(dir, ["run", "-o", "ex"], { COHORT_SUBMISSION_GROUP: submission.id });
    expect(groups(dir).map((g) => g.id)).toEqual([submission.id]);
    const ex = readRuns(dir).filter((r) => r.operation !== "note");
    expect(ex).toHaveLength(6);
    expect(group(dir, submission.id).members).toEqual(ex.map((r) => r.id).sort());
    expect(group(dir, submission.id).ended).toBeUndefined(); // the runner on a node does not end a submission

    const bad = cohort(["run", "-o", "ex"], { cwd: dir, env: { COHORT_SUBMISSION_GROUP: "../01a22957" } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^cohort: error: COHORT_SUBMISSION_GROUP=\S+ is not a run group id \(/);
  });

  it("a cluster job that starts before its submission group is recorded: its runs join the group once it is", () => {
    const dir = project();
    const later = newRunId();
    ok(dir, ["run", "notes"], { COHORT_SUBMISSION_GROUP: later });
    const notes = readRuns(dir);
    expect(notes).toHaveLength(3);
    expect(groups(dir)).toEqual([]);
    makeGroup(dir, { id: later, kind: "submission", details: { flowgroup: "notes" } });
    expect(group(dir, later).members).toEqual(notes.map((r) => r.id).sort());
    expect(JSON.parse(ok(dir, ["runs", "-g", "--json"]).stdout)).toMatchObject([{ type: "group", id: later, kind: "submission", operation: "note", status: "completed" }]);
  });
});
