import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { systemErrorText } from "../../src/util/errors.js";
import { tempDir } from "../helpers.js";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("it did not throw");
}

describe("systemErrorText", () => {
  it("says what a failed system call tried, on which path, and the system's reason with its code", () => {
    const file = path.join(tempDir(), "none", "x");
    expect(systemErrorText(thrown(() => fs.mkdirSync(file)))).toBe(`cannot create the directory ${file}: no such file or directory (ENOENT)`);
    expect(systemErrorText(thrown(() => fs.readFileSync(file)))).toBe(`cannot open ${file}: no such file or directory (ENOENT)`);
    const from = path.join(tempDir(), "a");
    expect(systemErrorText(thrown(() => fs.renameSync(from, file)))).toBe(`cannot rename ${from} to ${file}: no such file or directory (ENOENT)`);
  });

  it("is undefined for errors that are not a system call's", () => {
    expect(systemErrorText(new Error("x"))).toBeUndefined();
    expect(systemErrorText(Object.assign(new Error("x"), { code: "ENOSPC" }))).toBeUndefined();
    expect(systemErrorText("EROFS")).toBeUndefined();
  });
});
