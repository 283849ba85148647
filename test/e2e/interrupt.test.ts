import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readCheckedFile } from "../../src/util/checked-file.js";
import { COHORT, cohort, lines, tempDir } from "../helpers.js";

describe("interrupting and piping", () => {
  it("Ctrl-C during init of a grid stops cleanly: every job made is complete and indexed", async () => {
    const dir = tempDir();
    cohort(["init"], { cwd: dir });
    const child = spawn(process.execPath, [COHORT, "init", "i={0..199999}"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const ws = path.join(dir, "workspace");
    while (fs.readdirSync(ws).length < 500) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    expect(code).toBe(130);
    expect(stderr).toContain("cohort: stopping after the job in hand (SIGINT again to exit at once)");
    const made = fs.readdirSync(ws);
    expect(made.length).toBeLessThan(200000);
    // the index written on the way out holds exactly the jobs on disk
    const cache = JSON.parse(readCheckedFile(path.join(dir, ".cohort", "cache", "jobs.json"))!.toString("utf8"));
    expect([...cache.ids].sort()).toEqual([...made].sort());
    expect(cohort(["check"], { cwd: dir }).stdout).toBe("workspace OK\n");
    expect(lines(cohort(["find"], { cwd: dir }).stdout)).toHaveLength(made.length);
  });

  it("a closed pipe ends the output quietly", () => {
    const dir = tempDir();
    cohort(["init", "i={0..20000}"], { cwd: dir });
    const r = spawnSync("bash", ["-c", `set -o pipefail; "${process.execPath}" "${COHORT}" find | head -1`], { cwd: dir, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toHaveLength(1);
    expect(r.stderr).toBe("");
  });
});
