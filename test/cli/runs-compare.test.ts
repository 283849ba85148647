import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { comparisonCsv, comparisonJson, comparisonTable } from "../../src/cli/commands/runs-compare.js";
import { compareRuns, type CompareOptions } from "../../src/runs/compare.js";
import { metricLine, readMetrics } from "../../src/runs/metric-events.js";
import type { MetricRow } from "../../src/runs/metrics.js";
import { RunsView } from "../../src/runs/view.js";
import { UserError } from "../../src/util/errors.js";
import { displayWidth } from "../../src/util/text.js";
import { ROOT, tempDir } from "../helpers.js";
import { deadPid, foreignJournal } from "../runs/make-runs.js";
import { journalDir } from "../../src/runs/journal.js";

const GOLDEN = path.join(ROOT, "test", "golden", "compare");
/** 2026-03-01T12:00:00Z, in epoch µs: the runs start a minute apart from it. */
const T0 = Date.UTC(2026, 2, 1, 12) * 1000;
const NOW = T0 / 1000 + 3600_000;

const TAILS = ["", "7a31-9c4e-5b2d8e1f3a60", "7f08-a2d1-c94b17e6d502", "73c5-b8e0-2f6a9d4c8b17", "", "7e6d-8b3f-a1c7e2945d08"];
/** Run ids made a minute apart, with bits of their own (their names differ). */
const id = (n: number) => `019ca9e4-${String(n).padStart(4, "0")}-${TAILS[n]}`;

/** A batch of `train` over lr, one run that failed, and an `eval` on a job; each with metrics. */
function project(): string {
  const root = tempDir();
  const events: object[] = [];
  const lines: string[] = [];
  const train = (n: number, lr: string, exit: number, rows: MetricRow[]) => {
    const t = T0 + n * 60_000_000;
    events.push({ e: "run", t, id: id(n), op: "train", config: `{"lr": ${lr}, "model": "mlp", "opt": {"name": "adam"}}`, fn: true, slot: 0, off: 0 });
    events.push({ e: "end", t: t + 12_500_000 * n, id: id(n), exit, len: 0 });
    lines.push(metricLine(id(n), rows, t + 1000));
  };
  train(1, "0.0001", 0, [
    { step: 0, values: { loss: 2.5, acc: 0.1 } },
    { step: 1, values: { loss: 1.25, acc: 0.5 } },
  ]);
  train(2, "0.001", 0, [
    { step: 0, values: { loss: 2, acc: 0.2 } },
    { step: 1, values: { loss: 0.5, acc: 0.75 } },
    { step: 2, values: { loss: 0.625, acc: 0.7 } },
  ]);
  train(3, "0.01", 1, [{ step: 0, values: { loss: 9.5 } }]);
  events.push({ e: "run", t: T0 + 5 * 60_000_000, id: id(5), op: "eval", jobs: ["a".repeat(32)], config: '{"seed": 7, "model": "mlp"}', fn: true, slot: 0, off: 0 });
  events.push({ e: "end", t: T0 + 6 * 60_000_000, id: id(5), exit: 0, len: 0 });
  const file = foreignJournal(root, "019ca9e4-0000-7000-8000-000000000000", events);
  fs.writeFileSync(file.replace(/\.jsonl$/, ".metrics.jsonl"), lines.join(""));
  return root;
}

function comparison(root: string, opts: CompareOptions = {}) {
  const view = RunsView.read(root);
  const runs = [...view.runs];
  return compareRuns(view, runs, readMetrics(root), { now: NOW, ...opts });
}

/** Compares `text` with the golden file `name` (UPDATE_GOLDEN=1 rewrites it). */
function golden(name: string, text: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN) {
    fs.mkdirSync(GOLDEN, { recursive: true });
    fs.writeFileSync(file, text);
  }
  expect(text).toBe(fs.readFileSync(file, "utf8"));
}

describe("cohort runs compare", () => {
  it("shows the keys that differ and every metric's last value (golden table and CSV)", () => {
    const cmp = comparison(project());
    expect(cmp.columns.map((c) => c.heading)).toEqual(["name", "operation", "status", "started", "duration", "lr", "opt.name", "seed", "acc", "loss"]);
    golden("table.txt", comparisonTable(cmp, NOW, Infinity).text + "\n");
    golden("table.csv", comparisonCsv(cmp));
  });

  it("--all shows every key; -m the aggregations asked for; --sort orders by any column, missing values last", () => {
    const root = project();
    expect(comparison(root, { all: true }).columns.map((c) => c.heading)).toContain("model");
    const cmp = comparison(root, { metrics: ["min:loss", "max:acc", "count:loss", "avg:acc"], sort: "min:loss" });
    const at = (h: string) => cmp.columns.findIndex((c) => c.heading === h);
    expect(cmp.rows.map((r) => [r.run.operation, String(r.values[at("lr")] ?? "-"), String(r.values[at("min:loss")] ?? "-")])).toEqual([
      ["train", "0.001", "0.5"],
      ["train", "0.0001", "1.25"],
      ["train", "0.01", "9.5"],
      ["eval", "-", "-"],
    ]);
    golden("aggregations.txt", comparisonTable(cmp, NOW, Infinity).text + "\n");
    const down = comparison(root, { sort: "-acc" });
    expect(down.rows.map((r) => r.run.name)).toEqual([id(2), id(1), id(3), id(5)].map((i) => cmp.rows.find((r) => r.run.id === i)!.run.name));
    expect(comparison(root, { sort: "-operation" }).rows.map((r) => r.run.operation)).toEqual(["train", "train", "train", "eval"]);
  });

  it("JSON: per run its columns (started as cohort runs --json gives it), the keys shown as config, metrics as numbers", () => {
    const [first] = comparisonJson(comparison(project()));
    expect(first).toMatchObject({ operation: "train", status: "completed", started: Date.parse("2026-03-01T12:01:00.000Z") * 1000, started_iso: "2026-03-01T12:01:00.000Z", duration: 12.5, config: { lr: 0.0001, "opt.name": "adam", seed: null }, metrics: { acc: 0.5, loss: 1.25 } });
  });

  it("fits the terminal's width: columns are left out from the right, and named", () => {
    const cmp = comparison(project());
    const t = comparisonTable(cmp, NOW, 60);
    expect(t.left).toEqual(["lr", "opt.name", "seed", "acc", "loss"]);
    expect(Math.max(...t.text.split("\n").map((l) => l.length))).toBeLessThanOrEqual(60);
  });

  it("fits the terminal's width by display width: a wide character takes two columns", () => {
    const root = tempDir();
    foreignJournal(root, "019ca9e4-0000-7000-8000-000000000003", [1, 2].flatMap((n) => [
      { e: "run", t: T0 + n, id: id(n), op: "train", config: `{"note": "${n === 1 ? "日本語の長いメモです" : "b"}", "seed": ${n}}`, fn: true, slot: 0, off: 0 },
      { e: "end", t: T0 + 10, id: id(n), exit: 0, len: 0 },
    ]));
    const cmp = comparison(root);
    const full = comparisonTable(cmp, NOW, Infinity).text;
    const widest = Math.max(...full.split("\n").map(displayWidth));
    expect(comparisonTable(cmp, NOW, widest).left).toEqual([]);
    const t = comparisonTable(cmp, NOW, widest - 1);
    expect(t.left).toEqual(["seed"]);
    expect(Math.max(...t.text.split("\n").map(displayWidth))).toBeLessThan(widest);
  });

  it("a metric named with a colon is a column headed last:NAME, not an aggregation", () => {
    const root = tempDir();
    foreignJournal(root, "019ca9e4-0000-7000-8000-000000000004", [1, 2].flatMap((n) => [
      { e: "run", t: T0 + n, id: id(n), op: "train", config: `{"seed": ${n}}`, fn: true, slot: 0, off: 0 },
      { e: "end", t: T0 + 10, id: id(n), exit: 0, len: 0 },
    ]));
    fs.writeFileSync(path.join(journalDir(root), "019ca9e4-0000-7000-8000-000000000004.metrics.jsonl"), [1, 2].map((n) => metricLine(id(n), [{ values: { "train:loss": 3 - n, "min:x": n, x: 10 * n } }], T0 + 5)).join(""));
    const cmp = comparison(root, { sort: "last:train:loss" });
    expect(cmp.columns.map((c) => c.heading).slice(6)).toEqual(["last:min:x", "last:train:loss", "x"]);
    expect(cmp.rows.map((r) => r.values.slice(6))).toEqual([
      [2, 1, 20],
      [1, 2, 10],
    ]);
    expect(comparison(root, { metrics: ["last:min:x", "min:x"] }).rows.map((r) => r.values.slice(6))).toEqual([
      [1, 10],
      [2, 20],
    ]);
  });

  it("refuses a --sort on no column, and an aggregation it does not know", () => {
    const root = project();
    expect(() => comparison(root, { sort: "speed" })).toThrow(UserError);
    expect(() => comparison(root, { sort: "speed" })).toThrow('--sort speed: no column "speed"');
    expect(() => comparison(root, { metrics: ["best:loss"] })).toThrow('--metric: unknown aggregation "best" in "best:loss"');
  });

  it("a key or metric named as a fixed column gets a heading of its own, which --sort takes", () => {
    const root = tempDir();
    foreignJournal(root, "019ca9e4-0000-7000-8000-000000000002", [1, 2].flatMap((n) => [
      { e: "run", t: T0 + n, id: id(n), op: "train", config: `{"name": "${3 - n}", "lr": ${n}}`, fn: true, slot: 0, off: 0 },
      { e: "end", t: T0 + 10, id: id(n), exit: 0, len: 0 },
    ]));
    fs.writeFileSync(path.join(journalDir(root), "019ca9e4-0000-7000-8000-000000000002.metrics.jsonl"), [1, 2].map((n) => metricLine(id(n), [{ values: { status: 10 * n, lr: n } }], T0 + 5)).join(""));
    const cmp = comparison(root);
    expect(cmp.columns.map((c) => c.heading)).toEqual(["name", "operation", "status", "started", "duration", "config:name", "lr", "last:lr", "last:status"]);
    const names = (sort: string) => comparison(root, { sort }).rows.map((r) => r.run.id);
    expect(names("config:name")).toEqual([id(2), id(1)]);
    expect(names("-last:status")).toEqual([id(2), id(1)]);
    expect(names("-status")).toEqual(names("status")); // the run's status: both completed
  });

  it("CSV holds strings as they are; a run whose runner died has no duration", () => {
    const root = tempDir();
    const t = T0;
    foreignJournal(root, "019ca9e4-0000-7000-8000-000000000001", [
      { e: "run", t, id: id(1), op: "train", config: '{"note": "a b", "n": "1"}', fn: true, slot: 0, off: 0 },
      { e: "end", t: t + 2_000_000, id: id(1), exit: 0, len: 0 },
      { e: "run", t, id: id(2), op: "train", config: '{"note": "it\'s, \\"q\\"", "n": 1}', fn: true, slot: 0, off: 0 },
    ], { host: os.hostname(), pid: deadPid() });
    const cmp = comparison(root);
    expect(comparisonCsv(cmp).split("\n").map((l) => l.split(",").slice(2).join(","))).toEqual([
      "status,started,duration,note,n",
      "completed,2026-03-01T12:00:00.000Z,2,a b,1",
      'terminated,2026-03-01T12:00:00.000Z,,"it\'s, ""q""",1',
      "",
    ]);
    // the table shows the quotes that tell a string from a number
    expect(comparisonTable(cmp, NOW, Infinity).text).toContain("'a b'");
  });
});
