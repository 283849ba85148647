/**
 * Placeholders of command operations (SPEC §3.1): `{job.id}`, `{job.path}`, `{sp.KEY}`, `{doc.KEY}`,
 * `{flags.KEY}`, `{project.path}`, where KEY is a dotted path into nested objects (`{sp.a.b}`).
 *
 * - Every substituted value is **shell-quoted** for POSIX `sh`: words made only of
 *   `[A-Za-z0-9_./:=+@%^,-]` stay as they are, anything else goes in single quotes (`'` written `'\''`).
 *   Do not quote placeholders yourself: `"{sp.name}"` would pass the quotes on.
 * - Values are written as Python's `str` writes them, as signac-flow's `str.format` does: strings as
 *   they are, integers exactly, floats as Python's `repr` (`1.0`, `1e-05`), booleans `True`/`False`,
 *   null `None`; lists and objects as JSON (`[1, 2]`, `{"a": 1.0}`). Shorthands: `{job}` is the job id,
 *   `{sp}`, `{doc}` and `{flags}` the whole object as JSON.
 * - For an aggregate of several jobs, `{job.id}`, `{job.path}`, `{sp.KEY}` and `{doc.KEY}` expand to
 *   the values of all its jobs, each quoted, separated by spaces, in aggregate order.
 * - `{{` and `}}` are literal braces. So that shell syntax needs no escaping, a brace that does not
 *   start a placeholder-shaped name stays as it is: `awk '{print $1}'`, `${HOME}`, `{ a; b; }` and
 *   `{a,b}` pass through. But an identifier in braces that is not a placeholder (`{foo}`, `{sp_T}`)
 *   is an error, and so is `${sp.T}` (a placeholder after `$`): write `{{foo}}` for literal braces.
 *   A `}` that closes a brace passed through is passed through too, never read as half of `}}`:
 *   `'{"a": {"b": 1}}'` stays as it is. (The parser is in workflow/command-template.ts, so that a
 *   loaded workflow's commands are checked before anything runs.)
 * - An unknown placeholder, a missing key, or a value holding a NUL character (which no command line
 *   can carry) is a UserError that names the placeholder.
 */
import type { Job } from "../dataspace/job.js";
import { dumpJson } from "../dataspace/json.js";
import { Float, isPlainObject, type JsonObject, type JsonValue, pythonFloatRepr } from "../dataspace/value.js";
import { UserError } from "../util/errors.js";
import { parseCommandTemplate, where, type TemplatePart } from "./command-template.js";

const SAFE_WORD = /^[A-Za-z0-9_./:=+@%^,-]+$/;

export interface ExpandContext {
  /** The jobs of the aggregate; empty for a flag operation. */
  jobs: Job[];
  projectRoot: string;
  flags?: JsonObject;
  /** Where the command comes from, for messages: `operation simulate (cohort.toml:12)`. */
  source?: string;
}

/** Quotes a word for POSIX sh: safe words stay bare, anything else is single-quoted. */
export function shellQuote(s: string): string {
  if (SAFE_WORD.test(s)) return s;
  return "'" + s.replaceAll("'", "'\\''") + "'";
}

/** A value as a placeholder writes it (before quoting): Python's `str`, JSON for lists and objects. */
export function formatValue(v: JsonValue): string {
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "string") return v;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) return String(v);
    return Number.isFinite(v) ? pythonFloatRepr(v) : Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  }
  if (v instanceof Float) return Number.isFinite(v.value) ? v.toString() : formatValue(v.value);
  return dumpJson(v);
}

function lookup(obj: JsonObject, path: string[]): JsonValue | undefined {
  let v: JsonValue = obj;
  for (const key of path) {
    if (!isPlainObject(v) || !Object.hasOwn(v, key)) return undefined;
    v = v[key];
  }
  return v;
}

/** Expands a command template for an aggregate (or a flag run); see the top of this file. */
export function expandCommand(template: string, ctx: ExpandContext): string {
  const parts = parseCommandTemplate(template, ctx.source);
  const docs = new Map<Job, JsonObject>();
  const docOf = (job: Job) => {
    let d = docs.get(job);
    if (!d) docs.set(job, (d = job.doc.data));
    return d;
  };
  let out = "";
  for (const part of parts) {
    if (typeof part === "string") {
      out += part;
      continue;
    }
    const values = placeholderValues(part, ctx, template, docOf);
    out += values
      .map((v) => {
        if (v.includes("\0")) {
          throw new UserError(`the value of ${part.text} ${where(template, ctx.source)} holds a NUL character`, "no command line can carry one");
        }
        return shellQuote(v);
      })
      .join(" ");
  }
  return out;
}

function placeholderValues(
  part: Exclude<TemplatePart, string>,
  ctx: ExpandContext,
  template: string,
  docOf: (job: Job) => JsonObject,
): string[] {
  const { root, path, text } = part;
  const fail = (what: string, hint?: string) => new UserError(`${text} ${where(template, ctx.source)}: ${what}`, hint);
  const key = path.join(".");
  switch (root) {
    case "project":
      return [ctx.projectRoot];
    case "flags": {
      if (!ctx.flags) throw fail("this operation has no flags", "define flags for it, or use {sp.KEY} for a job's parameters");
      const v = lookup(ctx.flags, path);
      if (v === undefined) throw fail(`there is no flag ${key}`, `flags are: ${Object.keys(ctx.flags).join(", ") || "(none)"}`);
      return [formatValue(v)];
    }
    default: {
      if (ctx.jobs.length === 0) throw fail("this operation runs without a job", "use {flags.KEY} or {project.path}");
      return ctx.jobs.map((job) => {
        if (root === "job") return path[0] === "path" ? job.path : job.id;
        const obj = root === "sp" ? job.spData : docOf(job);
        const v = lookup(obj, path);
        if (v === undefined) {
          throw fail(
            root === "sp" ? `job ${job.id} has no state-point key ${key}` : `the document of job ${job.id} has no key ${key}`,
            `check the key with 'cohort job show ${job.id}'`,
          );
        }
        return formatValue(v);
      });
    }
  }
}
