import fc from "fast-check";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Float } from "../../src/dataspace/value.js";
import { journalDir, JournalWriter } from "../../src/runs/journal.js";
import { readLedger } from "../../src/runs/ledger.js";
import { metricLine, metricRows, readMetrics } from "../../src/runs/metric-events.js";
import { formatMetric, type MetricRow, type MetricValue } from "../../src/runs/metrics.js";
import { RecordedRun } from "../../src/runs/recorder.js";
import { tempDir } from "../helpers.js";

const value: fc.Arbitrary<MetricValue> = fc.oneof(
  fc.maxSafeInteger(),
  fc.double().map((x) => (Number.isInteger(x) || !Number.isFinite(x) ? new Float(x) : x)),
);
const row: fc.Arbitrary<MetricRow> = fc.record(
  { step: fc.nat(), values: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), value, { minKeys: 1, maxKeys: 4 }) },
  { requiredKeys: ["values"] },
);
/** What a row says, printed: the same text is the same number of the same kind. */
const shown = (r: MetricRow) => ({ step: r.step, values: Object.fromEntries(Object.entries(r.values).map(([k, v]) => [k, formatMetric(v)])) });

describe("metric events", () => {
  it("read back every row written: steps, integers, floats, NaN and infinities (property)", () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 10 }), (rows) => {
        const line = metricLine("r1", rows, 5);
        expect(line.endsWith("\n")).toBe(true);
        expect(line.indexOf("\n")).toBe(line.length - 1);
        const read = metricRows(JSON.parse(line));
        expect(read?.id).toBe("r1");
        expect(read!.rows.map(shown)).toEqual(rows.map(shown));
      }),
    );
  });

  it("refuse what is not one (a damaged or foreign event)", () => {
    expect(metricRows({ id: "r", m: {} })).toEqual({ id: "r", rows: [] });
    for (const bad of [{ id: 1, m: {} }, { id: "r", m: [] }, { id: "r", s: [-1], m: { a: [1] } }, { id: "r", m: { a: ["x"] } }, { id: "r", m: { a: 1 } }, { id: "r", s: [0, 1], m: { a: [1] } }, { id: "r", m: { a: [1], b: [1, 2] } }, { id: "r", m: { a: [[1]] } }]) {
      expect(metricRows(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it("are written in batches by a run, to its writer's metrics file, which listings never read", () => {
    const root = tempDir();
    const journal = JournalWriter.of(root);
    const run = new RecordedRun(journal, { operation: "op", jobs: [], config: {} });
    run.start(journal.segment(0));
    for (let step = 0; step < 2500; step++) run.log([{ step, values: { loss: 1 / (step + 1) } }]);
    run.end(0);
    // what is logged after the end (a function that timed out goes on) is dropped
    run.log([{ step: 9999, values: { loss: 5 } }]);
    run.flushMetrics();
    const lines = fs.readFileSync(path.join(journalDir(root), `${journal.id}.jsonl`), "utf8").trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).e)).toEqual(["writer", "run", "end"]);
    // 2,500 rows: two full batches of 1,000, and the rest at the end, in the writer's metrics file
    const metricLines = fs.readFileSync(path.join(journalDir(root), `${journal.id}.metrics.jsonl`), "utf8").trim().split("\n");
    expect(metricLines.map((l) => JSON.parse(l).e)).toEqual(["metric", "metric", "metric"]);
    const read = readMetrics(root);
    expect(read.skipped).toBe(0);
    const loss = read.runs.get(run.id)!.get("loss")!;
    expect([loss.count, formatMetric(loss.first!), formatMetric(loss.min!)]).toEqual([2500, "1", "0.0004"]);
    const ledger = readLedger(root);
    expect(ledger.skipped).toBe(0);
    expect(ledger.runs.get(run.id)?.exit).toBe(0);
    journal.close();
  });

  it("reach the journal within a second of being logged, while the run goes on", async () => {
    const root = tempDir();
    const journal = JournalWriter.of(root);
    const run = new RecordedRun(journal, { operation: "op", jobs: [], config: {} });
    run.start(journal.segment(0));
    run.log([{ values: { x: 1 } }]);
    expect(readMetrics(root).runs.size).toBe(0);
    await new Promise((r) => setTimeout(r, 1300));
    expect(formatMetric(readMetrics(root).runs.get(run.id)!.get("x")!.last!)).toBe("1");
    run.end(0);
    journal.close();
  });

  it("a damaged metric line is counted and skipped, the others read", () => {
    const root = tempDir();
    fs.mkdirSync(journalDir(root), { recursive: true });
    const file = path.join(journalDir(root), "01900000-0000-7000-8000-000000000000.metrics.jsonl");
    fs.writeFileSync(file, metricLine("a", [{ values: { x: 2 } }], 1) + '{"e":"metric","id":"b","m":{"x":["bad"]}}\n' + '{"e":"metric",' + "\n" + metricLine("a", [{ values: { x: 3 } }], 2));
    const read = readMetrics(root);
    expect(read.skipped).toBe(2);
    expect(read.runs.get("a")!.get("x")!.count).toBe(2);
  });
});
