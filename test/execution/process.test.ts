import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { afterAll, beforeAll } from "vitest";
import { Starter, type StarterMessage, type StarterRequest } from "../../src/execution/starter.js";
import { packageFile } from "../../src/util/package-file.js";
import { groupAlive, runShell as runHere, type RunShellOptions, type ShellResult } from "../../src/execution/process.js";
import { tempDir } from "../helpers.js";

interface Proc {
  pid: number;
  pgid: number;
  stat: string;
}

function processes(): Proc[] {
  return execFileSync("ps", ["-eo", "pid=,pgid=,stat="], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => {
      const [pid, pgid, stat] = l.trim().split(/\s+/);
      return { pid: Number(pid), pgid: Number(pgid), stat };
    });
}

/** The processes of a group that still live (zombies hold nothing and do not count). */
function liveMembers(pgid: number): Proc[] {
  return processes().filter((p) => p.pgid === pgid && !p.stat.startsWith("Z"));
}

/** Whether a process exists and is not a zombie. */
function isLive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return processes().some((p) => p.pid === pid && !p.stat.startsWith("Z"));
}

const base = tempDir();
/** The runner under test: cohort itself, or a starter (starter.ts), which must behave the same. */
let runShell: (command: string, opts: RunShellOptions) => Promise<ShellResult> = runHere;
let count = 0;

function setup(extra: Partial<RunShellOptions> = {}) {
  const dir = path.join(base, String(count++));
  fs.mkdirSync(dir);
  const file = path.join(dir, "output");
  const chunks: Buffer[] = [];
  const opts: RunShellOptions = { cwd: dir, output: { file, echo: (c) => chunks.push(Buffer.from(c)) }, ...extra };
  return { dir, file, chunks, echoed: () => Buffer.concat(chunks), opts, output: () => fs.readFileSync(file, "utf8") };
}

/** Runs a command, remembering the live members of its group shortly after it started. */
async function runWatched(command: string, extra: Partial<RunShellOptions> = {}) {
  const s = setup(extra);
  let members: Proc[] = [];
  let startedPid = 0;
  const watch = new Promise<void>((resolve) => {
    s.opts.onStarted = (pid) => {
      startedPid = pid;
      setTimeout(() => {
        members = liveMembers(pid);
        resolve();
      }, 150);
    };
  });
  const t0 = Date.now();
  const result = await runShell(command, s.opts);
  await watch;
  return { ...s, result, members, startedPid, elapsed: Date.now() - t0 };
}

const starter = new Starter();
afterAll(() => starter.close());

describe.each([
  ["runShell", runHere],
  ["a starter", (command: string, opts: RunShellOptions) => starter.run(command, opts)],
])("%s", (_name, runner) => {
  beforeAll(() => {
    runShell = runner;
  });

  it("runs a command, merging stdout and stderr in order into the file and the echo", async () => {
    const s = setup();
    fs.writeFileSync(s.file, "before\n");
    const r = await runShell("echo out; echo err >&2; printf 'é\\n'; echo more >&2; exit 3", s.opts);
    expect(r.exitCode).toBe(3);
    expect(r.timedOut).toBe(false);
    expect(r.pid).toBeGreaterThan(0);
    expect(s.output()).toBe("before\nout\nerr\né\nmore\n");
    expect(s.echoed().toString()).toBe("out\nerr\né\nmore\n");
  });

  it("echoes the bytes written, untouched: invalid UTF-8, and a character split across two reads", async () => {
    const s = setup();
    // 0xff 0xfe and a lone 0x80 are no UTF-8; "€" (e2 82 ac) comes in two writes 0.3 s apart, so in two reads.
    const r = await runShell("printf '\\377\\376a\\200\\342\\202'; sleep 0.3; printf '\\254\\n'; head -c 3000000 /dev/urandom", s.opts);
    expect(r.exitCode).toBe(0);
    const written = fs.readFileSync(s.file);
    expect(written.subarray(0, 8)).toEqual(Buffer.from([0xff, 0xfe, 0x61, 0x80, 0xe2, 0x82, 0xac, 0x0a]));
    expect(written.length).toBe(3_000_008);
    expect(s.chunks.length).toBeGreaterThan(1);
    expect(s.echoed().equals(written)).toBe(true);
  });

  it("runs in its directory with the extra environment, stdin empty, in a group of its own", async () => {
    const s = setup({ env: { COHORT_TEST: "a b" } });
    let started = 0;
    s.opts.onStarted = (pid) => (started = pid);
    const r = await runShell('pwd; printf "%s\\n" "$COHORT_TEST"; cat; echo "$PATH" | grep -c /; ps -o pgid= -p $$', s.opts);
    expect(r.exitCode).toBe(0);
    expect(started).toBe(r.pid);
    const lines = s.output().split("\n");
    expect(fs.realpathSync(lines[0])).toBe(fs.realpathSync(s.dir));
    expect(lines[1]).toBe("a b");
    expect(lines[2]).toBe("1");
    expect(Number(lines[3])).toBe(r.pid);
  });

  it("reports death by a signal as a negative exit code", async () => {
    const s = setup();
    expect((await runShell("kill -9 $$", s.opts)).exitCode).toBe(-9);
    expect((await runShell("kill -TERM $$", s.opts)).exitCode).toBe(-15);
  });

  it("stops the whole process tree on timeout", async () => {
    const r = await runWatched("sh -c 'sleep 30 & sleep 30'", { timeoutMs: 400 });
    expect(r.result).toEqual({ exitCode: -15, pid: r.startedPid, timedOut: true });
    expect(r.elapsed).toBeLessThan(5000);
    // this shell, the inner sh and its two sleeps
    expect(r.members.length).toBeGreaterThanOrEqual(3);
    for (const p of r.members) expect(isLive(p.pid), `process ${p.pid}`).toBe(false);
    expect(liveMembers(r.result.pid)).toEqual([]);
    expect(groupAlive(r.result.pid)).toBe(false);
  });

  it("honours a timeout beyond setTimeout's 24.8 days: the command completes", async () => {
    for (const days of [30, 365 * 5]) {
      const s = setup({ timeoutMs: days * 86_400_000 });
      const r = await runShell("sleep 0.3; echo done", s.opts);
      expect(r).toMatchObject({ exitCode: 0, timedOut: false });
      expect(s.output()).toBe("done\n");
    }
  });

  it("stops the whole process tree on abort", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const r = await runWatched("sleep 30 & sh -c 'sleep 30; echo never'", { signal: controller.signal });
    expect(r.result.exitCode).toBe(-15);
    expect(r.result.timedOut).toBe(false);
    expect(r.elapsed).toBeLessThan(5000);
    expect(r.members.length).toBeGreaterThanOrEqual(3);
    for (const p of r.members) expect(isLive(p.pid), `process ${p.pid}`).toBe(false);
    expect(r.output()).not.toContain("never");
  });

  it("kills what ignores SIGTERM after the grace period", async () => {
    const r = await runWatched("trap '' TERM; sleep 30 & sleep 30", { timeoutMs: 200, graceMs: 500 });
    expect(r.result.exitCode).toBe(-9);
    expect(r.result.timedOut).toBe(true);
    expect(r.elapsed).toBeGreaterThanOrEqual(650);
    expect(r.elapsed).toBeLessThan(5000);
    for (const p of r.members) expect(isLive(p.pid), `process ${p.pid}`).toBe(false);
  });

  it("reports a terminated run even when the command exits by itself on SIGTERM", async () => {
    const r = await runWatched("trap 'echo caught; exit 0' TERM; sleep 30 & wait", { timeoutMs: 300 });
    expect(r.result.exitCode).toBe(-15);
    expect(r.output()).toContain("caught");
    for (const p of r.members) expect(isLive(p.pid), `process ${p.pid}`).toBe(false);
  });

  /** Kills the command's `sleep` the way a scheduler signals a whole process tree, then maybe aborts after `abortAfterMs`. */
  async function killedFromOutside(abortAfterMs: number | undefined) {
    const controller = new AbortController();
    const s = setup({ signal: controller.signal });
    const pidFile = path.join(s.dir, "pid");
    const running = runShell(`sleep 30 & echo $! > ${pidFile}; wait $!`, s.opts);
    while (!fs.existsSync(pidFile) || fs.readFileSync(pidFile, "utf8").trim() === "") await new Promise((r) => setTimeout(r, 10));
    process.kill(Number(fs.readFileSync(pidFile, "utf8")), "SIGTERM");
    if (abortAfterMs !== undefined) setTimeout(() => controller.abort(), abortAfterMs);
    return (await running).exitCode;
  }

  it("reads a command killed by the signal that also stops cohort as terminated, even when the shell ends first", async () => {
    expect(await killedFromOutside(20)).toBe(-15);
  });

  it("reads a command killed by a signal that does not stop cohort as an error (the shell's 128+N)", async () => {
    expect(await killedFromOutside(undefined)).toBe(143);
  });

  it("leaves no background process behind when the command ends", async () => {
    const r = await runWatched("sleep 30 & sleep 30 >/dev/null 2>&1 & sleep 0.5; echo done");
    expect(r.result.exitCode).toBe(0);
    expect(r.output()).toBe("done\n");
    expect(r.elapsed).toBeLessThan(5000);
    expect(r.members.length).toBeGreaterThanOrEqual(3);
    for (const p of r.members) expect(isLive(p.pid), `process ${p.pid}`).toBe(false);
  });

  it("does not wait for a process that left the group holding the output", async () => {
    const s = setup();
    const t0 = Date.now();
    const r = await runShell("setsid sleep 3 & sleep 0.2; echo hi", s.opts);
    expect(r.exitCode).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(s.output()).toBe("hi\n");
  });

  it("reports a command that cannot start in its output", async () => {
    const s = setup();
    const r = await runShell("echo hi", { ...s.opts, cwd: path.join(s.dir, "missing") });
    expect(r).toEqual({ exitCode: 127, pid: 0, timedOut: false });
    expect(s.output()).toMatch(/working directory .*missing does not exist/);
    expect(s.echoed().toString()).toBe(s.output());

    const controller = new AbortController();
    controller.abort();
    const a = await runShell("echo hi", { ...s.opts, signal: controller.signal });
    expect(a).toEqual({ exitCode: -15, pid: 0, timedOut: false });
    expect(s.output()).toMatch(/interrupted before/);
  });

  it("reports a missing program as the shell does", async () => {
    const s = setup();
    const r = await runShell("no-such-program-cohort", s.opts);
    expect(r.exitCode).toBe(127);
    expect(s.output()).toMatch(/not found/);
  });

  it("passes an error of onStarted on after stopping the command", async () => {
    const s = setup({
      onStarted: () => {
        throw new Error("lock failed");
      },
    });
    await expect(runShell("sleep 30", s.opts)).rejects.toThrow("lock failed");
  });
});

describe("a starter", () => {
  it("that dies during a command reads that command as killed, and starts again for the next", async () => {
    const l = new Starter();
    try {
      const s = setup();
      // The command's parent is the starter.
      const r = await l.run("kill -9 $PPID; sleep 0.5", s.opts);
      expect(r.exitCode).toBe(-9);
      const next = await l.run("echo again", s.opts);
      expect(next.exitCode).toBe(0);
      expect(s.output()).toBe("again\n");
    } finally {
      l.close();
    }
  });

  it("tells a command's pid only when asked: each message wakes both processes", async () => {
    // The starter's own protocol (starter-process.ts), as the built script speaks it.
    const child = spawn(process.execPath, [packageFile("dist/execution/starter-process.js")], { stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "json" });
    try {
      const messages: string[] = [];
      let received: () => void = () => {};
      child.on("message", (m: StarterMessage) => {
        messages.push(m.type);
        if (m.type === "ready" || m.type === "done") received();
      });
      const next = () => new Promise<void>((resolve) => (received = resolve));
      await next();
      for (const notify of [false, true]) {
        const s = setup();
        const done = next();
        child.send({ type: "run", command: "true", cwd: s.dir, env: {}, file: s.file, notify } satisfies StarterRequest);
        await done;
      }
      expect(messages).toEqual(["ready", "done", "started", "done"]);
    } finally {
      child.disconnect();
    }
  });

  it("is a process of its own: the command's parent is not cohort", async () => {
    const l = new Starter();
    try {
      const s = setup();
      expect((await l.run("echo $PPID", s.opts)).exitCode).toBe(0);
      const ppid = Number(s.output().trim());
      expect(ppid).toBeGreaterThan(0);
      expect(ppid).not.toBe(process.pid);
    } finally {
      l.close();
    }
  });
});
