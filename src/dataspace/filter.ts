/**
 * signac's filter language: the filters of `find` and of every `-f/--filter`.
 *
 * A filter is a JSON object. Keys are dotted paths into the state point (`sp.` prefix or no prefix) or the
 * job document (`doc.` prefix); nested objects that are not operators flatten into dotted keys
 * (`{"params": {"sigma": 1}}` is `{"params.sigma": 1}`); all keys must hold (implicit AND). A key may end
 * in an operator (`{"T.$gt": 1}` is `{"T": {"$gt": 1}}`): `$eq $ne $gt $gte $lt $lte $in $nin $regex $type
 * $exists $near`. `$and` and `$or` (non-empty lists of filters) and `$not` (a filter) may stand where a key
 * may stand at the top of a filter or of one of their sub-filters.
 *
 * The semantics are those of signac 2.x's `Project.find_jobs`, which evaluates filters with Python's
 * operators over an index of the values:
 * - equality is Python's `==`: an int, an integer-valued float and a bool with the same value are equal
 *   (`{"a": 1}` finds `a` = 1, 1.0 and true: Python hashes True like 1); a string is never equal to a number;
 *   lists are equal element-wise under the same rule (dicts inside lists compare key-wise).
 * - every operator but `$exists` applies only where the key exists: `$ne` and `$nin` do not match a job
 *   that lacks the key.
 * - a dict value (a nested object in the data) is opaque to the operators: never equal to anything (so
 *   always `$ne`), never ordered; only `$exists` (and `$type: "dict"`, below) sees it.
 * - `$gt $gte $lt $lte` order numbers (bools count as 0 and 1) and strings (by code point), and lists
 *   lexicographically, as Python does.
 * - `$type` takes "int" (which, as Python's isinstance, also holds for bools), "float", "bool", "str",
 *   "list" or "null".
 * - `$near` takes `x`, `[x]`, `[x, rel_tol]` or `[x, rel_tol, abs_tol]` and is Python's
 *   `math.isclose(value, x, rel_tol=1e-9, abs_tol=0.0)` with those defaults.
 * - `$regex` is Python's `re.search` (anywhere in the string), on string values only.
 *
 * Where cohort differs from or extends signac 2.4, on purpose:
 * 1. Values that Python cannot compare (a string `$gt` a number, `null` `$lt` anything, `$near` on a
 *    string, ...) do not match; signac raises TypeError and the whole query fails.
 * 2. Filter mistakes are errors at compile time, whatever the data: signac raises some of them (a bad `$type`
 *    name, a negative `$near` tolerance, a bad regex) only when it applies them to a value, and evaluates
 *    nothing more of a filter once no job is left, so there a mistake can go unnoticed.
 * 3. `$type` also accepts "dict" (signac rejects it, as its index hides dict values).
 * 4. `$type` is decided per value. signac's index keeps one entry for True and 1 (and False and 0), keyed
 *    by whichever came first, so there `{"$type": "bool"}` can match the int 1 depending on job order.
 * 5. `$in` and `$nin` take a list only; signac also takes a string (a substring test on string values, a
 *    TypeError on others).
 * 6. `$near` takes numbers (and bools) only; signac also takes numeric strings (`float("1.5")`).
 * 7. Equality with an empty object (`{"a": {}}`) is an error that says why; signac raises an unhashable
 *    TypeError. (`{"a": {"$eq": {}}}` matches nothing, as in signac.)
 * 8. `$where` (a Python lambda in signac) is not supported; any operator cohort does not know is an error.
 *    An operator standing alone at the top of a filter (`{"$gt": 1}`) is an error; signac applies it to
 *    the whole state point, which can only fail or, for `$exists`, match everything.
 * 9. `doc.` keys inside `$not` read the document; signac 2.4 decides whether to load documents from the
 *    top-level keys and those of `$and`/`$or` only, so there a `doc.` key under `$not` never exists.
 * 10. A data key that contains a dot cannot be addressed (the dot splits the path); signac raises
 *    InvalidKeyError when it meets one.
 * 11. `$regex` patterns use Python's syntax, translated to JavaScript (see `pythonRegex`): named groups
 *    `(?P<n>...)`/`(?P=n)`, `\A`, `\Z`, leading inline flags `(?imsxa)`, Python's `$`, `.`, `{`, and Unicode
 *    `\d`, `\w`, `\b` are honoured. Constructs JavaScript lacks (atomic groups, possessive quantifiers,
 *    conditionals, `\N{...}`; scoped flags `(?i:...)` before node 23) are errors; a few patterns Python rejects (`(?<n>...)`,
 *    variable-width look-behind) are accepted; inside a class, `\W` is ASCII-only.
 *
 * The short CLI form (`parseFilterArgs`) follows signac's `parse_filter_arg`: `key value key value ...`
 * taken pairwise by position; a key without a value (the last of an odd count) or with the value `!`
 * means `{"$exists": true}`; `/re/` is `{"$regex": "re"}`; any other value is typed by `parseScalar`
 * (multivalue.ts), as every value on cohort's command line is. Keys keep their dotted form (`i.$lt 100`
 * gives `{"i.$lt": 100}`, which is what signac prints). Differences:
 * 12. Values are typed as `cohort init` and `cohort run` type them, so that a value finds the jobs that
 *    the same text made: `'"1"'` and `"'1'"` are the string "1" (signac keeps the quotes and has no way
 *    to ask for a string that looks like a number); a number with a leading zero (`01`) or an
 *    underscore (`1_000`) and `inf`/`nan` are strings, where signac reads Python literals; a float
 *    beyond a double's range (`1e400`) is an error; text starting with `[` or `{` must be JSON, and
 *    other text must pair its brackets (`a}` is an error: quote it, `"'a}'"`).
 * 13. A single argument that starts with `{` is always the JSON form (signac wants it to end with `}` as
 *    well, else takes it as a key); a JSON list as the whole filter is an error.
 * 14. `/` alone is the string "/" (signac reads it as the empty regex).
 */
import { UserError } from "../util/errors.js";
import { compareCodePoints, parseJson } from "./json.js";
import { splitPath } from "./keys.js";
import { parseScalar } from "./multivalue.js";
import { Float, type JsonObject, type JsonValue } from "./value.js";

/** Tests one job: its state point, and its document fetched lazily (at most once per call). */
export interface CompiledFilter {
  (sp: JsonObject, doc: () => JsonObject): boolean;
  /** Whether the filter reads the job document at all. */
  readonly needsDoc: boolean;
}

const FILTER_HINT = `write the filter as JSON, e.g. '{"T": {"$gt": 1.0}}', or as KEY VALUE pairs`;

export const FILTER_OPERATORS = [
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$regex",
  "$type",
  "$exists",
  "$near",
] as const;
export const LOGICAL_OPERATORS = ["$and", "$or", "$not"] as const;

const TYPE_NAMES = ["int", "float", "bool", "str", "list", "null", "dict"] as const;

const OPERATORS_HINT = `operators: ${FILTER_OPERATORS.join(" ")}; logical: ${LOGICAL_OPERATORS.join(" ")}`;

// ---------------------------------------------------------------------------------------------------------
// The short CLI form

export interface ParseFilterOptions {
  /** Told about values that look like Python literals (`True`, `None`), which stay strings. */
  warn?: (message: string) => void;
}

const PY_LITERAL_HINTS: Record<string, string> = { True: "true", False: "false", None: "null", none: "null" };

/**
 * Parses the arguments of `find` or `-f/--filter`: either one JSON object, or `key value key value ...`
 * (see the top of this file). The result is validated: a filter that `compileFilter` would reject is
 * rejected here. No arguments give the empty filter, which matches every job.
 */
export function parseFilterArgs(args: readonly string[], options: ParseFilterOptions = {}): JsonObject {
  if (args.length === 0) return {};
  if (args.length === 1) {
    const text = args[0].trim();
    if (text.startsWith("{")) {
      const filter = parseJson(text, "the filter", FILTER_HINT);
      if (!isObject(filter)) throw notAnObject(filter);
      compileFilter(filter);
      return filter;
    }
    if (text.startsWith("[") && text.endsWith("]")) {
      throw new UserError("a filter must be a JSON object, not a list", 'write {"key": value, ...}');
    }
  }
  const query: JsonObject = {};
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i];
    if (key.trim() === "") {
      throw new UserError(`empty filter key (argument ${i + 1})`, "filters are written `key value key value ...`");
    }
    if (isJsonLike(key)) {
      throw new UserError(
        `a JSON expression cannot be a filter key: ${key}`,
        "give the whole filter as one JSON argument, or write `key value key value ...`",
      );
    }
    setOwn(query, key, parseFilterValue(key, i + 1 < args.length ? args[i + 1] : undefined, options));
  }
  compileFilter(query);
  return query;
}

function parseFilterValue(key: string, text: string | undefined, options: ParseFilterOptions): JsonValue {
  if (text === undefined || text === "!") return { $exists: true };
  if (text.length >= 2 && text.startsWith("/") && text.endsWith("/")) return { $regex: text.slice(1, -1) };
  if (Object.hasOwn(PY_LITERAL_HINTS, text)) {
    options.warn?.(`the value ${JSON.stringify(text)} of ${JSON.stringify(key)} is a string: did you mean ${PY_LITERAL_HINTS[text]}?`);
  }
  // typed as every command-line value is, so that `find` finds what `init` and `run` made
  try {
    return parseScalar(text);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`the value of ${JSON.stringify(key)}: ${err.message}`, err.hint);
    throw err;
  }
}

function isJsonLike(s: string): boolean {
  return (s.startsWith("{") && s.endsWith("}")) || (s.startsWith("[") && s.endsWith("]"));
}

// ---------------------------------------------------------------------------------------------------------
// Compiling

/** Marks a path that does not resolve: a missing key, or a step into something that is not an object. */
const MISSING = Symbol("missing");
type Found = JsonValue | typeof MISSING;
type Resolve = (root: JsonObject) => Found;
type ValueTest = (v: JsonValue) => boolean;
type Node = () => boolean;

interface State {
  sp: JsonObject;
  docFn: () => JsonObject;
  doc: JsonObject | undefined;
}

interface Compiled {
  node: Node;
  needsDoc: boolean;
  /** Logical nodes run after plain ones; nodes that read the document after those that do not. */
  rank: number;
}

const NO_DOC = (): JsonObject => ({});

/**
 * Compiles a filter once into a predicate to run on many jobs. Throws UserError for a filter that is not
 * valid: an unknown operator, a bad operator argument, a misplaced operator.
 */
export function compileFilter(filter: JsonObject): CompiledFilter {
  if (!isObject(filter)) throw notAnObject(filter as JsonValue);
  const state: State = { sp: {}, docFn: NO_DOC, doc: undefined };
  const root = compileExpression(filter, state, "");
  const node = root.node;
  const predicate = (sp: JsonObject, doc: () => JsonObject): boolean => {
    const { sp: sp0, docFn: fn0, doc: doc0 } = state; // re-entrancy: a doc() that runs this filter again
    state.sp = sp;
    state.docFn = doc;
    state.doc = undefined;
    const result = node();
    state.sp = sp0;
    state.docFn = fn0;
    state.doc = doc0;
    return result;
  };
  return Object.assign(predicate, { needsDoc: root.needsDoc });
}

/** Whether `filter` reads job documents (so a caller can skip loading them). */
export function filterNeedsDoc(filter: JsonObject): boolean {
  return compileFilter(filter).needsDoc;
}

function compileExpression(expr: JsonObject, state: State, where: string): Compiled {
  const parts: Compiled[] = [];
  for (const key of Object.keys(expr)) {
    const value = expr[key];
    const at = where ? `${where}.${key}` : key;
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(value) || value.length === 0) {
        throw new UserError(`${at} takes a non-empty list of filters, not ${describe(value)}`, `write {"${key}": [{...}, {...}]}`);
      }
      const subs = value.map((sub, i) => {
        if (!isObject(sub)) {
          throw new UserError(`${at}[${i}] must be a filter object, not ${describe(sub)}`, `write {"${key}": [{...}, {...}]}`);
        }
        return compileExpression(sub, state, `${at}[${i}]`);
      });
      const node = key === "$and" ? allOf(subs) : anyOf(subs);
      const needsDoc = subs.some((s) => s.needsDoc);
      parts.push({ node, needsDoc, rank: (needsDoc ? 2 : 0) + 1 });
    } else if (key === "$not") {
      if (!isObject(value)) {
        throw new UserError(`$not takes a filter object, not ${describe(value)}`, 'write {"$not": {"key": value}}');
      }
      const sub = compileExpression(value, state, at);
      const inner = sub.node;
      parts.push({ node: () => !inner(), needsDoc: sub.needsDoc, rank: (sub.needsDoc ? 2 : 0) + 1 });
    } else if (key.startsWith("$")) {
      if ((FILTER_OPERATORS as readonly string[]).includes(key)) {
        throw new UserError(`the operator ${key} must follow a key`, `write {"key": {"${key}": ...}}`);
      }
      throw unknownOperator(key);
    } else {
      const segs = keyPath(key);
      let ns: "sp" | "doc" = "sp";
      if (segs[0] === "sp" || segs[0] === "doc") ns = segs.shift() as "sp" | "doc";
      flatten(segs, value, (path, v) => parts.push(compileLeaf(ns, path, v, state)));
    }
  }
  parts.sort((a, b) => a.rank - b.rank); // stable: keeps the user's order within a rank
  const needsDoc = parts.some((p) => p.needsDoc);
  return { node: allOf(parts), needsDoc, rank: needsDoc ? 2 : 0 };
}

/**
 * The keys a filter key names: `a.b` is key b inside key a. A dotted path with an empty part (`a..b`,
 * `.a`) could name no key, since keys hold no dot: refused, where it matched nothing. A key that is
 * empty alone (`{"": 1}`) names the empty key, which JSON allows.
 */
function keyPath(key: string): string[] {
  return key.includes(".") ? splitPath(key) : [key];
}

function flatten(path: string[], value: JsonValue, emit: (path: string[], value: JsonValue) => void): void {
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length > 0) {
      for (const k of keys) flatten(path.concat(keyPath(k)), value[k], emit);
      return;
    }
  }
  emit(path, value);
}

function allOf(parts: readonly Compiled[]): Node {
  const nodes = parts.map((p) => p.node);
  switch (nodes.length) {
    case 0:
      return () => true;
    case 1:
      return nodes[0];
    case 2: {
      const [a, b] = nodes;
      return () => a() && b();
    }
    case 3: {
      const [a, b, c] = nodes;
      return () => a() && b() && c();
    }
    default:
      return () => {
        for (let i = 0; i < nodes.length; i++) if (!nodes[i]()) return false;
        return true;
      };
  }
}

function anyOf(parts: readonly Compiled[]): Node {
  const nodes = parts.slice().sort((a, b) => a.rank - b.rank).map((p) => p.node);
  if (nodes.length === 1) return nodes[0];
  return () => {
    for (let i = 0; i < nodes.length; i++) if (nodes[i]()) return true;
    return false;
  };
}

function compileLeaf(ns: "sp" | "doc", segs: string[], arg: JsonValue, state: State): Compiled {
  let shown = [ns, ...segs].join(".");
  const logical = segs.find((s) => (LOGICAL_OPERATORS as readonly string[]).includes(s));
  if (logical !== undefined) misplacedLogical(logical, shown);
  const dollars = segs.reduce((n, s) => n + (s.split("$").length - 1), 0);
  let op: string | undefined;
  if (dollars > 1) {
    throw new UserError(
      `filter key ${JSON.stringify(shown)} has more than one operator`,
      'an operator ends its key and takes a value, as in {"T": {"$gt": 1}}',
    );
  }
  if (dollars === 1) {
    const last = segs[segs.length - 1];
    if (last.startsWith("$")) {
      op = last;
      segs = segs.slice(0, -1);
      shown = [ns, ...segs].join(".");
    } else {
      const bad = segs.find((s) => s.includes("$")) as string;
      if (bad.startsWith("$") && !(FILTER_OPERATORS as readonly string[]).includes(bad)) throw unknownOperator(bad);
      throw new UserError(
        bad.startsWith("$")
          ? `misplaced operator ${bad} in filter key ${JSON.stringify(shown)}`
          : `filter key ${JSON.stringify(shown)} contains "$" outside an operator`,
        'an operator ends its key and takes a value, as in {"T": {"$gt": 1}}',
      );
    }
  }
  const resolve = resolver(segs);
  const needsDoc = ns === "doc";
  const get: () => Found = needsDoc
    ? () => resolve(state.doc ?? (state.doc = state.docFn()))
    : () => resolve(state.sp);
  const rank = needsDoc ? 2 : 0;

  if (op === "$exists") {
    if (typeof arg !== "boolean") {
      throw new UserError(`$exists on ${JSON.stringify(shown)} takes true or false, not ${describe(arg)}`);
    }
    const node: Node = arg ? () => get() !== MISSING : () => get() === MISSING;
    return { node, needsDoc, rank };
  }
  let test: ValueTest;
  if (op === undefined) {
    if (isObject(arg)) {
      throw new UserError(
        `cannot match ${JSON.stringify(shown)} to an empty object`,
        `to test that the key is there, write {"${shown}": {"$exists": true}}`,
      );
    }
    test = equalityTest(arg);
  } else {
    test = operatorTest(op, arg, shown);
  }
  const node: Node = () => {
    const v = get();
    return v !== MISSING && test(v);
  };
  return { node, needsDoc, rank };
}

function misplacedLogical(op: string, shown: string): never {
  throw new UserError(
    `${op} cannot be used under a key (in ${JSON.stringify(shown)})`,
    op === "$not"
      ? 'write {"$not": {"key": {...}}} at the top of the filter'
      : `write {"${op}": [{"key": ...}, ...]} at the top of the filter`,
  );
}

function unknownOperator(op: string): UserError {
  if (op === "$where") return new UserError("the filter operator $where is not supported", OPERATORS_HINT);
  return new UserError(`unknown filter operator ${JSON.stringify(op)}`, OPERATORS_HINT);
}

function operatorTest(op: string, arg: JsonValue, shown: string): ValueTest {
  switch (op) {
    case "$eq":
      return equalityTest(arg);
    case "$ne": {
      const eq = equalityTest(arg);
      return (v) => !eq(v);
    }
    case "$gt":
    case "$gte":
    case "$lt":
    case "$lte":
      return orderTest(op, arg);
    case "$in":
    case "$nin": {
      if (!Array.isArray(arg)) {
        throw new UserError(`${op} on ${JSON.stringify(shown)} takes a list, not ${describe(arg)}`, `write {"${shown}": {"${op}": [a, b]}}`);
      }
      const member = membershipTest(arg);
      return op === "$in" ? member : (v) => !member(v);
    }
    case "$regex": {
      if (typeof arg !== "string") {
        throw new UserError(`$regex on ${JSON.stringify(shown)} takes a string, not ${describe(arg)}`);
      }
      const re = pythonRegex(arg);
      return (v) => typeof v === "string" && re.test(v);
    }
    case "$type":
      return typeTest(arg, shown);
    case "$near":
      return nearTest(arg, shown);
    default:
      throw unknownOperator(op);
  }
}

function resolver(segs: readonly string[]): Resolve {
  switch (segs.length) {
    case 0:
      return (root) => root;
    case 1: {
      const [a] = segs;
      return (root) => (Object.hasOwn(root, a) ? root[a] : MISSING);
    }
    case 2: {
      const [a, b] = segs;
      return (root) => {
        if (!Object.hasOwn(root, a)) return MISSING;
        const v = root[a];
        return isObject(v) && Object.hasOwn(v, b) ? v[b] : MISSING;
      };
    }
    default:
      return (root) => {
        let v: JsonValue = root;
        for (let i = 0; i < segs.length; i++) {
          const s = segs[i];
          if (!isObject(v) || !Object.hasOwn(v, s)) return MISSING;
          v = v[s];
        }
        return v;
      };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Python's comparisons over typed values

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Float);
}

/** The number of an int, float or bool (Python's bool is an int); undefined for other values. */
function num(v: JsonValue): number | bigint | undefined {
  switch (typeof v) {
    case "number":
    case "bigint":
      return v;
    case "boolean":
      return v ? 1 : 0;
    case "object":
      return v instanceof Float ? v.value : undefined;
    default:
      return undefined;
  }
}

/** Python's `a == b` for values inside lists (where dicts compare key-wise). */
function pyEqual(a: JsonValue, b: JsonValue): boolean {
  const x = num(a);
  if (x !== undefined) {
    const y = num(b);
    return y !== undefined && x == y;
  }
  if (typeof a !== "object" || a === null || a instanceof Float) return a === b;
  if (typeof b !== "object" || b === null || b instanceof Float) return false;
  if (Array.isArray(a)) return Array.isArray(b) && listEqual(a, b);
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!Object.hasOwn(b, k) || !pyEqual(a[k], b[k])) return false;
  return true;
}

function listEqual(a: readonly JsonValue[], b: readonly JsonValue[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!pyEqual(a[i], b[i])) return false;
  return true;
}

/** Sign of Python's ordering of a and b; NaN when unordered (a NaN); undefined when Python raises. */
function pyCompare(a: JsonValue, b: JsonValue): number | undefined {
  const x = num(a);
  if (x !== undefined) {
    const y = num(b);
    return y === undefined ? undefined : compareNumbers(x, y);
  }
  if (typeof a === "string") return typeof b === "string" ? compareCodePoints(a, b) : undefined;
  if (Array.isArray(a)) return Array.isArray(b) ? compareLists(a, b) : undefined;
  return undefined;
}

function compareNumbers(x: number | bigint, y: number | bigint): number {
  return x < y ? -1 : x > y ? 1 : x == y ? 0 : NaN;
}

function compareLists(a: readonly JsonValue[], b: readonly JsonValue[]): number | undefined {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (!pyEqual(a[i], b[i])) return pyCompare(a[i], b[i]);
  return a.length - b.length;
}

/** Python's `value == arg`, where a dict value (opaque in signac's index) equals nothing. */
function equalityTest(arg: JsonValue): ValueTest {
  const a = num(arg);
  if (typeof a === "number") {
    if (Number.isNaN(a)) return () => false;
    return (v) => {
      if (typeof v === "number") return v === a;
      const n = num(v);
      return n !== undefined && n == a;
    };
  }
  if (typeof a === "bigint") {
    return (v) => {
      const n = num(v);
      return n !== undefined && n == a;
    };
  }
  if (typeof arg === "string") return (v) => v === arg;
  if (arg === null) return (v) => v === null;
  if (Array.isArray(arg)) return (v) => Array.isArray(v) && listEqual(v, arg);
  return () => false; // {} (the only object left after flattening)
}

function orderTest(op: "$gt" | "$gte" | "$lt" | "$lte", arg: JsonValue): ValueTest {
  let cmp: (v: JsonValue) => number | undefined;
  const a = num(arg);
  if (a !== undefined) {
    cmp = (v) => {
      const n = num(v);
      return n === undefined ? undefined : compareNumbers(n, a);
    };
    if (typeof a === "number") {
      // the common case, without a call per value
      switch (op) {
        case "$gt":
          return (v) => (typeof v === "number" ? v > a : (cmp(v) ?? NaN) > 0);
        case "$gte":
          return (v) => (typeof v === "number" ? v >= a : (cmp(v) ?? NaN) >= 0);
        case "$lt":
          return (v) => (typeof v === "number" ? v < a : (cmp(v) ?? NaN) < 0);
        case "$lte":
          return (v) => (typeof v === "number" ? v <= a : (cmp(v) ?? NaN) <= 0);
      }
    }
  } else if (typeof arg === "string") {
    cmp = (v) => (typeof v === "string" ? compareCodePoints(v, arg) : undefined);
  } else if (Array.isArray(arg)) {
    cmp = (v) => (Array.isArray(v) ? compareLists(v, arg) : undefined);
  } else {
    return () => false; // null or {}: Python cannot order anything against them
  }
  // `undefined ?? NaN` compares false with everything, as an unordered pair should.
  switch (op) {
    case "$gt":
      return (v) => (cmp(v) ?? NaN) > 0;
    case "$gte":
      return (v) => (cmp(v) ?? NaN) >= 0;
    case "$lt":
      return (v) => (cmp(v) ?? NaN) < 0;
    case "$lte":
      return (v) => (cmp(v) ?? NaN) <= 0;
  }
}

/** Python's `value in args`. */
function membershipTest(args: readonly JsonValue[]): ValueTest {
  const numbers = new Set<number>();
  const bigints = new Set<bigint>();
  const strings = new Set<string>();
  const lists: JsonValue[][] = [];
  let hasNull = false;
  for (const x of args) {
    const n = num(x);
    if (typeof n === "number") {
      if (!Number.isNaN(n)) numbers.add(n);
    } else if (typeof n === "bigint") {
      bigints.add(n);
      const asNumber = Number(n);
      if (BigInt(asNumber) === n) numbers.add(asNumber);
    } else if (typeof x === "string") strings.add(x);
    else if (x === null) hasNull = true;
    else if (Array.isArray(x)) lists.push(x);
    // a dict equals no value (dict values are opaque)
  }
  return (v) => {
    switch (typeof v) {
      case "number":
        return numbers.has(v);
      case "string":
        return strings.has(v);
      case "boolean":
        return numbers.has(v ? 1 : 0);
      case "bigint": {
        if (bigints.has(v)) return true;
        const asNumber = Number(v);
        return BigInt(asNumber) === v && numbers.has(asNumber);
      }
    }
    if (v === null) return hasNull;
    if (v instanceof Float) return numbers.has(v.value);
    if (Array.isArray(v)) {
      for (const l of lists) if (listEqual(v, l)) return true;
    }
    return false;
  };
}

function typeTest(arg: JsonValue, shown: string): ValueTest {
  switch (arg) {
    case "int": // Python's isinstance(True, int) holds
      return (v) =>
        typeof v === "boolean" || typeof v === "bigint" || (typeof v === "number" && Number.isSafeInteger(v) && !Object.is(v, -0));
    case "float":
      return (v) => v instanceof Float || (typeof v === "number" && !(Number.isSafeInteger(v) && !Object.is(v, -0)));
    case "bool":
      return (v) => typeof v === "boolean";
    case "str":
      return (v) => typeof v === "string";
    case "list":
      return (v) => Array.isArray(v);
    case "null":
      return (v) => v === null;
    case "dict":
      return (v) => isObject(v);
  }
  throw new UserError(
    `$type on ${JSON.stringify(shown)} takes one of ${TYPE_NAMES.map((t) => JSON.stringify(t)).join(", ")}, not ${describe(arg)}`,
  );
}

function nearTest(arg: JsonValue, shown: string): ValueTest {
  const usage = `write {"${shown}": {"$near": x}} or [x, rel_tol] or [x, rel_tol, abs_tol]`;
  let parts: JsonValue[] = [arg];
  if (Array.isArray(arg)) {
    if (arg.length < 1 || arg.length > 3) {
      throw new UserError(`$near on ${JSON.stringify(shown)} takes a number or a list of 1 to 3 numbers, not ${describe(arg)}`, usage);
    }
    parts = arg;
  }
  const xs = parts.map((p) => {
    const n = num(p);
    if (n === undefined) {
      throw new UserError(`$near on ${JSON.stringify(shown)} takes numbers, not ${describe(p)}`, usage);
    }
    return Number(n);
  });
  const [target, relTol = 1e-9, absTol = 0] = xs;
  if (relTol < 0 || absTol < 0) {
    throw new UserError(`$near on ${JSON.stringify(shown)}: tolerances must not be negative`, usage);
  }
  return (v) => {
    const n = typeof v === "number" ? v : num(v);
    return n !== undefined && isClose(Number(n), target, relTol, absTol);
  };
}

/** Python's `math.isclose`. */
function isClose(a: number, b: number, relTol: number, absTol: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const diff = Math.abs(b - a);
  return diff <= Math.abs(relTol * b) || diff <= Math.abs(relTol * a) || diff <= absTol;
}

function describe(v: JsonValue): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return v.length === 0 ? "an empty list" : "a list";
  if (isObject(v)) return Object.keys(v).length === 0 ? "an empty object" : "an object";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  if (typeof v === "boolean") return String(v);
  return `the number ${String(v)}`;
}

function notAnObject(v: JsonValue): UserError {
  return new UserError(`a filter must be a JSON object, not ${describe(v)}`, 'write {"key": value, ...}');
}

function setOwn(obj: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---------------------------------------------------------------------------------------------------------
// Python regular expressions

const WORD = "[\\p{L}\\p{N}_]";
const NOT_WORD = "[^\\p{L}\\p{N}_]";
const ASCII_WORD = "[A-Za-z0-9_]";
const UNI_BOUNDARY = `(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`;
const UNI_NON_BOUNDARY = `(?:(?<=${WORD})(?=${WORD})|(?<!${WORD})(?!${WORD}))`;
const JS_SYNTAX = "^$\\.*+?()[]{}|/";
const HEX = /^[0-9a-fA-F]+$/;

/**
 * Compiles a pattern written in Python's `re` syntax (for a str) into a JavaScript RegExp with the same
 * meaning as far as JavaScript allows (see point 11 at the top of this file). Use `re.test(s)` for
 * Python's `re.search`. Throws UserError for a pattern that cannot be compiled.
 */
export function pythonRegex(pattern: string): RegExp {
  const fail = (why: string): never => {
    throw new UserError(`invalid regular expression ${JSON.stringify(pattern)}: ${why}`, "patterns use Python's re syntax");
  };
  let ignoreCase = false;
  let multiline = false;
  let dotAll = false;
  let verbose = false;
  let ascii = false;
  let i = 0;
  for (;;) {
    const m = /^\(\?([aiLmsux]+)\)/.exec(pattern.slice(i));
    if (!m) break;
    i += m[0].length;
    for (const f of m[1]) {
      if (f === "i") ignoreCase = true;
      else if (f === "m") multiline = true;
      else if (f === "s") dotAll = true;
      else if (f === "x") verbose = true;
      else if (f === "a") ascii = true;
      else if (f === "L") fail("the L flag applies to bytes patterns only");
    }
  }
  const n = pattern.length;
  let out = "";

  /** Reads the escape at pattern[i] === "\\"; returns its JavaScript text (`inClass`: inside [...]). */
  const escape = (inClass: boolean): string => {
    const e = pattern[i + 1];
    if (e === undefined) fail("bad escape (end of pattern)");
    i += 2;
    const hex = (len: number, letter: string): string => {
      const h = pattern.slice(i, i + len);
      if (h.length !== len || !HEX.test(h)) fail(`incomplete escape \\${letter}${h}`);
      i += len;
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff) fail(`bad escape \\${letter}${h}`);
      return `\\u{${cp.toString(16)}}`;
    };
    const octal = (first: string): string => {
      let digits = first;
      while (digits.length < 3 && /[0-7]/.test(pattern[i] ?? "")) digits += pattern[i++];
      const cp = parseInt(digits, 8);
      if (cp > 0o377) fail(`octal escape value \\${digits} outside of range 0-0o377`);
      return `\\u{${cp.toString(16)}}`;
    };
    switch (e) {
      case "d":
        return ascii ? (inClass ? "0-9" : "[0-9]") : "\\p{Nd}";
      case "D":
        return ascii ? (inClass ? "\\D" : "[^0-9]") : "\\P{Nd}";
      case "w":
        return ascii ? (inClass ? "A-Za-z0-9_" : ASCII_WORD) : inClass ? "\\p{L}\\p{N}_" : WORD;
      case "W":
        return ascii || inClass ? "\\W" : NOT_WORD;
      case "s":
      case "S":
        return ascii ? (e === "s" ? (inClass ? " \\t\\n\\r\\f\\v" : "[ \\t\\n\\r\\f\\v]") : inClass ? "\\S" : "[^ \\t\\n\\r\\f\\v]") : `\\${e}`;
      case "b":
        return inClass ? "\\x08" : ascii ? "\\b" : UNI_BOUNDARY;
      case "B":
        if (inClass) fail("bad escape \\B");
        return ascii ? "\\B" : UNI_NON_BOUNDARY;
      case "A":
        if (inClass) fail("bad escape \\A");
        return "(?<![\\s\\S])";
      case "Z":
        if (inClass) fail("bad escape \\Z");
        return "(?![\\s\\S])";
      case "a":
        return "\\x07";
      case "f":
      case "n":
      case "r":
      case "t":
      case "v":
        return `\\${e}`;
      case "x":
        return hex(2, "x");
      case "u":
        return hex(4, "u");
      case "U":
        return hex(8, "U");
      case "N":
        return fail("named characters \\N{...} are not supported");
    }
    if (e >= "0" && e <= "9") {
      if (inClass || e === "0") {
        if (e > "7") fail(`bad escape \\${e}`);
        return octal(e);
      }
      const next = pattern[i] ?? "";
      if (e <= "7" && /[0-7]/.test(next) && /[0-7]/.test(pattern[i + 1] ?? "")) return octal(e);
      let group = e;
      if (next >= "0" && next <= "9") {
        group += next;
        i++;
      }
      return `\\${group}`;
    }
    if (/[A-Za-z]/.test(e)) fail(`bad escape \\${e}`);
    // An escaped non-letter is that character itself.
    const cp = pattern.codePointAt(i - 1) as number;
    if (cp > 0xffff) i++; // past the low surrogate
    if (JS_SYNTAX.includes(e) || (inClass && e === "-")) return `\\${e}`;
    return String.fromCodePoint(cp);
  };

  while (i < n) {
    const c = pattern[i];
    if (verbose && /\s/.test(c)) {
      i++;
      continue;
    }
    if (verbose && c === "#") {
      while (i < n && pattern[i] !== "\n") i++;
      continue;
    }
    switch (c) {
      case "\\":
        out += escape(false);
        continue;
      case "[": {
        i++;
        out += "[";
        if (pattern[i] === "^") {
          out += "^";
          i++;
        }
        let first = true;
        for (;;) {
          if (i >= n) fail("unterminated character set");
          const d = pattern[i];
          if (d === "]" && !first) {
            i++;
            break;
          }
          first = false;
          if (d === "\\") out += escape(true);
          else {
            out += d === "]" || d === "[" ? `\\${d}` : d;
            i++;
          }
        }
        out += "]";
        continue;
      }
      case "(": {
        const rest = pattern.slice(i, i + 4);
        if (rest === "(?P<") {
          out += "(?<";
          i += 4;
        } else if (rest === "(?P=") {
          const close = pattern.indexOf(")", i);
          if (close < 0) fail("missing ), unterminated name");
          out += `\\k<${pattern.slice(i + 4, close)}>`;
          i = close + 1;
        } else if (pattern.startsWith("(?#", i)) {
          const close = pattern.indexOf(")", i);
          if (close < 0) fail("missing ), unterminated comment");
          i = close + 1;
        } else {
          out += "(";
          i++;
        }
        continue;
      }
      case ".":
        out += dotAll ? "[\\s\\S]" : "[^\\n]";
        i++;
        continue;
      case "^":
        out += multiline ? "(?<![^\\n])" : "^";
        i++;
        continue;
      case "$":
        out += multiline ? "(?![^\\n])" : "(?=\\n?(?![\\s\\S]))";
        i++;
        continue;
      case "{": {
        const m = /^\{([0-9]*)(,?)([0-9]*)\}/.exec(pattern.slice(i, i + 40));
        if (m && (m[1] || m[2])) {
          out += m[2] ? `{${m[1] || "0"},${m[3]}}` : m[0];
          i += m[0].length;
        } else {
          out += "\\{";
          i++;
        }
        continue;
      }
      case "}":
      case "]":
        out += `\\${c}`;
        i++;
        continue;
      default:
        out += c;
        i++;
    }
  }
  try {
    return new RegExp(out, ignoreCase ? "iu" : "u");
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "") : String(err);
    return fail(why);
  }
}
