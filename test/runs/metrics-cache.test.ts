import fs from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import { afterEach, describe, expect, it, vi } from "vitest";
import { journalDir } from "../../src/runs/journal.js";
import { metricLine, metricsFileOf, readMetrics, type MetricsByRun } from "../../src/runs/metric-events.js";
import { readMetricsCached } from "../../src/runs/metrics-cache.js";
import { formatMetric } from "../../src/runs/metrics.js";
import { tempDir } from "../helpers.js";

const A = "01900000-0000-7000-8000-00000000000a";
const B = "01900000-0000-7000-8000-00000000000b";

/** Each run's metrics as text: what comparisons show of them. */
function shown(m: MetricsByRun): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [id, metrics] of m.runs) {
    out[id] = {};
    for (const [name, s] of metrics) {
      out[id][name] = [s.first, s.last, s.min, s.max].map((v) => (v === undefined ? "-" : formatMetric(v))).join(" ") + ` n=${s.count} sum=${s.sum} ${s.stepped ? "stepped" : ""}`;
    }
  }
  return out;
}

function project(): { root: string; a: string; b: string } {
  const root = tempDir();
  fs.mkdirSync(journalDir(root), { recursive: true });
  const a = path.join(journalDir(root), `${A}.metrics.jsonl`);
  const b = path.join(journalDir(root), `${B}.metrics.jsonl`);
  fs.writeFileSync(a, metricLine("r1", [{ step: 0, values: { loss: 2, acc: 0.5 } }, { step: 1, values: { loss: 1.5 } }], 1));
  fs.writeFileSync(b, metricLine("r2", [{ values: { loss: NaN } }], 2) + metricLine("r2", [{ values: { loss: 3 } }], 3));
  return { root, a, b };
}

/** Opens of journal files while `fn` runs. */
function journalOpens<T>(fn: () => T): { result: T; opens: number } {
  const open = vi.spyOn(fs, "openSync");
  try {
    const result = fn();
    return { result, opens: open.mock.calls.filter(([f]) => String(f).endsWith(".metrics.jsonl")).length };
  } finally {
    open.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe("the metrics cache", () => {
  it("gives what reading every journal gives, floats and NaN included, and reads no journal while nothing changed", () => {
    const { root } = project();
    const want = shown(readMetrics(root));
    expect(want.r1.loss).toBe("2 1.5 1.5 2 n=2 sum=3.5 stepped");
    expect(shown(readMetricsCached(root))).toEqual(want);
    const again = journalOpens(() => readMetricsCached(root));
    expect(again.opens).toBe(0);
    expect(shown(again.result)).toEqual(want);
  });

  it("reads only what was appended to a journal since", () => {
    const { root, a } = project();
    readMetricsCached(root);
    const before = fs.statSync(a).size;
    const line = metricLine("r1", [{ step: 2, values: { loss: 0.5 } }], 4);
    fs.appendFileSync(a, line);
    const open = vi.spyOn(fs, "openSync");
    const read = vi.spyOn(fs, "readSync");
    const got = readMetricsCached(root);
    // journal a is opened and read from where the cache left off, for the line appended; b is not opened
    expect(open.mock.calls.map(([f]) => path.basename(String(f))).filter((f) => f.endsWith(".jsonl"))).toEqual([`${A}.metrics.jsonl`]);
    const calls = read.mock.calls as unknown as [number, Buffer, number, number, number][];
    expect(calls.filter((c) => c[4] === before).map((c) => c[3])).toEqual([line.length]);
    expect(shown(got)).toEqual(shown(readMetrics(root)));
    expect(got.runs.get("r1")!.get("loss")!.count).toBe(3);
  });

  it("starts over when a journal was rewritten, removed, or the cache is damaged", () => {
    const { root, a, b } = project();
    readMetricsCached(root);
    // rewritten in place with the same size: its change time moved
    const text = fs.readFileSync(b, "utf8").replace('"loss":[3]', '"loss":[4]');
    fs.writeFileSync(b, text);
    expect(shown(readMetricsCached(root))).toEqual(shown(readMetrics(root)));
    expect(formatMetric(readMetricsCached(root).runs.get("r2")!.get("loss")!.last!)).toBe("4");
    fs.rmSync(a);
    expect(readMetricsCached(root).runs.has("r1")).toBe(false);
    const file = path.join(root, ".cohort", "cache", "metrics.v8");
    fs.writeFileSync(file, "damaged");
    expect(shown(readMetricsCached(root))).toEqual(shown(readMetrics(root)));
    expect(fs.readFileSync(file, "utf8")).not.toBe("damaged");
  });

  it("a value edited inside the cache file, which still reads, is not served: the file fails its check", () => {
    const { root } = project();
    readMetricsCached(root);
    const file = path.join(root, ".cohort", "cache", "metrics.v8");
    const bytes = fs.readFileSync(file);
    const head = bytes.subarray(0, bytes.indexOf(10) + 1); // the check of the content as written
    const cache = v8.deserialize(bytes.subarray(head.length)) as { runs: [string, [string, number[]][]][] };
    const loss = cache.runs.find(([id]) => id === "r1")![1].find(([name]) => name === "loss")![1];
    expect(loss[1]).toBe(1.5); // the last value
    loss[1] = 99;
    fs.writeFileSync(file, Buffer.concat([head, v8.serialize(cache)]));
    expect(formatMetric(readMetricsCached(root).runs.get("r1")!.get("loss")!.last!)).toBe("1.5");
  });

  it("counts a $COHORT_METRICS file left behind until its rows are in an event, never twice", () => {
    const { root, a } = project();
    const run = "01900000-0000-7000-8000-0000000000cc";
    const leftover = metricsFileOf(root, run);
    // what a killed runner left: the file, with a torn last line, and no event of it
    fs.writeFileSync(leftover, '{"loss": 2, "step": 0}\n{"loss": 1, "step": 1}\n{"loss": 0.');
    const count = (m: MetricsByRun) => m.runs.get(run)?.get("loss")?.count;
    for (const read of [() => readMetrics(root), () => readMetricsCached(root), () => readMetricsCached(root)]) expect(count(read())).toBe(2);
    // a runner that filed it (an event that says so) before it could remove it: its rows count once
    fs.appendFileSync(a, metricLine(run, [{ step: 0, values: { loss: 2 } }, { step: 1, values: { loss: 1 } }], 9, true));
    for (const read of [() => readMetrics(root), () => readMetricsCached(root), () => readMetricsCached(root)]) expect(count(read())).toBe(2);
    // the file gone, the event alone
    fs.rmSync(leftover);
    expect(count(readMetricsCached(root))).toBe(2);
    expect(metricLine(run, [{ values: { x: 1 } }], 9, true)).toContain(',"f":1,');
  });
});
