import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeDirs } from "../../src/util/fs.js";
import { tempDir } from "../helpers.js";

const mounted: string[] = [];
afterAll(() => {
  for (const dir of mounted) spawnSync("umount", ["-l", dir]);
});

/** A small tmpfs mounted read-only (root on Linux), or undefined where one cannot be mounted. */
function readOnlyDisk(): string | undefined {
  const dir = tempDir();
  if (spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k,ro", "tmpfs", dir]).status !== 0) return undefined;
  mounted.push(dir);
  return dir;
}

describe("makeDirs", () => {
  it("makes a directory and its missing parents, and accepts one that exists", () => {
    const dir = path.join(tempDir(), "a", "b", "c");
    makeDirs(dir);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    makeDirs(dir);
    makeDirs(path.dirname(dir));
    expect(fs.readdirSync(path.dirname(dir))).toEqual(["c"]);
  });

  it("refuses a path where a file is in the way", () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, "f"), "x");
    expect(() => makeDirs(path.join(root, "f"))).toThrow(expect.objectContaining({ code: "EEXIST" }));
    expect(() => makeDirs(path.join(root, "f", "g"))).toThrow(expect.objectContaining({ code: "ENOTDIR" }));
  });

  it.skipIf(!fs.existsSync("/proc/self"))("fails at once where the kernel says ENOENT under a directory that exists (/proc)", () => {
    expect(() => makeDirs("/proc/cohort-test/x")).toThrow(expect.objectContaining({ code: "ENOENT", path: "/proc/cohort-test" }));
  });

  const ro = readOnlyDisk();
  describe.skipIf(!ro && !process.env.CI)("on a read-only file system", () => {
    it("reports EROFS for the first directory it could not make, not ENOENT", () => {
      expect(ro, "mounting a tmpfs needs root, which CI has").toBeDefined();
      expect(() => makeDirs(path.join(ro!, "a", "b"))).toThrow(expect.objectContaining({ code: "EROFS", syscall: "mkdir", path: path.join(ro!, "a") }));
    });
  });
});
