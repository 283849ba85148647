/** Running a scheduler's commands, and what their failures become. */
import { spawn, spawnSync } from "node:child_process";
import { Interrupted, UserError } from "../util/errors.js";

/** The scheduler refused a submission; its own message is kept. */
export class SubmitError extends UserError {}

export interface CommandResult {
  status: number | null;
  /** The signal that ended it, if one did. */
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  missing: boolean;
}

/** Answers of commands started ahead of need, by their words; each answers one runCommand. */
const ahead = new Map<string, Promise<CommandResult>>();
const answered = new Map<string, CommandResult>();

const keyOf = (argv: readonly string[]) => argv.join("\0");

/**
 * Starts commands that only ask the scheduler something (its queue, its partitions) in the background,
 * for runCommand to take their answers once `commandsAnswered` has resolved: they run while cohort works
 * out what to submit, and are forked while this process is still small.
 */
export function startCommands(argvs: readonly (readonly string[])[]): void {
  for (const argv of argvs) {
    const key = keyOf(argv);
    // One still running will do; an answer nobody took is old by now.
    if (ahead.has(key) && !answered.has(key)) continue;
    answered.delete(key);
    const answer = new Promise<CommandResult>((resolve) => {
      let stdout = "";
      let stderr = "";
      let settled = false;
      const done = (r: CommandResult) => {
        if (settled) return;
        settled = true;
        answered.set(key, r);
        resolve(r);
      };
      const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("error", (err: NodeJS.ErrnoException) => done({ status: null, stdout, stderr: err.code === "ENOENT" ? stderr : stderr + err.message, missing: err.code === "ENOENT" }));
      child.on("close", (code, signal) => done({ status: code, signal, stdout, stderr, missing: false }));
    });
    ahead.set(key, answer);
  }
}

/** Resolves once every command started ahead has answered. */
export async function commandsAnswered(): Promise<void> {
  await Promise.all(ahead.values());
}

/**
 * Runs a scheduler command (or takes its answer, when it was started ahead); `missing` when it is not
 * installed. A command that Ctrl-C or SIGTERM stopped (it runs in cohort's process group, so a Ctrl-C
 * at the terminal reaches it too) is an interruption, not the scheduler's answer: Interrupted.
 */
export function runCommand(argv: readonly string[], cwd?: string): CommandResult {
  const key = keyOf(argv);
  const early = cwd === undefined ? answered.get(key) : undefined;
  if (early) {
    answered.delete(key);
    ahead.delete(key);
    return notInterrupted(argv, early);
  }
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

/** The first line of a scheduler's complaint, trimmed of its own prefix noise. */
export function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l !== "") ?? "no message"
  );
}
