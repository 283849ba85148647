/** PBS (OpenPBS/Torque): `qsub`, one `qstat` per query; ended jobs from `qstat -x` where supported. */
import { askCommand, checked, firstLine, Refused, runCommand, SubmitError } from "./commands.js";
import type { FinalState, PartitionInfo, QueuedJob, Scheduler } from "./scheduler.js";

const QUEUE = ["qstat", "-f", "-F", "json"];

export class Pbs implements Scheduler {
  readonly name = "pbs" as const;

  submitCommand(scriptFile: string, extra?: readonly string[]): string[] {
    return ["qsub", ...(extra ?? []), scriptFile];
  }

  submit(scriptFile: string, cwd: string, extra?: readonly string[]): string {
    const argv = this.submitCommand(scriptFile, extra);
    const r = checked(argv, runCommand(argv, cwd));
    const id = r.stdout.trim();
    if (r.status !== 0 || id === "") throw new Refused("qsub", firstLine(r.stderr || r.stdout));
    return id;
  }

  async queue(): Promise<QueuedJob[]> {
    const argv = QUEUE;
    const r = checked(argv, await askCommand(argv));
    if (r.status !== 0) throw new SubmitError(`qstat failed: ${firstLine(r.stderr)}`, "is the scheduler up?");
    const jobs: QueuedJob[] = [];
    try {
      const data = JSON.parse(r.stdout) as { Jobs?: Record<string, { Job_Name?: string; job_state?: string }> };
      for (const [id, j] of Object.entries(data.Jobs ?? {})) {
        const st = j.job_state ?? "";
        if (st === "F" || st === "X") continue;
        jobs.push({ id, name: j.Job_Name ?? "", state: st === "H" ? "held" : st === "R" || st === "E" ? "running" : "queued" });
      }
    } catch {
      throw new SubmitError("qstat printed something that is not JSON", "cohort needs a PBS whose qstat supports -F json");
    }
    return jobs;
  }

  finalStates(ids: readonly string[]): Map<string, FinalState> {
    const out = new Map<string, FinalState>();
    if (ids.length === 0) return out;
    const r = runCommand(["qstat", "-x", "-f", "-F", "json", ...ids]);
    if (r.missing || r.status !== 0) return out;
    try {
      const data = JSON.parse(r.stdout) as { Jobs?: Record<string, { job_state?: string; Exit_status?: number }> };
      for (const [id, j] of Object.entries(data.Jobs ?? {})) {
        if (j.job_state !== "F") continue;
        const exit = j.Exit_status ?? 0;
        out.set(id, exit === 0 ? "COMPLETED" : exit === 271 || exit < 0 ? "CANCELLED" : "FAILED");
      }
    } catch {
      return out;
    }
    return out;
  }

  partitions(): Promise<PartitionInfo[] | undefined> {
    return Promise.resolve(undefined);
  }

  clusterName(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
}
