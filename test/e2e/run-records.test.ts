/**
 * Every kind of execution is recorded in the journal (SPEC §6): a job operation and an aggregate, each
 * as a shell command and as a TypeScript function, and a flag operation; in a pipeline and a batch.
 * A run is a few events in the journal of the process that ran it and its output bytes in the
 * segment of the slot that ran it: no file of its own, but a flag run's working directory.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cohort, journalDirOf, lines, readJournals, tempDir, type JournalFile } from "../helpers.js";

const TOML = `[project]
name = "records"

[operations.cmd_job]
command = "echo job {sp.i} {sp.x}"

[operations.cmd_agg]
command = "printf 'pair\\\\377'"
aggregator = { groups_of = 2 }

[operations.train]
command = "echo lr={flags.lr}"
flags = { lr = 1.0 }
directives = { np = 1, walltime = 0.5, my_key = "kept" }

[groups.pipe]
operations = ["cmd_job"]
`;

const MODULE = `import { FlowProject, groupsOf } from "cohort";
const project = new FlowProject();
project.operation(function fn_job(job) { console.log("fn", job.sp.i); });
project.operation(groupsOf(2), function fn_agg(...jobs) { console.log("fn pair", jobs.length); });
export default project;
`;

type Event = Record<string, unknown>;

/** One run as its events in one journal tell it, and its output bytes from the segment its start names. */
interface Told {
  run: Event;
  start: Event;
  end: Event;
  /** The events of the run, in journal order. */
  order: string[];
  output: Buffer;
  journal: JournalFile;
}

function told(dir: string, journal: JournalFile): Told[] {
  const writer = journal.writer.id as string;
  return journal.events
    .filter((e) => e.e === "run")
    .map((run) => {
      const mine = journal.events.filter((e) => e.id === run.id);
      // cohort makes a run as it starts: its run event holds the start
      const start = mine.find((e) => e.e === "run")!;
      const end = mine.find((e) => e.e === "end")!;
      const segment = fs.readFileSync(path.join(journalDirOf(dir), `${writer}.${start.slot}.out`));
      return { run, start, end, order: mine.map((e) => e.e as string), output: segment.subarray(start.off as number, (start.off as number) + (end.len as number)), journal };
    });
}

/** The `def` of number `n` in a journal. */
const def = (j: JournalFile, n: unknown) => j.events.find((e) => e.e === "def" && e.n === n);

describe("the journal of every kind of execution", () => {
  const dir = tempDir();
  expect(cohort(["init", "i={1,2}", "x=1.0"], { cwd: dir }).code).toBe(0);
  fs.writeFileSync(path.join(dir, "cohort.toml"), TOML);
  fs.writeFileSync(path.join(dir, "project.mjs"), MODULE);
  const ran = cohort(["run", "-o", "cmd_job", "cmd_agg", "fn_job", "fn_agg", "train"], { cwd: dir });
  const jobs = lines(cohort(["find"], { cwd: dir }).stdout);
  const [journal] = readJournals(dir);
  const runs = journal ? told(dir, journal) : [];
  const byOp = new Map(runs.map((r) => [r.run.op as string, r]));

  it("one process, one journal: its writer line, then one run of each", () => {
    expect(ran.code, ran.stderr).toBe(0);
    expect(readJournals(dir)).toHaveLength(1);
    expect(journal.writer).toMatchObject({ e: "writer", v: 1, host: expect.any(String), pid: expect.any(Number), cohort: expect.any(String), user: expect.any(String) });
    expect(path.basename(journal.file)).toBe(`${journal.writer.id}.jsonl`);
    expect([...byOp.keys()].sort()).toEqual(["cmd_agg", "cmd_job", "fn_agg", "fn_job", "train"]);
    expect(runs).toHaveLength(7); // the job operations once on each job
  });

  it.each([
    ["cmd_job", "job", "shell"],
    ["cmd_agg", "aggregate", "shell"],
    ["fn_job", "job", "function"],
    ["fn_agg", "aggregate", "function"],
    ["train", "flags", "shell"],
  ] as const)("%s (%s, %s): its run event (with its start) and end event, and its output bytes", (op, kind, body) => {
    for (const r of runs.filter((x) => x.run.op === op)) {
      const { run, start, end, output } = r;
      expect(r.order).toEqual(["run", "end"]);
      expect(run.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Number.isSafeInteger(run.t) && (run.t as number) <= (start.t as number) && (start.t as number) <= (end.t as number)).toBe(true);
      expect(run).not.toHaveProperty("fg"); // run as its own group
      expect(run).not.toHaveProperty("in");
      // the resolved directives, written once and named by number
      const directives = def(journal, run.d)!.directives as Record<string, unknown>;
      expect(directives.np).toBe(1);
      if (op === "train") expect(directives).toMatchObject({ walltime: 1800, my_key: "kept" });
      expect(start).toMatchObject({ slot: 0, off: expect.any(Number) });
      expect(end).toEqual({ e: "end", t: expect.any(Number), id: run.id, exit: 0, len: output.length });
      if (kind === "flags") {
        expect(run).not.toHaveProperty("jobs");
        expect(run.config).toBe('{"lr": 1.0}');
      } else if (kind === "aggregate") {
        expect([...(run.jobs as string[])].sort()).toEqual([...jobs].sort());
        const sps = (run.jobs as string[]).map((j) => fs.readFileSync(path.join(dir, "workspace", j, "signac_statepoint.json"), "utf8"));
        expect(run.config).toBe(`{"jobs": [${sps.join(", ")}]}`);
      } else {
        expect(run.jobs).toHaveLength(1);
        expect(jobs).toContain((run.jobs as string[])[0]);
        expect(run.config).toMatch(/^\{"i": [12], "x": 1\.0\}$/);
      }
      const i = /"i": (\d)/.exec(run.config as string)?.[1];
      if (body === "function") {
        expect(run.fn).toBe(true);
        expect(run).not.toHaveProperty("c");
        expect(run).not.toHaveProperty("cmd");
      } else {
        expect(run).not.toHaveProperty("fn");
        const template = def(journal, run.c)!.command;
        expect(template).toBe({ cmd_job: "echo job {sp.i} {sp.x}", cmd_agg: "printf 'pair\\377'", train: "echo lr={flags.lr}" }[op]);
        // the command as run, where it differs from its template
        if (op === "cmd_job") expect(run.cmd).toBe(`echo job ${i} 1.0`);
        else if (op === "train") expect(run.cmd).toBe("echo lr=1.0");
        else expect(run).not.toHaveProperty("cmd");
      }
      // what the operation printed, byte for byte
      const printed = { cmd_job: `job ${i} 1.0\n`, cmd_agg: "pair\xff", fn_job: `fn ${i}\n`, fn_agg: "fn pair 2\n", train: "lr=1.0\n" }[op];
      expect(output).toEqual(Buffer.from(printed, "latin1"));
    }
  });

  it("the runs of one slot lie back to back in its segment, nothing between them", () => {
    const segment = fs.readFileSync(path.join(journalDirOf(dir), `${journal.writer.id}.0.out`));
    const inOrder = [...runs].sort((a, b) => (a.start.off as number) - (b.start.off as number));
    let at = 0;
    for (const r of inOrder) {
      expect(r.start.off).toBe(at);
      at += r.end.len as number;
    }
    expect(segment.length).toBe(at);
    expect(Buffer.concat(inOrder.map((r) => r.output))).toEqual(segment);
  });

  it("creates no file of a job's run; a flag run gets its working directory, nothing more", () => {
    const train = byOp.get("train")!;
    // (cache/ holds derived indexes only)
    expect(fs.readdirSync(path.join(dir, ".cohort")).filter((n) => n !== "cache").sort()).toEqual(["journal", "runs"]);
    expect(fs.readdirSync(path.join(dir, ".cohort", "runs"))).toEqual([train.run.id]);
    expect(fs.statSync(path.join(dir, ".cohort", "runs", train.run.id as string)).isDirectory()).toBe(true);
    expect(fs.readdirSync(journalDirOf(dir)).sort()).toEqual([`${journal.writer.id}.0.out`, `${journal.writer.id}.jsonl`]);
    // the operations wrote nothing into the job directories, and neither did cohort
    for (const job of jobs) expect(fs.readdirSync(path.join(dir, "workspace", job)).filter((f) => !f.startsWith("signac_"))).toEqual([]);
  });

  it("a pipeline: its runs name the FlowGroup and join the group they are made in, which ends when the invocation does", () => {
    const r = cohort(["run", "-o", "pipe", "-q"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const second = readJournals(dir).find((j) => j.writer.id !== journal.writer.id)!;
    const group = second.events.find((e) => e.e === "group")!;
    expect(group).toEqual({ e: "group", t: expect.any(Number), id: expect.any(String), kind: "pipeline", set: { flowgroup: "pipe" } });
    const piped = told(dir, second);
    expect(piped).toHaveLength(2);
    for (const p of piped) {
      expect(p.run).toMatchObject({ op: "cmd_job", fg: "pipe", in: [group.id] });
      expect(p.output.toString()).toMatch(/^job [12] 1\.0\n$/);
    }
    // the group's end comes after its last run's
    expect(second.events.at(-1)).toEqual({ e: "end", t: expect.any(Number), id: group.id });
  });

  it("a batch: a group event with its flags and the number of runs planned; each run in its own directory", () => {
    const before = new Set(readJournals(dir).map((j) => j.writer.id));
    const r = cohort(["run", "train", "lr={1.0,2.0}", "-q"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const third = readJournals(dir).find((j) => !before.has(j.writer.id))!;
    const group = third.events.find((e) => e.e === "group")!;
    expect(group).toEqual({ e: "group", t: expect.any(Number), id: expect.any(String), kind: "batch", planned: 2, set: { operation: "train", flags: ["lr={1.0,2.0}"] } });
    const batch = told(dir, third);
    expect(batch.map((b) => [b.run.config, b.run.cmd, b.run.in, b.output.toString()])).toEqual([
      ['{"lr": 1.0}', "echo lr=1.0", [group.id], "lr=1.0\n"],
      ['{"lr": 2.0}', "echo lr=2.0", [group.id], "lr=2.0\n"],
    ]);
    const dirs = fs.readdirSync(path.join(dir, ".cohort", "runs")).sort();
    expect(dirs).toEqual([byOp.get("train")!.run.id, ...batch.map((b) => b.run.id)].sort());
  });
});
