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
    // the mistake is the one line: a warning held back (warnLater) would make it two
    held = [];
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
  flushHeld();
  const system = systemErrorText(err);
  if (system !== undefined) process.stderr.write(`cohort: error: ${printable(system)}\n`);
  else process.stderr.write(`cohort: error: ${printable(errorText(err))}${debug ? "" : " (run with --debug for details)"}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + "\n");
  process.exitCode = 1;
}

export function warn(message: string): void {
  flushHeld();
  process.stderr.write(`cohort: warning: ${printable(message)}\n`);
}

let held: string[] = [];

/**
 * A warning about the state of things (job directories skipped) rather than about what the command
 * does: written before the command's first output or warning, or when the process exits, and dropped
 * when the command fails with the user's mistake, so that such a failure stays one line.
 */
export function warnLater(message: string): void {
  if (held.length === 0) process.once("exit", flushHeld);
  held.push(message);
}

function flushHeld(): void {
  if (held.length === 0) return;
  const messages = held;
  held = [];
  for (const m of messages) process.stderr.write(`cohort: warning: ${printable(m)}\n`);
}

/** Writes to stdout; a closed pipe (`cohort find | head`) ends the output quietly. */
export function out(text: string | Uint8Array): void {
  flushHeld();
  process.stdout.write(text);
}
