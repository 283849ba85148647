import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pidIsAlive, processStart, procStatFields } from "../../src/util/process.js";
import { deadPid, tempDir } from "../helpers.js";

/**
 * A zombie: a process that has exited and whose parent never collects it. The shell starts a short
 * `sleep` in the background, prints its pid, and becomes a long `sleep`, which never waits for children.
 * (The short one must outlive the shell: a shell may collect a child that ends before it execs.)
 */
async function withZombie(f: (pid: number) => void): Promise<void> {
  const parent = spawn("/bin/sh", ["-c", "sleep 1 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
  try {
    const pid = await new Promise<number>((resolve) => parent.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
    for (let i = 0; i < 500 && procStatFields(pid)?.[0] !== "Z"; i++) await new Promise((r) => setTimeout(r, 10));
    expect(procStatFields(pid)?.[0]).toBe("Z");
    f(pid);
  } finally {
    parent.kill("SIGKILL");
  }
}

describe.skipIf(!fs.existsSync("/proc/self/stat"))("pidIsAlive", () => {
  it("a running process is alive; one that has ended and been collected is not", () => {
    expect(pidIsAlive(process.pid)).toBe(true);
    expect(pidIsAlive(deadPid())).toBe(false);
    expect(pidIsAlive(0)).toBe(false);
    expect(pidIsAlive(-1)).toBe(false);
  });

  it("with a start time, only the process that started then is alive: a pid given to another is not", () => {
    const start = processStart(process.pid)!;
    expect(Number.isSafeInteger(start)).toBe(true);
    expect(pidIsAlive(process.pid, start)).toBe(true);
    expect(pidIsAlive(process.pid, start + 1)).toBe(false);
    expect(pidIsAlive(deadPid(), start)).toBe(false);
  });

  it("a zombie is not alive, though kill(pid, 0) still finds it", async () => {
    await withZombie((pid) => {
      expect(() => process.kill(pid, 0)).not.toThrow();
      expect(pidIsAlive(pid)).toBe(false);
    });
  });
});

describe.skipIf(!fs.existsSync("/proc/self/stat"))("procStatFields", () => {
  it("gives the fields after the command name, whatever the name holds", async () => {
    const fields = procStatFields(process.pid)!;
    expect(fields[0]).toBe("R");
    expect(Number(fields[1])).toBe(process.ppid);
    expect(procStatFields(deadPid())).toBeUndefined();
    // A program named with a space and parentheses: the file shows its name as "(x) (y)".
    const program = path.join(tempDir(), "x) (y");
    fs.copyFileSync("/bin/sleep", program);
    fs.chmodSync(program, 0o755);
    const child = spawn(program, ["30"], { stdio: "ignore" });
    try {
      await new Promise((r) => child.once("spawn", r));
      const f = procStatFields(child.pid!)!;
      expect(f[0]).toMatch(/^[RS]$/);
      expect(Number(f[1])).toBe(process.pid);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
