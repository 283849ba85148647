/**
 * What the caches compare of a file to know whether it changed since they read it: one `stat`'s
 * modification time, change time, size and inode (the job index, the document cache and the runs
 * listing cache all use this key).
 *
 * An in-place write moves the modification and change times, a file replaced by a rename has a new
 * inode, and no program can set a change time back (one that sets an old modification time back
 * still moves it). What the key cannot see is a second write in the same clock tick that keeps the
 * size (the "racy git" problem): hence the trust rule, `settled`.
 */
import fs from "node:fs";

export interface StatKey {
  mtimeMs: number;
  ctimeMs: number;
  size: number;
  ino: number;
}

/** A key whose modification time was this much older than the moment it was taken cannot hide a later write in the same tick. */
export const TRUST_MARGIN_MS = 2000;

/** The key of a file now; undefined when it does not exist. Other errors are thrown. */
export function statKey(file: string): StatKey | undefined {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st && keyOf(st);
}

/** The key fields of a stat (node's Stats carries many more, and keeps them alive). */
export function keyOf(st: StatKey): StatKey {
  return { mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size, ino: st.ino };
}

export function sameKey(a: StatKey, b: StatKey): boolean {
  return a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.size === b.size && a.ino === b.ino;
}

/**
 * Whether a key taken at `seenAt` (or earlier) can be trusted to change with the next write: its file
 * had been quiet for TRUST_MARGIN_MS. A cache keeps what it read of a file that is not settled only
 * for this command, and reads it again in the next.
 */
export function settled(key: StatKey, seenAt: number): boolean {
  return seenAt - key.mtimeMs > TRUST_MARGIN_MS;
}

/** A key as four numbers, for a cache file; `keyAt` reads it back. */
export function keyNumbers(k: StatKey): [number, number, number, number] {
  return [k.mtimeMs, k.ctimeMs, k.size, k.ino];
}

/** The key stored by keyNumbers at `at` in a list of numbers. */
export function keyAt(numbers: readonly number[], at = 0): StatKey {
  return { mtimeMs: numbers[at], ctimeMs: numbers[at + 1], size: numbers[at + 2], ino: numbers[at + 3] };
}
