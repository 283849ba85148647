import { parseJson } from "../dataspace/json.js";
import type { JsonValue } from "../dataspace/value.js";

/**
 * A value given on the command line: JSON when it parses; other text is a string, so that
 * `stage prod` needs no quotes. Text that starts like JSON (`{`, `[`, `"`) must be valid JSON.
 */
export function parseValueArg(text: string, what: string): JsonValue {
  const t = text.trim();
  if (t.startsWith("{") || t.startsWith("[") || t.startsWith('"')) return parseJson(text, what);
  try {
    return parseJson(text, what);
  } catch {
    return text;
  }
}
