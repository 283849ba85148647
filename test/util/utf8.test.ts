import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readFileIfExists, readSmallFileSync, readTextFile } from "../../src/util/fs.js";
import { decodeUtf8, describeInvalid, firstInvalidByte, showBytes, Utf8Error, wholeUtf8Length } from "../../src/util/utf8.js";
import { tempDir } from "../helpers.js";

const strict = new TextDecoder("utf-8", { fatal: true });
const isValid = (b: Uint8Array) => {
  try {
    strict.decode(b);
    return true;
  } catch {
    return false;
  }
};

// Bytes around the edges of UTF-8's rules: continuation bytes, overlong leads, surrogates, > U+10FFFF.
const edgeByte = fc.constantFrom(0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff);
const bytes = fc.array(fc.oneof(edgeByte, fc.integer({ min: 0, max: 255 })), { maxLength: 12 }).map((a) => Buffer.from(a));

describe("firstInvalidByte", () => {
  it("agrees with a fatal TextDecoder, and the bytes before it are valid", () => {
    fc.assert(
      fc.property(bytes, (b) => {
        const at = firstInvalidByte(b);
        expect(at === -1).toBe(isValid(b));
        if (at >= 0) expect(isValid(b.subarray(0, at))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it("finds nothing in any text encoded as UTF-8", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(firstInvalidByte(Buffer.from(s))).toBe(-1);
      }),
    );
  });
});

describe("decodeUtf8", () => {
  it("decodes valid UTF-8, U+FFFD included", () => {
    expect(decodeUtf8(Buffer.from("é \uFFFD 😀"), "f")).toBe("é \uFFFD 😀");
  });

  it.each([
    [[0x61, 0xff], "byte 0xff at line 1, column 2"],
    [[0x0a, 0xc3, 0xa9, 0xe9], "byte 0xe9 at line 2, column 2"], // é then Latin-1 é
    [[0xed, 0xa0, 0x80], "byte 0xed at line 1, column 1"], // an encoded surrogate
    [[0xc0, 0xaf], "byte 0xc0 at line 1, column 1"], // an overlong '/'
    [[0x61, 0xe2, 0x82], "byte 0xe2 at line 1, column 2"], // cut short at the end
  ])("refuses %j: %s", (b, detail) => {
    const err = (() => {
      try {
        decodeUtf8(Buffer.from(b), "the file");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(Utf8Error);
    expect((err as Utf8Error).message).toBe(`the file is not valid UTF-8: ${detail}`);
  });

  it("describes an argument by column only, and shows its bad bytes escaped", () => {
    expect(describeInvalid(Buffer.from([0x61, 0x3d, 0xff, 0xfe]), false)).toBe("byte 0xff at column 3");
    expect(showBytes(Buffer.from([0x61, 0x3d, 0xff, 0xfe, 0x62]))).toBe("a=\\xff\\xfeb");
  });
});

describe("reading text files", () => {
  const dir = tempDir();
  const bad = path.join(dir, "bad.json");
  fs.writeFileSync(bad, Buffer.from([0x7b, 0x7d, 0x0a, 0xff]));

  it.each([
    ["readTextFile", readTextFile],
    ["readFileIfExists", readFileIfExists],
    ["readSmallFileSync", readSmallFileSync],
  ])("%s refuses bytes that are not UTF-8, naming the file and line", (_name, read) => {
    expect(() => read(bad)).toThrow(`${bad} is not valid UTF-8: byte 0xff at line 2, column 1`);
  });

  it("reads valid files as before", () => {
    const good = path.join(dir, "good.json");
    fs.writeFileSync(good, '{"a": "é"}');
    expect(readSmallFileSync(good)).toBe('{"a": "é"}');
    expect(readFileIfExists(good)).toBe('{"a": "é"}');
    expect(readFileIfExists(path.join(dir, "missing"))).toBeUndefined();
  });

  it("reads files of every size whole: empty, around the first read's 1 KiB, and far beyond", () => {
    const file = path.join(dir, "sized.json");
    for (const n of [0, 1, 1023, 1024, 1025, 4096, 3_000_001]) {
      // two-byte characters, so that some sizes split one across the first read's end
      const text = "é".repeat(Math.floor(n / 2)) + "x".repeat(n % 2);
      fs.writeFileSync(file, text);
      expect(readSmallFileSync(file)).toBe(text);
      expect(readFileIfExists(file)).toBe(text);
    }
  });
});

describe("wholeUtf8Length", () => {
  it("cuts a chunk before a character its end splits, never elsewhere (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1 }), fc.nat(), (text, at) => {
        const bytes = Buffer.from(text, "utf8");
        const chunk = bytes.subarray(0, at % (bytes.length + 1));
        const n = wholeUtf8Length(chunk);
        // a boundary of characters: what is kept decodes strictly, and no more of the chunk would
        expect(isValid(chunk.subarray(0, n))).toBe(true);
        if (n < chunk.length) expect(isValid(chunk)).toBe(false);
        expect(chunk.length - n).toBeLessThan(4);
      }),
    );
    expect(wholeUtf8Length(Buffer.from([0x61, 0xc3]))).toBe(1);
    expect(wholeUtf8Length(Buffer.from([0x61, 0xc3, 0xa9]))).toBe(3);
    expect(wholeUtf8Length(Buffer.from([0xf0, 0x9f, 0x8e]))).toBe(0);
    expect(wholeUtf8Length(Buffer.from([0xff, 0xfe]))).toBe(2); // not UTF-8: left as it is
  });
});
