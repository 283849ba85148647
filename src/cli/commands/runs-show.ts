import { dumpJson, parseJson } from "../../dataspace/json.js";
import type { JsonObject } from "../../dataspace/value.js";
import { commentsOf } from "../../runs/attributes.js";
import { readMetrics } from "../../runs/metric-events.js";
import { formatMetric, type MetricSummary } from "../../runs/metrics.js";
import { JournalTail } from "../../runs/ledger.js";
import { outputPlace, readOutput, tailLines } from "../../runs/output.js";
import { Liveness, runStatus } from "../../runs/run-status.js";
import { resolveRun } from "../../runs/select.js";
import type { Run, RunsView } from "../../runs/view.js";
import { out } from "../context.js";
import { parseCount } from "../../util/numbers.js";
import { openRuns, warnDamaged } from "../runs-rows.js";
import { sparkline } from "../sparkline.js";
import { isoTime } from "../when.js";
import { commentLines, commentsJson } from "./attrs.js";
import { printable } from "../../util/text.js";
import { UserError } from "../../util/errors.js";

export interface RunsShowOptions {
  json?: boolean;
  tail: string;
  output?: boolean;
  follow?: boolean;
}

/** JSON text of the journal, parsed for display; undefined when damaged: the rest of the run is still shown. */
function parsed(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    // (typed: a state point's 1.0 stays a float, a big integer whole)
    return parseJson(text);
  } catch {
    return undefined;
  }
}

/** `cohort runs show RUN`: everything the journals say of a run; `--output` its output, `--follow` as it grows. */
export default async function runsShow(ref: string, opts: RunsShowOptions): Promise<void> {
  const tail = parseCount(opts.tail, "--tail", 0);
  if (opts.json && (opts.output || opts.follow)) {
    throw new UserError(`--json and --${opts.follow ? "follow" : "output"}: a run's output is printed as the run wrote it`, "cohort runs show RUN --json gives its last lines (--tail N)");
  }
  const { root, view } = await openRuns();
  warnDamaged(view);
  const run = resolveRun(view, ref);
  if (opts.output || opts.follow) return printOutput(root, run, opts.follow === true);
  const summary = view.summary(run);
  const groups = groupsOf(view, run);
  const times = { created: run.made, started: run.started, stopped: run.ended };
  const output = tailLines(outputOf(root, view, run), tail);
  const cmd = run.function ? `${run.operation}()  [function]${run.returned !== undefined ? `, which returned: ${run.returned}` : ""}` : (run.command ?? "");
  const metrics = readMetrics(root, new Set([run.id]), true).runs.get(run.id) ?? new Map<string, MetricSummary>();
  if (opts.json) {
    out(dumpJson(runDetailJson(view, run, metrics, output)) + "\n");
    return;
  }
  const fields: [string, string][] = [
    ["id", run.id],
    ["name", run.name],
    ["operation", run.operation + (run.flowgroup ? `  (in group ${run.flowgroup})` : "")],
    ["status", summary.status + (summary.trash === "deleted" ? "  (deleted)" : "")],
    [run.jobs.length === 0 ? "flags" : "state point", run.config],
    ["jobs", run.jobs.join(" ")],
    ["directives", run.directives === undefined ? "" : JSON.stringify(run.directives)],
    ["cmd", cmd],
    ...Object.entries(times).map(([k, v]): [string, string] => [k, isoTime(v) ?? ""]),
    ["exit code", run.exit === undefined ? "" : String(run.exit)],
    ["label", summary.label],
    ["tags", summary.tags.join(", ")],
    ["groups", groups.map((g) => `${g.name} (${g.kind})`).join(", ")],
  ];
  const width = Math.max(...fields.map(([k]) => k.length)) + 2;
  let text = fields.map(([k, v]) => (k.padEnd(width) + printable(v)).trimEnd()).join("\n") + "\n";
  const comments = commentLines(commentsOf(run.attrs));
  if (comments.length > 0) text += "comments\n" + comments.map((l) => "  " + l).join("\n") + "\n";
  if (metrics.size > 0) text += "metrics\n" + metricLines(metrics).map((l) => "  " + l).join("\n") + "\n";
  // (a run that printed nothing says so, rather than heading an empty list)
  if (tail > 0) text += output.length === 0 ? "output (none)\n" : `output (last ${tail === 1 ? "line" : `${tail} lines`})\n`;
  // The output's lines as the run wrote them, bytes that are not UTF-8 included.
  out(Buffer.concat([Buffer.from(text), ...output.flatMap((line) => [INDENT, line, NEWLINE])]));
}

/** The groups a run is a member of. */
function groupsOf(view: RunsView, run: Run): { id: string; name: string; kind: string }[] {
  return view.groups().filter((g) => view.ledger.members(g).includes(run.id)).map((g) => ({ id: g.id, name: g.name, kind: g.kind }));
}

/** A run's output so far (empty when it has none). */
export function outputOf(root: string, view: RunsView, run: Run): Buffer {
  const place = outputPlace(root, run, view.ledger);
  return place ? readOutput(place) : Buffer.alloc(0);
}

/** `cohort runs show --json`: everything the journals say of a run, its metrics and these lines of its output. */
export function runDetailJson(view: RunsView, run: Run, metrics: Map<string, MetricSummary>, output: Buffer[]): JsonObject {
  const summary = view.summary(run);
  const config = parsed(run.config);
  const times = { created: run.made, started: run.started, stopped: run.ended };
  const o: JsonObject = {
    id: run.id,
    name: run.name,
    operation: run.operation,
    flowgroup: run.flowgroup ?? null,
    status: summary.status,
    deleted: summary.trash === "deleted",
    config: (config as JsonObject | undefined) ?? null,
    jobs: run.jobs,
    directives: (run.directives as JsonObject | undefined) ?? null,
    cmd: run.function ? { function: run.operation, ...(run.returned !== undefined ? { shell: run.returned } : {}) } : { shell: run.command ?? "" },
    exit_code: run.exit ?? null,
    label: summary.label,
    tags: summary.tags,
    groups: groupsOf(view, run),
    comments: commentsJson(commentsOf(run.attrs)),
    metrics: metricsJson(metrics),
    // JSON holds text: bytes that are not UTF-8 become U+FFFD here (--output gives them as they are)
    output: output.map((line) => line.toString("utf8")),
  };
  for (const [k, v] of Object.entries(times)) {
    o[k] = v ?? null;
    o[k + "_iso"] = isoTime(v);
  }
  return o;
}

/** Each metric: its last value; for stepped ones a sparkline over the steps, its range and how many. */
function metricLines(metrics: Map<string, MetricSummary>): string[] {
  const names = [...metrics.keys()].sort();
  const nameWidth = Math.max(...names.map((n) => n.length));
  const lasts = names.map((n) => formatMetric(metrics.get(n)!.last!));
  const lastWidth = Math.max(...lasts.map((l) => l.length));
  return names.map((n, i) => {
    const m = metrics.get(n)!;
    let line = `${n.padEnd(nameWidth)}  ${lasts[i].padEnd(lastWidth)}`;
    if (m.stepped) {
      const order = m.steps.map((_, k) => k).sort((a, b) => (m.steps[a] || 0) - (m.steps[b] || 0));
      const range = m.min === undefined ? "" : `, min ${formatMetric(m.min)}, max ${formatMetric(m.max!)}`;
      line += `  ${sparkline(order.map((k) => m.values[k]))}  (${m.count} value${m.count === 1 ? "" : "s"}${range})`;
    }
    return line.trimEnd();
  });
}

/** Each metric's aggregations, as numbers (NaN and infinities as Python prints them). */
function metricsJson(metrics: Map<string, MetricSummary>): JsonObject {
  const o: JsonObject = {};
  for (const [name, m] of metrics) {
    const entry: JsonObject = { stepped: m.stepped };
    for (const agg of ["last", "first", "min", "max", "avg", "count"] as const) {
      const v = m.get(agg);
      entry[agg] = v === undefined ? null : typeof v === "number" && Number.isFinite(v) ? v : Number.isFinite(+v) ? v : formatMetric(v);
    }
    o[name] = entry;
  }
  return o;
}

const INDENT = Buffer.from("  ");
const NEWLINE = Buffer.from("\n");

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Writes a run's output byte for byte; with `follow`, what it appends too, until it ends. */
async function printOutput(root: string, run: Run, follow: boolean): Promise<void> {
  const tail = new JournalTail(root);
  let ledger = tail.read();
  let current = ledger.runs.get(run.id) ?? run;
  let at: number | undefined;
  for (;;) {
    const place = outputPlace(root, current, ledger);
    if (place) {
      at ??= place.start;
      const bytes = readOutput(place, at);
      if (bytes.length > 0) {
        await new Promise<void>((resolve, reject) => process.stdout.write(bytes, (err) => (err ? reject(err) : resolve())));
        at += bytes.length;
      }
    }
    if (!follow || current.ended !== undefined) return;
    // A run whose writer died has ended too, without an end: nothing more will come.
    const status = runStatus(current, ledger, new Liveness());
    if (status !== "running" && status !== "pending") return;
    await sleep(200);
    ledger = tail.read();
    current = ledger.runs.get(run.id) ?? current;
  }
}
