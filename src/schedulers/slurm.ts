/** SLURM: `sbatch --parsable`, one `squeue` per query, `sacct` (or `scontrol show job`) for final states. */
import os from "node:os";
import { parseWalltime } from "../workflow/directives.js";
import { askCommand, checked, firstLine, Refused, runCommand, SubmitError } from "./commands.js";
import type { FinalState, PartitionInfo, QueuedJob, Scheduler } from "./scheduler.js";

const FINAL: Record<string, FinalState> = {
  COMPLETED: "COMPLETED",
  FAILED: "FAILED",
  NODE_FAIL: "FAILED",
  BOOT_FAIL: "FAILED",
  DEADLINE: "TIMEOUT",
  OUT_OF_MEMORY: "OUT_OF_MEMORY",
  CANCELLED: "CANCELLED",
  PREEMPTED: "CANCELLED",
  REVOKED: "CANCELLED",
  TIMEOUT: "TIMEOUT",
};

/** SLURM's time limit (`1-02:00:00`, `30:00`, `UNLIMITED`) in seconds. */
export function slurmTimeLimit(text: string): number | undefined {
  const t = text.trim();
  if (t === "" || /^(UNLIMITED|infinite|n\/a)$/i.test(t)) return undefined;
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(t);
  if (m) return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  if (/^\d+$/.test(t)) return Number(t) * 60; // a bare number is minutes
  try {
    return parseWalltime(t);
  } catch {
    return undefined;
  }
}

const PARTITIONS = ["sinfo", "-h", "-o", "%P|%l|%G|%c|%m"];

function user(): string {
  return process.env.USER || os.userInfo().username;
}

export class Slurm implements Scheduler {
  readonly name = "slurm" as const;

  submitCommand(scriptFile: string, extra?: readonly string[]): string[] {
    return ["sbatch", "--parsable", ...(extra ?? []), scriptFile];
  }

  submit(scriptFile: string, cwd: string, extra?: readonly string[]): string {
    const argv = this.submitCommand(scriptFile, extra);
    const r = checked(argv, runCommand(argv, cwd));
    const id = r.stdout.trim().split(";")[0];
    if (r.status !== 0 || !/^\d+(_\d+)?$/.test(id)) throw new Refused("sbatch", firstLine(r.stderr || r.stdout));
    return id;
  }

  async queue(): Promise<QueuedJob[]> {
    const argv = ["squeue", "-h", "-u", user(), "-o", "%i|%j|%T|%r"];
    const r = checked(argv, await askCommand(argv));
    if (r.status !== 0) throw new SubmitError(`squeue failed: ${firstLine(r.stderr)}`, "is the scheduler up?");
    const jobs: QueuedJob[] = [];
    for (const line of r.stdout.split("\n")) {
      const [id, name, state, reason] = line.split("|");
      if (!id || !name) continue;
      const held = state === "PENDING" && /Held|JobHeld/i.test(reason ?? "");
      const s = held ? "held" : state === "RUNNING" || state === "COMPLETING" || state === "CONFIGURING" ? "running" : "queued";
      jobs.push({ id: id.trim(), name: name.trim(), state: s });
    }
    return jobs;
  }

  finalStates(ids: readonly string[]): Map<string, FinalState> {
    const out = new Map<string, FinalState>();
    if (ids.length === 0) return out;
    const sacct = runCommand(["sacct", "-n", "-X", "-P", "-o", "JobID,State", "-j", ids.join(",")]);
    if (!sacct.missing && sacct.status === 0) {
      for (const line of sacct.stdout.split("\n")) {
        const [id, state] = line.split("|");
        const final = FINAL[(state ?? "").split(/\s/)[0]];
        // An array's tasks are `ID_N`: the array job takes the worst of its tasks.
        const key = id?.replace(/_\d+$/, "").replace(/_\[.*\]$/, "");
        if (key && final && (!out.has(key) || out.get(key) === "COMPLETED")) out.set(key, final);
      }
    }
    const rest = ids.filter((id) => !out.has(id));
    if (rest.length === 0) return out;
    // Without accounting, the controller remembers ended jobs for a while (MinJobAge).
    const sc = runCommand(["scontrol", "-o", "show", "job"]);
    if (sc.missing || sc.status !== 0) return out;
    for (const line of sc.stdout.split("\n")) {
      const id = /(?:^|\s)JobId=(\d+)/.exec(line)?.[1];
      const arrayId = /(?:^|\s)ArrayJobId=(\d+)/.exec(line)?.[1];
      const state = /(?:^|\s)JobState=(\S+)/.exec(line)?.[1];
      const final = state ? FINAL[state] : undefined;
      const key = arrayId ?? id;
      if (key && rest.includes(key) && final && (!out.has(key) || out.get(key) === "COMPLETED")) out.set(key, final);
    }
    return out;
  }

  async partitions(): Promise<PartitionInfo[] | undefined> {
    const r = await askCommand(PARTITIONS);
    if (r.missing || r.status !== 0) return undefined;
    return parseSinfo(r.stdout);
  }

  /** `scontrol show config`'s ClusterName: one call, made only when a profile's detection asks for it. */
  async clusterName(): Promise<string | undefined> {
    const r = await askCommand(["scontrol", "show", "config"]);
    if (r.missing || r.status !== 0) return undefined;
    return /^ClusterName\s*=\s*(\S+)/m.exec(r.stdout)?.[1];
  }
}

/**
 * The partitions in `sinfo -h -o "%P|%l|%G|%c|%m"` (name, `*` on the default, time limit, GRES, CPUs
 * and megabytes per node). A partition of several kinds of node has a line for each: each limit is the
 * largest of its nodes, so that a request over it can run on none of them.
 */
export function parseSinfo(text: string): PartitionInfo[] {
  const parts = new Map<string, PartitionInfo>();
  const most = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
  for (const line of text.split("\n")) {
    const [rawName, limit, gres, cpus, memory] = line.split("|");
    if (!rawName) continue;
    const isDefault = rawName.endsWith("*");
    const name = rawName.replace(/\*$/, "");
    const gpus = Math.max(0, ...[...(gres ?? "").matchAll(/gpu(?::[^:,(]+)?:(\d+)/g)].map((m) => Number(m[1])));
    const prev = parts.get(name);
    const cpuCount = parseInt(cpus ?? "", 10);
    const megabytes = parseInt(memory ?? "", 10);
    parts.set(name, {
      name,
      isDefault: isDefault || (prev?.isDefault ?? false),
      maxWalltime: slurmTimeLimit(limit ?? ""),
      gpus: Math.max(gpus, prev?.gpus ?? 0),
      cpus: most(prev?.cpus, cpuCount > 0 ? cpuCount : undefined),
      memory: most(prev?.memory, megabytes > 0 ? megabytes / 1024 : undefined),
    });
  }
  return [...parts.values()];
}
