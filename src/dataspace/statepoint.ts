/**
 * A job's state point as its users see it (`job.sp`): a read-only view, and the copy a new state
 * point is stored as.
 *
 * A state point defines its job (the id is its hash), so it cannot change in place: `job.sp.T = 2`
 * would leave the job under the id of the old values, and the index and every other Job of the same
 * directory would still see the old ones. The view refuses every change with a TypeError that names
 * the call that does change it (`job.updateStatepoint`, which moves the job, as signac does).
 *
 * The view is a Proxy over the stored object, made once per Job when `job.sp` is first read; a nested
 * object or array read through it comes as a view of its own, made on each read (so `job.sp.a` is a
 * new object each time: compare values, not identities). Reads of a state point without nested values
 * (most) go through no trap at all. The stored object is never handed out, so cohort's caches (the job
 * index shares it between Jobs) cannot be changed through it.
 */
import { UserError } from "../util/errors.js";
import { assertValidKeys } from "./keys.js";
import { dumpJson } from "./json.js";
import { Float, isPlainObject, type JsonObject, type JsonValue } from "./value.js";

/** How the suggested call shows a value: short, as JSON with floats as floats. */
function shown(v: unknown): string {
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || typeof v === "bigint" || v === null || v instanceof Float) {
    try {
      const text = dumpJson(v as JsonValue);
      if (text.length <= 40) return text;
    } catch {
      // not a value a state point can hold: the call shows "..."
    }
  }
  return "...";
}

function keyText(key: string | symbol): string {
  return typeof key === "symbol" ? `[${String(key)}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

/** Refuses every change; reads go to the stored object (no `get` trap: reads cost least so). */
class ReadOnlyHandler implements ProxyHandler<object> {
  /** `top`: the state-point key this object is under; undefined for the state point itself. */
  constructor(protected readonly top: string | undefined) {}

  set(_target: object, key: string | symbol, value: unknown): boolean {
    const what = this.top === undefined ? `job.sp.${keyText(key)}` : `a value under job.sp.${keyText(this.top)}`;
    const call = this.top === undefined ? `job.updateStatepoint({ ${keyText(key)}: ${shown(value)} })` : `job.updateStatepoint({ ${keyText(this.top)}: ... })`;
    throw refusal(`cannot set ${what}`, `call ${call}`);
  }

  deleteProperty(_target: object, key: string | symbol): boolean {
    if (this.top !== undefined) throw refusal(`cannot delete a value under job.sp.${keyText(this.top)}`, `call job.updateStatepoint({ ${keyText(this.top)}: ... })`);
    const k = keyText(key);
    const rest = `const { ${typeof key === "string" && k === key ? k : `${k}: _`}, ...rest } = job.sp; job.sp = rest`;
    throw refusal(`cannot delete job.sp.${k}`, `assign the state point without it: ${rest}`);
  }

  defineProperty(): boolean {
    throw refusal("cannot define a property of job.sp", "call job.updateStatepoint({ KEY: VALUE })");
  }

  setPrototypeOf(): boolean {
    throw refusal("cannot change the prototype of job.sp", "assign a new one: job.sp = { ... }");
  }

  preventExtensions(): boolean {
    throw refusal("cannot freeze or seal job.sp (it is read-only already)", "call job.updateStatepoint({ KEY: VALUE })");
  }
}

/** Also gives nested objects and arrays as views: for a state point that has some, and for them. */
class NestingHandler extends ReadOnlyHandler {
  get(target: object, key: string | symbol): unknown {
    const v = (target as Record<string | symbol, unknown>)[key];
    if (typeof v !== "object" || v === null || v instanceof Float) return v;
    // Made afresh on each read: cheaper than keeping views in a WeakMap (bench/RESULTS.md).
    return new Proxy(v, new NestingHandler(this.top ?? (typeof key === "string" ? key : undefined)));
  }
}

function refusal(what: string, how: string): TypeError {
  return new TypeError(`${what}: a job's state point is read-only, since it defines the job's id; to change it (the job moves to its new id, keeping its document and files), ${how}`);
}

/** The handlers of state points' views, which keep nothing of their own: with nested values, and without. */
const NESTING = new NestingHandler(undefined) as ProxyHandler<JsonObject>;
const FLAT = new ReadOnlyHandler(undefined) as ProxyHandler<JsonObject>;

/** The read-only view of a stored state point (see the top of this file). */
export function readOnlyStatepoint(sp: JsonObject): JsonObject {
  for (const key in sp) {
    const v = sp[key];
    if (typeof v === "object" && v !== null && !(v instanceof Float)) return new Proxy(sp, NESTING);
  }
  return new Proxy(sp, FLAT);
}

/**
 * A copy of a state point that shares nothing changeable with `sp` (Floats are shared), after
 * checking it can be stored: a plain object of JSON values, keys without dots. Reads through
 * views (a state point made from another's `job.sp`) give plain objects.
 */
export function copyStatepoint(sp: unknown): JsonObject {
  if (!isPlainObject(sp)) throw new UserError("a state point must be a JSON object", 'write it like {"T": 1.0}');
  const copy = copyValue(sp) as JsonObject;
  assertValidKeys(copy, "state-point");
  return copy;
}

function copyValue(v: unknown): JsonValue {
  if (typeof v !== "object" || v === null || v instanceof Float) return v as JsonValue;
  if (Array.isArray(v)) return v.map(copyValue);
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const name = (v as { constructor?: { name?: string } }).constructor?.name ?? "object";
    throw new UserError(`a ${name} cannot be stored in a state point`, "use JSON values: objects, arrays, strings, numbers, booleans, null");
  }
  const out: JsonObject = {};
  for (const k of Object.keys(v)) out[k] = copyValue((v as Record<string, unknown>)[k]);
  return out;
}
