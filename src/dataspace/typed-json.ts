/**
 * Values that JSON.parse would read back wrongly — integer-valued floats (`1.0`, kept as Float) and
 * big integers — recorded beside a cache's JSON and put back when it is read (the job index, the
 * document cache and the run catalog keep values this way).
 */
import { Float, isPlainObject, type JsonValue, pythonFloatRepr } from "./value.js";

/** Puts back into values read by JSON.parse what collectTyped recorded: Floats and big integers. */
export function restoreTyped(values: unknown[], typed: (string | number)[][]): void {
  for (const [idx, text, ...keys] of typed) {
    let parent = values[idx as number] as Record<string | number, unknown>;
    for (let k = 0; k < keys.length - 1; k++) parent = parent[keys[k]] as Record<string | number, unknown>;
    const t = text as string;
    parent[keys[keys.length - 1]] = /^-?\d+$/.test(t) ? BigInt(t) : new Float(Number(t));
  }
}

/**
 * Finds the values JSON.parse would read back wrongly: integer-valued floats and big integers, as
 * [index, exact text, ...path] (`at` starts with the index of the value in its list).
 */
export function collectTyped(v: JsonValue, at: (string | number)[], out: (string | number)[][]): void {
  if (v instanceof Float) out.push([at[0], pythonFloatRepr(v.value), ...at.slice(1)]);
  else if (typeof v === "bigint") out.push([at[0], v.toString(), ...at.slice(1)]);
  else if (Array.isArray(v)) v.forEach((x, i) => collectTyped(x, [...at, i], out));
  else if (isPlainObject(v)) for (const k of Object.keys(v)) collectTyped(v[k], [...at, k], out);
}

