import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseJson } from "../../src/dataspace/json.js";
import {
  detectSchema,
  formatSchema,
  formatSchemaLines,
  formatSchemaValue,
  pyReprString,
  schemaToJson,
  sortedValues,
  type Schema,
} from "../../src/dataspace/schema.js";
import { Float, float, type JsonObject, type JsonValue } from "../../src/dataspace/value.js";
import { CONTROL } from "../../src/util/text.js";

const workspace = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/signac-project/workspace");

function fixtureStatepoints(): JsonObject[] {
  return fs
    .readdirSync(workspace)
    .sort()
    .map((id) => {
      const file = path.join(workspace, id, "signac_statepoint.json");
      return parseJson(fs.readFileSync(file, "utf8"), file) as JsonObject;
    });
}

/** The schema as plain data: key → type → sorted values as JSON text. */
function summary(schema: Schema): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const [key, entry] of schema.keys) {
    out[key] = {};
    for (const [type, t] of entry.types) out[key][type] = sortedValues(t).map((v) => formatSchemaValue(v));
  }
  return out;
}

describe("detectSchema", () => {
  it("finds keys, types and distinct values", () => {
    const schema = detectSchema([
      { T: new Float(1), N: 100, model: "lj" },
      { T: 1.5, N: 1000, model: "wca" },
      { T: new Float(2), N: 100, model: "lj" },
    ]);
    expect(schema.size).toBe(3);
    expect(summary(schema)).toEqual({
      N: { int: ["100", "1000"] },
      T: { float: ["1.0", "1.5", "2.0"] },
      model: { str: ["'lj'", "'wca'"] },
    });
    expect(schema.keys.get("T")!.count).toBe(3);
  });

  it("tells ints from floats, bools from ints and strings from numbers", () => {
    const schema = detectSchema([{ a: 1 }, { a: new Float(1) }, { a: true }, { a: "1" }, { a: null }, { a: 1 }, { a: 2n ** 70n }]);
    const a = schema.keys.get("a")!;
    expect([...a.types.keys()]).toEqual(["null", "bool", "int", "float", "str"]);
    expect(summary(schema).a).toEqual({
      null: ["null"],
      bool: ["true"],
      int: ["1", "1180591620717411303424"],
      float: ["1.0"],
      str: ["'1'"],
    });
    expect(a.types.get("int")!.count).toBe(3);
    expect(a.count).toBe(7);
  });

  it("walks nested objects into dotted keys; lists and empty objects are values", () => {
    const schema = detectSchema([
      { p: { sigma: new Float(1), inner: { x: 1 } }, l: [1, 2], e: {} },
      { p: { sigma: 1.5, inner: { x: 2 } }, l: [1, 2], e: {} },
      { p: { sigma: 1.5 }, l: [2, 1] },
      { p: 3 },
    ]);
    expect([...schema.keys.keys()]).toEqual(["e", "l", "p", "p.inner.x", "p.sigma"]);
    expect(summary(schema)).toEqual({
      e: { dict: ["{}"] },
      l: { list: ["[1, 2]", "[2, 1]"] },
      p: { int: ["3"] },
      "p.inner.x": { int: ["1", "2"] },
      "p.sigma": { float: ["1.0", "1.5"] },
    });
    expect(schema.keys.get("p.sigma")!.count).toBe(3);
    expect(schema.keys.get("p")!.count).toBe(1);
  });

  it("compares values by canonical JSON", () => {
    const schema = detectSchema([{ d: { b: 1, a: 2 }, l: [1] }, { d: { a: 2, b: 1 }, l: [new Float(1)] }, { d: { a: 2, b: 1 }, l: [1] }]);
    // {b, a} and {a, b} are one value; [1] and [1.0] are two.
    expect(summary(schema)["d.a"]).toEqual({ int: ["2"] });
    expect(summary(schema).l).toEqual({ list: ["[1.0]", "[1]"] });
  });

  it("sorts keys by code point and numbers by value", () => {
    const schema = detectSchema([{ é: 1, b: -0.5, B: 10 }, { é: 2, b: 2n ** 60n, B: 9 }, { b: -3 }]);
    expect([...schema.keys.keys()]).toEqual(["B", "b", "é"]);
    expect(summary(schema).B).toEqual({ int: ["9", "10"] });
    expect(summary(schema).b).toEqual({ int: ["-3", "1152921504606846976"], float: ["-0.5"] });
  });

  it("can leave out constant keys", () => {
    const sps: JsonObject[] = [
      { a: 1, b: 1, c: 1 },
      { a: 1, b: 2, c: 1 },
      { a: 1, b: 3 },
    ];
    expect([...detectSchema(sps, { excludeConst: true }).keys.keys()]).toEqual(["b", "c"]);
    expect([...detectSchema(sps).keys.keys()]).toEqual(["a", "b", "c"]);
  });

  it("handles no state points and keys such as __proto__", () => {
    const empty = detectSchema([]);
    expect(empty.size).toBe(0);
    expect(formatSchema(empty)).toBe("");
    const sp = parseJson('{"__proto__": 1, "constructor": "x"}') as JsonObject;
    const schema = detectSchema([sp]);
    expect([...schema.keys.keys()]).toEqual(["__proto__", "constructor"]);
    expect(Object.keys(schemaToJson(schema))).toEqual(["__proto__", "constructor"]);
  });

  it("accepts any iterable, read once", () => {
    function* gen(): Generator<JsonObject> {
      for (let i = 0; i < 5; i++) yield { i };
    }
    expect(summary(detectSchema(gen())).i).toEqual({ int: ["0", "1", "2", "3", "4"] });
  });

  it("reads the fixture project's 13 state points", () => {
    const sps = fixtureStatepoints();
    expect(sps).toHaveLength(13);
    const schema = detectSchema(sps);
    expect(schema.size).toBe(13);
    expect(summary(schema)).toEqual({
      N: { int: ["64", "128"] },
      T: { float: ["1.0", "1.5", "2.0"] },
      big: { int: ["1180591620717411303424"] },
      list: { list: ['[1, 1.0, "1", true, null]'] },
      model: { str: ["'lj'", "'wca'"] },
      "params.epsilon": { int: ["1"] },
      "params.sigma": { float: ["1.0"] },
      tiny: { float: ["1e-07"] },
      é: { str: ["'ü'"] },
    });
    expect(schema.keys.get("T")!.count).toBe(12);
    expect(schema.keys.get("tiny")!.count).toBe(1);
  });
});

describe("formatSchema", () => {
  it("formats a state point of 200,000 keys (a spread of that many widths overflows the stack)", () => {
    const sp: JsonObject = {};
    for (let i = 0; i < 200_000; i++) sp[`k${i}`] = i;
    const lines = formatSchemaLines(detectSchema([sp]));
    expect(lines).toHaveLength(200_000);
    expect(lines[0]).toBe("k0       int  0");
  });

  it("prints the fixture project's schema", () => {
    expect(formatSchemaLines(detectSchema(fixtureStatepoints()))).toEqual([
      "N               int    64 .. 128 (2 values)  [in 12 of 13]",
      "T               float  1.0 .. 2.0 (3 values)  [in 12 of 13]",
      "big             int    1180591620717411303424  [in 1 of 13]",
      'list            list   [1, 1.0, "1", true, null]  [in 1 of 13]',
      "model           str    'lj', 'wca'  [in 12 of 13]",
      "params.epsilon  int    1  [in 12 of 13]",
      "params.sigma    float  1.0  [in 12 of 13]",
      "tiny            float  1e-07  [in 1 of 13]",
      "é               str    'ü'  [in 1 of 13]",
    ]);
  });

  it("shows number ranges and counts, and elides long value lists", () => {
    const sps: JsonObject[] = [];
    for (let i = 0; i < 12; i++) sps.push({ T: float(1 + (i % 3) / 2), name: `run${String(i).padStart(2, "0")}`, flag: i % 2 === 0 });
    const text = formatSchema(detectSchema(sps), { maxValues: 4 });
    expect(text.split("\n")).toEqual([
      "T     float  1.0 .. 2.0 (3 values)",
      "flag  bool   false, true",
      "name  str    'run00', 'run01', ..., 'run10', 'run11' (12 values)",
    ]);
    expect(formatSchemaLines(detectSchema(sps), { maxValues: 12 })[2]).toBe(
      "name  str    " + Array.from({ length: 12 }, (_, i) => `'run${String(i).padStart(2, "0")}'`).join(", "),
    );
    expect(formatSchemaLines(detectSchema(sps), { maxValues: 2 })[2]).toBe("name  str    'run00', 'run01', ... (12 values)");
    expect(formatSchemaLines(detectSchema(sps), { maxValues: 0 })[2]).toBe("name  str    (12 values)");
  });

  it("defaults to five values, as signac", () => {
    const sps = ["a", "b", "c", "d", "e", "f"].map((s) => ({ s }));
    expect(formatSchema(detectSchema(sps.slice(0, 5)))).toBe("s  str  'a', 'b', 'c', 'd', 'e'");
    expect(formatSchema(detectSchema(sps))).toBe("s  str  'a', 'b', 'c', ..., 'e', 'f' (6 values)");
  });

  it("shows control characters of keys as escapes, and aligns wide keys by their display width", () => {
    const lines = formatSchemaLines(detectSchema([{ "\u001b[2Jred": 1, "tab\tc": { "\u007f5": 2 }, 日本: 3, z: 4 }]));
    expect(lines).toEqual([
      "\\u001b[2Jred" + " ".repeat(6) + "  int  1",
      "tab\\u0009c.\\u007f5  int  2",
      "z" + " ".repeat(17) + "  int  4",
      "日本" + " ".repeat(14) + "  int  3", // 日本 takes 4 columns
    ]);
    for (const line of lines) expect(CONTROL.test(line)).toBe(false);
  });

  it("prints one line per type of a key", () => {
    const lines = formatSchemaLines(detectSchema([{ x: 1 }, { x: 2.5 }, { x: "a" }, { x: [1] }, { x: [1, 2] }]));
    expect(lines).toEqual([
      "x  int    1  [in 1 of 5]",
      "x  float  2.5  [in 1 of 5]",
      "x  str    'a'  [in 1 of 5]",
      "x  list   [1, 2], [1]  [in 2 of 5]",
    ]);
  });

  it("quotes strings as Python does and shortens long values", () => {
    expect(pyReprString("lj")).toBe("'lj'");
    expect(pyReprString("it's")).toBe(`"it's"`);
    expect(pyReprString(`it's "x"`)).toBe(`'it\\'s "x"'`);
    expect(pyReprString("a\\b\nc\u0001")).toBe("'a\\\\b\\nc\\x01'");
    const long: JsonValue = Array.from({ length: 50 }, (_, i) => i);
    expect(formatSchemaValue(long)).toHaveLength(60);
    expect(formatSchemaValue(long).endsWith("...")).toBe(true);
  });

  it("orders negative and positive numbers, ints with big ints", () => {
    const lines = formatSchemaLines(detectSchema([{ v: -5 }, { v: 2n ** 64n }, { v: 7 }, { v: -(2n ** 64n) }]));
    expect(lines).toEqual(["v  int  -18446744073709551616 .. 18446744073709551616 (4 values)"]);
  });
});

describe("schemaToJson", () => {
  it("lists each key's types with counts and sorted values", () => {
    const json = schemaToJson(detectSchema([{ T: new Float(2) }, { T: new Float(1) }, { T: 1 }, { m: "b" }, { m: "a" }]));
    expect(json).toEqual({
      T: { int: { count: 1, values: [1] }, float: { count: 2, values: [new Float(1), new Float(2)] } },
      m: { str: { count: 2, values: ["a", "b"] } },
    });
  });
});

describe("scale", () => {
  it("detects the schema of 100,000 state points", () => {
    const sps: JsonObject[] = [];
    for (let i = 0; i < 100_000; i++) {
      sps.push({
        T: new Float(1 + (i % 10)),
        N: 64 * (1 + (i % 7)),
        seed: i,
        lr: 1 / (i + 1),
        model: i % 3 ? "lj" : "wca",
        params: { sigma: new Float(1), epsilon: i % 2, tags: ["a", i % 5] },
      });
    }
    const schema = detectSchema(sps);
    const lines = formatSchemaLines(schema);
    expect(schema.keys.get("seed")!.types.get("int")!.values.size).toBe(100_000);
    expect(lines.find((l) => l.startsWith("seed"))).toMatch(/0 \.\. 99999 \(100000 values\)/);
    expect(lines.find((l) => l.startsWith("params.tags"))).toMatch(/^params\.tags +list +\["a", 0\], \["a", 1\], .*\["a", 4\]$/);

  });
});
