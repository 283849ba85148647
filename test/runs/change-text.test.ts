import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dumpJson } from "../../src/dataspace/json.js";
import { Float, type JsonObject, type JsonValue } from "../../src/dataspace/value.js";
import { applyChanges, applyChangeText, parseChange, type Attributes } from "../../src/runs/attributes.js";
import { scanChange } from "../../src/runs/change-text.js";
import { editedTexts } from "../edits.js";

/** What the parser of whole documents makes of a text, as attributes in order. */
function reference(text: string): [string, JsonValue][] {
  const change = parseChange(text);
  return change ? [...applyChanges([change])] : [];
}

function scanned(text: string): [string, JsonValue][] {
  const into: Attributes = new Map();
  applyChangeText(text, into);
  return [...into];
}

const tricky = fc.constantFrom('"', "\\", "\\n", "\u00e9", "\u2028", "\ud83d\ude00", " ", ",", ":", "{", "}", "[", "]", "1.5", "3e5");
const text = fc.array(fc.oneof(fc.string({ maxLength: 6 }), tricky), { maxLength: 4 }).map((parts) => parts.join(""));
const key = fc.oneof(
  fc.uuid().map((id) => "run:" + id),
  fc.constantFrom("label", "kind", "tag:x", "comment:1", "__proto__", "5", "0", "01", "-1", "author", "set"),
  text,
);
const value: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue; list: JsonValue[]; dict: JsonObject }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(""),
    text,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => new Float(x)),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
    fc.boolean(),
    fc.constant(null),
    tie("list"),
    tie("dict"),
  ),
  list: fc.array(tie("value"), { maxLength: 3 }),
  dict: fc.array(fc.tuple(key, tie("value")), { maxLength: 3 }).map((es) => Object.fromEntries(es) as JsonObject),
})).value;

/** A change as cohort writes it. */
const change = fc.record(
  {
    author: text,
    set: fc.array(fc.tuple(key, value), { maxLength: 8 }).map((es) => Object.fromEntries(es) as JsonObject),
    delete: fc.array(key, { maxLength: 3 }),
  },
  { requiredKeys: ["author"] },
);

describe("a change file's text", () => {
  it("written by cohort is read without the parser of whole documents, as that parser reads it", () => {
    fc.assert(
      fc.property(change, (c) => {
        const t = dumpJson(c as JsonObject) + "\n";
        expect(scanned(t)).toEqual(reference(t));
        // keys that an object orders first are left to that parser
        const indexKey = Object.keys(c.set ?? {}).some((k) => /^(0|[1-9][0-9]*)$/.test(k));
        expect(scanChange(t) === undefined).toBe(indexKey);
      }),
      { numRuns: 1000 },
    );
  });

  it("in any other form reads as the parser of whole documents reads it", () => {
    const written = change.map((c) => dumpJson(c as JsonObject) + "\n");
    const mutated = editedTexts(written, '{}[]",:0123456789.eE+- \n\t\\/untrfalsNIy\u0001\u00e9', { minEdits: 1 });
    fc.assert(
      fc.property(mutated, (t) => {
        expect(scanned(t)).toEqual(reference(t));
      }),
      { numRuns: 3000 },
    );
  });

  it("leaves what it is unsure of to the parser of whole documents", () => {
    const cases = [
      '{"author": "a", "set": {"k": 1, "k": 2}}', // a repeated key: the last wins
      '{"author": "a", "set": {"k": 1}, "set": {"j": 2}}',
      '{"author": "a", "set": {"2": 1, "1": 2}}', // index keys come first in an object
      '{\n  "author": "a",\n  "set": {"k": 1.0}\n}\n', // more than one line
      '{"author": 7, "set": {"k": 1}}',
      '{"author": "a", "set": {"k": 1}, "extra": true}',
    ];
    for (const t of cases) {
      expect(scanChange(t)).toBeUndefined();
      expect(scanned(t)).toEqual(reference(t));
    }
    expect(scanned('{"author": "a", "set": {"k": 1, "k": 2}}')).toEqual([["k", 2]]);
    expect(scanned('{"author": "a", "set": {"2": 1, "1": 2}}')).toEqual([
      ["1", 2],
      ["2", 1],
    ]);
  });

  it("keeps floats, big integers and escapes as the parser of whole documents does", () => {
    const t = '{"author": "a\\"b", "set": {"run:x": "", "f": 1.0, "big": 123456789012345678901, "s": "q\\"\\\\\\u00e9", "o": {"a": [1.5, "]}"]}}, "delete": ["z"]}\n';
    expect(scanChange(t)).toEqual({
      author: 'a"b',
      set: [
        ["run:x", ""],
        ["f", new Float(1)],
        ["big", 123456789012345678901n],
        ["s", 'q"\\\u00e9'],
        ["o", { a: [1.5, "]}"] }],
      ],
      delete: ["z"],
    });
    expect(scanned(t)).toEqual(reference(t));
  });
});
