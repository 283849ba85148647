/**
 * Starters: a small process per execution slot that starts that slot's shell commands.
 *
 * Why: node starts a process by fork(), and the child's work between fork and exec grows with the
 * parent's memory, so a small process starts commands faster than cohort holding its project and
 * journal; and a fork holds cohort's one thread, so runs of several slots could not start commands at
 * the same time.
 * Each slot's starter is a small node process (starter-process.ts) started at its slot's first
 * command and kept until the end of `cohort run`; it runs `runShell` (process.ts) for cohort, with the
 * same timeout, stopping and output rules. cohort shows the output live itself, read back from the
 * output file.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { packageFile } from "../util/package-file.js";
import { OutputEcho, runShell, type RunShellOptions, type ShellResult } from "./process.js";

export type StarterRequest =
  /** `notify`: send `started` with the command's pid (only when asked: a message costs both processes a wake-up). */
  | { type: "run"; command: string; cwd: string; env: Record<string, string>; file: string; timeoutMs?: number; notify?: boolean }
  | { type: "stop" };

export type StarterMessage = { type: "ready" } | { type: "started"; pid: number } | { type: "done"; result: ShellResult };

/** The starter script, as built (an entry point of the build). */
function starterScript(): string {
  return packageFile("dist/execution/starter-process.js");
}

interface Current {
  opts: RunShellOptions;
  pid: number;
  /** What `opts.onStarted` threw: the command is stopped, and run() throws it. */
  startError?: { error: unknown };
  done: (result: ShellResult) => void;
}

export class Starter {
  private child: ChildProcess | undefined;
  private ready: Promise<boolean> | undefined;
  private current: Current | undefined;

  private start(): Promise<boolean> {
    const child = spawn(process.execPath, [starterScript()], { stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "json" });
    this.child = child;
    this.ready = new Promise((resolve) => {
      child.on("message", (m: StarterMessage) => {
        if (m.type === "ready") resolve(true);
        else if (m.type === "started" && this.current) {
          this.current.pid = m.pid;
          try {
            this.current.opts.onStarted?.(m.pid);
          } catch (error) {
            this.current.startError = { error: error ?? new Error("onStarted failed") };
            child.send({ type: "stop" } satisfies StarterRequest);
          }
        } else if (m.type === "done") this.current?.done(m.result);
      });
      child.once("exit", () => {
        resolve(false);
        // A starter closed earlier may end after a new one started: that one stays.
        if (this.child !== child) return;
        this.child = undefined;
        this.ready = undefined;
        // A starter killed during a command: the run was stopped from outside.
        this.current?.done({ exitCode: -os.constants.signals.SIGKILL, pid: this.current.pid, timedOut: false });
      });
      child.once("error", () => resolve(false));
    });
    return this.ready;
  }

  /** Runs `/bin/sh -c command` as runShell does, started by the starter (one command at a time). */
  async run(command: string, opts: RunShellOptions): Promise<ShellResult> {
    if (this.current) throw new Error("internal error: a starter runs one command at a time");
    // What needs no process is answered here (a command interrupted before it started).
    if (opts.signal?.aborted || !(await (this.ready ?? this.start()))) return runShell(command, opts);
    // A starter gone since it was ready (killed between two commands): this command runs here.
    const child = this.child;
    if (!child?.connected) return runShell(command, opts);
    const echo = opts.output.echo ? new OutputEcho(opts.output.file, fs.statSync(opts.output.file, { throwIfNoEntry: false })?.size ?? 0, opts.output.echo) : undefined;
    const stop = () => {
      if (child.connected) child.send({ type: "stop" } satisfies StarterRequest);
    };
    try {
      const current: Current = { opts, pid: 0, done: () => {} };
      const result = await new Promise<ShellResult>((resolve) => {
        current.done = resolve;
        this.current = current;
        opts.signal?.addEventListener("abort", stop, { once: true });
        const request: StarterRequest = { type: "run", command, cwd: opts.cwd, env: opts.env ?? {}, file: opts.output.file, timeoutMs: opts.timeoutMs, notify: opts.onStarted !== undefined };
        try {
          child.send(request);
        } catch {
          // the starter is gone: its exit ends the request
        }
      });
      if (current.startError) throw current.startError.error;
      return result;
    } finally {
      this.current = undefined;
      opts.signal?.removeEventListener("abort", stop);
      echo?.finish();
    }
  }

  /** Ends the starter (it has no command running). */
  close(): void {
    this.child?.disconnect();
    this.child = undefined;
    this.ready = undefined;
  }
}

/** The starters of a `cohort run`, one per execution slot, each started at its slot's first command. */
export class Starters {
  private readonly bySlot = new Map<number, Starter>();

  for(slot: number): Starter {
    let l = this.bySlot.get(slot);
    if (!l) this.bySlot.set(slot, (l = new Starter()));
    return l;
  }

  close(): void {
    for (const l of this.bySlot.values()) l.close();
    this.bySlot.clear();
  }
}
