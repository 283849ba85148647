import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cohort, cohortInBackground, journalDirOf, lines, readJournals, readRuns, tempDir, waitFor } from "../helpers.js";

/** A project with a cohort.toml (and optionally a project.ts) and a grid of jobs. */
function project(toml: string, grid: string[], projectTs?: string): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "cohort.toml"), toml);
  if (projectTs !== undefined) fs.writeFileSync(path.join(dir, "project.ts"), projectTs);
  const r = cohort(["init", ...grid], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

const runs = readRuns;

const cohortAsync = cohortInBackground;

/** Lines `WHAT RUN NANOSECONDS [EXTRA]` appended by operations to a shared log. */
interface Event {
  what: "start" | "end";
  run: string;
  t: bigint;
  extra: string;
}

function events(file: string): Event[] {
  return lines(fs.readFileSync(file, "utf8")).map((l) => {
    const [what, run, t, ...extra] = l.split(" ");
    return { what: what as "start" | "end", run, t: BigInt(t), extra: extra.join(" ") };
  });
}

/** Each run's interval [start, end] from the log. */
function intervals(file: string): Map<string, { start: bigint; end: bigint; extra: string }> {
  const out = new Map<string, { start: bigint; end: bigint; extra: string }>();
  for (const e of events(file)) {
    const iv = out.get(e.run) ?? { start: 0n, end: 0n, extra: e.extra };
    if (e.what === "start") iv.start = e.t;
    else iv.end = e.t;
    out.set(e.run, iv);
  }
  return out;
}

const overlap = (a: { start: bigint; end: bigint }, b: { start: bigint; end: bigint }) => a.start < b.end && b.start < a.end;

/** The largest sum of `weight` over runs going on at one time, from start/end events. */
function maxConcurrent(file: string, weight: (e: Event) => number): number {
  const sorted = events(file).sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.what === "end" ? -1 : 1));
  let now = 0;
  let max = 0;
  for (const e of sorted) {
    now += e.what === "start" ? weight(e) : -weight(e);
    max = Math.max(max, now);
  }
  expect(now).toBe(0);
  return max;
}

/** A shell operation that logs its start and end (with `extra`) around `body`. */
function timed(body: string, extra = ""): string {
  const log = `"$COHORT_PROJECT/events.log"`;
  return `echo start $COHORT_RUN_ID $(date +%s%N) ${extra} >> ${log}; ${body}; echo end $COHORT_RUN_ID $(date +%s%N) ${extra} >> ${log}`;
}

/** Live (not zombie) processes whose process group is one of `pgids`. */
function liveInGroups(pgids: number[]): string[] {
  return execFileSync("ps", ["-eo", "pid=,pgid=,stat=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => l.trim().split(/\s+/))
    .filter(([, pgid, stat]) => pgids.includes(Number(pgid)) && !stat.startsWith("Z"))
    .map((f) => f.join(" "));
}

// Each temporary project adds an exit listener (helpers.ts).
process.setMaxListeners(200);

const ONE_LINE_ERROR = /^cohort: error: [^\n]+\n$/;

describe("cohort run --parallel: slots", () => {
  it("runs two np=1 operations at once under --parallel 2", () => {
    const dir = project(`[operations.nap]\ncommand = '${timed("sleep 1")}'\n`, ["i={1,2}"]);
    const t0 = Date.now();
    const r = cohort(["run", "--parallel", "2"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1900 + 1500); // not 2 s of sleep one after the other, plus start-up
    const [a, b] = [...intervals(path.join(dir, "events.log")).values()];
    expect(overlap(a, b)).toBe(true);
    expect(runs(dir).map((m) => m.exit)).toEqual([0, 0]);
  });

  it("never runs two np=2 operations at once under --parallel 2", () => {
    const dir = project(`[operations.wide]\ncommand = '${timed("sleep 0.5")}'\ndirectives = { np = 2 }\n`, ["i={1,2,3}"]);
    const r = cohort(["run", "--parallel", "2"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const ivs = [...intervals(path.join(dir, "events.log")).values()];
    expect(ivs).toHaveLength(3);
    for (let i = 0; i < ivs.length; i++) for (let j = i + 1; j < ivs.length; j++) expect(overlap(ivs[i], ivs[j])).toBe(false);
  });

  it("never holds more slots than --parallel allows, and does use them", () => {
    const dir = project(
      `
[operations.one]
command = '${timed("sleep 0.4", "1")}'
[operations.two]
command = '${timed("sleep 0.6", "2")}'
directives = { np = 2 }
[operations.three]
command = '${timed("sleep 0.3", "3")}'
directives = { nranks = 3 }
`,
      ["i={1..4}"],
    );
    const r = cohort(["run", "--parallel", "3", "--order", "random"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const log = path.join(dir, "events.log");
    expect(events(log)).toHaveLength(24);
    const slots = maxConcurrent(log, (e) => Number(e.extra));
    expect(slots).toBeLessThanOrEqual(3);
    expect(maxConcurrent(log, () => 1)).toBeGreaterThan(1);
  });

  it("respects declared memory: two 2 GB operations do not run at once in 3 GB", () => {
    const dir = project(`[operations.big]\ncommand = '${timed("sleep 0.5")}'\ndirectives = { memory = "2g" }\n`, ["i={1,2}"]);
    const r = cohort(["run", "--parallel", "2"], { cwd: dir, env: { COHORT_MEMORY_GB: "3" } });
    expect(r.code, r.stderr).toBe(0);
    const [a, b] = [...intervals(path.join(dir, "events.log")).values()];
    expect(overlap(a, b)).toBe(false);
    const both = cohort(["run", "--parallel", "2", "-o", "big"], { cwd: project(fs.readFileSync(path.join(dir, "cohort.toml"), "utf8"), ["i={1,2}"]), env: { COHORT_MEMORY_GB: "4" } });
    expect(both.code, both.stderr).toBe(0);
  });

  it("keeps the after order: a dependent never starts before what it depends on has finished", () => {
    const dir = project(
      `
[operations.prepare]
command = '${timed("sleep 0.3; touch init.dat")}'
post = [{ isfile = "init.dat" }]
[operations.simulate]
command = '${timed("test -f init.dat && touch traj.dat")}'
pre = [{ after = ["prepare"] }]
post = [{ isfile = "traj.dat" }]
[groups.ex]
operations = ["prepare", "simulate"]
`,
      ["i={1..4}"],
    );
    const r = cohort(["run", "-o", "ex", "--parallel", "2"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const all = runs(dir);
    expect(all).toHaveLength(8);
    for (const sim of all.filter((m) => m.operation === "simulate")) {
      const prep = all.find((m) => m.operation === "prepare" && m.jobs[0] === sim.jobs[0])!;
      expect(sim.exit).toBe(0);
      expect(sim.started).toBeGreaterThanOrEqual(prep.stopped);
    }
    // passes: the second starts when the first has finished
    const lastPrepare = Math.max(...all.filter((m) => m.operation === "prepare").map((m) => m.stopped));
    const firstSimulate = Math.min(...all.filter((m) => m.operation === "simulate").map((m) => m.started));
    expect(firstSimulate).toBeGreaterThan(lastPrepare);
  });

  it("stops starting after a failure (running ones finish) unless --keep-going", () => {
    const toml = `[operations.f]\ncommand = 'if [ "$(basename $PWD)" = "$FAIL" ]; then exit 3; fi; sleep 0.3'\npost = [{ isfile = "never" }]\n`;
    const dir = project(toml, ["i={1..6}"]);
    const ids = lines(cohort(["find"], { cwd: dir }).stdout);
    const r = cohort(["run", "--parallel", "2"], { cwd: dir, env: { FAIL: ids[0] } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("stopped after the failure");
    expect(runs(dir).length).toBeLessThan(6);
    const k = cohort(["run", "--parallel", "2", "--keep-going"], { cwd: project(toml, ["i={1..6}"]), env: { FAIL: ids[0] } });
    expect(k.code).toBe(1);
    expect(k.stderr).toContain("6 runs, 5 completed, 1 failed");
  });

  it("--parallel without a number uses every core; -n caps the runs started", () => {
    const dir = project(`[operations.x]\ncommand = "true"\n`, ["i={1..5}"]);
    const r = cohort(["run", "-n", "3", "--parallel"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("3 runs, 3 completed");
  });
});

describe("cohort run --parallel: GPUs", () => {
  it("gives each ngpu=1 operation its own GPU through CUDA_VISIBLE_DEVICES, never shared", () => {
    const dir = project(
      `[operations.gpu]\ncommand = '${timed("sleep 0.6", "$CUDA_VISIBLE_DEVICES")}'\ndirectives = { ngpu = 1 }\n` +
        `[operations.cpu]\ncommand = 'printf "[%s]" "\${CUDA_VISIBLE_DEVICES-unset}" > cpu.txt'\n`,
      ["i={1..5}"],
    );
    const r = cohort(["run", "--parallel", "4", "-o", "gpu", "cpu"], { cwd: dir, env: { COHORT_GPUS: "0,1" } });
    expect(r.code, r.stderr).toBe(0);
    const log = path.join(dir, "events.log");
    const ivs = [...intervals(log).values()];
    expect(ivs).toHaveLength(5);
    for (const iv of ivs) expect(["0", "1"]).toContain(iv.extra);
    let overlapping = 0;
    for (let i = 0; i < ivs.length; i++) {
      for (let j = i + 1; j < ivs.length; j++) {
        if (!overlap(ivs[i], ivs[j])) continue;
        overlapping++;
        expect(ivs[i].extra).not.toBe(ivs[j].extra);
      }
    }
    expect(overlapping).toBeGreaterThan(0);
    expect(maxConcurrent(log, () => 1)).toBeLessThanOrEqual(2);
    // an operation without GPUs sees none (CUDA_VISIBLE_DEVICES set, empty)
    for (const id of lines(cohort(["find"], { cwd: dir }).stdout)) {
      expect(fs.readFileSync(path.join(dir, "workspace", id, "cpu.txt"), "utf8")).toBe("[]");
    }
  });

  it("detects GPUs with nvidia-smi", () => {
    const bin = tempDir();
    fs.writeFileSync(path.join(bin, "nvidia-smi"), '#!/bin/sh\n[ "$1" = "--query-gpu=index" ] && printf "0\\n1\\n"\n');
    fs.chmodSync(path.join(bin, "nvidia-smi"), 0o755);
    const dir = project(`[operations.gpu]\ncommand = 'echo "$CUDA_VISIBLE_DEVICES" > gpus.txt'\ndirectives = { ngpu = 2 }\n`, ["i=1"]);
    const env = { PATH: `${bin}:${process.env.PATH}`, COHORT_GPUS: undefined, CUDA_VISIBLE_DEVICES: undefined };
    const r = cohort(["run", "--parallel", "2"], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    const [id] = lines(cohort(["find"], { cwd: dir }).stdout);
    expect(fs.readFileSync(path.join(dir, "workspace", id, "gpus.txt"), "utf8")).toBe("0,1\n");
  });

  it("uses only the GPUs CUDA_VISIBLE_DEVICES names (a cluster job's), not every GPU nvidia-smi lists", () => {
    const bin = tempDir();
    fs.writeFileSync(path.join(bin, "nvidia-smi"), '#!/bin/sh\n[ "$1" = "--query-gpu=index" ] && printf "0\\n1\\n2\\n3\\n"\n');
    fs.chmodSync(path.join(bin, "nvidia-smi"), 0o755);
    const dir = project(`[operations.gpu]\ncommand = 'echo "$CUDA_VISIBLE_DEVICES" > gpus.txt'\ndirectives = { ngpu = 2 }\n[operations.big]\ncommand = "true"\ndirectives = { ngpu = 3 }\n`, ["i=1"]);
    const env = { PATH: `${bin}:${process.env.PATH}`, COHORT_GPUS: undefined, CUDA_VISIBLE_DEVICES: "2,3" };
    const r = cohort(["run", "--parallel", "2", "-o", "gpu"], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    const [id] = lines(cohort(["find"], { cwd: dir }).stdout);
    expect(fs.readFileSync(path.join(dir, "workspace", id, "gpus.txt"), "utf8")).toBe("2,3\n");
    const big = cohort(["run", "--parallel", "2", "-o", "big"], { cwd: dir, env });
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/needs ngpu=3 GPUs, but there are only 2 \(CUDA_VISIBLE_DEVICES=2,3\)/);
  });
});

const FUNCTIONS_TS = `
import { FlowProject } from "cohort";
import type { Job } from "cohort";
import fs from "node:fs";

const project = new FlowProject();
project.operation("who", {}, (job: Job) => {
  console.log("pid", process.pid, "ppid", process.ppid, "i", String(job.sp.i));
  console.error("to stderr", String(job.sp.i));
});
project.operation("spin", {}, (job: Job) => {
  fs.appendFileSync(process.env.COHORT_PROJECT + "/pids", process.pid + "\\n");
  for (;;) {}
});
project.operation("boom", {}, (job: Job) => { throw new Error("boom on " + String(job.sp.i)); });
project.operation("make", { cmd: true }, (job: Job) => "echo made " + String(job.sp.i) + " by $$");
project.operation("forked", { directives: { fork: true } }, (job: Job) => { console.log("forked pid", process.pid); });
project.operation("quit", {}, (job: Job) => { console.log("quitting", String(job.sp.i)); process.exit(3); });
project.operation("nap", {}, async (job: Job) => { await new Promise((r) => setTimeout(r, 60_000)); });
// Says it started, then waits (10 s at most) for the file "go" in the project.
project.operation("hold", {}, async (job: Job) => {
  const dir = process.env.COHORT_PROJECT + "/";
  fs.writeFileSync(dir + "held", "");
  for (let i = 0; i < 200 && !fs.existsSync(dir + "go"); i++) await new Promise((r) => setTimeout(r, 50));
});
project.operation("again", { post: [(job: Job) => job.isFile("never")] }, (job: Job) => {
  fs.appendFileSync(job.fn("count.txt"), "x\\n");
});
export default project;
`;

describe("cohort run --parallel: function operations in workers", () => {
  it("runs them in worker processes, not in cohort; their output reaches the records", async () => {
    const dir = project("", ["i={1..3}"], FUNCTIONS_TS);
    const run = cohortAsync(["run", "-o", "who", "--parallel", "2"], { cwd: dir });
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const all = runs(dir);
    expect(all).toHaveLength(3);
    // Each run is recorded in the journal of the worker that executed it, not in cohort's.
    const writerOf = new Map<string, unknown>();
    for (const j of readJournals(dir)) for (const e of j.events) if (e.e === "run") writerOf.set(e.id as string, j.writer.pid);
    for (const m of all) {
      const match = /^pid (\d+) ppid (\d+) i (\d)\nto stderr \3\n$/.exec(m.output);
      expect(match, m.output).not.toBeNull();
      expect(Number(match![1])).not.toBe(run.pid);
      expect(Number(match![2])).toBe(run.pid); // a worker cohort started
      expect(writerOf.get(m.id)).toBe(Number(match![1]));
    }
    // serially, without fork, they run inside cohort
    const serial = cohortAsync(["run", "-o", "who"], { cwd: project("", ["i=1"], FUNCTIONS_TS) });
    expect((await serial.done).stdout).toContain(`pid ${serial.pid} `);
  });

  it("runs a fork operation in its own process even serially", async () => {
    const dir = project("", ["i={1,2}"], FUNCTIONS_TS);
    const run = cohortAsync(["run", "-o", "forked"], { cwd: dir });
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const pids = runs(dir).map((m) => Number(/forked pid (\d+)/.exec(m.output)![1]));
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(pid).not.toBe(run.pid);
    expect(new Set(pids).size).toBe(2); // a fresh process per run
  });

  it("a function that throws is an error run with its stack in the output; cmd commands run", () => {
    const dir = project("", ["i={1,2}"], FUNCTIONS_TS);
    const r = cohort(["run", "-o", "boom", "make", "--parallel", "2", "--keep-going"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("4 runs, 2 completed, 2 failed");
    expect(r.stderr).toMatch(/error {2}boom on [0-9a-f]+ {2}\(run [a-z]{5}-[a-z]{5}\): boom on [12]/);
    for (const m of runs(dir).filter((x) => x.operation === "boom")) {
      expect(m.exit).toBe(1);
      expect(m.output).toMatch(/raised: Error: boom on [12]\n\s+at .*project\.ts:\d+/);
    }
    for (const m of runs(dir).filter((x) => x.operation === "make")) {
      expect(m.exit).toBe(0);
      expect(m.output).toMatch(/^made [12] by \d+\n$/);
    }
  });

  it("TypeScript hooks of runs that overlap each write to their own run's record", () => {
    const ts = `
import { FlowProject } from "cohort";
const project = new FlowProject();
project.hooks.onStart(async ({ runId }) => { console.log("hook start", runId); await new Promise((r) => setTimeout(r, 200)); console.log("hook late", runId); });
project.operation("work", {}, (job) => { console.log("work", String(job.sp.i)); });
export default project;
`;
    const dir = project(`[operations.sh]\ncommand = "echo shell"\n`, ["i={1..3}"], ts);
    const r = cohort(["run", "--parallel", "3"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const all = runs(dir);
    expect(all).toHaveLength(6);
    for (const m of all) {
      const body = m.operation === "sh" ? "shell\n" : /^work \d\n$/;
      expect(m.output.startsWith(`hook start ${m.id}\nhook late ${m.id}\n`), m.output).toBe(true);
      expect(m.output.slice(`hook start ${m.id}\nhook late ${m.id}\n`.length)).toMatch(body);
      expect(r.stdout).toContain(`[${m.name}] hook late ${m.id}\n`);
    }
  });

  it("a worker that exits during a run: the run is an error with its exit code, recorded by cohort; the rest run in new workers", () => {
    const dir = project("", ["i={1..3}"], FUNCTIONS_TS);
    const r = cohort(["run", "-o", "quit", "--parallel", "2", "--keep-going"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("3 runs, 0 completed, 3 failed");
    expect(r.stderr).toContain("the worker process exited with code 3");
    const all = runs(dir);
    expect(all).toHaveLength(3);
    for (const m of all) {
      expect(m.exit).toBe(3);
      expect(m.output).toMatch(/^quitting [123]\n$/);
    }
    // Their ends are in cohort's journal, their runs in the workers'.
    const journals = readJournals(dir);
    const ends = journals.filter((j) => j.events.some((e) => e.e === "end" && e.exit === 3));
    expect(ends).toHaveLength(1);
    expect(ends[0].events.some((e) => e.e === "run")).toBe(false);
  });

  it("--timeout ends a worker function that awaits at its limit: terminated, and the runs after it still run", () => {
    const dir = project("", ["i={1..3}"], FUNCTIONS_TS);
    const t0 = Date.now();
    const r = cohort(["run", "-o", "nap", "--parallel", "2", "--timeout", "1", "--keep-going"], { cwd: dir });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("3 runs, 0 completed, 0 failed, 3 terminated");
    const all = runs(dir);
    expect(all.map((m) => m.exit)).toEqual([-15, -15, -15]);
  });

  it("--num-passes runs a function again in later passes (its earlier runs were this runner's, through its workers)", () => {
    const dir = project("", ["i={1,2}"], FUNCTIONS_TS);
    const r = cohort(["run", "-o", "again", "--parallel", "2", "--num-passes", "3"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("6 runs, 6 completed");
    for (const id of lines(cohort(["find"], { cwd: dir }).stdout)) expect(fs.readFileSync(path.join(dir, "workspace", id, "count.txt"), "utf8")).toBe("x\nx\nx\n");
  });

  it("--timeout stops a worker function that never returns and marks its run terminated", () => {
    const dir = project("", ["i={1,2}"], FUNCTIONS_TS);
    const t0 = Date.now();
    const r = cohort(["run", "-o", "spin", "--parallel", "2", "--timeout", "1", "--keep-going"], { cwd: dir });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("timed out");
    const all = runs(dir);
    expect(all).toHaveLength(2);
    for (const m of all) expect(m.exit).toBeLessThan(0);
    const pids = lines(fs.readFileSync(path.join(dir, "pids"), "utf8")).map(Number);
    expect(liveInGroups(pids)).toEqual([]);
  });
});

describe("cohort run --parallel: output", () => {
  it("prefixes every line with its run's name, whole lines only", () => {
    const dir = project(`[operations.talk]\ncommand = "printf 'first '; sleep 0.3; printf 'half\\\\n'; echo second; printf 'no newline'"\n`, ["i={1..3}"]);
    const r = cohort(["run", "--parallel", "3"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const names = new Set(runs(dir).map((m) => m.name));
    const out = lines(r.stdout);
    expect(out).toHaveLength(9);
    for (const name of names) {
      expect(out.filter((l) => l.startsWith(`[${name}] `))).toEqual([`[${name}] first half`, `[${name}] second`, `[${name}] no newline`]);
    }
    for (const m of runs(dir)) expect(m.output).toBe("first half\nsecond\nno newline");
    for (const name of names) expect(r.stderr).toContain(`cohort: [${name}] talk on `);
  });

  it("--quiet shows only the summary", () => {
    const dir = project(`[operations.talk]\ncommand = "echo chatter"\n`, ["i={1,2}"]);
    for (const args of [["--parallel", "2", "--quiet"], ["-q"]]) {
      const r = cohort(["run", ...args], { cwd: project(`[operations.talk]\ncommand = "echo chatter"\n`, ["i={1,2}"]) });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe("cohort: 2 runs, 2 completed, 0 failed\n");
    }
    expect(cohort(["run", "--parallel", "2", "-q"], { cwd: dir }).stdout).toBe("");
    for (const m of runs(dir)) expect(m.output).toBe("chatter\n");
  });

  it("cohort exec runs on several jobs at once with --parallel", () => {
    const dir = project(`[operations.nap]\ncommand = '${timed("sleep 0.6")}'\npost = [{ isfile = "x" }]\n`, ["i={1,2}"]);
    const r = cohort(["exec", "nap", "--parallel", "2"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const [a, b] = [...intervals(path.join(dir, "events.log")).values()];
    expect(overlap(a, b)).toBe(true);
  });
});

describe("cohort run --parallel: stopping", () => {
  it("SIGINT stops every running operation and its children, marks the runs terminated, leaves no process", async () => {
    const dir = project(`[operations.hang]\ncommand = "echo $$ >> \\"$COHORT_PROJECT/pgids\\"; sh -c 'sleep 30 & sleep 30'"\n`, ["i={1..3}"]);
    const pgidFile = path.join(dir, "pgids");
    const run = cohortAsync(["run", "--parallel", "2"], { cwd: dir });
    await waitFor("two operations to start", () => fs.existsSync(pgidFile) && lines(fs.readFileSync(pgidFile, "utf8")).length === 2);
    const pgids = lines(fs.readFileSync(pgidFile, "utf8")).map(Number);
    await waitFor("their sleeps", () => liveInGroups(pgids).filter((p) => / sleep 30$/.test(p) && p.split(" ")[3] === "sleep").length === 4);
    const t0 = Date.now();
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("interrupted");
    // what the first Ctrl-C does, said as it happens
    expect(r.stderr).toMatch(/^cohort: stopping the running operations; nothing new starts \(SIGINT again to exit at once\)$/m);
    const all = runs(dir);
    expect(all).toHaveLength(2); // the third was never made
    for (const m of all) expect(m.exit).toBeLessThan(0);
    expect(liveInGroups(pgids)).toEqual([]);
    // nothing half-made: whole lines only (readJournals checks), an end for each run, no claim lock left
    const [journal] = readJournals(dir);
    expect(journal.events.filter((e) => e.e === "end" && all.some((m) => m.id === e.id))).toHaveLength(2);
    expect(fs.readdirSync(journalDirOf(dir)).filter((n) => !/\.(jsonl|out)$/.test(n))).toEqual([]);
    expect(JSON.parse(cohort(["runs", "--json"], { cwd: dir }).stdout).map((x: { status: string }) => x.status)).toEqual(["terminated", "terminated"]);
  });

  it("SIGINT during a function running inside cohort: it finishes (it cannot be stopped), cohort says interrupted and exits 130", async () => {
    const dir = project("", ["i=1"], FUNCTIONS_TS);
    const run = cohortAsync(["run", "-o", "hold"], { cwd: dir });
    await waitFor("the function to start", () => fs.existsSync(path.join(dir, "held")));
    run.child.kill("SIGINT");
    await waitFor("the signal to be taken", () => run.stderr().includes("stopping the running operations"));
    fs.writeFileSync(path.join(dir, "go"), "");
    const r = await run.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain("cohort: 1 run, 1 completed, 0 failed\n  interrupted\n");
    // the run did finish: its record says so
    expect(JSON.parse(cohort(["runs", "--json"], { cwd: dir }).stdout).map((x: { status: string }) => x.status)).toEqual(["completed"]);
  });

  it("SIGTERM stops worker functions too; a second signal exits at once and still kills the groups", async () => {
    for (const signals of [["SIGTERM"], ["SIGINT", "SIGINT"]] as const) {
      const dir = project("", ["i={1,2}"], FUNCTIONS_TS);
      const pidFile = path.join(dir, "pids");
      const run = cohortAsync(["run", "-o", "spin", "--parallel", "2"], { cwd: dir });
      await waitFor("two workers to spin", () => fs.existsSync(pidFile) && lines(fs.readFileSync(pidFile, "utf8")).length === 2);
      const pids = lines(fs.readFileSync(pidFile, "utf8")).map(Number);
      for (const s of signals) run.child.kill(s);
      const r = await run.done;
      expect(r.code).toBe(130);
      await waitFor("the workers to be gone", () => liveInGroups(pids).length === 0, 5000);
      if (signals.length === 1) for (const m of runs(dir)) expect(m.exit).toBeLessThan(0);
    }
  });
});

describe("cohort run --parallel: bad input, one line and exit code 2, nothing run", () => {
  const NAP = `[operations.nap]\ncommand = "true"\n`;
  const cases: [string, string, string[], NodeJS.ProcessEnv, RegExp][] = [
    ["--parallel 0", NAP, ["--parallel", "0"], {}, /--parallel 0 is not a number of CPU slots/],
    ["--parallel x", NAP, ["--parallel", "x"], {}, /--parallel x is not/],
    ["np larger than the slots", `[operations.wide]\ncommand = "true"\ndirectives = { np = 3 }\n`, ["--parallel", "2"], {}, /wide on [0-9a-f]+ can never run here: it needs np=3 CPU slots, but --parallel allows 2.*raise --parallel/],
    ["ngpu without GPUs", `[operations.g]\ncommand = "true"\ndirectives = { ngpu = 1 }\n`, ["--parallel", "2"], { COHORT_GPUS: "" }, /needs ngpu=1 GPU, but there are none \(COHORT_GPUS=\)/],
    ["ngpu above the GPUs", `[operations.g]\ncommand = "true"\ndirectives = { ngpu = 3 }\n`, ["--parallel", "4"], { COHORT_GPUS: "0,1" }, /needs ngpu=3 GPUs, but there are only 2/],
    ["COHORT_GPUS naming a GPU twice", NAP, ["--parallel", "2"], { COHORT_GPUS: "0,0" }, /COHORT_GPUS=0,0 names GPU 0 twice/],
    ["COHORT_GPUS not integers", NAP, ["--parallel", "2"], { COHORT_GPUS: "0,gpu1" }, /not a GPU index/],
    ["memory above the machine's", `[operations.m]\ncommand = "true"\ndirectives = { memory = "8g" }\n`, ["--parallel", "2"], { COHORT_MEMORY_GB: "4" }, /needs memory=8 GB, but there are only 4 GB/],
    ["a bad COHORT_MEMORY_GB", NAP, ["--parallel", "2"], { COHORT_MEMORY_GB: "lots" }, /COHORT_MEMORY_GB=lots/],
  ];
  for (const [what, toml, args, env, message] of cases) {
    it(what, () => {
      const dir = project(toml, ["i={1,2}"]);
      const r = cohort(["run", ...args], { cwd: dir, env });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(ONE_LINE_ERROR);
      expect(r.stderr).toMatch(message);
      expect(runs(dir)).toEqual([]);
    });
  }

  it("an operation of a later pass that cannot fit stops the run before that pass, after a summary", () => {
    const dir = project(
      `
[operations.small]
command = "touch small.txt"
post = [{ isfile = "small.txt" }]
[operations.big]
command = "true"
pre = [{ after = ["small"] }]
directives = { np = 4 }
`,
      ["i={1,2}"],
    );
    const r = cohort(["run", "--parallel", "2"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cohort: 2 runs, 2 completed, 0 failed\n");
    expect(r.stderr).toMatch(/cohort: error: big on [0-9a-f]+ can never run here: it needs np=4 CPU slots, but --parallel allows 2 \(and 1 more that cannot fit\); nothing of its pass was started \(.*\)\n$/);
    expect(runs(dir).map((m) => m.operation)).toEqual(["small", "small"]);
  });

  it("names how many more cannot fit; --pretend says the same", () => {
    const dir = project(`[operations.wide]\ncommand = "true"\ndirectives = { np = 3 }\n`, ["i={1..3}"]);
    const r = cohort(["run", "--parallel", "2"], { cwd: dir });
    expect(r.stderr).toContain("(and 2 more that cannot fit)");
    const p = cohort(["run", "--parallel", "2", "--pretend"], { cwd: dir });
    expect(p.code).toBe(2);
    expect(p.stderr).toContain("can never run here");
  });
});
