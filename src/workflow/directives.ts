/**
 * Directives: the resources and execution options an operation asks for (SPEC §1, §4).
 *
 * The standard vocabulary, as signac-flow defines it (flow/directives.py), with its checks:
 *
 * | key                | value                                   | default                    |
 * |--------------------|-----------------------------------------|----------------------------|
 * | np                 | integer ≥ 1: CPU slots                  | nranks × omp_num_threads (below) |
 * | ngpu               | integer ≥ 0                             | 0                          |
 * | nranks             | integer ≥ 0: MPI ranks                  | null (not set)             |
 * | omp_num_threads    | integer ≥ 0                             | null (not set)             |
 * | memory             | GB: a number, or `512m`, `4g`, `1.5G`…  | null (not set)             |
 * | walltime           | hours as a number, or `H:MM:SS`, `2h`…  | null (not set)             |
 * | executable         | non-empty string                        | `process.execPath`         |
 * | fork               | boolean                                 | false                      |
 * | processor_fraction | number in (0, 1]                        | 1                          |
 *
 * Any other key is a user key, kept as it is (after evaluating a function) for templates; one within
 * a typo of a standard key (`ngpus`, `walltme`, `Memory`: the names `closeNames` finds) is refused when
 * the workflow is loaded, since it would otherwise ask for nothing without a word.
 *
 * Decisions:
 * - Integers must be integers: `2.5` or `"4"` is an error (signac-flow's `int()` would truncate or
 *   convert silently). An integer-valued float (`4.0`) is accepted.
 * - `np`: when it is not set or is 1, it becomes `max(1, nranks) × max(1, omp_num_threads)` — so
 *   `nranks × omp_num_threads` when both are set, else the one that is set, else 1 — as signac-flow's
 *   `_finalize_np` does (an explicit `np = 1` is raised too; an explicit larger `np` is kept).
 * - `null` means "not set" for nranks, omp_num_threads, memory and walltime (useful to clear a value
 *   in a group's own directives); it is an error for the others.
 * - `walltime` is returned in whole seconds (rounded); it must be at least 1 second (signac-flow's
 *   minimum), so zero and negative values are errors. Accepted: a number of hours (`0.5`),
 *   `H:MM:SS` (`1:30:00`, hours may exceed 24), SLURM's `D-H`, `D-H:MM`, `D-H:MM:SS` (`2-00:00:00`),
 *   and units d/h/m/s, each at most once and largest first (`2h`, `30m`, `90s`, `1d`, `1h30m`,
 *   `1.5h`, `1h 30m`). Refused as ambiguous: `MM:SS` / `H:MM` (SLURM reads `2:00` as two minutes, LSF
 *   as two hours) and a bare number in a string (`"2"`: hours for signac-flow, minutes for SLURM).
 * - `memory` is returned in gigabytes. A number is GB; a string is a number with an optional unit
 *   `k`, `m`, `g`, `t` (case-insensitive, optionally followed by `b` or `ib`), binary as signac-flow
 *   (`512m` = 0.5 GB, `100k` = 100/1024² GB, `2t` = 2048 GB); a bare numeric string is GB. It must be
 *   more than zero.
 * - `executable` defaults to the Node.js running cohort (`process.execPath`), the counterpart of
 *   signac-flow's `sys.executable`: submission scripts use it to run `cohort`; shell-command
 *   operations do not use it.
 * - `processor_fraction` must be in (0, 1] (signac-flow allows 0, which requests nothing).
 * - A directive function must return its value synchronously; a Promise is an error.
 */
import type { Job } from "../dataspace/job.js";
import { dumpJson } from "../dataspace/json.js";
import { Float, type JsonValue } from "../dataspace/value.js";
import { errorText, UserError } from "../util/errors.js";
import { closeNames } from "../util/names.js";
import type { DirectiveValue, Directives, GroupDefinition, OperationDefinition } from "./model.js";

export interface ResolvedDirectives {
  np: number;
  ngpu: number;
  nranks: number | null;
  omp_num_threads: number | null;
  /** Gigabytes. */
  memory: number | null;
  /** Seconds. */
  walltime: number | null;
  executable: string;
  fork: boolean;
  processor_fraction: number;
  [user: string]: JsonValue;
}

export const STANDARD_DIRECTIVES = [
  "np",
  "ngpu",
  "nranks",
  "omp_num_threads",
  "memory",
  "walltime",
  "executable",
  "fork",
  "processor_fraction",
] as const;
export type StandardDirective = (typeof STANDARD_DIRECTIVES)[number];

export function isStandardDirective(key: string): key is StandardDirective {
  return (STANDARD_DIRECTIVES as readonly string[]).includes(key);
}

export const WALLTIME_HINT =
  "write hours as a number (0.5), H:MM:SS (1:30:00), D-HH:MM:SS (2-00:00:00) or units d/h/m/s (2h, 30m, 90s, 1d, 1h30m)";
export const MEMORY_HINT = "write gigabytes as a number (4) or a size with a unit k/m/g/t (512m, 4g, 1.5G, 2t)";

/** A value as the user wrote it, for messages. */
function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof Float) return v.toString();
  if (typeof v === "bigint") return v.toString();
  if (v === undefined) return "undefined";
  if (typeof v === "function") return `a function${v.name ? ` (${v.name})` : ""}`;
  try {
    return dumpJson(v as JsonValue);
  } catch {
    return String(v);
  }
}

function prefix(where: string | undefined): string {
  return where ? `${where}: ` : "";
}

function bad(where: string | undefined, key: string, what: string, v: unknown, hint?: string): UserError {
  return new UserError(`${prefix(where)}directive ${key} must be ${what}, got ${show(v)}`, hint);
}

/** A finite JavaScript number from a number, Float or bigint; undefined for anything else. */
function numberOf(v: unknown): number | undefined {
  let x: number | undefined;
  if (typeof v === "number") x = v;
  else if (v instanceof Float) x = v.value;
  else if (typeof v === "bigint") x = Number(v);
  return x !== undefined && Number.isFinite(x) ? x : undefined;
}

function integerOf(v: unknown, min: number, key: string, where: string | undefined): number {
  const x = numberOf(v);
  if (x === undefined || !Number.isSafeInteger(x) || x < min) {
    throw bad(where, key, min >= 1 ? "a positive integer" : "a non-negative integer", v);
  }
  return x;
}

const UNIT_SECONDS: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };
const NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)`;
const UNITS_RE = new RegExp(String.raw`^(?:(${NUMBER})\s*d)?\s*(?:(${NUMBER})\s*h)?\s*(?:(${NUMBER})\s*m)?\s*(?:(${NUMBER})\s*s)?$`, "i");
const HMS_RE = /^(\d+):(\d{1,2}):(\d{1,2})$/;
const SLURM_DAYS_RE = /^(\d+)-(\d+)(?::(\d{1,2})(?::(\d{1,2}))?)?$/;

/**
 * A walltime in whole seconds: a number of hours, `H:MM:SS`, `D-H[:MM[:SS]]`, or d/h/m/s units
 * (`2h`, `30m`, `1h30m`). Anything else, or less than one second, is a UserError.
 */
export function parseWalltime(v: unknown, where?: string): number {
  const fail = (why = "a duration of at least one second") => bad(where, "walltime", why, v, WALLTIME_HINT);
  let seconds: number;
  if (typeof v === "string") {
    const s = v.trim();
    let m: RegExpExecArray | null;
    if ((m = HMS_RE.exec(s))) {
      const [h, min, sec] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (min >= 60 || sec >= 60) throw fail("H:MM:SS with minutes and seconds below 60");
      seconds = h * 3600 + min * 60 + sec;
    } else if ((m = SLURM_DAYS_RE.exec(s))) {
      const [d, h, min, sec] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
      if (min >= 60 || sec >= 60) throw fail("D-HH:MM:SS with minutes and seconds below 60");
      seconds = d * 86400 + h * 3600 + min * 60 + sec;
    } else if (/^\d+:\d+$/.test(s)) {
      throw fail("H:MM:SS, not MM:SS or H:MM (schedulers read two fields differently)");
    } else if (s !== "" && (m = UNITS_RE.exec(s)) && m.slice(1).some((x) => x !== undefined)) {
      seconds = 0;
      const units = ["d", "h", "m", "s"];
      for (let i = 0; i < 4; i++) if (m[i + 1] !== undefined) seconds += Number(m[i + 1]) * UNIT_SECONDS[units[i]];
    } else if (/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i.test(s)) {
      throw fail("a number of hours, not a string, or a string with a unit");
    } else {
      throw fail();
    }
  } else {
    const hours = numberOf(v);
    if (hours === undefined) throw fail();
    seconds = hours * 3600;
  }
  if (!Number.isFinite(seconds)) throw fail();
  const rounded = Math.round(seconds);
  if (rounded < 1) throw fail();
  return rounded;
}

const MEMORY_RE = /^((?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*(?:([kmgt])(?:i?b)?|b?)$/i;
const MEMORY_UNIT_GB: Record<string, number> = { k: 1 / (1024 * 1024), m: 1 / 1024, g: 1, t: 1024 };

/** Memory in gigabytes: a number of GB, or `512m`, `4g`, `1.5G`, `2t`, `100k` (binary units). */
export function parseMemory(v: unknown, where?: string): number {
  const fail = () => bad(where, "memory", "a size above zero", v, MEMORY_HINT);
  let gb: number | undefined;
  if (typeof v === "string") {
    const m = MEMORY_RE.exec(v.trim());
    if (!m) throw fail();
    gb = Number(m[1]) * (m[2] ? MEMORY_UNIT_GB[m[2].toLowerCase()] : 1);
  } else {
    gb = numberOf(v);
  }
  if (gb === undefined || !Number.isFinite(gb) || !(gb > 0)) throw fail();
  return gb;
}

/** Checks one standard directive's value and converts it (memory to GB, walltime to seconds). */
function checkStandard(key: StandardDirective, v: unknown, where: string | undefined): JsonValue {
  switch (key) {
    case "np":
      return integerOf(v, 1, key, where);
    case "ngpu":
      return integerOf(v, 0, key, where);
    case "nranks":
    case "omp_num_threads":
      return v === null ? null : integerOf(v, 0, key, where);
    case "memory":
      return v === null ? null : parseMemory(v, where);
    case "walltime":
      return v === null ? null : parseWalltime(v, where);
    case "executable":
      if (typeof v !== "string" || v.trim() === "") throw bad(where, key, "a non-empty string", v);
      return v;
    case "fork":
      if (typeof v !== "boolean") throw bad(where, key, "true or false", v);
      return v;
    case "processor_fraction": {
      const x = numberOf(v);
      if (x === undefined || !(x > 0 && x <= 1)) throw bad(where, key, "a number above 0 and at most 1", v);
      return x;
    }
  }
}

/**
 * Checks the values that are not functions at definition time; a function's value is checked when
 * it is evaluated (resolveDirectives). Throws a UserError `WHERE: directive KEY must be ..., got V`.
 */
export function validateDirectives(d: Directives, where: string): void {
  for (const [key, value] of Object.entries(d)) {
    const close = isStandardDirective(key) ? [] : closeNames(key, STANDARD_DIRECTIVES);
    if (close.length > 0) {
      throw new UserError(`${prefix(where)}unknown directive ${key}`, `did you mean ${close.join(" or ")}? a key of your own, for templates, needs a name less like a standard directive's`);
    }
    if (typeof value === "function") continue;
    if (isStandardDirective(key)) checkStandard(key, value, where);
  }
}

function evaluate(key: string, value: DirectiveValue | undefined, jobs: Job[], where: string): JsonValue | undefined {
  if (typeof value !== "function") return value;
  let out: unknown;
  try {
    out = value(...jobs);
  } catch (err) {
    throw new UserError(
      `${prefix(where)}directive ${key} (${value.name || "a function"}) failed on ${jobsText(jobs)}: ${errorText(err)}`,
      "fix the directive's function",
    );
  }
  if (out instanceof Promise) {
    out.catch(() => undefined);
    throw new UserError(`${prefix(where)}directive ${key} (${value.name || "a function"}) returned a Promise`, "a directive function must return its value synchronously");
  }
  return out as JsonValue | undefined;
}

function jobsText(jobs: Job[]): string {
  if (jobs.length === 0) return "no job";
  if (jobs.length === 1) return `job ${jobs[0].id}`;
  return `${jobs.length} jobs (${jobs[0].id}, ...)`;
}

function setOwn(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The directives of one operation for one aggregate: functions evaluated with the jobs, values
 * checked, defaults applied, memory in GB and walltime in seconds. User keys follow, in order.
 */
export function resolveDirectives(d: Directives, jobs: Job[], where: string): ResolvedDirectives {
  const given: Partial<Record<StandardDirective, JsonValue>> = {};
  const user: [string, JsonValue][] = [];
  for (const [key, raw] of Object.entries(d)) {
    const value = evaluate(key, raw, jobs, where);
    if (isStandardDirective(key)) {
      if (value === undefined) continue;
      given[key] = checkStandard(key, value, where);
    } else if (value !== undefined) {
      user.push([key, value]);
    }
  }
  const nranks = (given.nranks ?? null) as number | null;
  const omp = (given.omp_num_threads ?? null) as number | null;
  let np = (given.np ?? 1) as number;
  if (np === 1) np = Math.max(1, nranks ?? 0) * Math.max(1, omp ?? 0);
  const out: ResolvedDirectives = {
    np,
    ngpu: (given.ngpu ?? 0) as number,
    nranks,
    omp_num_threads: omp,
    memory: (given.memory ?? null) as number | null,
    walltime: (given.walltime ?? null) as number | null,
    executable: (given.executable ?? process.execPath) as string,
    fork: (given.fork ?? false) as boolean,
    processor_fraction: (given.processor_fraction ?? 1) as number,
  };
  for (const [key, value] of user) setOwn(out, key, value);
  userSet.set(out, [...Object.keys(given), ...user.map(([key]) => key)]);
  return out;
}

/** The keys each resolved object got from the directives given, not from cohort's defaults. */
const userSet = new WeakMap<ResolvedDirectives, readonly string[]>();

/**
 * The keys of resolved directives that were given (a default cohort filled in is not), in the order
 * given; for directives not made by `resolveDirectives` (combined ones, tests), every key.
 */
export function givenKeys(d: ResolvedDirectives): readonly string[] {
  return userSet.get(d) ?? Object.keys(d);
}

/**
 * The directives that apply to an operation: inside a group that gives it group-specific directives,
 * those replace the operation's own entirely (no merge); otherwise the operation's own.
 */
export function directivesFor(op: OperationDefinition, group: GroupDefinition | undefined): Directives {
  if (group && Object.hasOwn(group.directives, op.name)) return group.directives[op.name];
  return op.directives;
}

type Combine = (a: number, b: number) => number;
const sum: Combine = (a, b) => a + b;
const max: Combine = (a, b) => Math.max(a, b);

function combineNullable(values: (number | null)[], f: Combine): number | null {
  let acc: number | null = null;
  for (const v of values) if (v !== null) acc = acc === null ? v : f(acc, v);
  return acc;
}

function combine(list: ResolvedDirectives[], counts: Combine, walltime: Combine): ResolvedDirectives {
  if (list.length === 0) throw new Error("combining the directives of no operation");
  const [first] = list;
  const out: ResolvedDirectives = {
    np: list.map((d) => d.np).reduce(counts),
    ngpu: list.map((d) => d.ngpu).reduce(counts),
    nranks: combineNullable(list.map((d) => d.nranks), counts),
    omp_num_threads: combineNullable(list.map((d) => d.omp_num_threads), counts),
    memory: combineNullable(list.map((d) => d.memory), counts),
    walltime: combineNullable(list.map((d) => d.walltime), walltime),
    executable: first.executable,
    fork: list.some((d) => d.fork),
    processor_fraction: first.processor_fraction,
  };
  for (const d of list) {
    for (const [key, value] of Object.entries(d)) {
      if (!isStandardDirective(key) && !Object.hasOwn(out, key)) setOwn(out, key, value);
    }
  }
  return out;
}

/**
 * Resources of operations run one after another (the members of one group, or a serial bundle):
 * the maximum of np, ngpu, nranks, omp_num_threads and memory; the sum of walltime. Values not set
 * (null) are left out; executable and processor_fraction are the first's; fork if any forks; user
 * keys from the first that has each.
 */
export function combineSerial(list: ResolvedDirectives[]): ResolvedDirectives {
  return combine(list, max, sum);
}

/**
 * Resources of operations run at the same time (a parallel bundle): the sum of np, ngpu, nranks,
 * omp_num_threads and memory; the maximum of walltime. Otherwise as combineSerial, but for np: each
 * operation counts `np × processor_fraction` processors and the bundle asks for the sum rounded up
 * (as signac-flow does), so that four operations of a quarter processor share one.
 */
export function combineParallel(list: ResolvedDirectives[]): ResolvedDirectives {
  const out = combine(list, sum, max);
  // (in thousandths, so that fractions such as 0.1 add up without drift)
  out.np = Math.ceil(list.reduce((a, d) => a + Math.round(d.np * d.processor_fraction * 1000), 0) / 1000);
  out.processor_fraction = 1;
  return out;
}
