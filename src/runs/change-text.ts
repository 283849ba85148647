/**
 * One change file's text read without making an object of its `set` (attributes.ts). `JSON.parse`
 * gives each object whose keys no object had before a chain of new hidden classes, one per key: a
 * group's `run:<id>` keys are all new, and making the attributes of 1,000 groups of 100 members took
 * 190–330 ms that way against 88–94 ms this way.
 *
 * Only the form cohort writes (`dumpJson` on one line: `author`, `set`, `delete`, each at most once) is
 * read here, its values parsed one by one by the same parser; any other text gives undefined, and is
 * left to the parser of whole documents, which decides whether it is a change at all.
 */
import { parseJson } from "../dataspace/json.js";
import type { JsonValue } from "../dataspace/value.js";

export interface ScannedChange {
  author: string;
  /** The keys set and their values, in the file's order. */
  set?: [string, JsonValue][];
  delete?: string[];
}

/** Not the form read here: the caller parses the whole text. */
class Unsure extends Error {}
const UNSURE = new Unsure();

// A raw control character is either whitespace between tokens (not in one line) or invalid JSON.
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\u0000-\u001f]/;
// Keys that an object orders before all others (array indices): the file's order would differ.
const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;

/** The change a text holds in cohort's form; undefined when the text is not in that form. */
export function scanChange(text: string): ScannedChange | undefined {
  const end = text.endsWith("\n") ? text.length - 1 : text.length;
  if (CONTROL.test(text.slice(0, end))) return undefined;
  try {
    return new Scanner(text, end).change();
  } catch (err) {
    if (err instanceof Unsure) return undefined;
    throw err;
  }
}

class Scanner {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly end: number,
  ) {}

  change(): ScannedChange {
    const out: ScannedChange = { author: "" };
    const seen = new Set<string>();
    this.expect("{");
    if (!this.take("}")) {
      do {
        const key = this.string();
        this.expect(":");
        this.spaces();
        // Each key once: a repeated one would make the last win, which the full parser decides.
        if (seen.has(key)) throw UNSURE;
        seen.add(key);
        if (key === "author") out.author = this.string();
        else if (key === "set") out.set = this.entries();
        else if (key === "delete") out.delete = this.strings();
        else throw UNSURE;
      } while (this.take(","));
      this.expect("}");
    }
    this.spaces();
    if (this.i !== this.end) throw UNSURE;
    return out;
  }

  private entries(): [string, JsonValue][] {
    const out: [string, JsonValue][] = [];
    const keys = new Set<string>();
    this.expect("{");
    if (this.take("}")) return out;
    do {
      const key = this.string();
      if (keys.has(key) || INDEX_KEY.test(key)) throw UNSURE;
      keys.add(key);
      this.expect(":");
      out.push([key, this.value()]);
    } while (this.take(","));
    this.expect("}");
    return out;
  }

  private strings(): string[] {
    const out: string[] = [];
    this.expect("[");
    if (this.take("]")) return out;
    do out.push(this.string());
    while (this.take(","));
    this.expect("]");
    return out;
  }

  private value(): JsonValue {
    this.spaces();
    const c = this.text.charCodeAt(this.i);
    if (c === 34) return this.string();
    const from = this.i;
    if (c === 123 || c === 91) this.skipNested();
    else while (this.i < this.end && !",}] ".includes(this.text[this.i])) this.i++;
    try {
      return parseJson(this.text.slice(from, this.i));
    } catch {
      throw UNSURE;
    }
  }

  /** Past an object or array, strings inside it included. */
  private skipNested(): void {
    let depth = 0;
    do {
      const c = this.text.charCodeAt(this.i);
      if (c === 34) {
        this.i = this.stringEnd(this.i) + 1;
        continue;
      }
      if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) depth--;
      this.i++;
    } while (depth > 0 && this.i < this.end);
    if (depth > 0) throw UNSURE;
  }

  private string(): string {
    this.spaces();
    if (this.text.charCodeAt(this.i) !== 34) throw UNSURE;
    const close = this.stringEnd(this.i);
    const body = this.text.slice(this.i + 1, close);
    this.i = close + 1;
    if (!body.includes("\\")) return body;
    try {
      return JSON.parse(this.text.slice(this.i - body.length - 2, this.i)) as string;
    } catch {
      throw UNSURE;
    }
  }

  /** The index of the quote that closes the string opening at `open`. */
  private stringEnd(open: number): number {
    let j = open;
    for (;;) {
      j = this.text.indexOf('"', j + 1);
      if (j === -1 || j >= this.end) throw UNSURE;
      let backslashes = 0;
      while (this.text.charCodeAt(j - 1 - backslashes) === 92) backslashes++;
      if (backslashes % 2 === 0) return j;
    }
  }

  private spaces(): void {
    while (this.text.charCodeAt(this.i) === 32) this.i++;
  }

  private take(token: string): boolean {
    this.spaces();
    if (this.text[this.i] !== token) return false;
    this.i++;
    return true;
  }

  private expect(token: string): void {
    if (!this.take(token)) throw UNSURE;
  }
}
