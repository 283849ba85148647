import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { machineResources, parseGpuList, takeGpuShare, visibleGpus } from "../../src/execution/machine.js";
import { ResourcePool, type Grant, type ResourceRequest } from "../../src/execution/resources.js";
import { UserError } from "../../src/util/errors.js";

const GIB = 1024 ** 3;

describe("ResourcePool", () => {
  it("grants slots, GPUs and memory while they are free, and takes them back", () => {
    const pool = new ResourcePool({ slots: 4, gpus: [0, 1, 2], memoryGb: 8 });
    const a = pool.tryAcquire({ np: 2, ngpu: 1, memoryGb: 4 })!;
    expect(a.gpus).toEqual([0]);
    const b = pool.tryAcquire({ np: 1, ngpu: 2 })!;
    expect(b.gpus).toEqual([1, 2]);
    expect(pool.tryAcquire({ np: 1, ngpu: 1 })).toBeUndefined(); // no GPU left
    expect(pool.tryAcquire({ np: 1, ngpu: 0, memoryGb: 4.5 })).toBeUndefined(); // 4 GB left
    expect(pool.tryAcquire({ np: 2, ngpu: 0 })).toBeUndefined(); // 1 slot left
    const c = pool.tryAcquire({ np: 1, ngpu: 0, memoryGb: 4 })!;
    expect(c.gpus).toEqual([]);
    expect(pool.free).toEqual({ slots: 0, gpus: [], memoryBytes: 0 });
    pool.release(a);
    expect(pool.free).toEqual({ slots: 2, gpus: [0], memoryBytes: 4 * GIB });
    pool.release(b);
    pool.release(c);
    expect(pool.free).toEqual({ slots: 4, gpus: [0, 1, 2], memoryBytes: 8 * GIB });
  });

  it("gives out GPUs in the order the capacity lists them, lowest free first", () => {
    const pool = new ResourcePool({ slots: 8, gpus: [3, 1, 7] });
    const a = pool.tryAcquire({ np: 1, ngpu: 1 })!;
    const b = pool.tryAcquire({ np: 1, ngpu: 1 })!;
    expect([a.gpus, b.gpus]).toEqual([[3], [1]]);
    pool.release(a);
    expect(pool.tryAcquire({ np: 1, ngpu: 2 })!.gpus).toEqual([3, 7]);
  });

  it("tells a request that can never fit apart, with what it needs and what there is", () => {
    const pool = new ResourcePool({ slots: 2, gpus: [0], memoryGb: 16 });
    expect(pool.shortfall({ np: 2, ngpu: 1, memoryGb: 16 })).toBeUndefined();
    expect(pool.shortfall({ np: 3, ngpu: 0 })).toEqual({ resource: "slots", need: 3, have: 2 });
    expect(pool.shortfall({ np: 1, ngpu: 2 })).toEqual({ resource: "gpus", need: 2, have: 1 });
    expect(pool.shortfall({ np: 1, ngpu: 0, memoryGb: 16.5 })).toEqual({ resource: "memory", need: 16.5, have: 16 });
    expect(new ResourcePool({ slots: 1, gpus: [] }).shortfall({ np: 1, ngpu: 0, memoryGb: 1e6 })).toBeUndefined(); // memory unlimited
  });

  it("counts fractional gigabytes exactly: ten 0.1 GB runs fit in 1 GB, an eleventh does not", () => {
    const pool = new ResourcePool({ slots: 100, gpus: [], memoryGb: 1 });
    const grants = Array.from({ length: 10 }, () => pool.tryAcquire({ np: 1, ngpu: 0, memoryGb: 0.1 }));
    expect(grants.every((g) => g !== undefined)).toBe(true);
    expect(pool.tryAcquire({ np: 1, ngpu: 0, memoryGb: 0.1 })).toBeUndefined();
    for (const g of grants) pool.release(g!);
    expect(pool.free.memoryBytes).toBe(GIB);
  });

  it("refuses to release a grant twice or one it did not give", () => {
    const pool = new ResourcePool({ slots: 2, gpus: [0] });
    const other = new ResourcePool({ slots: 2, gpus: [0] });
    const g = pool.tryAcquire({ np: 1, ngpu: 1 })!;
    const h = other.tryAcquire({ np: 1, ngpu: 1 })!;
    expect(() => pool.release(h)).toThrow(/not held/);
    pool.release(g);
    expect(() => pool.release(g)).toThrow(/not held/);
    expect(pool.free).toEqual({ slots: 2, gpus: [0], memoryBytes: Number.POSITIVE_INFINITY });
  });

  it("refuses a bad capacity or request", () => {
    expect(() => new ResourcePool({ slots: 0, gpus: [] })).toThrow();
    expect(() => new ResourcePool({ slots: 1, gpus: [0, 0] })).toThrow(/twice/);
    expect(() => new ResourcePool({ slots: 1, gpus: [-1] })).toThrow();
    const pool = new ResourcePool({ slots: 1, gpus: [] });
    expect(() => pool.tryAcquire({ np: 0, ngpu: 0 })).toThrow();
    expect(() => pool.tryAcquire({ np: 1.5, ngpu: 0 })).toThrow();
    expect(() => pool.tryAcquire({ np: 1, ngpu: -1 })).toThrow();
  });

  type Step = { kind: "acquire"; req: ResourceRequest } | { kind: "release"; pick: number };

  const capacityArb = fc.record({
    slots: fc.integer({ min: 1, max: 12 }),
    gpus: fc.uniqueArray(fc.integer({ min: 0, max: 15 }), { maxLength: 6 }),
    memoryGb: fc.option(fc.constantFrom(0.5, 1, 2, 7.5, 16, 64), { nil: undefined }),
  });
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      kind: fc.constant("acquire" as const),
      req: fc.record({
        np: fc.integer({ min: 1, max: 14 }),
        ngpu: fc.integer({ min: 0, max: 7 }),
        memoryGb: fc.option(fc.constantFrom(0.1, 0.25, 0.5, 1, 1.5, 3, 8, 20), { nil: null }),
      }),
    }),
    fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }),
  );

  it("is never over-subscribed, never shares a GPU, and grants exactly when an oracle says it fits (property)", () => {
    fc.assert(
      fc.property(capacityArb, fc.array(stepArb, { maxLength: 120 }), (capacity, steps) => {
        const pool = new ResourcePool(capacity);
        const memCap = capacity.memoryGb === undefined ? Number.POSITIVE_INFINITY : Math.floor(capacity.memoryGb * GIB);
        const held: { grant: Grant; req: ResourceRequest }[] = [];
        const bytes = (gb: number | null | undefined) => (gb == null ? 0 : Math.max(1, Math.round(gb * GIB)));
        for (const step of steps) {
          if (step.kind === "release") {
            if (held.length === 0) continue;
            const [{ grant }] = held.splice(step.pick % held.length, 1);
            pool.release(grant);
          } else {
            // the oracle: what is held, summed afresh
            const usedSlots = held.reduce((s, h) => s + h.req.np, 0);
            const usedGpus = held.reduce((s, h) => s + h.req.ngpu, 0);
            const usedMem = held.reduce((s, h) => s + bytes(h.req.memoryGb), 0);
            const fits =
              usedSlots + step.req.np <= capacity.slots &&
              usedGpus + step.req.ngpu <= capacity.gpus.length &&
              usedMem + bytes(step.req.memoryGb) <= memCap;
            const grant = pool.tryAcquire(step.req);
            expect(grant !== undefined).toBe(fits);
            if (grant) {
              expect(grant.np).toBe(step.req.np);
              expect(grant.gpus).toHaveLength(step.req.ngpu);
              held.push({ grant, req: step.req });
            }
            // a request too big for the empty pool is one that can never fit
            const never =
              step.req.np > capacity.slots || step.req.ngpu > capacity.gpus.length || bytes(step.req.memoryGb) > memCap;
            expect(pool.shortfall(step.req) !== undefined).toBe(never);
          }
          // invariants after every step
          const slots = held.reduce((s, h) => s + h.grant.np, 0);
          expect(slots).toBeLessThanOrEqual(capacity.slots);
          const mem = held.reduce((s, h) => s + h.grant.memoryBytes, 0);
          expect(mem).toBeLessThanOrEqual(memCap);
          const gpus = held.flatMap((h) => h.grant.gpus);
          expect(new Set(gpus).size).toBe(gpus.length); // never shared
          for (const g of gpus) expect(capacity.gpus).toContain(g);
          expect(pool.free.slots).toBe(capacity.slots - slots);
          expect([...pool.free.gpus, ...gpus].sort((a, b) => a - b)).toEqual([...capacity.gpus].sort((a, b) => a - b));
          expect(pool.grants).toHaveLength(held.length);
        }
        for (const h of held) pool.release(h.grant);
        expect(pool.free.slots).toBe(capacity.slots);
        expect(pool.free.gpus).toEqual(capacity.gpus);
      }),
      { numRuns: 500 },
    );
  });
});

describe("COHORT_GPUS", () => {
  it("lists distinct GPU indices; empty means none", () => {
    expect(parseGpuList("0,1")).toEqual([0, 1]);
    expect(parseGpuList(" 3, 1 ,2 ")).toEqual([3, 1, 2]);
    expect(parseGpuList("")).toEqual([]);
  });

  it("refuses a GPU named twice or an index that is not a non-negative integer", () => {
    for (const bad of ["0,0", "1,2,1", "a", "0,,1", "-1", "1.5", "0x1"]) {
      expect(() => parseGpuList(bad), bad).toThrow(UserError);
    }
    expect(() => parseGpuList("0,0")).toThrow(/GPU 0 twice/);
  });
});

describe("CUDA_VISIBLE_DEVICES", () => {
  it("names GPUs by index or UUID, each once, up to the first entry CUDA would stop at", () => {
    expect(visibleGpus("2,3")).toEqual(["2", "3"]);
    expect(visibleGpus(" 1 , GPU-8f3c2a1e-0000-4c1b , MIG-GPU-8f3c/1/0")).toEqual(["1", "GPU-8f3c2a1e-0000-4c1b", "MIG-GPU-8f3c/1/0"]);
    expect(visibleGpus("0,0,1")).toEqual(["0", "1"]);
    expect(visibleGpus("")).toEqual([]);
    expect(visibleGpus("-1")).toEqual([]);
    expect(visibleGpus("0,-1,1")).toEqual(["0"]);
    expect(visibleGpus("1,nonsense,2")).toEqual(["1"]);
  });

  it("any text: distinct entries of the text, in its order (property)", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const gpus = visibleGpus(text);
        expect(new Set(gpus).size).toBe(gpus.length);
        const entries = text.split(",").map((t) => t.trim());
        for (const g of gpus) expect(entries).toContain(g);
      }),
    );
  });

  it("the resources of --parallel take the GPUs it names over nvidia-smi's, and COHORT_GPUS over both", () => {
    expect(machineResources(2, { CUDA_VISIBLE_DEVICES: "2,3" })).toMatchObject({ gpus: ["2", "3"], gpuSource: "CUDA_VISIBLE_DEVICES=2,3" });
    expect(machineResources(2, { CUDA_VISIBLE_DEVICES: "" }).gpus).toEqual([]);
    expect(machineResources(2, { CUDA_VISIBLE_DEVICES: "2,3", COHORT_GPUS: "0" }).gpus).toEqual(["0"]);
  });
});

describe("COHORT_GPU_SHARE (a member of a --parallel bundle)", () => {
  it("makes CUDA_VISIBLE_DEVICES the member's GPUs of the job's, and leaves the environment without it", () => {
    const env: NodeJS.ProcessEnv = { CUDA_VISIBLE_DEVICES: "4,7,GPU-9,11", COHORT_GPU_SHARE: "1:2" };
    takeGpuShare(env);
    expect(env).toEqual({ CUDA_VISIBLE_DEVICES: "7,GPU-9" });
    const none: NodeJS.ProcessEnv = { CUDA_VISIBLE_DEVICES: "4,7", COHORT_GPU_SHARE: "2:0" };
    takeGpuShare(none);
    expect(none).toEqual({ CUDA_VISIBLE_DEVICES: "" });
    const without: NodeJS.ProcessEnv = { CUDA_VISIBLE_DEVICES: "4,7" };
    takeGpuShare(without);
    expect(without).toEqual({ CUDA_VISIBLE_DEVICES: "4,7" });
  });

  it("refuses a share the job's GPUs do not hold, or one that is not FIRST:COUNT", () => {
    expect(() => takeGpuShare({ CUDA_VISIBLE_DEVICES: "0,1", COHORT_GPU_SHARE: "1:2" })).toThrow(/GPUs 2 to 3 of the job's \(COHORT_GPU_SHARE=1:2\), but the job has 2 \(CUDA_VISIBLE_DEVICES=0,1\)/);
    expect(() => takeGpuShare({ CUDA_VISIBLE_DEVICES: "0", COHORT_GPU_SHARE: "1:1" })).toThrow(/to use GPU 2 of the job's/);
    for (const bad of ["", "1", "a:1", "1:-1", "1:2:3"]) expect(() => takeGpuShare({ CUDA_VISIBLE_DEVICES: "0", COHORT_GPU_SHARE: bad }), bad).toThrow(UserError);
  });
});
