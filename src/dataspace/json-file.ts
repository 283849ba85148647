import { readFileIfExists } from "../util/fs.js";
import { Utf8Error } from "../util/utf8.js";
import { parseJson } from "./json.js";
import { isPlainObject, type JsonObject, type JsonValue } from "./value.js";

/**
 * A file that must hold a JSON object (a state point, a document): the object, undefined when the file
 * does not exist, or why it cannot be used (`WHAT is empty`, `WHAT is corrupt: ...`), where `what`
 * names the file in that reason.
 */
export function readObjectFile(file: string, what: string): JsonObject | string | undefined {
  let text: string | undefined;
  try {
    text = readFileIfExists(file);
  } catch (err) {
    if (err instanceof Utf8Error) return `${what} is not valid UTF-8: ${err.detail}`;
    return `${what} unreadable: ${(err as Error).message}`;
  }
  if (text === undefined) return undefined;
  let v: JsonValue;
  try {
    v = parseJson(text);
  } catch (err) {
    return text.length === 0 ? `${what} is empty` : `${what} is corrupt: ${(err as Error).message}`;
  }
  return isPlainObject(v) ? v : `${what} does not hold a JSON object`;
}
