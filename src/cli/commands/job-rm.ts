import type { Run } from "../../runs/ledger.js";
import { UserError } from "../../util/errors.js";
import { catchInterrupts } from "../interrupt.js";
import { progressBar } from "../progress.js";
import { loadProject } from "../project.js";
import { openRuns } from "../runs-rows.js";

export default async function jobRm(prefixes: string[], opts: { force?: boolean }): Promise<void> {
  const project = loadProject();
  const ids = [...new Set(prefixes.map((p) => project.resolveJobId(p)))];
  if (!opts.force) await refuseJobsInUse(ids);
  const bar = progressBar("removing jobs", ids.length);
  const removed = await project.removeJobsAsync(ids, { onProgress: (n) => bar.update(n), signal: catchInterrupts("stopping after the job in hand") });
  bar.stop();
  for (const id of removed) process.stderr.write(`removed ${id}\n`);
  if (removed.length < ids.length) {
    process.stderr.write(`stopped after ${removed.length} of ${ids.length} jobs; the others are left as they were\n`);
    process.exitCode = 130;
  }
}

/**
 * A job that a run is executing on (as the journal says: a run not ended whose writer lives, SPEC §6)
 * is not removed: the run would lose its directory under it. No lock of its own: the runs are the record.
 */
async function refuseJobsInUse(ids: string[]): Promise<void> {
  const wanted = new Set(ids);
  const { view } = await openRuns();
  const busy: [string, Run][] = [];
  for (const run of view.runs) {
    if (run.exit !== undefined || run.ended !== undefined) continue;
    const status = view.status(run);
    if (status !== "running" && status !== "pending") continue;
    for (const id of run.jobs) if (wanted.has(id)) busy.push([id, run]);
  }
  if (busy.length === 0) return;
  const [id, run] = busy[0];
  const more = busy.length > 1 ? ` (and ${busy.length - 1} more job${busy.length === 2 ? "" : "s"} in use)` : "";
  throw new UserError(
    `job ${id} is in use: run ${run.name} (${run.operation}) is ${view.status(run)} on it${more}; nothing was removed`,
    "wait for the run to end or stop it; --force removes the job anyway",
  );
}
