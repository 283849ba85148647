/**
 * Strict UTF-8: text cohort reads from the user's files and arguments must be valid UTF-8. Node's own
 * decoding replaces a bad byte with U+FFFD, which cohort would then write back or hash: the byte would
 * be lost, and two different byte strings would become one state point.
 */
import { isUtf8 } from "node:buffer";
import { UserError } from "./errors.js";

/** Where a byte string stops being UTF-8, for messages: `byte 0xff at line 1, column 9`. */
export class Utf8Error extends UserError {
  constructor(
    /** What holds the bytes: a file's path, or `argument 3`. */
    readonly source: string,
    /** The place and the byte: `byte 0xff at line 1, column 9`. */
    readonly detail: string,
  ) {
    super(`${source} is not valid UTF-8: ${detail}`, "cohort reads text as UTF-8 and never replaces a byte; convert it, e.g. with iconv -f latin1 -t utf-8");
    this.name = "Utf8Error";
  }
}

/**
 * The text of `bytes`, which must be valid UTF-8; otherwise a Utf8Error naming `source` and where the
 * first bad byte is. One pass of Node's validator before the decoding (a few percent of a small read).
 */
export function decodeUtf8(bytes: Buffer, source: string): string {
  if (!isUtf8(bytes)) throw new Utf8Error(source, describeInvalid(bytes));
  return bytes.toString("utf8");
}

/** The offset of the first byte that does not start a valid UTF-8 sequence, or -1 when all is valid. */
export function firstInvalidByte(b: Uint8Array): number {
  const n = b.length;
  const cont = (i: number, lo = 0x80, hi = 0xbf) => i < n && b[i] >= lo && b[i] <= hi;
  let i = 0;
  while (i < n) {
    const c = b[i];
    let len: number;
    if (c < 0x80) len = 1;
    else if (c >= 0xc2 && c <= 0xdf) len = cont(i + 1) ? 2 : 0;
    else if (c >= 0xe0 && c <= 0xef) {
      // E0 needs A0.. (no overlong forms), ED needs ..9F (no surrogates)
      const ok = cont(i + 1, c === 0xe0 ? 0xa0 : 0x80, c === 0xed ? 0x9f : 0xbf) && cont(i + 2);
      len = ok ? 3 : 0;
    } else if (c >= 0xf0 && c <= 0xf4) {
      // F0 needs 90.. (no overlong forms), F4 needs ..8F (nothing above U+10FFFF)
      const ok = cont(i + 1, c === 0xf0 ? 0x90 : 0x80, c === 0xf4 ? 0x8f : 0xbf) && cont(i + 2) && cont(i + 3);
      len = ok ? 4 : 0;
    } else len = 0;
    if (len === 0) return i;
    i += len;
  }
  return -1;
}

/**
 * `byte 0xff at line 2, column 5` for the first bad byte of `bytes` (columns count characters), or
 * `byte 0xff at column 5` for text that is one line by nature (an argument).
 */
export function describeInvalid(bytes: Uint8Array, lines = true): string {
  const at = firstInvalidByte(bytes);
  if (at < 0) return "no invalid byte";
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const before = Buffer.from(bytes.buffer, bytes.byteOffset + lineStart, at - lineStart).toString("utf8");
  const column = [...before].length + 1;
  return `byte ${hexByte(bytes[at])} at ${lines ? `line ${line}, ` : ""}column ${column}`;
}

const hexByte = (b: number) => `0x${b.toString(16).padStart(2, "0")}`;

/** The bytes as text for a message, each invalid byte written `\xff`. */
export function showBytes(bytes: Uint8Array): string {
  let out = "";
  let rest = Buffer.from(bytes);
  for (let at = firstInvalidByte(rest); at >= 0; at = firstInvalidByte(rest)) {
    out += rest.toString("utf8", 0, at) + "\\x" + rest[at].toString(16).padStart(2, "0");
    rest = rest.subarray(at + 1);
  }
  return out + rest.toString("utf8");
}

/**
 * The length of `bytes` up to a UTF-8 sequence its end cuts short (a chunk of a longer text), so that
 * the next chunk starts with that character whole. Bytes that are not UTF-8 there are left as they are.
 */
export function wholeUtf8Length(bytes: Uint8Array): number {
  for (let i = bytes.length - 1; i >= 0 && i >= bytes.length - 4; i--) {
    const b = bytes[i];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: its lead is further back
    const need = b >= 0xf8 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return bytes.length - i < need ? i : bytes.length;
  }
  return bytes.length;
}
