/**
 * The value model of state points and documents.
 *
 * Python, and so signac, tells an integer from a float: `{"a": 1}` and `{"a": 1.0}` are two jobs.
 * JavaScript numbers cannot carry that difference, so cohort represents values as follows:
 *
 * - `number` that is a safe integer (and not `-0`): a Python `int`;
 * - any other `number` (fractional, `-0`, beyond 2^53): a Python `float`;
 * - `bigint`: a Python `int` of any size (the parser returns one only beyond 2^53);
 * - `Float`: a Python `float` whose value is integer-valued (`1.0`, `1e16`, `-0.0`), which a plain
 *   `number` would turn into an `int`. The parser returns a `Float` only in that case.
 */
/** util.inspect.custom, without importing node:util into the value model. */
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

export class Float {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  /** Python's `repr`, so that `{sp.T}` prints `1.0` as Python would. */
  toString(): string {
    return pythonFloatRepr(this.value);
  }
  /** A number for JSON.stringify, which cannot write `1.0`: cohort's dumpJson keeps it a float. */
  toJSON(): number {
    return this.value;
  }
  /** `console.log` and `util.inspect` show it as a number, the way Python writes it: `{ T: 1.0 }`. */
  [INSPECT](_depth: number, options: { stylize?: (text: string, style: string) => string }): string {
    const text = pythonFloatRepr(this.value);
    return options?.stylize ? options.stylize(text, "number") : text;
  }
}

/** Marks a JavaScript number as a Python float: `float(1)` is `1.0`. */
export function float(x: number): Float | number {
  return Number.isInteger(x) || Object.is(x, -0) ? new Float(x) : x;
}

export type JsonValue = null | boolean | number | bigint | Float | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export type PyType = "null" | "bool" | "int" | "float" | "str" | "list" | "dict";

export function pyType(v: JsonValue): PyType {
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return Number.isSafeInteger(v) && !Object.is(v, -0) ? "int" : "float";
    case "string":
      return "str";
  }
  if (v instanceof Float) return "float";
  return Array.isArray(v) ? "list" : "dict";
}

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Float);
}

/** Python's float `repr`: shortest round-trip digits, scientific below 1e-4 and from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const exp = x.toExponential(); // shortest digits that round-trip, e.g. "-1.2345e-7"
  const e = exp.indexOf("e");
  let mantissa = exp.slice(0, e);
  const exponent = Number(exp.slice(e + 1));
  const negative = mantissa.startsWith("-");
  if (negative) mantissa = mantissa.slice(1);
  const digits = mantissa.replace(".", "");
  let out: string;
  if (exponent < -4 || exponent >= 16) {
    const frac = digits.slice(1);
    const sign = exponent < 0 ? "-" : "+";
    const abs = Math.abs(exponent);
    out = digits[0] + (frac ? "." + frac : "") + "e" + sign + (abs < 10 ? "0" + abs : String(abs));
  } else if (exponent < 0) {
    out = "0." + "0".repeat(-exponent - 1) + digits;
  } else if (digits.length <= exponent + 1) {
    out = digits + "0".repeat(exponent + 1 - digits.length) + ".0";
  } else {
    out = digits.slice(0, exponent + 1) + "." + digits.slice(exponent + 1);
  }
  return negative ? "-" + out : out;
}

/** Numeric value of an int or float for comparisons; bigints stay exact. */
export function numericValue(v: number | bigint | Float): number | bigint {
  return v instanceof Float ? v.value : v;
}
