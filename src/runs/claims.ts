/**
 * Claims (SPEC §6): two runners on one project — two shells, or cluster jobs on many nodes sharing
 * its file system — never execute the same (operation, aggregate) at once.
 *
 * A runner claims pairs in batches, each under a short lock: the lock is `.cohort/journal/claims.lock`,
 * created exclusively (`O_CREAT|O_EXCL`, atomic on local file systems and on NFS from version 3 on)
 * and removed at once. Holding it, the runner reads what the other journals gained since it last looked,
 * takes every pair that no live writer holds and that no other writer has run (made or ended a run
 * of) since this runner's process started — its eligibility, judged since, may be stale —, appends
 * one `claim` event, and syncs its journal to disk (so that the next holder, perhaps on another host,
 * reads it) before removing the lock. The end of a run of the pair, in whichever journal, gives the claim back;
 * a `release` gives back pairs claimed and not run. A dead writer's claims are stale: they count for
 * nothing.
 *
 * The lock is judged stale when the process that holds it is dead on this host, or when it is older
 * than `STALE_LOCK_MS` (a holder keeps it for milliseconds).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isErrno, makeDirs, naming } from "../util/fs.js";
import { currentAuthor, journalDir, nowMicros, type JournalWriter } from "./journal.js";
import { claimKey, JournalTail } from "./ledger.js";
import { pidIsAlive } from "../util/process.js";
import { Liveness, type ClusterLookups } from "./run-status.js";

export const STALE_LOCK_MS = 60_000;

export type Pair = [operation: string, aggregate: string];

export class Claims {
  private readonly tail: JournalTail;
  /** Filled by askScheduler before the first claim: a writer's liveness is judged once. */
  private readonly lookups: ClusterLookups = {};
  private readonly live = new Liveness(this.lookups);
  /** Pairs claimed and not given back. */
  private readonly held = new Set<string>();
  /**
   * When this runner began: its process's start. Not when it got here: loading a workflow and starting
   * workers takes long enough for another runner, started at the same moment, to run pairs meanwhile.
   */
  private readonly since = Math.floor(performance.timeOrigin * 1000);
  /** Journals whose runs are this runner's own: its own and its workers'. */
  private readonly own: Set<string>;

  /**
   * `anyway`: the runner executes what it is given whatever ran before (`exec`, `run --force`): a pair
   * another runner ran since this one began is taken all the same, one it holds is not.
   */
  constructor(
    private readonly journal: JournalWriter,
    private readonly anyway = false,
    /** Ctrl-C: stops waiting for the lock (another host's runner may have died holding it: 60 s). */
    private readonly signal?: AbortSignal,
  ) {
    this.own = new Set([journal.id]);
    // Its own claims and runs it knows: only the other journals are read.
    this.tail = new JournalTail(journal.projectRoot, { skip: this.own, claims: true });
  }

  /**
   * Asks the schedulers, once, which cluster jobs of other hosts that hold claims still run: the claims
   * of one that has left the queue (killed out of memory, say, with no chance to give them back) are
   * stale. Without it, and for a writer that starts later, a writer of another host counts as alive.
   * Asks nothing when no such writer holds a claim of an aggregate `wanted` accepts (so that the
   * runners of a job array do not each ask). To be called before the first `take`.
   */
  async askScheduler(liveJobIds: (scheduler: string) => Promise<ReadonlySet<string> | undefined>, wanted: (aggregate: string) => boolean = () => true): Promise<void> {
    const ledger = this.tail.read();
    const host = os.hostname();
    const user = currentAuthor();
    const schedulers = new Set<string>();
    for (const [key, holders] of ledger.claims) {
      for (const id of holders.keys()) {
        const w = ledger.writers.get(id);
        // (the scheduler tells this user's jobs only: another user's writer stays alive, Liveness)
        if (w?.cluster && w.host !== host && w.user === user && wanted(key.slice(key.indexOf("\0") + 1))) schedulers.add(w.cluster.scheduler);
      }
    }
    if (schedulers.size === 0) return;
    const live = new Map<string, ReadonlySet<string> | undefined>();
    for (const name of schedulers) live.set(name, await liveJobIds(name));
    // (a scheduler that could not be asked proves nothing: its jobs count as running)
    this.lookups.clusterJobLive = (job) => live.get(job.scheduler)?.has(job.job_id) ?? true;
  }

  /** Whether this runner holds the pair. */
  holds(operation: string, aggregate: string): boolean {
    return this.held.has(claimKey(operation, aggregate));
  }

  /**
   * Claims what it can of `pairs`; returns the pairs another runner holds or has run since this one
   * began, or undefined when `signal` was aborted while it waited for the lock (nothing claimed).
   */
  async take(pairs: readonly Pair[]): Promise<Pair[] | undefined> {
    const wanted = pairs.filter(([op, agg]) => !this.held.has(claimKey(op, agg)));
    if (wanted.length === 0) return [];
    const lock = path.join(journalDir(this.journal.projectRoot), "claims.lock");
    if (!(await acquire(this.journal.projectRoot, lock, this.journal.id, this.signal))) return undefined;
    // (held only while the journals are read and the claim written: no await until it is removed)
    try {
      const ledger = this.tail.read();
      const taken: Pair[] = [];
      const refused: Pair[] = [];
      for (const pair of wanted) {
        const key = claimKey(pair[0], pair[1]);
        let free = true;
        for (const writer of ledger.claims.get(key)?.keys() ?? []) {
          if (writer !== this.journal.id && this.live.alive(ledger.writers.get(writer))) {
            free = false;
            break;
          }
        }
        const last = ledger.lastMade.get(key);
        if (!this.anyway && last && !this.own.has(last.writer) && last.t >= this.since) free = false;
        if (free) taken.push(pair);
        else refused.push(pair);
      }
      if (taken.length > 0) {
        this.journal.append({ e: "claim", t: nowMicros(), items: taken });
        this.journal.sync();
        for (const [op, agg] of taken) this.held.add(claimKey(op, agg));
      }
      return refused;
    } finally {
      fs.rmSync(lock, { force: true });
    }
  }

  /** Runs in `writer`'s journal are this runner's own: a pair one of them ran may be claimed again, and the journal is not read. */
  adopt(writer: string): void {
    this.own.add(writer);
  }

  /** A run of the pair ended (its `end` event gives the claim back). */
  ended(operation: string, aggregate: string): void {
    this.held.delete(claimKey(operation, aggregate));
  }

  /** Gives back every pair claimed and not run. */
  releaseAll(): void {
    if (this.held.size === 0) return;
    const items = [...this.held].map((k) => k.split("\0") as Pair);
    this.held.clear();
    this.journal.append({ e: "release", t: nowMicros(), items });
  }
}

/**
 * Takes the lock file, waiting while another holds it and breaking it when stale; false when `signal`
 * was aborted meanwhile. The wait gives the event loop its turn, so that Ctrl-C is seen.
 */
async function acquire(projectRoot: string, lock: string, writer: string, signal: AbortSignal | undefined): Promise<boolean> {
  makeDirs(path.dirname(lock), projectRoot);
  const me = `${writer} ${os.hostname()} ${process.pid}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(lock, "wx");
      try {
        fs.writeSync(fd, me);
      } catch (err) {
        // A full disk (or quota) leaves the lock empty, naming no holder: every other runner would wait
        // for it to grow stale. It is this process's own: remove it before saying why.
        fs.closeSync(fd);
        fs.rmSync(lock, { force: true });
        throw naming(err, lock);
      }
      fs.closeSync(fd);
      return true;
    } catch (err) {
      if (!isErrno(err, "EEXIST")) throw err;
    }
    if (isStale(lock)) {
      fs.rmSync(lock, { force: true });
      continue;
    }
    if (signal?.aborted) return false;
    await sleep(Math.min(50, 1 + attempt));
  }
}

function isStale(lock: string): boolean {
  let text: string;
  let st: fs.Stats;
  try {
    st = fs.statSync(lock);
    text = fs.readFileSync(lock, "utf8");
  } catch {
    return false; // gone: the next attempt takes it
  }
  if (Date.now() - st.mtimeMs > STALE_LOCK_MS) return true;
  const [, host, pid] = text.trim().split(" ");
  // A holder still writing its line has written nothing yet: not stale.
  return host === os.hostname() && pid !== undefined && !pidIsAlive(Number(pid));
}
