import fs from "node:fs";
import path from "node:path";

let counter = 0;

/** A temporary name beside `file`, unique across processes and hosts sharing the directory. */
export function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.${counter++}.tmp`);
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
    throw err;
  }
}

/** Reads a file, or returns undefined when it does not exist. */
export function readFileIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Reads a small text file with one open/read/close into a reused buffer: at 100,000 files this is
 * markedly faster than `readFileSync`, which also stats each file and allocates a buffer per file.
 */
export function readSmallFileSync(file: string): string {
  const fd = fs.openSync(file, "r");
  try {
    let length = 0;
    for (;;) {
      const want = scratch.length - length;
      const n = fs.readSync(fd, scratch, length, want, length);
      length += n;
      // A short read of a regular file means its end: this saves a second read call per file.
      if (n < want) break;
      if (length === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger);
        scratch = bigger;
      }
    }
    return scratch.toString("utf8", 0, length);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Makes a directory and its missing parents, like `mkdirSync(dir, { recursive: true })`. Node's own
 * loops forever where the kernel says ENOENT under a parent that exists (`/proc/x`), and reports ENOENT
 * where it said EROFS or EACCES about a parent; this one throws the error of the directory that failed.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let d = path.resolve(dir);
  for (;;) {
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
