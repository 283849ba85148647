import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chargeOf, submissionCost } from "../../src/schedulers/cost.js";
import { addCost, noCost } from "../../src/workflow/resource-hours.js";
import { choosePartition, durationText, limitsOfScheduler, shortfalls, type PartitionLimits } from "../../src/schedulers/partition-choice.js";
import { parseSinfo } from "../../src/schedulers/slurm.js";
import { UserError } from "../../src/util/errors.js";
import { resolveDirectives } from "../../src/workflow/directives.js";
import type { Directives } from "../../src/workflow/model.js";
import { userErrorOf } from "../helpers.js";

const d = (o: Directives) => resolveDirectives(o, [], "test");

function part(name: string, o: Partial<PartitionLimits> = {}): PartitionLimits {
  return { name, cpus: 64, gpus: 0, memory: 256, maxWalltime: 48 * 3600, wholeNode: false, chargeFactor: 1, chargedPer: "cpu", isDefault: false, ...o };
}

/** The test cluster's profile (docs/clusters.md): cpu (default), gpu (charged per GPU-hour), short (30 minutes, half the charge). */
const TEST = [part("cpu", { cpus: 2, memory: 4, isDefault: true }), part("gpu", { cpus: 2, gpus: 2, memory: 4, chargedPer: "gpu", chargeFactor: 2 }), part("short", { cpus: 2, memory: 4, maxWalltime: 1800, chargeFactor: 0.5 })];


describe("choosing a partition", () => {
  it("picks the lowest charge among those that fit: short for a short job, cpu for a long one, gpu for GPUs", () => {
    expect(choosePartition(d({ np: 2, walltime: "0:20:00" }), TEST, "cluster t", "j").name).toBe("short");
    expect(choosePartition(d({ np: 2, walltime: "2h" }), TEST, "cluster t", "j").name).toBe("cpu");
    expect(choosePartition(d({ ngpu: 1, walltime: "0:20:00" }), TEST, "cluster t", "j").name).toBe("gpu");
  });

  it("keeps jobs without GPUs off GPU partitions, even one charging per GPU-hour (which would charge them nothing)", () => {
    expect(choosePartition(d({ walltime: 1 }), [TEST[1], TEST[0]], "cluster t", "j").name).toBe("cpu");
    // ... unless no other fits
    expect(choosePartition(d({ walltime: 1 }), [TEST[1], part("tiny", { maxWalltime: 60 })], "cluster t", "j").name).toBe("gpu");
  });

  it("on a tie, the default partition, then the shorter limit, then the name", () => {
    expect(choosePartition(d({}), [part("b"), part("a", { isDefault: true })], "x", "j").name).toBe("a");
    expect(choosePartition(d({}), [part("b"), part("a", { maxWalltime: undefined })], "x", "j").name).toBe("b");
    expect(choosePartition(d({}), [part("b"), part("a")], "x", "j").name).toBe("a");
  });

  it("a whole-node partition charges the node: a small job goes to the shared one", () => {
    const shared = part("shared", { cpus: 128 });
    const compute = part("compute", { cpus: 128, wholeNode: true, isDefault: true });
    expect(choosePartition(d({ np: 4, walltime: 1 }), [compute, shared], "x", "j").name).toBe("shared");
    expect(chargeOf(d({ np: 4, walltime: 2 }), compute)).toBe(256);
    expect(chargeOf(d({ np: 4, walltime: 2 }), shared)).toBe(8);
  });

  it("no partition fitting is refused naming the nearest and why", () => {
    const e = userErrorOf(() => choosePartition(d({ np: 2, walltime: "3-00:00:00" }), TEST, "cluster t", "the cluster job of sim on 1a2b"));
    expect(e.message).toBe("no partition of cluster t can run the cluster job of sim on 1a2b: the nearest, cpu, cannot (the job asks for a walltime of 3-00:00:00, over its limit of 2-00:00:00)");
    expect(e.hint).toMatch(/--partition/);
    const gpus = userErrorOf(() => choosePartition(d({ ngpu: 8 }), TEST, "cluster t", "j"));
    expect(gpus.message).toMatch(/the nearest, gpu, cannot \(the job asks for 8 GPUs, over its 2 per node\)/);
    const memory = userErrorOf(() => choosePartition(d({ memory: "8g" }), TEST, "cluster t", "j"));
    expect(memory.message).toMatch(/asks for 8 GB of memory, over its 4 GB per node/);
    expect(userErrorOf(() => choosePartition(d({ np: 3 }), TEST, "cluster t", "j")).message).toMatch(/asks for 3 CPUs, over its 2 per node/);
  });

  it("memory from sinfo (megabytes) is told in GB to two decimals", () => {
    const fromSinfo = limitsOfScheduler(parseSinfo("cpu*|2-00:00:00|gpu:2|2|22899\n"));
    const e = userErrorOf(() => choosePartition(d({ memory: "100000m" }), fromSinfo, "the scheduler (sinfo)", "j"));
    expect(e.message).toMatch(/asks for 97.66 GB of memory, over its 22.36 GB per node\)$/);
  });

  it("whatever it chooses can run the job, and nothing that can is cheaper", () => {
    const partition = fc.record({
      name: fc.constantFrom("a", "b", "c", "d"),
      cpus: fc.integer({ min: 1, max: 8 }),
      gpus: fc.integer({ min: 0, max: 4 }),
      memory: fc.integer({ min: 1, max: 64 }),
      maxWalltime: fc.option(fc.integer({ min: 60, max: 7 * 86400 }), { nil: undefined }),
      wholeNode: fc.boolean(),
      chargeFactor: fc.double({ min: 0, max: 10, noNaN: true }),
      chargedPer: fc.constantFrom("cpu" as const, "gpu" as const, "node" as const),
      isDefault: fc.boolean(),
    });
    const job = fc.record({ np: fc.integer({ min: 1, max: 8 }), ngpu: fc.integer({ min: 0, max: 4 }), memory: fc.integer({ min: 1, max: 64 }), walltime: fc.integer({ min: 1, max: 200 }) });
    fc.assert(
      fc.property(fc.array(partition, { minLength: 1, maxLength: 5 }), job, (parts, j) => {
        const r = d({ np: j.np, ngpu: j.ngpu, memory: j.memory, walltime: j.walltime / 10 });
        const fits = parts.filter((p) => shortfalls(r, p).length === 0);
        if (fits.length === 0) {
          expect(() => choosePartition(r, parts, "x", "j")).toThrow(UserError);
          return;
        }
        const chosen = choosePartition(r, parts, "x", "j");
        expect(shortfalls(r, chosen)).toEqual([]);
        const sameKind = fits.filter((p) => (r.ngpu === 0 && p.gpus > 0) === (r.ngpu === 0 && chosen.gpus > 0));
        for (const p of sameKind) expect(chargeOf(r, chosen)!).toBeLessThanOrEqual(chargeOf(r, p)!);
      }),
    );
  });

  it("sinfo's partitions charge alike", () => {
    expect(limitsOfScheduler([{ name: "debug", isDefault: true, gpus: 2, cpus: 4, memory: 7.5, maxWalltime: undefined }])).toEqual([
      { name: "debug", cpus: 4, gpus: 2, memory: 7.5, wholeNode: false, chargeFactor: 1, chargedPer: "cpu", isDefault: true },
    ]);
  });

  it("writes durations as schedulers do", () => {
    expect(durationText(1800)).toBe("0:30:00");
    expect(durationText(172800)).toBe("2-00:00:00");
    expect(durationText(90061)).toBe("1-01:01:01");
  });
});

describe("cost", () => {
  it("CPU-hours and GPU-hours from the directives; a job without a walltime is counted apart", () => {
    const cost = noCost();
    addCost(cost, d({ np: 4, walltime: "0:30:00" }), 3);
    addCost(cost, d({ ngpu: 2, walltime: 2 }), 1);
    addCost(cost, d({ np: 8 }), 5);
    expect(cost).toEqual({ cpuHours: 4 * 0.5 * 3 + 2, gpuHours: 4, withoutWalltime: 5 });
  });

  it("MPI operations count ranks times threads", () => {
    const cost = noCost();
    addCost(cost, d({ nranks: 4, omp_num_threads: 2, walltime: 1 }), 1);
    expect(cost.cpuHours).toBe(8);
  });

  it("a submission's charge follows each job's partition; an array counts each task", () => {
    const cost = submissionCost(
      [
        { resources: d({ np: 2, walltime: "0:20:00" }), partition: TEST[2], tasks: [1, 2, 3] },
        { resources: d({ ngpu: 1, walltime: 1 }), partition: TEST[1] },
        { resources: d({ np: 1 }), partition: TEST[0] },
      ],
      true,
    );
    expect(cost.cpuHours).toBeCloseTo(2 + 1);
    expect(cost.gpuHours).toBe(1);
    expect(cost.charge).toBeCloseTo(0.5 * 2 * (1 / 3) * 3 + 2 * 1);
    expect(cost.withoutWalltime).toBe(1);
    expect(submissionCost([{ resources: d({ walltime: 1 }), partition: TEST[0] }], false).charge).toBeUndefined();
  });
});

describe("partitions taken only when named", () => {
  it("a partition with automatic = false is never chosen, even when it alone fits or is cheapest", () => {
    const debug = part("debug", { maxWalltime: 1800, chargeFactor: 0.1, automatic: false });
    expect(choosePartition(d({ walltime: "0:10:00" }), [part("cpu"), debug], "x", "j").name).toBe("cpu");
    expect(() => choosePartition(d({ np: 65 }), [part("cpu"), { ...debug, cpus: 128 }], "x", "j")).toThrow(/the nearest, cpu, cannot/);
    expect(() => choosePartition(d({}), [debug], "x", "j")).toThrow(/no partition of x is chosen automatically/);
  });
});
