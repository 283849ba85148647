/**
 * Accounting of local resources for `cohort run --parallel` (SPEC §5): CPU slots, GPUs and memory.
 *
 * A `ResourcePool` holds a fixed capacity. A run asks for `np` slots, `ngpu` GPUs and (optionally)
 * an amount of memory; `tryAcquire` grants all of it at once or nothing, and `release` gives it back.
 * The pool guarantees:
 * - the slots held never exceed the capacity, nor does the memory held;
 * - each GPU is held by at most one grant at a time; a grant names its GPUs (lowest free indices in
 *   the order the capacity lists them), which the run sees as `CUDA_VISIBLE_DEVICES`;
 * - a request is granted whenever the free resources cover it (the pool is never more careful than it
 *   must be), and a request that does not fit even an empty pool is told apart (`shortfall`).
 *
 * Memory is counted in whole bytes (requests rounded to the nearest byte, the capacity down) so that
 * sums of fractional gigabytes never drift: ten runs of 0.1 GB fit in 1 GB. The pool is pure: it knows nothing of processes, jobs or the machine.
 */

export interface Capacity {
  /** CPU slots, at least 1. */
  slots: number;
  /** The GPU indices that may be handed out (distinct non-negative integers). */
  gpus: readonly number[];
  /** Memory in GB; undefined: memory is not limited. */
  memoryGb?: number;
}

export interface ResourceRequest {
  /** CPU slots, at least 1. */
  np: number;
  /** GPUs, at least 0. */
  ngpu: number;
  /** Memory in GB; null or undefined when the run declares none (it is then not counted). */
  memoryGb?: number | null;
}

/** What one run holds. */
export interface Grant {
  readonly id: number;
  readonly np: number;
  /** The GPU indices held, in the order given out. */
  readonly gpus: readonly number[];
  /** Memory held, in bytes. */
  readonly memoryBytes: number;
}

/** A resource a request needs more of than the whole pool has. */
export interface Shortfall {
  resource: "slots" | "gpus" | "memory";
  /** What the request needs (slots, GPUs, GB). */
  need: number;
  /** What the whole pool has. */
  have: number;
}

const BYTES_PER_GB = 1024 ** 3;

function requestBytes(gb: number | null | undefined): number {
  return gb === null || gb === undefined ? 0 : Math.max(1, Math.round(gb * BYTES_PER_GB));
}

export class ResourcePool {
  readonly capacity: Readonly<Capacity>;
  private readonly memoryBytes: number;
  private freeSlots: number;
  private freeMemoryBytes: number;
  /** Free GPUs, kept in the capacity's order. */
  private freeGpus: number[];
  private readonly held = new Map<number, Grant>();
  private nextId = 1;

  constructor(capacity: Capacity) {
    if (!Number.isSafeInteger(capacity.slots) || capacity.slots < 1) throw new Error(`a resource pool needs at least one slot, got ${capacity.slots}`);
    const seen = new Set<number>();
    for (const g of capacity.gpus) {
      if (!Number.isSafeInteger(g) || g < 0) throw new Error(`GPU index ${g} is not a non-negative integer`);
      if (seen.has(g)) throw new Error(`GPU ${g} is listed twice`);
      seen.add(g);
    }
    if (capacity.memoryGb !== undefined && !(capacity.memoryGb > 0)) throw new Error(`memory ${capacity.memoryGb} GB is not above zero`);
    this.capacity = { slots: capacity.slots, gpus: [...capacity.gpus], memoryGb: capacity.memoryGb };
    this.memoryBytes = capacity.memoryGb === undefined ? Number.POSITIVE_INFINITY : Math.floor(capacity.memoryGb * BYTES_PER_GB);
    this.freeSlots = capacity.slots;
    this.freeMemoryBytes = this.memoryBytes;
    this.freeGpus = [...capacity.gpus];
  }

  /** Why a request could not be granted even by an empty pool; undefined when it can be. */
  shortfall(req: ResourceRequest): Shortfall | undefined {
    checkRequest(req);
    if (req.np > this.capacity.slots) return { resource: "slots", need: req.np, have: this.capacity.slots };
    if (req.ngpu > this.capacity.gpus.length) return { resource: "gpus", need: req.ngpu, have: this.capacity.gpus.length };
    if (requestBytes(req.memoryGb) > this.memoryBytes) return { resource: "memory", need: req.memoryGb!, have: this.capacity.memoryGb! };
    return undefined;
  }

  /** Whether no request can be granted now: every request needs a slot, and none is free. */
  get full(): boolean {
    return this.freeSlots === 0;
  }

  /** Whether the free resources cover the request now. */
  fitsNow(req: ResourceRequest): boolean {
    checkRequest(req);
    return req.np <= this.freeSlots && req.ngpu <= this.freeGpus.length && requestBytes(req.memoryGb) <= this.freeMemoryBytes;
  }

  /** Grants the request when the free resources cover it; otherwise changes nothing and returns undefined. */
  tryAcquire(req: ResourceRequest): Grant | undefined {
    if (!this.fitsNow(req)) return undefined;
    const memoryBytes = requestBytes(req.memoryGb);
    const gpus = this.freeGpus.splice(0, req.ngpu);
    this.freeSlots -= req.np;
    this.freeMemoryBytes -= memoryBytes;
    const grant: Grant = Object.freeze({ id: this.nextId++, np: req.np, gpus: Object.freeze(gpus), memoryBytes });
    this.held.set(grant.id, grant);
    return grant;
  }

  /** Gives a grant back. Releasing a grant that is not held (twice, or another pool's) is an error. */
  release(grant: Grant): void {
    if (this.held.get(grant.id) !== grant) throw new Error(`grant ${grant.id} is not held by this pool`);
    this.held.delete(grant.id);
    this.freeSlots += grant.np;
    this.freeMemoryBytes += grant.memoryBytes;
    const order = this.capacity.gpus;
    this.freeGpus = order.filter((g) => this.freeGpus.includes(g) || grant.gpus.includes(g));
  }

  /** The grants held now. */
  get grants(): Grant[] {
    return [...this.held.values()];
  }

  /** Free resources now: slots, GPU indices, and memory in bytes (Infinity when unlimited). */
  get free(): { slots: number; gpus: number[]; memoryBytes: number } {
    return { slots: this.freeSlots, gpus: [...this.freeGpus], memoryBytes: this.freeMemoryBytes };
  }
}

function checkRequest(req: ResourceRequest): void {
  if (!Number.isSafeInteger(req.np) || req.np < 1) throw new Error(`np must be a positive integer, got ${req.np}`);
  if (!Number.isSafeInteger(req.ngpu) || req.ngpu < 0) throw new Error(`ngpu must be a non-negative integer, got ${req.ngpu}`);
  if (req.memoryGb !== null && req.memoryGb !== undefined && !(req.memoryGb > 0)) throw new Error(`memory must be above zero, got ${req.memoryGb}`);
}
