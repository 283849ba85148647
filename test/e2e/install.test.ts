import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, tempDir } from "../helpers.js";

describe("npm install -g .", () => {
  it("puts a working cohort on the PATH", () => {
    const prefix = tempDir();
    const npm = spawnSync("npm", ["install", "-g", ROOT, "--prefix", prefix, "--ignore-scripts", "--no-audit", "--no-fund"], { encoding: "utf8" });
    expect(npm.status, npm.stderr).toBe(0);
    const bin = path.join(prefix, "bin", "cohort");
    expect(fs.existsSync(bin)).toBe(true);
    const r = spawnSync(bin, ["job", "id", '{"a": 1.0}'], { cwd: tempDir(), encoding: "utf8" });
    expect(r.stdout).toBe("4b8937963abc9e9148b4524d4f837b4b\n");
  });
});
