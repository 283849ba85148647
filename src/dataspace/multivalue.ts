/**
 * The multi-value flag syntax of SPEC §8, shared by `cohort init KEY=VALUE...` (a grid of jobs) and by
 * batches (`cohort run train lr={1e-4,1e-3,1e-2}`).
 *
 * One argument is `KEY=VALUE`. VALUE is read by {@link parseValueSpec}:
 *
 * | form                       | meaning                                                                |
 * |----------------------------|------------------------------------------------------------------------|
 * | `1`, `1.0`, `lj`, `'1'`    | one value, typed by {@link parseScalar}                                |
 * | `[1,2]`, `{"a": 1}`        | one JSON value (a list or an object)                                   |
 * | `{a,b,c}`                  | a list of values, each typed by {@link parseScalar}                    |
 * | `{1..5}`, `{5..1}`         | an inclusive integer range, ascending or descending (step ±1)         |
 * | `{1..10..3}`               | an inclusive range with a step: 1, 4, 7, 10                            |
 * | `{0..1..0.25}`             | a float range (any bound or the step written as a float): 0.0 .. 1.0   |
 * | `uniform[a:b]`             | random float draws, uniform in [a, b)                                  |
 * | `loguniform[a:b]`          | random float draws, uniform in log space; 0 < a < b                    |
 *
 * Rules, precisely:
 * - **Scalars** (`parseScalar`, the one function that types a value on cohort's command line): surrounding
 *   whitespace is ignored for typing. `true`, `false`, `null` (lowercase, as in JSON). Integers
 *   `[+-]?(0|[1-9][0-9]*)` → an int (a `bigint` beyond 2^53). Floats are decimal literals with a `.` or
 *   an exponent, Python's `float()` syntax without `inf`/`nan`: `1e-4`, `1.5`, `.5`, `5.`, `-0.0`; an
 *   integer-valued float is a `Float` (`1.0` ≠ `1`); one beyond a double's range (`1e999`) is an error,
 *   as in JSON text, and one too small for a double is 0.0, as in Python. A number with a leading zero
 *   (`007`, `00.5`) is a string, so that identifiers like `001` stay as written. A value in single
 *   quotes (`'x'`) is that string as written, quotes removed; a value in double quotes is a JSON string
 *   (`"a\"b"`), and must be one. A value starting with `[` or `{` is JSON and must be valid. Anything
 *   else is a string, exactly as given, whose brackets must pair up (`1}` and `a[` are errors).
 * - **Braces** (`parseValueSpec`): a value starting with `{` that is valid JSON is a JSON object (so
 *   `{}` and `{"a": 1}` are single values); otherwise it must end with `}` and is a range or a list.
 *   The inside is a **range** when it holds no `,`, does not start with a quote, and splits at `..`
 *   into 2 or 3 parts of which the first is not empty (`{../data}` stays a one-item list); the parts
 *   must then be numbers. Otherwise it is a **list**, split at top-level commas: an item that starts
 *   with a quote runs to the matching quote that is followed by `,` or the end (so `'a, b'` keeps its
 *   comma; in a double-quoted item a `\"` does not end it); commas inside `[...]`, `{...}` and JSON
 *   strings within them do not split, and those brackets must pair up. Unquoted items are trimmed;
 *   an empty one is an error (write `''` for an empty string). Nested lists and ranges are not
 *   supported. Duplicates are kept (a repeated value means a repeated run).
 * - **Ranges** are computed exactly in decimal: every value is `start + i*step` for `i = 0, 1, ...`
 *   while it does not pass `end`, and each is then the double nearest to that exact decimal, so
 *   `{0..1..0.1}` gives `0.3`, never `0.30000000000000004`, and the end is included whenever it is
 *   reached exactly. Without a step the step is 1 towards the end. A step of 0, a step pointing away
 *   from the end and non-numeric bounds are errors; so is a range of more than {@link MAX_GRID_POINTS}.
 * - **Distributions**: `uniform[LOW:HIGH]`, `loguniform[LOW:HIGH]` with numeric bounds, LOW < HIGH
 *   (and LOW > 0 for loguniform). Draws are always floats in [LOW, HIGH), also for int bounds
 *   (`uniform[0:1]` is not a coin flip); for random ints, list them (`n={1..64}`): in a random search
 *   a listed key is picked uniformly from its values. Draws keep full precision.
 * - **Arguments** (`parseAssignments`): `KEY=VALUE`, split at the first `=`. A repeated key adds values
 *   (`k=a k=b` is `k={a,b}`, what a shell's brace expansion makes of an unquoted `k={a,b}`); keys keep
 *   the position of their first appearance. A random distribution may not be combined with other
 *   values of the same key.
 * - **Grids** (`expandGrid`): without distributions, the cartesian product with the first key
 *   outermost; with `maxRuns` smaller than the grid, `maxRuns` distinct points drawn without
 *   replacement (seeded) and returned in grid order. With any distribution, a random search: `maxRuns`
 *   (default {@link DEFAULT_RANDOM_DRAWS}) draws, each sampling every distribution and picking every
 *   listed key's value uniformly from its list. Without `seed` the draws differ on every call.
 */
import { UserError } from "../util/errors.js";
import { dumpJson, FLOAT_RANGE_HINT, floatOfLiteral, floatRangeMessage, isTooDeep, parseJson } from "./json.js";
import { float, isPlainObject, pyType, type JsonObject, type JsonValue } from "./value.js";

/** The most points a grid, a range or a batch may have. */
export const MAX_GRID_POINTS = 10_000_000;
/** Draws made for random flags when no `maxRuns` is given (SPEC §8). */
export const DEFAULT_RANDOM_DRAWS = 20;

const QUOTE_HINT = "quote the value ('...') to pass it as a string";

// ---------------------------------------------------------------------------------------------------
// Scalars

const INT_RE = /^[+-]?(?:0|[1-9][0-9]*)$/;
const FLOAT_RE = /^[+-]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

function parseInteger(t: string): number | bigint {
  const digits = t.length - (t[0] === "+" || t[0] === "-" ? 1 : 0);
  if (digits < 16) return Number(t) || 0; // `|| 0`: "-0" is the int 0, as in Python
  const big = BigInt(t);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

function parseFloatText(t: string): JsonValue {
  const v = floatOfLiteral(t);
  if (v === undefined) throw new UserError(floatRangeMessage(t), FLOAT_RANGE_HINT);
  return v;
}

const DOUBLE_QUOTE_HINT = "write text taken as written in single quotes, e.g. 'C:\\data'";

/**
 * One typed value from its text: the one function that types a value given on the command line
 * (`cohort init`, `job init`, `run` and `exec` flags, `doc`, and the values of `find` and `-f`).
 * `true`/`false`/`null`, ints (bigint beyond 2^53), floats (`1.0` is a `Float`; beyond a double's
 * range refused), `'text'` as written, `"text"` as a JSON string, JSON for text starting with `[` or
 * `{`, else the text itself as a string, whose brackets must balance. See the module comment.
 */
export function parseScalar(text: string): JsonValue {
  const t = text.trim();
  if (t[0] === "'") {
    if (t.length >= 2 && t[t.length - 1] === "'") return t.slice(1, -1);
    throw new UserError(`unterminated quote in ${t}`, `end it with ', or quote the whole value in double quotes: "${t}"`);
  }
  if (t[0] === '"') return parseJsonString(t);
  switch (t) {
    case "true":
      return true;
    case "false":
      return false;
    case "null":
      return null;
  }
  if (INT_RE.test(t)) return parseInteger(t);
  if (FLOAT_RE.test(t)) return parseFloatText(t);
  if (t[0] === "[" || t[0] === "{") {
    try {
      return parseJson(t);
    } catch (err) {
      if (!(err instanceof UserError) || isTooDeep(err)) throw err;
      throw new UserError(`${t} starts like JSON but is not valid JSON: ${err.message}`, QUOTE_HINT);
    }
  }
  bracketsEnd(t, 0, false, t);
  return text;
}

function parseJsonString(t: string): string {
  let v: JsonValue;
  try {
    v = parseJson(t);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    throw new UserError(`${t} starts with a double quote but is not a JSON string: ${err.message}`, DOUBLE_QUOTE_HINT);
  }
  if (typeof v !== "string") throw new UserError(`${t} starts with a double quote but is not one JSON string`, DOUBLE_QUOTE_HINT);
  return v;
}

/**
 * Where unquoted text that starts at `from` ends: at the first `,` outside brackets when `commas`,
 * else at the end. Brackets (`[]`, `{}`) must pair up, and JSON strings inside them are skipped;
 * `1}` or `{1,2}}` is a mistake, never the string it would otherwise be.
 */
function bracketsEnd(s: string, from: number, commas: boolean, whole: string): number {
  const closers: string[] = [];
  let k = from;
  for (; k < s.length; k++) {
    const c = s[k];
    if (c === '"' && closers.length > 0) {
      k++;
      while (k < s.length && s[k] !== '"') k += s[k] === "\\" ? 2 : 1;
    } else if (c === "[") closers.push("]");
    else if (c === "{") closers.push("}");
    else if (c === "]" || c === "}") {
      if (closers.pop() !== c) throw unbalanced(whole);
    } else if (c === "," && commas && closers.length === 0) break;
  }
  if (closers.length > 0) throw unbalanced(whole);
  return k;
}

function unbalanced(whole: string): UserError {
  return new UserError(`unbalanced brackets in ${whole}`, `each { or [ needs its } or ]; or ${QUOTE_HINT}`);
}

// A string printed bare reads back as itself, also as an item of a {a,b} list.
const BARE_RE = /^[A-Za-z0-9_\-+./:@%^~=]+$/;

/**
 * The text that {@link parseScalar} reads back as `v`, also as an item of a `{a,b}` list: ints and
 * floats as Python prints them (`1.0`, `1e-05`), lists and objects as JSON, strings bare when that is
 * unambiguous, else in single quotes, or as a JSON string when they hold a single quote.
 */
export function formatScalar(v: JsonValue): string {
  if (typeof v !== "string") return dumpJson(v);
  if (BARE_RE.test(v) && !v.includes("..") && parseScalar(v) === v) return v;
  return v.includes("'") ? JSON.stringify(v) : `'${v}'`;
}

// ---------------------------------------------------------------------------------------------------
// Value specs

export interface Distribution {
  kind: "uniform" | "loguniform";
  low: number;
  high: number;
  /** The text as given, for messages and tables. */
  text: string;
}

export interface ValueList {
  kind: "list";
  values: JsonValue[];
  /** Written in a multi-value form (`{...}` list or range), even if it holds one value. */
  multi: boolean;
}

export type ValueSpec = ValueList | Distribution;

const DIST_RE = /^(uniform|loguniform)\[([^\]]*)\]$/;

/** One flag's value: a single value, a `{a,b}` list, a `{a..b..s}` range or a random distribution. */
export function parseValueSpec(text: string): ValueSpec {
  const t = text.trim();
  const m = DIST_RE.exec(t);
  if (m) return parseDistribution(m[1] as Distribution["kind"], m[2], t);
  const d = /^(uniform|loguniform)\[/.exec(t);
  if (d) throw new UserError(`malformed distribution ${t}`, `write ${d[1]}[LOW:HIGH], e.g. ${d[1]}[0.1:0.9], or ${QUOTE_HINT}`);
  if (t.startsWith("{")) return parseBraces(t);
  return { kind: "list", values: [parseScalar(text)], multi: false };
}

function parseDistribution(kind: Distribution["kind"], inner: string, text: string): Distribution {
  const parts = inner.split(":");
  if (parts.length !== 2) {
    throw new UserError(`malformed distribution ${text}`, `write ${kind}[LOW:HIGH], e.g. ${kind}[1e-4:1e-1]`);
  }
  const bounds = parts.map((p) => parseScalar(p));
  const nums = bounds.map((b, i) => {
    const type = pyType(b);
    if ((type !== "int" && type !== "float") || typeof b === "bigint") {
      throw new UserError(
        `the ${i ? "upper" : "lower"} bound of ${text} is not a number: ${JSON.stringify(parts[i].trim())}`,
        `write ${kind}[LOW:HIGH] with numbers, e.g. ${kind}[0.1:0.9]`,
      );
    }
    return Number(b);
  });
  const [low, high] = nums;
  if (!(low < high)) throw new UserError(`the bounds of ${text} are not increasing`, `write ${kind}[LOW:HIGH] with LOW < HIGH`);
  if (kind === "loguniform" && low <= 0) {
    throw new UserError(`the bounds of ${text} must be positive`, "a log-uniform distribution needs 0 < LOW < HIGH");
  }
  return { kind, low, high, text };
}

function parseBraces(t: string): ValueList {
  let jsonError: UserError;
  try {
    return { kind: "list", values: [parseJson(t)], multi: false };
  } catch (err) {
    // too deep as JSON is too deep as a list of values as well: the limit is the answer
    if (!(err instanceof UserError) || isTooDeep(err)) throw err;
    jsonError = err;
  }
  if (!t.endsWith("}") || t.length < 2) {
    throw new UserError(`${t} is neither a JSON object nor a {a,b,...} list of values`, `close the braces, or ${QUOTE_HINT}`);
  }
  const body = t.slice(1, -1);
  try {
    const range = parseRange(body, t);
    if (range) return { kind: "list", values: range, multi: true };
    return { kind: "list", values: splitList(body, t).map((item) => parseScalar(item)), multi: true };
  } catch (err) {
    if (err instanceof UserError && /^\s*"/.test(body)) {
      throw new UserError(
        `${t} is neither a JSON object (${jsonError.message}) nor a list of values (${err.message})`,
        "fix the JSON object, or write a list as {'a','b'}",
      );
    }
    throw err;
  }
}

function isWs(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

/** The items of a `{...}` list body, raw (quoted items keep their quotes). */
function splitList(body: string, whole: string): string[] {
  const items: string[] = [];
  const n = body.length;
  let i = 0;
  for (;;) {
    let j = i;
    while (j < n && isWs(body[j])) j++;
    const q = body[j];
    if (q === "'" || q === '"') {
      // The item ends at the first matching quote followed by optional blanks and `,` or the end; in
      // a JSON string ("..."), a quote after a backslash does not end it.
      let k = closingQuote(body, j + 1, q);
      let after = -1;
      while (k !== -1) {
        let e = k + 1;
        while (e < n && isWs(body[e])) e++;
        if (e === n || body[e] === ",") {
          after = e;
          break;
        }
        k = closingQuote(body, k + 1, q);
      }
      if (after < 0) {
        throw new UserError(
          `unterminated quote in ${whole}: a quoted item must end with ${q} before the next ',' or '}'`,
          "quote each item separately, e.g. {'a b','c'}",
        );
      }
      items.push(body.slice(j, k + 1));
      if (after === n) return items;
      i = after + 1;
      continue;
    }
    const k = bracketsEnd(body, j, true, whole);
    const item = body.slice(j, k).trimEnd();
    if (item === "") throw new UserError(`empty value in ${whole}`, "write '' for an empty string");
    items.push(item);
    if (k >= n) return items;
    i = k + 1;
  }
}

/** The next `q` at or after `from` (-1: none); for `"`, one after a backslash does not count. */
function closingQuote(s: string, from: number, q: string): number {
  if (q === "'") return s.indexOf(q, from);
  for (let k = from; k < s.length; k++) {
    if (s[k] === "\\") k++;
    else if (s[k] === q) return k;
  }
  return -1;
}

interface Decimal {
  /** The value is m × 10^e. */
  m: bigint;
  e: number;
  isFloat: boolean;
}

const DECIMAL_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/;
const MAX_EXPONENT = 400; // beyond this a double is 0 or infinite anyway

function decimalOf(part: string, what: string, whole: string): Decimal {
  const p = part.trim();
  const isInt = INT_RE.test(p);
  if (!isInt && !FLOAT_RE.test(p)) {
    throw new UserError(
      `the ${what} of the range ${whole} is not a number: ${JSON.stringify(p)}`,
      `write {START..END} or {START..END..STEP} with numbers, or ${QUOTE_HINT}`,
    );
  }
  const mm = DECIMAL_RE.exec(p)!;
  const frac = mm[3] ?? "";
  const exp = Number(mm[4] ?? 0);
  if (!Number.isFinite(Number(p))) throw new UserError(`the ${what} of the range ${whole}: ${floatRangeMessage(p)}`, FLOAT_RANGE_HINT);
  if (Math.abs(exp) > MAX_EXPONENT) throw new UserError(`the ${what} of the range ${whole} is out of range: ${p}`, "use numbers a float can hold");
  let m = BigInt(mm[2] + frac || "0");
  if (mm[1] === "-") m = -m;
  return { m, e: exp - frac.length, isFloat: !isInt };
}

/** The values of a range body, or null when the body is not a range. */
function parseRange(body: string, whole: string): JsonValue[] | null {
  const b = body.trim();
  if (b.includes(",") || b[0] === "'" || b[0] === '"') return null;
  const parts = b.split("..");
  if (parts.length < 2 || parts[0].trim() === "") return null;
  bracketsEnd(b, 0, false, whole);
  const format = "write {START..END} or {START..END..STEP}, e.g. {1..5} or {0..1..0.25}";
  if (parts.length > 3 || b.includes("...") || parts.some((p) => p.trim() === "")) {
    throw new UserError(`malformed range ${whole}`, format);
  }
  const start = decimalOf(parts[0], "start", whole);
  const end = decimalOf(parts[1], "end", whole);
  const step = parts.length === 3 ? decimalOf(parts[2], "step", whole) : undefined;
  const isFloat = start.isFloat || end.isFloat || (step?.isFloat ?? false);
  // Exact arithmetic on integers scaled by 10^scale.
  const scale = Math.max(0, -Math.min(start.e, end.e, step ? step.e : 0));
  const scaled = (d: Decimal): bigint => d.m * 10n ** BigInt(d.e + scale);
  const a = scaled(start);
  const z = scaled(end);
  let s: bigint;
  if (step) {
    s = scaled(step);
    if (s === 0n) throw new UserError(`the step of the range ${whole} is 0`, format);
    if ((z > a && s < 0n) || (z < a && s > 0n)) {
      throw new UserError(
        `the step of the range ${whole} goes away from its end`,
        `use a ${s < 0n ? "positive" : "negative"} step to go from ${parts[0].trim()} to ${parts[1].trim()}`,
      );
    }
  } else s = (z >= a ? 1n : -1n) * 10n ** BigInt(scale);
  const count = (z - a) / s + 1n;
  if (count > BigInt(MAX_GRID_POINTS)) {
    throw new UserError(`the range ${whole} has ${count} values, more than ${MAX_GRID_POINTS}`, "use a larger step");
  }
  const values: JsonValue[] = [];
  for (let i = 0n; i < count; i++) {
    const v = a + i * s;
    if (isFloat) values.push(float(Number(`${v}e-${scale}`)));
    else values.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  }
  return values;
}

// ---------------------------------------------------------------------------------------------------
// Arguments

export interface Assignment {
  key: string;
  /** The values, in order; empty when `dist` is set. */
  values: JsonValue[];
  /** A random distribution to draw this key's values from. */
  dist?: Distribution;
  /** Given in a multi-value form: a `{...}` list or range, a distribution, or a repeated key. */
  multi: boolean;
}

/** Checks a state-point key or flag name given on the command line. */
export function checkKey(key: string, arg: string): void {
  if (key === "") throw new UserError(`missing key in ${JSON.stringify(arg)}`, "write KEY=VALUE, e.g. lr=0.01");
  if (key.includes(".")) {
    throw new UserError(
      `the key ${JSON.stringify(key)} contains '.'`,
      `signac does not allow '.' in state-point keys; nest a JSON object instead, e.g. ${key.split(".")[0]}='{"${key.split(".").slice(1).join(".") || "x"}": 1}'`,
    );
  }
}

/**
 * `KEY=VALUE` arguments to an ordered list of keys and their values. A repeated key adds values:
 * `k=a k=b` is `k={a,b}`.
 */
export function parseAssignments(args: readonly string[]): Assignment[] {
  const byKey = new Map<string, Assignment>();
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq < 0) {
      throw new UserError(`expected KEY=VALUE, got ${JSON.stringify(arg)}`, "write each value as KEY=VALUE, e.g. lr=0.01 or T={1.0,2.0}");
    }
    const key = arg.slice(0, eq);
    checkKey(key, arg);
    const spec = parseValueSpec(arg.slice(eq + 1));
    const prev = byKey.get(key);
    if (prev && (prev.dist || spec.kind !== "list")) {
      throw new UserError(
        `${key} is given more than once with a random distribution`,
        `give a random flag once, e.g. ${key}=${prev.dist?.text ?? (spec as Distribution).text}`,
      );
    }
    if (prev) {
      // (a loop, not push(...values): a spread of 200,000 values, i={0..199999}, overflows the stack)
      for (const v of (spec as ValueList).values) prev.values.push(v);
      prev.multi = true;
    } else if (spec.kind === "list") byKey.set(key, { key, values: spec.values, multi: spec.multi });
    else byKey.set(key, { key, values: [], dist: spec, multi: true });
  }
  return [...byKey.values()];
}

// ---------------------------------------------------------------------------------------------------
// Seeded randomness

/** A seeded pseudo-random generator (sfc32, seeded through splitmix32). */
export interface Rng {
  /** A uniform 32-bit unsigned integer. */
  uint32(): number;
  /** A uniform float in [0, 1) with 53 random bits. */
  float(): number;
  /** A uniform integer in [0, n), n ≤ 2^53 (bias below n / 2^53). */
  int(n: number): number;
}

function splitmix32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

/** A generator whose sequence depends only on `seed`, a safe integer (negative allowed). */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new UserError(`the seed must be an integer, not ${seed}`, "e.g. --seed 42");
  const bits = BigInt.asUintN(64, BigInt(seed));
  const lo = splitmix32(Number(bits & 0xffffffffn));
  const hi = splitmix32(Number(bits >> 32n) ^ 0x5bd1e995);
  let a = lo();
  let b = lo() ^ hi();
  let c = hi();
  let d = lo() ^ 0x243f6a88;
  const uint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) uint32();
  const float01 = (): number => ((uint32() >>> 5) * 67108864 + (uint32() >>> 6)) / 9007199254740992;
  return { uint32, float: float01, int: (n) => Math.floor(float01() * n) };
}

/** One draw from a distribution. */
export function sample(dist: Distribution, rng: Rng): JsonValue {
  const { low, high } = dist;
  let x =
    dist.kind === "uniform"
      ? low + (high - low) * rng.float()
      : Math.exp(Math.log(low) + (Math.log(high) - Math.log(low)) * rng.float());
  if (x >= high || x < low) x = low; // rounding at the edges
  return float(x);
}

// ---------------------------------------------------------------------------------------------------
// Grids

export interface GridOptions {
  /** Cap: sample a larger grid down to this many distinct points; the number of random draws. */
  maxRuns?: number;
  /** Makes sampling and random draws repeatable. */
  seed?: number;
}

function copyValue(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(copyValue);
  if (isPlainObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) setKey(out, k, copyValue(v[k]));
    return out;
  }
  return v;
}

/** Sets an own property, also for keys such as `__proto__`. */
function setKey(o: JsonObject, key: string, v: JsonValue): void {
  Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
}

function makePoint(assignments: readonly Assignment[], pick: (a: Assignment, i: number) => JsonValue): JsonObject {
  const point: JsonObject = {};
  assignments.forEach((a, i) => setKey(point, a.key, copyValue(pick(a, i))));
  return point;
}

/** The number of points of the full grid (no random keys), as a float. */
export function gridSize(assignments: readonly Assignment[]): number {
  return assignments.reduce((p, a) => p * (a.dist ? 1 : a.values.length), 1);
}

/**
 * The flag sets or state points of a set of assignments: the grid (first key outermost), sampled
 * down to `maxRuns`, or `maxRuns` (default 20) random draws when a key has a distribution.
 */
export function expandGrid(assignments: readonly Assignment[], opts: GridOptions = {}): JsonObject[] {
  const { maxRuns } = opts;
  if (maxRuns !== undefined && !(Number.isSafeInteger(maxRuns) && maxRuns > 0)) {
    throw new UserError(`the maximum number of runs must be a positive integer, not ${maxRuns}`, "e.g. --max-runs 20");
  }
  if (maxRuns !== undefined && maxRuns > MAX_GRID_POINTS) {
    throw new UserError(`at most ${MAX_GRID_POINTS} runs can be made at once, not ${maxRuns}`, "use a smaller --max-runs");
  }
  for (const a of assignments) {
    if (!a.dist && a.values.length === 0) throw new UserError(`${a.key} has no values`, "give at least one value");
  }
  const rng = (): Rng => createRng(opts.seed ?? Math.floor(Math.random() * 2 ** 32));

  if (assignments.some((a) => a.dist)) {
    const r = rng();
    const draws = maxRuns ?? DEFAULT_RANDOM_DRAWS;
    const out: JsonObject[] = [];
    for (let n = 0; n < draws; n++) {
      out.push(makePoint(assignments, (a) => (a.dist ? sample(a.dist, r) : a.values.length === 1 ? a.values[0] : a.values[r.int(a.values.length)])));
    }
    return out;
  }

  const counts = assignments.map((a) => a.values.length);
  const total = gridSize(assignments);
  if (maxRuns !== undefined && total > maxRuns) return sampleGrid(assignments, counts, total, maxRuns, rng());
  if (total > MAX_GRID_POINTS) {
    throw new UserError(
      `the grid has ${total > 1e15 ? total.toExponential(2) : total} points (${counts.join(" × ")}), more than ${MAX_GRID_POINTS}`,
      "give fewer values, or sample the grid with --max-runs N",
    );
  }
  const out: JsonObject[] = [];
  const idx = counts.map(() => 0);
  for (let n = 0; n < total; n++) {
    out.push(makePoint(assignments, (a, i) => a.values[idx[i]]));
    for (let i = idx.length - 1; i >= 0; i--) {
      if (++idx[i] < counts[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

/** `k` distinct points of the grid, drawn without replacement, in grid order. */
function sampleGrid(assignments: readonly Assignment[], counts: number[], total: number, k: number, rng: Rng): JsonObject[] {
  let tuples: number[][];
  if (total <= Number.MAX_SAFE_INTEGER) {
    // Floyd's algorithm: k distinct indices in [0, total).
    const chosen = new Set<number>();
    for (let j = total - k; j < total; j++) {
      const t = rng.int(j + 1);
      chosen.add(chosen.has(t) ? j : t);
    }
    tuples = [...chosen]
      .sort((x, y) => x - y)
      .map((index) => {
        const tuple = new Array<number>(counts.length);
        for (let i = counts.length - 1; i >= 0; i--) {
          tuple[i] = index % counts[i];
          index = Math.floor(index / counts[i]);
        }
        return tuple;
      });
  } else {
    // Too many points for exact indices: draw coordinates, reject repeats (vanishingly rare here).
    const seen = new Map<string, number[]>();
    while (seen.size < k) {
      const tuple = counts.map((c) => rng.int(c));
      seen.set(tuple.join(","), tuple);
    }
    tuples = [...seen.values()].sort((x, y) => {
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
      return 0;
    });
  }
  return tuples.map((tuple) => makePoint(assignments, (a, i) => a.values[tuple[i]]));
}
