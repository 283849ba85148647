import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pidIsAlive } from "./process.js";
import { decodeUtf8 } from "./utf8.js";

let counter = 0;

/** This host as temporary names carry it: a pid tells something only on the host that wrote it (NFS). */
const HOST = os.hostname().replace(/[^A-Za-z0-9-]/g, "_") || "host";

/** `.<name>.<host>.<pid>.<time, base 36>.<counter>.tmp`. */
const TEMP_NAME = /^\..+\.([A-Za-z0-9_-]+)\.(\d+)\.([0-9a-z]+)\.\d+\.tmp$/;
/** What older versions wrote: no host. */
const OLD_TEMP_NAME = /^\..+\.(\d+)\.([0-9a-z]+)\.\d+\.tmp$/;

/**
 * A temporary file this old is left over whatever its pid says: no write of cohort's takes hours, and
 * the margin covers clocks of hosts sharing a project that disagree by minutes.
 */
export const STALE_TEMP_MS = 6 * 3600 * 1000;

/** A temporary name beside `file`, unique across processes and hosts sharing the directory. */
export function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${HOST}.${process.pid}.${Date.now().toString(36)}.${counter++}.tmp`);
}

/**
 * Whether `name` is a temporary name (tempNameFor) whose writer is gone: its process is not alive on
 * this host, or it is older than STALE_TEMP_MS. A name from another host is judged by its age alone.
 */
export function isStaleTemp(name: string, now = Date.now()): boolean {
  const m = TEMP_NAME.exec(name);
  if (!m) {
    const old = OLD_TEMP_NAME.exec(name);
    return old !== null && !(now - parseInt(old[2], 36) < STALE_TEMP_MS);
  }
  if (!(now - parseInt(m[3], 36) < STALE_TEMP_MS)) return true;
  const pid = Number(m[2]);
  return m[1] === HOST && pid !== process.pid && !pidIsAlive(pid);
}

/**
 * Removes the stale temporaries (isStaleTemp) among `names`, entries of `dir` some scan has already
 * read, so that finding them costs no more reading. Returns how many it removed; failures are left
 * for a later command.
 */
export function removeStaleTemps(dir: string, names: Iterable<string>): number {
  let removed = 0;
  const now = Date.now();
  for (const name of names) {
    if (!name.endsWith(".tmp") || !isStaleTemp(name, now)) continue;
    try {
      fs.rmSync(dir + path.sep + name, { recursive: true, force: true });
      removed++;
    } catch {
      // another process removed it, or it cannot be: the next command tries again
    }
  }
  return removed;
}

/** Lists `dir` and removes its stale temporaries; a directory that cannot be read is left alone. */
export function sweepStaleTemps(dir: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  return removeStaleTemps(dir, names);
}

/**
 * Writes a file so that readers see either the old or the new content, never a part:
 * the data goes to a temporary file in the same directory, which is then renamed over the target.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = tempNameFor(file);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw naming(err, file);
  }
}

/** Reads a text file, which must be valid UTF-8 (a Utf8Error names the file and the first bad byte). */
export function readTextFile(file: string): string {
  // Node's decoder puts U+FFFD for invalid bytes: only a text holding one has its bytes checked, so that
  // every other read takes node's fast path (bench/RESULTS.md).
  const text = fs.readFileSync(file, "utf8");
  return text.includes("\uFFFD") ? decodeUtf8(fs.readFileSync(file), file) : text;
}

/**
 * Reads a text file (valid UTF-8, as readTextFile), or returns undefined when it does not exist. It
 * reads as readSmallFileSync does: documents are read once per job in every pass of `cohort run`.
 */
export function readFileIfExists(file: string): string | undefined {
  try {
    return readSmallFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * `err` with `file` as its path when it names none: a write to an open file (a full disk) reports
 * no path, and the one line an error becomes (util/errors.ts) should say which file it was.
 */
export function naming(err: unknown, file: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof Error && typeof e.syscall === "string" && e.path === undefined) e.path = file;
  return err;
}

export function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

/** What readSmallFileSync reads first: files of documents and state points are mostly smaller. */
const SMALL_FILE = 1024;

/**
 * Reads a text file with one open, read and close when it is small: `readFileSync` also stats each file
 * and reads once more to find its end, which at 100,000 files is felt. The first read takes up to 1 KiB
 * into a buffer Node takes from its shared pool (bench/RESULTS.md); a file that fills it is read whole
 * by `readFileSync` from the same descriptor. The text must be valid UTF-8, as for readTextFile.
 */
export function readSmallFileSync(file: string): string {
  const fd = fs.openSync(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(SMALL_FILE);
    // (a positioned read: the descriptor stays at the start, where readFileSync begins)
    const n = fs.readSync(fd, buffer, 0, SMALL_FILE, 0);
    // A short read of a regular file means its end.
    return decodeUtf8(n < SMALL_FILE ? buffer.subarray(0, n) : fs.readFileSync(fd), file);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Makes a directory and its missing parents, like `mkdirSync(dir, { recursive: true })`. Node's own
 * loops forever where the kernel says ENOENT under a parent that exists (`/proc/x`), and reports ENOENT
 * where it said EROFS or EACCES about a parent; this one throws the error of the directory that failed.
 * With `below`, it never makes `below` or what is above it: where `below` is gone (a project moved away
 * meanwhile), it fails with ENOENT instead of making it again, empty.
 */
export function makeDirs(dir: string, below?: string): void {
  const stop = below === undefined ? undefined : path.resolve(below);
  const missing: string[] = [];
  let d = path.resolve(dir);
  for (;;) {
    if (d === stop) {
      fs.statSync(d); // ENOENT when it is gone
      break;
    }
    try {
      fs.mkdirSync(d);
      break;
    } catch (err) {
      if (isErrno(err, "EEXIST") && fs.statSync(d).isDirectory()) {
        // Made by another process meanwhile, or a parent that exists: ENOENT below it was no missing parent.
        if (missing.length === 0) return;
        break;
      }
      if (!isErrno(err, "ENOENT") || path.dirname(d) === d) throw err;
      missing.push(d);
      d = path.dirname(d);
    }
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      fs.mkdirSync(missing[i]);
    } catch (err) {
      if (!isErrno(err, "EEXIST") || !fs.statSync(missing[i]).isDirectory()) throw err;
    }
  }
}

/**
 * The whole lines a file opened for reading holds from byte `from` to `size` (its size as just
 * stat'ed): the bytes, and where the last complete line ends in them (0: none). A line still being
 * written waits for the next reading.
 */
export function readLinesFrom(fd: number, from: number, size: number): { buf: Buffer; end: number } {
  const want = Math.max(0, size - from);
  const buf = Buffer.allocUnsafe(want);
  let got = 0;
  while (got < want) {
    const n = fs.readSync(fd, buf, got, want - got, from + got);
    if (n === 0) break;
    got += n;
  }
  return { buf, end: got === 0 ? 0 : buf.lastIndexOf(10, got - 1) + 1 };
}
