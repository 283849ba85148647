import { dumpJson, prettyJson } from "../../dataspace/json.js";
import type { JsonObject } from "../../dataspace/value.js";
import { commentsOf } from "../../runs/attributes.js";
import { listedRows } from "../../runs/listing.js";
import { runName } from "../../runs/run-id.js";
import { resolveGroup } from "../../runs/select.js";
import { out } from "../context.js";
import { groupCells, groupJson, openCatalog, ROW_HEAD, runCells, runJson } from "../run-rows.js";
import { renderTable } from "../table.js";
import { isoTime } from "../when.js";
import { commentLines, commentsJson } from "./attrs.js";

/** Attribute keys that are not details of a group's kind. */
const OWN_KEYS = /^(run:|tag:|comment:|label$|kind$)/;

/** `cohort group show GROUP`: its attributes, derived columns and members. */
export default function groupShow(ref: string, opts: { json?: boolean }): void {
  const { catalog } = openCatalog();
  const group = resolveGroup(catalog, ref);
  const table = catalog.table;
  const rows = group.rows;
  table.read(rows);
  const index = new Map(listedRows(catalog).map((r, i) => [r, i + 1]));
  const details: JsonObject = {};
  for (const [k, v] of group.attributes) if (!OWN_KEYS.test(k)) details[k] = v;
  const comments = commentsOf(group.attributes);
  if (opts.json) {
    // `members` are ids, as in `cohort runs -g --json`; `runs` describe them.
    const memberRuns = group.members.map((id, k) => (rows[k] !== -1 ? runJson(table.summary(rows[k]), index.get(rows[k])) : { id, name: runName(id), purged: true }));
    out(dumpJson({ ...groupJson(group, undefined, catalog), details, runs: memberRuns, comments: commentsJson(comments) }) + "\n");
    return;
  }
  const now = Date.now();
  const [, , operation, started, status] = groupCells(group, undefined, now);
  const fields: [string, string][] = [
    ["id", group.id],
    ["name", group.name],
    ["kind", group.kind ?? "?"],
    ["label", group.label],
    ["tags", group.tags.join(", ")],
    ...Object.entries(details).map(([k, v]): [string, string] => [k, typeof v === "string" ? v : prettyJson(v)]),
    ["operation", operation],
    ["started", started && `${started}  (${isoTime(group.started)})`],
    ["status", status],
  ];
  const width = Math.max(...fields.map(([k]) => k.length)) + 2;
  let text = fields.map(([k, v]) => (k.padEnd(width) + v).trimEnd()).join("\n") + "\n";
  const cells = group.members.map((id, k) => (rows[k] !== -1 ? runCells(table.summary(rows[k]), index.get(rows[k]), now) : ["", runName(id), "", "", "(purged)", ""]));
  text += `members (${cells.length})\n` + (cells.length ? indent(renderTable(ROW_HEAD, cells)) + "\n" : "");
  const lines = commentLines(comments);
  if (lines.length > 0) text += "comments\n" + indent(lines.join("\n")) + "\n";
  out(text);
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => "  " + l)
    .join("\n");
}
