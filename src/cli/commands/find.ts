import { readDocumentFile } from "../../dataspace/document.js";
import { parseFilterArgs } from "../../dataspace/filter.js";
import { JOB_DOCUMENT_FILE, type Job } from "../../dataspace/job.js";
import { dumpJson } from "../../dataspace/json.js";
import { splitPath } from "../../dataspace/keys.js";
import { lookupPath } from "../../dataspace/project.js";
import type { JsonObject, JsonValue } from "../../dataspace/value.js";
import { out } from "../context.js";
import { loadProject } from "../project.js";

interface FindOptions {
  sp?: true | string[];
  doc?: true | string[];
  json?: boolean;
}

export default async function find(filterArgs: string[], opts: FindOptions): Promise<void> {
  const filter = parseFilterArgs(filterArgs);
  const project = loadProject();
  // With `--doc`, each document the filter read is kept for its column: every file is read once.
  const read = new Map<string, JsonObject>();
  const docOf = (job: Job): JsonObject => {
    let doc = read.get(job.id);
    if (doc === undefined) {
      doc = readDocumentFile(job.fn(JOB_DOCUMENT_FILE)) ?? {};
      if (opts.doc) read.set(job.id, doc);
    }
    return doc;
  };
  const jobs = project.find(filter, { document: docOf });
  const rows =
    opts.sp || opts.doc || opts.json
      ? jobs.map((job) => ({
          id: job.id,
          sp: opts.sp || opts.json ? pick(job.spData, opts.sp) : undefined,
          doc: opts.doc ? pick(docOf(job), opts.doc) : undefined,
        }))
      : undefined;
  if (!rows) {
    out(jobs.map((j) => j.id + "\n").join(""));
    return;
  }
  if (opts.json) {
    out(dumpJson(rows.map((r) => ({ id: r.id, ...(r.sp ? { sp: r.sp } : {}), ...(r.doc ? { doc: r.doc } : {}) }))) + "\n");
    return;
  }
  const keyed = Array.isArray(opts.sp) || Array.isArray(opts.doc);
  if (!keyed) {
    out(rows.map((r) => [r.id, r.sp && dumpJson(r.sp), r.doc && dumpJson(r.doc)].filter(Boolean).join(" ") + "\n").join(""));
    return;
  }
  const spKeys = Array.isArray(opts.sp) ? opts.sp : [];
  const docKeys = Array.isArray(opts.doc) ? opts.doc : [];
  const head = ["id", ...spKeys, ...docKeys.map((k) => "doc." + k)];
  const cells = rows.map((r) => [r.id, ...spKeys.map((k) => cell(r.sp, k)), ...docKeys.map((k) => cell(r.doc, k))]);
  const { renderTable } = await import("../table.js"); // only tables need it: keeps plain listings fast
  out(renderTable(head, cells) + "\n");
}

/** The whole object, or only the given dotted keys (missing ones left out). */
function pick(obj: JsonObject, keys: true | string[] | undefined): JsonObject {
  if (!Array.isArray(keys)) return obj;
  const outObj: JsonObject = {};
  for (const k of keys) {
    const v = lookupPath(obj, splitPath(k));
    if (v !== undefined) outObj[k] = v;
  }
  return outObj;
}

function cell(obj: JsonObject | undefined, key: string): string {
  const v: JsonValue | undefined = obj?.[key];
  if (v === undefined) return "";
  return typeof v === "string" ? v : dumpJson(v);
}
