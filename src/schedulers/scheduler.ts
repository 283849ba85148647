/**
 * The cluster schedulers cohort submits to (SPEC §9), behind one interface: submit a script, list
 * this user's jobs with ONE call, and look up final states of jobs that left the queue.
 */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../util/errors.js";
import type { SchedulerName } from "./script.js";
import { Lsf } from "./lsf.js";
import { Pbs } from "./pbs.js";
import { Slurm } from "./slurm.js";

const SCHEDULER_CLASSES: Record<SchedulerName, new () => Scheduler> = { slurm: Slurm, pbs: Pbs, lsf: Lsf };

/** A job the scheduler still knows: waiting, held, or running. */
export interface QueuedJob {
  id: string;
  name: string;
  state: "queued" | "held" | "running";
}

/** How a cluster job ended, in SLURM's words (PBS and LSF states are mapped onto these). */
export type FinalState = "COMPLETED" | "FAILED" | "OUT_OF_MEMORY" | "CANCELLED" | "TIMEOUT";

export interface Scheduler {
  readonly name: SchedulerName;
  /** The command that submits a script, for `--pretend` and messages. */
  submitCommand(scriptFile: string, extra?: readonly string[]): string[];
  /** Submits a script; returns the job id. Throws SubmitError with the scheduler's message. */
  submit(scriptFile: string, cwd: string, extra?: readonly string[]): string;
  /** This user's jobs the scheduler knows now (one call). */
  queue(): Promise<QueuedJob[]>;
  /** Final states of jobs no longer queued (one call where the scheduler allows); unknown ones are left out. */
  finalStates(ids: readonly string[]): Map<string, FinalState>;
  /** What the scheduler says of its partitions/queues, where it can tell: limits to check before submitting. */
  partitions(): Promise<PartitionInfo[] | undefined>;
  /** The scheduler's own name for its cluster (SLURM's ClusterName), where it has one. */
  clusterName(): Promise<string | undefined>;
}

export interface PartitionInfo {
  name: string;
  isDefault: boolean;
  /** Seconds; undefined when unlimited or unknown. */
  maxWalltime?: number;
  /** GPUs a node of the partition has (0: none configured). */
  gpus: number;
  /** CPUs per node (the largest node), where told. */
  cpus?: number;
  /** Gigabytes per node (the largest node), where told. */
  memory?: number;
}

const PROBES: [string, SchedulerName][] = [
  ["sbatch", "slurm"],
  ["qsub", "pbs"],
  ["bsub", "lsf"],
];

/** Whether an executable file of this name is in a directory of the PATH (what `command -v` finds, without a shell). */
function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    try {
      const file = path.join(dir || ".", cmd);
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** The scheduler of this machine (`sbatch` → SLURM, `qsub` → PBS, `bsub` → LSF), or the one named. */
export function openScheduler(name?: string): Scheduler {
  let chosen = name as SchedulerName | undefined;
  if (chosen !== undefined && !PROBES.some(([, n]) => n === chosen)) {
    throw new UserError(`there is no scheduler ${name}`, "choose --scheduler slurm, pbs or lsf");
  }
  if (chosen === undefined) {
    chosen = PROBES.find(([cmd]) => onPath(cmd))?.[1];
    if (chosen === undefined) throw new UserError("no cluster scheduler found: none of sbatch, qsub, bsub is on the PATH", "name one with --scheduler, or use --pretend to see the scripts");
  } else {
    const command = PROBES.find(([, n]) => n === chosen)![0];
    if (!onPath(command)) throw new UserError(`${command} is not installed or not on the PATH`, "submit where the scheduler's commands exist, or use --pretend to see the scripts");
  }
  return new SCHEDULER_CLASSES[chosen]();
}
