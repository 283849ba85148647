/**
 * The metrics cache: each run's metrics summed up (first, last, min, max, sum, count: what comparisons
 * show), with how far each writer's metrics file was read and its stat key (util/stat-key.ts), kept in
 * `.cohort/cache/metrics.v8`. A file whose key is unchanged is not read; one that only grew (same
 * inode, larger) is read from where the cache left off, since the file is only ever appended to;
 * anything else — a file rewritten, gone, or a cache damaged or of another format — makes the cache
 * start over from every file. The cache is never needed for a right answer.
 */
import fs from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import { Float } from "../dataspace/value.js";
import { readCheckedFile, writeCheckedFile } from "../util/checked-file.js";
import { makeDirs, readLinesFrom } from "../util/fs.js";
import { keyAt, keyNumbers, keyOf, sameKey, type StatKey } from "../util/stat-key.js";
import { journalDir } from "./journal.js";
import { addLeftovers, addMetricLines, journalDirNames, metricsFileNames, readLeftovers, type MetricsByRun } from "./metric-events.js";
import { MetricSummary, type MetricValue } from "./metrics.js";

/** Changes whenever what the cache holds changes; a cache of another format starts over. */
const FORMAT = 3;

/** A journal as read: its name, its key's four numbers, and the bytes read (to its last newline). */
type JournalMark = [name: string, mtimeMs: number, ctimeMs: number, size: number, ino: number, read: number];

/** A summary as kept: first, last, min, max, count, sum, stepped, which of the four values are floats (bits 0-3), and the sum's carry. */
type SummaryTuple = [first: number, last: number, min: number | null, max: number | null, count: number, sum: number, stepped: boolean, floats: number, carry: number];

interface CacheFile {
  format: number;
  journals: JournalMark[];
  runs: [id: string, metrics: [name: string, summary: SummaryTuple][]][];
  skipped: number;
  /** Runs whose `$COHORT_METRICS` file is in an event. */
  filed: string[];
}

function cacheFile(projectRoot: string): string {
  return path.join(projectRoot, ".cohort", "cache", "metrics.v8");
}

/** A journal mark's stat key. */
const markKey = (m: JournalMark): StatKey => keyAt(m.slice(1, 5) as number[]);
const numberOf = (v: MetricValue) => (typeof v === "number" ? v : v.value);
const valueOf = (x: number, float: boolean): MetricValue => (float ? new Float(x) : x);

function toTuple(s: MetricSummary): SummaryTuple {
  const values = [s.first, s.last, s.min, s.max];
  let floats = 0;
  values.forEach((v, i) => {
    if (v instanceof Float) floats |= 1 << i;
  });
  return [numberOf(s.first!), numberOf(s.last!), s.min === undefined ? null : numberOf(s.min), s.max === undefined ? null : numberOf(s.max), s.count, s.sum, s.stepped, floats, s.carry];
}

function fromTuple(t: SummaryTuple): MetricSummary {
  const s = new MetricSummary(false);
  s.first = valueOf(t[0], (t[7] & 1) !== 0);
  s.last = valueOf(t[1], (t[7] & 2) !== 0);
  s.min = t[2] === null ? undefined : valueOf(t[2], (t[7] & 4) !== 0);
  s.max = t[3] === null ? undefined : valueOf(t[3], (t[7] & 8) !== 0);
  s.count = t[4];
  s.sum = t[5];
  s.carry = t[8];
  s.stepped = t[6];
  return s;
}

function load(projectRoot: string): CacheFile | undefined {
  const bytes = readCheckedFile(cacheFile(projectRoot));
  if (!bytes) return undefined;
  try {
    const c = v8.deserialize(bytes) as CacheFile;
    return c?.format === FORMAT && Array.isArray(c.journals) && Array.isArray(c.runs) ? c : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a journal from byte `from` to its last newline; the bytes read, or undefined when it is gone. */
function readFrom(file: string, from: number, out: MetricsByRun): { key: StatKey; read: number } | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    const { buf, end } = readLinesFrom(fd, from, st.size);
    addMetricLines(buf, end, out);
    return { key: keyOf(st), read: from + end };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Every run's metrics, summed up (no series of values), as the journals of `projectRoot` hold them:
 * through the cache, reading only what was appended since it was kept.
 */
export function readMetricsCached(projectRoot: string): MetricsByRun {
  // (the files left behind, not kept: read first, as readMetrics does)
  const entries = journalDirNames(projectRoot);
  const leftovers = readLeftovers(projectRoot, entries);
  const dir = journalDir(projectRoot);
  const names = metricsFileNames(entries);
  const cached = load(projectRoot);
  const marks = new Map((cached?.journals ?? []).map((m) => [m[0], m]));
  // Whether every journal the cache read is still there, as it was or longer.
  let usable = cached !== undefined && cached.journals.every((m) => names.includes(m[0]));
  const keys = new Map<string, StatKey>();
  if (usable) {
    for (const name of names) {
      const m = marks.get(name);
      if (!m) continue;
      const st = fs.statSync(path.join(dir, name), { throwIfNoEntry: false });
      const before = markKey(m);
      if (!st || st.ino !== before.ino || st.size < before.size || (st.size === before.size && !sameKey(keyOf(st), before))) {
        usable = false;
        break;
      }
      keys.set(name, keyOf(st));
    }
  }
  const out: MetricsByRun = { runs: new Map(), skipped: usable ? cached!.skipped : 0, filed: new Set(usable ? cached!.filed : []) };
  if (usable) {
    for (const [id, metrics] of cached!.runs) out.runs.set(id, new Map(metrics.map(([name, t]) => [name, fromTuple(t)])));
  }
  let changed = !usable;
  const journals: JournalMark[] = [];
  for (const name of names) {
    const m = usable ? marks.get(name) : undefined;
    if (m && sameKey(keys.get(name)!, markKey(m))) {
      journals.push(m);
      continue;
    }
    const read = readFrom(path.join(dir, name), m ? m[5] : 0, out);
    if (!read) continue;
    changed = true;
    journals.push([name, ...keyNumbers(read.key), read.read]);
  }
  if (changed) save(projectRoot, { format: FORMAT, journals, runs: [...out.runs].map(([id, metrics]) => [id, [...metrics].map(([name, s]) => [name, toTuple(s)])]), skipped: out.skipped, filed: [...out.filed] });
  addLeftovers(out, leftovers);
  return out;
}

function save(projectRoot: string, c: CacheFile): void {
  // Only a speed-up: a cache that cannot be written is not kept.
  try {
    makeDirs(path.dirname(cacheFile(projectRoot)), projectRoot);
    writeCheckedFile(cacheFile(projectRoot), v8.serialize(c));
  } catch {
    // (a read-only project, a full disk: the next command reads the journals again)
  }
}
