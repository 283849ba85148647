import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, dumpJson } from "../../src/dataspace/json.js";
import {
  createRng,
  DEFAULT_RANDOM_DRAWS,
  expandGrid,
  formatScalar,
  gridSize,
  MAX_GRID_POINTS,
  parseAssignments,
  parseScalar,
  parseValueSpec,
  sample,
  type Assignment,
  type Distribution,
  type GridOptions,
} from "../../src/dataspace/multivalue.js";
import { Float, float, pyType, type JsonObject, type JsonValue } from "../../src/dataspace/value.js";
import { UserError } from "../../src/util/errors.js";

/** The points of a command line's assignments. */
function expandArgs(args: readonly string[], opts: GridOptions = {}): JsonObject[] {
  return expandGrid(parseAssignments(args), opts);
}

/** A typed value as text: `1` and `1.0` differ, so do `"1"` and `1`. */
const typed = (v: JsonValue): string => `${pyType(v)}:${canonicalJson(v)}`;
const listOf = (text: string): JsonValue[] => {
  const spec = parseValueSpec(text);
  if (spec.kind !== "list") throw new Error(`${text} is not a list`);
  return spec.values;
};
const userError = (f: () => unknown, message?: RegExp): void => {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(UserError);
  if (message) expect((caught as UserError).message).toMatch(message);
  expect((caught as UserError).hint).toBeTruthy();
};

describe("parseScalar", () => {
  it.each<[string, JsonValue]>([
    ["true", true],
    ["false", false],
    ["null", null],
    ["0", 0],
    ["-0", 0],
    ["+7", 7],
    ["42", 42],
    ["-17", -17],
    ["9007199254740991", 9007199254740991],
    ["9007199254740992", 9007199254740992n],
    ["-123456789012345678901234567890", -123456789012345678901234567890n],
    ["1.0", new Float(1)],
    ["1.", new Float(1)],
    ["-0.0", new Float(-0)],
    ["0.0", new Float(0)],
    ["1e5", new Float(100000)],
    ["1E16", new Float(1e16)],
    ["1e-4", 0.0001],
    ["2.5e-3", 0.0025],
    [".5", 0.5],
    ["-.5", -0.5],
    ["1.5", 1.5],
    ["0.1", 0.1],
    ["  12  ", 12],
    ["'1'", "1"],
    ['"1.0"', "1.0"],
    ["'true'", "true"],
    ["''", ""],
    ['"a b"', "a b"],
    ["'it's'", "it's"],
    ["lj", "lj"],
    ["True", "True"],
    ["None", "None"],
    ["inf", "inf"],
    ["NaN", "NaN"],
    ["007", "007"],
    ["00.5", "00.5"],
    ["0x10", "0x10"],
    ["1_000", "1_000"],
    ["1e", "1e"],
    ["-", "-"],
    [".", "."],
    ["", ""],
    [" spaced ", " spaced "],
    ["uniform[0:1]", "uniform[0:1]"],
    ["[1, 2.0, \"x\"]", [1, new Float(2), "x"]],
    ['{"a": 1, "b": {"c": 1.0}}', { a: 1, b: { c: new Float(1) } }],
    ["[]", []],
    ["{}", {}],
  ])("%j", (text, expected) => {
    const v = parseScalar(text);
    expect(typed(v)).toBe(typed(expected));
  });

  it("keeps 1 and 1.0 apart", () => {
    expect(pyType(parseScalar("1"))).toBe("int");
    expect(pyType(parseScalar("1.0"))).toBe("float");
    expect(parseScalar("1.0")).toBeInstanceOf(Float);
  });

  it.each(["[1,", "{1,2}", "[a]", "{'a': 1}", "1e400", "-1e999"])("rejects %j", (text) => userError(() => parseScalar(text)));

  it.each([
    ["1e999", /1e999 is too large for a float/],
    ["-1.5e400", /too large for a float/],
    ["1}", /unbalanced brackets in 1}/],
    ["a]", /unbalanced brackets/],
    ["x{y", /unbalanced brackets/],
    ["a[b}", /unbalanced brackets/],
    ["'a", /unterminated quote in 'a/],
    ['"a', /not a JSON string/],
    ['"a"b"', /not a JSON string/],
    ['"C:\\data"', /not a JSON string/],
  ])("refuses %j with a message", (text, message) => userError(() => parseScalar(text), message));

  it("reads a double-quoted value as a JSON string and a single-quoted one as written", () => {
    expect(parseScalar('"a\\"b\\n"')).toBe('a"b\n');
    expect(parseScalar("'a\\nb'")).toBe("a\\nb");
    expect(parseScalar("f(x){y}[z]")).toBe("f(x){y}[z]");
  });
});

describe("formatScalar", () => {
  it.each<[JsonValue, string]>([
    [1, "1"],
    [new Float(1), "1.0"],
    [1e-5, "1e-05"],
    [new Float(1e16), "1e+16"],
    [12345678901234567890n, "12345678901234567890"],
    [true, "true"],
    [null, "null"],
    ["lj", "lj"],
    ["true", "'true'"],
    ["1", "'1'"],
    ["a b", "'a b'"],
    ["it's", '"it\'s"'],
    ["", "''"],
    ["a..b", "'a..b'"],
    [[1, new Float(2)], "[1, 2.0]"],
    [{ a: "x" }, '{"a": "x"}'],
  ])("%s → %s", (v, text) => {
    expect(formatScalar(v)).toBe(text);
    expect(typed(parseScalar(text))).toBe(typed(v));
  });
});

describe("parseValueSpec", () => {
  it.each<[string, JsonValue[], boolean]>([
    // single values
    ["1", [1], false],
    ["1.0", [new Float(1)], false],
    ["lj", ["lj"], false],
    ["[1,2]", [[1, 2]], false],
    ['{"a": 1}', [{ a: 1 }], false],
    ['{ "a" : [1, {"b": 2}] }', [{ a: [1, { b: 2 }] }], false],
    ["{}", [{}], false],
    // lists
    ["{1,2,3}", [1, 2, 3], true],
    ["{1}", [1], true],
    ["{1.0,2.0}", [new Float(1), new Float(2)], true],
    ["{1,1.0,'1',true,null}", [1, new Float(1), "1", true, null], true],
    ["{a,b,c}", ["a", "b", "c"], true],
    ["{ a , b }", ["a", "b"], true],
    ["{1e-4,1e-3,1e-2}", [0.0001, 0.001, 0.01], true],
    ["{'a,b',c}", ["a,b", "c"], true],
    ['{"a,b", \'c d\'}', ["a,b", "c d"], true],
    ['{"a","b"}', ["a", "b"], true],
    ["{'',x}", ["", "x"], true],
    ["{'it's',x}", ["it's", "x"], true],
    ['{[1,2],[3,4]}', [[1, 2], [3, 4]], true],
    ['{{"a": 1},{"a": "x,y"}}', [{ a: 1 }, { a: "x,y" }], true],
    ["{../data,../other}", ["../data", "../other"], true],
    ["{../data}", ["../data"], true],
    ["{1,1}", [1, 1], true],
    // ranges
    ["{1..5}", [1, 2, 3, 4, 5], true],
    ["{5..1}", [5, 4, 3, 2, 1], true],
    ["{3..3}", [3], true],
    ["{-2..2}", [-2, -1, 0, 1, 2], true],
    ["{ 1 .. 3 }", [1, 2, 3], true],
    ["{1..10..3}", [1, 4, 7, 10], true],
    ["{1..10..4}", [1, 5, 9], true],
    ["{10..1..-3}", [10, 7, 4, 1], true],
    ["{3..3..-1}", [3], true],
    ["{0..1..0.25}", [0, 0.25, 0.5, 0.75, 1].map(float), true],
    ["{0..0.5..0.1}", [0, 0.1, 0.2, 0.3, 0.4, 0.5].map(float), true],
    ["{0.1..0.3..0.1}", [0.1, 0.2, 0.3], true],
    ["{1..0..-0.25}", [1, 0.75, 0.5, 0.25, 0].map(float), true],
    ["{0.0..2}", [0, 1, 2].map(float), true],
    ["{1..2.5}", [1, 2].map(float), true],
    ["{1..3..1.0}", [1, 2, 3].map(float), true],
    ["{1e-3..5e-3..1e-3}", [0.001, 0.002, 0.003, 0.004, 0.005], true],
    ["{0..1..0.3}", [0, 0.3, 0.6, 0.9].map(float), true],
    ["{9007199254740991..9007199254740993}", [9007199254740991, 9007199254740992n, 9007199254740993n], true],
  ])("%j", (text, expected, multi) => {
    const spec = parseValueSpec(text);
    expect(spec.kind).toBe("list");
    if (spec.kind !== "list") return;
    expect(spec.values.map(typed)).toEqual(expected.map(typed));
    expect(spec.multi).toBe(multi);
  });

  it("computes float ranges without rounding noise", () => {
    const values = listOf("{0..1..0.1}").map(Number);
    expect(values).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(dumpJson(listOf("{0..1..0.1}"))).toBe("[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]");
    expect(listOf("{0..3..0.1}")).toHaveLength(31);
    expect(listOf("{0..1..0.001}")).toHaveLength(1001);
  });

  it.each([
    ["{1..5..0}", /step .* is 0/],
    ["{0..1..0.0}", /step .* is 0/],
    ["{1..5..-1}", /away from its end/],
    ["{5..1..1}", /away from its end/],
    ["{0..1..-0.25}", /away from its end/],
    ["{a..e}", /not a number/],
    ["{1..x}", /not a number/],
    ["{1..5..x}", /not a number/],
    ["{01..05}", /not a number/],
    ["{1...5}", /malformed range/],
    ["{1..2..3..4}", /malformed range/],
    ["{1..}", /malformed range/],
    ["{1..2..}", /malformed range/],
    ["{0..100000000}", /more than/],
    ["{0..1..1e-9}", /more than/],
    ["{0..1e-999}", /out of range/],
    ["{0..1e999}", /1e999 is too large for a float/],
    ["{1..5}}", /unbalanced brackets in \{1..5\}\}/],
  ])("rejects the range %j", (text, message) => userError(() => parseValueSpec(text), message));

  it.each([
    ["{a,,b}", /empty value/],
    ["{a,}", /empty value/],
    ["{,a}", /empty value/],
    ["{'a,b}", /unterminated quote/],
    ["{'a' b,c}", /unterminated quote/],
    ["{1,2", /neither a JSON object nor/],
    ["{", /neither a JSON object nor/],
    ['{"a": 1,}', /neither a JSON object .* nor a list/],
    ["{[1,2}", /unbalanced brackets in \{\[1,2\}/],
    ["{1,2}}", /unbalanced brackets in \{1,2\}\}/],
    ["{a,b]}", /unbalanced brackets/],
    ["{a},b}", /unbalanced brackets/],
    ["{{1,2},3}", /not valid JSON/],
    ["[1,2", /not valid JSON/],
  ])("rejects the list %j", (text, message) => userError(() => parseValueSpec(text), message));

  it.each<[string, Omit<Distribution, "text">]>([
    ["uniform[0:1]", { kind: "uniform", low: 0, high: 1 }],
    ["uniform[-1.5:2.5]", { kind: "uniform", low: -1.5, high: 2.5 }],
    ["loguniform[1e-5:1e-1]", { kind: "loguniform", low: 1e-5, high: 0.1 }],
    ["loguniform[ 1 : 1000 ]", { kind: "loguniform", low: 1, high: 1000 }],
  ])("reads the distribution %j", (text, expected) => {
    expect(parseValueSpec(text)).toEqual({ ...expected, text: text.trim() });
  });

  it.each([
    ["uniform[1:0]", /not increasing/],
    ["uniform[1:1]", /not increasing/],
    ["uniform[a:1]", /not a number/],
    ["uniform['1':2]", /not a number/],
    ["uniform[0:1:2]", /malformed/],
    ["uniform[0]", /malformed/],
    ["uniform[0:1", /malformed/],
    ["loguniform[0:1]", /positive/],
    ["loguniform[-1:1]", /positive/],
    ["uniform[0:1e400]", /too large/],
  ])("rejects the distribution %j", (text, message) => userError(() => parseValueSpec(text), message));
});

describe("parseAssignments", () => {
  it("keeps keys in order of first appearance and merges repeated keys", () => {
    const a = parseAssignments(["b=1", "a={x,y}", "b=2", "c=lj"]);
    expect(a.map((x) => x.key)).toEqual(["b", "a", "c"]);
    expect(a[0]).toEqual({ key: "b", values: [1, 2], multi: true });
    expect(a[1]).toEqual({ key: "a", values: ["x", "y"], multi: true });
    expect(a[2]).toEqual({ key: "c", values: ["lj"], multi: false });
  });

  it("treats key=a key=b like key={a,b}", () => {
    const expanded = parseAssignments(["T=1.0", "T=2.0", "N=100", "N=1000"]);
    const braced = parseAssignments(["T={1.0,2.0}", "N={100,1000}"]);
    expect(expandGrid(expanded).map(canonicalJson)).toEqual(expandGrid(braced).map(canonicalJson));
  });

  it("merges a repeated key whose second value is a range of 200,000 (no spread that overflows the stack)", () => {
    const [a] = parseAssignments(["i=-1", "i={0..199999}"]);
    expect(a.values.length).toBe(200_001);
    expect(a.values.at(-1)).toBe(199_999);
  });

  it("splits at the first '='", () => {
    expect(parseAssignments(["expr=a=b"])[0].values).toEqual(["a=b"]);
    expect(parseAssignments(["empty="])[0].values).toEqual([""]);
  });

  it("keeps a distribution", () => {
    const [a] = parseAssignments(["lr=loguniform[1e-4:1e-1]"]);
    expect(a.values).toEqual([]);
    expect(a.dist).toMatchObject({ kind: "loguniform", low: 1e-4, high: 0.1 });
    expect(a.multi).toBe(true);
  });

  it.each([
    [["lr"], /expected KEY=VALUE/],
    [["=1"], /missing key/],
    [["a.b=1"], /contains '\.'/],
    [["a=1", "x.y.z=2"], /contains '\.'/],
    [["lr=uniform[0:1]", "lr=2"], /more than once/],
    [["lr=2", "lr=uniform[0:1]"], /more than once/],
    [["a={1..0..1}"], /away from its end/],
  ])("rejects %j", (args, message) => userError(() => parseAssignments(args), message));
});

describe("expandGrid", () => {
  it("puts the first key outermost", () => {
    expect(expandArgs(["a={1,2}", "b={x,y}"])).toEqual([
      { a: 1, b: "x" },
      { a: 1, b: "y" },
      { a: 2, b: "x" },
      { a: 2, b: "y" },
    ]);
    expect(expandArgs(["b={x,y}", "a={1,2}"]).map((p) => `${p.b}${p.a}`)).toEqual(["x1", "x2", "y1", "y2"]);
  });

  it("keeps key order and types in each point", () => {
    const points = expandArgs(["T={1.0,2.0}", "N={100,1000}", "model=lj"]);
    expect(points.map((p) => Object.keys(p))).toEqual(Array(4).fill(["T", "N", "model"]));
    expect(points.map(dumpJson)).toEqual([
      '{"T": 1.0, "N": 100, "model": "lj"}',
      '{"T": 1.0, "N": 1000, "model": "lj"}',
      '{"T": 2.0, "N": 100, "model": "lj"}',
      '{"T": 2.0, "N": 1000, "model": "lj"}',
    ]);
  });

  it("makes one empty point of no assignments", () => {
    expect(expandGrid([])).toEqual([{}]);
  });

  it("gives each point its own copy of list and object values", () => {
    const points = expandArgs(["a={1,2}", "b=[1,2]"]);
    (points[0].b as JsonValue[]).push(3);
    expect(points[1].b).toEqual([1, 2]);
  });

  it("sets keys such as __proto__ as own properties", () => {
    const [p] = expandArgs(["__proto__=1"]);
    expect(Object.keys(p)).toEqual(["__proto__"]);
    expect(canonicalJson(p)).toBe('{"__proto__": 1}');
  });

  it("samples a grid down to maxRuns distinct points in grid order, repeatably", () => {
    const args = ["a={1..10}", "b={1..10}", "c={x,y}"];
    const full = expandArgs(args).map(canonicalJson);
    const s1 = expandArgs(args, { maxRuns: 15, seed: 7 }).map(canonicalJson);
    const s2 = expandArgs(args, { maxRuns: 15, seed: 7 }).map(canonicalJson);
    const s3 = expandArgs(args, { maxRuns: 15, seed: 8 }).map(canonicalJson);
    expect(s1).toHaveLength(15);
    expect(new Set(s1).size).toBe(15);
    expect(s1).toEqual(s2);
    expect(s1).not.toEqual(s3);
    const positions = s1.map((p) => full.indexOf(p));
    expect(positions.every((i) => i >= 0)).toBe(true);
    expect([...positions].sort((x, y) => x - y)).toEqual(positions);
  });

  it("returns the whole grid when maxRuns is not smaller", () => {
    expect(expandArgs(["a={1,2}", "b={1,2}"], { maxRuns: 4, seed: 1 })).toHaveLength(4);
    expect(expandArgs(["a={1,2}", "b={1,2}"], { maxRuns: 100 })).toHaveLength(4);
  });

  it("samples grids too large to list", () => {
    const args = ["a={0..999999}", "b={0..999999}"]; // 10^12 points
    userError(() => expandArgs(args), /more than/);
    const points = expandArgs(args, { maxRuns: 10, seed: 3 });
    expect(points).toHaveLength(10);
    expect(new Set(points.map(canonicalJson)).size).toBe(10);
    const huge = Array.from({ length: 6 }, (_, i) => `k${i}={0..999}`); // 10^18 points, beyond 2^53
    const sampled = expandArgs(huge, { maxRuns: 50, seed: 3 });
    expect(new Set(sampled.map(canonicalJson)).size).toBe(50);
    expect(sampled.map(canonicalJson)).toEqual(expandArgs(huge, { maxRuns: 50, seed: 3 }).map(canonicalJson));
  });

  it("draws 20 random points by default, repeatably with a seed", () => {
    const args = ["lr=loguniform[1e-4:1e-1]", "dropout=uniform[0:0.5]", "layers={2,4}", "opt=adam"];
    const a = expandArgs(args, { seed: 42 });
    expect(a).toHaveLength(DEFAULT_RANDOM_DRAWS);
    expect(a.map(canonicalJson)).toEqual(expandArgs(args, { seed: 42 }).map(canonicalJson));
    expect(a.map(canonicalJson)).not.toEqual(expandArgs(args, { seed: 43 }).map(canonicalJson));
    for (const p of a) {
      expect(Object.keys(p)).toEqual(["lr", "dropout", "layers", "opt"]);
      expect(pyType(p.lr)).toBe("float");
      expect(Number(p.lr)).toBeGreaterThanOrEqual(1e-4);
      expect(Number(p.lr)).toBeLessThan(0.1);
      expect(Number(p.dropout)).toBeGreaterThanOrEqual(0);
      expect(Number(p.dropout)).toBeLessThan(0.5);
      expect([2, 4]).toContain(p.layers);
      expect(p.opt).toBe("adam");
    }
    expect(new Set(a.map((p) => p.layers)).size).toBe(2);
    expect(expandArgs(args, { maxRuns: 3, seed: 1 })).toHaveLength(3);
  });

  it("draws floats also for int bounds", () => {
    const points = expandArgs(["x=uniform[0:1]"], { maxRuns: 50, seed: 5 });
    expect(points.every((p) => pyType(p.x) === "float")).toBe(true);
    expect(new Set(points.map((p) => Number(p.x))).size).toBe(50);
  });

  it("rejects bad options and absurd sizes", () => {
    const a = parseAssignments(["a={1,2}"]);
    userError(() => expandGrid(a, { maxRuns: 0 }), /positive integer/);
    userError(() => expandGrid(a, { maxRuns: 1.5 }), /positive integer/);
    userError(() => expandGrid(a, { maxRuns: MAX_GRID_POINTS + 1 }), /at most/);
    userError(() => expandGrid(a, { seed: 0.5, maxRuns: 1 }), /seed/);
    userError(() => expandArgs(["a={1..10000}", "b={1..10000}"]), /grid has 100000000 points \(10000 × 10000\)/);
  });
});

describe("seeded randomness", () => {
  it("repeats its sequence for a seed and differs between seeds", () => {
    const seq = (seed: number): number[] => {
      const r = createRng(seed);
      return Array.from({ length: 8 }, () => r.uint32());
    };
    expect(seq(1)).toEqual(seq(1));
    expect(seq(1)).not.toEqual(seq(2));
    expect(seq(2 ** 40)).not.toEqual(seq(0));
    expect(seq(-1)).not.toEqual(seq(1));
  });

  it("draws floats in [0, 1) and ints in [0, n) evenly", () => {
    const r = createRng(123);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = r.float();
      expect(x >= 0 && x < 1).toBe(true);
      buckets[r.int(10)]++;
    }
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(500);
  });

  it("samples distributions within their bounds", () => {
    const r = createRng(9);
    const u: Distribution = { kind: "uniform", low: -2, high: 3, text: "uniform[-2:3]" };
    const l: Distribution = { kind: "loguniform", low: 1e-6, high: 1, text: "loguniform[1e-6:1]" };
    let small = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = Number(sample(u, r));
      expect(x >= -2 && x < 3).toBe(true);
      const y = Number(sample(l, r));
      expect(y >= 1e-6 && y <= 1).toBe(true);
      if (y < 1e-3) small++;
    }
    // Log-uniform: half of the draws fall in the lower half of the decades.
    expect(Math.abs(small - 5000)).toBeLessThan(300);
  });
});

// ---------------------------------------------------------------------------------------------------
// Properties

const simpleString = fc
  .stringMatching(/^[a-zA-Z_][a-zA-Z0-9_-]{0,8}$/)
  .filter((s) => !["true", "false", "null"].includes(s));
const floatValue = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => float(x));
const scalar: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.maxSafeInteger(),
  fc.bigInt({ min: 1n << 53n, max: 1n << 200n }).map((b) => b),
  fc.bigInt({ min: -(1n << 200n), max: -(1n << 53n) - 1n }),
  floatValue,
  fc.constantFrom(new Float(1), new Float(-0), new Float(0), 1e-5, 0.1, new Float(1e16)),
  fc.boolean(),
  fc.constant(null),
  simpleString,
  fc.constantFrom("1", "1.0", "true", "null", "a b", "a,b", "{x}", "[y]", "007", "a..b", "uniform[0:1]"),
);

describe("properties", () => {
  it("parseScalar reads back the printed form of a typed scalar", () => {
    fc.assert(
      fc.property(scalar, (v) => {
        const back = parseScalar(formatScalar(v));
        expect(typed(back)).toBe(typed(v));
      }),
    );
  });

  it("parseScalar reads back any quoted string", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(parseScalar(formatScalar(s))).toBe(s);
      }),
    );
  });

  it("a {a,b,c} list of printed scalars parses back to the list", () => {
    fc.assert(
      fc.property(fc.array(scalar, { minLength: 1, maxLength: 6 }), (values) => {
        const text = "{" + values.map(formatScalar).join(",") + "}";
        expect(listOf(text).map(typed)).toEqual(values.map(typed));
        const spaced = "{ " + values.map(formatScalar).join(" , ") + " }";
        expect(listOf(spaced).map(typed)).toEqual(values.map(typed));
      }),
    );
  });

  it("ranges hold start, respect the step and never pass the end", () => {
    fc.assert(
      fc.property(fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 7 }), (a, b, s) => {
        const step = b >= a ? s : -s;
        const values = listOf(`{${a}..${b}..${step}}`) as number[];
        expect(values[0]).toBe(a);
        expect(values.length).toBe(Math.floor(Math.abs(b - a) / s) + 1);
        values.forEach((v, i) => expect(v).toBe(a + i * step));
        const dec = listOf(`{${a / 10}..${b / 10}..${step / 10}}`);
        expect(dec.map((v) => pyType(v))).toEqual(Array(values.length).fill("float"));
        // Exactly the decimal a/10 + i*step/10, as the double nearest to it.
        dec.forEach((v, i) => expect(Number(v)).toBe((a + i * step) / 10));
      }),
    );
  });

  it("the grid has the product of the value counts, first key outermost", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 4 }), { maxLength: 5 }), (lists) => {
        const assignments: Assignment[] = lists.map((values, i) => ({ key: `k${i}`, values, multi: true }));
        const points = expandGrid(assignments);
        expect(points.length).toBe(lists.reduce((p, l) => p * l.length, 1));
        expect(points.length).toBe(gridSize(assignments));
        // Reference: nested loops, first key outermost.
        let expected: JsonObject[] = [{}];
        for (const a of assignments) expected = expected.flatMap((p) => a.values.map((v) => ({ ...p, [a.key]: v })));
        expect(points).toEqual(expected);
      }),
    );
  });

  it("a sampled grid is a subset of distinct points of the requested size", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer(),
        (sizes, maxRuns, seed) => {
          const args = sizes.map((n, i) => `k${i}={1..${n}}`);
          const full = expandArgs(args).map(canonicalJson);
          const sampled = expandArgs(args, { maxRuns, seed }).map(canonicalJson);
          expect(sampled.length).toBe(Math.min(maxRuns, full.length));
          expect(new Set(sampled).size).toBe(sampled.length);
          const positions = sampled.map((p) => full.indexOf(p));
          expect(positions.every((i, j) => i >= 0 && (j === 0 || i > positions[j - 1]))).toBe(true);
        },
      ),
    );
  });

  const alphabet = fc.constantFrom(..."{}[],.:'\"=0123456789-+eE ab_xtrunlfogim\\".split(""), "..", "uniform[", "loguniform[", "true", "null");
  const argText = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.array(alphabet, { maxLength: 8 }).map((parts) => parts.join("").slice(0, 12)),
    fc.tuple(fc.constantFrom("a", "b", "a.b", ""), fc.array(alphabet, { maxLength: 8 })).map(([k, parts]) => `${k}=${parts.join("")}`.slice(0, 14)),
  );

  it("expandGrid throws nothing but UserError on random arguments", () => {
    fc.assert(
      fc.property(fc.array(argText, { maxLength: 4 }), fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }), (args, maxRuns) => {
        try {
          const points = expandGrid(parseAssignments(args), { maxRuns, seed: 1 });
          for (const p of points) canonicalJson(p);
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
