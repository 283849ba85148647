/**
 * The dashboard's JSON: each answer is what the matching command prints with `--json`, made by the
 * same code (SPEC §15), so that every number on a page is the number the command line shows:
 * `/api/status` is `cohort status --json`; `/api/runs` pages through `cohort runs [-g] --json`;
 * `/api/runs/RUN` is `cohort runs show RUN --json`; `/api/compare` is `cohort runs compare --json`;
 * `/api/jobs` pages through what `cohort find` matches. Runs and groups are named as the command line
 * names them (index, name, id prefix).
 */
import path from "node:path";
import { readDocumentFile } from "../dataspace/document.js";
import { parseFilterArgs } from "../dataspace/filter.js";
import { JOB_DOCUMENT_FILE } from "../dataspace/job.js";
import { compareCodePoints, canonicalJson, dumpJson } from "../dataspace/json.js";
import { leafValues, splitPath } from "../dataspace/keys.js";
import { lookupPath } from "../dataspace/project.js";
import { Float, isPlainObject, numericValue, type JsonObject, type JsonValue } from "../dataspace/value.js";
import { changeAttributes, commentsOf } from "../runs/attributes.js";
import { compareRuns } from "../runs/compare.js";
import { currentAuthor, nowMicros } from "../runs/journal.js";
import { groupMatches, runMatches, type Row } from "../runs/listing.js";
import { readMetrics } from "../runs/metric-events.js";
import { readMetricsCached } from "../runs/metrics-cache.js";
import type { MetricSummary } from "../runs/metrics.js";
import { outputPlace, readOutput } from "../runs/output.js";
import { resolveGroup, resolveRun } from "../runs/select.js";
import { UserError } from "../util/errors.js";
import { commentsJson, newCommentId } from "../cli/commands/attrs.js";
import { checkComment, checkLabel, checkTag } from "../runs/attributes.js";
import { detailText, groupDetails } from "../cli/commands/group-show.js";
import { comparedRuns, comparisonJson } from "../cli/commands/runs-compare.js";
import { filterOf, jsonRows, type RunsListOptions } from "../cli/commands/runs-list.js";
import { runDetailJson } from "../cli/commands/runs-show.js";
import { groupJson } from "../cli/runs-rows.js";
import { listFiles } from "./files.js";
import type { DashboardState } from "./state.js";
import { wholeUtf8Length } from "../util/utf8.js";

/** Rows a page of the jobs or runs table holds at most. */
export const MAX_PAGE = 500;
/** Output bytes one answer holds at most: a page asks for the rest from where it stopped. */
const OUTPUT_CHUNK = 1 << 20;

function pageOf(q: URLSearchParams): { offset: number; limit: number } {
  const offset = Math.max(0, Number.parseInt(q.get("offset") ?? "0", 10) || 0);
  const limit = Math.min(MAX_PAGE, Math.max(1, Number.parseInt(q.get("limit") ?? "100", 10) || 100));
  return { offset, limit };
}

/** The words of a filter box: one JSON object as it is, or `key value ...` split at white space (as a shell would, without quotes). */
export function filterWords(text: string): string[] {
  const t = text.trim();
  if (t === "") return [];
  return t.startsWith("{") ? [t] : t.split(/\s+/);
}

function numberOf(v: JsonValue): number | undefined {
  return typeof v === "number" || typeof v === "bigint" || v instanceof Float ? Number(numericValue(v)) : undefined;
}

/** Orders JSON values: missing last, then numbers, strings, and the rest by their JSON text. */
function compareValues(a: JsonValue | undefined, b: JsonValue | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  const na = numberOf(a);
  const nb = numberOf(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  if (na !== undefined) return -1;
  if (nb !== undefined) return 1;
  if (typeof a === "string" && typeof b === "string") return compareCodePoints(a, b);
  if (typeof a === "string") return -1;
  if (typeof b === "string") return 1;
  return compareCodePoints(canonicalJson(a), canonicalJson(b));
}

/** The dotted keys of an object's leaves (`a.b` for `{"a": {"b": 1}}`), added to `into`. */
function leafKeys(o: JsonObject, into: Set<string>): void {
  for (const key of leafValues(o).keys()) into.add(key);
}

/** State-point columns the jobs table offers at most. */
const MAX_KEYS = 50;

/**
 * `GET /api/jobs?q=FILTER&sort=KEY&desc=1&offset=N&limit=N`: the jobs `cohort find FILTER` lists, in
 * the order asked for (by id, or by a state-point key), one page of them with their state points and
 * documents. The matches of the last query are kept in their order, so paging through them reads
 * nothing again.
 */
export function jobsPage(state: DashboardState, q: URLSearchParams): JsonObject {
  const project = state.openProject();
  const text = q.get("q") ?? "";
  const sort = q.get("sort") ?? "id";
  const desc = q.get("desc") === "1";
  const cacheKey = JSON.stringify([text, sort, desc]);
  let found = state.jobsQuery?.project === project && state.jobsQuery.key === cacheKey ? state.jobsQuery : undefined;
  if (!found) {
    const jobs = project.find(parseFilterArgs(filterWords(text)));
    if (sort !== "id") {
      const keys = splitPath(sort);
      const values = new Map(jobs.map((j) => [j.id, lookupPath(j.spData, keys)]));
      jobs.sort((a, b) => compareValues(values.get(a.id), values.get(b.id)) || (a.id < b.id ? -1 : 1));
    }
    if (desc) jobs.reverse();
    const keys = new Set<string>();
    for (let i = 0; i < jobs.length && keys.size < MAX_KEYS; i++) leafKeys(jobs[i].spData, keys);
    found = state.jobsQuery = { project, key: cacheKey, jobs, keys: [...keys].sort(compareCodePoints) };
  }
  const { offset, limit } = pageOf(q);
  const rows = found.jobs.slice(offset, offset + limit).map((j) => ({ id: j.id, sp: j.spData, doc: readDocumentFile(path.join(j.path, JOB_DOCUMENT_FILE)) ?? {} }));
  const docKeys = new Set<string>();
  for (const r of rows) leafKeys(r.doc, docKeys);
  return { total: found.jobs.length, offset, keys: found.keys, docKeys: [...docKeys].sort(compareCodePoints).slice(0, MAX_KEYS), rows };
}

/** `GET /api/jobs/ID`: a job's state point, document, files and runs (`cohort runs -j ID -a --json`). */
export async function jobPage(state: DashboardState, ref: string): Promise<JsonObject> {
  const job = state.openProject().job(ref);
  const view = await state.runs();
  const runs = state.listed(view).flatMap((run, i) => (run.jobs.includes(job.id) ? [{ row: { type: "run", run } as Row, index: i + 1 }] : []));
  return {
    id: job.id,
    sp: job.spData,
    doc: readDocumentFile(path.join(job.path, JOB_DOCUMENT_FILE)) ?? {},
    path: path.relative(state.root, job.path).split(path.sep).join("/"),
    files: listFiles(job.path) as unknown as JsonValue,
    runs: jsonRows(view, runs),
  };
}

/**
 * `GET /api/runs?group=&o=&s=&l=&t=&j=&offset=&limit=`: a page of `cohort runs --json` (with `group=1`,
 * of `cohort runs -g --json`; with `group=G`, of G's members), filtered as its options filter, and
 * how many rows match.
 */
export async function runsPage(state: DashboardState, q: URLSearchParams): Promise<JsonObject> {
  const view = await state.runs();
  const list = (name: string) => (q.getAll(name).filter((v) => v !== "").length > 0 ? q.getAll(name).filter((v) => v !== "") : undefined);
  const opts: RunsListOptions = { operation: list("o"), status: list("s"), label: list("l"), tag: list("t"), job: list("j") };
  const filter = filterOf(opts, view);
  const group = q.get("group") ?? "";
  const matched: { row: Row; index: number }[] = [];
  if (group === "1") {
    state.folded(view).forEach((row, i) => {
      if (row.type === "run" ? runMatches(view, row.run, filter) : groupMatches(view, row.group, filter)) matched.push({ row, index: i + 1 });
    });
  } else {
    const members = group !== "" ? new Set(view.ledger.members(resolveGroup(view, group))) : undefined;
    state.listed(view).forEach((run, i) => {
      if ((!members || members.has(run.id)) && runMatches(view, run, filter)) matched.push({ row: { type: "run", run }, index: i + 1 });
    });
  }
  const { offset, limit } = pageOf(q);
  return { total: matched.length, offset, version: state.version, rows: jsonRows(view, matched.slice(offset, offset + limit)) };
}

/**
 * `GET /api/runs/RUN`: `cohort runs show RUN --json` without output lines, with each metric's values
 * over steps (`series`), as JSON text. The series are plain numbers, written by JSON.stringify: a
 * metric of 100,000 steps took dumpJson 0.43 s, JSON.stringify 0.03 s.
 */
export async function runPage(state: DashboardState, ref: string): Promise<string> {
  const view = await state.runs();
  const run = resolveRun(view, ref);
  const metrics = readMetrics(state.root, new Set([run.id]), true).runs.get(run.id) ?? new Map<string, MetricSummary>();
  const o = runDetailJson(view, run, metrics, []);
  delete o.output;
  o.running = o.status === "running" || o.status === "pending";
  const series: Record<string, Series> = {};
  for (const [name, m] of metrics) series[name] = seriesOf(m);
  return withPlain(o, "series", series);
}

interface Series {
  steps: (number | null)[];
  values: (number | null)[];
}

/** A metric's values and steps (null: none, or not a finite number). */
function seriesOf(m: MetricSummary | undefined): Series {
  return m ? { steps: m.steps.map(finiteOrNull), values: m.values.map(finiteOrNull) } : { steps: [], values: [] };
}

/** `o` as JSON text with one more key, whose value (plain numbers and texts) JSON.stringify writes. */
function withPlain(o: JsonObject, key: string, value: unknown): string {
  const head = dumpJson(o);
  return `${head.slice(0, -1)}${head.length > 2 ? ", " : ""}${JSON.stringify(key)}: ${JSON.stringify(value)}}`;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * `GET /api/runs/RUN/output?from=N`: the run's output from byte N of its segment (its start when absent), at
 * most a chunk; `more` when the run's output goes on past `next` (never past its recorded end).
 */
export async function runOutput(state: DashboardState, ref: string, q: URLSearchParams): Promise<JsonObject> {
  const view = await state.runs();
  const run = resolveRun(view, ref);
  const place = outputPlace(state.root, run, view.ledger);
  const status = view.status(run);
  const running = status === "running" || status === "pending";
  if (!place) return { text: "", next: 0, more: false, running };
  const from = Math.max(place.start, Number.parseInt(q.get("from") ?? "", 10) || place.start);
  let bytes = readOutput({ ...place, end: Math.min(place.end ?? Infinity, from + OUTPUT_CHUNK) }, from);
  // A chunk that ends inside a character leaves it to the next (unless nothing else is in it).
  const whole = wholeUtf8Length(bytes);
  if (whole > 0 && whole < bytes.length && from + bytes.length < (place.end ?? Infinity)) bytes = bytes.subarray(0, whole);
  const next = from + bytes.length;
  // More only within the run's range: past its end, the segment holds the next run's output.
  const more = readOutput({ ...place, end: Math.min(place.end ?? Infinity, next + 1) }, next).length > 0;
  return { text: bytes.toString("utf8"), next, more, running };
}

/** `GET /api/groups/G`: the group's row (`cohort runs -g --json`), its attributes' comments, and its members' rows. */
export async function groupPage(state: DashboardState, ref: string): Promise<JsonObject> {
  const view = await state.runs();
  const group = resolveGroup(view, ref);
  const members = new Set(view.ledger.members(group));
  const rows = state.listed(view).flatMap((run, i) => (members.has(run.id) ? [{ row: { type: "run", run } as Row, index: i + 1 }] : []));
  // What `cohort group show` says besides: the details of its kind (a batch's flags), each on one line
  // (its operation is the group's), how many runs a batch planned and how many its runner made (the
  // runs that joined it by their own event: members taken out or added by hand since do not count).
  const summary = view.groupSummary(group);
  const details: JsonObject = {};
  for (const [k, v] of Object.entries(groupDetails(group.attrs))) if (!(k === "operation" && v === summary.operation)) details[k] = detailText(v);
  return { ...groupJson(view, group, undefined), details, planned: group.planned ?? null, made: group.planned === undefined ? null : group.joined.length, comments: commentsJson(commentsOf(group.attrs)), rows: jsonRows(view, rows) };
}

/**
 * `GET /api/compare?run=R&run=…&group=G&all=1`: `cohort runs compare R… [-g G] [--all] --json`, with
 * each column's heading and kind; with `series=METRIC`, that metric's values over steps per run.
 */
export async function comparePage(state: DashboardState, q: URLSearchParams): Promise<string> {
  const view = await state.runs();
  const refs = q.getAll("run").filter((r) => r !== "");
  const group = q.get("group") ?? "";
  // The runs the command compares (deleted and purged members left out), or the newest 20.
  const runs = refs.length > 0 || group !== "" ? comparedRuns(view, refs, { group: group ? [group] : [] }) : state.listed(view).slice(0, 20);
  const cmp = compareRuns(view, runs, readMetricsCached(state.root), { all: q.get("all") === "1" });
  const out: JsonObject = {
    columns: cmp.columns.map((c) => ({ heading: c.heading, kind: c.kind, ...(c.kind === "key" ? { key: c.key } : {}) })),
    rows: comparisonJson(cmp),
  };
  const metric = q.get("series");
  if (!metric) return dumpJson(out);
  const metrics = readMetrics(state.root, new Set(runs.map((r) => r.id)), true);
  return withPlain(out, "series", runs.map((r) => ({ id: r.id, name: r.name, ...seriesOf(metrics.runs.get(r.id)?.get(metric)) })));
}

/**
 * `POST /api/runs/RUN/attributes` (and `/api/groups/G/attributes`): the only writes the dashboard
 * makes, as `cohort runs label|tag|comment` make them: `{"label": TEXT|null, "addTags": [...],
 * "removeTags": [...], "comment": TEXT}`, each optional; any other key is refused.
 */
const ATTRIBUTE_KEYS = ["label", "addTags", "removeTags", "comment"];

export async function changeAttributesOf(state: DashboardState, noun: "run" | "group", ref: string, body: unknown): Promise<JsonObject> {
  if (!isPlainObject(body as JsonValue)) throw new UserError("the request's body is not a JSON object", 'send {"label": "...", "addTags": [...], "removeTags": [...], "comment": "..."}');
  const b = body as Record<string, unknown>;
  // A key not known here would be dropped unseen: a misspelt change looks made.
  const unknown = Object.keys(b).find((k) => !ATTRIBUTE_KEYS.includes(k));
  if (unknown !== undefined) throw new UserError(`${JSON.stringify(unknown)} is not a key of a change`, "the keys are label, addTags, removeTags and comment");
  const view = await state.runs();
  const target = noun === "run" ? resolveRun(view, ref) : resolveGroup(view, ref);
  const set: JsonObject = {};
  const del: string[] = [];
  if ("label" in b) {
    if (b.label === null || b.label === "") del.push("label");
    else if (typeof b.label === "string") set.label = checkLabel(b.label);
    else throw new UserError("label must be text or null");
  }
  for (const t of strings(b.addTags, "addTags")) set[`tag:${checkTag(t)}`] = "";
  for (const t of strings(b.removeTags, "removeTags")) del.push(`tag:${checkTag(t)}`);
  if (b.comment !== undefined) {
    if (typeof b.comment !== "string" || b.comment.trim() === "") throw new UserError("a comment must be text that is not empty");
    set[`comment:${newCommentId()}`] = { msg: checkComment(b.comment), author: currentAuthor(), time: nowMicros() };
  }
  changeAttributes(state.root, target.id, { set, delete: del });
  return { id: target.id, name: target.name };
}

function strings(v: unknown, what: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new UserError(`${what} must be a list of texts`);
  return v as string[];
}
