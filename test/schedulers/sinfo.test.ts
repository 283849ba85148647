import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSinfo } from "../../src/schedulers/slurm.js";
import { durationText } from "../../src/schedulers/partition-choice.js";

/** One node kind of a partition, as sinfo prints a line for it. */
const nodeKind = fc.record({
  gpus: fc.integer({ min: 0, max: 8 }),
  gpuType: fc.option(fc.constantFrom("a100", "h100"), { nil: undefined }),
  cpus: fc.integer({ min: 1, max: 256 }),
  megabytes: fc.integer({ min: 1, max: 4_000_000 }),
});

const partition = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/),
  limit: fc.option(fc.integer({ min: 60, max: 30 * 86400 }), { nil: undefined }),
  kinds: fc.array(nodeKind, { minLength: 1, maxLength: 3 }),
});

interface NodeKind {
  gpus: number;
  gpuType?: string;
  cpus: number;
  megabytes: number;
}

function line(name: string, isDefault: boolean, limit: number | undefined, k: NodeKind): string {
  const gres = k.gpus === 0 ? "(null)" : `gpu:${k.gpuType ? `${k.gpuType}:` : ""}${k.gpus}(S:0-1)`;
  return `${name}${isDefault ? "*" : ""}|${limit === undefined ? "infinite" : durationText(limit)}|${gres}|${k.cpus}|${k.megabytes}`;
}

describe("sinfo's partitions", () => {
  it("reads what sinfo prints: each partition once, its limits the largest of its kinds of node", () => {
    fc.assert(
      fc.property(fc.uniqueArray(partition, { minLength: 1, maxLength: 5, selector: (p) => p.name }), (parts) => {
        const text = parts.flatMap((p, i) => p.kinds.map((k) => line(p.name, i === 0, p.limit, k))).join("\n") + "\n";
        expect(parseSinfo(text)).toEqual(
          parts.map((p, i) => ({
            name: p.name,
            isDefault: i === 0,
            maxWalltime: p.limit,
            gpus: Math.max(...p.kinds.map((k) => k.gpus)),
            cpus: Math.max(...p.kinds.map((k) => k.cpus)),
            memory: Math.max(...p.kinds.map((k) => k.megabytes)) / 1024,
          })),
        );
      }),
    );
  });

  it("the test cluster's partitions", () => {
    expect(parseSinfo("cpu*|2-00:00:00|gpu:2|2|22899\nshort|30:00|gpu:2|2|22899\n")).toEqual([
      { name: "cpu", isDefault: true, maxWalltime: 172800, gpus: 2, cpus: 2, memory: 22899 / 1024 },
      { name: "short", isDefault: false, maxWalltime: 1800, gpus: 2, cpus: 2, memory: 22899 / 1024 },
    ]);
  });
});
