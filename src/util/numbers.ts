import { UserError } from "../util/errors.js";

/** A whole number from an option, at least `min`. */
export function parseCount(text: string, option: string, min = 1): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    throw new UserError(`${option} ${text} is not a whole number of at least ${min}`, `give ${option} a number like ${Math.max(min, 1)}`);
  }
  return n;
}

/**
 * A duration in seconds from an option: a decimal number above 0 (`90`, `1.5`, `2592000`, `1e7`), of
 * any size that stays finite (timers of any length are honoured: util/timer.ts).
 */
export function parseSeconds(text: string, option: string): number {
  const trimmed = text.trim();
  const n = Number(trimmed);
  if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) || !Number.isFinite(n) || n <= 0) {
    const shown = trimmed === "" ? JSON.stringify(text) : text;
    throw new UserError(`${option} ${shown} is not a finite number of seconds above 0`, `e.g. ${option} 3600 for an hour, ${option} 2592000 for 30 days; leave ${option} out for no limit`);
  }
  return n;
}
