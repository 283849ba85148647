/** Running a scheduler's commands, and what their failures become. */
import { spawnSync } from "node:child_process";
import { UserError } from "../util/errors.js";

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
