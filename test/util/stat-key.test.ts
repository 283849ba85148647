import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { keyAt, keyNumbers, sameKey, settled, statKey, TRUST_MARGIN_MS } from "../../src/util/stat-key.js";
import { tempDir } from "../helpers.js";

describe("the stat key of a file", () => {
  it("changes with an in-place write, a rename over it, and a modification time set back", () => {
    const file = path.join(tempDir(), "f");
    fs.writeFileSync(file, "abc");
    fs.utimesSync(file, 1e9, 1e9);
    const first = statKey(file)!;
    expect(sameKey(first, statKey(file)!)).toBe(true);
    // the same size, the modification time set back: the change time moved
    fs.writeFileSync(file, "xyz");
    fs.utimesSync(file, 1e9, 1e9);
    const second = statKey(file)!;
    expect(second).toMatchObject({ size: first.size, mtimeMs: first.mtimeMs });
    expect(sameKey(first, second)).toBe(false);
    // replaced by a rename: a new inode
    fs.writeFileSync(file + ".new", "xyz");
    fs.renameSync(file + ".new", file);
    expect(statKey(file)!.ino).not.toBe(second.ino);
    expect(sameKey(second, statKey(file)!)).toBe(false);
    expect(statKey(file + ".gone")).toBeUndefined();
  });

  it("is settled once its modification time is TRUST_MARGIN_MS older than the moment it was taken", () => {
    const key = { mtimeMs: 10_000, ctimeMs: 10_000, size: 1, ino: 1 };
    expect(settled(key, 10_000 + TRUST_MARGIN_MS)).toBe(false);
    expect(settled(key, 10_001 + TRUST_MARGIN_MS)).toBe(true);
  });

  it("is kept as four numbers", () => {
    const key = { mtimeMs: 1.5, ctimeMs: 2.5, size: 3, ino: 4 };
    expect(keyAt([9, ...keyNumbers(key)], 1)).toEqual(key);
  });
});
