import { UserError } from "../util/errors.js";
import { Float, isPlainObject, type JsonObject, type JsonValue } from "./value.js";

/**
 * signac refuses mapping keys that contain a dot, at any depth, in state points and documents:
 * dotted paths address nested keys in queries, so a dotted key could never be found.
 */
export function assertValidKeys(v: JsonValue, what: string): void {
  const dotted = findDottedKey(v);
  if (dotted !== undefined) throw new UserError(`${what} key ${JSON.stringify(dotted)} contains a dot`, "keys may not contain '.'; nest objects instead");
}

/** The first mapping key holding a dot, at any depth (depth first, in key order); undefined when none does. */
export function findDottedKey(v: JsonValue): string | undefined {
  if (v === null || typeof v !== "object" || v instanceof Float) return undefined;
  if (Array.isArray(v)) {
    for (const x of v) {
      const found = findDottedKey(x);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const k of Object.keys(v)) {
    if (k.includes(".")) return k;
    const found = findDottedKey(v[k]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Splits a dotted path `a.b.c` into keys, refusing empty parts. */
export function splitPath(dotted: string): string[] {
  const parts = dotted.split(".");
  if (parts.some((p) => p === "")) throw new UserError(`bad key path ${JSON.stringify(dotted)}`, "write keys like a or a.b");
  return parts;
}

/** The leaf values of an object by dotted key (`a.b` for `{"a": {"b": 1}}`); an empty object is a leaf. */
export function leafValues(o: Readonly<JsonObject>, prefix = "", out = new Map<string, JsonValue>()): Map<string, JsonValue> {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix + k;
    if (isPlainObject(v) && Object.keys(v).length > 0) leafValues(v, key + ".", out);
    else out.set(key, v);
  }
  return out;
}
