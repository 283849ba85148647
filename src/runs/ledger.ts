/**
 * Every run and run group of a project, folded from its journals (journal.ts; SPEC §6, §7).
 *
 * A journal is read up to its last newline: a last line still being written is left for the next
 * reading. A line that is not an event (damage, a foreign line) is skipped and counted. The events
 * of one run may lie in several journals.
 *
 * What the fold keeps of the events of several journals does not depend on the order those journals
 * are read in, so that a long-lived reader (`JournalTail`: a runner claiming work, `runs show
 * --follow`) may read only what each journal gained since it last looked:
 * - Attributes are last-writer-wins per key (SPEC §6: later wins, deletes after sets): a change of a
 *   key applies unless the key was last changed by a later event. Events are ordered by time, then by
 *   the name of their journal; within one journal, the later line wins. A run joining a group by its
 *   own event (its `in`) counts as a change of the group's key `run:ID` at the time the run was made.
 * - A `start` or an `end` applies unless its run already has a later one.
 * - What refers to a run or group not read yet (a `start`, an `end`, an `attr`, a run joining a
 *   group) waits for it.
 * A run or group made twice (damage, or a foreign journal) is the one of the first event read.
 */
import fs from "node:fs";
import path from "node:path";
import { isErrno, readLinesFrom } from "../util/fs.js";
import { keyOf, type StatKey } from "../util/stat-key.js";
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

/** When a change was made: its event's time and journal (writer). */
export interface Stamp {
  t: number;
  writer: string;
}

/** Whether stamp `a` comes before `b`. */
function before(a: Stamp, b: Stamp): boolean {
  return a.t < b.t || (a.t === b.t && a.writer < b.writer);
}

/** The attributes of every run that has none (most): shared, never changed. */
const NO_ATTRIBUTES: ReadonlyMap<string, unknown> = new Map();

/** How a run was defined: what many runs of one writer share. */
export interface How {
  flowgroup: string | undefined;
  directives: Record<string, unknown> | undefined;
  command: string | undefined;
  commandExpanded: boolean;
  function: boolean;
}

/** A definition (`def` event) a run refers to. */
interface Def {
  directives?: Record<string, unknown>;
  command?: string;
}

/** A run: what its events say. (The listing cache keeps runs field by field, listing-cache.ts: a new field goes there too.) */
export class Run {
  /** Epoch microseconds, and where its output is: the segment of writer `segmentWriter`, slot `slot`, from `offset`. */
  started?: number = undefined;
  segmentWriter?: string = undefined;
  slot?: number = undefined;
  offset?: number = undefined;
  ended?: number = undefined;
  exit?: number = undefined;
  length?: number = undefined;
  /** The shell command a `cmd` function returned (its `end` says). */
  returned?: string = undefined;
  attrs: ReadonlyMap<string, unknown> = NO_ATTRIBUTES;
  /** When each attribute key was last changed (only runs whose attributes changed). */
  stamps?: Map<string, Stamp> = undefined;

  constructor(
    readonly id: string,
    /** The writer whose journal made the run. */
    readonly writer: string,
    readonly operation: string,
    /** Epoch microseconds. */
    readonly made: number,
    /** Its job's id, or the job ids of its aggregate (none for a flag run): `jobs`. */
    private readonly jobIds: string | string[],
    /** JSON text of the flags or the state point(s). */
    readonly config: string,
    /** How it was defined, which most runs of one writer share. */
    readonly how: How,
  ) {}

  /** Job ids of the aggregate; empty for a flag run. */
  get jobs(): string[] {
    const j = this.jobIds;
    return typeof j === "string" ? [j] : j;
  }

  /** The FlowGroup it ran in, when not the operation's own. */
  get flowgroup(): string | undefined {
    return this.how.flowgroup;
  }

  get directives(): Record<string, unknown> | undefined {
    return this.how.directives;
  }

  /** The command template, or the command as run (`commandExpanded`). */
  get command(): string | undefined {
    return this.how.command;
  }

  get commandExpanded(): boolean {
    return this.how.commandExpanded;
  }

  /** A function operation. */
  get function(): boolean {
    return this.how.function;
  }

  /** Its short name: the proquint of the id's last 32 bits. */
  get name(): string {
    return runName(this.id);
  }
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
  /** Details of its kind, label, tags, comments, members added by `group` and `attr` events (`run:<id>`). */
  attrs: Map<string, unknown>;
  stamps?: Map<string, Stamp>;
  /** The runs that joined it by their own event. */
  joined: Run[];
}

/** A change of attributes whose run or group is not known yet. */
interface Waiting {
  stamp: Stamp;
  set?: Record<string, unknown>;
  delete?: string[];
}

/** A `start` or `end` of a run not known yet, or an `end` of a group not known yet. */
interface Early {
  writer: string;
  event: JournalEvent;
}

/** A member's key in a group's attributes is this prefix and the member's run id. */
export const MEMBER_PREFIX = "run:";
const NO_JOBS: string[] = Object.freeze([]) as unknown as string[];

export interface LedgerOptions {
  /** Keep what runners claim (`claims`, `lastMade`): a runner claiming work needs it, a listing does not. */
  claims?: boolean;
}

/** What the journals hold; `JournalTail.read` adds to it. */
export class Ledger {
  readonly writers = new Map<string, Writer>();
  readonly runs = new Map<string, Run>();
  readonly groups = new Map<string, Group>();
  /** Lines that were not events. */
  skipped = 0;
  /** Per writer, how its last run was defined (most of its runs share it). */
  private readonly lastHow = new Map<string, How>();
  /** Per writer, the definitions its runs refer to. */
  private readonly defs = new Map<string, Map<number, Def>>();
  /** start/end events read before the event that made their run or group. */
  private readonly early = new Map<string, Early[]>();
  /** Attribute changes read before their run or group was made. */
  private readonly waiting = new Map<string, Waiting[]>();
  /** Runs that joined a group not made yet, by group id. */
  private readonly joining = new Map<string, Run[]>();
  /**
   * Claims (kept with `claims`): per (operation, aggregate) key, the writers that hold it, with the time
   * each claimed it. A claim is given back by a `release`, or consumed once a run of its pair made at
   * or after the claim has ended, in whichever journal (a `--parallel` runner's workers record the
   * runs of what it claimed).
   */
  readonly claims = new Map<string, Map<string, number>>();
  /** The last run made or ended of each (operation, aggregate) key: its writer and that time (kept with `claims`). */
  readonly lastMade = new Map<string, { writer: string; t: number }>();
  /** Per key, when the latest run of it that has ended was made (kept with `claims`): a claim read after that end is consumed already. */
  private readonly endedMade = new Map<string, number>();
  private readonly tracksClaims: boolean;

  constructor(opts: LedgerOptions = {}) {
    this.tracksClaims = opts.claims === true;
  }

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
        if (group) return endGroup(group, ev.t);
        const list = this.early.get(ev.id);
        if (list) list.push({ writer, event: ev });
        else this.early.set(ev.id, [{ writer, event: ev }]);
        return;
      }
      case "attr":
        return this.change(ev.of, { t: ev.t, writer }, ev.set, ev.delete);
      case "group":
        return this.addGroup(writer, ev);
      case "claim":
      case "release": {
        if (!this.tracksClaims) return;
        for (const [op, agg] of ev.items) {
          const key = claimKey(op, agg);
          let holders = this.claims.get(key);
          if (ev.e === "release") holders?.delete(writer);
          else if ((this.endedMade.get(key) ?? -Infinity) < ev.t) {
            if (!holders) this.claims.set(key, (holders = new Map()));
            holders.set(writer, ev.t);
          }
        }
        return;
      }
    }
  }

  private addRun(writer: string, ev: RunEvent): void {
    if (typeof ev.id !== "string") return;
    // Made twice (damage, or a foreign journal): the first event read counts.
    if (this.runs.has(ev.id)) return;
    const jobs = Array.isArray(ev.jobs) ? (ev.jobs.length === 1 ? ev.jobs[0] : ev.jobs) : NO_JOBS;
    const config = typeof ev.config === "string" ? ev.config : "{}";
    const run = new Run(ev.id, writer, String(ev.op), ev.t, jobs, config, this.how(writer, ev));
    this.runs.set(ev.id, run);
    if (ev.slot !== undefined) {
      // Made as it started: the event holds its start.
      run.started = ev.t;
      run.segmentWriter = writer;
      run.slot = ev.slot;
      run.offset = ev.off;
    }
    if (this.tracksClaims) this.lastMade.set(claimKey(run.operation, aggregateOf(run)), { writer, t: ev.t });
    if (ev.in) {
      for (let i = 0; i < ev.in.length; i++) {
        const g = ev.in[i];
        if (ev.in.indexOf(g) !== i) continue; // named twice: joins once
        const group = this.groups.get(g);
        if (group) group.joined.push(run);
        else {
          const list = this.joining.get(g);
          if (list) list.push(run);
          else this.joining.set(g, [run]);
        }
      }
    }
    this.settle(ev.id, run);
  }

  /** How run event `ev` of `writer` defines its run: the same object as the last run of that writer's when it is the same. */
  private how(writer: string, ev: RunEvent): How {
    const def = this.defs.get(writer);
    const command = ev.cmd ?? (ev.c !== undefined ? def?.get(ev.c)?.command : undefined);
    const directives = ev.d !== undefined ? def?.get(ev.d)?.directives : undefined;
    const h: How = { flowgroup: ev.fg, directives, command, commandExpanded: ev.cmd !== undefined, function: ev.fn === true };
    const last = this.lastHow.get(writer);
    if (last && last.flowgroup === h.flowgroup && last.directives === h.directives && last.command === h.command && last.commandExpanded === h.commandExpanded && last.function === h.function) return last;
    this.lastHow.set(writer, h);
    return h;
  }

  private addGroup(writer: string, ev: GroupEvent): void {
    if (typeof ev.id !== "string") return;
    if (this.groups.has(ev.id)) return;
    const group: Group = { id: ev.id, name: runName(ev.id), writer, kind: ev.kind, made: ev.t, planned: ev.planned, ended: undefined, attrs: new Map(), stamps: undefined, joined: [] };
    this.groups.set(ev.id, group);
    const joining = this.joining.get(ev.id);
    if (joining) {
      this.joining.delete(ev.id);
      for (const r of joining) group.joined.push(r);
    }
    if (ev.set) this.change(ev.id, { t: ev.t, writer }, ev.set, undefined);
    this.settle(ev.id, group);
  }

  /** Applies what was waiting for run or group `id`, just made. */
  private settle(id: string, target: Run | Group): void {
    const early = this.early.get(id);
    if (early) {
      this.early.delete(id);
      for (const x of early) {
        if (target instanceof Run) this.progress(target, x.writer, x.event);
        else if (x.event.e === "end") endGroup(target, x.event.t);
      }
    }
    const waiting = this.waiting.get(id);
    if (waiting) {
      this.waiting.delete(id);
      for (const w of waiting) changeAttrs(target, w.stamp, w.set, w.delete);
    }
  }

  private progress(run: Run, writer: string, ev: JournalEvent): void {
    if (ev.e === "start") {
      if (run.started !== undefined && ev.t < run.started) return;
      run.started = ev.t;
      run.segmentWriter = writer;
      run.slot = ev.slot;
      run.offset = ev.off;
    } else if (ev.e === "end") {
      if (run.ended !== undefined && ev.t < run.ended) return;
      run.ended = ev.t;
      run.exit = ev.exit;
      run.length = ev.len;
      run.returned = ev.cmd;
      if (!this.tracksClaims) return;
      // A run's end gives back the claims of its pair taken before it was made.
      const key = claimKey(run.operation, aggregateOf(run));
      const holders = this.claims.get(key);
      if (holders) for (const [w, t] of holders) if (t <= run.made) holders.delete(w);
      if ((this.endedMade.get(key) ?? -Infinity) < run.made) this.endedMade.set(key, run.made);
      const last = this.lastMade.get(key);
      if (!last || ev.t >= last.t) this.lastMade.set(key, { writer: run.writer, t: ev.t });
    }
  }

  private change(of: string, stamp: Stamp, set: Record<string, unknown> | undefined, del: string[] | undefined): void {
    const target = this.runs.get(of) ?? this.groups.get(of);
    if (target) return changeAttrs(target, stamp, set, del);
    const list = this.waiting.get(of);
    if (list) list.push({ stamp, set, delete: del });
    else this.waiting.set(of, [{ stamp, set, delete: del }]);
  }

  /** Sets attributes in this reading only: what this process has just recorded, as a later reading of its journal will find it. */
  note(target: Run | Group, set: Record<string, unknown>): void {
    changeAttrs(target, { t: Infinity, writer: "" }, set, undefined);
  }

  /**
   * A group's members that are runs read (deleted and purged ones too), each once, in no particular
   * order: those that joined it by their own event unless a later change of the group removed them,
   * and those its attributes name.
   */
  memberRuns(group: Group): readonly Run[] {
    let changed = false;
    for (const k of group.attrs.keys()) if (k.startsWith(MEMBER_PREFIX)) changed = true;
    if (group.stamps) for (const k of group.stamps.keys()) if (k.startsWith(MEMBER_PREFIX)) changed = true;
    // (most groups: only runs joining by their own event)
    if (!changed) return group.joined;
    const runs: Run[] = [];
    for (const id of this.members(group)) {
      const r = this.runs.get(id);
      if (r) runs.push(r);
    }
    return runs;
  }

  /** A group's members (run ids), oldest first (run ids sort by time). */
  members(group: Group): string[] {
    const ids: string[] = [];
    for (const r of group.joined) {
      // A change of its key made after the run joined decides (it is in `attrs` if set).
      const s = group.stamps?.get(MEMBER_PREFIX + r.id);
      if (s === undefined || before(s, { t: r.made, writer: r.writer })) ids.push(r.id);
    }
    for (const k of group.attrs.keys()) if (k.startsWith(MEMBER_PREFIX)) ids.push(k.slice(MEMBER_PREFIX.length));
    // (joined in the order read: mostly sorted already, which the sort finds in one pass)
    ids.sort();
    let n = 0;
    for (let i = 0; i < ids.length; i++) if (i === 0 || ids[i] !== ids[i - 1]) ids[n++] = ids[i];
    ids.length = n;
    return ids;
  }
}

function endGroup(group: Group, t: number): void {
  if (group.ended === undefined || t > group.ended) group.ended = t;
}

/** Applies a change to a run's or group's attributes, key by key: the latest change of a key wins. */
function changeAttrs(target: Run | Group, stamp: Stamp, set: Record<string, unknown> | undefined, del: string[] | undefined): void {
  let attrs = target.attrs as Map<string, unknown>;
  if (attrs === NO_ATTRIBUTES) (target as Run).attrs = attrs = new Map();
  const stamps = (target.stamps ??= new Map());
  if (set) {
    for (const k of Object.keys(set)) {
      const s = stamps.get(k);
      if (s !== undefined && before(stamp, s)) continue;
      attrs.set(k, set[k]);
      stamps.set(k, stamp);
    }
  }
  if (del) {
    for (const k of del) {
      const s = stamps.get(k);
      if (s !== undefined && before(stamp, s)) continue;
      attrs.delete(k);
      stamps.set(k, stamp);
    }
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
  // (node's crypto module loads only here, for a runner's claims: a listing never needs it)
  return "agg-" + process.getBuiltinModule("node:crypto").createHash("md5").update(run.jobs.join(",")).digest("hex");
}

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * Parses a journal's complete lines; bad lines are counted in `ledger.skipped`. With `kinds`, a line
 * whose kind is another is skipped unparsed: cohort writes `e` first (`{"e":"run",...`), so the kind is
 * read from the text; a line written otherwise is parsed to tell.
 */
export function applyText(ledger: Ledger, writer: string, text: string, kinds?: ReadonlySet<string>): void {
  let at = 0;
  while (at < text.length) {
    let nl = text.indexOf("\n", at);
    if (nl < 0) nl = text.length;
    const kind = kinds && kindOfLine(text, at, nl);
    if (kind !== undefined && !kinds!.has(kind)) {
      at = nl + 1;
      continue;
    }
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

const KIND_PREFIX = '{"e":"';

/** The kind of the line from `at` to `nl` where it starts as cohort writes it; undefined (parse it) otherwise. */
function kindOfLine(text: string, at: number, nl: number): string | undefined {
  if (!text.startsWith(KIND_PREFIX, at)) return undefined;
  const from = at + KIND_PREFIX.length;
  const end = text.indexOf('"', from);
  if (end < 0 || end > nl || text.charCodeAt(end + 1) !== 44 /* , */) return undefined;
  const kind = text.slice(from, end);
  return kind.includes("\\") ? undefined : kind;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
/** Epoch microseconds that a Date can hold (±8.64e15 ms): shown times must not throw. */
const isTime = (v: unknown) => typeof v === "number" && Math.abs(v) <= 8.64e18;
const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isStrings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");

/** Whether the attributes cohort reads with a type have it: a `label` is text, a comment `{msg, author, time}`. */
function attributesWellFormed(set: Record<string, unknown>): boolean {
  for (const k in set) {
    const v = set[k];
    if (k === "label" ? typeof v !== "string" : k.startsWith("comment:") && !(isObject(v) && typeof v.msg === "string" && typeof v.author === "string" && isTime(v.time))) return false;
  }
  return true;
}

/**
 * Whether a parsed line is an event the ledger can apply: what it reads of it has the type it needs.
 * A damaged or foreign line is skipped rather than break every listing (an `attr` whose `delete` is
 * no list, a `start` whose slot would name a file outside the journal directory).
 */
function wellFormed(v: unknown): v is JournalEvent {
  if (!isObject(v)) return false;
  switch (v.e) {
    case "run":
      return isTime(v.t) && typeof v.id === "string" && (v.in === undefined || isStrings(v.in)) && (v.slot === undefined ? v.off === undefined : isCount(v.slot) && isCount(v.off));
    case "start":
      return isTime(v.t) && typeof v.id === "string" && isCount(v.slot) && isCount(v.off);
    case "end":
      return isTime(v.t) && typeof v.id === "string" && (v.exit === undefined || Number.isSafeInteger(v.exit)) && (v.len === undefined || isCount(v.len)) && (v.cmd === undefined || typeof v.cmd === "string");
    case "attr":
      return isTime(v.t) && typeof v.of === "string" && (v.set === undefined || (isObject(v.set) && attributesWellFormed(v.set))) && (v.delete === undefined || isStrings(v.delete));
    case "group":
      return isTime(v.t) && typeof v.id === "string" && typeof v.kind === "string" && (v.set === undefined || (isObject(v.set) && attributesWellFormed(v.set)));
    case "claim":
    case "release":
      return Array.isArray(v.items) && v.items.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === "string" && typeof p[1] === "string");
    default:
      // The writer line and definitions are read leniently; an event of a later format applies nothing.
      return typeof v.e === "string";
  }
}

/** What a journal was when it was read: its stat key (stat-key.ts), and how much of it was read (up to its last newline). */
export interface ReadMark extends StatKey {
  /** Bytes read: up to the last newline. */
  read: number;
}

export interface TailOptions {
  /** Writers whose journals are not read (a runner knows its own events, and its workers'); read at each call. */
  skip?: ReadonlySet<string>;
  /** Keep claims (ledger.claims, ledger.lastMade). */
  claims?: boolean;
  /** Apply only events of these kinds (`e`): a reader needing few of them skips the lines of runs unparsed. */
  kinds?: ReadonlySet<string>;
}

/** How far each journal of a project has been read; reads only what was appended since. */
export class JournalTail {
  readonly ledger: Ledger;
  /** Each journal as it was when last read, by file name. */
  readonly marks = new Map<string, ReadMark>();

  constructor(
    readonly projectRoot: string,
    private readonly opts: TailOptions = {},
  ) {
    this.ledger = new Ledger({ claims: opts.claims });
  }

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
      if (!m || this.opts.skip?.has(m[1])) continue;
      this.readFile(path.join(dir, name), name, m[1]);
    }
    return this.ledger;
  }

  private readFile(file: string, name: string, writer: string): void {
    const from = this.marks.get(name)?.read ?? 0;
    let fd: number;
    try {
      fd = fs.openSync(file, "r");
    } catch (err) {
      if (isErrno(err, "ENOENT")) return;
      throw err;
    }
    try {
      const st = fs.fstatSync(fd);
      const mark: ReadMark = { read: from, ...keyOf(st) };
      this.marks.set(name, mark);
      if (st.size <= from) return;
      const { buf, end } = readLinesFrom(fd, from, st.size);
      if (end === 0) return;
      applyText(this.ledger, writer, buf.toString("utf8", 0, end), this.opts.kinds);
      mark.read = from + end;
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** Every run and group of a project, as its journals say now (with `kinds`, only those events). */
export function readLedger(projectRoot: string, opts: TailOptions = {}): Ledger {
  return new JournalTail(projectRoot, opts).read();
}

export type { AttrEvent, GroupEvent, RunEvent, WriterEvent };
