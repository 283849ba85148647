/**
 * The schema of a data space, as signac's `project.detect_schema()` finds it: for every state-point key
 * (a dotted path into nested objects) the Python types its values have and the distinct values of each
 * type. Values are told apart by their canonical JSON, so `1` and `1.0` are two values of two types.
 *
 * Like signac, nested objects are walked into (`{"params": {"sigma": 1.0}}` gives `params.sigma`),
 * an empty object is a value of type `dict`, and lists are values (type `list`), not walked into.
 */
import { canonicalJson, compareCodePoints, dumpJson } from "./json.js";
import { Float, numericValue, pyType, type JsonObject, type JsonValue, type PyType } from "./value.js";
import { displayWidth, printable } from "../util/text.js";

export interface SchemaType {
  type: PyType;
  /** Distinct values by their canonical JSON, in order of first appearance. */
  values: Map<string, JsonValue>;
  /** How many state points have a value of this type at this key. */
  count: number;
}

export interface SchemaKey {
  /** Dotted path, e.g. `params.sigma`. */
  key: string;
  /** By type, in the order null, bool, int, float, str, list, dict. */
  types: Map<PyType, SchemaType>;
  /** How many state points have this key. */
  count: number;
}

export interface Schema {
  /** Keys by dotted path, sorted by code point as signac sorts them. */
  keys: Map<string, SchemaKey>;
  /** The number of state points seen. */
  size: number;
}

export interface DetectOptions {
  /** Leave out keys that every state point has with one and the same value (signac's `exclude_const`). */
  excludeConst?: boolean;
}

const TYPE_ORDER: readonly PyType[] = ["null", "bool", "int", "float", "str", "list", "dict"];

/** A key unique among values of one type that is cheap to compute for the common cases. */
function valueKey(v: JsonValue, type: PyType): string {
  // Within one type these equal canonicalJson's text up to a one-to-one mapping.
  if (type === "str") return v as string;
  if (type === "int" && typeof v === "number") return String(v);
  return canonicalJson(v);
}

/** The schema of a set of state points, in one pass. */
export function detectSchema(sps: Iterable<JsonObject>, opts: DetectOptions = {}): Schema {
  const keys = new Map<string, SchemaKey>();
  let size = 0;

  const add = (path: string, v: JsonValue): void => {
    let entry = keys.get(path);
    if (!entry) {
      entry = { key: path, types: new Map(), count: 0 };
      keys.set(path, entry);
    }
    entry.count++;
    const type = pyType(v);
    let t = entry.types.get(type);
    if (!t) {
      t = { type, values: new Map(), count: 0 };
      entry.types.set(type, t);
    }
    t.count++;
    const k = valueKey(v, type);
    if (!t.values.has(k)) t.values.set(k, v);
  };

  const walk = (obj: JsonObject, prefix: string): void => {
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      const path = prefix ? prefix + "." + k : k;
      if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Float)) {
        let empty = true;
        for (const _ in v) {
          empty = false;
          break;
        }
        if (!empty) {
          walk(v, path);
          continue;
        }
      }
      add(path, v);
    }
  };

  for (const sp of sps) {
    size++;
    walk(sp, "");
  }

  const sorted = new Map<string, SchemaKey>();
  for (const path of [...keys.keys()].sort(compareCodePoints)) {
    const entry = keys.get(path)!;
    if (opts.excludeConst && entry.count === size && entry.types.size === 1) {
      const [only] = entry.types.values();
      if (only.values.size === 1) continue;
    }
    entry.types = new Map(TYPE_ORDER.filter((t) => entry.types.has(t)).map((t) => [t, entry.types.get(t)!]));
    sorted.set(path, entry);
  }
  return { keys: sorted, size };
}

// ---------------------------------------------------------------------------------------------------
// Printing

function compareNumbers(a: JsonValue, b: JsonValue): number {
  const x = numericValue(a as number | bigint | Float);
  const y = numericValue(b as number | bigint | Float);
  // < and > compare a bigint with a number exactly.
  if (x < y) return -1;
  if (x > y) return 1;
  return Number(!Object.is(x, -0)) - Number(!Object.is(y, -0)); // -0.0 before 0.0
}

/** Sorts the distinct values of one type as a person expects to read them. */
export function sortedValues(t: SchemaType): JsonValue[] {
  const values = [...t.values.values()];
  switch (t.type) {
    case "int":
    case "float":
      return values.sort(compareNumbers);
    case "str":
      return values.sort((a, b) => compareCodePoints(a as string, b as string));
    case "bool":
      return values.sort((a, b) => Number(a) - Number(b));
    case "list":
    case "dict": {
      const keyed = [...t.values.entries()].sort((a, b) => compareCodePoints(a[0], b[0]));
      return keyed.map(([, v]) => v);
    }
    default:
      return values;
  }
}

/** Python's `repr` of a string: single quotes unless the string holds one and no double quote. */
export function pyReprString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === q || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 32 || c === 127) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + q;
}

const MAX_VALUE_WIDTH = 60;

/** One value as the schema shows it: strings as Python prints them, everything else as JSON. */
export function formatSchemaValue(v: JsonValue): string {
  const text = typeof v === "string" ? pyReprString(v) : dumpJson(v);
  return text.length > MAX_VALUE_WIDTH ? text.slice(0, MAX_VALUE_WIDTH - 3) + "..." : text;
}

function countText(n: number): string {
  return `${n} value${n === 1 ? "" : "s"}`;
}

/** The value column of one (key, type) line. */
function describeValues(t: SchemaType, maxValues: number): string {
  const n = t.values.size;
  if (n === 1) return formatSchemaValue(t.values.values().next().value as JsonValue);
  if (t.type === "int" || t.type === "float") {
    let min: JsonValue | undefined;
    let max: JsonValue | undefined;
    for (const v of t.values.values()) {
      if (min === undefined || compareNumbers(v, min) < 0) min = v;
      if (max === undefined || compareNumbers(v, max) > 0) max = v;
    }
    return `${formatSchemaValue(min!)} .. ${formatSchemaValue(max!)} (${countText(n)})`;
  }
  if (maxValues === 0) return `(${countText(n)})`;
  const values = sortedValues(t);
  if (n <= maxValues) return values.map(formatSchemaValue).join(", ");
  // Like signac: the first values, an ellipsis, the last two.
  const tail = maxValues >= 3 ? 2 : 0;
  const head = Math.max(1, maxValues - tail);
  const shown = [...values.slice(0, head).map(formatSchemaValue), "...", ...values.slice(n - tail).map(formatSchemaValue)];
  return `${shown.join(", ")} (${countText(n)})`;
}

export interface FormatSchemaOptions {
  /** Strings, lists and objects: list at most this many values, else elide the middle. Default 5 (as signac). */
  maxValues?: number;
}

/**
 * The schema as text for people (lines joined by "\n", no final newline), one line per (key, type),
 * keys sorted, columns aligned:
 *
 * ```
 * N               int    64 .. 128 (2 values)  [in 12 of 13]
 * T               float  1.0 .. 2.0 (3 values)  [in 12 of 13]
 * model           str    'lj', 'wca'  [in 12 of 13]
 * ```
 *
 * Numbers show their range and count, other types their sorted values (`..., ` beyond `maxValues`,
 * only the count when `maxValues` is 0), a single value is shown as itself; `[in N of M]` marks a
 * type found in only N of the M state points. An empty schema is the empty string.
 */
export function formatSchema(schema: Schema, opts: FormatSchemaOptions = {}): string {
  return formatSchemaLines(schema, opts).join("\n");
}

/** {@link formatSchema} as an array of lines. */
export function formatSchemaLines(schema: Schema, opts: FormatSchemaOptions = {}): string[] {
  const maxValues = Math.max(0, Math.floor(opts.maxValues ?? 5));
  const rows: [string, string, string][] = [];
  for (const entry of schema.keys.values()) {
    for (const t of entry.types.values()) {
      let text = describeValues(t, maxValues);
      if (t.count < schema.size) text += `  [in ${t.count} of ${schema.size}]`;
      // a key is the user's text: its control characters show as escapes (values are escaped as
      // Python's repr or JSON escapes them), so that none can move the cursor or add a line
      rows.push([printable(entry.key), t.type, text]);
    }
  }
  // Aligned by display width (a key in CJK or with an emoji takes more columns than characters).
  // Not Math.max(...widths): a spread of 200,000 arguments overflows the stack.
  const keyWidths = rows.map((r) => displayWidth(r[0]));
  const keyWidth = keyWidths.reduce((w, n) => Math.max(w, n), 0);
  const typeWidth = rows.reduce((w, r) => Math.max(w, r[1].length), 0);
  return rows.map(([k, t, v], i) => `${k}${" ".repeat(keyWidth - keyWidths[i])}  ${t.padEnd(typeWidth)}  ${v}`);
}

/** The schema as JSON: `{key: {type: {"count": N, "values": [sorted distinct values]}}}`. */
export function schemaToJson(schema: Schema): JsonObject {
  const out: JsonObject = {};
  for (const entry of schema.keys.values()) {
    const types: JsonObject = {};
    for (const t of entry.types.values()) types[t.type] = { count: t.count, values: sortedValues(t) };
    Object.defineProperty(out, entry.key, { value: types, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
