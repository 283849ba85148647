/**
 * Every run and run group of a project, folded from its journals (journal.ts; SPEC §6, §7).
 *
 * A journal is read up to its last newline: a last line still being written is left for the next
 * reading. A line that is not an event (damage, a foreign line) is skipped and counted. The events
 * of one run may lie in several journals; attribute changes from all journals apply in time order.
 * `JournalTail` keeps how far each journal was read, so that a long-lived reader (a runner claiming
 * work, `runs show --follow`) reads only what was appended since.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { isErrno } from "../util/fs.js";
import { parseClusterJob, type ClusterJobRef } from "./cluster-job.js";
import { JOURNAL_RE, journalDir, type AttrEvent, type GroupEvent, type GroupKind, type JournalEvent, type RunEvent, type WriterEvent } from "./journal.js";
import { runName } from "./run-id.js";

/** A journal's writer, from its first line. */
export interface Writer {
  id: string;
  host: string;
  pid: number;
  boot?: string;
  pstart?: number;
  /** Epoch microseconds. */
  t: number;
  user: string;
  cluster?: ClusterJobRef;
}

export type Attributes = Map<string, unknown>;

export interface Run {
  id: string;
  name: string;
  /** The writer whose journal made the run. */
  writer: string;
  operation: string;
  /** The FlowGroup it ran in, when not the operation's own. */
  flowgroup?: string;
  /** Job ids of the aggregate; empty for a flag run. */
  jobs: string[];
  /** JSON text of the flags or the state point(s). */
  config: string;
  directives?: Record<string, unknown>;
  /** The command template, or the command as run (`commandExpanded`). */
  command?: string;
  commandExpanded?: boolean;
  function?: boolean;
  made: number;
  started?: number;
  /** Where its output is: the segment of writer `segmentWriter`, slot `slot`, from `offset`. */
  segmentWriter?: string;
  slot?: number;
  offset?: number;
  ended?: number;
  exit?: number;
  length?: number;
  attrs: Attributes;
}

export interface Group {
  id: string;
  name: string;
  writer: string;
  kind: GroupKind;
  made: number;
  /** How many runs a batch will make. */
  planned?: number;
  /** When its runner finished making it. */
  ended?: number;
  /** Details of its kind, label, tags, comments, members (`run:<id>`). */
  attrs: Attributes;
}

/** A change of attributes, from an `attr` event or implied by a `run` or `group` event. */
interface Change {
  t: number;
  /** Order of reading: breaks ties of `t`. */
  seq: number;
  of: string;
  set?: Record<string, unknown>;
  delete?: string[];
  /** A run joining group `of` (kept apart from `set`: an object per run with a key of its own is slow to make). */
  join?: string;
}

const MEMBER = "run:";

/** What the journals hold; `JournalTail.read` adds to it. */
export class Ledger {
  readonly writers = new Map<string, Writer>();
  readonly runs = new Map<string, Run>();
  readonly groups = new Map<string, Group>();
  /** Lines that were not events. */
  skipped = 0;
  private readonly defs = new Map<string, Map<number, { directives?: Record<string, unknown>; command?: string }>>();
  /** start/end events read before their run's event. */
  private readonly early = new Map<string, { writer: string; event: JournalEvent }[]>();
  private changes: Change[] = [];
  private seq = 0;
  /** Claims: per writer, the (operation, aggregate) keys it holds. */
  readonly claims = new Map<string, Set<string>>();
  /** The last run made or ended of each (operation, aggregate) key: its writer and that time. */
  readonly lastMade = new Map<string, { writer: string; t: number }>();

  /** Applies one event of writer `writer`'s journal. */
  apply(writer: string, ev: JournalEvent): void {
    switch (ev.e) {
      case "writer":
        this.writers.set(writer, {
          id: writer,
          host: String(ev.host),
          pid: Number(ev.pid),
          boot: ev.boot,
          pstart: ev.pstart,
          t: Number(ev.t),
          user: String(ev.user ?? ""),
          cluster: parseClusterJob(ev.cluster),
        });
        return;
      case "def": {
        let d = this.defs.get(writer);
        if (!d) this.defs.set(writer, (d = new Map()));
        d.set(ev.n, { directives: ev.directives, command: ev.command });
        return;
      }
      case "run":
        return this.addRun(writer, ev);
      case "start":
      case "end": {
        const run = this.runs.get(ev.id);
        if (run) return this.progress(run, writer, ev);
        const group = ev.e === "end" ? this.groups.get(ev.id) : undefined;
        if (group) {
          group.ended = ev.t;
          return;
        }
        const list = this.early.get(ev.id) ?? [];
        list.push({ writer, event: ev });
        this.early.set(ev.id, list);
        return;
      }
      case "attr":
        this.changes.push({ t: ev.t, seq: this.seq++, of: ev.of, set: ev.set, delete: ev.delete });
        return;
      case "group":
        return this.addGroup(writer, ev);
      case "claim":
      case "release": {
        let held = this.claims.get(writer);
        if (!held) this.claims.set(writer, (held = new Set()));
        for (const [op, agg] of ev.items) {
          if (ev.e === "claim") held.add(claimKey(op, agg));
          else held.delete(claimKey(op, agg));
        }
        return;
      }
    }
  }

  private addRun(writer: string, ev: RunEvent): void {
    if (typeof ev.id !== "string" || this.runs.has(ev.id)) return;
    const def = this.defs.get(writer);
    const command = ev.cmd ?? (ev.c !== undefined ? def?.get(ev.c)?.command : undefined);
    const run: Run = {
      id: ev.id,
      name: runName(ev.id),
      writer,
      operation: String(ev.op),
      flowgroup: ev.fg,
      jobs: Array.isArray(ev.jobs) ? ev.jobs : [],
      config: typeof ev.config === "string" ? ev.config : "{}",
      directives: ev.d !== undefined ? def?.get(ev.d)?.directives : undefined,
      command,
      commandExpanded: ev.cmd !== undefined,
      function: ev.fn === true,
      made: ev.t,
      attrs: new Map(),
    };
    this.runs.set(ev.id, run);
    this.lastMade.set(claimKey(run.operation, aggregateOf(run)), { writer, t: ev.t });
    if (ev.in) for (const g of ev.in) this.changes.push({ t: ev.t, seq: this.seq++, of: g, join: ev.id });
    const early = this.early.get(ev.id);
    if (early) {
      this.early.delete(ev.id);
      for (const x of early) this.progress(run, x.writer, x.event);
    }
  }

  private progress(run: Run, writer: string, ev: JournalEvent): void {
    if (ev.e === "start") {
      run.started = ev.t;
      run.segmentWriter = writer;
      run.slot = ev.slot;
      run.offset = ev.off;
    } else if (ev.e === "end") {
      run.ended = ev.t;
      run.exit = ev.exit;
      run.length = ev.len;
      // A run's end gives back the claim of what it executed.
      const key = claimKey(run.operation, aggregateOf(run));
      this.claims.get(writer)?.delete(key);
      const last = this.lastMade.get(key);
      if (!last || ev.t >= last.t) this.lastMade.set(key, { writer: run.writer, t: ev.t });
    }
  }

  private addGroup(writer: string, ev: GroupEvent): void {
    if (typeof ev.id !== "string" || this.groups.has(ev.id)) return;
    this.groups.set(ev.id, { id: ev.id, name: runName(ev.id), writer, kind: ev.kind, made: ev.t, planned: ev.planned, attrs: new Map() });
    if (ev.set) this.changes.push({ t: ev.t, seq: this.seq++, of: ev.id, set: ev.set });
  }

  /**
   * Applies the attribute changes read so far, in time order, to the runs and groups they name.
   * Called after a reading; changes of ids not (yet) known wait for a later call.
   */
  settle(): void {
    if (this.changes.length === 0) return;
    this.changes.sort((a, b) => a.t - b.t || a.seq - b.seq);
    const waiting: Change[] = [];
    for (const c of this.changes) {
      const target = this.runs.get(c.of) ?? this.groups.get(c.of);
      if (!target) {
        waiting.push(c);
        continue;
      }
      if (c.join !== undefined) target.attrs.set(MEMBER + c.join, "");
      if (c.set) for (const [k, v] of Object.entries(c.set)) target.attrs.set(k, v);
      if (c.delete) for (const k of c.delete) target.attrs.delete(k);
    }
    this.changes = waiting;
  }

  /** A group's members (run ids), oldest first (run ids sort by time). */
  members(group: Group): string[] {
    const ids: string[] = [];
    for (const k of group.attrs.keys()) if (k.startsWith(MEMBER)) ids.push(k.slice(MEMBER.length));
    return ids.sort();
  }
}

/** The key of an (operation, aggregate) pair in claims. */
export function claimKey(operation: string, aggregate: string): string {
  return operation + "\0" + aggregate;
}

/** The aggregate id a run executed on (SPEC §4): its job's id; `agg-` + md5 of the joined ids for several; "" for a flag run. */
export function aggregateOf(run: Run): string {
  if (run.jobs.length === 0) return "";
  if (run.jobs.length === 1) return run.jobs[0];
  return "agg-" + createHash("md5").update(run.jobs.join(",")).digest("hex");
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Parses a journal's complete lines; bad lines are counted in `ledger.skipped`. */
function applyText(ledger: Ledger, writer: string, text: string): void {
  let at = 0;
  while (at < text.length) {
    let nl = text.indexOf("\n", at);
    if (nl < 0) nl = text.length;
    if (nl > at) {
      let ev: unknown;
      try {
        ev = JSON.parse(text.slice(at, nl));
      } catch {
        ev = undefined;
      }
      if (wellFormed(ev)) ledger.apply(writer, ev);
      else ledger.skipped++;
    }
    at = nl + 1;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isTime = (v: unknown) => typeof v === "number" && Number.isFinite(v);
const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isStrings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");

/**
 * Whether a parsed line is an event the ledger can apply: what it reads of it has the type it needs.
 * A damaged or foreign line is skipped rather than break every listing (an `attr` whose `delete` is
 * no list, a `start` whose slot would name a file outside the journal directory).
 */
function wellFormed(v: unknown): v is JournalEvent {
  if (!isObject(v)) return false;
  switch (v.e) {
    case "run":
      return isTime(v.t) && typeof v.id === "string" && (v.in === undefined || isStrings(v.in));
    case "start":
      return isTime(v.t) && typeof v.id === "string" && isCount(v.slot) && isCount(v.off);
    case "end":
      return isTime(v.t) && typeof v.id === "string" && (v.exit === undefined || Number.isSafeInteger(v.exit)) && (v.len === undefined || isCount(v.len));
    case "attr":
      return isTime(v.t) && typeof v.of === "string" && (v.set === undefined || isObject(v.set)) && (v.delete === undefined || isStrings(v.delete));
    case "group":
      return isTime(v.t) && typeof v.id === "string" && typeof v.kind === "string" && (v.set === undefined || isObject(v.set));
    case "claim":
    case "release":
      return Array.isArray(v.items) && v.items.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === "string" && typeof p[1] === "string");
    default:
      // The writer line and definitions are read leniently; an event of a later format applies nothing.
      return typeof v.e === "string";
  }
}

/** How far each journal of a project has been read; reads only what was appended since. */
export class JournalTail {
  private readonly offsets = new Map<string, number>();
  readonly ledger = new Ledger();

  /** `skip`: a writer whose journal is not read (a runner knows its own events). */
  constructor(
    readonly projectRoot: string,
    private readonly skip?: string,
  ) {}

  /** Reads what the journals gained since the last call, and returns the ledger. */
  read(): Ledger {
    const dir = journalDir(this.projectRoot);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (err) {
      if (isErrno(err, "ENOENT")) names = [];
      else throw err;
    }
    // Writer ids are time-ordered: older journals first.
    names.sort();
    for (const name of names) {
      const m = JOURNAL_RE.exec(name);
      if (!m || m[1] === this.skip) continue;
      this.readFile(path.join(dir, name), m[1]);
    }
    this.ledger.settle();
    return this.ledger;
  }

  private readFile(file: string, writer: string): void {
    const from = this.offsets.get(writer) ?? 0;
    let fd: number;
    try {
      fd = fs.openSync(file, "r");
    } catch (err) {
      if (isErrno(err, "ENOENT")) return;
      throw err;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= from) return;
      const buf = Buffer.allocUnsafe(size - from);
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(fd, buf, got, buf.length - got, from + got);
        if (n === 0) break;
        got += n;
      }
      // Up to the last newline: a line still being written waits for the next reading.
      const end = buf.lastIndexOf(10, got - 1) + 1;
      if (end === 0) return;
      applyText(this.ledger, writer, buf.toString("utf8", 0, end));
      this.offsets.set(writer, from + end);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** Every run and group of a project, as its journals say now. */
export function readLedger(projectRoot: string): Ledger {
  return new JournalTail(projectRoot).read();
}

export type { AttrEvent, GroupEvent, RunEvent, WriterEvent };
