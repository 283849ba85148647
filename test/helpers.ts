import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import { readLedger } from "../src/runs/ledger.js";
import { outputPlace, readOutput } from "../src/runs/output.js";
import { UserError } from "../src/util/errors.js";
import { tempNameFor } from "../src/util/fs.js";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const COHORT = path.join(ROOT, "bin", "cohort");
export const FIXTURES = path.join(ROOT, "test", "fixtures");

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a cohort the tests start: no color, and no cluster profile of the machine's user
 * (an empty configuration directory, no COHORT_CLUSTER) unless the test gives them.
 */
export function testEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { COHORT_CLUSTER: _named, ...rest } = process.env;
  return { ...rest, NO_COLOR: "1", XDG_CONFIG_HOME: (emptyConfig ??= tempDir("cohort-config-")), ...env };
}

let emptyConfig: string | undefined;

/** Runs bin/cohort with this node, as submission scripts do (test/cli/launcher.test.ts starts the file itself). */
export function cohort(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Result {
  const r = spawnSync(process.execPath, [COHORT, ...args], {
    cwd: opts.cwd,
    env: testEnv(opts.env),
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs bin/cohort in the background: the child at once, its result when it ends, its stderr so far. */
export function cohortInBackground(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const child = spawn(process.execPath, [COHORT, ...args], { cwd: opts.cwd, env: testEnv(opts.env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise<Result>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return { pid: child.pid!, child, done, stderr: () => stderr };
}

/** Waits until `check` holds, looking every 50 ms; fails after `ms` saying what it waited for. */
export async function waitFor(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Directories tempDir made, removed by one exit listener (one per directory passed Node's limit of ten). */
const madeDirs: string[] = [];

/**
 * A stand-in `squeue` that prints what `queue` was last given (lines `ID|NAME|STATE|REASON`), and the
 * environment that finds it first; `calls()` says how often it ran, `remove()` takes it away (a
 * scheduler that cannot be asked).
 */
export function fakeSqueue() {
  const bin = path.join(tempDir(), "bin");
  fs.mkdirSync(bin);
  const listing = path.join(bin, "queue");
  const calls = path.join(bin, "calls");
  fs.writeFileSync(path.join(bin, "squeue"), `#!/bin/sh\necho >> "${calls}"\ncat "${listing}"\n`, { mode: 0o755 });
  return {
    calls: () => (fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").length : 0),
    /** The directory of the stand-in, for others beside it. */
    bin,
    env: { PATH: `${bin}:/usr/bin:/bin` },
    queue: (text: string) => fs.writeFileSync(listing, text),
    remove: () => fs.rmSync(path.join(bin, "squeue")),
  };
}

/** A fresh empty directory, removed when the process exits. */
export function tempDir(prefix = "cohort-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (madeDirs.length === 0) process.on("exit", () => madeDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  madeDirs.push(dir);
  return dir;
}

/** A writable copy of the project signac 2.4.1 made (test/fixtures/signac-project). */
export function signacProjectCopy(): string {
  const dir = path.join(tempDir(), "signac-project");
  fs.cpSync(path.join(FIXTURES, "signac-project"), dir, { recursive: true });
  return dir;
}

/** The lines of a command's output. */
export function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

export interface RunMeta {
  id: string;
  name: string;
  operation: string;
  group?: string;
  jobs: string[];
  started: number;
  stopped: number;
  exit: number;
  directives: Record<string, unknown>;
  output: string;
}

/** Every run of a project, as its journals say, by start time (those not started last). */
export function readRuns(dir: string): RunMeta[] {
  const ledger = readLedger(dir);
  return [...ledger.runs.values()]
    .map((r) => {
      const place = outputPlace(dir, r, ledger);
      return {
        id: r.id,
        name: r.name,
        operation: r.operation,
        group: r.flowgroup,
        jobs: r.jobs,
        started: r.started ?? NaN,
        stopped: r.ended ?? NaN,
        exit: r.exit ?? NaN,
        directives: r.directives ?? {},
        output: place ? readOutput(place).toString("utf8") : "",
      };
    })
    .sort((a, b) => (Number.isNaN(a.started) ? Infinity : a.started) - (Number.isNaN(b.started) ? Infinity : b.started));
}

/** `<project>/.cohort/journal`. */
export const journalDirOf = (dir: string) => path.join(dir, ".cohort", "journal");

/** A journal file as it lies on disk: its writer line and the events after it. */
export interface JournalFile {
  file: string;
  writer: Record<string, unknown>;
  events: Record<string, unknown>[];
}

/**
 * Every journal of a project, oldest writer first, read straight from the files. Each must end with a
 * whole line, unless `whileWriting` (a writer may be in the middle of one): then, as cohort does, up to
 * the last newline.
 */
export function readJournals(dir: string, whileWriting = false): JournalFile[] {
  const jd = journalDirOf(dir);
  if (!fs.existsSync(jd)) return [];
  return fs
    .readdirSync(jd)
    .filter((n) => n.endsWith(".jsonl"))
    .sort()
    .map((n) => {
      let text = fs.readFileSync(path.join(jd, n), "utf8");
      if (whileWriting) text = text.slice(0, text.lastIndexOf("\n") + 1);
      else if (!text.endsWith("\n")) throw new Error(`${n} ends in the middle of a line`);
      const [writer, ...events] = lines(text).map((l) => JSON.parse(l) as Record<string, unknown>);
      return { file: path.join(jd, n), writer, events };
    });
}

/** The pid of a process that has ended. */
export function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid!;
}

/** A temporary name for `base` as src/util/fs.ts tempNameFor makes them, with another host, pid or time. */
export function tempName(base: string, change: { host?: string; pid?: number; made?: number } = {}): string {
  const m = /^(\..+)\.([A-Za-z0-9_-]+)\.(\d+)\.([0-9a-z]+)\.(\d+)\.tmp$/.exec(path.basename(tempNameFor(base)))!;
  return `${m[1]}.${change.host ?? m[2]}.${change.pid ?? m[3]}.${(change.made ?? Date.now()).toString(36)}.${m[5]}.tmp`;
}

/**
 * A small file system of its own for this test file — a tmpfs mounted with `options` ("size=400k",
 * "size=64k,ro"), unmounted after the file's tests —, or undefined where one cannot be mounted (it needs
 * root on Linux, which CI has).
 */
export function tmpfsDisk(options: string): string | undefined {
  const dir = tempDir();
  if (spawnSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]).status !== 0) return undefined;
  afterAll(() => {
    spawnSync("umount", ["-l", dir]);
  });
  return dir;
}

/** The UserError `f` throws; fails the test when it throws nothing, and throws any other error on. */
export function userErrorOf(f: () => unknown): UserError {
  try {
    f();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error("no UserError was thrown");
}
