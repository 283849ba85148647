import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readLedger } from "../../src/runs/ledger.js";
import { cohort, lines, tempDir } from "../helpers.js";

/** A small file system of its own (a tmpfs: root on Linux), or undefined where one cannot be mounted. */
function smallDisk(kb: number): string | undefined {
  const dir = tempDir();
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${kb}k`, "tmpfs", dir], { encoding: "utf8" });
  return r.status === 0 ? dir : undefined;
}

const mounted: string[] = [];
afterAll(() => {
  for (const dir of mounted) spawnSync("umount", ["-l", dir]);
});

const disk = smallDisk(400);
if (disk) mounted.push(disk);

describe.skipIf(!disk && !process.env.CI)("a full disk while a run writes its output", () => {
  it("ends that run as error with one line, and damages nothing else", () => {
    expect(disk, "mounting a tmpfs needs root, which CI has").toBeDefined();
    const dir = path.join(disk!, "p");
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, "cohort.toml"),
      `[operations.small]\ncommand = "echo fine > small.txt"\npost = [{ isfile = "small.txt" }]\n\n[operations.flood]\ncommand = "yes x | head -c 2000000; echo after > after.txt"\nflags = { n = 0 }\n`,
    );
    expect(cohort(["init", "i={1..3}"], { cwd: dir }).code).toBe(0);
    expect(cohort(["run", "-o", "small", "-q"], { cwd: dir }).code).toBe(0);
    const before = fs.readFileSync(path.join(dir, "cohort.toml"), "utf8");

    const r = cohort(["run", "flood", "-q"], { cwd: dir });
    expect(r.code).toBe(1);
    const failures = lines(r.stderr).filter((l) => /error {2}flood/.test(l));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/its output could not be written: .*(ENOSPC|no space)/i);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace

    // The run ended as error; the earlier runs and the project are as they were.
    const ledger = readLedger(dir);
    const runs = [...ledger.runs.values()];
    expect(runs.filter((x) => x.operation === "small").map((x) => x.exit)).toEqual([0, 0, 0]);
    const flood = runs.find((x) => x.operation === "flood")!;
    expect(flood.exit).toBe(1);
    expect(fs.readFileSync(path.join(dir, "cohort.toml"), "utf8")).toBe(before);
    const listed = cohort(["runs", "--json"], { cwd: dir });
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { status: string; operation: string }[]).map((x) => `${x.operation} ${x.status}`).sort()).toEqual(["flood error", "small completed", "small completed", "small completed"]);
  });
});
