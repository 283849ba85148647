/**
 * JSON text <-> typed values (see value.ts), exactly as Python's `json` module reads and writes them.
 * signac's job ids hash `json.dumps(sp, sort_keys=True)`, so the writer must match it byte for byte.
 */
import { UserError } from "../util/errors.js";
import { float, Float, type JsonObject, type JsonValue, pythonFloatRepr } from "./value.js";

export class JsonSyntaxError extends UserError {
  constructor(
    /** What is wrong, without the place. */
    readonly what: string,
    readonly line: number,
    readonly column: number,
    source?: string,
    hint?: string,
  ) {
    super(`malformed JSON${source ? ` in ${source}` : ""}: ${what} at line ${line}, column ${column}`, hint);
    this.name = "JsonSyntaxError";
  }
}

/**
 * How deep objects and lists may nest in values cohort reads and writes. Python's json, and so signac,
 * stops short of 1000 (its recursion limit); cohort's code that walks values by recursion stays well
 * within Node's stack at this depth, and refuses deeper values with exit code 2 instead of crashing.
 */
export const MAX_DEPTH = 1000;
const TOO_DEEP = `values nest deeper than ${MAX_DEPTH} levels`;
const TOO_DEEP_HINT = `cohort reads and writes JSON nested at most ${MAX_DEPTH} levels deep`;

/** Whether `err` is the parser refusing text nested beyond MAX_DEPTH, which no other reading of the text can take. */
export function isTooDeep(err: unknown): boolean {
  return err instanceof JsonSyntaxError && err.what === TOO_DEEP;
}

/** Whether JSON text nests objects and lists deeper than MAX_DEPTH (strings skipped). */
function nestsTooDeep(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // to the closing quote, one after an even number of backslashes (indexOf: twice as fast as a loop)
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i === -1) return false;
        let b = i - 1;
        while (text.charCodeAt(b) === 92) b--;
        if ((i - b) % 2 === 1) break;
      }
    } else if (c === 123 || c === 91) {
      if (++depth > MAX_DEPTH) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

// Text without fractional or exponent numbers and without 16+ digit runs is read exactly by JSON.parse.
const NEEDS_TYPED_PARSE = /[0-9][.eE]|[0-9]{16}|-0(?![.0-9eE])/;

/**
 * Whether JSON.parse could misread the text. Where the pattern is found, it is looked for again in the
 * text between strings only: run and job ids are hex ("3e5f..."), which the pattern takes for
 * exponents, and an attribute log full of them would otherwise always take the typed parser, several
 * times slower. (A regular expression for strings overflows V8's stack on a string of megabytes.)
 */
function needsTypedParse(text: string): boolean {
  if (!NEEDS_TYPED_PARSE.test(text)) return false;
  let from = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', from)) {
    if (NEEDS_TYPED_PARSE.test(text.slice(from, i))) return true;
    // past the string's closing quote (an escaped one does not close it)
    let j = i + 1;
    while (j < text.length && text.charCodeAt(j) !== 34) j += text.charCodeAt(j) === 92 ? 2 : 1;
    from = j + 1;
    if (from >= text.length) return false;
  }
  return NEEDS_TYPED_PARSE.test(text.slice(from));
}

/** Why a float literal beyond a double's range is refused, wherever it is read (JSON, command-line values). */
export function floatRangeMessage(lexeme: string): string {
  return `${lexeme} is too large for a float`;
}
export const FLOAT_RANGE_HINT = "floats are at most about 1.8e308";

/**
 * The float of a decimal literal already known to be one (`1.5`, `1e-4`, `1.0`): a `Float` when
 * integer-valued; undefined when it is beyond a double's range (±1e309 and the like), which cohort
 * refuses rather than store as infinity. A literal too small for a double reads as 0.0, as in Python.
 */
export function floatOfLiteral(lexeme: string): number | Float | undefined {
  const x = Number(lexeme);
  return Number.isFinite(x) ? float(x) : undefined;
}

/**
 * Parses JSON text keeping ints, floats and big integers apart. `source` names the text in error
 * messages (a file, "the filter"); `hint`, what to do about an error in it, is the error's hint where
 * the parser has none of its own.
 */
export function parseJson(text: string, source?: string, hint?: string): JsonValue {
  // Text this short cannot nest too deep (each level takes two characters at least).
  if (!needsTypedParse(text) && (text.length <= 2 * MAX_DEPTH || !nestsTooDeep(text))) {
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      // fall through to the parser that can say where the text is wrong
    }
  }
  return parseJsonTyped(text, source, hint);
}

/** The typed parser alone, without the `JSON.parse` fast path; parseJson must always agree with it. */
export function parseJsonTyped(text: string, source?: string, hint?: string): JsonValue {
  return new Parser(text, source, hint).parseDocument();
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(
    private readonly text: string,
    private readonly source?: string,
    private readonly hint?: string,
  ) {}

  parseDocument(): JsonValue {
    this.skipWs();
    const v = this.value();
    this.skipWs();
    if (this.pos < this.text.length) this.fail("unexpected text after the value");
    return v;
  }

  private fail(what: string, at = this.pos, hint?: string): never {
    let line = 1;
    let col = 1;
    for (let i = 0; i < at && i < this.text.length; i++) {
      if (this.text.charCodeAt(i) === 10) {
        line++;
        col = 1;
      } else col++;
    }
    throw new JsonSyntaxError(what, line, col, this.source, hint ?? this.hint);
  }

  private skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.pos++;
      else break;
    }
  }

  private value(): JsonValue {
    const t = this.text;
    if (this.pos >= t.length) this.fail("unexpected end of input");
    const c = t[this.pos];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "-" || (c >= "0" && c <= "9")) return this.number();
    if (t.startsWith("true", this.pos)) return (this.pos += 4), true;
    if (t.startsWith("false", this.pos)) return (this.pos += 5), false;
    if (t.startsWith("null", this.pos)) return (this.pos += 4), null;
    if (t.startsWith("NaN", this.pos) || t.startsWith("Infinity", this.pos)) {
      this.fail("NaN and Infinity are not valid values");
    }
    this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  /** Enters an object or a list: refused beyond MAX_DEPTH, where recursion would near the stack's end. */
  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(TOO_DEEP, this.pos, TOO_DEEP_HINT);
  }

  private object(): JsonObject {
    const out: JsonObject = {};
    this.enter();
    this.pos++;
    this.skipWs();
    if (this.text[this.pos] === "}") {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      this.skipWs();
      if (this.text[this.pos] !== '"') this.fail("expected a string key");
      const key = this.string();
      this.skipWs();
      if (this.text[this.pos] !== ":") this.fail("expected ':'");
      this.pos++;
      this.skipWs();
      // Python keeps the first position of a repeated key and its last value.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.skipWs();
      const c = this.text[this.pos];
      if (c === ",") this.pos++;
      else if (c === "}") {
        this.pos++;
        this.depth--;
        return out;
      } else this.fail("expected ',' or '}'");
    }
  }

  private array(): JsonValue[] {
    const out: JsonValue[] = [];
    this.enter();
    this.pos++;
    this.skipWs();
    if (this.text[this.pos] === "]") {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      this.skipWs();
      out.push(this.value());
      this.skipWs();
      const c = this.text[this.pos];
      if (c === ",") this.pos++;
      else if (c === "]") {
        this.pos++;
        this.depth--;
        return out;
      } else this.fail("expected ',' or ']'");
    }
  }

  private string(): string {
    const t = this.text;
    const start = ++this.pos;
    let out = "";
    let chunk = start;
    for (;;) {
      if (this.pos >= t.length) this.fail("unterminated string", start - 1);
      const c = t.charCodeAt(this.pos);
      if (c === 34) {
        out += t.slice(chunk, this.pos);
        this.pos++;
        return out;
      }
      if (c < 32) this.fail("control character in string");
      if (c !== 92) {
        this.pos++;
        continue;
      }
      out += t.slice(chunk, this.pos);
      const e = t[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case '"':
        case "\\":
        case "/":
          out += e;
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "t":
          out += "\t";
          break;
        case "u": {
          const hex = t.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("bad \\u escape", this.pos - 2);
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.fail("bad escape", this.pos - 2);
      }
      chunk = this.pos;
    }
  }

  private number(): number | bigint | Float {
    const t = this.text;
    const start = this.pos;
    if (t[this.pos] === "-") this.pos++;
    const intStart = this.pos;
    if (t[this.pos] === "0") this.pos++;
    else if (t[this.pos] >= "1" && t[this.pos] <= "9") while (t[this.pos] >= "0" && t[this.pos] <= "9") this.pos++;
    else {
      if (t.startsWith("Infinity", this.pos)) this.fail("NaN and Infinity are not valid values", start);
      this.fail("expected a digit");
    }
    const intDigits = this.pos - intStart;
    let isFloat = false;
    if (t[this.pos] === ".") {
      isFloat = true;
      this.pos++;
      if (!(t[this.pos] >= "0" && t[this.pos] <= "9")) this.fail("expected a digit after '.'");
      while (t[this.pos] >= "0" && t[this.pos] <= "9") this.pos++;
    }
    if (t[this.pos] === "e" || t[this.pos] === "E") {
      isFloat = true;
      this.pos++;
      if (t[this.pos] === "+" || t[this.pos] === "-") this.pos++;
      if (!(t[this.pos] >= "0" && t[this.pos] <= "9")) this.fail("expected a digit in the exponent");
      while (t[this.pos] >= "0" && t[this.pos] <= "9") this.pos++;
    }
    const lexeme = t.slice(start, this.pos);
    if (isFloat) return floatOfLiteral(lexeme) ?? this.fail(floatRangeMessage(lexeme), start);
    if (intDigits < 16) return Number(lexeme) || 0; // `|| 0` reads "-0" as the int 0, as Python does
    const big = BigInt(lexeme);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
}

/** Python's `json.dumps(..., ensure_ascii=True)` escaping of one string. */
export function quoteString(s: string): string {
  let out = '"';
  let chunk = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 32 && c < 127 && c !== 34 && c !== 92) continue;
    out += s.slice(chunk, i);
    chunk = i + 1;
    switch (c) {
      case 34:
        out += '\\"';
        break;
      case 92:
        out += "\\\\";
        break;
      case 10:
        out += "\\n";
        break;
      case 13:
        out += "\\r";
        break;
      case 9:
        out += "\\t";
        break;
      case 8:
        out += "\\b";
        break;
      case 12:
        out += "\\f";
        break;
      default:
        out += "\\u" + c.toString(16).padStart(4, "0");
    }
  }
  return out + s.slice(chunk) + '"';
}

/**
 * Orders keys by code point, as Python sorts str; JavaScript's default compares UTF-16 units.
 * A surrogate pair is one code point above U+FFFF; a lone surrogate (which json.loads keeps as it is)
 * is its own code point U+D800..U+DFFF, below U+E000.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    // The units before i are equal; if unit i-1 is a high surrogate, unit i may complete a pair with it.
    if (i > 0) {
      const h = a.charCodeAt(i - 1);
      if (h >= 0xd800 && h <= 0xdbff) {
        const cx = a.codePointAt(i - 1) as number;
        const cy = b.codePointAt(i - 1) as number;
        if (cx !== cy) return cx - cy;
      }
    }
    return (a.codePointAt(i) as number) - (b.codePointAt(i) as number);
  }
  // One is a prefix of the other in UTF-16 units, so also in code points (a lone high surrogate at the
  // end of the shorter one sorts below the pair it starts in the longer one).
  return a.length - b.length;
}

function numberText(v: number): string {
  if (!Number.isFinite(v)) {
    throw new UserError(`${v} is not a valid value`, "state points and documents hold finite numbers only");
  }
  return Number.isSafeInteger(v) && !Object.is(v, -0) ? String(v) : pythonFloatRepr(v);
}

function write(v: JsonValue, sortKeys: boolean, parts: string[], depth: number): void {
  if (v === null) parts.push("null");
  else if (v === true) parts.push("true");
  else if (v === false) parts.push("false");
  else if (typeof v === "string") parts.push(quoteString(v));
  else if (typeof v === "number") parts.push(numberText(v));
  else if (typeof v === "bigint") parts.push(v.toString());
  else if (v instanceof Float) {
    if (!Number.isFinite(v.value)) numberText(v.value);
    parts.push(pythonFloatRepr(v.value));
  } else if (Array.isArray(v)) {
    if (depth >= MAX_DEPTH) throw new UserError(TOO_DEEP, TOO_DEEP_HINT);
    parts.push("[");
    for (let i = 0; i < v.length; i++) {
      if (i) parts.push(", ");
      write(v[i], sortKeys, parts, depth + 1);
    }
    parts.push("]");
  } else if (typeof v === "object") {
    if (depth >= MAX_DEPTH) throw new UserError(TOO_DEEP, TOO_DEEP_HINT);
    const keys = Object.keys(v);
    if (sortKeys) keys.sort(compareCodePoints);
    parts.push("{");
    for (let i = 0; i < keys.length; i++) {
      if (i) parts.push(", ");
      parts.push(quoteString(keys[i]), ": ");
      write(v[keys[i]], sortKeys, parts, depth + 1);
    }
    parts.push("}");
  } else {
    throw new UserError(`a value of type ${typeof v} cannot be stored`, "use JSON values only");
  }
}

/** `json.dumps(v, sort_keys=True)`: the text signac hashes into a job id. */
export function canonicalJson(v: JsonValue): string {
  const parts: string[] = [];
  write(v, true, parts, 0);
  return parts.join("");
}

/** `json.dumps(v)`: Python's separators, keys in insertion order; what signac writes to its files. */
export function dumpJson(v: JsonValue): string {
  const parts: string[] = [];
  write(v, false, parts, 0);
  return parts.join("");
}

/** Indented JSON for people, keeping floats as floats (`1.0`). */
export function prettyJson(v: JsonValue, indent = "", step = "  "): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    const inner = indent + step;
    return "[\n" + v.map((x) => inner + prettyJson(x, inner, step)).join(",\n") + "\n" + indent + "]";
  }
  if (v !== null && typeof v === "object" && !(v instanceof Float)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return "{}";
    const inner = indent + step;
    return (
      "{\n" + keys.map((k) => inner + quoteString(k) + ": " + prettyJson(v[k], inner, step)).join(",\n") + "\n" + indent + "}"
    );
  }
  return dumpJson(v);
}
