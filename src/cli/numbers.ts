import { UserError } from "../util/errors.js";

/** A whole number from an option, at least `min`. */
export function parseCount(text: string, option: string, min = 1): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    throw new UserError(`${option} ${text} is not a whole number of at least ${min}`, `give ${option} a number like ${Math.max(min, 1)}`);
  }
  return n;
}

/** A duration in seconds from an option (`90`, `1.5`). */
export function parseSeconds(text: string, option: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0) throw new UserError(`${option} ${text} is not a number of seconds`, `e.g. ${option} 3600`);
  return n;
}
