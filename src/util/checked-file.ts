/**
 * Files that carry a check of their own content: a first line with the SHA-1 of the rest. Caches are
 * written so (SPEC §12: a damaged cache is detected and rebuilt): a cache edited by hand, cut short or
 * mixed up with another file fails the check and is read as no cache.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { writeFileAtomic } from "./fs.js";

const HEX = 40;

function sha1(body: string | Uint8Array): string {
  return createHash("sha1").update(body).digest("hex");
}

/** Writes `body` atomically under a line holding its SHA-1. */
export function writeCheckedFile(file: string, body: string | Uint8Array): void {
  const head = sha1(body) + "\n";
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
  return bytes.toString("latin1", 0, HEX) === sha1(body) ? body : undefined;
}
