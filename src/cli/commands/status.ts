import { dumpJson } from "../../dataspace/json.js";
import type { JsonObject, JsonValue } from "../../dataspace/value.js";
import { computeStatus, type EntryStatus, type Remaining, type StatusProblem, type StatusReport } from "../../status/compute.js";
import { renderStatus } from "../../status/render.js";
import { operationStates, pendingClusterView } from "../../schedulers/tracking.js";
import { out, warn } from "../context.js";
import type { Progress } from "../progress.js";
import { loadProjectWorkflow, selectionOf } from "../workflow.js";
import { conditionFailure, failedOn } from "../../workflow/planner.js";

export interface StatusCliOptions {
  operation?: string[];
  jobId?: string[];
  filter?: string[];
  detailed?: boolean;
  parameters?: string[];
  json?: boolean;
}

/** Problems printed one line each before the rest are summed up (all are in --json). */
const MAX_PROBLEM_LINES = 10;

export default async function status(names: string[], opts: StatusCliOptions): Promise<void> {
  const { project, workflow } = await loadProjectWorkflow();
  const patterns = [...names, ...(opts.operation ?? [])];
  // The bar shows only on a terminal: elsewhere its module is not even loaded.
  const progress = process.stderr.isTTY ? await import("../progress.js") : undefined;
  let bar: Progress | undefined;
  const view = await pendingClusterView(project.root, warn);
  const cluster = view && operationStates(view, (g) => workflow.groups.get(g)?.operations);
  const report = await computeStatus(project, workflow, {
    cluster,
    names: patterns.length > 0 ? patterns : undefined,
    selection: selectionOf(opts),
    detailed: opts.detailed,
    parameters: opts.parameters,
    warn,
    onProgress: progress
      ? (done, total) => {
          bar ??= progress.progressBar("scanning", total);
          bar.update(done);
        }
      : undefined,
  });
  bar?.stop();
  if (opts.json) writeJson(report);
  else out(renderStatus(report, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }));
  reportProblems(report.problems);
}

/**
 * A label or condition that raised: one line each (naming it, the job and the message), exit code 1.
 * The status is shown all the same; the failed cells show `!`.
 */
function reportProblems(problems: StatusProblem[]): void {
  if (problems.length === 0) return;
  const lines = problems.slice(0, MAX_PROBLEM_LINES).map((p) => `cohort: error: ${problemText(p)}\n`);
  const rest = problems.length - MAX_PROBLEM_LINES;
  if (rest > 0) lines.push(`cohort: error: ... and ${rest} more (cohort status --json lists every one)\n`);
  process.stderr.write(lines.join(""));
  process.exitCode = 1;
}

export function problemText(p: StatusProblem): string {
  if (p.kind === "label") return `label ${p.name} failed on ${failedOn(p.job)}: ${p.message}`;
  return conditionFailure(p.name, p.operation!, p.job, p.message);
}

function entryJson(e: EntryStatus): JsonObject {
  return {
    name: e.name,
    ...(e.kind === "group" ? { operations: e.operations } : {}),
    total: e.total,
    eligible: e.eligible,
    complete: e.complete,
    waiting: e.waiting,
    errors: e.errors,
    blockedBy: e.blockedBy as unknown as JsonValue,
    scheduler: e.scheduler,
    remaining: remainingJson(e.remaining),
  };
}

function remainingJson(r: Remaining): JsonObject {
  return { cpu_hours: r.cpuHours, gpu_hours: r.gpuHours, not_counted: r.notCounted };
}

/**
 * Prints the --json shape; the rows (one per job with -d) in pieces, so that 100,000 of them never
 * become one string.
 */
function writeJson(report: StatusReport): void {
  const { rows, ...rest } = report;
  const head = dumpJson(statusJson(rest));
  if (!rows) {
    out(head + "\n");
    return;
  }
  out(head.slice(0, -1) + ', "rows": [');
  const CHUNK = 1000;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK).map((r) => dumpJson(r as unknown as JsonValue));
    out((i > 0 ? ", " : "") + part.join(", "));
  }
  out("]}\n");
}

/** The --json shape without the rows (documented in docs/status.md). */
export function statusJson(report: Omit<StatusReport, "rows">): JsonObject {
  const json: JsonObject = {
    project: report.project,
    jobs: report.jobs,
    operations: report.entries.filter((e) => e.kind === "operation").map(entryJson),
    groups: report.entries.filter((e) => e.kind === "group").map(entryJson),
    remaining: remainingJson(report.remaining),
    labels: report.labels as unknown as JsonValue,
    problems: report.problems.map((p) => ({ kind: p.kind, name: p.name, ...(p.operation !== undefined ? { operation: p.operation } : {}), job: p.job, message: p.message })),
  };
  return json;
}
