/**
 * Job ids must equal signac's byte for byte: md5 of `json.dumps(sp, sort_keys=True)`.
 * test/fixtures/signac-ids.jsonl holds state points (as the JSON text Python's json.dumps wrote)
 * with the ids signac computed for them.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { JOB_ID, jobId } from "../../src/dataspace/id.js";
import { canonicalJson, dumpJson, parseJson, parseJsonTyped, prettyJson } from "../../src/dataspace/json.js";
import { Float, type JsonObject, type JsonValue, float } from "../../src/dataspace/value.js";

interface FixtureLine {
  sp: string;
  id: string;
}

const FIXTURE = fileURLToPath(new URL("../fixtures/signac-ids.jsonl", import.meta.url));

function fixtureLines(): FixtureLine[] {
  return fs
    .readFileSync(FIXTURE, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as FixtureLine);
}

function isObject(v: JsonValue): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Float);
}

/** Integer-index keys ("0", "42"), which JavaScript objects always enumerate first. */
function hasIndexKey(v: JsonValue): boolean {
  if (Array.isArray(v)) return v.some(hasIndexKey);
  if (!isObject(v)) return false;
  return Object.keys(v).some((k) => /^(0|[1-9][0-9]*)$/.test(k)) || Object.values(v).some(hasIndexKey);
}

function spOf(text: string): JsonObject {
  const v = parseJson(text);
  if (!isObject(v)) throw new Error(`not an object: ${text}`);
  return v;
}

describe("jobId", () => {
  it("gives the SPEC's examples", () => {
    expect(jobId(spOf('{"a": 0}'))).toBe("9bfd29df07674bc4aa960cf661b5acd2");
    expect(jobId(spOf('{"a": 1}'))).toBe("42b7b4f2921788ea14dac5566e6f06d0");
    expect(jobId(spOf('{"a": 1.0}'))).toBe("4b8937963abc9e9148b4524d4f837b4b");
    expect(jobId(spOf('{"b": 1e-05, "a": 1e16, "c": "é", "d": 1}'))).toBe("7d21e3ffb678924371eca615e4e02906");
  });

  it("gives the same ids for the same values built in code", () => {
    expect(jobId({ a: 0 })).toBe("9bfd29df07674bc4aa960cf661b5acd2");
    expect(jobId({ a: 1 })).toBe("42b7b4f2921788ea14dac5566e6f06d0");
    expect(jobId({ a: 1n })).toBe("42b7b4f2921788ea14dac5566e6f06d0");
    expect(jobId({ a: new Float(1) })).toBe("4b8937963abc9e9148b4524d4f837b4b");
    expect(jobId({ a: float(1) })).toBe("4b8937963abc9e9148b4524d4f837b4b");
    expect(jobId({ d: 1, c: "é", a: new Float(1e16), b: 1e-5 })).toBe("7d21e3ffb678924371eca615e4e02906");
  });

  it("tells an int from a float, and -0.0 from 0.0", () => {
    const ids = ["0", "0.0", "-0.0", "-0", "1", "1.0", "1e0"].map((x) => jobId(spOf(`{"a": ${x}}`)));
    expect(ids[0]).toBe(ids[3]); // -0 is the int 0
    expect(ids[1]).not.toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[1]);
    expect(ids[4]).not.toBe(ids[5]);
    expect(ids[5]).toBe(ids[6]);
  });

  it("is the md5 of the canonical JSON, 32 lowercase hex digits", () => {
    const sp = spOf('{"b": [1, 2.5, "x"], "a": {"z": null, "y": true}}');
    expect(canonicalJson(sp)).toBe('{"a": {"y": true, "z": null}, "b": [1, 2.5, "x"]}');
    expect(jobId(sp)).toBe(createHash("md5").update('{"a": {"y": true, "z": null}, "b": [1, 2.5, "x"]}').digest("hex"));
    expect(jobId(sp)).toMatch(JOB_ID);
    expect(jobId({})).toBe("99914b932bd37a50b983c5e7c90ae93b"); // md5("{}")
  });

  it("JOB_ID accepts only full lowercase ids", () => {
    expect(JOB_ID.test("9bfd29df07674bc4aa960cf661b5acd2")).toBe(true);
    expect(JOB_ID.test("9BFD29DF07674BC4AA960CF661B5ACD2")).toBe(false);
    expect(JOB_ID.test("9bfd29df07674bc4aa960cf661b5acd")).toBe(false);
    expect(JOB_ID.test("9bfd29df07674bc4aa960cf661b5acd20")).toBe(false);
    expect(JOB_ID.test(" 9bfd29df07674bc4aa960cf661b5acd2")).toBe(false);
  });
});

describe("signac's ids (test/fixtures/signac-ids.jsonl)", () => {
  const lines = fixtureLines();

  it("has all 120 lines", () => {
    expect(lines).toHaveLength(120);
    for (const { id } of lines) expect(id).toMatch(JOB_ID);
  });

  it("every id matches", () => {
    const wrong = lines.filter(({ sp, id }) => jobId(spOf(sp)) !== id).map(({ sp }) => sp);
    expect(wrong).toEqual([]);
  });

  it("the typed parser alone gives the same ids", () => {
    for (const { sp, id } of lines) expect({ sp, id: jobId(parseJsonTyped(sp) as JsonObject) }).toEqual({ sp, id });
  });

  it("read -> write -> id round trips through canonicalJson, dumpJson and prettyJson", () => {
    for (const { sp, id } of lines) {
      const value = spOf(sp);
      const canonical = canonicalJson(value);
      for (const written of [canonical, dumpJson(value), prettyJson(value)]) {
        const back = spOf(written);
        expect({ sp, id: jobId(back) }).toEqual({ sp, id });
        expect(canonicalJson(back)).toBe(canonical);
      }
    }
  });

  it("dumpJson writes the text json.dumps wrote (insertion order kept)", () => {
    let checked = 0;
    for (const { sp } of lines) {
      const value = spOf(sp);
      // JavaScript objects enumerate integer-index keys first; json.test.ts documents that limitation
      if (hasIndexKey(value)) continue;
      expect(dumpJson(value)).toBe(sp);
      checked++;
    }
    expect(checked).toBeGreaterThan(90);
  });
});
