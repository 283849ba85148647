/**
 * One function types a value given on the command line (dataspace/multivalue.ts parseScalar): the value
 * of `cohort init` and `job init` (KEY=VALUE), of `run` and `exec` flags, of `doc ID KEY VALUE`, and of
 * `find`/`-f` (KEY VALUE). These properties hold for all of them at once.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseStatepointArgs } from "../../src/cli/statepoint-arg.js";
import { parseFilterArgs } from "../../src/dataspace/filter.js";
import { canonicalJson } from "../../src/dataspace/json.js";
import { formatScalar, parseAssignments, parseScalar, parseValueSpec } from "../../src/dataspace/multivalue.js";
import { float, type JsonValue } from "../../src/dataspace/value.js";
import { UserError } from "../../src/util/errors.js";

type Outcome = { value: string } | { refused: string };

/** What one parser makes of a text: the value (as canonical JSON, which keeps 1 and 1.0 apart) or a refusal. */
function outcome(parse: () => JsonValue): Outcome {
  let v: JsonValue;
  try {
    v = parse();
  } catch (err) {
    if (err instanceof UserError) return { refused: "UserError" };
    throw err;
  }
  try {
    return { value: canonicalJson([v]) };
  } catch {
    return { value: `not JSON: ${String(v)}` }; // Infinity, NaN: a value all the same, not a refusal
  }
}

/** The value as each command reads it. */
const readers: Record<string, (text: string) => JsonValue> = {
  "run flag / init": (t) => {
    const [a] = parseAssignments([`k=${t}`]);
    expect(a.multi).toBe(false);
    return a.values[0];
  },
  "job init": (t) => parseStatepointArgs([`k=${t}`]).k,
  doc: (t) => parseScalar(t),
  find: (t) => parseFilterArgs(["k", t]).k,
};

function outcomes(text: string): Record<string, Outcome> {
  return Object.fromEntries(Object.entries(readers).map(([name, read]) => [name, outcome(() => read(text))]));
}

const same = (text: string) => {
  const all = outcomes(text);
  const first = all.doc;
  for (const [name, o] of Object.entries(all)) expect(o, `${name} of ${JSON.stringify(text)}`).toEqual(first);
  return first;
};

// Text in the syntax all four share: not a `{a,b}` list or range (init and run only), not a random
// distribution, not `/re/` or `!` (find only). Keys with a dot inside JSON are refused by state points only.
const alphabet = fc.constantFrom(..."[]{}'\"\\,:0123456789.-+eE abxtrunlf_".split(""), "true", "null", "1e999", "[1, 2]", '{"a": 1}');
const sharedText = fc
  .array(alphabet, { maxLength: 10 })
  .map((parts) => parts.join(""))
  .filter((t) => !/^\s*(\{|\/|!$|(log)?uniform\[)/.test(t) && !t.includes("."));

describe("every command types a value alike", () => {
  it("init, job init, run flags, doc and find accept and refuse the same text, with the same value", () => {
    fc.assert(fc.property(sharedText, (t) => void same(t)), { numRuns: 3000 });
  });

  it("and so for floats, which hold a '.'", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        // Infinity prints as text ("Infinity", a string everywhere), never as a number
        for (const text of Number.isFinite(x) ? [formatScalar(float(x)), String(x), x.toExponential()] : [String(x)]) same(text);
      }),
    );
  });
});

describe("numbers", () => {
  it("any finite float round-trips through its printed form, as any command reads it", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(same(formatScalar(float(x)))).toEqual({ value: canonicalJson([float(x)]) });
        // toExponential drops the sign of -0
        if (!Object.is(x, -0)) expect(same(x.toExponential())).toEqual({ value: canonicalJson([float(x)]) });
      }),
    );
  });

  it("any integer round-trips, big ones too", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }), (n) => {
        expect(same(n.toString())).toEqual({ value: canonicalJson([n]) });
      }),
    );
  });

  it("a float beyond a double's range is refused by every command", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 309, max: 5000 }), fc.boolean(), (m, e, neg) => {
        const text = `${neg ? "-" : ""}${m}e${e}`;
        expect(same(text)).toEqual({ refused: "UserError" });
        expect(() => parseScalar(text)).toThrow(/too large for a float/);
      }),
    );
  });
});

describe("brackets", () => {
  /** Whether the brackets of `t` pair up (the reference: a stack). */
  function balanced(t: string): boolean {
    const closers: string[] = [];
    for (const c of t) {
      if (c === "[") closers.push("]");
      else if (c === "{") closers.push("}");
      else if ((c === "]" || c === "}") && closers.pop() !== c) return false;
    }
    return closers.length === 0;
  }

  const unquoted = fc
    .array(fc.constantFrom(..."[]{},.ab1 ".split(""), ".."), { minLength: 1, maxLength: 10 })
    .map((p) => p.join(""))
    .filter((t) => !balanced(t));

  it("any value with unbalanced brackets is refused: as a flag, a list, a state point, a document value, a filter", () => {
    fc.assert(
      fc.property(unquoted, (t) => {
        expect(() => parseValueSpec(t)).toThrow(UserError);
        expect(() => parseAssignments([`k=${t}`])).toThrow(UserError);
        expect(() => parseStatepointArgs([`k=${t}`])).toThrow(UserError);
        expect(() => parseScalar(t)).toThrow(UserError);
        expect(() => parseFilterArgs(["k", t])).toThrow(UserError);
      }),
      { numRuns: 3000 },
    );
  });

  it("a quoted value keeps any brackets", () => {
    fc.assert(
      fc.property(unquoted, (t) => {
        expect(parseScalar(`'${t}'`)).toBe(t);
        expect(parseScalar(formatScalar(t))).toBe(t);
      }),
    );
  });
});
