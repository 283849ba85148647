/**
 * The run journal (SPEC §6; the format is written down in docs/runs.md, "The journal").
 *
 * Every process that records anything appends to a journal file of its own,
 * `.cohort/journal/<writer>.jsonl`, named by a time-ordered id of that process. Nobody else writes to
 * it, so runners on many hosts never share a file or a lock; files are never rewritten, so two copies
 * of a project merge by copying the files one lacks. Each line is one JSON event written with a single
 * `write`; the first line is the writer's own description. The merged output of the runs one execution
 * slot ran goes, back to back, to `<writer>.<slot>.out`.
 *
 * The journal file is made with the first event: a process that records nothing leaves nothing.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isErrno, makeDirs, naming } from "../util/fs.js";
import { processStart } from "../util/process.js";
import type { ClusterJobRef } from "./cluster-job.js";
import { clusterJobFromEnv } from "./cluster-job.js";
import { newUuidV7 } from "./run-id.js";

/** The version of the event format, in each writer line. */
export const JOURNAL_FORMAT = 1;

/** `<project>/.cohort/journal`. */
export function journalDir(projectRoot: string): string {
  return path.join(projectRoot, ".cohort", "journal");
}

/** A journal's file name: `<writer>.jsonl`. */
export const JOURNAL_RE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/;

/** The file holding what slot `slot` of writer `writer` ran. */
export function segmentFile(projectRoot: string, writer: string, slot: number): string {
  return path.join(journalDir(projectRoot), `${writer}.${slot}.out`);
}

// ---------------------------------------------------------------------------------------------
// Events. `t` is the time in epoch microseconds; ids are UUID v7 (runs, groups, writers).

/** The first line of every journal. */
export interface WriterEvent {
  e: "writer";
  v: number;
  id: string;
  t: number;
  host: string;
  pid: number;
  /** The kernel's boot id (Linux): a pid is only meaningful within one boot. */
  boot?: string;
  /** When the process started, in clock ticks since boot (Linux): tells a reused pid apart. */
  pstart?: number;
  cohort: string;
  user: string;
  /** The cluster job the writer runs in. */
  cluster?: ClusterJobRef;
}

/** A value many runs share, written once and referred to by `n`: a directive set or a command template. */
export interface DefEvent {
  e: "def";
  n: number;
  directives?: Record<string, unknown>;
  command?: string;
}

/** A run is made (recorded before anything of it runs). */
export interface RunEvent {
  e: "run";
  t: number;
  id: string;
  op: string;
  /** The FlowGroup it runs in, when not the operation's own. */
  fg?: string;
  /** The aggregate's job ids; absent for a flag run. */
  jobs?: string[];
  /** JSON text (as signac writes it: floats stay floats) of the flags or the state point(s). */
  config: string;
  /** `def` numbers: the resolved directives and the command template. */
  d?: number;
  c?: number;
  /** The command as run, when it cannot be told from the template and `config` (or has none). */
  cmd?: string;
  /** A function operation. */
  fn?: true;
  /** Groups the run joins as it is made. */
  in?: string[];
  /** Its start, when it starts as it is made (as every run cohort writes does): as in a `start` event. */
  slot?: number;
  off?: number;
}

/** A run made earlier starts (a run made as it starts carries `slot` and `off` itself). */
export interface StartEvent {
  e: "start";
  t: number;
  id: string;
  /** The output segment `<writer>.<slot>.out` of this journal's writer and where the run's output begins. */
  slot: number;
  off: number;
}

/** A run ended (`exit`; negative: killed by signal -N, with `len` bytes of output), or a group's runner finished making it. */
export interface EndEvent {
  e: "end";
  t: number;
  id: string;
  exit?: number;
  len?: number;
  /** The shell command a `cmd` function returned, which the run ran. */
  cmd?: string;
}

/** A change of a run's or group's attributes: sets first, then deletes. */
export interface AttrEvent {
  e: "attr";
  t: number;
  of: string;
  set?: Record<string, unknown>;
  delete?: string[];
  author: string;
}

export type GroupKind = "batch" | "pipeline" | "submission" | "manual";

/**
 * A run group is made. `set` holds its first attributes: the details of its kind (`flowgroup` of a
 * pipeline or submission; `operation` and `flags` of a batch; `scheduler`, `scheduler_job_id`,
 * `job_name` and `pairs` of a submission), a `label`, and members (`run:<id>` keys).
 */
export interface GroupEvent {
  e: "group";
  t: number;
  id: string;
  kind: GroupKind;
  /** How many runs a batch will make. */
  planned?: number;
  set?: Record<string, unknown>;
}

/** (operation, aggregate id) pairs a runner is about to execute, or gives back. */
export interface ClaimEvent {
  e: "claim" | "release";
  t: number;
  items: [string, string][];
}

export type JournalEvent = WriterEvent | DefEvent | RunEvent | StartEvent | EndEvent | AttrEvent | GroupEvent | ClaimEvent;

// ---------------------------------------------------------------------------------------------
// Writing

let lastMicros = 0;

/** Epoch microseconds (millisecond resolution), strictly increasing within this process. */
export function nowMicros(): number {
  const t = Date.now() * 1000;
  lastMicros = t > lastMicros ? t : lastMicros + 1;
  return lastMicros;
}

let author: string | undefined;

/** The operating-system user, the author of what this process records. */
export function currentAuthor(): string {
  if (author === undefined) {
    try {
      author = os.userInfo().username;
    } catch {
      author = process.env.USER ?? process.env.LOGNAME ?? "unknown";
    }
  }
  return author;
}

/** The kernel's boot id, or undefined where there is none to read. */
export function bootId(): string | undefined {
  try {
    return fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The version of cohort written in writer lines. */
const COHORT_VERSION = "0.1.0";

/** An event as handed to `append`, without the writer's own line. */
export type AppendedEvent = Exclude<JournalEvent, WriterEvent | DefEvent>;

/**
 * This process's journal in one project. Made by `JournalWriter.of(projectRoot)`: one writer per
 * process and project, so that every event of a process lands in one file.
 */
export class JournalWriter {
  readonly id = newUuidV7();
  private fd: number | undefined;
  /** A write that failed part-way left a line without its newline, which the next write ends first. */
  private readonly torn = { torn: false };
  private readonly defs = new Map<string, number>();
  private readonly segments = new Map<number, Segment>();

  private constructor(readonly projectRoot: string) {}

  private static readonly writers = new Map<string, JournalWriter>();

  /** The journal of this process in the project at `projectRoot`. */
  static of(projectRoot: string): JournalWriter {
    let w = JournalWriter.writers.get(projectRoot);
    if (!w) {
      w = new JournalWriter(projectRoot);
      JournalWriter.writers.set(projectRoot, w);
    }
    return w;
  }

  get file(): string {
    return path.join(journalDir(this.projectRoot), `${this.id}.jsonl`);
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    makeDirs(journalDir(this.projectRoot), this.projectRoot);
    // "ax": appended, and made by this process alone.
    const fd = fs.openSync(this.file, "ax");
    this.fd = fd;
    const header: WriterEvent = {
      e: "writer",
      v: JOURNAL_FORMAT,
      id: this.id,
      t: nowMicros(),
      host: os.hostname(),
      pid: process.pid,
      boot: bootId(),
      pstart: processStart(process.pid),
      cohort: COHORT_VERSION,
      user: currentAuthor(),
      cluster: clusterJobFromEnv(),
    };
    try {
      this.write(header);
    } catch (err) {
      fs.closeSync(fd);
      this.fd = undefined;
      fs.rmSync(this.file, { force: true });
      throw err;
    }
    return fd;
  }

  /** Writes one event's line with one `write`. */
  private write(event: JournalEvent): void {
    writeLine(this.fd!, JSON.stringify(event) + "\n", this.torn, this.file);
  }

  /** Appends one event. */
  append(event: AppendedEvent): void {
    this.open();
    this.write(event);
  }

  private metricsFd: number | undefined;
  private readonly metricsTorn = { torn: false };

  /** The file of this writer's metric events, beside its journal: listings never read it. */
  get metricsFile(): string {
    return path.join(journalDir(this.projectRoot), `${this.id}.metrics.jsonl`);
  }

  /** Appends the line of a `metric` event (metric-events.ts, newline included) to this writer's metrics file. */
  appendMetricLine(line: string): void {
    this.open();
    this.metricsFd ??= fs.openSync(this.metricsFile, "a");
    writeLine(this.metricsFd, line, this.metricsTorn, this.metricsFile);
  }

  /** The number of a shared value (a directive set, a command template), written the first time it is seen. */
  define(kind: "directives" | "command", value: Record<string, unknown> | string): number {
    const key = kind + "\0" + (typeof value === "string" ? value : JSON.stringify(value));
    let n = this.defs.get(key);
    if (n === undefined) {
      n = this.defs.size + 1;
      this.open();
      this.write(kind === "command" ? { e: "def", n, command: value as string } : { e: "def", n, directives: value as Record<string, unknown> });
      this.defs.set(key, n);
    }
    return n;
  }

  /** The output segment of an execution slot. */
  segment(slot: number): Segment {
    let s = this.segments.get(slot);
    if (!s) {
      s = new Segment(segmentFile(this.projectRoot, this.id, slot), slot, this.projectRoot);
      this.segments.set(slot, s);
    }
    return s;
  }

  /** Makes what was appended reach the disk (and, on NFS, the server) before returning. */
  sync(): void {
    if (this.fd !== undefined) fs.fsyncSync(this.fd);
  }

  /** Closes the files; a later event opens the journal again. */
  close(): void {
    for (const s of this.segments.values()) s.close();
    this.segments.clear();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    if (this.metricsFd !== undefined) fs.closeSync(this.metricsFd);
    this.metricsFd = undefined;
  }
}

/**
 * Writes a line to a file opened for appending, with one `write`. A line a failed write left `torn`
 * (part of it may have reached the file) is ended first, so that the next line stands on its own.
 */
function writeLine(fd: number, text: string, state: { torn: boolean }, file: string): void {
  if (state.torn) {
    try {
      fs.writeSync(fd, "\n");
    } catch (err) {
      throw naming(err, file);
    }
    state.torn = false;
  }
  const line = Buffer.from(text);
  let written = 0;
  try {
    written = fs.writeSync(fd, line);
  } catch (err) {
    state.torn = true;
    throw naming(err, file);
  }
  if (written !== line.length) {
    state.torn = true;
    throw Object.assign(new Error(`the journal ${file} took ${written} of ${line.length} bytes`), { code: "ENOSPC" });
  }
}

/**
 * One execution slot's output file: the runs the slot executes append to it one after another, so a
 * run's output is the bytes from its start offset to its end.
 */
export class Segment {
  private fd: number | undefined;
  /** Bytes in the file as far as this process wrote them: where the next run's output begins. */
  private size = 0;
  /** Another writer (a command, a worker) was given the file since `size` was learnt from it. */
  private lent = false;

  constructor(
    readonly file: string,
    readonly slot: number,
    /** The project's directory, which is never made again (makeDirs). */
    private readonly projectRoot: string,
  ) {}

  /** Opens the file for appending (made if needed) and learns its size. */
  open(): number {
    if (this.fd === undefined) {
      makeDirs(path.dirname(this.file), this.projectRoot);
      this.fd = fs.openSync(this.file, "a");
      this.size = fs.fstatSync(this.fd).size;
      this.lent = false;
    }
    return this.fd;
  }

  /** Appends bytes; a write that fails (a full disk) throws, and `position()` says what the file holds. */
  write(chunk: string | Uint8Array): void {
    const fd = this.open();
    if (this.lent) this.position();
    const data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    let at = 0;
    while (at < data.length) {
      let n: number;
      try {
        n = fs.writeSync(fd, data, at, data.length - at);
      } catch (err) {
        // Part of it may have reached the file: ask the file next time.
        this.lent = true;
        throw err;
      }
      if (n <= 0) throw Object.assign(new Error(`no space left for output in ${this.file}`), { code: "ENOSPC" });
      at += n;
      this.size += n;
    }
  }

  /**
   * The file's size: what this process wrote, or, after the file was lent to another writer, what
   * the file says (one fstat, only then).
   */
  position(): number {
    const fd = this.open();
    if (this.lent) {
      this.size = fs.fstatSync(fd).size;
      this.lent = false;
    }
    return this.size;
  }

  /** The file, for another writer (a command's output, a worker's) to append to. */
  lend(): string {
    this.lent = true;
    return this.file;
  }

  close(): void {
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch (err) {
        if (!isErrno(err, "EBADF")) throw err;
      }
    }
    this.fd = undefined;
  }
}
