/**
 * Files that carry a check of their own content: a first line with the CRC-32 of the rest. Caches are
 * written so (SPEC §12: a damaged cache is detected and rebuilt): a cache edited by hand, cut short or
 * mixed up with another file fails the check and is read as no cache. (A CRC-32 catches every damage
 * within 32 bits in a row and misses other damage once in four billion: enough for a cache, which no
 * one forges; zlib loads in about half the time node's crypto module takes, which every listing that
 * a cache answers would pay.)
 */
import fs from "node:fs";
import { crc32 } from "node:zlib";
import { writeFileAtomic } from "./fs.js";

/** Hex digits of the check, and the line it is on. */
const HEX = 8;

function check(body: string | Uint8Array): string {
  return crc32(body).toString(16).padStart(HEX, "0");
}

/** Writes `body` atomically under a line holding its CRC-32. */
export function writeCheckedFile(file: string, body: string | Uint8Array): void {
  const head = check(body) + "\n";
  writeFileAtomic(file, typeof body === "string" ? head + body : Buffer.concat([Buffer.from(head), body]));
}

/** The body of a file writeCheckedFile wrote; undefined when it is missing, unreadable or fails its check. */
export function readCheckedFile(file: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length <= HEX || bytes[HEX] !== 0x0a) return undefined;
  const body = bytes.subarray(HEX + 1);
  return bytes.toString("latin1", 0, HEX) === check(body) ? body : undefined;
}
