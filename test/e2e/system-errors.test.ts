import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COHORT, cohort, lines, tempDir, tmpfsDisk } from "../helpers.js";

/** One line naming the failure, exit code 1, no stack trace. */
function expectOneLine(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(lines(r.stderr)).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe("an error the system reports", () => {
  it.skipIf(!fs.existsSync("/proc/self"))("cohort init /proc/x fails at once, naming the directory it could not make", () => {
    const r = spawnSync(process.execPath, [COHORT, "init", "/proc/x"], { cwd: tempDir(), encoding: "utf8", timeout: 15_000 });
    expect(r.signal, "cohort init /proc/x did not end").toBeNull();
    expectOneLine({ code: r.status, stderr: r.stderr }, /^cohort: error: cannot create the directory \/proc\/x: no such file or directory \(ENOENT\)$/m);
  });

  const disk = tmpfsDisk("size=1m");
  describe.skipIf(!disk && !process.env.CI)("on a read-only file system", () => {
    it("is named read-only (EROFS), in one line, by every command that writes", () => {
      expect(disk, "mounting a tmpfs needs root, which CI has").toBeDefined();
      const dir = path.join(disk!, "p");
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.a]\ncommand = "echo hi"\n`);
      expect(cohort(["init", "i={1..2}"], { cwd: dir }).code).toBe(0);
      fs.rmSync(path.join(dir, ".cohort"), { recursive: true, force: true });
      expect(spawnSync("mount", ["-o", "remount,ro", disk!]).status).toBe(0);

      expectOneLine(cohort(["init", "sub"], { cwd: dir }), new RegExp(`^cohort: error: cannot create the directory ${path.join(dir, "sub")}: read-only file system \\(EROFS\\)$`, "m"));
      expectOneLine(cohort(["job", "init", '{"i": 5}'], { cwd: dir }), /^cohort: error: cannot create the directory \S+\/workspace\/[0-9a-f]{32}: read-only file system \(EROFS\)$/m);
      expectOneLine(cohort(["run", "-o", "a"], { cwd: dir }), new RegExp(`^cohort: error: cannot create the directory ${path.join(dir, ".cohort")}: read-only file system \\(EROFS\\)$`, "m"));
      // Reading still works.
      expect(cohort(["find"], { cwd: dir }).code).toBe(0);
    });
  });
});
