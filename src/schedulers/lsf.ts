/** LSF: `bsub < script`, one `bjobs` per query (it also lists recently ended jobs). */
import { askCommand, checked, firstLine, Refused, runCommand, type CommandResult } from "./commands.js";
import type { FinalState, PartitionInfo, QueuedJob, Scheduler } from "./scheduler.js";

const BJOBS = ["bjobs", "-noheader", "-o", "jobid job_name stat exit_code delimiter='|'"];

export class Lsf implements Scheduler {
  readonly name = "lsf" as const;

  submitCommand(scriptFile: string, extra?: readonly string[]): string[] {
    return ["sh", "-c", 'script=$1; shift; bsub "$@" < "$script"', "bsub", scriptFile, ...(extra ?? [])];
  }

  submit(scriptFile: string, cwd: string, extra?: readonly string[]): string {
    const argv = this.submitCommand(scriptFile, extra);
    const r = runCommand(argv, cwd);
    if (r.status === 127) checked(["bsub"], { ...r, missing: true });
    const id = /Job <(\d+)>/.exec(r.stdout)?.[1];
    if (r.status !== 0 || !id) throw new Refused("bsub", firstLine(r.stderr || r.stdout));
    return id;
  }

  private bjobs(extra: string[]): { id: string; name: string; stat: string; exit: string }[] {
    const argv = [...BJOBS, ...extra];
    return bjobsRows(checked(argv, runCommand(argv)));
  }

  async queue(): Promise<QueuedJob[]> {
    const r = checked(BJOBS, await askCommand(BJOBS));
    return bjobsRows(r)
      .filter((j) => j.stat !== "DONE" && j.stat !== "EXIT")
      .map((j) => ({ id: j.id, name: j.name, state: j.stat === "RUN" ? ("running" as const) : /SUSP/.test(j.stat) ? ("held" as const) : ("queued" as const) }));
  }


  finalStates(ids: readonly string[]): Map<string, FinalState> {
    const out = new Map<string, FinalState>();
    if (ids.length === 0) return out;
    for (const j of this.bjobs(["-a", ...ids])) {
      if (j.stat === "DONE") out.set(j.id, "COMPLETED");
      else if (j.stat === "EXIT") out.set(j.id, j.exit === "130" || j.exit === "" ? "CANCELLED" : j.exit === "140" ? "TIMEOUT" : "FAILED");
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

/** The rows bjobs printed (none when it failed without printing any). */
function bjobsRows(r: CommandResult): { id: string; name: string; stat: string; exit: string }[] {
  if (r.status !== 0 && r.stdout.trim() === "") return [];
  return r.stdout
    .split("\n")
    .map((l) => l.split("|"))
    .filter((p) => p.length >= 3)
    .map(([id, name, stat, exit]) => ({ id: id.trim(), name: name.trim(), stat: stat.trim(), exit: (exit ?? "").trim() }));
}
