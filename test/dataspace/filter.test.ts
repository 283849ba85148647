/**
 * signac's filter language (src/dataspace/filter.ts).
 *
 * The expected results follow signac 2.4's `find_jobs` (Python's `==`, `<`, `in`, `isinstance`,
 * `math.isclose`, `re.search` over the indexed values), except where filter.ts documents a difference.
 * The fixture queries at the end were answered by signac 2.4.1 itself on test/fixtures/signac-project.
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileFilter, filterNeedsDoc, parseFilterArgs, pythonRegex } from "../../src/dataspace/filter.js";
import { JsonSyntaxError, dumpJson, parseJson } from "../../src/dataspace/json.js";
import { Float, type JsonObject, type JsonValue } from "../../src/dataspace/value.js";
import { UserError } from "../../src/util/errors.js";
import { FIXTURES } from "../helpers.js";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const obj = (text: string): JsonObject => parseJson(text) as JsonObject;
/** Whether this node's regular expressions have scoped flags `(?i:...)` (V8 in node 23 and later). */
const scopedFlags = (() => {
  try {
    new RegExp("(?i:x)");
    return true;
  } catch {
    return false;
  }
})();

/** Whether the filter (JSON text, so that 1 and 1.0 stay apart) matches the state point and document. */
function matches(filter: string, sp: string, doc = "{}"): boolean {
  const d = obj(doc);
  return compileFilter(obj(filter))(obj(sp), () => d);
}

/** The UserError that `fn` throws (fails the test if it throws nothing or something else). */
function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error("expected a UserError, nothing was thrown");
}

type Row = [filter: string, sp: string, expected: boolean];

function table(rows: Row[]): void {
  it.each(rows)("%s on %s -> %s", (filter, sp, expected) => {
    expect(matches(filter, sp)).toBe(expected);
  });
}

// ---------------------------------------------------------------------------------------------
// Operators
// ---------------------------------------------------------------------------------------------

describe("equality", () => {
  table([
    ['{"a": 1}', '{"a": 1}', true],
    ['{"a": 1}', '{"a": 1.0}', true],
    ['{"a": 1.0}', '{"a": 1}', true],
    ['{"a": 1.0}', '{"a": 1.0}', true],
    ['{"a": 1}', '{"a": 2}', false],
    ['{"a": 1.5}', '{"a": 1.5}', true],
    ['{"a": 1.5}', '{"a": 1}', false],
    ['{"a": 0.0}', '{"a": -0.0}', true],
    ['{"a": 0}', '{"a": -0.0}', true],
    // Python: True == 1 == 1.0, and signac's index hashes them alike
    ['{"a": 1}', '{"a": true}', true],
    ['{"a": true}', '{"a": 1.0}', true],
    ['{"a": false}', '{"a": 0}', true],
    ['{"a": true}', '{"a": 2}', false],
    ['{"a": true}', '{"a": true}', true],
    ['{"a": 1}', '{"a": "1"}', false],
    ['{"a": "1"}', '{"a": 1}', false],
    ['{"a": "x"}', '{"a": "x"}', true],
    ['{"a": "x"}', '{"a": "X"}', false],
    ['{"a": null}', '{"a": null}', true],
    ['{"a": null}', "{}", false],
    ['{"a": null}', '{"a": 0}', false],
    ['{"a": 1}', "{}", false],
    // big integers and floats
    ['{"a": 1180591620717411303424}', '{"a": 1180591620717411303424}', true],
    ['{"a": 1180591620717411303424}', '{"a": 1.180591620717411303424e21}', true],
    ['{"a": 1.180591620717411303424e21}', '{"a": 1180591620717411303424}', true],
    ['{"a": 1180591620717411303425}', '{"a": 1180591620717411303424}', false],
    ['{"a": 1e-07}', '{"a": 1e-7}', true],
    // lists: element-wise, with the same numeric rule
    ['{"a": [1, 2]}', '{"a": [1, 2]}', true],
    ['{"a": [1, 2]}', '{"a": [1.0, 2]}', true],
    ['{"a": [1, 2]}', '{"a": [2, 1]}', false],
    ['{"a": [1, 2]}', '{"a": [1, 2, 3]}', false],
    ['{"a": [1]}', '{"a": 1}', false],
    ['{"a": 1}', '{"a": [1]}', false],
    ['{"a": []}', '{"a": []}', true],
    ['{"a": [[1, "x"], null]}', '{"a": [[1.0, "x"], null]}', true],
    ['{"a": [{"b": 1}]}', '{"a": [{"b": 1.0}]}', true],
    ['{"a": [{"b": 1}]}', '{"a": [{"b": 1, "c": 2}]}', false],
    ['{"a": [1, 1.0, "1", true, null]}', '{"a": [1, 1.0, "1", true, null]}', true],
    // dict values are opaque to equality
    ['{"a": {"$eq": {}}}', '{"a": {}}', false],
    ['{"a": {"$eq": 1}}', '{"a": {"b": 1}}', false],
  ]);
});

describe("nested paths", () => {
  table([
    ['{"a": {"b": 1}}', '{"a": {"b": 1}}', true],
    ['{"a.b": 1}', '{"a": {"b": 1.0}}', true],
    // a nested filter object flattens: only the keys it names are compared
    ['{"a": {"b": 1}}', '{"a": {"b": 1, "c": 2}}', true],
    ['{"a": {"b": 1}}', '{"a": {"b": {"c": 1}}}', false],
    ['{"a.b.c": "x"}', '{"a": {"b": {"c": "x"}}}', true],
    ['{"a": {"b.c": "x"}}', '{"a": {"b": {"c": "x"}}}', true],
    ['{"a.b": 1}', '{"a": 1}', false],
    ['{"a.b": 1}', '{"a": [1]}', false],
    ['{"a.0": 1}', '{"a": [1]}', false],
    ['{"a.b": 1}', '{"a": "b"}', false],
    ['{"a.b": 1}', "{}", false],
    ['{"params": {"sigma": 1, "epsilon": 1.0}}', '{"params": {"sigma": 1.0, "epsilon": 1}}', true],
    // keys that are names of Object.prototype members are ordinary keys
    ['{"constructor": {"$exists": true}}', '{"a": 1}', false],
    ['{"toString": 1}', '{"toString": 1}', true],
    ['{"__proto__": 1}', '{"__proto__": 1}', true],
    ['{"__proto__": {"$exists": true}}', '{"a": 1}', false],
    ['{"é": "ü"}', '{"\\u00e9": "\\u00fc"}', true],
  ]);
});

describe("$ne", () => {
  table([
    ['{"a": {"$ne": 1}}', '{"a": 2}', true],
    ['{"a": {"$ne": 1}}', '{"a": 1.0}', false],
    ['{"a": {"$ne": 1}}', '{"a": true}', false],
    ['{"a": {"$ne": 1}}', '{"a": "1"}', true],
    ['{"a": {"$ne": 1}}', '{"a": null}', true],
    ['{"a": {"$ne": null}}', '{"a": null}', false],
    ['{"a": {"$ne": [1]}}', '{"a": [1.0]}', false],
    ['{"a": {"$ne": [1]}}', '{"a": [2]}', true],
    // only where the key exists (signac's index holds existing values only)
    ['{"a": {"$ne": 1}}', "{}", false],
    ['{"a": {"$ne": 1}}', '{"a": {"b": 1}}', true],
    ['{"a": {"$ne": {}}}', '{"a": {}}', true],
  ]);
});

describe("$gt $gte $lt $lte", () => {
  table([
    ['{"a": {"$gt": 1}}', '{"a": 2}', true],
    ['{"a": {"$gt": 1}}', '{"a": 1}', false],
    ['{"a": {"$gt": 1}}', '{"a": 1.5}', true],
    ['{"a": {"$gt": 1.2}}', '{"a": 2}', true],
    ['{"a": {"$gte": 1}}', '{"a": 1.0}', true],
    ['{"a": {"$lt": 1}}', '{"a": 1.0}', false],
    ['{"a": {"$lte": 1.0}}', '{"a": 1}', true],
    ['{"a": {"$lt": -20}}', '{"a": -25.6}', true],
    ['{"a": {"$lt": -20}}', '{"a": -19.2}', false],
    // bools are 0 and 1
    ['{"a": {"$gt": 0}}', '{"a": true}', true],
    ['{"a": {"$gte": 1}}', '{"a": true}', true],
    ['{"a": {"$lt": true}}', '{"a": 0.5}', true],
    ['{"a": {"$lt": true}}', '{"a": false}', true],
    // big integers compare exactly
    ['{"a": {"$gt": 1180591620717411303423}}', '{"a": 1180591620717411303424}', true],
    ['{"a": {"$gt": 1180591620717411303424}}', '{"a": 1180591620717411303424}', false],
    ['{"a": {"$lt": 1e300}}', '{"a": 1180591620717411303424}', true],
    ['{"a": {"$gt": 1}}', '{"a": 1180591620717411303424}', true],
    ['{"a": {"$lt": 1180591620717411303424}}', '{"a": 5}', true],
    // strings, by code point (not by UTF-16 unit)
    ['{"a": {"$lt": "b"}}', '{"a": "a"}', true],
    ['{"a": {"$lt": "b"}}', '{"a": "c"}', false],
    ['{"a": {"$gte": "b"}}', '{"a": "b"}', true],
    ['{"a": {"$lt": "b"}}', '{"a": "B"}', true],
    ['{"a": {"$gt": "\\uffff"}}', '{"a": "\\ud83d\\ude00"}', true],
    // lists, lexicographically
    ['{"a": {"$lt": [1, 3]}}', '{"a": [1, 2]}', true],
    ['{"a": {"$lt": [1, 3]}}', '{"a": [1]}', true],
    ['{"a": {"$lt": [1, 3]}}', '{"a": [1, 3]}', false],
    ['{"a": {"$lte": [1, 3]}}', '{"a": [1.0, 3]}', true],
    ['{"a": {"$gt": [1, 3]}}', '{"a": [2]}', true],
    ['{"a": {"$lt": [2, "x"]}}', '{"a": [1, "y"]}', true],
    ['{"a": {"$lt": [1, "x"]}}', '{"a": [1, "a"]}', true],
    // what Python cannot order never matches (signac raises TypeError)
    ['{"a": {"$lt": [1, "x"]}}', '{"a": [1, 2]}', false],
    ['{"a": {"$gt": 1}}', '{"a": "2"}', false],
    ['{"a": {"$lt": "2"}}', '{"a": 1}', false],
    ['{"a": {"$gt": 1}}', '{"a": null}', false],
    ['{"a": {"$gt": null}}', '{"a": 1}', false],
    ['{"a": {"$gte": null}}', '{"a": null}', false],
    ['{"a": {"$gt": 1}}', '{"a": [2]}', false],
    ['{"a": {"$lt": [2]}}', '{"a": 1}', false],
    ['{"a": {"$gt": 0}}', '{"a": {"b": 1}}', false],
    ['{"a": {"$lt": {}}}', '{"a": 1}', false],
    ['{"a": {"$gt": 1}}', "{}", false],
    ['{"a": {"$gt": 1, "$lt": 3}}', '{"a": 2}', true],
    ['{"a": {"$gt": 1, "$lt": 3}}', '{"a": 3}', false],
    ['{"a.$gt": 1, "a.$lt": 3}', '{"a": 2.5}', true],
  ]);
});

describe("$in $nin", () => {
  table([
    ['{"a": {"$in": [1, "x"]}}', '{"a": 1}', true],
    ['{"a": {"$in": [1, "x"]}}', '{"a": 1.0}', true],
    ['{"a": {"$in": [1.0, 2]}}', '{"a": 2.0}', true],
    ['{"a": {"$in": [1, "x"]}}', '{"a": true}', true],
    ['{"a": {"$in": [true]}}', '{"a": 1}', true],
    ['{"a": {"$in": [1, "x"]}}', '{"a": "x"}', true],
    ['{"a": {"$in": [1, "x"]}}', '{"a": 2}', false],
    ['{"a": {"$in": [1, "x"]}}', '{"a": "1"}', false],
    ['{"a": {"$in": [null]}}', '{"a": null}', true],
    ['{"a": {"$in": [0]}}', '{"a": null}', false],
    ['{"a": {"$in": [[1, 2], 3]}}', '{"a": [1.0, 2]}', true],
    ['{"a": {"$in": [[1, 2], 3]}}', '{"a": [2, 1]}', false],
    ['{"a": {"$in": [1180591620717411303424]}}', '{"a": 1180591620717411303424}', true],
    ['{"a": {"$in": [1180591620717411303424]}}', '{"a": 1.180591620717411303424e21}', true],
    ['{"a": {"$in": [1.180591620717411303424e21]}}', '{"a": 1180591620717411303424}', true],
    ['{"a": {"$in": [1180591620717411303425]}}', '{"a": 1180591620717411303424}', false],
    ['{"a": {"$in": [1.5]}}', '{"a": 1.5}', true],
    ['{"a": {"$in": [{"b": 1}]}}', '{"a": {"b": 1}}', false],
    ['{"a": {"$in": []}}', '{"a": 1}', false],
    ['{"a": {"$in": [1]}}', "{}", false],
    ['{"a": {"$nin": [1, 2]}}', '{"a": 3}', true],
    ['{"a": {"$nin": [1, 2]}}', '{"a": 1.0}', false],
    ['{"a": {"$nin": [1, 2]}}', '{"a": "1"}', true],
    ['{"a": {"$nin": [1, 2]}}', "{}", false],
    ['{"a": {"$nin": []}}', '{"a": null}', true],
  ]);
});

describe("$regex", () => {
  table([
    ['{"a": {"$regex": "^w"}}', '{"a": "wca"}', true],
    ['{"a": {"$regex": "^w"}}', '{"a": "lj"}', false],
    ['{"a": {"$regex": "c"}}', '{"a": "wca"}', true], // re.search: anywhere
    ['{"a": {"$regex": "^wca$"}}', '{"a": "wca"}', true],
    ['{"a": {"$regex": "^wca$"}}', '{"a": "wca\\n"}', true], // Python's $ also matches before a final newline
    ['{"a": {"$regex": "^wca\\\\Z"}}', '{"a": "wca\\n"}', false],
    ['{"a": {"$regex": "1"}}', '{"a": 1}', false], // strings only
    ['{"a": {"$regex": "."}}', '{"a": null}', false],
    ['{"a": {"$regex": "."}}', '{"a": ["x"]}', false],
    ['{"a": {"$regex": ""}}', '{"a": ""}', true],
    ['{"a": {"$regex": "^$"}}', "{}", false],
    ['{"a": {"$regex": "(?i)^LJ"}}', '{"a": "lj"}', true],
    ['{"a": {"$regex": "^(?P<x>a)(?P=x)$"}}', '{"a": "aa"}', true],
    ['{"a": {"$regex": "^\\\\d+$"}}', '{"a": "\\u0663\\u0664"}', true], // Unicode digits, as in Python
    ['{"a": {"$regex": "^\\\\w+$"}}', '{"a": "\\u00e9t\\u00e9"}', true],
    ['{"a": {"$regex": "a{"}}', '{"a": "a{"}', true], // a literal brace, as Python reads it
    ['{"a": {"$regex": "^a{,2}$"}}', '{"a": "aa"}', true],
  ]);
});

describe("$type", () => {
  table([
    ['{"a": {"$type": "int"}}', '{"a": 1}', true],
    ['{"a": {"$type": "int"}}', '{"a": 1180591620717411303424}', true],
    ['{"a": {"$type": "int"}}', '{"a": 1.0}', false],
    ['{"a": {"$type": "int"}}', '{"a": true}', true], // isinstance(True, int)
    ['{"a": {"$type": "int"}}', '{"a": "1"}', false],
    ['{"a": {"$type": "float"}}', '{"a": 1.0}', true],
    ['{"a": {"$type": "float"}}', '{"a": 1.5}', true],
    ['{"a": {"$type": "float"}}', '{"a": -0.0}', true],
    ['{"a": {"$type": "float"}}', '{"a": 1}', false],
    ['{"a": {"$type": "bool"}}', '{"a": false}', true],
    ['{"a": {"$type": "bool"}}', '{"a": 0}', false],
    ['{"a": {"$type": "str"}}', '{"a": ""}', true],
    ['{"a": {"$type": "str"}}', '{"a": null}', false],
    ['{"a": {"$type": "list"}}', '{"a": []}', true],
    ['{"a": {"$type": "list"}}', '{"a": {}}', false],
    ['{"a": {"$type": "null"}}', '{"a": null}', true],
    ['{"a": {"$type": "null"}}', "{}", false],
    ['{"a": {"$type": "dict"}}', '{"a": {}}', true],
    ['{"a": {"$type": "dict"}}', '{"a": []}', false],
  ]);
  it("is decided per value", () => {
    const f = compileFilter({ a: { $type: "float" } });
    expect(f({ a: new Float(2) }, () => ({}))).toBe(true);
    expect(f({ a: 2 }, () => ({}))).toBe(false);
    expect(f({ a: 0.5 }, () => ({}))).toBe(true);
  });
});

describe("$exists", () => {
  table([
    ['{"a": {"$exists": true}}', '{"a": 1}', true],
    ['{"a": {"$exists": true}}', '{"a": null}', true],
    ['{"a": {"$exists": true}}', '{"a": {}}', true],
    ['{"a": {"$exists": true}}', '{"b": 1}', false],
    ['{"a": {"$exists": false}}', '{"b": 1}', true],
    ['{"a": {"$exists": false}}', '{"a": false}', false],
    ['{"a.b": {"$exists": true}}', '{"a": {"b": 0}}', true],
    ['{"a.b": {"$exists": true}}', '{"a": {"c": 0}}', false],
    ['{"a.b": {"$exists": false}}', '{"a": 5}', true],
    ['{"a.b": {"$exists": false}}', '{"a": ["b"]}', true],
    ['{"a.$exists": true}', '{"a": 0}', true],
  ]);
});

describe("$near", () => {
  table([
    ['{"a": {"$near": 1}}', '{"a": 1}', true],
    ['{"a": {"$near": 1}}', '{"a": 1.0000000001}', true], // rel_tol 1e-9
    ['{"a": {"$near": 1}}', '{"a": 1.00001}', false],
    ['{"a": {"$near": [1]}}', '{"a": 1.0000000001}', true],
    ['{"a": {"$near": [1, 0.01]}}', '{"a": 1.009}', true],
    ['{"a": {"$near": [1, 0.01]}}', '{"a": 1.02}', false],
    ['{"a": {"$near": [0, 0, 0.1]}}', '{"a": 0.05}', true],
    ['{"a": {"$near": [0, 0.5]}}', '{"a": 1e-300}', false], // relative to 0: only 0 is close
    ['{"a": {"$near": [0, 0.5, 0]}}', '{"a": 0}', true],
    ['{"a": {"$near": 1}}', '{"a": true}', true],
    ['{"a": {"$near": 1180591620717411303424}}', '{"a": 1.180591620717411303424e21}', true],
    ['{"a": {"$near": 1}}', '{"a": "1"}', false], // signac: TypeError
    ['{"a": {"$near": 1}}', '{"a": null}', false],
    ['{"a": {"$near": 1}}', '{"a": [1]}', false],
    ['{"a": {"$near": 1}}', "{}", false],
  ]);
});

describe("$and $or $not", () => {
  table([
    ['{"$or": [{"a": 1}, {"b": 2}]}', '{"a": 1, "b": 0}', true],
    ['{"$or": [{"a": 1}, {"b": 2}]}', '{"a": 0, "b": 2}', true],
    ['{"$or": [{"a": 1}, {"b": 2}]}', '{"a": 0, "b": 0}', false],
    ['{"$and": [{"a": 1}, {"b": 2}]}', '{"a": 1, "b": 2.0}', true],
    ['{"$and": [{"a": 1}, {"b": 2}]}', '{"a": 1, "b": 3}', false],
    ['{"$and": [{"a": {"$gt": 0}}, {"a": {"$lt": 2}}]}', '{"a": 1}', true],
    ['{"$not": {"a": 1}}', '{"a": 2}', true],
    ['{"$not": {"a": 1}}', '{"a": 1.0}', false],
    ['{"$not": {"a": 1}}', "{}", true],
    ['{"$not": {}}', '{"a": 1}', false], // {} matches everything, so its negation nothing
    ['{"$and": [{}]}', '{"a": 1}', true],
    ['{"$or": [{}]}', '{"a": 1}', true],
    ['{"$not": {"$or": [{"a": 1}, {"a": 2}]}}', '{"a": 3}', true],
    ['{"$not": {"$or": [{"a": 1}, {"a": 2}]}}', '{"a": 2}', false],
    ['{"$or": [{"$and": [{"a": 1}, {"b": 1}]}, {"c": 1}]}', '{"a": 1, "b": 1}', true],
    ['{"$or": [{"$and": [{"a": 1}, {"b": 1}]}, {"c": 1}]}', '{"a": 1, "c": 2}', false],
    ['{"a": 1, "$or": [{"b": 1}, {"c": 1}]}', '{"a": 1, "c": 1}', true],
    ['{"a": 1, "$or": [{"b": 1}, {"c": 1}]}', '{"a": 2, "c": 1}', false],
    ['{"a": 1, "$not": {"b": 1}}', '{"a": 1, "b": 2}', true],
    ['{}', '{"a": 1}', true],
    ['{}', "{}", true],
  ]);
});

describe("sp. and doc. prefixes", () => {
  const rows: [string, string, string, boolean][] = [
    ['{"sp.a": 1}', '{"a": 1}', '{"a": 2}', true],
    ['{"a": 2}', '{"a": 1}', '{"a": 2}', false],
    ['{"doc.a": 2}', '{"a": 1}', '{"a": 2}', true],
    ['{"doc.a": 1}', '{"a": 1}', '{"a": 2}', false],
    ['{"doc": {"a": 2}}', '{"a": 1}', '{"a": 2}', true],
    ['{"sp": {"a": 1}}', '{"a": 1}', '{"a": 2}', true],
    ['{"sp": {"doc": 1}}', '{"doc": 1}', "{}", true],
    ['{"a": {"doc": 1}}', '{"a": {"doc": 1}}', "{}", true],
    ['{"sp.sp": 1}', '{"sp": 1}', "{}", true],
    ['{"doc.a.b": {"$gt": 0}}', "{}", '{"a": {"b": 1}}', true],
    ['{"doc.a": {"$exists": false}}', '{"a": 1}', "{}", true],
    ['{"doc.$exists": true}', "{}", "{}", true],
    ['{"$not": {"doc.a": 2}}', "{}", '{"a": 2}', false],
    ['{"$or": [{"sp.a": 5}, {"doc.a": 2}]}', '{"a": 1}', '{"a": 2}', true],
    ['{"sp.a": 1, "doc.a": 2}', '{"a": 1}', '{"a": 2.0}', true],
  ];
  it.each(rows)("%s on sp %s, doc %s -> %s", (filter, sp, doc, expected) => {
    expect(matches(filter, sp, doc)).toBe(expected);
  });

  it("says whether documents are needed", () => {
    expect(filterNeedsDoc({})).toBe(false);
    expect(filterNeedsDoc(obj('{"a": 1, "sp.b": {"$gt": 1}}'))).toBe(false);
    expect(filterNeedsDoc(obj('{"a": {"doc": 1}}'))).toBe(false);
    expect(filterNeedsDoc(obj('{"doc.a": 1}'))).toBe(true);
    expect(filterNeedsDoc(obj('{"doc": {"a": 1}}'))).toBe(true);
    expect(filterNeedsDoc(obj('{"$not": {"doc.a": 1}}'))).toBe(true);
    expect(filterNeedsDoc(obj('{"$or": [{"a": 1}, {"$and": [{"doc.b": 1}]}]}'))).toBe(true);
    expect(compileFilter(obj('{"doc.a": 1}')).needsDoc).toBe(true);
  });

  it("reads the document lazily, at most once, after the state point keys", () => {
    let reads = 0;
    const doc = () => {
      reads++;
      return obj('{"x": 1, "y": 2}');
    };
    // written doc-first, but the state point key is tested first
    const f = compileFilter(obj('{"doc.x": 1, "a": 1, "doc.y": 2}'));
    expect(f(obj('{"a": 2}'), doc)).toBe(false);
    expect(reads).toBe(0);
    expect(f(obj('{"a": 1}'), doc)).toBe(true);
    expect(reads).toBe(1);
    const g = compileFilter(obj('{"$or": [{"doc.x": 5}, {"a": 1}], "$not": {"doc.y": 3}}'));
    reads = 0;
    expect(g(obj('{"a": 1}'), doc)).toBe(true);
    expect(reads).toBe(1);
    expect(compileFilter(obj('{"a": 1}'))(obj('{"a": 1}'), doc)).toBe(true);
    expect(reads).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Bad filters
// ---------------------------------------------------------------------------------------------

describe("bad filters", () => {
  const bad: [filter: string, message: RegExp][] = [
    ['{"a": {"$foo": 1}}', /unknown filter operator "\$foo"/],
    ['{"a.$foo": 1}', /unknown filter operator "\$foo"/],
    ['{"$foo": 1}', /unknown filter operator "\$foo"/],
    ['{"$or": [{"a": {"$foo": 1}}]}', /unknown filter operator "\$foo"/],
    ['{"a": {"$where": "lambda x: True"}}', /\$where is not supported/],
    ['{"$gt": 1}', /operator \$gt must follow a key/],
    ['{"a": {"$or": [{"b": 1}]}}', /\$or cannot be used under a key/],
    ['{"a": {"$not": {"$gt": 1}}}', /\$not cannot be used under a key/],
    ['{"a": {"$gt": {"b": 1}}}', /misplaced operator \$gt/],
    ['{"a.$gt.b": 1}', /misplaced operator \$gt/],
    ['{"a": {"$gt": {"$lt": 1}}}', /more than one operator/],
    ['{"pri$ce": 1}', /contains "\$" outside an operator/],
    ['{"a": {}}', /cannot match "sp.a" to an empty object/],
    ['{"$and": []}', /\$and takes a non-empty list/],
    ['{"$or": {"a": 1}}', /\$or takes a non-empty list/],
    ['{"$or": [1]}', /\$or\[0\] must be a filter object/],
    ['{"$not": [{"a": 1}]}', /\$not takes a filter object/],
    ['{"a": {"$exists": 1}}', /\$exists on "sp.a" takes true or false/],
    ['{"a": {"$type": "dict2"}}', /\$type on "sp.a" takes one of/],
    ['{"a": {"$type": 1}}', /\$type/],
    ['{"a": {"$near": "x"}}', /\$near on "sp.a" takes numbers/],
    ['{"a": {"$near": []}}', /list of 1 to 3 numbers/],
    ['{"a": {"$near": [1, 2, 3, 4]}}', /list of 1 to 3 numbers/],
    ['{"a": {"$near": [1, -0.1]}}', /tolerances must not be negative/],
    ['{"a": {"$in": 1}}', /\$in on "sp.a" takes a list/],
    ['{"a": {"$nin": "abc"}}', /\$nin on "sp.a" takes a list/],
    ['{"a": {"$regex": 1}}', /\$regex on "sp.a" takes a string/],
    ['{"a": {"$regex": "("}}', /invalid regular expression "\("/],
    ['{"a": {"$regex": "\\\\q"}}', /bad escape \\q/],
    // a construct of Python's that this node's JavaScript lacks
    ...(scopedFlags ? [] : [['{"a": {"$regex": "(?i:x)"}}', /invalid regular expression/] as [string, RegExp]]),
  ];
  it.each(bad)("%s", (filter, message) => {
    const err = userError(() => compileFilter(obj(filter)));
    expect(err.message).toMatch(message);
  });

  it("gives hints", () => {
    expect(userError(() => compileFilter(obj('{"a": {"$foo": 1}}'))).hint).toMatch(/\$eq.*\$near/);
    expect(userError(() => compileFilter(obj('{"a": {}}'))).hint).toMatch(/\$exists/);
  });

  it("rejects a filter that is not an object", () => {
    expect(userError(() => compileFilter([] as unknown as JsonObject)).message).toMatch(/must be a JSON object/);
  });
});

// ---------------------------------------------------------------------------------------------
// Python regular expressions
// ---------------------------------------------------------------------------------------------

describe("pythonRegex", () => {
  const rows: [pattern: string, text: string, expected: boolean][] = [
    ["abc", "xabcx", true],
    ["^abc$", "abc\n", true],
    ["^abc$", "abc\n\n", false],
    ["(?m)^b$", "a\nb\nc", true],
    ["^b$", "a\nb\nc", false],
    ["a.c", "a\nc", false],
    ["(?s)a.c", "a\nc", true],
    ["a.c", "a\rc", true], // Python's . excludes \n only
    ["\\Aab", "ab", true],
    ["b\\Z", "ab\n", false],
    ["(?x) a b # comment\n c", "abc", true],
    ["(?x) a\\ b", "a b", true],
    ["(?i)straße", "STRASSE", false],
    ["(?i)abc", "ABC", true],
    ["(?P<n>x)(?P=n)", "xx", true],
    ["(?#comment)ab", "ab", true],
    ["\\d", "\u0663", true],
    ["(?a)\\d", "\u0663", false],
    ["\\w", "é", true],
    ["(?a)\\w", "é", false],
    ["\\bé", "é", true],
    ["[\\w-]+$", "a-é", true],
    ["\\-", "-", true],
    ["[]a]", "]", true],
    ["[^]a]", "b", true],
    ["x{2}", "xx", true],
    ["x{,2}y", "y", true],
    ["{x}", "{x}", true],
    ["a}", "a}", true],
    ["a]", "a]", true],
    ["\\x41\\u0042\\U00000043", "ABC", true],
    ["\\101", "A", true],
    ["\\0", "\0", true],
    ["(a)\\1", "aa", true],
    ["\\a", "\x07", true],
    ["\\😀", "😀", true],
    ["[\\b]", "\b", true],
  ];
  it.each(rows)("%j on %j -> %s", (pattern, text, expected) => {
    expect(pythonRegex(pattern).test(text)).toBe(expected);
  });

  it("rejects what Python rejects or JavaScript cannot do", () => {
    for (const p of ["(", "[a", "\\", "\\q", "(?L)x", "\\N{DIGIT ONE}", "a**", "\\x4", "(?P=n", "\\400", ...(scopedFlags ? [] : ["(?i:x)"])]) {
      expect(() => pythonRegex(p), p).toThrow(UserError);
    }
  });

  it.runIf(scopedFlags)("scoped flags mean what they mean in Python where this node's JavaScript has them (node 23 and later)", () => {
    expect(pythonRegex("a(?i:b)c").test("aBc")).toBe(true);
    expect(pythonRegex("a(?i:b)c").test("aBC")).toBe(false);
  });

  it("throws nothing but UserError on random patterns", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 20 }), (p) => {
        try {
          pythonRegex(p).test("abc");
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("matches literal text like a substring search", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9 ]{0,8}$/), fc.string({ maxLength: 12 }), (p, s) => {
        expect(pythonRegex(p).test(s)).toBe(s.includes(p));
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The short CLI form
// ---------------------------------------------------------------------------------------------

describe("parseFilterArgs", () => {
  const rows: [args: string[], expected: string][] = [
    [[], "{}"],
    [["a"], '{"a": {"$exists": true}}'],
    [["a", "1"], '{"a": 1}'],
    [["a", "1.0"], '{"a": 1.0}'],
    [["a", "-0"], '{"a": 0}'],
    [["a", "1e3"], '{"a": 1000.0}'],
    [["a", "12345678901234567890"], '{"a": 12345678901234567890}'],
    [["a", "abc"], '{"a": "abc"}'],
    [["a", "two words"], '{"a": "two words"}'],
    [["a", "true"], '{"a": true}'],
    [["a", "false"], '{"a": false}'],
    [["a", "null"], '{"a": null}'],
    [["a", '"1"'], '{"a": "1"}'],
    [["a", '"true"'], '{"a": "true"}'],
    [["a", "/^w/"], '{"a": {"$regex": "^w"}}'],
    [["a", "//"], '{"a": {"$regex": ""}}'],
    [["a", "/"], '{"a": "/"}'],
    [["a", "!"], '{"a": {"$exists": true}}'],
    [["a", "1", "b"], '{"a": 1, "b": {"$exists": true}}'],
    [["a", "1", "b", "x"], '{"a": 1, "b": "x"}'],
    [["a", "b", "c"], '{"a": "b", "c": {"$exists": true}}'], // pairs by position, as signac
    [["a", "[1, 2.0]"], '{"a": [1, 2.0]}'],
    [["a", '{"$gt": 1}'], '{"a": {"$gt": 1}}'],
    [["i.$lt", "100"], '{"i.$lt": 100}'],
    [["doc.x", "1", "sp.y", "2"], '{"doc.x": 1, "sp.y": 2}'],
    [["a", "1", "a", "2"], '{"a": 2}'],
    // typed as `cohort init` and `run` type values (multivalue.ts parseScalar), not as Python literals
    [["a", "+5"], '{"a": 5}'],
    [["a", "01"], '{"a": "01"}'],
    [["a", "1_000"], '{"a": "1_000"}'],
    [["a", ".5"], '{"a": 0.5}'],
    [["a", "1."], '{"a": 1.0}'],
    [["a", "-1_0.5e-1"], '{"a": "-1_0.5e-1"}'],
    [["a", "inf"], '{"a": "inf"}'],
    [["a", "'1'"], '{"a": "1"}'],
    [["a", "'{x'"], '{"a": "{x"}'],
    [["a", "1_"], '{"a": "1_"}'],
    [["a", "0x10"], '{"a": "0x10"}'],
    [["a", "True"], '{"a": "True"}'],
    [['{"a": 1.0, "b": {"$in": [1, 2]}}'], '{"a": 1.0, "b": {"$in": [1, 2]}}'],
    [['  {"a": 1}  '], '{"a": 1}'],
    [["{}"], "{}"],
  ];
  it.each(rows)("%j -> %s", (args, expected) => {
    expect(dumpJson(parseFilterArgs(args))).toBe(expected);
  });

  it("refuses what every command-line value refuses: floats out of range, unbalanced brackets", () => {
    expect(userError(() => parseFilterArgs(["a", "1e400"])).message).toMatch(/the value of "a": 1e400 is too large for a float/);
    expect(userError(() => parseFilterArgs(["a", "-1e999"])).message).toMatch(/too large for a float/);
    expect(userError(() => parseFilterArgs(["a", "{x"])).message).toMatch(/the value of "a": \{x starts like JSON but is not valid JSON/);
    expect(userError(() => parseFilterArgs(["a", "[1,"])).message).toMatch(/starts like JSON but is not valid JSON/);
    expect(userError(() => parseFilterArgs(["a", "x}"])).message).toMatch(/the value of "a": unbalanced brackets in x\}/);
  });

  it("warns about Python spellings of true, false and null", () => {
    const warnings: string[] = [];
    expect(parseFilterArgs(["a", "None"], { warn: (m) => warnings.push(m) })).toEqual({ a: "None" });
    expect(warnings).toEqual(['the value "None" of "a" is a string: did you mean null?']);
  });

  it("keeps keys that are names of Object.prototype members", () => {
    const f = parseFilterArgs(["__proto__", "1"]);
    expect(Object.keys(f)).toEqual(["__proto__"]);
    expect(compileFilter(f)(obj('{"__proto__": 1}'), () => ({}))).toBe(true);
  });

  const bad: [args: string[], message: RegExp][] = [
    [['{"a": 1'], /malformed JSON in the filter: .* at line 1, column 8/],
    [['{"a": }'], /malformed JSON in the filter: unexpected character "}" at line 1, column 7/],
    [['{\n  "a": 1,\n}'], /at line 3, column 1/],
    [["{x"], /malformed JSON in the filter/],
    [["[1, 2]"], /a filter must be a JSON object, not a list/],
    [["a", "[1,]"], /the value of "a": \[1,\] starts like JSON but is not valid JSON: malformed JSON/],
    [["a", "{1}"], /the value of "a": .*expected a string key at line 1, column 2/],
    [["{x}", "1"], /a JSON expression cannot be a filter key/],
    [["[]", "1"], /a JSON expression cannot be a filter key/],
    [["", "1"], /empty filter key/],
    [["a..b", "1"], /bad key path "a\.\.b"/],
    [[".a", "1"], /bad key path "\.a"/],
    [["doc.", "1"], /bad key path "doc\."/],
    [['{"a": {"b.": 1}}'], /bad key path "b\."/],
    [["a.$foo", "1"], /unknown filter operator "\$foo"/],
    [["a", '{"$foo": 1}'], /unknown filter operator "\$foo"/],
    [["a", "{}"], /cannot match "sp.a" to an empty object/],
    [["a.$regex", "("], /invalid regular expression/],
    [["a", "/(/"], /invalid regular expression/],
    [["a.$exists", "maybe"], /\$exists on "sp.a" takes true or false/],
    [['{"a": {"$or": []}}'], /\$or cannot be used under a key/],
  ];
  it.each(bad)("%j is an error", (args, message) => {
    const err = userError(() => parseFilterArgs(args));
    expect(err.message).toMatch(message);
  });

  it("reports malformed JSON as a JsonSyntaxError with its position", () => {
    const err = userError(() => parseFilterArgs(['{"a": [1, 2}']));
    expect(err).toBeInstanceOf(JsonSyntaxError);
    expect((err as JsonSyntaxError).line).toBe(1);
    expect((err as JsonSyntaxError).column).toBe(12);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const keyArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/).filter((k) => k !== "sp" && k !== "doc");
const scalarArb: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).filter((b) => b < BigInt(Number.MIN_SAFE_INTEGER) || b > BigInt(Number.MAX_SAFE_INTEGER)),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((x) => (Number.isInteger(x) ? new Float(x) : x)),
  fc.string({ unit: "binary", maxLength: 10 }),
);

describe("properties", () => {
  it("key + dumpJson(value) finds exactly that value", () => {
    fc.assert(
      fc.property(keyArb, scalarArb, scalarArb, (key, value, other) => {
        const filter = parseFilterArgs([key, dumpJson(value)]);
        const f = compileFilter(filter);
        expect(f({ [key]: value }, () => ({}))).toBe(true);
        expect(f({}, () => ({}))).toBe(false);
        // another value matches only if Python's == says they are equal
        const sameText = dumpJson(other) === dumpJson(value);
        if (sameText) expect(f({ [key]: other }, () => ({}))).toBe(true);
        if (typeof other === "string" && typeof value !== "string") expect(f({ [key]: other }, () => ({}))).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it("an int and a float with the same value match each other", () => {
    fc.assert(
      fc.property(keyArb, fc.maxSafeInteger(), (key, n) => {
        const asFloat = new Float(n);
        for (const [query, stored] of [
          [n, asFloat],
          [asFloat, n],
        ] as const) {
          const f = compileFilter({ [key]: query });
          expect(f({ [key]: stored }, () => ({}))).toBe(true);
          expect(f({ [key]: n + 1 }, () => ({}))).toBe(n + 1 === n);
          expect(compileFilter({ [key]: { $in: [query] } })({ [key]: stored }, () => ({}))).toBe(true);
          expect(compileFilter({ [key]: { $lte: query, $gte: query } })({ [key]: stored }, () => ({}))).toBe(true);
        }
      }),
    );
  });

  it("a lone key means: the key exists", () => {
    fc.assert(
      fc.property(keyArb, scalarArb, (key, value) => {
        const f = compileFilter(parseFilterArgs([key]));
        expect(f({ [key]: value }, () => ({}))).toBe(true);
        expect(f({ [`${key}x`]: value }, () => ({}))).toBe(false);
      }),
    );
  });

  it("$gt and $lte split the numbers", () => {
    const numArb = fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.boolean());
    fc.assert(
      fc.property(numArb, numArb, (x, y) => {
        const gt = compileFilter({ a: { $gt: y } })({ a: x }, () => ({}));
        const lte = compileFilter({ a: { $lte: y } })({ a: x }, () => ({}));
        expect(gt).toBe(!lte);
        expect(gt).toBe(Number(x) > Number(y));
      }),
    );
  });

  const garbageArb = fc.array(
    fc.oneof(
      fc.string({ unit: "binary", maxLength: 12 }),
      fc.json({ maxDepth: 3 }),
      fc.constantFrom("{", "}", "[", "]", "/", "//", "/(/", "!", "$gt", "a.$lt", "$or", "doc.", "sp", ".", "{}", "[]", '{"$or": []}'),
    ),
    { maxLength: 6 },
  );

  it("random arguments give a valid filter or a UserError", () => {
    const sps = [obj('{"a": 1, "b": "x", "c": [1, {"d": null}], "e": {"f": 1.5}}'), obj("{}")];
    fc.assert(
      fc.property(garbageArb, (args) => {
        let filter: JsonObject;
        try {
          filter = parseFilterArgs(args);
        } catch (err) {
          if (err instanceof UserError) return;
          throw err;
        }
        const f = compileFilter(filter);
        for (const sp of sps) f(sp, () => sp);
      }),
      { numRuns: 2000 },
    );
  });

  const filterKeyArb = fc.constantFrom(
    "a",
    "b",
    "a.b",
    "doc.a",
    "sp.b",
    "$and",
    "$or",
    "$not",
    "$eq",
    "$ne",
    "$gt",
    "$lte",
    "$in",
    "$nin",
    "$regex",
    "$type",
    "$exists",
    "$near",
    "$foo",
  );
  const { filter: filterArb } = fc.letrec<{ filter: JsonObject; value: JsonValue }>((tie) => ({
    filter: fc.dictionary(filterKeyArb, tie("value"), { maxKeys: 3 }),
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      scalarArb,
      fc.constantFrom("int", "float", "str", "^a", "(" as JsonValue),
      fc.array(fc.oneof(scalarArb, tie("filter")), { maxLength: 3 }),
      tie("filter"),
    ),
  }));

  it("random filters compile or give a UserError, and never throw when run", () => {
    const sps = [
      obj('{"a": 1, "b": "abc"}'),
      obj('{"a": {"b": [1, 2.0]}, "b": null}'),
      obj('{"a": true, "b": 1180591620717411303424}'),
      obj("{}"),
    ];
    fc.assert(
      fc.property(filterArb, (filter) => {
        let f;
        try {
          f = compileFilter(filter);
        } catch (err) {
          if (err instanceof UserError) return;
          throw err;
        }
        for (const sp of sps) expect(typeof f(sp, () => sp)).toBe("boolean");
      }),
      { numRuns: 3000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The project signac 2.4.1 made, and the ids its find_jobs returned
// ---------------------------------------------------------------------------------------------

describe("signac's answers on test/fixtures/signac-project", () => {
  const workspace = path.join(FIXTURES, "signac-project", "workspace");
  const jobs = fs.readdirSync(workspace).map((id) => {
    const dir = path.join(workspace, id);
    const docFile = path.join(dir, "signac_job_document.json");
    return {
      id,
      sp: parseJson(fs.readFileSync(path.join(dir, "signac_statepoint.json"), "utf8")) as JsonObject,
      doc: fs.existsSync(docFile) ? (parseJson(fs.readFileSync(docFile, "utf8")) as JsonObject) : {},
    };
  });

  const expected: [filter: string, ids: string][] = [
    [
      '{"T": {"$gt": 1.2}, "model": "lj"}',
      "99a44666a7f7c4840f0c929c0e956791 b0090424f93b008294a77d29fa4f6a04 c70eef595365ca034fe67c1b4947a690 eb729366d8f3b68036557bbe62e0bde9",
    ],
    [
      '{"doc.prepared": true}',
      "09f324ec5778311adea494d74da682ad 361cc0052c897bb1be5da78b8ddd8c3c 4a90233f9cbaae7b6b09e058d1d9936d 99a44666a7f7c4840f0c929c0e956791 c70eef595365ca034fe67c1b4947a690 db8f4dc089f402ca2eb69be2fa231905",
    ],
    [
      '{"N": 64, "params.sigma": 1}',
      "09f324ec5778311adea494d74da682ad 361cc0052c897bb1be5da78b8ddd8c3c 4a90233f9cbaae7b6b09e058d1d9936d 99a44666a7f7c4840f0c929c0e956791 c70eef595365ca034fe67c1b4947a690 db8f4dc089f402ca2eb69be2fa231905",
    ],
    [
      '{"model": {"$regex": "^w"}}',
      "09f324ec5778311adea494d74da682ad 281dfa219b20c55cbcd7d5ce911ff636 4a90233f9cbaae7b6b09e058d1d9936d 7b7290fbf9abab70b0e52114eacccd1a b9e5f810b212dcaabdc473e20a002f63 db8f4dc089f402ca2eb69be2fa231905",
    ],
    [
      '{"$or": [{"T": 1.0}, {"big": {"$exists": true}}]}',
      "281dfa219b20c55cbcd7d5ce911ff636 361cc0052c897bb1be5da78b8ddd8c3c 73030f47a505bb5ec56e45ceba007935 db8f4dc089f402ca2eb69be2fa231905 ea4d7baf4f867f27dbbc9155051df01e",
    ],
    ['{"doc.energy": {"$lt": -20}}', "7b7290fbf9abab70b0e52114eacccd1a b0090424f93b008294a77d29fa4f6a04"],
    [
      '{"T": {"$in": [1.0, 2]}}',
      "281dfa219b20c55cbcd7d5ce911ff636 361cc0052c897bb1be5da78b8ddd8c3c 4a90233f9cbaae7b6b09e058d1d9936d 7b7290fbf9abab70b0e52114eacccd1a b0090424f93b008294a77d29fa4f6a04 c70eef595365ca034fe67c1b4947a690 db8f4dc089f402ca2eb69be2fa231905 ea4d7baf4f867f27dbbc9155051df01e",
    ],
  ];

  function find(filter: JsonObject): string {
    const f = compileFilter(filter);
    return jobs
      .filter((j) => f(j.sp, () => j.doc))
      .map((j) => j.id)
      .sort()
      .join(" ");
  }

  it("has the 13 jobs", () => {
    expect(jobs).toHaveLength(13);
  });

  it.each(expected)("%s", (filter, ids) => {
    expect(find(obj(filter))).toBe(ids);
  });

  it.each(expected)("%s (given on the command line as one JSON argument)", (filter, ids) => {
    expect(find(parseFilterArgs([filter]))).toBe(ids);
  });

  it("answers the same to the short form", () => {
    expect(find(parseFilterArgs(["T.$gt", "1.2", "model", "lj"]))).toBe(expected[0][1]);
    expect(find(parseFilterArgs(["doc.prepared", "true"]))).toBe(expected[1][1]);
    expect(find(parseFilterArgs(["N", "64", "params.sigma", "1"]))).toBe(expected[2][1]);
    expect(find(parseFilterArgs(["model", "/^w/"]))).toBe(expected[3][1]);
    expect(find(parseFilterArgs(["doc.energy", '{"$lt": -20}']))).toBe(expected[5][1]);
    expect(find(parseFilterArgs(["T", '{"$in": [1.0, 2]}']))).toBe(expected[6][1]);
    expect(find(parseFilterArgs(["big"]))).toBe("73030f47a505bb5ec56e45ceba007935");
  });

  it("finds the odd job by its odd values", () => {
    const odd = "73030f47a505bb5ec56e45ceba007935";
    expect(find(obj('{"\\u00e9": "\\u00fc"}'))).toBe(odd);
    expect(find(obj('{"big": 1180591620717411303424}'))).toBe(odd);
    expect(find(obj('{"tiny": {"$near": 1e-7}}'))).toBe(odd);
    expect(find(obj('{"tiny": {"$lt": 1e-6, "$gt": 0}}'))).toBe(odd);
    expect(find(obj('{"list": [1, 1.0, "1", true, null]}'))).toBe(odd);
    expect(find(obj('{"list": [true, 1, "1", 1, null]}'))).toBe(odd);
    expect(find(obj('{"list": {"$type": "list"}}'))).toBe(odd);
    expect(find(obj('{"T": {"$exists": false}}'))).toBe(odd);
    expect(find(obj('{"$not": {"T": {"$exists": true}}}'))).toBe(odd);
  });
});

// ---------------------------------------------------------------------------------------------
// Speed
// ---------------------------------------------------------------------------------------------

describe("scale", () => {
  it("runs a compiled filter on 100,000 state points without reading documents", () => {
    const sps: JsonObject[] = [];
    const models = ["lj", "wca", "gay-berne"];
    for (let i = 0; i < 100_000; i++) {
      sps.push({ T: (i % 50) / 10, N: i % 7 === 0 ? 64 : 128, model: models[i % 3], params: { sigma: new Float(1), epsilon: i % 4 } });
    }
    const f = compileFilter(
      obj('{"T": {"$gt": 1.2}, "model": {"$regex": "^(lj|wca)$"}, "params.sigma": 1, "N": {"$in": [64, 32]}, "$not": {"params.epsilon": 3}}'),
    );
    const noDoc = (): JsonObject => {
      throw new Error("the document was read");
    };
    let count = 0;
    for (const sp of sps) if (f(sp, noDoc)) count++;
    const expected = sps.filter((sp) => {
      const p = sp.params as JsonObject;
      return (sp.T as number) > 1.2 && sp.model !== "gay-berne" && sp.N === 64 && p.epsilon !== 3;
    }).length;
    expect(count).toBe(expected);
  });
});
