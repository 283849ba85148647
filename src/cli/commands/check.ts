import { checkProjectDocument, checkWorkspace } from "../../dataspace/check.js";
import { dumpJson } from "../../dataspace/json.js";
import { out } from "../context.js";
import { progressBar } from "../progress.js";
import { loadProject } from "../project.js";

export default function check(opts: { json?: boolean }): void {
  const project = loadProject({ index: false });
  let bar: ReturnType<typeof progressBar> | undefined;
  const problems = checkWorkspace(project.workspace, (done, total) => {
    bar ??= progressBar("checking", total);
    bar.update(done);
  });
  bar?.stop();
  const projectDoc = checkProjectDocument(project.root);
  if (projectDoc) problems.unshift(projectDoc);
  if (opts.json) out(dumpJson(problems as never) + "\n");
  else if (problems.length === 0) out("workspace OK\n");
  else out(problems.map((p) => `${p.kind === "foreign" ? "foreign" : "invalid"}  ${p.path}: ${p.reason}\n`).join(""));
  if (problems.length > 0) process.exitCode = 1;
}
