import { describe, expect, it } from "vitest";
import { checkArgsUtf8 } from "../../src/cli/argv.js";

const raw = (...args: (string | number[])[]) => () => args.map((a) => (typeof a === "string" ? Buffer.from(a) : Buffer.from(a)));

describe("checkArgsUtf8", () => {
  it("does not look at the raw bytes when no argument holds U+FFFD", () => {
    expect(() =>
      checkArgsUtf8(["job", "init", "a=é"], () => {
        throw new Error("read");
      }),
    ).not.toThrow();
  });

  it("refuses an argument whose U+FFFD stands for bytes that are not UTF-8", () => {
    expect(() => checkArgsUtf8(["job", "init", "a=\uFFFD\uFFFD"], raw("job", "init", [0x61, 0x3d, 0xff, 0xfe]))).toThrow(
      "argument 3 'a=\\xff\\xfe' is not valid UTF-8: byte 0xff at column 3",
    );
  });

  it("keeps a U+FFFD that the raw bytes hold", () => {
    expect(() => checkArgsUtf8(["doc", "a\uFFFD"], raw("doc", "a\uFFFD"))).not.toThrow();
  });

  it("refuses U+FFFD when the raw bytes cannot be read", () => {
    expect(() => checkArgsUtf8(["find", "a", "\uFFFD"], () => undefined)).toThrow(/argument 3 "\uFFFD" holds U\+FFFD/);
  });
});
