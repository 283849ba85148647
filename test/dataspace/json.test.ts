/**
 * JSON text <-> typed values, checked against Python's `json` module.
 *
 * The expected strings in the tables at the end of this file were produced once with CPython 3.11
 * (`json.dumps(json.loads(text), sort_keys=True)`, `json.dumps(json.loads(text))`, `repr(float)`)
 * and pasted here as literals: the tests never run Python.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  JsonSyntaxError,
  MAX_DEPTH,
  canonicalJson,
  compareCodePoints,
  dumpJson,
  parseJson,
  parseJsonTyped,
  prettyJson,
  quoteString,
} from "../../src/dataspace/json.js";
import { jobId } from "../../src/dataspace/id.js";
import { Float, type JsonObject, type JsonValue, float, pyType, pythonFloatRepr } from "../../src/dataspace/value.js";
import { UserError } from "../../src/util/errors.js";
import { editedTexts } from "../edits.js";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A text form of a value that tells every representation apart: number/bigint/Float, -0, key order. */
function typed(v: JsonValue): string {
  if (v === null) return "null";
  if (v instanceof Float) return `Float(${Object.is(v.value, -0) ? "-0" : String(v.value)})`;
  switch (typeof v) {
    case "boolean":
      return String(v);
    case "number":
      return `num(${Object.is(v, -0) ? "-0" : String(v)})`;
    case "bigint":
      return `big(${v})`;
    case "string":
      return JSON.stringify(v); // well-formed JSON.stringify escapes lone surrogates
  }
  if (Array.isArray(v)) return `[${v.map(typed).join(",")}]`;
  return `{${Object.keys(v)
    .map((k) => `${JSON.stringify(k)}:${typed(v[k])}`)
    .join(",")}}`;
}

/** Builds an object with own properties only, even for a key named `__proto__`. */
function objectOf(entries: Iterable<readonly [string, JsonValue]>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of entries) {
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The representation the parser gives a value (see value.ts). */
function normalize(v: JsonValue): JsonValue {
  if (typeof v === "bigint") return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
  if (typeof v === "number") {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) return v;
    return Number.isInteger(v) || Object.is(v, -0) ? new Float(v) : v;
  }
  if (v instanceof Float) return Number.isInteger(v.value) || Object.is(v.value, -0) ? new Float(v.value) : v.value;
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === "object") return objectOf(Object.keys(v).map((k) => [k, normalize(v[k])] as const));
  return v;
}

function md5(s: string): string {
  return createHash("md5").update(s).digest("hex");
}

/** Integer-index keys ("0", "42"), which JavaScript objects always enumerate first, in numeric order. */
function hasIndexKey(v: JsonValue): boolean {
  if (Array.isArray(v)) return v.some(hasIndexKey);
  if (v === null || typeof v !== "object" || v instanceof Float) return false;
  return Object.keys(v).some((k) => /^(0|[1-9][0-9]*)$/.test(k) && Number(k) < 2 ** 32 - 1) || Object.values(v).some(hasIndexKey);
}

function doubleFromHex(hex: string): number {
  return Buffer.from(hex, "hex").readDoubleBE(0);
}

/** Python sorts str by code point; after json.loads a surrogate pair is one code point, a lone one is itself. */
function referenceCompare(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function syntaxError(text: string, parse: (t: string) => JsonValue = parseJson): JsonSyntaxError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

/** Any UTF-16 string: all code points, plus lone surrogates. */
const anyChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom("\u007f", "\b", "\f", "\n", "\r", "\t", "\0", "\u001f", '"', "\\", "/", "\uffff", "\ue000", "é") },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
);
const anyString = fc.string({ unit: anyChar, maxLength: 8 });

const specialDoubles = fc.constantFrom(
  0,
  -0,
  1,
  -1,
  0.1,
  1e16,
  9999999999999998,
  1e-4,
  1e-5,
  1 / 3,
  5e-324,
  1.7976931348623157e308,
  123456789012345680,
  1e22,
  1.5e300,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 70,
);
const anyDouble = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), specialDoubles);

const bigInts = fc.oneof(
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.constantFrom(2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 70n, -(2n ** 64n), 10n ** 30n),
);

/** Typed state point values as a user (or the Python side) could hold them. */
const typedValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue; list: JsonValue[]; dict: JsonObject }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    bigInts,
    anyDouble,
    anyDouble.map((x) => new Float(x)),
    anyString,
    fc.boolean(),
    fc.constant(null),
    tie("list"),
    tie("dict"),
  ),
  list: fc.array(tie("value"), { maxLength: 4 }),
  dict: fc.array(fc.tuple(anyString, tie("value")), { maxLength: 4 }).map((es) => objectOf(es)),
})).value;

const statePoint: fc.Arbitrary<JsonObject> = fc
  .array(fc.tuple(anyString, typedValue), { maxLength: 6 })
  .map((es) => objectOf(es));

/** JSON text paired with the typed value Python would read from it, written in many styles. */
interface Written {
  v: JsonValue;
  t: string;
}

const ws = fc.constantFrom("", "", " ", "\n", "\t", "\r\n  ");

function writeFloat(x: number, style: number): string {
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const a = Math.abs(x);
  switch (style) {
    case 0:
      return pythonFloatRepr(x);
    case 1:
      return sign + a.toExponential();
    case 2:
      return sign + a.toExponential().toUpperCase().replace("+", "");
    case 3: {
      // 17 significant digits; "10000000000000000" (1e16) needs a ".0" to stay a float
      const p = a.toPrecision(17);
      return sign + (/[.e]/.test(p) ? p : p + ".0");
    }
    default:
      // integer-valued floats written out in full ("10000000000000000.0", "5e0")
      if (Number.isInteger(a)) return sign + BigInt(a).toString() + (style === 4 ? ".0" : "e0");
      return sign + a.toExponential(20);
  }
}

function writeString(s: string, style: number): string {
  if (style === 0) return JSON.stringify(s);
  if (style === 1) return quoteString(s);
  // every UTF-16 unit as \uXXXX with upper-case hex, "/" as "\/"
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c === 47 ? "\\/" : "\\u" + c.toString(16).toUpperCase().padStart(4, "0");
  }
  return out + '"';
}

const writtenString = fc.tuple(anyString, fc.integer({ min: 0, max: 2 })).map(([s, style]) => ({ s, t: writeString(s, style) }));

const written: fc.Arbitrary<Written> = fc.letrec<{ value: Written; list: Written; dict: Written }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }).map((n) => ({ v: n, t: String(n) })),
    fc.constant({ v: 0, t: "-0" }),
    bigInts.map((b) => ({ v: normalize(b), t: String(b) })),
    fc.tuple(anyDouble, fc.integer({ min: 0, max: 5 })).map(([x, style]) => ({ v: normalize(new Float(x)), t: writeFloat(x, style) })),
    writtenString.map(({ s, t }) => ({ v: s, t })),
    fc.constantFrom({ v: true, t: "true" }, { v: false, t: "false" }, { v: null, t: "null" }),
    tie("list"),
    tie("dict"),
  ),
  list: fc.tuple(fc.array(tie("value"), { maxLength: 4 }), ws, ws).map(([items, a, b]) => ({
    v: items.map((x) => x.v),
    t: "[" + a + items.map((x) => x.t).join(b + "," + a) + b + "]",
  })),
  // duplicate keys are kept on purpose: Python keeps the first position and the last value
  dict: fc
    .tuple(fc.array(fc.tuple(fc.oneof(writtenString, fc.constantFrom({ s: "a", t: '"a"' }, { s: "b", t: '"\\u0062"' })), tie("value")), { maxLength: 4 }), ws, ws)
    .map(([entries, a, b]) => ({
      v: objectOf(entries.map(([k, x]) => [k.s, x.v] as const)),
      t: "{" + a + entries.map(([k, x]) => k.t + b + ":" + a + x.t).join(b + "," + a) + b + "}",
    })),
})).value;

const writtenDocument = fc.tuple(written, ws, ws).map(([w, a, b]) => ({ v: w.v, t: a + w.t + b }));

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe("canonicalJson and dumpJson match CPython's json.dumps", () => {
  for (const c of pyCases()) {
    it(c.name, () => {
      const v = parseJson(c.text);
      expect(canonicalJson(v)).toBe(c.canonical);
      expect(md5(canonicalJson(v))).toBe(c.id);
      expect(jobId(v as JsonObject)).toBe(c.id);
      // the typed parser alone reads the same
      expect(typed(parseJsonTyped(c.text))).toBe(typed(v));
      // canonical text read back is the same value
      expect(canonicalJson(parseJson(c.canonical))).toBe(c.canonical);
      if (!hasIndexKey(v)) expect(dumpJson(v)).toBe(c.dumped);
    });
  }

  it("keeps insertion order in dumpJson and sorts in canonicalJson", () => {
    const v = parseJson('{"z": 1, "b": {"y": 2, "a": 3}, "a": [{"d": 4, "c": 5}]}');
    expect(dumpJson(v)).toBe('{"z": 1, "b": {"y": 2, "a": 3}, "a": [{"d": 4, "c": 5}]}');
    expect(canonicalJson(v)).toBe('{"a": [{"c": 5, "d": 4}], "b": {"a": 3, "y": 2}, "z": 1}');
  });

  it("writes integer-index keys first in dumpJson (a JavaScript object limitation; ids are unaffected)", () => {
    // Python's json.dumps would write {"b": 1, "10": 2, "9": 3}; JavaScript objects enumerate
    // integer-index keys first. canonicalJson sorts, so the job id is still signac's.
    const v = parseJson('{"b": 1, "10": 2, "9": 3}');
    expect(dumpJson(v)).toBe('{"9": 3, "10": 2, "b": 1}');
    expect(canonicalJson(v)).toBe('{"10": 2, "9": 3, "b": 1}');
  });

  it("writes typed values built in code", () => {
    expect(canonicalJson({ a: new Float(1) })).toBe('{"a": 1.0}');
    expect(canonicalJson({ a: 1 })).toBe('{"a": 1}');
    expect(canonicalJson({ a: float(1), b: float(0.5), c: float(-0) })).toBe('{"a": 1.0, "b": 0.5, "c": -0.0}');
    expect(canonicalJson({ a: -0 })).toBe('{"a": -0.0}');
    expect(canonicalJson({ a: 2n ** 70n, b: -(2n ** 64n), c: 5n })).toBe(
      '{"a": 1180591620717411303424, "b": -18446744073709551616, "c": 5}',
    );
    // a number beyond 2^53 is a Python float
    expect(canonicalJson({ a: 2 ** 60 })).toBe('{"a": 1.152921504606847e+18}');
    expect(canonicalJson({ a: 2 ** 53 })).toBe('{"a": 9007199254740992.0}');
    expect(canonicalJson({ a: Number.MAX_SAFE_INTEGER })).toBe('{"a": 9007199254740991}');
    expect(canonicalJson([])).toBe("[]");
    expect(canonicalJson({})).toBe("{}");
    expect(canonicalJson("x")).toBe('"x"');
    expect(canonicalJson(null)).toBe("null");
    expect(canonicalJson([true, false, null])).toBe("[true, false, null]");
    expect(canonicalJson(objectOf([["__proto__", 1]]))).toBe('{"__proto__": 1}');
  });

  it("refuses values JSON cannot hold", () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      expect(() => canonicalJson({ a: bad })).toThrow(UserError);
      expect(() => canonicalJson({ a: new Float(bad) })).toThrow(UserError);
      expect(() => dumpJson([bad])).toThrow(UserError);
    }
    expect(() => canonicalJson({ a: undefined as unknown as JsonValue })).toThrow(UserError);
    expect(() => canonicalJson({ a: (() => 1) as unknown as JsonValue })).toThrow(UserError);
  });

  it("escapes strings as ensure_ascii does", () => {
    expect(quoteString("")).toBe('""');
    expect(quoteString("a/b")).toBe('"a/b"');
    expect(quoteString("\u007f~ ")).toBe('"\\u007f~ "');
    expect(quoteString("\b\f\n\r\t\u000b\u0000")).toBe('"\\b\\f\\n\\r\\t\\u000b\\u0000"');
    expect(quoteString("😀")).toBe('"\\ud83d\\ude00"');
    expect(quoteString("\udc00\ud800")).toBe('"\\udc00\\ud800"');
    expect(quoteString("\u00e9\u2028\uFFFF")).toBe('"\\u00e9\\u2028\\uffff"');
  });

  it("pretty-prints with floats kept as floats", () => {
    expect(prettyJson(parseJson('{"a": 1.0, "b": [1, {}], "c": []}'))).toBe('{\n  "a": 1.0,\n  "b": [\n    1,\n    {}\n  ],\n  "c": []\n}');
  });
});

describe("key order by code point", () => {
  it("puts U+E000..U+FFFF before astral characters and lone surrogates in code point order", () => {
    const keys = ["\ud83d\ude00", "\uffff", "\ue000", "\udc00", "\ud800", "z", "\ud83d", "\ud83dA", "\ud800\udc00", ""];
    const sorted = [...keys].sort(compareCodePoints);
    expect(sorted).toEqual(["", "z", "\ud800", "\ud83d", "\ud83dA", "\udc00", "\ue000", "\uffff", "\ud800\udc00", "\ud83d\ude00"]);
  });

  it("agrees with a code point comparison for any strings", () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        const expected = Math.sign(referenceCompare(a, b));
        expect(Math.sign(compareCodePoints(a, b))).toBe(expected);
        expect(Math.sign(compareCodePoints(b, a))).toBe(0 - expected);
      }),
      { numRuns: 2000 },
    );
    // strings sharing long prefixes with surrogates near the first difference
    const near = fc.string({ unit: fc.constantFrom("\ud83d", "\ude00", "\ude01", "\ud800", "\udc00", "\ue000", "\uffff", "a"), maxLength: 6 });
    fc.assert(
      fc.property(near, near, near, (p, a, b) => {
        expect(Math.sign(compareCodePoints(p + a, p + b))).toBe(Math.sign(referenceCompare(p + a, p + b)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("parseJson keeps Python's types", () => {
  it("tells ints, floats and big ints apart", () => {
    expect(typed(parseJson("1"))).toBe("num(1)");
    expect(typed(parseJson("1.0"))).toBe("Float(1)");
    expect(typed(parseJson("1e16"))).toBe("Float(10000000000000000)");
    expect(typed(parseJson("1E2"))).toBe("Float(100)");
    expect(typed(parseJson("0.5"))).toBe("num(0.5)");
    expect(typed(parseJson("-0"))).toBe("num(0)");
    expect(typed(parseJson("[-0]"))).toBe("[num(0)]");
    expect(typed(parseJson("-0.0"))).toBe("Float(-0)");
    expect(typed(parseJson("-0e5"))).toBe("Float(-0)");
    expect(typed(parseJson("-1e-400"))).toBe("Float(-0)");
    expect(typed(parseJson("9007199254740991"))).toBe("num(9007199254740991)");
    expect(typed(parseJson("-9007199254740991"))).toBe("num(-9007199254740991)");
    expect(typed(parseJson("9007199254740992"))).toBe("big(9007199254740992)");
    expect(typed(parseJson("-9007199254740993"))).toBe("big(-9007199254740993)");
    expect(typed(parseJson("1180591620717411303424"))).toBe("big(1180591620717411303424)");
    expect(typed(parseJson("0001".slice(3)))).toBe("num(1)");
    expect(typed(parseJson("1000000000000000"))).toBe("num(1000000000000000)");
    expect(typed(parseJson("9007199254740993.0"))).toBe("Float(9007199254740992)");
    expect(typed(parseJson('"1.0"'))).toBe('"1.0"');
    expect(typed(parseJson('{"a": 1, "b": 1.0}'))).toBe('{"a":num(1),"b":Float(1)}');
    expect(pyType(parseJson("1"))).toBe("int");
    expect(pyType(parseJson("1.0"))).toBe("float");
    expect(pyType(parseJson("0.25"))).toBe("float");
    expect(pyType(parseJson("12345678901234567890"))).toBe("int");
    expect(pyType(parseJson("-0.0"))).toBe("float");
    expect(pyType(parseJson("-0"))).toBe("int");
  });

  it("reads strings and escapes as json.loads does", () => {
    expect(parseJson('"\\ud83d\\ude00"')).toBe("😀");
    expect(parseJson('"\\ud800"')).toBe("\ud800");
    expect(parseJson('"\\ude00\\ud83d"')).toBe("\ude00\ud83d");
    expect(parseJson('"\\/\\b\\f\\n\\r\\t\\"\\\\"')).toBe('/\b\f\n\r\t"\\');
    expect(parseJson('"\\u00E9\\u00e9"')).toBe("éé");
    expect(parseJson('"\u007f\u2028 é"')).toBe("\u007f\u2028 é");
    expect(parseJson('"NaN"')).toBe("NaN");
  });

  it("keeps the first position and the last value of a repeated key", () => {
    for (const parse of [parseJson, parseJsonTyped]) {
      const v = parse('{"b": 1, "a": 2, "b": 3.0}');
      expect(typed(v)).toBe('{"b":Float(3),"a":num(2)}');
      expect(typed(parse('{"b": 1, "a": 2, "b": 3}'))).toBe('{"b":num(3),"a":num(2)}');
      expect(typed(parse('{"__proto__": 1, "__proto__": [2]}'))).toBe('{"__proto__":[num(2)]}');
      expect(Object.getPrototypeOf(parse('{"__proto__": {"x": 1}}'))).toBe(Object.prototype);
    }
  });
});

describe("parseJson errors", () => {
  it("reports line and column (1-based, like Python's json)", () => {
    const cases: [string, number, number, RegExp][] = [
      ['{"a": 1,\n  "b" 2}', 2, 7, /expected ':'/],
      ['{"a": 1.5,\n  "b" 2}', 2, 7, /expected ':'/],
      ["[1, 2", 1, 6, /expected ',' or '\]'/],
      ['{"a": 1', 1, 8, /expected ',' or '}'/],
      ['\n\n   "abc', 3, 4, /unterminated string/],
      ['{"a": 1} x', 1, 10, /unexpected text after the value/],
      ['{"a": 1.0}\n\n]', 3, 1, /unexpected text after the value/],
      ['"a\\xb"', 1, 3, /bad escape/],
      ['["ok",\n "\\u12G4"]', 2, 3, /bad \\u escape/],
      ['"\\u12"', 1, 2, /bad \\u escape/],
      ['{"a": NaN}', 1, 7, /NaN and Infinity/],
      ["[1,\n Infinity]", 2, 2, /NaN and Infinity/],
      ["[-Infinity]", 1, 2, /NaN and Infinity/],
      ["NaN", 1, 1, /NaN and Infinity/],
      ["", 1, 1, /unexpected end of input/],
      ["   \n ", 2, 2, /unexpected end of input/],
      ["[1,]", 1, 4, /unexpected character "\]"/],
      ['{"a": 1,}', 1, 9, /expected a string key/],
      ["{'a': 1}", 1, 2, /expected a string key/],
      ["[01]", 1, 3, /expected ',' or '\]'/],
      ["[1.]", 1, 4, /expected a digit after '.'/],
      ["[1e]", 1, 4, /expected a digit in the exponent/],
      ["[1e+]", 1, 5, /expected a digit in the exponent/],
      ["[-]", 1, 3, /expected a digit/],
      ["[.5]", 1, 2, /unexpected character/],
      ["[+1]", 1, 2, /unexpected character/],
      ["[tru]", 1, 2, /unexpected character/],
      ['"a\tb"', 1, 3, /control character in string/],
      ['{"a":\n"b\nc"}', 2, 3, /control character in string/],
      ["[1e400]", 1, 2, /too large for a float/],
      ["[-1e400]", 1, 2, /too large for a float/],
      ["\ufeff{}", 1, 1, /unexpected character/],
      ["[1] // comment", 1, 5, /unexpected text after the value/],
      ["{} {}", 1, 4, /unexpected text after the value/],
    ];
    for (const [text, line, column, what] of cases) {
      for (const parse of [parseJson, parseJsonTyped]) {
        const e = syntaxError(text, parse);
        expect({ text, line: e.line, column: e.column }).toEqual({ text, line, column });
        expect(e.message).toMatch(what);
        expect(e.message).toContain(`at line ${line}, column ${column}`);
      }
    }
  });

  it("is a UserError that names its source", () => {
    let err: unknown;
    try {
      parseJson("{", "signac_statepoint.json");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JsonSyntaxError);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).name).toBe("JsonSyntaxError");
    expect((err as Error).message).toMatch(/^malformed JSON in signac_statepoint\.json: /);
  });

  it("accepts and refuses the same texts as JSON.parse (except floats too large to store)", () => {
    const mutated = editedTexts(fc.oneof(fc.json({ maxDepth: 3 }), writtenDocument.map((w) => w.t)), '{}[]",:0123456789.eE+- \n\\/untrfalsNIy\u0001\u00e9');
    fc.assert(
      fc.property(mutated, (t) => {
        let referenceOk = true;
        try {
          JSON.parse(t);
        } catch {
          referenceOk = false;
        }
        for (const parse of [parseJson, parseJsonTyped]) {
          let ok = true;
          let error: unknown;
          try {
            parse(t);
          } catch (e) {
            ok = false;
            error = e;
            expect(e).toBeInstanceOf(JsonSyntaxError);
          }
          if (referenceOk && !ok && /too large for a float/.test((error as Error).message)) continue;
          expect({ t, ok }).toEqual({ t, ok: referenceOk });
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("nesting depth", () => {
  /** `n` objects and lists in one another, in a pattern `kinds` picks, around `leaf`; with strings holding brackets, quotes and backslashes. */
  const nested = (n: number, kinds: number[], leaf: string): string => {
    let t = leaf;
    for (let i = 0; i < n; i++) t = kinds[i % kinds.length] ? `{"k\\\\[{\\"]": ${t}}` : `["]}\\\\", ${t}]`;
    return t;
  };
  const thrown = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (e) {
      return e;
    }
    return undefined;
  };

  it("reads values nested MAX_DEPTH deep, and refuses deeper ones with a line that says so, fast path or not", () => {
    for (const leaf of ["1", "1.5"]) {
      const deepest = nested(MAX_DEPTH, [1, 0], leaf);
      expect(canonicalJson(parseJson(deepest))).toBe(canonicalJson(parseJsonTyped(deepest)));
      for (const parse of [parseJson, parseJsonTyped]) {
        const err = thrown(() => parse(nested(5000, [1, 0], leaf), "the state point"));
        expect(err).toBeInstanceOf(UserError);
        expect((err as UserError).message).toMatch(/^malformed JSON in the state point: values nest deeper than 1000 levels at line 1, column \d+$/);
        expect((err as UserError).hint).toMatch(/at most 1000 levels/);
      }
    }
    expect(thrown(() => parseJson("[".repeat(100_000) + "]".repeat(100_000)))).toBeInstanceOf(JsonSyntaxError);
  });

  it("refuses to write values nested deeper than MAX_DEPTH (built in code, or one that holds itself)", () => {
    let deep: JsonValue = 1;
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    expect(thrown(() => canonicalJson(deep))).toBeInstanceOf(UserError);
    expect(thrown(() => dumpJson([deep]))).toBeInstanceOf(UserError);
    const cycle: JsonObject = {};
    cycle.self = cycle;
    expect((thrown(() => dumpJson(cycle)) as Error).message).toMatch(/nest deeper than 1000 levels/);
    let ok: JsonValue = 1;
    for (let i = 0; i < MAX_DEPTH; i++) ok = [ok];
    expect(canonicalJson(ok)).toBe("[".repeat(MAX_DEPTH) + "1" + "]".repeat(MAX_DEPTH));
  });

  it("both parsers accept exactly the texts nested at most MAX_DEPTH deep", () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_DEPTH - 3, max: MAX_DEPTH + 3 }), fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 4 }), fc.constantFrom("1", "2.5", '"x"', "[]", "{}"), (n, kinds, leaf) => {
        // an empty list or object as the leaf is one more level
        const depth = n + (leaf === "[]" || leaf === "{}" ? 1 : 0);
        const t = nested(n, kinds, leaf);
        for (const parse of [parseJson, parseJsonTyped]) expect(thrown(() => parse(t)) === undefined).toBe(depth <= MAX_DEPTH);
      }),
      { numRuns: 200 },
    );
  });
});

describe("the JSON.parse fast path agrees with the typed parser", () => {
  const same = (t: string): void => {
    expect(typed(parseJson(t))).toBe(typed(parseJsonTyped(t)));
  };

  it("for fc.json() text", () => {
    fc.assert(fc.property(fc.json(), same), { numRuns: 1000 });
    fc.assert(fc.property(fc.json({ stringUnit: "binary" }), same), { numRuns: 500 });
  });

  it("for JSON.stringify(fc.jsonValue())", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 1, "\t"), (v, space) => same(JSON.stringify(v, null, space))),
      { numRuns: 1000 },
    );
  });

  it("for integers-only text (the texts the fast path takes)", () => {
    const ints = fc.oneof(
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }).map(String),
      bigInts.map(String),
      fc.constantFrom("-0", "0", "-1", "999999999999999", "-999999999999999", "1000000000000000"),
    );
    const text = fc.array(fc.tuple(fc.string({ unit: "grapheme-ascii", maxLength: 4 }), ints), { maxLength: 5 }).map(
      (es) => "{" + es.map(([k, n]) => JSON.stringify(k) + ":" + n).join(",") + "}",
    );
    fc.assert(fc.property(text, same), { numRuns: 1000 });
  });

  it("for text whose strings look like numbers (hex ids, 1e5, 1.5, long digit runs) and whose numbers may not", () => {
    const lookalike = fc.oneof(
      fc.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      fc.constantFrom("3e5f", "1e5", "1.5", "-0", "12345678901234567", 'a\\"1e5', "\\u0031e5", "run:019b76da-a800-797d-a284-9d73eb438a90"),
      fc.string({ unit: fc.constantFrom("0", "9", "e", "E", ".", "-", '"', "\\", "a"), maxLength: 8 }),
    );
    const number = fc.oneof(
      fc.integer({ min: -1000, max: 1000 }).map(String),
      fc.constantFrom("1.0", "1e5", "-0", "-0.0", "2.5E-3", "12345678901234567", "0"),
    );
    const value = fc.oneof(lookalike.map((s) => JSON.stringify(s)), number, fc.constantFrom("true", "null", '""'));
    const text = fc.array(fc.tuple(lookalike, value), { maxLength: 6 }).map((es) => "{" + es.map(([k, v]) => JSON.stringify(k) + ": " + v).join(", ") + "}");
    fc.assert(fc.property(text, same), { numRuns: 2000 });
  });

  it("for a string of megabytes that looks like numbers, next to a float and an int", () => {
    const long = "3e5.".repeat(3_000_000);
    expect(typed(parseJson(`{"a": "${long}", "b": 1.5}`))).toBe(typed(parseJsonTyped(`{"a": "${long}", "b": 1.5}`)));
    const v = parseJson(`{"a": "${long}\\"", "b": 1}`) as JsonObject;
    expect((v.a as string).length).toBe(long.length + 1);
    expect(typed(v.b)).toBe("num(1)");
  });

  it("for text written in many styles, and both read what Python would", () => {
    fc.assert(
      fc.property(writtenDocument, ({ v, t }) => {
        expect(typed(parseJson(t))).toBe(typed(v));
        expect(typed(parseJsonTyped(t))).toBe(typed(v));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("round trips", () => {
  it("read -> write -> read keeps every typed state point, so its job id", () => {
    fc.assert(
      fc.property(statePoint, (sp) => {
        const canonical = canonicalJson(sp);
        const id = jobId(sp);
        for (const text of [dumpJson(sp), prettyJson(sp)]) {
          const back = parseJson(text) as JsonObject;
          expect(typed(back)).toBe(typed(normalize(sp)));
          expect(dumpJson(back)).toBe(dumpJson(sp));
          expect(canonicalJson(back)).toBe(canonical);
          expect(jobId(back)).toBe(id);
        }
        // the canonical text has its keys sorted, so compare what it writes back
        const back = parseJson(canonical) as JsonObject;
        expect(canonicalJson(back)).toBe(canonical);
        expect(jobId(back)).toBe(id);
        // canonical text is ASCII only, and canonicalJson is idempotent through a parse
        expect(/^[\x20-\x7e]*$/.test(canonical)).toBe(true);
        expect(canonicalJson(parseJsonTyped(canonical))).toBe(canonical);
      }),
      { numRuns: 1500 },
    );
  });

  it("the job id does not depend on key insertion order", () => {
    fc.assert(
      fc.property(statePoint, fc.integer(), (sp, seed) => {
        const keys = Object.keys(sp);
        const shuffled = keys.map((k, i) => [k, (i * 7919 + seed) % 1000003] as const).sort((a, b) => a[1] - b[1]);
        const other = objectOf(shuffled.map(([k]) => [k, sp[k]] as const));
        expect(canonicalJson(other)).toBe(canonicalJson(sp));
        expect(jobId(other)).toBe(jobId(sp));
      }),
    );
  });
});

describe("pythonFloatRepr", () => {
  it("matches CPython's repr for a table of doubles", () => {
    const table = pyFloatReprs();
    expect(table.length).toBeGreaterThanOrEqual(200);
    for (const [hex, repr] of table) {
      const x = doubleFromHex(hex);
      expect({ hex, repr: pythonFloatRepr(x) }).toEqual({ hex, repr });
      // and the writer uses it for every float, whichever way the value is held
      expect(canonicalJson([float(x)])).toBe(`[${repr}]`);
      expect(typed(parseJson(repr))).toBe(typed(normalize(new Float(x))));
    }
  });

  it("prints the boundaries as Python does", () => {
    const cases: [number, string][] = [
      [1e16, "1e+16"],
      [9999999999999998, "9999999999999998.0"],
      [1e-4, "0.0001"],
      [1e-5, "1e-05"],
      [0.1, "0.1"],
      [1 / 3, "0.3333333333333333"],
      [5e-324, "5e-324"],
      [1.7976931348623157e308, "1.7976931348623157e+308"],
      [-0, "-0.0"],
      [0, "0.0"],
      [123456789012345680, "1.2345678901234568e+17"],
      [1e22, "1e+22"],
      [1.5e300, "1.5e+300"],
      [1, "1.0"],
      [-2.5, "-2.5"],
      [1e15, "1000000000000000.0"],
      [0.00012, "0.00012"],
      [1e-310, "1e-310"],
    ];
    for (const [x, repr] of cases) expect(pythonFloatRepr(x)).toBe(repr);
    expect(String(new Float(1))).toBe("1.0");
    expect(`${new Float(1e16)}`).toBe("1e+16");
    expect(JSON.stringify({ a: new Float(2) })).toBe('{"a":2}');
  });

  it("reads back to exactly the same double, sign of zero included", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const repr = pythonFloatRepr(x);
        expect(Object.is(Number(repr), x)).toBe(true);
        expect(repr).toMatch(/^-?(?:[0-9]+\.[0-9]+|[1-9](?:\.[0-9]*[1-9])?e[+-][0-9]{2,3})$/);
        const scientific = repr.includes("e");
        expect(scientific).toBe(x !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e16));
      }),
      { numRuns: 5000 },
    );
  });

  it("uses the same shortest digits as Number.prototype.toString", () => {
    const digits = (s: string): string =>
      s
        .replace(/^-/, "")
        .replace(/e.*$/, "")
        .replace(".", "")
        .replace(/^0+/, "")
        .replace(/0+$/, "");
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(digits(pythonFloatRepr(x))).toBe(digits(String(x)));
      }),
      { numRuns: 5000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Tables generated once with CPython 3.11.7
// ---------------------------------------------------------------------------------------------

/** [JSON text, json.dumps(json.loads(text), sort_keys=True), json.dumps(json.loads(text)), md5]. */
function pyCases(): ReadonlyArray<{ name: string; text: string; canonical: string; dumped: string; id: string }> {
  return [
    {
      name: "float 1e16",
      text: "{\"x\": 1e16}",
      canonical: "{\"x\": 1e+16}",
      dumped: "{\"x\": 1e+16}",
      id: "f70c4762244156f7e53b0059de5a417d",
    },
    {
      name: "float just below 1e16",
      text: "{\"x\": 9999999999999998.0}",
      canonical: "{\"x\": 9999999999999998.0}",
      dumped: "{\"x\": 9999999999999998.0}",
      id: "36d7a9834aebe1c38875cea6932b40c0",
    },
    {
      name: "float 1e15",
      text: "{\"x\": 1e15}",
      canonical: "{\"x\": 1000000000000000.0}",
      dumped: "{\"x\": 1000000000000000.0}",
      id: "353d2d18e552eb0fb01efad8f6136fa7",
    },
    {
      name: "float 1e-4",
      text: "{\"x\": 1e-4}",
      canonical: "{\"x\": 0.0001}",
      dumped: "{\"x\": 0.0001}",
      id: "66b394b623885aec4f9dace15ee15dd6",
    },
    {
      name: "float 1e-5",
      text: "{\"x\": 1e-5}",
      canonical: "{\"x\": 1e-05}",
      dumped: "{\"x\": 1e-05}",
      id: "ae4087c289c8a5cfbd15c6ea0716123d",
    },
    {
      name: "float 0.1",
      text: "{\"x\": 0.1}",
      canonical: "{\"x\": 0.1}",
      dumped: "{\"x\": 0.1}",
      id: "e3574405ab56efa1f90c6e509e5a5d49",
    },
    {
      name: "float 1/3",
      text: "{\"x\": 0.3333333333333333}",
      canonical: "{\"x\": 0.3333333333333333}",
      dumped: "{\"x\": 0.3333333333333333}",
      id: "0f37bdc0c157d55f7efb05c7363a5807",
    },
    {
      name: "float 1/3 overlong",
      text: "{\"x\": 0.33333333333333331482961625624739}",
      canonical: "{\"x\": 0.3333333333333333}",
      dumped: "{\"x\": 0.3333333333333333}",
      id: "0f37bdc0c157d55f7efb05c7363a5807",
    },
    {
      name: "float min subnormal",
      text: "{\"x\": 5e-324}",
      canonical: "{\"x\": 5e-324}",
      dumped: "{\"x\": 5e-324}",
      id: "2092301ddfb03fa5f9423c4d725445bc",
    },
    {
      name: "float max",
      text: "{\"x\": 1.7976931348623157e308}",
      canonical: "{\"x\": 1.7976931348623157e+308}",
      dumped: "{\"x\": 1.7976931348623157e+308}",
      id: "701c37d6951677da5ebf21810f56d47e",
    },
    {
      name: "float -0.0",
      text: "{\"x\": -0.0}",
      canonical: "{\"x\": -0.0}",
      dumped: "{\"x\": -0.0}",
      id: "c3650c8c7e22f8d2064568a74349c444",
    },
    {
      name: "float 123456789012345680.0",
      text: "{\"x\": 123456789012345680.0}",
      canonical: "{\"x\": 1.2345678901234568e+17}",
      dumped: "{\"x\": 1.2345678901234568e+17}",
      id: "de2920a5e22fb48cd2d508d09d9dc2c5",
    },
    {
      name: "float 1e22",
      text: "{\"x\": 1e22}",
      canonical: "{\"x\": 1e+22}",
      dumped: "{\"x\": 1e+22}",
      id: "9bcafde1a2456fb853e96719b770f0ce",
    },
    {
      name: "float 1.5e300",
      text: "{\"x\": 1.5e300}",
      canonical: "{\"x\": 1.5e+300}",
      dumped: "{\"x\": 1.5e+300}",
      id: "d55eec34f7052914a8723dc19c71ef5f",
    },
    {
      name: "float written 1E+2",
      text: "{\"x\": 1E+2}",
      canonical: "{\"x\": 100.0}",
      dumped: "{\"x\": 100.0}",
      id: "f1c4667d2666ee0389ba8ce8a858fb27",
    },
    {
      name: "float written 1.0e0",
      text: "{\"x\": 1.0e0}",
      canonical: "{\"x\": 1.0}",
      dumped: "{\"x\": 1.0}",
      id: "24cbff03c16147a44d4a86c0bc0655c4",
    },
    {
      name: "float written 0.5e1",
      text: "{\"x\": 0.5e1}",
      canonical: "{\"x\": 5.0}",
      dumped: "{\"x\": 5.0}",
      id: "cbe6407604d261925d3bd92579ed8fcf",
    },
    {
      name: "float 2.5E-3",
      text: "{\"x\": 2.5E-3}",
      canonical: "{\"x\": 0.0025}",
      dumped: "{\"x\": 0.0025}",
      id: "e87f7d17aa8e1f6c66bb68b353c4a438",
    },
    {
      name: "float underflow to -0.0",
      text: "{\"x\": -1e-400}",
      canonical: "{\"x\": -0.0}",
      dumped: "{\"x\": -0.0}",
      id: "c3650c8c7e22f8d2064568a74349c444",
    },
    {
      name: "float 1.0 vs int 1",
      text: "{\"f\": 1.0, \"i\": 1}",
      canonical: "{\"f\": 1.0, \"i\": 1}",
      dumped: "{\"f\": 1.0, \"i\": 1}",
      id: "a4a73ec83fd8fd94743993111d41fe3c",
    },
    {
      name: "float 2^53+1 written as float",
      text: "{\"x\": 9007199254740993.0}",
      canonical: "{\"x\": 9007199254740992.0}",
      dumped: "{\"x\": 9007199254740992.0}",
      id: "bc37af60be2aa830c10c13d684f3ece7",
    },
    {
      name: "float -1.5",
      text: "{\"x\": -1.5}",
      canonical: "{\"x\": -1.5}",
      dumped: "{\"x\": -1.5}",
      id: "aab5034df7660dc9d6723b1423e1b75d",
    },
    {
      name: "float 100.0",
      text: "{\"x\": 100.0}",
      canonical: "{\"x\": 100.0}",
      dumped: "{\"x\": 100.0}",
      id: "f1c4667d2666ee0389ba8ce8a858fb27",
    },
    {
      name: "float 0.0",
      text: "{\"x\": 0.0}",
      canonical: "{\"x\": 0.0}",
      dumped: "{\"x\": 0.0}",
      id: "64053da26e859d5ec96ba94749e3bd99",
    },
    {
      name: "float 1e-7",
      text: "{\"x\": 1e-7}",
      canonical: "{\"x\": 1e-07}",
      dumped: "{\"x\": 1e-07}",
      id: "00395f041565a11a6d2036dc80caf930",
    },
    {
      name: "float 0.000123",
      text: "{\"x\": 0.000123}",
      canonical: "{\"x\": 0.000123}",
      dumped: "{\"x\": 0.000123}",
      id: "aa858d7c2e24fd02937490aa81bdc02d",
    },
    {
      name: "int 2^70",
      text: "{\"x\": 1180591620717411303424}",
      canonical: "{\"x\": 1180591620717411303424}",
      dumped: "{\"x\": 1180591620717411303424}",
      id: "0c626bc4ba15830d0a0a983d3d3cd54b",
    },
    {
      name: "int -2^64",
      text: "{\"x\": -18446744073709551616}",
      canonical: "{\"x\": -18446744073709551616}",
      dumped: "{\"x\": -18446744073709551616}",
      id: "d4bbd6dbf798d6d9f0dfab753f2cb0b3",
    },
    {
      name: "int 2^53+1",
      text: "{\"x\": 9007199254740993}",
      canonical: "{\"x\": 9007199254740993}",
      dumped: "{\"x\": 9007199254740993}",
      id: "3e86c8fc13fa2d55195214ed0dadd28b",
    },
    {
      name: "int 2^53",
      text: "{\"x\": 9007199254740992}",
      canonical: "{\"x\": 9007199254740992}",
      dumped: "{\"x\": 9007199254740992}",
      id: "c5e5b52abf6fe35b65aa102804b11350",
    },
    {
      name: "int 2^53-1",
      text: "{\"x\": 9007199254740991}",
      canonical: "{\"x\": 9007199254740991}",
      dumped: "{\"x\": 9007199254740991}",
      id: "f51bc0bf711c5dd0fd7677f690be6032",
    },
    {
      name: "int -(2^53-1)",
      text: "{\"x\": -9007199254740991}",
      canonical: "{\"x\": -9007199254740991}",
      dumped: "{\"x\": -9007199254740991}",
      id: "a4ea60598c6b7f92f20bb4992575367c",
    },
    {
      name: "int 15 digits",
      text: "{\"x\": 999999999999999}",
      canonical: "{\"x\": 999999999999999}",
      dumped: "{\"x\": 999999999999999}",
      id: "dbef6f320c0fb973452933389b5a0b2e",
    },
    {
      name: "int 16 digits safe",
      text: "{\"x\": 1000000000000000}",
      canonical: "{\"x\": 1000000000000000}",
      dumped: "{\"x\": 1000000000000000}",
      id: "422a9f0c03337213ad7807da8800c338",
    },
    {
      name: "int 10^30",
      text: "{\"x\": 1000000000000000000000000000000}",
      canonical: "{\"x\": 1000000000000000000000000000000}",
      dumped: "{\"x\": 1000000000000000000000000000000}",
      id: "7cb9aa3960363eaf928ae43407905396",
    },
    {
      name: "int -0",
      text: "{\"x\": -0}",
      canonical: "{\"x\": 0}",
      dumped: "{\"x\": 0}",
      id: "eff8ca15e7ca8ae5c09f011f997b34df",
    },
    {
      name: "int 0",
      text: "{\"x\": 0}",
      canonical: "{\"x\": 0}",
      dumped: "{\"x\": 0}",
      id: "eff8ca15e7ca8ae5c09f011f997b34df",
    },
    {
      name: "ints in a list",
      text: "{\"x\": [-0, 0, 1, -1, 12345678901234567890]}",
      canonical: "{\"x\": [0, 0, 1, -1, 12345678901234567890]}",
      dumped: "{\"x\": [0, 0, 1, -1, 12345678901234567890]}",
      id: "2c3d28d89e3a6926afaac04d28c40a6c",
    },
    {
      name: "DEL",
      text: "{\"x\": \"\\u007f\"}",
      canonical: "{\"x\": \"\\u007f\"}",
      dumped: "{\"x\": \"\\u007f\"}",
      id: "96263f14091fd2776253f580141b83a2",
    },
    {
      name: "raw DEL",
      text: "{\"x\": \"\u007f\"}",
      canonical: "{\"x\": \"\\u007f\"}",
      dumped: "{\"x\": \"\\u007f\"}",
      id: "96263f14091fd2776253f580141b83a2",
    },
    {
      name: "control chars",
      text: "{\"x\": \"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\u0008\\u0009\\u000a\\u000b\\u000c\\u000d\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"}",
      canonical: "{\"x\": \"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"}",
      dumped: "{\"x\": \"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"}",
      id: "e2de62485cb706875e30fce928bd79a7",
    },
    {
      name: "backspace and formfeed",
      text: "{\"x\": \"\\b\\f\"}",
      canonical: "{\"x\": \"\\b\\f\"}",
      dumped: "{\"x\": \"\\b\\f\"}",
      id: "b8d4bda07c7db5bd52db76338c8c559e",
    },
    {
      name: "solidus not escaped",
      text: "{\"x\": \"a/b\\/c\"}",
      canonical: "{\"x\": \"a/b/c\"}",
      dumped: "{\"x\": \"a/b/c\"}",
      id: "fbcd66f034e3c35b7cc03f72e36d6c24",
    },
    {
      name: "quote and backslash",
      text: "{\"x\": \"\\\"\\\\\"}",
      canonical: "{\"x\": \"\\\"\\\\\"}",
      dumped: "{\"x\": \"\\\"\\\\\"}",
      id: "680272ea045d0fb91b11cc43257b6310",
    },
    {
      name: "printable ascii",
      text: "{\"x\": \" !\\\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\"}",
      canonical: "{\"x\": \" !\\\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\"}",
      dumped: "{\"x\": \" !\\\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\"}",
      id: "a76ee56f9b17a0d9f9605c56a2234259",
    },
    {
      name: "emoji raw",
      text: "{\"x\": \"\ud83d\ude00\"}",
      canonical: "{\"x\": \"\\ud83d\\ude00\"}",
      dumped: "{\"x\": \"\\ud83d\\ude00\"}",
      id: "014d53f85c69eb842036a1c31d91981b",
    },
    {
      name: "emoji escaped",
      text: "{\"x\": \"\\ud83d\\ude00\"}",
      canonical: "{\"x\": \"\\ud83d\\ude00\"}",
      dumped: "{\"x\": \"\\ud83d\\ude00\"}",
      id: "014d53f85c69eb842036a1c31d91981b",
    },
    {
      name: "lone high surrogate",
      text: "{\"x\": \"\\ud800\"}",
      canonical: "{\"x\": \"\\ud800\"}",
      dumped: "{\"x\": \"\\ud800\"}",
      id: "9356a32b9948e0c4065cc281b9959b45",
    },
    {
      name: "lone low surrogate",
      text: "{\"x\": \"\\udfff\"}",
      canonical: "{\"x\": \"\\udfff\"}",
      dumped: "{\"x\": \"\\udfff\"}",
      id: "ad0717748316e9c612eba21e25640fc4",
    },
    {
      name: "reversed surrogates",
      text: "{\"x\": \"\\ude00\\ud83d\"}",
      canonical: "{\"x\": \"\\ude00\\ud83d\"}",
      dumped: "{\"x\": \"\\ude00\\ud83d\"}",
      id: "c444b7a1e83be79bed9bf9674299ca52",
    },
    {
      name: "latin and cjk",
      text: "{\"x\": \"\u00e9\u65e5\u672c\"}",
      canonical: "{\"x\": \"\\u00e9\\u65e5\\u672c\"}",
      dumped: "{\"x\": \"\\u00e9\\u65e5\\u672c\"}",
      id: "237da1d1c591115c03e2682a94493154",
    },
    {
      name: "line separators",
      text: "{\"x\": \"\u2028\u2029\u0085\u00a0\"}",
      canonical: "{\"x\": \"\\u2028\\u2029\\u0085\\u00a0\"}",
      dumped: "{\"x\": \"\\u2028\\u2029\\u0085\\u00a0\"}",
      id: "656a8c430ff729456df79f4874bf3c30",
    },
    {
      name: "U+FFFF and U+E000",
      text: "{\"x\": \"\uffff\ue000\"}",
      canonical: "{\"x\": \"\\uffff\\ue000\"}",
      dumped: "{\"x\": \"\\uffff\\ue000\"}",
      id: "cb425f0c2536ad9419b88d352d8b88bc",
    },
    {
      name: "uppercase hex escape",
      text: "{\"x\": \"\\u00E9\\u00c9\"}",
      canonical: "{\"x\": \"\\u00e9\\u00c9\"}",
      dumped: "{\"x\": \"\\u00e9\\u00c9\"}",
      id: "7ed4ff7926264c92c41dcc124782b7ce",
    },
    {
      name: "keys: U+FFFF vs emoji",
      text: "{\"\ud83d\ude00\": 1, \"\uffff\": 2}",
      canonical: "{\"\\uffff\": 2, \"\\ud83d\\ude00\": 1}",
      dumped: "{\"\\ud83d\\ude00\": 1, \"\\uffff\": 2}",
      id: "208015b55aa8bb0577d7e85c45621641",
    },
    {
      name: "keys: U+E000 vs emoji",
      text: "{\"\\ud83d\\ude00\": 1, \"\\ue000\": 2}",
      canonical: "{\"\\ue000\": 2, \"\\ud83d\\ude00\": 1}",
      dumped: "{\"\\ud83d\\ude00\": 1, \"\\ue000\": 2}",
      id: "a6123ec95a1f6efecb534c15227b8008",
    },
    {
      name: "keys: U+FFFF vs U+10000",
      text: "{\"\\ud800\\udc00\": 1, \"\\uffff\": 2}",
      canonical: "{\"\\uffff\": 2, \"\\ud800\\udc00\": 1}",
      dumped: "{\"\\ud800\\udc00\": 1, \"\\uffff\": 2}",
      id: "5530779d77445a11745227db1a7fe922",
    },
    {
      name: "keys: lone low surrogate vs U+E000",
      text: "{\"\\ue000\": 1, \"\\udc00\": 2}",
      canonical: "{\"\\udc00\": 2, \"\\ue000\": 1}",
      dumped: "{\"\\ue000\": 1, \"\\udc00\": 2}",
      id: "6a5ecdcafc583eb80105f5c2a345a075",
    },
    {
      name: "keys: lone high surrogate vs U+FFFF",
      text: "{\"\\uffff\": 1, \"\\ud800\": 2}",
      canonical: "{\"\\ud800\": 2, \"\\uffff\": 1}",
      dumped: "{\"\\uffff\": 1, \"\\ud800\": 2}",
      id: "07fb6c032cabbd8ea9ab3d47d5f0037b",
    },
    {
      name: "keys: lone low surrogate vs emoji",
      text: "{\"\\ud83d\\ude00\": 1, \"\\udc00\": 2}",
      canonical: "{\"\\udc00\": 2, \"\\ud83d\\ude00\": 1}",
      dumped: "{\"\\ud83d\\ude00\": 1, \"\\udc00\": 2}",
      id: "1d6a65d325402115fa758bfac0c27573",
    },
    {
      name: "keys: lone high vs pair with same high",
      text: "{\"\\ud83d\\ude00\": 1, \"\\ud83d\": 2, \"\\ud83dA\": 3}",
      canonical: "{\"\\ud83d\": 2, \"\\ud83dA\": 3, \"\\ud83d\\ude00\": 1}",
      dumped: "{\"\\ud83d\\ude00\": 1, \"\\ud83d\": 2, \"\\ud83dA\": 3}",
      id: "c61c97ff25ed39ba3b90e12888a62e5c",
    },
    {
      name: "keys: pairs differing in low unit",
      text: "{\"\\ud83d\\ude01\": 1, \"\\ud83d\\ude00\": 2}",
      canonical: "{\"\\ud83d\\ude00\": 2, \"\\ud83d\\ude01\": 1}",
      dumped: "{\"\\ud83d\\ude01\": 1, \"\\ud83d\\ude00\": 2}",
      id: "3f41d1a8489f85251ad467217e8ca26d",
    },
    {
      name: "keys: prefix with pair",
      text: "{\"x\\ud83d\\ude00\": 1, \"x\": 2, \"x\\ud83d\": 3}",
      canonical: "{\"x\": 2, \"x\\ud83d\": 3, \"x\\ud83d\\ude00\": 1}",
      dumped: "{\"x\\ud83d\\ude00\": 1, \"x\": 2, \"x\\ud83d\": 3}",
      id: "221aec4e41c3fd5aaea1d1a291204672",
    },
    {
      name: "keys: ascii case and punctuation",
      text: "{\"b\": 1, \"B\": 2, \"_\": 3, \"a\": 4, \"A\": 5, \" \": 6, \"\": 7, \"~\": 8}",
      canonical: "{\"\": 7, \" \": 6, \"A\": 5, \"B\": 2, \"_\": 3, \"a\": 4, \"b\": 1, \"~\": 8}",
      dumped: "{\"b\": 1, \"B\": 2, \"_\": 3, \"a\": 4, \"A\": 5, \" \": 6, \"\": 7, \"~\": 8}",
      id: "a7bcd0662b24fe1978cc43e92cd81642",
    },
    {
      name: "keys: numeric strings",
      text: "{\"9\": 1, \"10\": 2, \"1\": 3, \"01\": 4, \"-1\": 5, \"1.5\": 6}",
      canonical: "{\"-1\": 5, \"01\": 4, \"1\": 3, \"1.5\": 6, \"10\": 2, \"9\": 1}",
      dumped: "{\"9\": 1, \"10\": 2, \"1\": 3, \"01\": 4, \"-1\": 5, \"1.5\": 6}",
      id: "ea2f9191f6703aa56c73bcc469a1df6c",
    },
    {
      name: "keys: latin-1 vs ascii",
      text: "{\"\u00e9\": 1, \"z\": 2, \"e\": 3, \"\u00c9\": 4}",
      canonical: "{\"e\": 3, \"z\": 2, \"\\u00c9\": 4, \"\\u00e9\": 1}",
      dumped: "{\"\\u00e9\": 1, \"z\": 2, \"e\": 3, \"\\u00c9\": 4}",
      id: "400eff798bd2a8c61da8c03710163d9f",
    },
    {
      name: "keys: cjk",
      text: "{\"\u65e5\u672c\": 1, \"\u65e5\": 2, \"\u4e2d\": 3}",
      canonical: "{\"\\u4e2d\": 3, \"\\u65e5\": 2, \"\\u65e5\\u672c\": 1}",
      dumped: "{\"\\u65e5\\u672c\": 1, \"\\u65e5\": 2, \"\\u4e2d\": 3}",
      id: "e379d4fa20dab5015953dc9b3deaa40f",
    },
    {
      name: "keys: control chars and DEL",
      text: "{\"\\u007f\": 1, \"\\n\": 2, \"\\t\": 3, \"tab\\tc\": 4}",
      canonical: "{\"\\t\": 3, \"\\n\": 2, \"tab\\tc\": 4, \"\\u007f\": 1}",
      dumped: "{\"\\u007f\": 1, \"\\n\": 2, \"\\t\": 3, \"tab\\tc\": 4}",
      id: "9a5f1ceff0e54d0a92a067becef7af4f",
    },
    {
      name: "keys: __proto__ and constructor",
      text: "{\"__proto__\": {\"polluted\": true}, \"constructor\": 1, \"toString\": 2}",
      canonical: "{\"__proto__\": {\"polluted\": true}, \"constructor\": 1, \"toString\": 2}",
      dumped: "{\"__proto__\": {\"polluted\": true}, \"constructor\": 1, \"toString\": 2}",
      id: "335543c9bce7107c272111683fc25ebe",
    },
    {
      name: "empty object",
      text: "{}",
      canonical: "{}",
      dumped: "{}",
      id: "99914b932bd37a50b983c5e7c90ae93b",
    },
    {
      name: "empty containers",
      text: "{\"a\": {}, \"b\": [], \"c\": [[]], \"d\": [{}], \"e\": {\"f\": {}}}",
      canonical: "{\"a\": {}, \"b\": [], \"c\": [[]], \"d\": [{}], \"e\": {\"f\": {}}}",
      dumped: "{\"a\": {}, \"b\": [], \"c\": [[]], \"d\": [{}], \"e\": {\"f\": {}}}",
      id: "6cc34a82e0ab1f3ab08471696869bb29",
    },
    {
      name: "nested sort",
      text: "{\"z\": {\"b\": [1, {\"d\": 1.0, \"c\": 2}], \"a\": null}, \"a\": [true, false, null]}",
      canonical: "{\"a\": [true, false, null], \"z\": {\"a\": null, \"b\": [1, {\"c\": 2, \"d\": 1.0}]}}",
      dumped: "{\"z\": {\"b\": [1, {\"d\": 1.0, \"c\": 2}], \"a\": null}, \"a\": [true, false, null]}",
      id: "57fb67a3e7d963bf0727dfb47a9b946d",
    },
    {
      name: "deep nesting",
      text: "{\"a\": [[[[{\"b\": [[{\"c\": {}}]]}]]]]}",
      canonical: "{\"a\": [[[[{\"b\": [[{\"c\": {}}]]}]]]]}",
      dumped: "{\"a\": [[[[{\"b\": [[{\"c\": {}}]]}]]]]}",
      id: "155311b467593dc54f9234debf66bac9",
    },
    {
      name: "list of mixed",
      text: "{\"x\": [1, 1.0, \"1\", true, null, [], {}, -0.0, 1e100, 100000000000000000000]}",
      canonical: "{\"x\": [1, 1.0, \"1\", true, null, [], {}, -0.0, 1e+100, 100000000000000000000]}",
      dumped: "{\"x\": [1, 1.0, \"1\", true, null, [], {}, -0.0, 1e+100, 100000000000000000000]}",
      id: "a3a70cc4f47fec937efa7c45b2cdb55d",
    },
    {
      name: "duplicate keys",
      text: "{\"b\": 1, \"a\": 2, \"b\": 3}",
      canonical: "{\"a\": 2, \"b\": 3}",
      dumped: "{\"b\": 3, \"a\": 2}",
      id: "04469c9dafe51eecc11349e6fdcf8b80",
    },
    {
      name: "duplicate keys nested",
      text: "{\"o\": {\"y\": 1, \"x\": 1, \"y\": {\"k\": 1}}, \"o2\": [{\"q\": 1, \"q\": 2.0}]}",
      canonical: "{\"o\": {\"x\": 1, \"y\": {\"k\": 1}}, \"o2\": [{\"q\": 2.0}]}",
      dumped: "{\"o\": {\"y\": {\"k\": 1}, \"x\": 1}, \"o2\": [{\"q\": 2.0}]}",
      id: "2b7b9e585ec90d4d7c8b5183dd29e1b0",
    },
    {
      name: "duplicate key three times",
      text: "{\"k\": 1, \"m\": 0, \"k\": \"two\", \"k\": [3]}",
      canonical: "{\"k\": [3], \"m\": 0}",
      dumped: "{\"k\": [3], \"m\": 0}",
      id: "fd59cdc40319c1de3534c01e83317f63",
    },
    {
      name: "whitespace everywhere",
      text: " \t\n\r{ \"b\" :\n[ 1 , 2 ] ,\r\n\"a\":\t{ } }\n ",
      canonical: "{\"a\": {}, \"b\": [1, 2]}",
      dumped: "{\"b\": [1, 2], \"a\": {}}",
      id: "d432efc743a071b31e1f3c258add5e6c",
    },
  ];
}

/** [IEEE 754 bits as big-endian hex, repr(x)]. */
function pyFloatReprs(): ReadonlyArray<readonly [string, string]> {
  return [
    ["d1a6e55e9b9b1325", "-2.2239649050108196e+85"],
    ["566bf9d7c55a45f8", "2.0532095845172635e+108"],
    ["cf0c26ef4243ed52", "-6.217554322597633e+72"],
    ["5d96cf7f265beda9", "6.953979603744903e+142"],
    ["c1d77cffb7decc0c", "-1576271583.481204"],
    ["5e6a0a2edd70e34d", "6.503171038669016e+146"],
    ["0463513755ac0ecd", "1.5857673189191353e-287"],
    ["b37523a53b4a3ee2", "-8.221863336486e-61"],
    ["4de45321ad915a36", "1.7123553371149197e+67"],
    ["9823beb1e6ba3ad7", "-2.1638530463091063e-192"],
    ["dd4eabbd1fcfb980", "-2.9219572677923937e+141"],
    ["683447c10cc8af11", "9.252761636154696e+193"],
    ["bfb637dd5bae2d26", "-0.08678992737093391"],
    ["aed09b824ca87fc2", "-3.419513645011445e-83"],
    ["158d003d9a0b2361", "7.226450560613817e-205"],
    ["1ff135342e825ce1", "8.021365036472743e-155"],
    ["33f5f28807f0cbd4", "2.1852629101185172e-58"],
    ["00d9f4ad53a2f2b6", "1.4784897218736648e-304"],
    ["4cc346363c234038", "6.194509959718476e+61"],
    ["d330a5494d14cf1a", "-5.425245977872505e+92"],
    ["668dc8f46a423cf9", "1.0124757898277046e+186"],
    ["d178403035c9a8c4", "-2.944446857366267e+84"],
    ["765890e0f94855d0", "1.2086749044087354e+262"],
    ["af5d8bb09f2e9ea4", "-1.5573811799210805e-80"],
    ["a9dfdec6baecde5b", "-5.42808465396562e-107"],
    ["699f071a5fd8e665", "5.937551093150185e+200"],
    ["f82d5644ef7d9967", "-7.749285522714588e+270"],
    ["fdfb462fd6fad8db", "-7.134888966143026e+298"],
    ["db18bd763f20134c", "-6.859608543352666e+130"],
    ["0e46c215b5fa5b0c", "6.826063143799301e-240"],
    ["bf416c30f1f0742a", "-0.0005316962232232482"],
    ["422acab59248b974", "57535023396.36221"],
    ["476354b65ed08d6b", "8.02974492705291e+35"],
    ["3a7cfb366088155f", "5.852726618138463e-27"],
    ["37c990fad57dcafd", "5.869740909421409e-40"],
    ["26ad41ef88c279d9", "2.2129413115836295e-122"],
    ["6dbb8cb8ef65ed78", "3.8900364282728575e+220"],
    ["0e0bc896afbec9a6", "5.2083625442892846e-241"],
    ["dd63d2a5d1764460", "-7.553946583906249e+141"],
    ["da0aea0eaa72870b", "-5.693391869688787e+125"],
    ["07bda21c604af42a", "2.1911047409340847e-271"],
    ["d17737815438a5b5", "-2.818911778819916e+84"],
    ["eee45145f585675f", "-1.5040991579148302e+226"],
    ["84d0c3f0b2e73ae0", "-1.761642662237934e-285"],
    ["5c80f9be67fd4c1e", "3.948318576242007e+137"],
    ["aa5bf36518677db7", "-1.2186953655621338e-104"],
    ["ea394aba6a42ed19", "-4.956084037695639e+203"],
    ["70faf36fb78eda4f", "1.7138399726928506e+236"],
    ["ca1ab21554c6c4b3", "-9.753929657132168e+48"],
    ["0f4bf777e1030fe1", "5.49736026339521e-235"],
    ["908a3e291dd257d5", "-5.409083994422672e-229"],
    ["2e0126319a72180d", "4.310374302572617e-87"],
    ["fed5ce26af1ac6da", "-9.345817125499125e+302"],
    ["cc31d7b90ff191f0", "-1.1200023960706483e+59"],
    ["f768f221a91b4e9d", "-1.608733339066941e+267"],
    ["4a66b263ab8474cc", "2.6537167274827663e+50"],
    ["c689c846b6b81ec6", "-6.53659696798518e+31"],
    ["535f2002b9f7f89e", "4.0577810885461344e+93"],
    ["355cca5db3c7b88e", "1.2023470587576948e-51"],
    ["857ce06bf9a21be1", "-3.107068645161848e-282"],
    ["02c89680e98c5884", "3.0077087603228884e-295"],
    ["d6442260559d7e79", "-3.6942359140577326e+107"],
    ["0473b8248ac03649", "3.2375449474128926e-287"],
    ["3cc89b41f339a684", "6.8296687940174e-16"],
    ["d68c20053f91ed95", "-8.256618527360458e+108"],
    ["5f4e45815c00d3d2", "1.2386307567357675e+151"],
    ["86f4f14cc599fac7", "-3.7805423472813974e-275"],
    ["d2e06b36b9ea43d4", "-1.6722847020612747e+91"],
    ["b2a57e606d09cf94", "-1.0204724682369557e-64"],
    ["8d1eac030bab1534", "-1.7547066843945634e-245"],
    ["25609be3c444a62e", "1.1980470828406925e-128"],
    ["ed20eb98ea70df2d", "-4.666325117398886e+217"],
    ["133945bae4114d10", "4.581939138498141e-216"],
    ["40ba6f09be38fcbb", "6767.038058816625"],
    ["d31f0231deef4351", "-2.52662318921421e+92"],
    ["c8fd442ec56309d2", "-4.0791322597611117e+43"],
    ["0286ecec43432c6b", "1.7527207115595254e-296"],
    ["bbb458d39fd583eb", "-4.308640425335931e-21"],
    ["43e94334742de49b", "1.4562850783828957e+19"],
    ["f6bd8eca9f374cd6", "-9.307392322080416e+263"],
    ["410cf7e8904a37e0", "237309.0704540601"],
    ["c1293adf85ba77a6", "-826735.7611882582"],
    ["4125e630dd5a8efc", "717592.4323315318"],
    ["c116a90dabdfaa18", "-371267.4178453996"],
    ["c0fdd548c55227b8", "-122196.54817405238"],
    ["c10e4b32936d6f48", "-248166.32198607386"],
    ["c129c1879958722c", "-843971.7995029143"],
    ["c120f9afe4fd5182", "-556247.9472451659"],
    ["c0caf707de1545c0", "-13806.061464938219"],
    ["412d718da36ae172", "964806.8191748096"],
    ["41176577c31e3d10", "383325.9405450383"],
    ["c1232fdb95a448a8", "-628717.792269011"],
    ["c11a3d3b6dc74564", "-429902.85720547126"],
    ["c12afd8ad2f48734", "-884421.4120218516"],
    ["41276526f7d537de", "766611.484048601"],
    ["40fae2f3959a94c0", "110127.2240243731"],
    ["412c478f82e7f768", "926663.7556760134"],
    ["c12b61e07e3d119c", "-897264.2465596679"],
    ["c0faaed1f0102458", "-109293.12110914418"],
    ["411f6c9ad86dec50", "514854.71135682333"],
    ["4121df8a82335200", "585669.2542977929"],
    ["4115354a75f3d690", "347474.61518798117"],
    ["4122f14d04255cf0", "620710.5080975574"],
    ["c10e758315e50b28", "-249520.3856907722"],
    ["4127cc0c2f823a0e", "779782.0927904265"],
    ["c1288c0091915436", "-804352.2843118969"],
    ["4117e2391d94e254", "391310.27888826025"],
    ["c12e5aec7a2bb95a", "-994678.2386148379"],
    ["41199173d38097e4", "418908.9565452321"],
    ["c1245105b89daee5", "-665730.8605780272"],
    ["c1159fca875df366", "-354290.63219433127"],
    ["412978b052271392", "834648.1604543796"],
    ["c106a92d7d1c7848", "-185637.68608945818"],
    ["4128fc387a6c12a8", "818716.2391057806"],
    ["4107b59758f7bcb8", "194226.91844127118"],
    ["c129f5c563b03ddc", "-850658.694703992"],
    ["4107526f929d93e8", "191053.94658961822"],
    ["c1022f239f7395d0", "-148964.45285718003"],
    ["4128d65cd6a17304", "813870.4192005103"],
    ["c129aba2199aa0d2", "-841169.0500078446"],
    ["40f84ccfa3ee77bf", "99532.97752234245"],
    ["41c1129d755b7493", "572865258.7144951"],
    ["40198ab865997034", "6.38546904324544"],
    ["3f9e98ac3d400964", "0.029879275549327913"],
    ["41b8bdc620884bde", "415090208.53240764"],
    ["3e85cdf33e494ff0", "1.6245613134130465e-07"],
    ["43de9387ab0472c7", "8.813015245192371e+18"],
    ["3f9f1954a02ef3cd", "0.030370065953082382"],
    ["40d0ea2b7383772c", "17320.67892538679"],
    ["428be041735015bb", "3831248087554.7163"],
    ["40d2d76029cac8c3", "19293.502550788933"],
    ["43a601b1062bead0", "7.928715919379272e+17"],
    ["3e33db596645553b", "4.62327917992211e-09"],
    ["3ec4aa3e576841a4", "2.4634616082668373e-06"],
    ["408a3c4daffa2cf3", "839.5379333062141"],
    ["3f149f1ad60ba289", "7.866479200980594e-05"],
    ["4073bf63b4af90ea", "315.96184223728653"],
    ["3fb7dacc357ff705", "0.09318233781956671"],
    ["40e9baf3b5ae738b", "52695.61592791144"],
    ["4228859710692741", "52660242484.57667"],
    ["3e7ad7f29abcaf48", "1e-07"],
    ["3e7ad7f29abcaf47", "9.999999999999998e-08"],
    ["3eb0c6f7a0b5ed8d", "1e-06"],
    ["3eb0c6f7a0b5ed8c", "9.999999999999997e-07"],
    ["3ee4f8b588e368f1", "1e-05"],
    ["3ee4f8b588e368f0", "9.999999999999999e-06"],
    ["3f1a36e2eb1c432d", "0.0001"],
    ["3f1a36e2eb1c432c", "9.999999999999999e-05"],
    ["3f50624dd2f1a9fc", "0.001"],
    ["3f50624dd2f1a9fb", "0.0009999999999999998"],
    ["3f847ae147ae147b", "0.01"],
    ["3f847ae147ae147a", "0.009999999999999998"],
    ["3fb999999999999a", "0.1"],
    ["3fb9999999999999", "0.09999999999999999"],
    ["3ff0000000000000", "1.0"],
    ["3fefffffffffffff", "0.9999999999999999"],
    ["4024000000000000", "10.0"],
    ["4023ffffffffffff", "9.999999999999998"],
    ["4059000000000000", "100.0"],
    ["4058ffffffffffff", "99.99999999999999"],
    ["408f400000000000", "1000.0"],
    ["408f3fffffffffff", "999.9999999999999"],
    ["40c3880000000000", "10000.0"],
    ["40c387ffffffffff", "9999.999999999998"],
    ["40f86a0000000000", "100000.0"],
    ["40f869ffffffffff", "99999.99999999999"],
    ["412e848000000000", "1000000.0"],
    ["412e847fffffffff", "999999.9999999999"],
    ["416312d000000000", "10000000.0"],
    ["416312cfffffffff", "9999999.999999998"],
    ["4197d78400000000", "100000000.0"],
    ["4197d783ffffffff", "99999999.99999999"],
    ["41cdcd6500000000", "1000000000.0"],
    ["41cdcd64ffffffff", "999999999.9999999"],
    ["4202a05f20000000", "10000000000.0"],
    ["4202a05f1fffffff", "9999999999.999998"],
    ["42374876e8000000", "100000000000.0"],
    ["42374876e7ffffff", "99999999999.99998"],
    ["426d1a94a2000000", "1000000000000.0"],
    ["426d1a94a1ffffff", "999999999999.9999"],
    ["42a2309ce5400000", "10000000000000.0"],
    ["42a2309ce53fffff", "9999999999999.998"],
    ["42d6bcc41e900000", "100000000000000.0"],
    ["42d6bcc41e8fffff", "99999999999999.98"],
    ["430c6bf526340000", "1000000000000000.0"],
    ["430c6bf52633ffff", "999999999999999.9"],
    ["4341c37937e08000", "1e+16"],
    ["4341c37937e07fff", "9999999999999998.0"],
    ["4376345785d8a000", "1e+17"],
    ["4376345785d89fff", "9.999999999999998e+16"],
    ["43abc16d674ec800", "1e+18"],
    ["43abc16d674ec7ff", "9.999999999999999e+17"],
    ["42770cf94926d000", "1584030585453.0"],
    ["440644003d04ee9d", "5.134104413844771e+19"],
    ["43f707019361b862", "2.6548747523529777e+19"],
    ["4350076b41c2e612", "1.804702749423009e+16"],
    ["43f477bbd87851bf", "2.359766306228928e+19"],
    ["43fa7ac12766b748", "3.0528796273855988e+19"],
    ["4231c9608b200000", "76392991520.0"],
    ["43d5aefa13ec94f0", "6.249844336898589e+18"],
    ["4327878a91c8d188", "3311476842719428.0"],
    ["42a0599868a50600", "8988497564291.0"],
    ["000cce67dde3aa61", "1.780931368729996e-308"],
    ["0000ac926161642d", "9.3746337244173e-310"],
    ["000a101ece2f307a", "1.39942822527196e-308"],
    ["0009e6ac2a4fe771", "1.376912491585537e-308"],
    ["00019659f3065860", "2.20742626598807e-309"],
    ["000c30d201cd8d92", "1.6953261122205497e-308"],
    ["000f0611d6b5b8ce", "2.0893039815537157e-308"],
    ["000261c855b4c0a7", "3.3125274137436e-309"],
    ["0001afde492bca68", "2.34604217175802e-309"],
    ["000d1b7b8f2d2838", "1.822801937222274e-308"],
    ["0000000000000001", "5e-324"],
    ["8000000000000001", "-5e-324"],
    ["0010000000000000", "2.2250738585072014e-308"],
    ["7fefffffffffffff", "1.7976931348623157e+308"],
    ["0000000000000000", "0.0"],
    ["8000000000000000", "-0.0"],
    ["3fc999999999999a", "0.2"],
    ["3fd3333333333334", "0.30000000000000004"],
    ["3fd5555555555555", "0.3333333333333333"],
    ["3fe5555555555555", "0.6666666666666666"],
    ["4340000000000000", "9007199254740992.0"],
    ["437b69b4ba630f35", "1.2345678901234568e+17"],
    ["4480f0cf064dd592", "1e+22"],
    ["44b52d02c7e14af6", "1e+23"],
    ["7e41eb2d66005835", "1.5e+300"],
  ];
}
