import { dumpJson, prettyJson } from "../../dataspace/json.js";
import { out } from "../context.js";
import { loadProject } from "../project.js";

export default function jobShow(id: string, opts: { json?: boolean }): void {
  // The state point shown is the job directory's own, checked against the id, not the index's alone.
  const job = loadProject().job(id).verify();
  const doc = job.doc.data;
  if (opts.json) {
    out(dumpJson({ id: job.id, path: job.path, sp: job.spData, doc }) + "\n");
    return;
  }
  out(`id    ${job.id}\npath  ${job.path}\nsp    ${prettyJson(job.spData, "      ")}\ndoc   ${prettyJson(doc, "      ")}\n`);
}
