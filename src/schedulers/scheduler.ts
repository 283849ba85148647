/**
 * The cluster schedulers cohort submits to (SPEC §9), behind one interface: submit a script, list
 * this user's jobs with ONE call, and look up final states of jobs that left the queue.
 */
import { spawnSync } from "node:child_process";
import { UserError } from "../util/errors.js";
import type { SchedulerName } from "./script.js";

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
  queue(): QueuedJob[];
  /** Final states of jobs no longer queued (one call where the scheduler allows); unknown ones are left out. */
  finalStates(ids: readonly string[]): Map<string, FinalState>;
  /** What the scheduler says of its partitions/queues, where it can tell: limits to check before submitting. */
  partitions(): PartitionInfo[] | undefined;
}

export interface PartitionInfo {
  name: string;
  isDefault: boolean;
  /** Seconds; undefined when unlimited or unknown. */
  maxWalltime?: number;
  /** GPUs a node of the partition has (0: none configured). */
  gpus: number;
}

/** The scheduler refused a submission; its own message is kept. */
export class SubmitError extends UserError {}

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
  missing: boolean;
}

/** Runs a scheduler command; `missing` when it is not installed. */
export function runCommand(argv: readonly string[], cwd?: string): CommandResult {
  const r = spawnSync(argv[0], argv.slice(1), { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
  return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error && !missing ? String(r.error.message) : ""), missing };
}

/** A scheduler's command must exist: one line naming it otherwise. */
export function checked(argv: readonly string[], r: CommandResult): CommandResult {
  if (r.missing) throw new UserError(`${argv[0]} is not installed or not on the PATH`, "submit where the scheduler's commands exist, or use --pretend");
  return r;
}

/** The first line of a scheduler's complaint, trimmed of its own prefix noise. */
export function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l !== "") ?? "no message"
  );
}

const PROBES: [string, SchedulerName][] = [
  ["sbatch", "slurm"],
  ["qsub", "pbs"],
  ["bsub", "lsf"],
];

function onPath(cmd: string): boolean {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: ["ignore", "pipe", "ignore"] });
  return r.status === 0;
}

/** The scheduler of this machine (`sbatch` → SLURM, `qsub` → PBS, `bsub` → LSF), or the one named. */
export async function openScheduler(name?: string): Promise<Scheduler> {
  let chosen = name as SchedulerName | undefined;
  if (chosen !== undefined && !PROBES.some(([, n]) => n === chosen)) {
    throw new UserError(`there is no scheduler ${name}`, "choose --scheduler slurm, pbs or lsf");
  }
  chosen ??= PROBES.find(([cmd]) => onPath(cmd))?.[1];
  if (chosen === undefined) throw new UserError("no cluster scheduler found: none of sbatch, qsub, bsub is on the PATH", "name one with --scheduler, or use --pretend to see the scripts");
  switch (chosen) {
    case "slurm":
      return new (await import("./slurm.js")).Slurm();
    case "pbs":
      return new (await import("./pbs.js")).Pbs();
    case "lsf":
      return new (await import("./lsf.js")).Lsf();
  }
}
