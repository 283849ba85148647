/**
 * Run ids and run names (SPEC §6).
 *
 * A run id is a UUID version 7: 48 bits of epoch milliseconds first, so ids sort by creation time,
 * then random bits. A run's short name is the proquint (https://arxiv.org/abs/0901.4016) of the
 * LAST 32 bits of its id, which are random in a v7 UUID: names of runs made in the same millisecond
 * differ, and a name says nothing about when the run was made. Written `xxxxx-xxxxx`, e.g. `lusab-babad`.
 */
import { v7 } from "uuid";

const CONSONANTS = "bdfghjklmnprstvz";
const VOWELS = "aiou";

/** A UUID v7 in lowercase canonical form (36 characters). */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A run name: two proquint words. */
const NAME_RE = /^[bdfghjklmnprstvz][aiou][bdfghjklmnprstvz][aiou][bdfghjklmnprstvz]-[bdfghjklmnprstvz][aiou][bdfghjklmnprstvz][aiou][bdfghjklmnprstvz]$/;

/**
 * Random bytes drawn 4 KB at a time: `v7()` without options draws its 16 bytes with a system call
 * per id, which made ids many times dearer (bench/RESULTS.md, "One build").
 */
const pool = new Uint8Array(4096);
let poolAt = pool.length;
/** The last id's milliseconds and 32-bit counter: ids of one process sort in the order made. */
let lastMs = -1;
let counter = 0;

/**
 * A new UUID version 7 (RFC 9562), laid out by the `uuid` package: 48 bits of epoch milliseconds, a
 * 32-bit counter that starts at a random value each millisecond and counts up within it (on overflow
 * the id borrows the next millisecond), and random bits, the last 32 of them included. Ids one
 * process makes sort in the order made and never repeat, however many in one millisecond (uuid's
 * `v7()` keeps such a counter too, but only when given no random bytes of ours). Run and group ids,
 * and the names of attribute-log and trash files.
 */
export function newUuidV7(): string {
  if (poolAt + 16 > pool.length) {
    // (node's crypto module loads when the first id is made: a listing makes none)
    process.getBuiltinModule("node:crypto").randomFillSync(pool);
    poolAt = 0;
  }
  const random = pool.subarray(poolAt, (poolAt += 16));
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = ((random[6] & 0x7f) << 24) | (random[7] << 16) | (random[8] << 8) | random[9]; // room to count up
  } else if (++counter > 0xffffffff) {
    lastMs++;
    counter = 0;
  }
  return v7({ msecs: lastMs, seq: counter, random });
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

