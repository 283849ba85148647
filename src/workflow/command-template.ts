/**
 * Command templates (SPEC §3.1): the form of their placeholders, checked when a workflow is loaded so
 * that a bad template is told before anything runs. What a placeholder expands to is execution's
 * (placeholders.ts, whose header says how braces and placeholders are read).
 */
import { UserError } from "../util/errors.js";

export type PlaceholderRoot = "job" | "sp" | "doc" | "flags" | "project";

export type TemplatePart = string | { root: PlaceholderRoot; path: string[]; text: string };

const ROOTS = new Set<string>(["job", "sp", "doc", "flags", "project"]);
const IDENT_START = /^[A-Za-z_][A-Za-z0-9_]*(?=$|\.)/;
const HINT = "placeholders are {job.id}, {job.path}, {sp.KEY}, {doc.KEY}, {flags.KEY}, {project.path}; write {{ and }} for literal braces";

/** Where a template is, for messages: `in command "..." of operation x (cohort.toml:3)`. */
export function where(template: string, source?: string): string {
  return `in command ${JSON.stringify(template)}${source ? ` of ${source}` : ""}`;
}

/**
 * Splits a command template into literal text and placeholders, checking every placeholder's
 * form (not its value): a loader can call it to report a bad template before anything runs.
 */
export function parseCommandTemplate(template: string, source?: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let lit = "";
  let i = 0;
  // Braces passed through as they are and not closed yet: the `}` that closes one is passed through
  // too, never read as half of `}}` (so `{"a": {"b": 1}}` keeps both its closing braces).
  let open = 0;
  const n = template.length;
  while (i < n) {
    const c = template[i];
    if (c === "}") {
      lit += "}";
      if (open > 0) {
        open--;
        i++;
      } else i += template[i + 1] === "}" ? 2 : 1;
      continue;
    }
    if (c !== "{") {
      lit += c;
      i++;
      continue;
    }
    if (template[i + 1] === "{") {
      lit += "{";
      i += 2;
      continue;
    }
    const close = template.indexOf("}", i + 1);
    const next = template.indexOf("{", i + 1);
    const end = close >= 0 && (next < 0 || close < next) ? close : -1;
    const body = end >= 0 ? template.slice(i + 1, end) : template.slice(i + 1, next >= 0 ? next : n);
    const m = IDENT_START.exec(body);
    const afterDollar = i > 0 && template[i - 1] === "$";
    if (m && end >= 0) {
      const text = `{${body}}`;
      if (ROOTS.has(m[0])) {
        if (afterDollar) {
          throw new UserError(`placeholder $${text} ${where(template, source)}`, `write ${text} without the $: its value is substituted and quoted`);
        }
        const path = body.length > m[0].length ? body.slice(m[0].length + 1).split(".") : [];
        if (path.some((p) => p === "")) throw new UserError(`bad placeholder ${text} ${where(template, source)}`, "write keys like {sp.a} or {sp.a.b}");
        checkForm(m[0] as PlaceholderRoot, path, text, template, source);
        if (lit) parts.push(lit);
        lit = "";
        parts.push({ root: m[0] as PlaceholderRoot, path, text });
        i = end + 1;
        continue;
      }
      if (!afterDollar) throw new UserError(`unknown placeholder ${text} ${where(template, source)}`, HINT);
    } else if (end < 0 && /^(job|sp|doc|flags|project)(\.|$)/.test(body) && !afterDollar) {
      throw new UserError(`unclosed placeholder {${body} ${where(template, source)}`, HINT);
    }
    lit += "{";
    open++;
    i++;
  }
  if (lit) parts.push(lit);
  return parts;
}

function checkForm(root: PlaceholderRoot, path: string[], text: string, template: string, source?: string): void {
  const bad = (hint: string) => new UserError(`unknown placeholder ${text} ${where(template, source)}`, hint);
  if (root === "job" && !(path.length === 0 || (path.length === 1 && (path[0] === "id" || path[0] === "path")))) {
    throw bad("job placeholders are {job.id} and {job.path}");
  }
  if (root === "project" && !(path.length === 1 && path[0] === "path")) throw bad("the project placeholder is {project.path}");
}
