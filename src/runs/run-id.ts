/**
 * Run ids and run names (SPEC §6).
 *
 * A run id is a UUID version 7: 48 bits of epoch milliseconds first, so ids sort by creation time,
 * then random bits. A run's short name is the proquint (https://arxiv.org/abs/0901.4016) of the
 * LAST 32 bits of its id, which are random in a v7 UUID: names of runs made in the same millisecond
 * differ, and a name says nothing about when the run was made. Written `xxxxx-xxxxx`, e.g. `lusab-babad`.
 */
import { createRequire } from "node:module";

const CONSONANTS = "bdfghjklmnprstvz";
const VOWELS = "aiou";

/** A UUID v7 in lowercase canonical form (36 characters). */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A run name: two proquint words. */
const NAME_RE = /^[bdfghjklmnprstvz][aiou][bdfghjklmnprstvz][aiou][bdfghjklmnprstvz]-[bdfghjklmnprstvz][aiou][bdfghjklmnprstvz][aiou][bdfghjklmnprstvz]$/;

let v7: (() => string) | undefined;

/**
 * A new time-ordered UUID v7: run and group ids, and the names of attribute-log and trash files. The
 * library is loaded at the first call: commands that only read (most of them) do not pay for it.
 */
export function newUuidV7(): string {
  v7 ??= (createRequire(import.meta.url)("uuid") as typeof import("uuid")).v7;
  return v7();
}

/** A new run id: a time-ordered UUID v7. */
export function newRunId(): string {
  return newUuidV7();
}

/** Whether `s` has the form of a run id (a lowercase UUID). */
export function isRunId(s: string): boolean {
  return UUID_RE.test(s);
}

/** Whether `s` has the form of a run name (`xxxxx-xxxxx`). */
export function isRunName(s: string): boolean {
  return NAME_RE.test(s);
}

/** The short name of a run: the proquint of the last 32 (random) bits of its id. */
export function runName(id: string): string {
  if (!isRunId(id)) throw new Error(`not a run id: ${JSON.stringify(id)}`);
  return proquint(parseInt(id.slice(-8), 16));
}

function word(n: number): string {
  return (
    CONSONANTS[(n >>> 12) & 15] + VOWELS[(n >>> 10) & 3] + CONSONANTS[(n >>> 6) & 15] + VOWELS[(n >>> 4) & 3] + CONSONANTS[n & 15]
  );
}

/** The proquint of an unsigned 32-bit value: `proquint(0x7f000001)` is `lusab-babad`. */
export function proquint(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not an unsigned 32-bit value: ${n}`);
  return word(n >>> 16) + "-" + word(n & 0xffff);
}

/** The 32-bit value of a proquint `xxxxx-xxxxx`; throws on anything else. */
export function parseProquint(s: string): number {
  if (!isRunName(s)) throw new Error(`not a proquint: ${JSON.stringify(s)}`);
  let n = 0;
  for (const ch of s) {
    if (ch === "-") continue;
    const c = CONSONANTS.indexOf(ch);
    n = c >= 0 ? n * 16 + c : n * 4 + VOWELS.indexOf(ch);
  }
  return n;
}
