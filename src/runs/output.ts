/**
 * A run's output (SPEC §6): the bytes of its slot's segment from the offset its `start` names, for the
 * length its `end` names. While it runs (no `end` yet), to the end of the segment: a slot runs one run
 * at a time. A run whose writer died before its `end` ends where the next run of the slot begins.
 */
import fs from "node:fs";
import { isErrno } from "../util/fs.js";
import { segmentFile } from "./journal.js";
import type { Ledger, Run } from "./ledger.js";

/** Where a run's output is: its segment file and the byte range (`end` undefined: to the file's end). */
export interface OutputPlace {
  file: string;
  start: number;
  end?: number;
}

export function outputPlace(projectRoot: string, run: Run, ledger: Ledger): OutputPlace | undefined {
  if (run.segmentWriter === undefined || run.slot === undefined || run.offset === undefined) return undefined;
  const file = segmentFile(projectRoot, run.segmentWriter, run.slot);
  if (run.length !== undefined) return { file, start: run.offset, end: run.offset + run.length };
  let next: number | undefined;
  for (const r of ledger.runs.values()) {
    if (r.segmentWriter === run.segmentWriter && r.slot === run.slot && r.offset !== undefined && r.offset > run.offset && (next === undefined || r.offset < next)) next = r.offset;
  }
  return { file, start: run.offset, end: next };
}

/** The bytes of `place` from `from` (an offset into the file) on; empty when the segment is gone. */
export function readOutput(place: OutputPlace, from = place.start): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(place.file, "r");
  } catch (err) {
    if (isErrno(err, "ENOENT")) return Buffer.alloc(0);
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const end = Math.min(place.end ?? size, size);
    if (end <= from) return Buffer.alloc(0);
    const buf = Buffer.allocUnsafe(end - from);
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

/** The last `n` lines of a run's output, as bytes (without their newlines): output need not be text. */
export function tailLines(bytes: Buffer, n: number): Buffer[] {
  const lines: Buffer[] = [];
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0a) end--;
  while (lines.length < n && end > 0) {
    const start = bytes.lastIndexOf(0x0a, end - 1) + 1;
    lines.push(bytes.subarray(start, end));
    end = start - 1;
  }
  // an empty line at the very start was cut off by `end > 0`
  if (lines.length < n && end === 0 && bytes[0] === 0x0a) lines.push(bytes.subarray(0, 0));
  return lines.reverse();
}
