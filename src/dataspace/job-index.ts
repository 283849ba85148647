/**
 * The index of a workspace: every job's id and state point, kept in `.cohort/cache/jobs.json`.
 *
 * A job's state point is fixed by its id (the id is its hash), so a cached state point stays right
 * for as long as the directory of that name exists. What can change behind cohort's back is the set
 * of directories; the index sees that through the workspace directory's stat key (util/stat-key.ts),
 * and reads the directory again whenever the key changed or is too recent to be trusted. `cohort
 * check` reads every file again regardless.
 *
 * The cache file carries a CRC-32 of its content (checked-file.ts): one edited or damaged is read as no
 * cache, and the index is built again from the job directories. What runs a job does not take the
 * state point from here alone: it reads the job's own file first (Job.verify).
 */
import fs from "node:fs";
import path from "node:path";
import { readCheckedFile, writeCheckedFile } from "../util/checked-file.js";
import { keyAt, keyNumbers, sameKey, settled, statKey, type StatKey } from "../util/stat-key.js";
import { isErrno, makeDirs, removeStaleTemps } from "../util/fs.js";
import { jobId, JOB_ID } from "./id.js";
import { readObjectFile } from "./json-file.js";
import { findDottedKey } from "./keys.js";
import { collectTyped, restoreTyped } from "./typed-json.js";
import type { JsonObject } from "./value.js";

export const STATEPOINT_FILE = "signac_statepoint.json";
// 4: a state point with a dotted key is an invalid job directory (an index of version 3 may hold one)
const CACHE_VERSION = 4;

export interface InvalidJobDir {
  name: string;
  reason: string;
}

interface CacheFile {
  v: number;
  /** The stat key of workspace/ (keyNumbers) seen before the scan that produced this index; null when unknown. */
  ws: number[] | null;
  scannedAt: number;
  ids: string[];
  sps: unknown[];
  /** Values JSON cannot carry: [index into sps, exact text, ...path]. */
  typed: (string | number)[][];
  invalid: InvalidJobDir[];
}

/** readStatepoint's reason when a directory has no state-point file. */
export const NO_STATEPOINT_FILE = "no state-point file";

/** Reads one job directory's state point; a reason string when it is missing or wrong. */
export function readStatepoint(dir: string, expectedId?: string): JsonObject | string {
  const sp = readObjectFile(dir + path.sep + STATEPOINT_FILE, "state-point file");
  if (sp === undefined) return NO_STATEPOINT_FILE;
  if (typeof sp === "string") return sp;
  // signac refuses such keys, and no query could address one (a.b means key b inside key a)
  const dotted = findDottedKey(sp);
  if (dotted !== undefined) return `state-point key ${JSON.stringify(dotted)} contains a dot`;
  if (expectedId !== undefined) {
    const actual = jobId(sp);
    if (actual !== expectedId) return `state point hashes to ${actual}, not to the directory's name`;
  }
  return sp;
}

export class JobIndex {
  private byId: Map<string, JsonObject> | undefined;
  private dirty = false;
  /** Whether loading read the workspace directory (the cache could not be trusted). */
  rescanned = false;

  private constructor(
    private readonly workspace: string,
    private readonly cacheFile: string,
    private ids: string[],
    private sps: JsonObject[],
    private wsKey: StatKey | undefined,
    private scannedAt: number,
    readonly invalid: InvalidJobDir[],
  ) {}

  /** Loads the index, bringing it up to date with the workspace. */
  static load(workspace: string, cacheDir: string): JobIndex {
    const cacheFile = path.join(cacheDir, "jobs.json");
    const cached = readCache(cacheFile);
    const key = workspaceKey(workspace);
    const cachedKey = cached?.ws ? keyAt(cached.ws) : undefined;
    if (cached && trusted(cachedKey, key, cached.scannedAt)) {
      return new JobIndex(workspace, cacheFile, cached.ids, cached.sps as JsonObject[], cachedKey, cached.scannedAt, cached.invalid);
    }
    const index = cached
      ? new JobIndex(workspace, cacheFile, cached.ids, cached.sps as JsonObject[], cachedKey, cached.scannedAt, [])
      : new JobIndex(workspace, cacheFile, [], [], undefined, 0, []);
    index.rescan(key, cached?.invalid ?? []);
    return index;
  }

  /** Reads the workspace directory and reconciles it with the index. */
  private rescan(keyBefore: StatKey | undefined, previouslyInvalid: InvalidJobDir[]): void {
    this.rescanned = true;
    const scannedAt = Date.now();
    let names: string[];
    try {
      names = fs.readdirSync(this.workspace);
    } catch (err) {
      if (!isErrno(err, "ENOENT")) throw err;
      names = [];
    }
    const known = new Map<string, JsonObject>();
    for (let i = 0; i < this.ids.length; i++) known.set(this.ids[i], this.sps[i]);
    const ids: string[] = [];
    const sps: JsonObject[] = [];
    let added = false;
    let others: string[] | undefined;
    for (const name of names) {
      if (!JOB_ID.test(name)) {
        (others ??= []).push(name);
        continue;
      }
      const sp = known.get(name);
      if (sp !== undefined) {
        ids.push(name);
        sps.push(sp);
        known.delete(name);
        continue;
      }
      const read = readStatepoint(this.workspace + path.sep + name, name);
      if (typeof read === "string") this.invalid.push({ name, reason: read });
      else {
        ids.push(name);
        sps.push(read);
        added = true;
      }
    }
    // Temporary files a killed process left: found by this reading of the directory, at no extra cost.
    if (others) removeStaleTemps(this.workspace, others);
    const removed = known.size > 0;
    let sorted: [string[], JsonObject[]];
    if (added) sorted = sortTogether(ids, sps);
    else {
      // readdir order is arbitrary: keep the cached, sorted order
      const present = new Set(ids);
      const keep = this.ids.map((id) => present.has(id));
      sorted = [this.ids.filter((_, i) => keep[i]), this.sps.filter((_, i) => keep[i])];
    }
    const invalidChanged = JSON.stringify(previouslyInvalid) !== JSON.stringify(this.invalid);
    // Once the directory's key is settled, saving it lets the next command skip the scan.
    const becameTrustable = trusted(keyBefore, keyBefore, scannedAt) && !trusted(this.wsKey, keyBefore, this.scannedAt);
    this.dirty = added || removed || invalidChanged || becameTrustable;
    [this.ids, this.sps] = sorted;
    this.wsKey = keyBefore;
    this.scannedAt = scannedAt;
    this.byId = undefined;
  }

  /** Job ids, sorted. */
  get jobIds(): readonly string[] {
    return this.ids;
  }

  /** State points, in the order of `jobIds`. */
  get statepoints(): readonly JsonObject[] {
    return this.sps;
  }

  get size(): number {
    return this.ids.length;
  }

  statepoint(id: string): JsonObject | undefined {
    this.byId ??= new Map(this.ids.map((x, i) => [x, this.sps[i]]));
    return this.byId.get(id);
  }

  /** Ids starting with `prefix` (binary search over the sorted ids). */
  withPrefix(prefix: string): string[] {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ids[mid] < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < this.ids.length && this.ids[i].startsWith(prefix); i++) out.push(this.ids[i]);
    return out;
  }

  /** Records jobs this process created; the directory time is no longer trusted until the next scan. */
  add(entries: Iterable<[string, JsonObject]>): void {
    const have = this.byId ?? new Map(this.ids.map((x, i) => [x, this.sps[i]]));
    let changed = false;
    for (const [id, sp] of entries) {
      if (have.has(id)) continue;
      have.set(id, sp);
      this.ids.push(id);
      this.sps.push(sp);
      changed = true;
    }
    this.byId = undefined;
    if (changed) {
      [this.ids, this.sps] = sortTogether(this.ids, this.sps);
      this.markChanged();
    }
  }

  /** Records jobs this process removed. */
  remove(ids: Iterable<string>): void {
    const gone = new Set(ids);
    const keep = this.ids.map((id) => !gone.has(id));
    this.ids = this.ids.filter((_, i) => keep[i]);
    this.sps = this.sps.filter((_, i) => keep[i]);
    this.byId = undefined;
    this.markChanged();
  }

  private markChanged(): void {
    this.wsKey = undefined;
    this.dirty = true;
  }

  /**
   * The cache held something the job directories contradict: it is removed, so that the next command
   * builds the index again from the directories.
   */
  discardCache(): void {
    fs.rmSync(this.cacheFile, { force: true });
    this.dirty = false;
  }

  /** Writes the cache if anything changed. A failure to write it is not an error: it is only a cache. */
  save(): void {
    if (!this.dirty) return;
    const typed: (string | number)[][] = [];
    this.sps.forEach((sp, i) => collectTyped(sp, [i], typed));
    const file: CacheFile = {
      v: CACHE_VERSION,
      ws: this.wsKey ? keyNumbers(this.wsKey) : null,
      scannedAt: this.scannedAt,
      ids: this.ids,
      sps: this.sps,
      typed,
      invalid: this.invalid,
    };
    try {
      makeDirs(path.dirname(this.cacheFile));
      writeCheckedFile(this.cacheFile, JSON.stringify(file, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
      this.dirty = false;
    } catch {
      // read-only project or full disk: the next command scans again
    }
  }
}

function workspaceKey(dir: string): StatKey | undefined {
  try {
    return statKey(dir);
  } catch {
    return undefined;
  }
}

/** Whether an index made when workspace/ had the key `held` (scanned at `scannedAt`) is right while it has `now`. */
function trusted(held: StatKey | undefined, now: StatKey | undefined, scannedAt: number): boolean {
  return held !== undefined && now !== undefined && sameKey(held, now) && settled(held, scannedAt);
}

function readCache(file: string): CacheFile | undefined {
  let data: CacheFile;
  try {
    const body = readCheckedFile(file);
    if (!body) return undefined;
    data = JSON.parse(body.toString("utf8")) as CacheFile;
  } catch {
    return undefined;
  }
  if (data.v !== CACHE_VERSION || (data.ws !== null && !Array.isArray(data.ws)) || !Array.isArray(data.ids) || !Array.isArray(data.sps) || data.ids.length !== data.sps.length) {
    return undefined;
  }
  restoreTyped(data.sps, data.typed);
  return data;
}

function sortTogether(ids: string[], sps: JsonObject[]): [string[], JsonObject[]] {
  const order = ids.map((_, i) => i).sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
  return [order.map((i) => ids[i]), order.map((i) => sps[i])];
}
