import fs from "node:fs";
import { dumpJson } from "../../dataspace/json.js";
import type { JsonObject } from "../../dataspace/value.js";
import { commentsOf, readAttributes } from "../../runs/attributes.js";
import { RunRecord } from "../../runs/record.js";
import { resolveRun } from "../../runs/select.js";
import { userDir } from "../../runs/trash.js";
import { isErrno } from "../../util/fs.js";
import { out } from "../context.js";
import { parseCount } from "../numbers.js";
import { openCatalog } from "../run-rows.js";
import { isoTime } from "../when.js";
import { commentLines, commentsJson } from "./attrs.js";

/** The last `n` lines of a file, reading from its end only as far as they go (outputs can be large). */
export function tailLines(file: string, n: number): string[] {
  if (n === 0) return [];
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (err) {
    if (isErrno(err, "ENOENT")) return [];
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const chunk = 64 * 1024;
    let pos = size;
    let buf = Buffer.alloc(0);
    // n lines need n + 1 newlines when the text ends with one (it usually does).
    while (pos > 0 && countNewlines(buf) <= n) {
      const len = Math.min(chunk, pos);
      pos -= len;
      const part = Buffer.alloc(len);
      fs.readSync(fd, part, 0, len, pos);
      buf = Buffer.concat([part, buf]);
    }
    const lines = buf.toString("utf8").split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    // When reading stopped mid-file, the first piece is part of a line.
    if (pos > 0) lines.shift();
    return lines.slice(-n);
  } finally {
    fs.closeSync(fd);
  }
}

function countNewlines(buf: Buffer): number {
  let c = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) c++;
  return c;
}

/** A JSON file of the record, or undefined when it is damaged: the rest of the run is still shown. */
function readable<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** `cohort runs show RUN`: everything a run's record and attribute log say. */
export default function runsShow(ref: string, opts: { json?: boolean; tail: string }): void {
  const tail = parseCount(opts.tail, "--tail", 0);
  const { root, catalog } = openCatalog();
  const run = resolveRun(catalog, ref);
  const record = RunRecord.open(root, run.id);
  const attrs = readAttributes(userDir(root, run.id));
  const groups = catalog.groups.filter((g) => g.members.includes(run.id)).map((g) => ({ id: g.id, name: g.name, kind: g.kind ?? null }));
  const times = { initialized: record.initialized, staged: record.staged, started: record.started, stopped: record.stopped };
  const output = tailLines(record.outputPath, tail);
  const config = readable(() => record.config);
  const directives = readable(() => record.directives);
  const cmd = readable(() => record.cmd);
  if (opts.json) {
    const o: JsonObject = {
      id: run.id,
      name: run.name,
      operation: run.operation,
      flowgroup: run.flowgroup ?? null,
      status: run.status,
      deleted: run.trash === "deleted",
      config: config ?? null,
      jobs: run.jobs,
      directives: directives ?? null,
      cmd: (cmd as unknown as JsonObject | undefined) ?? null,
      exit_code: record.exitCode ?? null,
      label: run.label,
      tags: run.tags,
      groups,
      comments: commentsJson(commentsOf(attrs)),
      output,
    };
    for (const [k, v] of Object.entries(times)) {
      o[k] = v ?? null;
      o[k + "_iso"] = isoTime(v);
    }
    out(dumpJson(o) + "\n");
    return;
  }
  const fields: [string, string][] = [
    ["id", run.id],
    ["name", run.name],
    ["operation", run.operation + (run.flowgroup ? `  (in group ${run.flowgroup})` : "")],
    ["status", run.status + (run.trash === "deleted" ? "  (deleted)" : "")],
    [config !== undefined && run.jobs.length === 0 ? "flags" : "state point", config === undefined ? "" : dumpJson(config)],
    ["jobs", run.jobs.join(" ")],
    ["directives", directives === undefined ? "" : dumpJson(directives)],
    ["cmd", cmd === undefined ? "" : "shell" in cmd ? cmd.shell : "function" in cmd ? `${cmd.function}()  [function]` : cmd.argv.join(" ")],
    ...Object.entries(times).map(([k, v]): [string, string] => [k, isoTime(v) ?? ""]),
    ["exit code", record.exitCode === undefined ? "" : String(record.exitCode)],
    ["label", run.label],
    ["tags", run.tags.join(", ")],
    ["groups", groups.map((g) => `${g.name} (${g.kind ?? "?"})`).join(", ")],
  ];
  const width = Math.max(...fields.map(([k]) => k.length)) + 2;
  let text = fields.map(([k, v]) => (k.padEnd(width) + v).trimEnd()).join("\n") + "\n";
  const comments = commentLines(commentsOf(attrs));
  if (comments.length > 0) text += "comments\n" + comments.map((l) => "  " + l).join("\n") + "\n";
  if (tail > 0) text += `output (last ${tail} lines)\n` + output.map((l) => "  " + l).join("\n") + (output.length ? "\n" : "");
  out(text);
}
