import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COHORT, cohort, lines, readJournals, readRuns, tempDir } from "../helpers.js";

/** A project with a cohort.toml and a grid of jobs. */
function tomlProject(toml: string, ...grid: string[]): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "cohort.toml"), toml);
  expect(cohort(["init", ...grid], { cwd: dir }).code).toBe(0);
  return dir;
}

const runs = readRuns;

const PIPELINE = `
[project]
name = "demo"

[operations.prepare]
command = "echo preparing {sp.T} && touch init.dat"
post = [{ isfile = "init.dat" }]
directives = { np = 1, walltime = "0:30:00" }

[operations.simulate]
command = "cat init.dat && echo simulated > traj.dat"
pre = [{ after = ["prepare"] }]
post = [{ isfile = "traj.dat" }]
directives = { np = 2, ngpu = 1, walltime = "2h" }

[groups.ex]
operations = ["prepare", "simulate"]
directives = { simulate = { np = 1, ngpu = 2 } }
`;

describe("cohort run (serial) on a cohort.toml project", () => {
  it("runs the group ex in passes: simulate only after prepare, on every job", () => {
    const dir = tomlProject(PIPELINE, "T={1.0,2.0}");
    const r = cohort(["run", "-o", "ex"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("preparing 1.0");
    const ids = lines(cohort(["find"], { cwd: dir }).stdout);
    for (const id of ids) expect(fs.readFileSync(path.join(dir, "workspace", id, "traj.dat"), "utf8")).toBe("simulated\n");
    const all = runs(dir);
    expect(all.map((m) => m.operation).sort()).toEqual(["prepare", "prepare", "simulate", "simulate"]);
    for (const id of ids) {
      const prep = all.find((m) => m.operation === "prepare" && m.jobs[0] === id)!;
      const sim = all.find((m) => m.operation === "simulate" && m.jobs[0] === id)!;
      expect(sim.started).toBeGreaterThanOrEqual(prep.stopped);
      expect(prep.exit).toBe(0);
      expect(sim.exit).toBe(0);
      expect(sim.group).toBe("ex");
      // group-specific directives replace the operation's own: no merge (walltime is not kept)
      expect(sim.directives).toMatchObject({ np: 1, ngpu: 2, walltime: null });
      expect(sim.output).toBe(""); // cat of the empty init.dat; the echo went to traj.dat
      expect(prep.output).toMatch(/^preparing [12]\.0\n$/);
    }
    // nothing is eligible any more
    expect(cohort(["run", "-o", "ex"], { cwd: dir }).stderr).toContain("0 runs");
  });

  it("shows resolved directives with --pretend: the group's replace the operation's own", () => {
    const dir = tomlProject(PIPELINE, "T=1.0");
    const alone = cohort(["run", "-o", "prepare", "--pretend"], { cwd: dir });
    expect(alone.code).toBe(0);
    expect(alone.stdout).toContain("prepare on ");
    expect(alone.stdout).toContain('"walltime": 1800');
    cohort(["exec", "prepare"], { cwd: dir });
    const own = cohort(["run", "-o", "simulate", "--pretend"], { cwd: dir });
    expect(own.stdout).toMatch(/"np": 2, "ngpu": 1/);
    const inGroup = cohort(["run", "-o", "ex", "--pretend"], { cwd: dir });
    expect(inGroup.stdout).toContain("simulate [ex] on");
    expect(inGroup.stdout).toMatch(/"np": 1, "ngpu": 2/);
    expect(runs(dir)).toHaveLength(1); // pretend ran nothing
  });

  it("quotes placeholders: quotes, spaces, $(), backticks and a newline reach the command intact", () => {
    const dir = tomlProject(`
[operations.echo]
command = "printf '%s' {sp.s} > out.txt"
post = [{ isfile = "out.txt" }]
`);
    const nasty = `it's "a" $(touch pwned) \`touch pwned2\` ; rm -rf x\nline2 *`;
    const id = cohort(["job", "init", JSON.stringify({ s: nasty })], { cwd: dir }).stdout.trim();
    expect(cohort(["run"], { cwd: dir }).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "workspace", id, "out.txt"), "utf8")).toBe(nasty);
    expect(fs.existsSync(path.join(dir, "workspace", id, "pwned"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "workspace", id, "pwned2"))).toBe(false);
  });

  it("a failed operation exits 1 with a summary and stops unless --keep-going", () => {
    const dir = tomlProject(`
[operations.fail]
command = "echo failing; exit 3"
post = [{ isfile = "never.txt" }]
`, "i={1..3}");
    const r = cohort(["run"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("1 run, 0 completed, 1 failed");
    expect(r.stderr).toContain("exit code 3");
    expect(runs(dir)).toHaveLength(1);
    expect(runs(dir)[0].exit).toBe(3);
    expect(runs(dir)[0].output).toBe("failing\n");
    const k = cohort(["run", "--keep-going"], { cwd: dir });
    expect(k.code).toBe(1);
    expect(k.stderr).toContain("3 runs, 0 completed, 3 failed");
  });

  it("bounds executions with --num-passes and -n; an operation without post-conditions runs once", () => {
    const dir = tomlProject(`
[operations.again]
command = "echo x >> count.txt"
post = [{ isfile = "never.txt" }]

[operations.once]
command = "echo y >> once.txt"
`, "i=1");
    const id = lines(cohort(["find"], { cwd: dir }).stdout)[0];
    expect(cohort(["run", "--num-passes", "3"], { cwd: dir }).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "workspace", id, "count.txt"), "utf8")).toBe("x\nx\nx\n");
    expect(fs.readFileSync(path.join(dir, "workspace", id, "once.txt"), "utf8")).toBe("y\n");
    expect(cohort(["run", "-o", "again", "-n", "2", "--num-passes", "5"], { cwd: dir }).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "workspace", id, "count.txt"), "utf8")).toBe("x\n".repeat(5));
  });

  it("selects jobs with -j prefixes and -f filters; orders by job or cyclic", () => {
    const dir = tomlProject(`
[operations.a]
command = "echo a >> $COHORT_PROJECT/log.txt"
post = [{ isfile = "a" }]
[operations.b]
command = "echo b >> $COHORT_PROJECT/log.txt"
post = [{ isfile = "b" }]
`, "i={1..3}");
    const ids = lines(cohort(["find"], { cwd: dir }).stdout);
    expect(cohort(["run", "-j", ids[0].slice(0, 6), "--order", "cyclic"], { cwd: dir }).code).toBe(0);
    expect(runs(dir).map((m) => m.jobs[0])).toEqual([ids[0], ids[0]]);
    expect(cohort(["run", "-f", "i.$gt", "1", "--order", "cyclic"], { cwd: dir }).code).toBe(0);
    const later = runs(dir).slice(2);
    expect(later.map((m) => m.operation)).toEqual(["a", "a", "b", "b"]);
    const byJob = tomlProject(fs.readFileSync(path.join(dir, "cohort.toml"), "utf8"), "i={1..2}");
    expect(cohort(["run", "--order", "by-job"], { cwd: byJob }).code).toBe(0);
    expect(runs(byJob).map((m) => m.operation)).toEqual(["a", "b", "a", "b"]);
  });

  it("exec ignores conditions; next prints where an operation is eligible", () => {
    const dir = tomlProject(PIPELINE, "T={1.0,2.0}");
    const ids = lines(cohort(["find"], { cwd: dir }).stdout);
    expect(lines(cohort(["next", "prepare"], { cwd: dir }).stdout)).toEqual(ids);
    expect(lines(cohort(["next", "simulate"], { cwd: dir }).stdout)).toEqual([]);
    expect(cohort(["exec", "simulate", ids[0]], { cwd: dir }).code).toBe(1); // no init.dat: cat fails
    expect(cohort(["exec", "prepare", ids[0].slice(0, 5)], { cwd: dir }).code).toBe(0);
    expect(lines(cohort(["next", "simulate"], { cwd: dir }).stdout)).toEqual([ids[0]]);
    expect(lines(cohort(["next", "prepare"], { cwd: dir }).stdout)).toEqual([ids[1]]);
    // a listing, so --json too
    expect(JSON.parse(cohort(["next", "prepare", "--json"], { cwd: dir }).stdout)).toEqual([{ id: ids[1], jobs: [ids[1]] }]);
  });

  it("runs shell hooks from cohort.toml", () => {
    const dir = tomlProject(`
[project]
name = "hooks"
on_exit = "echo exit $COHORT_OPERATION >> $COHORT_PROJECT/hooks.txt"

[operations.ok]
command = "true"
on_start = "echo start >> $COHORT_PROJECT/hooks.txt"
on_success = "echo success >> $COHORT_PROJECT/hooks.txt"

[operations.bad]
command = "false"
on_exception = "echo exception >> $COHORT_PROJECT/hooks.txt"
`, "i=1");
    cohort(["run", "-o", "ok"], { cwd: dir });
    cohort(["run", "-o", "bad"], { cwd: dir });
    expect(fs.readFileSync(path.join(dir, "hooks.txt"), "utf8")).toBe("start\nsuccess\nexit ok\nexception\nexit bad\n");
  });

  it("shows what shell hooks print as the operation's output is shown, serially and with --parallel", () => {
    const dir = tomlProject(`
[project]
name = "hooks"
on_start = "echo project start"

[operations.ok]
command = "echo running"
on_exit = "echo op exit"
`, "i={1,2}");
    expect(cohort(["run", "-o", "ok", "-j", cohort(["find", "i", "1"], { cwd: dir }).stdout.trim()], { cwd: dir }).stdout).toBe("project start\nrunning\nop exit\n");
    // (with --parallel, each line names its run)
    const parallel = lines(cohort(["run", "-o", "ok", "--parallel", "2"], { cwd: dir }).stdout);
    expect(parallel.map((l) => l.replace(/^\[[a-z]+-[a-z]+\] /, "")).sort()).toEqual(["op exit", "op exit", "project start", "project start", "running", "running"]);
    expect(lines(cohort(["exec", "ok"], { cwd: dir }).stdout).sort()).toEqual(["op exit", "op exit", "project start", "project start", "running", "running"]);
  });

  it("-j, and exec's ids, that select no aggregate of what runs are refused before anything runs", () => {
    const dir = tomlProject(`[operations.byT]\ncommand = "echo {job.id}"\naggregator = { group_by = "T" }\n\n[operations.one]\ncommand = "echo one"\n`, "T={1,2}", "i={1,2}");
    const [job] = lines(cohort(["find", "T", "1"], { cwd: dir }).stdout);
    const refused = (args: string[], what: RegExp) => {
      const r = cohort(args, { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(what);
    };
    refused(["run", "-o", "byT", "-j", "agg-ffff"], /^cohort: error: agg-ffff selects no aggregate of byT \(an aggregate of several jobs is selected by its id/);
    refused(["run", "-o", "byT", "-j", job, "--pretend"], /selects no aggregate of byT/);
    refused(["exec", "byT", job], /selects no aggregate of byT/);
    expect(runs(dir)).toHaveLength(0);
    expect(fs.existsSync(path.join(dir, ".cohort", "journal")) ? readJournals(dir).flatMap((j) => j.events).filter((e) => e.e === "group") : []).toEqual([]);
    // a job that one operation runs on alone is selected; every job of an aggregate selects it
    expect(cohort(["run", "-j", job, "-q"], { cwd: dir }).stderr).toContain("1 run, 1 completed");
    expect(cohort(["run", "-o", "byT", "-j", ...lines(cohort(["find", "T", "1"], { cwd: dir }).stdout), "-q"], { cwd: dir }).stderr).toContain("1 run, 1 completed");
  });

  it("reports unknown -o names and skips them; refuses overlapping groups", () => {
    const dir = tomlProject(PIPELINE, "T=1.0");
    const r = cohort(["run", "-o", "nope", "prepare"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("no operation or group matches nope");
    const overlap = cohort(["run", "-o", "ex", "prepare"], { cwd: dir });
    expect(overlap.code).toBe(2);
    expect(overlap.stderr).toMatch(/share the operation prepare/);
  });
});

describe("runs and their records", () => {
  it("records the run before the operation starts: running while it runs, its output so far readable; its end after", () => {
    const look = [
      "echo before",
      // what the journals say of this run while it runs, straight from the files and through cohort
      `grep -h "$COHORT_RUN_ID" "$COHORT_PROJECT"/.cohort/journal/*.jsonl > seen.txt`,
      `"${process.execPath}" "${COHORT}" runs show "$COHORT_RUN_ID" --json > shown.json`,
      "echo after",
    ].join("; ");
    const dir = tomlProject(`
[operations.look]
command = ${JSON.stringify(look)}
directives = { np = 1, walltime = 1.5, my_key = "kept" }
`, "T=1.0");
    expect(cohort(["run"], { cwd: dir }).code).toBe(0);
    const id = lines(cohort(["find"], { cwd: dir }).stdout)[0];
    const [meta] = runs(dir);
    const seen = lines(fs.readFileSync(path.join(dir, "workspace", id, "seen.txt"), "utf8")).map((l) => JSON.parse(l));
    // one run event, which holds its start
    expect(seen.map((e) => e.e)).toEqual(["run"]);
    expect(seen[0]).toMatchObject({ id: meta.id, op: "look", jobs: [id], config: '{"T": 1.0}', slot: 0, off: expect.any(Number) });
    const shown = JSON.parse(fs.readFileSync(path.join(dir, "workspace", id, "shown.json"), "utf8"));
    expect(shown).toMatchObject({ id: meta.id, status: "running", exit_code: null, stopped: null, output: ["before"] });
    expect(shown.directives).toMatchObject({ np: 1, walltime: 5400, my_key: "kept" });
    // complete once it has ended
    expect(meta.directives).toMatchObject({ np: 1, walltime: 5400, my_key: "kept" });
    expect(meta.exit).toBe(0);
    expect(meta.stopped).toBeGreaterThanOrEqual(meta.started);
    expect(meta.output).toBe("before\nafter\n");
    const events = readJournals(dir).flatMap((j) => j.events.filter((e) => e.id === meta.id));
    expect(events.map((e) => e.e)).toEqual(["run", "end"]);
    expect(events.slice(0, 1)).toEqual(seen);
    expect(events[1]).toMatchObject({ exit: 0, len: "before\nafter\n".length });
    expect(cohort(["runs", "show", meta.id], { cwd: dir }).stdout).toMatch(/^status +completed$/m);
  });

  it("--timeout stops an operation, kills its processes and marks the run terminated", () => {
    const dir = tomlProject(`
[operations.slow]
command = "sleep 30 & echo started; sleep 30"
`, "i=1");
    const t0 = Date.now();
    const r = cohort(["run", "--timeout", "1"], { cwd: dir });
    expect(Date.now() - t0).toBeLessThan(15000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("terminated");
    expect(r.stderr).toContain("timed out");
    const [meta] = runs(dir);
    expect(meta.exit).toBeLessThan(0);
    expect(meta.output).toBe("started\n");
  });

  it("applies a group's run_options unless the command line sets them", () => {
    const dir = tomlProject(`
[operations.again]
command = "echo x >> count.txt"
post = [{ isfile = "never.txt" }]
[groups.g]
operations = ["again"]
run_options = "--num-passes=3"
`, "i=1");
    const id = lines(cohort(["find"], { cwd: dir }).stdout)[0];
    expect(cohort(["run", "-o", "g"], { cwd: dir }).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "workspace", id, "count.txt"), "utf8")).toBe("x\n".repeat(3));
    expect(cohort(["run", "-o", "g", "--num-passes", "1"], { cwd: dir }).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "workspace", id, "count.txt"), "utf8")).toBe("x\n".repeat(4));
  });

  it("evaluates command conditions in the job directory", () => {
    const dir = tomlProject(`
[operations.mark]
command = "touch marked"
pre = [{ command = "test -f ready" }]
post = [{ isfile = "marked" }]
`, "i={1..2}");
    const ids = lines(cohort(["find"], { cwd: dir }).stdout);
    fs.writeFileSync(path.join(dir, "workspace", ids[1], "ready"), "");
    expect(lines(cohort(["next", "mark"], { cwd: dir }).stdout)).toEqual([ids[1]]);
    expect(cohort(["run"], { cwd: dir }).code).toBe(0);
    expect(fs.existsSync(path.join(dir, "workspace", ids[1], "marked"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "workspace", ids[0], "marked"))).toBe(false);
  });

  it("expands the placeholders of a command condition, and refuses an unknown one at load", () => {
    const dir = tomlProject(`
[operations.mark]
command = "touch marked"
pre = [{ command = "test -f input-{sp.i}.dat" }]
post = [{ isfile = "marked" }]

[labels]
odd = { command = "test $(({sp.i} % 2)) = 1" }
`, "i={1..2}");
    const ids = lines(cohort(["find", "i", "2"], { cwd: dir }).stdout);
    fs.writeFileSync(path.join(dir, "workspace", ids[0], "input-2.dat"), "");
    expect(lines(cohort(["next", "mark"], { cwd: dir }).stdout)).toEqual(ids);
    expect(cohort(["status"], { cwd: dir }).stdout).toMatch(/odd +█+░+ +50% +\(1\/2\)/);
    fs.appendFileSync(path.join(dir, "cohort.toml"), `bad = { command = "test {spi} = 1" }\n`);
    const r = cohort(["status"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cohort: error: cohort.toml:\d+: labels.bad.command: unknown placeholder \{spi\}/);
  });

  it("-o matches whole names only", () => {
    const dir = tomlProject(PIPELINE, "T=1.0");
    // prep matches no name, and no other name is given: an error (exit code 2), with the known names.
    const partial = cohort(["run", "-o", "prep", "--pretend"], { cwd: dir });
    expect(partial.code).toBe(2);
    expect(partial.stderr).toBe("cohort: error: no operation or group matches prep (known: ex, prepare, simulate)\n");
    expect(partial.stdout).toBe("");
    expect(cohort(["run", "-o", "prep.*", "--pretend"], { cwd: dir }).stdout).toContain("prepare on");
  });
});

describe("bad workflow definitions: one line, exit code 2", () => {
  const cases: [string, string, RegExp][] = [
    ["a walltime like 2x", `[operations.a]\ncommand = "true"\ndirectives = { walltime = "2x" }\n`, /walltime/],
    ["a group naming an unknown operation", `[operations.a]\ncommand = "true"\n[groups.g]\noperations = ["a", "zzz"]\n`, /unknown operation zzz/],
    ["a cycle of after conditions", `[operations.a]\ncommand = "true"\npre = [{ after = ["b"] }]\n[operations.b]\ncommand = "true"\npre = [{ after = ["a"] }]\n`, /cycle: (a -> b -> a|b -> a -> b)/],
    ["a missing command", `[operations.a]\npost = [{ isfile = "x" }]\n`, /command/],
    ["an unknown key, with its line", `[project]\nname = "x"\n\n[operations.a]\ncomand = "true"\n`, /cohort\.toml:5.*comand/],
    ["malformed TOML, with its line", `[operations.a\ncommand = "true"\n`, /cohort\.toml:1/],
    ["a group named like an operation", `[operations.a]\ncommand = "true"\n[groups.a]\noperations = ["a"]\n`, /namespace|name of an operation/],
  ];
  for (const [what, toml, message] of cases) {
    it(what, () => {
      const dir = tomlProject(toml, "i=1");
      const r = cohort(["run"], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^cohort: error: [^\n]+\n$/);
      expect(r.stderr).toMatch(message);
    });
  }
});

describe("what cohort run prints", () => {
  it("keeps each run's start line before its output when stderr and stdout are one pipe, for many quick runs", () => {
    const dir = tomlProject(`[operations.say]\ncommand = "echo said $COHORT_JOB_IDS"\n`, "i={1..30}");
    fs.writeFileSync(
      path.join(dir, "project.ts"),
      `import { FlowProject } from "cohort";\nconst project = new FlowProject();\nproject.operation("tell", {}, (job) => { console.log("told " + job.id); });\nexport default project;\n`,
    );
    const r = spawnSync("sh", ["-c", `"${process.execPath}" "${COHORT}" run 2>&1`], { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(r.status, r.stdout).toBe(0);
    const out = lines(r.stdout);
    const starts = out.filter((l) => l.startsWith("cohort: ") && / on [0-9a-f]{32}$/.test(l));
    expect(starts).toHaveLength(60);
    for (const start of starts) {
      const [, op, id] = /^cohort: (\w+) on ([0-9a-f]{32})$/.exec(start)!;
      expect(out[out.indexOf(start) + 1]).toBe(`${op === "say" ? "said" : "told"} ${id}`);
    }
  });
});
