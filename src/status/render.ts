/**
 * The text of `cohort status`: the overview of operations and groups, the label bars, and the table per
 * job (`-d`). Color (plain ANSI codes) only when asked for: the CLI asks on a terminal without NO_COLOR.
 */
import { dumpJson } from "../dataspace/json.js";
import type { JsonValue } from "../dataspace/value.js";
import { formatHours } from "../workflow/resource-hours.js";
import type { EntryStatus, LabelStatus, LabelCell, State, StatusReport } from "./compute.js";

export interface RenderOptions {
  color?: boolean;
  /** Cells of a label bar. */
  barWidth?: number;
  /** Values shown per text label; the rest are summed in one row. */
  maxValues?: number;
}

const ANSI = {
  bold: "\u001b[1m",
  dim: "\u001b[2m",
  red: "\u001b[31m",
  green: "\u001b[32m",
  yellow: "\u001b[33m",
  cyan: "\u001b[36m",
  reset: "\u001b[0m",
};

type Paint = (text: string, ...codes: (keyof typeof ANSI)[]) => string;

function painter(color: boolean): Paint {
  if (!color) return (text) => text;
  return (text, ...codes) => (text === "" ? text : codes.map((c) => ANSI[c]).join("") + text + ANSI.reset);
}

/**
 * Columns padded to their widest cell, two spaces apart, numbers right-aligned. `paint` colors a cell
 * after it is padded (so that escape codes do not count in widths). Trailing blanks are cut.
 */
export function formatTable(
  head: string[],
  rows: string[][],
  align: ("left" | "right")[] = [],
  paint?: (text: string, row: number, column: number) => string,
): string {
  const widths = head.map((h) => h.length);
  for (const r of rows) for (let c = 0; c < r.length; c++) if (r[c].length > widths[c]) widths[c] = r[c].length;
  const line = (cells: string[], row: number) => {
    let text = "";
    for (let c = 0; c < cells.length; c++) {
      const cell = cells[c];
      const padded = align[c] === "right" ? cell.padStart(widths[c]) : c === cells.length - 1 ? cell : cell.padEnd(widths[c]);
      text += (c > 0 ? "  " : "") + (paint ? paint(padded, row, c) : padded);
    }
    return text.trimEnd();
  };
  const out = [line(head, -1)];
  for (let i = 0; i < rows.length; i++) out.push(line(rows[i], i));
  return out.join("\n");
}

/** The whole human-readable status: overview, labels, and the table per job when the report has one. */
export function renderStatus(report: StatusReport, opts: RenderOptions = {}): string {
  const paint = painter(Boolean(opts.color));
  const parts: string[] = [];
  const what = `${report.jobs} job${report.jobs === 1 ? "" : "s"}`;
  parts.push(paint(report.project ? `Project ${report.project}: ${what}` : what, "bold"));
  if (report.entries.length > 0) parts.push(renderOverview(report.entries, paint) + remainingText(report));
  else parts.push("no operations or groups to show");
  if (report.labels.length > 0) parts.push(paint("Labels", "bold") + "\n" + renderLabels(report.labels, report.jobs, opts, paint));
  if (report.rows && report.columns) parts.push(renderDetailed(report, paint));
  return parts.join("\n\n") + "\n";
}

function renderOverview(entries: EntryStatus[], paint: Paint): string {
  const anyErrors = entries.some((e) => e.errors > 0);
  const head = ["name", "kind", "total", "eligible", "complete", "waiting", ...(anyErrors ? ["errors"] : []), "blocked by", "scheduler"];
  const align: ("left" | "right")[] = ["left", "left", "right", "right", "right", "right", ...(anyErrors ? (["right"] as const) : []), "left", "left"];
  const rows = entries.map((e) => [
    e.name,
    e.kind === "operation" ? "op" : "group",
    String(e.total),
    String(e.eligible),
    String(e.complete),
    String(e.waiting),
    ...(anyErrors ? [String(e.errors)] : []),
    blockedText(e),
    schedulerText(e),
  ]);
  const colorOf: Record<number, keyof typeof ANSI> = { 3: "green", 4: "cyan", 5: "yellow" };
  if (anyErrors) colorOf[6] = "red";
  return formatTable(head, rows, align, (text, row, col) => {
    if (row < 0) return paint(text, "bold");
    const c = colorOf[col];
    return c && text.trim() !== "0" ? paint(text, c) : text;
  });
}

/**
 * `Remaining: 12.5 CPU-hours, 2 GPU-hours (3 aggregates without a walltime not counted)` under the
 * overview, when the remaining work has hours to count (docs/status.md).
 */
function remainingText(report: StatusReport): string {
  const r = report.remaining;
  if (r.cpuHours === 0 && r.gpuHours === 0) return "";
  const n = r.notCounted;
  const uncounted = n > 0 ? ` (${n} aggregate${n === 1 ? "" : "s"} without a walltime not counted)` : "";
  return `\n\nRemaining: ${formatHours(r.cpuHours)} CPU-hours, ${formatHours(r.gpuHours)} GPU-hours${uncounted}`;
}

function schedulerText(e: EntryStatus): string {
  const s = e.scheduler;
  if (!s) return "";
  return (["running", "queued", "held"] as const)
    .filter((k) => s[k] > 0)
    .map((k) => `${s[k]} ${k}`)
    .join(", ");
}

function blockedText(e: EntryStatus): string {
  const top = e.blockedBy[0];
  if (!top) return "";
  const others = e.blockedBy.length - 1;
  return top.count === e.waiting ? top.condition : `${top.condition} (${top.count} of ${e.waiting}; ${others} other${others === 1 ? "" : "s"})`;
}

/** `prepared  ████████░░  80%  (8/10)`, one row per flag label and per value of a text label. */
export function renderLabels(labels: LabelStatus[], jobs: number, opts: RenderOptions = {}, paint: Paint = painter(Boolean(opts.color))): string {
  const width = opts.barWidth ?? 20;
  const maxValues = opts.maxValues ?? 10;
  const rows: { name: string; count: number; errors: number }[] = [];
  for (const l of labels) {
    // The flag row: for conditions, for functions that returned true anywhere or never a value.
    if (l.kind === "condition" || l.count > 0 || l.values.length === 0) rows.push({ name: l.name, count: l.count, errors: l.errors });
    const shown = l.values.slice(0, maxValues);
    shown.forEach((v, i) => rows.push({ name: `${l.name}: ${v.value}`, count: v.count, errors: i === 0 && l.count === 0 && l.kind === "function" ? l.errors : 0 }));
    const rest = l.values.slice(maxValues);
    if (rest.length > 0) rows.push({ name: `${l.name}: (${rest.length} other values)`, count: rest.reduce((n, v) => n + v.count, 0), errors: 0 });
  }
  const nameWidth = rows.reduce((w, r) => Math.max(w, r.name.length), 0);
  return rows
    .map((r) => {
      const ratio = jobs > 0 ? r.count / jobs : 0;
      // Floor, so that 99.9% is not shown as full.
      const cells = r.count === jobs && jobs > 0 ? width : Math.floor(ratio * width);
      const percent = r.count === jobs && jobs > 0 ? 100 : Math.floor(ratio * 100);
      const bar = paint("█".repeat(cells), "green") + paint("░".repeat(width - cells), "dim");
      const errors = r.errors > 0 ? paint(`, ${r.errors} failed`, "red") : "";
      return `${r.name.padEnd(nameWidth)}  ${bar}  ${String(percent).padStart(3)}%  (${r.count}/${jobs}${errors})`;
    })
    .join("\n");
}

const MARK_COLOR: Record<State, keyof typeof ANSI> = { eligible: "green", complete: "cyan", waiting: "yellow", error: "red" };

function renderDetailed(report: StatusReport, paint: Paint): string {
  const { operations, labels, parameters } = report.columns!;
  const head = ["id", ...parameters, ...operations, ...labels];
  const firstOp = 1 + parameters.length;
  const firstLabel = firstOp + operations.length;
  const rows = report.rows!.map((r) => [
    r.id,
    ...parameters.map((p) => valueText(r.parameters[p])),
    ...operations.map((o) => markText(r.operations[o])),
    ...labels.map((l) => labelText(r.labels[l])),
  ]);
  return formatTable(head, rows, [], (text, row, col) => {
    if (row < 0) return paint(text, "bold");
    if (col < firstOp) return text;
    const trimmed = text.trim();
    if (trimmed === "!") return paint(text, "red");
    if (col < firstLabel && trimmed in MARK_COLOR) return paint(text, MARK_COLOR[trimmed as State]);
    return text;
  });
}

function markText(s: State | null): string {
  return s === null ? "" : s === "error" ? "!" : s;
}

function labelText(v: LabelCell): string {
  if (v === null) return "!";
  if (v === true) return "yes";
  if (v === false) return "";
  return v;
}

function valueText(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return "";
  return typeof v === "string" ? v : dumpJson(v);
}
