/** Text that reaches a terminal: what in it is not printable, and how wide it shows. */
import { createRequire } from "node:module";

/** Control characters (C0, DEL, C1) and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
export const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// eslint-disable-next-line no-control-regex -- the same, every one (line breaks apart)
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;
const ALL_CONTROL = new RegExp(CONTROL.source, "g");

/**
 * `text` with each control character written as its escape (`\u001b`), so that text others wrote (a
 * label, a comment, a command) can neither move the cursor, clear the screen or retitle the terminal,
 * nor add lines that look like cohort's own. With `lines`, line breaks are kept.
 */
export function printable(text: string, lines = false): string {
  const re = lines ? CONTROL_BUT_LINE_BREAKS : ALL_CONTROL;
  re.lastIndex = 0;
  if (!re.test(text)) return text;
  return text.replace(re, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

let wideWidth: ((text: string) => number) | undefined;

/**
 * The display width of text on a terminal: its length when it is printable ASCII, else as string-width
 * counts (wide characters count twice; loaded only then: it compiles a large pattern, a cost every
 * listing would pay).
 */
export function displayWidth(text: string): number {
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  wideWidth ??= createRequire(import.meta.url)("string-width") as (text: string) => number;
  return wideWidth(text);
}
