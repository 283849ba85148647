/**
 * Runs a shell command as a run's process (SPEC §5).
 *
 * - The command runs as `/bin/sh -c COMMAND` in `cwd`, with the inherited environment plus `env`,
 *   stdin from /dev/null, in a process group (and session) of its own, so that everything it starts
 *   can be stopped at once; Ctrl-C at the terminal does not reach it directly: the caller aborts it.
 * - Its stdout and stderr are both the output file itself, opened for appending: the command writes
 *   its bytes there directly, in the exact order it wrote them, and cohort copies nothing (a pipe would
 *   need a second shell to merge stdout and stderr, and a copy of every byte through cohort).
 *   `output.echo`, when given, gets the bytes the command
 *   appends, as they are (never decoded: they need not be text), read from the file every 100 ms and
 *   when the command ends.
 * - On timeout or abort, the whole group gets SIGTERM, and SIGKILL after a grace period (2 s); the
 *   exit code is then negative, minus the signal number (-15 or -9), even when the command caught the
 *   signal and exited by itself, so that the caller marks the run `terminated`. So is a command the
 *   shell reports killed by a signal (exit 128+N) when this process is aborted at about the same time.
 * - A run leaves nothing behind: when the command's shell ends, processes it started that are still
 *   in its group (background jobs, daemons that did not leave the group) get the same SIGTERM, then
 *   SIGKILL. A process that must outlive its run has to leave the group itself (`setsid`); it then
 *   outlives a run that ends by itself, not one that is interrupted or times out (`stopCarriers`).
 * - If this process exits while commands run (e.g. a second Ctrl-C), their groups get SIGKILL.
 * - A command that cannot start (missing working directory, aborted before it started) is not an
 *   exception: the reason goes to the output and the exit code is 127 (-15 when aborted), pid 0.
 * - A command that ends while the output file's file system has no space left has lost output: it
 *   fails (`outputError`), whatever its exit code.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { errorText } from "../util/errors.js";
import { exited, pidIsAlive, procStatFields } from "../util/process.js";
import { isErrno } from "../util/fs.js";
import { setLongTimeout } from "../util/timer.js";

export interface RunShellOptions {
  cwd: string;
  /** Added to (and overriding) the inherited environment. */
  env?: Record<string, string>;
  output: {
    /** Appended to (created if needed). */
    file: string;
    /** Gets the output's bytes as they come, for live display. */
    echo?: (chunk: Buffer) => void;
  };
  /** Stop the command after this long (0, undefined or Infinity: no limit; any length, see util/timer.ts). */
  timeoutMs?: number;
  /** Stop the command when aborted. */
  signal?: AbortSignal;
  /** Called with the pid (= process group id) once the command has started, e.g. to write the run's lock. */
  onStarted?: (pid: number) => void;
  /** Between SIGTERM and SIGKILL; default 2000 ms. */
  graceMs?: number;
}

export interface ShellResult {
  /** The exit code; negative: killed by signal -N (always negative after a timeout or abort). */
  exitCode: number;
  /** The shell's pid, which is also its process group id; 0 when it did not start. */
  pid: number;
  /** Whether it was stopped because `timeoutMs` ran out. */
  timedOut: boolean;
  /** Why its output could not be kept (a full disk): the command failed, whatever its exit code. */
  outputError?: string;
}

export const DEFAULT_GRACE_MS = 2000;
const SIGTERM = os.constants.signals.SIGTERM;
const SIGKILL = os.constants.signals.SIGKILL;

/** Process groups of commands running now, killed if this process exits. */
const liveGroups = new Set<number>();
/** Environment entries of runs going on (`COHORT_RUN_ID=...`): their processes are killed if this process exits. */
const liveEntries = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
    // Only a process exiting while runs go on (a second Ctrl-C, a crash) gets here with entries.
    for (const entry of liveEntries) for (const pid of processesCarrying(entry)) signalPid(pid, "SIGKILL");
  });
}

/** Registers a process group to get SIGKILL if this process exits while the group lives. */
export function trackGroup(pgid: number): void {
  installExitHook();
  liveGroups.add(pgid);
}

export function untrackGroup(pgid: number): void {
  liveGroups.delete(pgid);
}

/** Sends a signal to every process of a group; a group that is gone is no error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if (!isErrno(err, "ESRCH") && !isErrno(err, "EPERM")) throw err;
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if (!isErrno(err, "ESRCH") && !isErrno(err, "EPERM")) throw err;
  }
}

/** The pids in /proc, or undefined where there is none (macOS). */
function procPids(): number[] | undefined {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return undefined;
  }
  return entries.filter((name) => /^\d+$/.test(name)).map(Number);
}

const NUL = Buffer.from([0]);

/**
 * The processes of this user, other than this one, whose environment as they were started holds
 * `entry` (`NAME=VALUE`): what a run started, also processes that left its process group (`setsid`)
 * and were given another parent. Linux (/proc); elsewhere none. It reads the environment of every
 * process of the user, so it is for runs being stopped, not for every run.
 */
export function processesCarrying(entry: string): number[] {
  const uid = process.getuid?.();
  const needle = Buffer.from("\0" + entry + "\0");
  const found: number[] = [];
  for (const pid of procPids() ?? []) {
    if (pid === process.pid) continue;
    let environ: Buffer;
    try {
      if (uid !== undefined && fs.statSync(`/proc/${pid}`).uid !== uid) continue;
      environ = fs.readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue; // gone, or not ours to read
    }
    if (Buffer.concat([NUL, environ, NUL]).includes(needle) && pidIsAlive(pid)) found.push(pid);
  }
  return found;
}

/**
 * Stops the processes that carry `entry` (processesCarrying): SIGTERM, and SIGKILL to those still there
 * after `graceMs`. Looks again until none is left (one may start another while it is stopped), at
 * most `graceMs` + 2 s. Called when a run is interrupted or timed out, after its process group.
 */
export async function stopCarriers(entry: string, graceMs = DEFAULT_GRACE_MS): Promise<void> {
  const start = Date.now();
  const termed = new Set<number>();
  for (;;) {
    const pids = processesCarrying(entry);
    if (pids.length === 0) return;
    const late = Date.now() - start >= graceMs;
    if (Date.now() - start >= graceMs + 2000) return;
    for (const pid of pids) {
      if (late) signalPid(pid, "SIGKILL");
      else if (!termed.has(pid)) {
        termed.add(pid);
        signalPid(pid, "SIGTERM");
      }
    }
    await sleep(50);
  }
}

/** Marks `entry` as a run going on: if this process exits before `untrackEntry`, its carriers get SIGKILL. */
export function trackEntry(entry: string): void {
  installExitHook();
  liveEntries.add(entry);
}

export function untrackEntry(entry: string): void {
  liveEntries.delete(entry);
}

/**
 * Whether the process group has a member that is not a zombie. An orphan that has ended stays a
 * zombie where the init process does not reap (some containers); it holds nothing, so it does not count.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return !isErrno(err, "ESRCH");
  }
  const pids = procPids();
  if (!pids) return true; // no /proc (macOS): trust kill
  for (const pid of pids) {
    const fields = procStatFields(pid);
    if (fields && Number(fields[2]) === pgid && !exited(fields[0])) return true;
  }
  return false;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Runs `/bin/sh -c command`; see the top of this file. */
export async function runShell(command: string, opts: RunShellOptions): Promise<ShellResult> {
  const grace = opts.graceMs ?? DEFAULT_GRACE_MS;
  const fd = fs.openSync(opts.output.file, "a");
  const echo = opts.output.echo ? new OutputEcho(opts.output.file, fs.fstatSync(fd).size, opts.output.echo) : undefined;
  const notStarted = (exitCode: number, why: string): ShellResult => {
    try {
      fs.writeSync(fd, `cohort: ${why}\n`);
    } catch {
      // a full disk: the reason is in the result too
    }
    echo?.finish();
    return { exitCode, pid: 0, timedOut: false };
  };
  try {
    if (opts.signal?.aborted) return notStarted(-SIGTERM, `interrupted before ${JSON.stringify(command)} started`);
    if (!isDirectory(opts.cwd)) {
      return notStarted(127, `cannot run ${JSON.stringify(command)}: working directory ${opts.cwd} does not exist`);
    }
    let child: ChildProcess;
    try {
      child = spawn("/bin/sh", ["-c", command], {
        cwd: opts.cwd,
        env: { ...process.env, ...opts.env },
        stdio: ["ignore", fd, fd],
        detached: true,
      });
    } catch (err) {
      return notStarted(127, `cannot run ${JSON.stringify(command)}: ${errorText(err)}`);
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error>((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      child.once("error", (err) => resolve(err));
    });

    const pid = child.pid;
    if (pid === undefined) {
      const r = await exited;
      return notStarted(127, `cannot run ${JSON.stringify(command)}: ${r instanceof Error ? r.message : "it did not start"}`);
    }
    installExitHook();
    liveGroups.add(pid);

    let timedOut = false;
    let termAt: number | undefined;
    let lastSignal = SIGTERM;
    let killTimer: NodeJS.Timeout | undefined;
    const terminate = () => {
      if (termAt !== undefined) return;
      termAt = Date.now();
      signalGroup(pid, "SIGTERM");
      killTimer = setTimeout(() => {
        lastSignal = SIGKILL;
        signalGroup(pid, "SIGKILL");
      }, grace);
    };
    const timer = opts.timeoutMs
      ? setLongTimeout(() => {
          timedOut = true;
          terminate();
        }, opts.timeoutMs)
      : undefined;
    opts.signal?.addEventListener("abort", terminate, { once: true });
    let startError: unknown;
    try {
      opts.onStarted?.(pid);
    } catch (err) {
      startError = err ?? new Error("onStarted failed");
      terminate();
    }

    const result = await exited;
    timer?.clear();
    opts.signal?.removeEventListener("abort", terminate);
    const stopped = termAt !== undefined;

    // Whatever the command left in its group goes too.
    if (groupAlive(pid)) {
      terminate();
      const giveUp = termAt! + grace + 2000;
      while (groupAlive(pid) && Date.now() < giveUp) await sleep(20);
    }
    clearTimeout(killTimer);
    liveGroups.delete(pid);
    echo?.finish();

    let exitCode: number;
    if (result instanceof Error) exitCode = 127;
    else if (result.signal) exitCode = -(os.constants.signals[result.signal] ?? lastSignal);
    else exitCode = result.code ?? 127;
    if (stopped && exitCode >= 0) exitCode = -lastSignal;
    else if (exitCode > 128 && exitCode <= 128 + 64 && opts.signal) {
      // The shell reports a command killed by signal N as 128+N. When the same signal reached this process
      // (a scheduler signalling the job's whole process tree at its time limit), the shell may end before this
      // process sees it: the run was stopped, not failed, so the signal gets a moment to arrive.
      if (!opts.signal.aborted) await sleep(50);
      if (opts.signal.aborted) exitCode = -(exitCode - 128);
    }
    if (startError !== undefined) throw startError;
    const outputError = noSpaceLeft(opts.output.file);
    if (outputError !== undefined) return { exitCode: 1, pid, timedOut: false, outputError };
    return { exitCode, pid, timedOut };
  } finally {
    echo?.finish();
    fs.closeSync(fd);
  }
}

/**
 * Why output written to `file` may have been lost: its file system has no space left (for this
 * user; root may use the blocks reserved for it). Undefined when there is space, or no way to ask.
 */
function noSpaceLeft(file: string): string | undefined {
  let st: fs.StatsFs;
  try {
    st = fs.statfsSync(file);
  } catch {
    return undefined;
  }
  const free = process.getuid?.() === 0 ? st.bfree : st.bavail;
  return free > 0 ? undefined : "its output could not be written: no space left on the device (ENOSPC)";
}

/** Passes the bytes a command appends to its output file on to `echo` while it runs. */
export class OutputEcho {
  private readonly timer: NodeJS.Timeout;
  private fd: number | undefined;
  private done = false;

  constructor(
    private readonly file: string,
    private at: number,
    private readonly echo: (chunk: Buffer) => void,
  ) {
    this.timer = setInterval(() => this.read(), 100);
  }

  private read(): void {
    try {
      this.fd ??= fs.openSync(this.file, "r");
      for (;;) {
        // a buffer of its own per read: `echo` may keep what it gets
        const buf = Buffer.allocUnsafe(64 * 1024);
        const n = fs.readSync(this.fd, buf, 0, buf.length, this.at);
        if (n <= 0) break;
        this.at += n;
        this.echo(buf.subarray(0, n));
      }
    } catch {
      // The output is kept in the file whatever happens to its display.
    }
  }

  /** Shows the rest, once the command has ended. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.timer);
    this.read();
    if (this.fd !== undefined) fs.closeSync(this.fd);
  }
}
