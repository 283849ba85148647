/**
 * Metrics from every kind of operation (SPEC §14), end to end: a TypeScript function through its
 * context (`this.log`), in cohort and in worker processes; any program through `$COHORT_METRICS`; a
 * `summary.json` the run leaves. Each lands as `metric` events in the runner's journal; what is wrong
 * is told once per run, in its output, and never fails it.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatMetric, type MetricSummary } from "../../src/runs/metrics.js";
import { readMetrics } from "../../src/runs/metric-events.js";
import { cohort, cohortInBackground, journalDirOf, lines, readJournals, readRuns, tempDir, waitFor } from "../helpers.js";

// (The JSON the commands write passes through command templates as it is: its braces are no placeholders.)
const TOML = `[project]
name = "metrics"

[operations.sh_lines]
command = """printf '{"loss": 0.5, "step": 0}\\n{"loss": 0.25, "step": 1, "acc": 1.0}\\nnot json\\n{"acc": "high"}\\n' >> "$COHORT_METRICS"; echo ran"""

[operations.sh_summary]
command = """echo '{"metrics": {"acc": 0.75, "n": 3} }' > summary.json"""

[operations.fit]
command = """echo '{"loss": {flags.lr}, "step": 0}' >> "$COHORT_METRICS" """
flags = { lr = 0.1 }

[operations.sh_pattern]
command = "echo 'epoch 1: loss=0.5 acc=0.25' && echo 'epoch 2: loss=1.25D-01 acc=x'"
metrics = ["epoch (?<step>\\\\d+): loss=(?<loss>\\\\S+) acc=(?<acc>\\\\S+)"]

[operations.train]
command = """echo '{"metrics": {"final": 1e-05} }' > summary.json && echo '{"lr": {flags.lr} }' >> "$COHORT_METRICS" """
flags = { lr = 0.1 }
`;

const MODULE = `import { FlowProject, directives, float } from "cohort";
const project = new FlowProject();
project.operation(function fn_log(job) {
  for (let step = 0; step < 3; step++) this.log({ loss: 1 / (step + 1), step_size: 2 }, { step });
  this.log({ bad: "x", fine: 7 });
  this.log({ nothing: null });
  console.log("ran", this.name === undefined ? "without a name" : "with a name");
});
project.operation({ metrics: ["v=(?<v>\\\\d+)"] }, function fn_pattern(job) { console.log("v=3 and v=4"); });
project.operation(directives({ fork: true }), function fn_fork(job) { this.log({ forked: float(1) }, { step: 4 }); });
export default project;
`;

function project(): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "cohort.toml"), TOML);
  fs.writeFileSync(path.join(dir, "project.ts"), MODULE);
  expect(cohort(["init", "i=1"], { cwd: dir }).code).toBe(0);
  return dir;
}

/** Each run's metrics by operation: metric name to its values' summary, printed. */
function metricsByOperation(dir: string): Record<string, Record<string, { last: string; count: number; stepped: boolean }>> {
  const read = readMetrics(dir);
  expect(read.skipped).toBe(0);
  const out: Record<string, Record<string, { last: string; count: number; stepped: boolean }>> = {};
  for (const run of readRuns(dir)) {
    const m = read.runs.get(run.id);
    if (!m) continue;
    out[run.operation] = Object.fromEntries([...m].map(([k, s]: [string, MetricSummary]) => [k, { last: formatMetric(s.last!), count: s.count, stepped: s.stepped }]));
  }
  return out;
}

describe("metrics", () => {
  for (const mode of [[], ["--parallel", "2"]]) {
    it(`are recorded from every source, with problems told once per run (${mode.join(" ") || "serial"})`, () => {
      const dir = project();
      // sh_lines and fn_log run after summary.json is there: only the run that wrote it counts it
      for (const op of ["sh_summary", "sh_lines", "fn_log", "fn_fork", "sh_pattern", "fn_pattern"]) expect(cohort(["run", "-o", op, ...mode], { cwd: dir }).code).toBe(0);
      expect(cohort(["run", "train", "lr=0.5"], { cwd: dir }).code).toBe(0);
      expect(metricsByOperation(dir)).toEqual({
        sh_lines: { loss: { last: "0.25", count: 2, stepped: true }, acc: { last: "1.0", count: 1, stepped: true } },
        sh_summary: { acc: { last: "0.75", count: 1, stepped: false }, n: { last: "3", count: 1, stepped: false } },
        fn_log: { loss: { last: "0.3333333333333333", count: 3, stepped: true }, step_size: { last: "2", count: 3, stepped: true }, fine: { last: "7", count: 1, stepped: false } },
        fn_fork: { forked: { last: "1.0", count: 1, stepped: true } },
        sh_pattern: { loss: { last: "0.125", count: 2, stepped: true }, acc: { last: "0.25", count: 1, stepped: true } },
        fn_pattern: { v: { last: "4", count: 2, stepped: false } },
        train: { lr: { last: "0.5", count: 1, stepped: false }, final: { last: "1e-05", count: 1, stepped: false } },
      });
      const outputs = Object.fromEntries(readRuns(dir).map((r) => [r.operation, r.output]));
      expect(outputs.sh_lines).toBe("ran\ncohort: 2 metrics were skipped: $COHORT_METRICS line 3: not JSON\n");
      expect(outputs.fn_log).toBe('ran with a name\ncohort: 2 metrics were skipped: "bad" is not a number: "x"\n');
      // every run succeeded; no metrics file is left behind
      expect(readRuns(dir).map((r) => r.exit)).toEqual([0, 0, 0, 0, 0, 0, 0]);
      expect(outputs.sh_pattern).toBe('epoch 1: loss=0.5 acc=0.25\nepoch 2: loss=1.25D-01 acc=x\ncohort: a metric was skipped: output line 2: acc is not a number: "x"\n');
      expect(fs.readdirSync(journalDirOf(dir)).filter((f) => f.endsWith(".logged"))).toEqual([]);
    });
  }

  it("are metric events in the runner's metrics file, in batches: a run of many steps takes one line", () => {
    const dir = project();
    expect(cohort(["run", "-o", "fn_log"], { cwd: dir }).code).toBe(0);
    const [journal] = readJournals(dir);
    expect(journal.events.filter((e) => e.e === "metric")).toEqual([]);
    // the writer's metric events are in its metrics file, beside its journal
    const metricEvents = fs
      .readFileSync(path.join(journalDirOf(dir), `${journal.writer.id as string}.metrics.jsonl`), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(metricEvents).toHaveLength(1);
    // by column: the steps, then each metric's value in each row (null: not in that row)
    expect(metricEvents[0]).toMatchObject({ s: [0, 1, 2, null], m: { loss: [1, 0.5, 1 / 3, null], step_size: [2, 2, 2, null], fine: [null, null, null, 7] } });
    const run = journal.events.find((e) => e.e === "run")!;
    expect(metricEvents[0].id).toBe(run.id);
    // cohort runs show: each metric's last value; for stepped ones a sparkline over the steps and the range
    const shown = cohort(["runs", "show", "1"], { cwd: dir }).stdout;
    expect(shown.slice(shown.indexOf("metrics\n"), shown.indexOf("output ("))).toBe(
      ["metrics", "  fine       7", "  loss       0.3333333333333333  █▃▁  (3 values, min 0.3333333333333333, max 1)", "  step_size  2                   ▄▄▄  (3 values, min 2, max 2)", ""].join("\n"),
    );
    const json = JSON.parse(cohort(["runs", "show", "1", "--json"], { cwd: dir }).stdout) as { metrics: Record<string, unknown> };
    expect(json.metrics.loss).toEqual({ stepped: true, last: 1 / 3, first: 1, min: 1 / 3, max: 1, avg: (1 + 1 / 2 + 1 / 3) / 3, count: 3 });
  });

  it("a batch is compared in one command: cohort runs compare -g GROUP, sorted by a metric, as a table, CSV or JSON", () => {
    const dir = project();
    expect(cohort(["run", "fit", "lr={1e-2,1e-4,1e-3}"], { cwd: dir }).code).toBe(0);
    const table = cohort(["runs", "compare", "-g", "1", "--sort", "loss"], { cwd: dir });
    expect(table.code).toBe(0);
    const rows = table.stdout.trim().split("\n").map((l) => l.split(/\s{2,}/));
    expect(rows[0]).toEqual(["name", "operation", "status", "started", "duration", "lr", "loss"]);
    expect(rows.slice(1).map((r) => [r[5], r[6]])).toEqual([
      ["0.0001", "0.0001"],
      ["0.001", "0.001"],
      ["0.01", "0.01"],
    ]);
    // -n keeps the first rows as sorted: the two lowest losses, then the highest
    const sorted = (...args: string[]) => lines(cohort(["runs", "compare", "-g", "1", ...args], { cwd: dir }).stdout).slice(1).map((l) => l.split(/\s{2,}/)[6]);
    expect(sorted("--sort", "loss", "-n", "2")).toEqual(["0.0001", "0.001"]);
    expect(sorted("--sort", "-loss", "-n", "1")).toEqual(["0.01"]);
    const csv = cohort(["runs", "compare", "-o", "fit", "--sort", "-loss", "--csv", "-m", "count:loss", "loss"], { cwd: dir });
    expect(csv.stdout.split("\n").map((l) => l.split(",").slice(-3).join(","))).toEqual(["lr,count:loss,loss", "0.01,1,0.01", "0.001,1,0.001", "0.0001,1,0.0001", ""]);
    const json = JSON.parse(cohort(["runs", "compare", "-o", "fit", "--json"], { cwd: dir }).stdout) as { metrics: { loss: number } }[];
    expect(json.map((r) => r.metrics.loss).sort()).toEqual([0.0001, 0.001, 0.01]);
    // each group's best member: cohort runs -g --best; its members with their metrics: cohort group show
    const low = json.find((r) => r.metrics.loss === 0.0001) as unknown as { name: string };
    const groups = cohort(["runs", "-g", "--best", "min:loss"], { cwd: dir }).stdout.trim().split("\n").map((l) => l.split(/\s{2,}/));
    expect(groups[0].slice(-2)).toEqual(["best", "min:loss"]);
    expect(groups[1].slice(-3)).toEqual(["batch", low.name, "0.0001"]);
    const best = JSON.parse(cohort(["runs", "-g", "--best", "max:loss", "--json"], { cwd: dir }).stdout) as { best: { value: number } }[];
    expect(best[0].best.value).toBe(0.01);
    // a metric no run has (a typo) is said, not only an empty column
    const typo = cohort(["runs", "compare", "-g", "1", "-m", "los", "loss"], { cwd: dir });
    expect(typo.stderr).toBe("cohort: warning: no run compared has the metric los\n");
    expect(cohort(["runs", "compare", "-g", "1", "-m", "loss"], { cwd: dir }).stderr).toBe("");
    expect(cohort(["runs", "-g", "--best", "min:los"], { cwd: dir }).stderr).toBe("cohort: warning: no run of the rows shown has the metric los\n");
    expect(cohort(["runs", "-g", "--best", "min:loss"], { cwd: dir }).stderr).toBe("");
    const members = cohort(["group", "show", "1"], { cwd: dir }).stdout;
    expect(members.slice(members.indexOf("members (3)")).split("\n")[1].trim().split(/\s{2,}/)).toEqual(["#", "name", "operation", "started", "status", "label", "loss"]);
    // two sweeps side by side: -g once per group, their members together
    expect(cohort(["run", "fit", "lr={0.5,0.05}"], { cwd: dir }).code).toBe(0);
    const both = JSON.parse(cohort(["runs", "compare", "-g", "1", "-g", "2", "--sort", "loss", "--json"], { cwd: dir }).stdout) as { config: { lr: number } }[];
    expect(both.map((r) => r.config.lr)).toEqual([0.0001, 0.001, 0.01, 0.05, 0.5]);
    for (const [args, message] of [
      [["--sort", "speed"], 'cohort: error: --sort speed: no column "speed"'],
      [["-m", "best:loss"], 'cohort: error: --metric: unknown aggregation "best" in "best:loss" (one of last, first, min, max, avg, count; a metric named with a colon is last:best:loss)'],
      [["--csv", "--json"], "cohort: error: --csv and --json both choose the output"],
    ] as const) {
      const r = cohort(["runs", "compare", ...args], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr.slice(0, message.length)).toBe(message);
    }
    for (const [args, message] of [
      [["-g", "--best", "best:loss"], 'cohort: error: --best: unknown aggregation "best" in "best:loss"'],
      [["-g", "--best", "avg:loss"], "cohort: error: --best avg:loss: say which way is best with min: or max: (min:loss picks"],
      [["-g", "--best", "min:"], 'cohort: error: --best: a metric name is missing after "min:" (e.g. min:loss)'],
      [["--best", "min:loss"], "cohort: error: --best goes with -g: it adds"],
      [["-g", "1", "--best", "min:loss"], "cohort: error: --best goes with -g alone, not with -g 1: it adds"],
    ] as const) {
      const r = cohort(["runs", ...args], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr.slice(0, message.length)).toBe(message);
    }
  });

  it("a runner killed with kill -9 loses none of what its run wrote to $COHORT_METRICS; purge removes the file", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.slow]
command = """for i in 1 2 3; do echo '{"loss": '$i'}' >> "$COHORT_METRICS"; done; touch "$COHORT_PROJECT/wrote"; sleep 5"""
flags = { n = 1 }

[operations.quick]
command = """echo '{"loss": 7}' >> "$COHORT_METRICS" """
flags = { n = 1 }
`);
    expect(cohort(["init"], { cwd: dir }).code).toBe(0);
    const runner = cohortInBackground(["run", "slow"], { cwd: dir });
    await waitFor("the metrics to be written", () => fs.existsSync(path.join(dir, "wrote")));
    runner.child.kill("SIGKILL");
    await runner.done;
    expect(cohort(["run", "quick"], { cwd: dir }).code).toBe(0);
    const [slow, quick] = readRuns(dir);
    const shown = JSON.parse(cohort(["runs", "show", slow.id, "--json"], { cwd: dir }).stdout);
    expect(shown.status).toBe("terminated");
    expect(shown.metrics.loss).toMatchObject({ last: 3, count: 3 });
    const compared = JSON.parse(cohort(["runs", "compare", "-m", "count:loss", "loss", "--json"], { cwd: dir }).stdout);
    expect(compared.map((r: { id: string; metrics: object }) => [r.id, r.metrics])).toEqual([
      [quick.id, { "count:loss": 1, loss: 7 }],
      [slow.id, { "count:loss": 3, loss: 3 }],
    ]);
    // the run that ended filed its file as an event and removed it; the killed run's file is purged with it
    const files = () => fs.readdirSync(journalDirOf(dir)).filter((n) => n.endsWith(".logged"));
    expect(files()).toEqual([`${slow.id}.logged`]);
    expect(cohort(["runs", "purge", slow.id, "-y"], { cwd: dir }).code).toBe(0);
    expect(files()).toEqual([]);
  });

  it("output patterns are read while the run goes on: its metrics show before it ends, and stay when its runner is killed", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.train]
command = """for i in 0 1 2; do echo "epoch $i loss=0.$i"; done; printf 'epoch 3 loss=0.3'; touch "$COHORT_PROJECT/printed"; sleep 10"""
flags = { n = 1 }
metrics = ["epoch (?<step>\\\\d+) loss=(?<loss>\\\\S+)"]
`);
    expect(cohort(["init"], { cwd: dir }).code).toBe(0);
    const runner = cohortInBackground(["run", "train"], { cwd: dir });
    await waitFor("the lines to be printed", () => fs.existsSync(path.join(dir, "printed")));
    const loss = () => (JSON.parse(cohort(["runs", "show", "1", "--json"], { cwd: dir }).stdout) as { metrics: { loss?: { last: number; count: number } } }).metrics.loss;
    // within a second or two, the complete lines (not the last one, whose line goes on)
    await waitFor("the metrics of the lines printed", () => loss()?.count === 3, 5000);
    expect(loss()).toMatchObject({ last: 0.2, count: 3 });
    runner.child.kill("SIGKILL");
    await runner.done;
    const shown = JSON.parse(cohort(["runs", "show", "1", "--json"], { cwd: dir }).stdout);
    expect(shown.status).toBe("terminated");
    expect(shown.metrics.loss).toMatchObject({ first: 0, last: 0.2, count: 3 });
  });

  it("a bad output pattern is an error of the workflow, with its place", () => {
    const dir = tempDir();
    expect(cohort(["init"], { cwd: dir }).code).toBe(0);
    const cases: [string, RegExp][] = [
      ['[operations.a]\ncommand = "true"\nmetrics = ["loss=\\\\S+"]\n', /^cohort: error: cohort.toml:3: operations.a.metrics\[0\]: "loss=\\\\S\+" names no metric/],
      ['[operations.a]\ncommand = "true"\n\nmetrics = [\n  "ok=(?<ok>1)",\n  "loss=(?<loss>\\\\S+",\n]\n', /^cohort: error: cohort.toml:6: operations.a.metrics\[1\]: "loss=\(\?<loss>\\\\S\+" is not a regular expression: /],
      ['[operations.a]\ncommand = "true"\nmetrics = "loss"\n', /^cohort: error: cohort.toml:3: operations.a.metrics must be a list of regular expressions/],
    ];
    for (const [toml, message] of cases) {
      fs.writeFileSync(path.join(dir, "cohort.toml"), toml);
      const r = cohort(["status"], { cwd: dir });
      expect(r.code, toml).toBe(2);
      expect(r.stderr.trim().split("\n"), toml).toHaveLength(1);
      expect(r.stderr, toml).toMatch(message);
    }
    fs.writeFileSync(path.join(dir, "cohort.toml"), "");
    fs.writeFileSync(path.join(dir, "project.ts"), 'import { FlowProject } from "cohort";\nconst p = new FlowProject();\np.operation({ metrics: ["x"] }, function f(job) {});\nexport default p;\n');
    const r = cohort(["status"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cohort: error: operation f \(project.ts:3\): metrics\[0\]: "x" names no metric/);
  });
});
