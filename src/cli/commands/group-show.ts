import { dumpJson } from "../../dataspace/json.js";
import type { JsonObject } from "../../dataspace/value.js";
import { commentsOf } from "../../runs/attributes.js";
import { listedRuns } from "../../runs/listing.js";
import { readMetricsCached } from "../../runs/metrics-cache.js";
import { formatMetric } from "../../runs/metrics.js";
import { runName } from "../../runs/run-id.js";
import { resolveGroup } from "../../runs/select.js";
import { schedulerOutputFiles, submissionOf } from "../../schedulers/tracking.js";
import { out } from "../context.js";
import { groupCells, groupJson, openRuns, ROW_HEAD, runCells, runJson, warnDamaged } from "../runs-rows.js";
import { renderTable } from "../table.js";
import { isoTime } from "../when.js";
import { commentLines, commentsJson } from "./attrs.js";
import { printable } from "../../util/text.js";

/** Attribute keys that are not details of a group's kind. */
const OWN_KEYS = /^(run:|tag:|comment:|label$|kind$|trash$)/;

/** `cohort group show GROUP`: its attributes, derived columns and members. */
export default async function groupShow(ref: string, opts: { json?: boolean }): Promise<void> {
  // (its status counts its cluster job, when it is a submission: the scheduler is asked)
  const { root, view } = await openRuns(true);
  warnDamaged(view);
  const g = resolveGroup(view, ref);
  const group = view.groupSummary(g);
  const index = new Map(listedRuns(view).map((r, i) => [r.id, i + 1]));
  const details = groupDetails(group.attributes);
  const comments = commentsOf(group.attributes);
  const members = group.members.map((id) => view.ledger.runs.get(id));
  const purged = (id: string, k: number) => members[k] === undefined || members[k]!.attrs.has("purged");
  // Members' metrics: each metric's last value, a column each.
  const metrics = readMetricsCached(root).runs;
  const names = [...new Set(group.members.flatMap((id) => [...(metrics.get(id)?.keys() ?? [])]))].sort();
  const lastOf = (id: string, name: string) => metrics.get(id)?.get(name)?.last;
  // A submission's cluster job: where the scheduler wrote what it said (a job that failed before cohort ran).
  const submission = submissionOf(g);
  const output = submission ? schedulerOutputFiles(root, submission) : [];
  if (opts.json) {
    // `members` are ids, as in `cohort runs -g --json`; `runs` describe them.
    const memberRuns = group.members.map((id, k): JsonObject => {
      if (purged(id, k)) return { id, name: runName(id), purged: true };
      const m: JsonObject = {};
      for (const name of names) {
        const v = lastOf(id, name);
        if (v !== undefined) m[name] = Number.isFinite(+v) ? v : formatMetric(v);
      }
      return { ...runJson(view.summary(members[k]!), index.get(id)), metrics: m };
    });
    out(dumpJson({ ...groupJson(view, g, undefined), details, planned: g.planned ?? null, made: g.planned === undefined ? null : g.joined.length, ...(submission ? { output } : {}), runs: memberRuns, comments: commentsJson(comments) }) + "\n");
    return;
  }
  const now = Date.now();
  const [, , operation, started, status] = groupCells(group, undefined, now);
  const derived: [string, string][] = [
    ["operation", operation],
    ["started", started && `${started}  (${isoTime(group.started)})`],
    ["status", status],
  ];
  const fields: [string, string][] = [
    ["id", group.id],
    ["name", group.name],
    ["kind", group.kind],
    ["label", group.label],
    ["tags", group.tags.join(", ")],
    // (a detail the derived rows show as well, such as a batch's operation, once)
    ...Object.entries(details)
      .map(([k, v]): [string, string] => [k, detailText(v)])
      .filter(([k, v]) => !derived.some(([dk, dv]) => dk === k && dv === v)),
    ...(output.length > 0 ? [["output", output.slice(0, 3).join(" ") + (output.length > 3 ? ` (and ${output.length - 3} more)` : "")] as [string, string]] : []),
    ...derived,
  ];
  const width = Math.max(...fields.map(([k]) => k.length)) + 2;
  let text = fields.map(([k, v]) => (k.padEnd(width) + printable(v)).trimEnd()).join("\n") + "\n";
  const cells = group.members.map((id, k) => [
    ...(purged(id, k) ? ["", runName(id), "", "", "(purged)", ""] : runCells(view.summary(members[k]!), index.get(id), now)),
    ...names.map((name) => {
      const v = lastOf(id, name);
      return v === undefined ? "" : formatMetric(v);
    }),
  ]);
  // A batch that made fewer runs than it planned (stopped half-way) says so: that is why it is not
  // completed. The runs it made joined it by their own event; members removed by hand still count.
  const planned = g.planned !== undefined && g.planned > g.joined.length ? ` of ${g.planned} planned` : "";
  text += `members (${cells.length}${planned})\n` + (cells.length ? indent(renderTable([...ROW_HEAD, ...names], cells)) + "\n" : "");
  const lines = commentLines(comments);
  if (lines.length > 0) text += "comments\n" + indent(lines.join("\n")) + "\n";
  out(text);
}

/** What a group's kind says of it (a batch's operation and flags, a pipeline's FlowGroup, a submission's cluster job), by key. */
export function groupDetails(attributes: ReadonlyMap<string, unknown>): JsonObject {
  const details: JsonObject = {};
  for (const [k, v] of attributes) if (!OWN_KEYS.test(k)) details[k] = v as JsonObject;
  return details;
}

/** A detail on one line: text as it is, a list of plain values (a batch's flags) as words, anything else as JSON. */
export function detailText(v: JsonObject[string]): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.every((x) => typeof x === "string" || typeof x === "number")) return v.join(" ");
  return dumpJson(v);
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => "  " + l)
    .join("\n");
}
