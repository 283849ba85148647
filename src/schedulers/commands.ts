/** Running a scheduler's commands, and what their failures become. */
import { spawn, spawnSync } from "node:child_process";
import { Interrupted, UserError } from "../util/errors.js";

/** The scheduler refused a submission; its own message is kept. */
export class SubmitError extends UserError {}

/** The submit command refused a job: the command (`sbatch`) and the first line of what it said. */
export class Refused extends SubmitError {
  constructor(
    readonly command: string,
    readonly said: string,
  ) {
    super(`${command} refused the job: ${said}`, "nothing was recorded as submitted");
  }
}

export interface CommandResult {
  status: number | null;
  /** The signal that ended it, if one did. */
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  missing: boolean;
}

/**
 * Runs a command that only asks the scheduler something (its queue, its partitions) without blocking:
 * `submit` asks while it works out what to submit. Fails as runCommand does.
 */
export function askCommand(argv: readonly string[]): Promise<CommandResult> {
  return new Promise<CommandResult>((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    let settled = false;
    const done = (r: CommandResult) => {
      if (settled) return;
      settled = true;
      try {
        resolve(notInterrupted(argv, r));
      } catch (err) {
        reject(err);
      }
    };
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (err: NodeJS.ErrnoException) => done({ status: null, stdout, stderr: err.code === "ENOENT" ? stderr : stderr + err.message, missing: err.code === "ENOENT" }));
    child.on("close", (code, signal) => done({ status: code, signal, stdout, stderr, missing: false }));
  });
}

/**
 * Runs a scheduler command; `missing` when it is not installed. A command that Ctrl-C or SIGTERM
 * stopped (it runs in cohort's process group, so a Ctrl-C at the terminal reaches it too) is an
 * interruption, not the scheduler's answer: Interrupted.
 */
export function runCommand(argv: readonly string[], cwd?: string): CommandResult {
  const r = spawnSync(argv[0], argv.slice(1), { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
  return notInterrupted(argv, { status: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error && !missing ? String(r.error.message) : ""), missing });
}

/** Exit statuses of a command that ended itself on SIGINT or SIGTERM (128 + the signal), as shells report it. */
const INTERRUPTED_STATUS: Record<number, NodeJS.Signals> = { 130: "SIGINT", 143: "SIGTERM" };

function notInterrupted(argv: readonly string[], r: CommandResult): CommandResult {
  const signal = r.signal === "SIGINT" || r.signal === "SIGTERM" ? r.signal : r.status !== null ? INTERRUPTED_STATUS[r.status] : undefined;
  if (signal) throw new Interrupted(`${argv[0]} was interrupted (${signal})`);
  return r;
}

/** A scheduler's command must exist: one line naming it otherwise. */
export function checked(argv: readonly string[], r: CommandResult): CommandResult {
  if (r.missing) throw new UserError(`${argv[0]} is not installed or not on the PATH`, "submit where the scheduler's commands exist, or use --pretend");
  return r;
}

/** A scheduler command's own name before its message (`sbatch: error: `), which cohort's line names already. */
const COMMAND_PREFIX = /^(?:sbatch|squeue|sacct|scontrol|sinfo|qsub|qstat|bsub|bjobs):\s*(?:error:\s*)?/i;

/** The first line of a scheduler's complaint, trimmed of its own prefix noise. */
export function firstLine(text: string): string {
  const line = text
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "");
  return line?.replace(COMMAND_PREFIX, "") || "no message";
}
