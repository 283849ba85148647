import { describe, expect, it } from "vitest";
import { MetricProblems, OutputMetrics } from "../../src/execution/run-metrics.js";

/** Feeds `chunks` of output, as a run prints them, to an OutputMetrics; the rows each read gave. */
function feed(patterns: string[], chunks: string[], problems = new MetricProblems()): { rows: unknown[][]; problems: MetricProblems } {
  const reader = new OutputMetrics(patterns, problems);
  let output = Buffer.alloc(0);
  const rows = chunks.map((chunk, i) => {
    output = Buffer.concat([output, Buffer.from(chunk)]);
    return reader.take(output.subarray(reader.read), i === chunks.length - 1 && chunk === "");
  });
  return { rows, problems };
}

describe("output patterns read as the output grows", () => {
  it("read each complete line once, a line cut in two when it is complete, the rest at the end", () => {
    const { rows } = feed(["loss=(?<loss>\\S+)"], ["loss=1\nloss=", "2\nlo", "ss=3", ""]);
    expect(rows).toEqual([[{ values: { loss: 1 } }], [{ values: { loss: 2 } }], [], [{ values: { loss: 3 } }]]);
  });

  it("read a progress bar's updates as it redraws its line (\\r), not only at its newline", () => {
    const { rows } = feed(["loss=(?<loss>[\\d.]+)"], [" 10%|█  | loss=0.5\r 20%|██ | loss=0.4\r 30%|███| lo", "ss=0.3\n"]);
    expect(rows).toEqual([[{ values: { loss: 0.5 } }, { values: { loss: 0.4 } }], [{ values: { loss: 0.3 } }]]);
  });

  it("name the line of a problem counted over the whole output, and keep a character cut in two whole", () => {
    const euro = Buffer.from("€");
    const problems = new MetricProblems();
    const reader = new OutputMetrics(["acc=(?<acc>\\S+)"], problems);
    const text = Buffer.concat([Buffer.from("start\nacc=high\nacc="), euro.subarray(0, 1)]);
    expect(reader.take(text, false)).toEqual([]);
    const rest = Buffer.concat([text.subarray(reader.read), euro.subarray(1), Buffer.from("\nacc=0.5\n")]);
    expect(reader.take(rest, false)).toEqual([{ values: { acc: 0.5 } }]);
    expect(problems.count).toBe(2);
    expect(problems.first).toBe('output line 2: acc is not a number: "high"');
    expect(problems.summary()).toBe('cohort: 2 metrics were skipped: output line 2: acc is not a number: "high"');
  });
});
