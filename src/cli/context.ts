import { errorText, Interrupted, systemErrorText, UserError } from "../util/errors.js";
import { printable } from "../util/text.js";

let debug = false;

export function setDebug(on: boolean): void {
  debug = on;
}

/**
 * Reports an error as SPEC §12 asks: one line, exit code 2 for the user's mistakes, 1 otherwise. An
 * error the system reported (a read-only file system, a permission) names what failed, where and why.
 * (One line whatever the values it quotes hold: their control characters are written as escapes.)
 */
export function fail(err: unknown): void {
  if (err instanceof UserError) {
    process.stderr.write(`cohort: error: ${printable(err.message)}${err.hint ? ` (${printable(err.hint)})` : ""}\n`);
    if (debug && err.stack) process.stderr.write(err.stack + "\n");
    process.exitCode = 2;
    return;
  }
  if (err instanceof Interrupted) {
    process.stderr.write(`cohort: ${err.message}\n`);
    process.exitCode = 130;
    return;
  }
  const system = systemErrorText(err);
  if (system !== undefined) process.stderr.write(`cohort: error: ${printable(system)}\n`);
  else process.stderr.write(`cohort: error: ${printable(errorText(err))}${debug ? "" : " (run with --debug for details)"}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + "\n");
  process.exitCode = 1;
}

export function warn(message: string): void {
  process.stderr.write(`cohort: warning: ${printable(message)}\n`);
}

/** Writes to stdout; a closed pipe (`cohort find | head`) ends the output quietly. */
export function out(text: string | Uint8Array): void {
  process.stdout.write(text);
}
