/**
 * Command-line arguments must be valid UTF-8 (SPEC §12). Node decodes them before cohort sees them and
 * puts U+FFFD in place of each invalid byte, so `a=\xff` and `a=\xfe` would name one job. An argument
 * holding U+FFFD is therefore compared with the bytes the process was started with, which Linux keeps
 * in /proc/self/cmdline: a U+FFFD the user really typed is kept, a replaced byte is refused. Where those
 * bytes cannot be read (another system, or `main` called with arguments of its own), an argument holding
 * U+FFFD is refused, as cohort cannot tell the two apart.
 */
import fs from "node:fs";
import { isUtf8 } from "node:buffer";
import { UserError } from "../util/errors.js";
import { describeInvalid, showBytes, Utf8Error } from "../util/utf8.js";

const REPLACEMENT = "\uFFFD";

/** Throws a UserError naming the first argument that was not valid UTF-8. */
export function checkArgsUtf8(args: readonly string[], raw: () => Buffer[] | undefined = () => rawArgs(args)): void {
  if (!args.some((a) => a.includes(REPLACEMENT))) return;
  const bytes = raw();
  args.forEach((arg, i) => {
    if (!arg.includes(REPLACEMENT)) return;
    const b = bytes?.[i];
    if (b === undefined) {
      throw new UserError(
        `argument ${i + 1} ${JSON.stringify(arg)} holds U+FFFD, which may stand for bytes that are not UTF-8`,
        "cohort cannot read the raw arguments here, so it refuses U+FFFD in them; give the text without it",
      );
    }
    if (!isUtf8(b)) throw new Utf8Error(`argument ${i + 1} '${showBytes(b)}'`, describeInvalid(b, false));
  });
}

/**
 * The raw bytes of `args`, when they are the last arguments of this process (as `bin/cohort` passes
 * them) and /proc/self/cmdline can be read; else undefined.
 */
function rawArgs(args: readonly string[]): Buffer[] | undefined {
  const argv = process.argv;
  const offset = argv.length - args.length;
  if (offset < 0 || !args.every((a, i) => a === argv[offset + i])) return undefined;
  let cmdline: Buffer;
  try {
    cmdline = fs.readFileSync("/proc/self/cmdline");
  } catch {
    return undefined;
  }
  // NUL-terminated strings; node's own options come before the script, the arguments last
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = cmdline.indexOf(0); i !== -1; i = cmdline.indexOf(0, start)) {
    parts.push(cmdline.subarray(start, i));
    start = i + 1;
  }
  if (parts.length < args.length) return undefined;
  const tail = parts.slice(parts.length - args.length);
  // a byte-for-byte check that the tail is these arguments: each decodes to its argument
  return tail.every((b, i) => b.toString("utf8") === args[i]) ? tail : undefined;
}
