import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJson } from "../../src/dataspace/json.js";
import { Float, pythonFloatRepr } from "../../src/dataspace/value.js";
import {
  formatMetric,
  MetricSummary,
  metricNumber,
  parseMetricColumn,
  parseMetricNumber,
  readMetricLines,
  readOutputMetrics,
  readSummary,
  summarize,
  type MetricValue,
} from "../../src/runs/metrics.js";
import { UserError } from "../../src/util/errors.js";
import { compileMetricPattern } from "../../src/workflow/metric-patterns.js";

const compileOutputPattern = (pattern: string, _where: string) => compileMetricPattern(pattern);

/** A value and whether it is a float, for comparing what was read with what was meant. */
const typed = (v: MetricValue | undefined) => (v === undefined ? undefined : { x: metricNumber(v), float: v instanceof Float || !Number.isInteger(v) });

const finiteDouble = fc.double({ noNaN: true, noDefaultInfinity: true });
const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/).filter((n) => n !== "step");

describe("metric numbers", () => {
  it("read in the notations programs print", () => {
    expect(parseMetricNumber("12")).toBe(12);
    expect(parseMetricNumber("-3")).toBe(-3);
    expect(parseMetricNumber("+3")).toBe(3);
    expect(parseMetricNumber("0.5")).toBe(0.5);
    expect(parseMetricNumber(".5")).toBe(0.5);
    expect(parseMetricNumber("5.")).toEqual(new Float(5));
    expect(parseMetricNumber("2.0")).toEqual(new Float(2));
    expect(parseMetricNumber("1e-4")).toBe(0.0001);
    expect(parseMetricNumber("1.0E+03")).toEqual(new Float(1000));
    expect(parseMetricNumber("1.5D-03")).toBe(0.0015);
    expect(parseMetricNumber(" 7 ")).toBe(7);
    expect(formatMetric(parseMetricNumber("NaN")!)).toBe("nan");
    expect(formatMetric(parseMetricNumber("-inf")!)).toBe("-inf");
    expect(formatMetric(parseMetricNumber("Infinity")!)).toBe("inf");
    for (const bad of ["", "x", "1.2.3", "1e", "e5", "0x10", "1,5", "--1", "1 2", "nanx"]) expect(parseMetricNumber(bad), bad).toBeUndefined();
  });

  it("print as Python prints them: integers as they are, floats in Python's repr", () => {
    expect(formatMetric(3)).toBe("3");
    expect(formatMetric(new Float(3))).toBe("3.0");
    expect(formatMetric(0.0001)).toBe("0.0001");
    expect(formatMetric(0.00001)).toBe("1e-05");
    expect(formatMetric(1e16)).toBe("10000000000000000");
    expect(formatMetric(new Float(1e16))).toBe("1e+16");
  });

  it("read back what they print, the number and whether it is a float (property)", () => {
    fc.assert(
      fc.property(fc.oneof(finiteDouble.map((x): MetricValue => (Number.isInteger(x) ? new Float(x) : x)), fc.maxSafeInteger().map((n): MetricValue => n)), (v) => {
        expect(typed(parseMetricNumber(formatMetric(v)))).toEqual(typed(v));
      }),
    );
  });

  it("read any decimal text as JavaScript's Number does, and never throw (property)", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const v = parseMetricNumber(text);
        if (v !== undefined && !/nan|inf/i.test(text)) expect(metricNumber(v)).toBe(Number(text.trim().replace(/[dD]/, "e")));
      }),
    );
    fc.assert(
      fc.property(finiteDouble, (x) => {
        // (JavaScript prints -0 as 0)
        expect(metricNumber(parseMetricNumber(String(x))!)).toBe(Number(String(x)));
        expect(metricNumber(parseMetricNumber(x.toExponential())!)).toBe(Number(x.toExponential()));
        expect(metricNumber(parseMetricNumber(pythonFloatRepr(x))!)).toBe(x);
      }),
    );
  });
});

describe("$COHORT_METRICS lines", () => {
  it("give rows, with or without a step", () => {
    const r = readMetricLines('{"loss": 0.5, "step": 1}\n{"acc": 1.0}\n\n{"loss": 0.25, "acc": 3, "step": 2}\n', parseJson);
    expect(r.problems).toEqual([]);
    expect(r.rows).toEqual([{ step: 1, values: { loss: 0.5 } }, { values: { acc: new Float(1) } }, { step: 2, values: { loss: 0.25, acc: 3 } }]);
  });

  it("take NaN and infinities as Python's json module writes them, and numbers in strings", () => {
    const r = readMetricLines('{"loss": NaN, "grad": Infinity, "low": -Infinity, "lr": "1e-4"}\n', parseJson);
    expect(r.problems).toEqual([]);
    expect(Object.fromEntries(Object.entries(r.rows[0].values).map(([k, v]) => [k, formatMetric(v)]))).toEqual({ loss: "nan", grad: "inf", low: "-inf", lr: "0.0001" });
  });

  it("keep an integer beyond 2^53 as the float closest to it, as the same number printed in the output is kept", () => {
    const r = readMetricLines('{"big": 12345678901234567890, "edge": 9007199254740993, "safe": 9007199254740991}\n', parseJson);
    const shown = Object.fromEntries(Object.entries(r.rows[0].values).map(([k, v]) => [k, formatMetric(v)]));
    expect(shown).toEqual({ big: "1.2345678901234567e+19", edge: "9007199254740992.0", safe: "9007199254740991" });
    expect(shown.big).toBe(formatMetric(parseMetricNumber("12345678901234567890")!));
  });

  it("report a bad line or value and keep the rest", () => {
    const r = readMetricLines('{"loss": 0.5}\nloss 0.4\n[1, 2]\n{"loss": "low", "acc": 0.9}\n{"loss": 1, "step": -1}\n{"loss": 1, "step": 1.5}\n{"ok": true}\n', parseJson);
    expect(r.rows).toEqual([{ values: { loss: 0.5 } }, { values: { acc: 0.9 } }]);
    expect(r.problems).toEqual([
      "$COHORT_METRICS line 2: not JSON",
      "$COHORT_METRICS line 3: not a JSON object",
      '$COHORT_METRICS line 4: "loss" is not a number: "low"',
      "$COHORT_METRICS line 5: the step must be a whole number from 0, not -1",
      "$COHORT_METRICS line 6: the step must be a whole number from 0, not 1.5",
      '$COHORT_METRICS line 7: "ok" is not a number: true',
    ]);
  });

  it("ignore a torn last line, but read a complete one without its newline", () => {
    expect(readMetricLines('{"a": 1}\n{"a": 2', parseJson)).toEqual({ rows: [{ values: { a: 1 } }], problems: [] });
    expect(readMetricLines('{"a": 1}\n{"a": 2}', parseJson).rows).toHaveLength(2);
  });

  it("give back the rows written, and never throw on any text (property)", () => {
    const row = fc.record({ step: fc.option(fc.nat(), { nil: undefined }), values: fc.dictionary(name, fc.oneof(fc.integer(), finiteDouble.filter((x) => !Number.isInteger(x))), { minKeys: 1, maxKeys: 4 }) });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 20 }), (rows) => {
        const text = rows.map((r) => JSON.stringify(r.step === undefined ? r.values : { ...r.values, step: r.step }) + "\n").join("");
        const read = readMetricLines(text, parseJson);
        expect(read.problems).toEqual([]);
        expect(read.rows).toEqual(rows.map((r) => (r.step === undefined ? { values: r.values } : r)));
      }),
    );
    fc.assert(fc.property(fc.string(), (text) => void readMetricLines(text, parseJson)));
  });
});

describe("summary.json", () => {
  it("gives its metrics object as one row without a step", () => {
    expect(readSummary('{"metrics": {"loss": 0.1, "acc": 2.0}, "other": 1}', parseJson)).toEqual({ rows: [{ values: { loss: 0.1, acc: new Float(2) } }], problems: [] });
    expect(readSummary('{"other": 1}', parseJson)).toEqual({ rows: [], problems: [] });
    expect(readSummary("[1]", parseJson).problems).toEqual(["summary.json: not a JSON object"]);
    expect(readSummary('{"metrics": {"x": "y"}}', parseJson).problems).toEqual(['summary.json: metrics: "x" is not a number: "y"']);
  });
});

describe("output patterns", () => {
  it("take the named groups of every match in a line: several metrics in one line, a step", () => {
    const patterns = [compileOutputPattern("loss=(?<loss>\\S+)", "p"), compileOutputPattern("epoch (?<step>\\d+): acc (?<acc>[^ ]+) val (?<val_acc>[^ ]+)", "p")];
    const r = readOutputMetrics("start\nloss=0.5 then loss=0.25\nepoch 3: acc 9.0e-1 val .8\nloss=nan\n", patterns);
    expect(r.problems).toEqual([]);
    expect(r.rows.map((x) => ({ step: x.step, values: Object.fromEntries(Object.entries(x.values).map(([k, v]) => [k, formatMetric(v)])) }))).toEqual([
      { step: undefined, values: { loss: "0.5" } },
      { step: undefined, values: { loss: "0.25" } },
      { step: 3, values: { acc: "0.9", val_acc: "0.8" } },
      { step: undefined, values: { loss: "nan" } },
    ]);
  });

  it("report a match that is no number, and ignore a group that did not take part", () => {
    const patterns = [compileOutputPattern("loss[=:](?<loss>\\S+)|acc (?<acc>\\d+)", "p")];
    const r = readOutputMetrics("loss=high\nacc 7\n", patterns, "run output");
    expect(r.rows).toEqual([{ values: { acc: 7 } }]);
    expect(r.problems).toEqual(['run output line 1: loss is not a number: "high"']);
  });

  it("take groups named as JavaScript names them, in any script, and no text that only looks like a group", () => {
    const p = compileMetricPattern("精度=(?<精度>\\S+) (?<$val>\\S+) \\(?<lit>x\\)");
    expect(p.names).toEqual(["精度", "$val"]);
    expect(readOutputMetrics("精度=0.5 2 (<lit>x)\n", [p]).rows).toEqual([{ values: { 精度: 0.5, $val: 2 } }]);
  });

  it("are refused without a named group, or when not a regular expression", () => {
    expect(() => compileMetricPattern("loss=\\S+")).toThrow(UserError);
    expect(() => compileMetricPattern("loss=\\S+")).toThrow('"loss=\\\\S+" names no metric');
    expect(() => compileMetricPattern("step (?<step>\\d+)")).toThrow(/names no metric/);
    expect(() => compileMetricPattern("loss=(?<loss>\\S+")).toThrow(/^"loss=\(\?<loss>\\\\S\+" is not a regular expression: /);
  });

  it("never throw, and never loop on a pattern that matches the empty string (property)", () => {
    const patterns = [compileOutputPattern("(?<x>\\d*)", "p"), compileOutputPattern("v=(?<v>\\S+)", "p")];
    fc.assert(fc.property(fc.string(), (text) => void readOutputMetrics(text, patterns)));
  });

  it("read numbers printed in any notation (property)", () => {
    const p = [compileOutputPattern("x=(?<x>\\S+)", "p")];
    fc.assert(
      fc.property(finiteDouble, fc.constantFrom("plain", "exp", "python"), (x, how) => {
        const text = how === "plain" ? String(x) : how === "exp" ? x.toExponential() : pythonFloatRepr(x);
        const r = readOutputMetrics(`it 1 x=${text} done`, p);
        expect(metricNumber(r.rows[0].values.x)).toBe(Number(text));
      }),
    );
  });
});

describe("summing up", () => {
  it("avg is the mean of the values as exact as a double holds it, as Python's statistics.fmean gives it", () => {
    const avg = (xs: number[]) => formatMetric(summarize(xs.map((x) => ({ values: { m: x } }))).get("m")!.get("avg")!);
    expect(avg(Array(10).fill(0.1))).toBe("0.1");
    expect(avg([1, 0.5, 0.333333, 0.25, 0.2])).toBe("0.4566666");
    expect(avg([1e16, 1, -1e16])).toBe("0.3333333333333333");
    expect(avg([1, Infinity])).toBe("inf");
    expect(avg([1, NaN])).toBe("nan");
  });

  it("columns: a metric alone is its last value; an unknown aggregation is refused", () => {
    expect(parseMetricColumn("loss", "--best")).toEqual({ aggregation: "last", metric: "loss", text: "loss" });
    expect(parseMetricColumn("min:val/loss", "--best")).toEqual({ aggregation: "min", metric: "val/loss", text: "min:val/loss" });
    expect(() => parseMetricColumn("best:loss", "--best")).toThrow('--best: unknown aggregation "best" in "best:loss"');
    expect(() => parseMetricColumn("min:", "--best")).toThrow(UserError);
    expect(() => parseMetricColumn("", "--best")).toThrow(UserError);
  });

  it("keeps first, last, min, max, avg and count, NaN counted but never the best", () => {
    const s = summarize([{ step: 0, values: { loss: 2 } }, { step: 1, values: { loss: new Float(NaN), acc: 0.5 } }, { step: 2, values: { loss: 0.5 } }]);
    const loss = s.get("loss")!;
    expect([loss.get("first"), loss.get("last"), loss.get("min"), loss.get("max"), loss.get("count")]).toEqual([2, 0.5, 0.5, 2, 3]);
    expect(formatMetric(loss.get("avg")!)).toBe("nan");
    expect(loss.stepped).toBe(true);
    expect(s.get("acc")!.get("avg")).toEqual(new Float(0.5));
    expect(new MetricSummary().get("min")).toBeUndefined();
  });

  it("agrees with plain arithmetic (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 50 }), (xs) => {
        const s = summarize(xs.map((x, i) => ({ step: i, values: { m: x } }))).get("m")!;
        // The sign of a zero is not kept (JSON writes -0 as 0; Math.min prefers -0 to 0): `+ 0` makes -0 0.
        expect(metricNumber(s.get("min")!) + 0).toBe(Math.min(...xs) + 0);
        expect(metricNumber(s.get("max")!) + 0).toBe(Math.max(...xs) + 0);
        expect(metricNumber(s.get("avg")!)).toBeCloseTo(xs.reduce((a, b) => a + b, 0) / xs.length, 6);
        expect([metricNumber(s.get("first")!), metricNumber(s.get("last")!), s.get("count")]).toEqual([xs[0], xs.at(-1), xs.length]);
      }),
    );
  });
});
