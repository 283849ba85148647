/**
 * Aggregates: the jobs an operation receives at once (SPEC §1, §4), as signac-flow's aggregators
 * form them (flow/aggregates.py).
 *
 * - `single`: one aggregate per job, in the order given.
 * - `groupsOf(n)`: consecutive chunks of n jobs in the order given; the last may be shorter.
 * - `groupBy(key)`: jobs with equal values at a key. A key is a dotted state-point path (`T`, `a.b`,
 *   or `sp.T`), a document path (`doc.KEY`), or a function of the job. Groups are ordered by key
 *   value, and within a group the jobs keep the order given (signac-flow sorts stably by key, then
 *   groups).
 * - `all`: one aggregate of every job; none when there is no job.
 *
 * Decisions for `groupBy`:
 * - A job without the key (or for which the function returns undefined) is left out of every
 *   aggregate, as signac's `Project.groupby` does. signac-flow's `aggregator.groupby(key)` without
 *   a `default` raises KeyError for such a job instead, failing the whole project; leaving the job out
 *   lets the rest of a campaign run.
 * - Values are equal as Python's `==` compares them, which signac-flow's grouping uses: an int and
 *   an integer-valued float (`1` and `1.0`, `10**16` and `1e16`), and `0.0` and `-0.0`, fall in one
 *   group; otherwise the canonical JSON of the value decides (objects with the same items are equal
 *   whatever their key order). Booleans are not merged with 1 and 0.
 * - A function must return a JSON value (or undefined, which leaves the job out), synchronously. One
 *   that throws, returns a Promise or returns what JSON cannot hold (a function, NaN, a Date) is a
 *   UserError naming the function, the job and `where` (the operation): a Promise would otherwise put
 *   every job in one aggregate without a word.
 * - Order of groups: null, booleans (false first), numbers (by value), strings (by code point),
 *   arrays (element by element), objects (by canonical JSON). Python orders numbers and strings the
 *   same way and raises TypeError for mixed types; cohort gives mixed keys a fixed order instead.
 */
import { createHash } from "node:crypto";
import type { Job } from "../dataspace/job.js";
import { canonicalJson, compareCodePoints } from "../dataspace/json.js";
import { splitPath } from "../dataspace/keys.js";
import { lookupPath } from "../dataspace/project.js";
import { Float, isPlainObject, type JsonValue } from "../dataspace/value.js";
import { errorText, UserError } from "../util/errors.js";
import { isPromiseLike } from "./conditions.js";
import type { Aggregator, JobsFn } from "./model.js";

/**
 * The aggregates an aggregator forms from jobs (in the order the jobs are given); `where` names the
 * operation or group in the errors of a groupBy function.
 */
export function aggregatesOf(aggregator: Aggregator, jobs: Job[], where = "an aggregator"): Job[][] {
  switch (aggregator.kind) {
    case "single":
      return jobs.map((j) => [j]);
    case "all":
      return jobs.length > 0 ? [jobs.slice()] : [];
    case "groupsOf": {
      const n = aggregator.n;
      if (!Number.isSafeInteger(n) || n < 1) {
        throw new UserError(`groupsOf needs a positive integer, got ${String(n)}`, "aggregate jobs in groups of 1, 2, 3, ...");
      }
      const out: Job[][] = [];
      for (let i = 0; i < jobs.length; i += n) out.push(jobs.slice(i, i + n));
      return out;
    }
    case "groupBy":
      return groupJobs(aggregator.key, jobs, where);
  }
}

/** SPEC §4: the job id for one job, else `agg-` + md5 hex of the comma-joined job ids in aggregate order. */
export function aggregateId(jobs: readonly Job[]): string {
  if (jobs.length === 1) return jobs[0].id;
  return "agg-" + createHash("md5").update(jobs.map((j) => j.id).join(",")).digest("hex");
}

function keyFunction(key: string | JobsFn<JsonValue | undefined>, where: string): (job: Job) => JsonValue | undefined {
  if (typeof key === "function") return (job) => keyOfFunction(key, job, where);
  if (key.startsWith("doc.")) {
    const path = splitPath(key.slice(4));
    return (job) => lookupPath(job.doc.data, path);
  }
  const path = splitPath(key.startsWith("sp.") ? key.slice(3) : key);
  return (job) => lookupPath(job.spData, path);
}

/** What a groupBy function returns for a job, checked (see the module comment). */
function keyOfFunction(fn: JobsFn<JsonValue | undefined>, job: Job, where: string): JsonValue | undefined {
  const what = `${where}: ${fn.name ? `groupBy(${fn.name})` : "the groupBy function"}`;
  let value: unknown;
  try {
    value = fn(job);
  } catch (err) {
    throw new UserError(`${what} failed on job ${job.id}: ${errorText(err)}`, "fix the groupBy function");
  }
  if (isPromiseLike(value)) {
    Promise.resolve(value).catch(() => undefined);
    throw new UserError(`${what} returned a Promise on job ${job.id}`, "a groupBy function must return its value synchronously");
  }
  if (value === undefined) return undefined;
  try {
    canonicalJson(normalize(value as JsonValue));
  } catch (err) {
    throw new UserError(`${what} returned no JSON value on job ${job.id}: ${errorText(err)}`, "return a string, number, boolean, null, or a list or object of them; undefined leaves the job out");
  }
  return value as JsonValue;
}

function groupJobs(key: string | JobsFn<JsonValue | undefined>, jobs: Job[], where: string): Job[][] {
  const keyOf = keyFunction(key, where);
  const groups = new Map<string, { value: JsonValue; jobs: Job[] }>();
  for (const job of jobs) {
    const value = keyOf(job);
    if (value === undefined) continue;
    const text = canonicalJson(normalize(value));
    const group = groups.get(text);
    if (group) group.jobs.push(job);
    else groups.set(text, { value, jobs: [job] });
  }
  return [...groups.values()].sort((a, b) => compareValues(a.value, b.value)).map((g) => g.jobs);
}

/** A value whose canonical JSON is equal for values Python's `==` finds equal (ints and floats). */
function normalize(v: JsonValue): JsonValue {
  if (v instanceof Float || typeof v === "number") {
    const x = v instanceof Float ? v.value : v;
    if (!Number.isInteger(x)) return x;
    return Number.isSafeInteger(x) ? x + 0 : BigInt(x);
  }
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(normalize);
  if (isPlainObject(v)) {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: normalize(x), enumerable: true });
    return out;
  }
  return v;
}

function rank(v: JsonValue): number {
  if (v === null) return 0;
  if (typeof v === "boolean") return 1;
  if (typeof v === "number" || typeof v === "bigint" || v instanceof Float) return 2;
  if (typeof v === "string") return 3;
  if (Array.isArray(v)) return 4;
  return 5;
}

function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "bigint") {
    const c = compareNumbers(b, a);
    return c === 0 ? 0 : -c;
  }
  // a is a number, b a bigint: compare exactly.
  const floor = BigInt(Math.floor(a as number));
  if (floor < (b as bigint)) return -1;
  if (floor > (b as bigint)) return 1;
  return Number.isInteger(a) ? 0 : 1;
}

/** A total order on key values (see the module comment). */
export function compareValues(a: JsonValue, b: JsonValue): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return Number(a) - Number(b);
    case 2:
      return compareNumbers(a instanceof Float ? a.value : (a as number | bigint), b instanceof Float ? b.value : (b as number | bigint));
    case 3:
      return compareCodePoints(a as string, b as string);
    case 4: {
      const x = a as JsonValue[];
      const y = b as JsonValue[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareValues(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    default:
      return compareCodePoints(canonicalJson(normalize(a)), canonicalJson(normalize(b)));
  }
}
