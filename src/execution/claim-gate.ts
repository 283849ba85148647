/**
 * Which items of a pass this runner may execute (SPEC §6, claims): before an item runs, its
 * (operation, aggregate) pair must be claimed. Claims are taken in batches of the items about to run,
 * sized so that a batch lasts about a second at the pace runs have taken so far: one lock per second
 * of work at most, and a runner holds little that another could be running meanwhile.
 */
import type { Claims } from "../runs/claims.js";
import type { ExecutionItem } from "./items.js";

const BATCH_SECONDS = 1;
// (each batch costs a lock and a synced write, milliseconds on a disk: runs of a fraction of a
// millisecond would otherwise pay that every few hundred)
const MAX_BATCH = 4096;
/** How many upcoming items a runner offers `admit`: one batch's worth. */
export const CLAIM_LOOKAHEAD = MAX_BATCH;

export class ClaimGate {
  private done = 0;
  private readonly began = Date.now();
  /** Pairs (`operation\0aggregate`) another runner holds or has run: not tried again in this invocation. */
  private readonly refused = new Set<string>();

  /**
   * `prepare`: what must happen once before the first claim, and only if anything is to run (asking
   * the scheduler about other hosts' claims reads every journal: a `cohort run` that finds nothing
   * eligible should not pay for it).
   */
  constructor(
    private readonly claims: Claims,
    private prepare?: () => Promise<void>,
  ) {}

  /** Runs `prepare`, once; to be awaited before the first `admit`. */
  async ready(): Promise<void> {
    const prepare = this.prepare;
    this.prepare = undefined;
    await prepare?.();
  }

  /**
   * Whether `item` may run now; `upcoming` gives the items expected to run after it, in order (asked
   * only when a batch is claimed: most items are claimed already). False, with nothing refused, when
   * Ctrl-C came while it waited for another runner's lock: the caller sees the signal and stops.
   */
  async admit(item: ExecutionItem, upcoming: () => readonly ExecutionItem[]): Promise<boolean> {
    if (this.isRefused(item)) return this.skip();
    if (this.claims.holds(item.operation.name, item.aggregate.id)) return true;
    const wanted = (i: ExecutionItem) => i !== item && !this.isRefused(i) && !this.claims.holds(i.operation.name, i.aggregate.id);
    const batch = [item, ...upcoming().filter(wanted).slice(0, this.batchSize() - 1)];
    const refused = await this.claims.take(batch.map((i): [string, string] => [i.operation.name, i.aggregate.id]));
    if (refused === undefined) return false;
    for (const [op, agg] of refused) this.refused.add(op + "\0" + agg);
    return this.isRefused(item) ? this.skip() : true;
  }

  /** Whether another runner holds or has run the item's pair (so it is not tried again). */
  isRefused(item: ExecutionItem): boolean {
    return this.refused.has(item.operation.name + "\0" + item.aggregate.id);
  }

  /** A run of an admitted item ended. */
  ended(item: ExecutionItem): void {
    this.done++;
    this.claims.ended(item.operation.name, item.aggregate.id);
  }

  /** Runs in `writer`'s journal are this runner's own (a worker of its `--parallel` records them). */
  adopt(writer: string): void {
    this.claims.adopt(writer);
  }

  /** Gives back what was claimed and not run. */
  close(): void {
    this.claims.releaseAll();
  }

  private skip(): false {
    return false;
  }

  /** How many pairs another runner held or had run. */
  get skipped(): number {
    return this.refused.size;
  }

  private batchSize(): number {
    if (this.done === 0) return 1;
    const perRun = (Date.now() - this.began) / this.done;
    return Math.max(1, Math.min(MAX_BATCH, Math.floor((BATCH_SECONDS * 1000) / Math.max(perRun, 0.1))));
  }
}
