import { afterEach, describe, expect, it, vi } from "vitest";
import { CLAIM_LOOKAHEAD, ClaimGate } from "../../src/execution/claim-gate.js";
import type { ExecutionItem } from "../../src/execution/items.js";
import type { Claims, Pair } from "../../src/runs/claims.js";

/** Claims that grant every pair, and remember the size of each batch asked for. */
function grantingClaims() {
  const held = new Set<string>();
  const batches: number[] = [];
  const claims = {
    holds: (op: string, agg: string) => held.has(op + "\0" + agg),
    take: (pairs: readonly Pair[]) => {
      batches.push(pairs.length);
      for (const [op, agg] of pairs) held.add(op + "\0" + agg);
      return Promise.resolve([]);
    },
    ended: () => undefined,
  } as unknown as Claims;
  return { claims, batches };
}

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ operation: { name: "op" }, aggregate: { id: `job${i}` } }) as unknown as ExecutionItem);

/** Runs `n` items through a gate, each taking `msPerRun` of the (fake) clock; the sizes of the batches claimed. */
async function runThrough(n: number, msPerRun: number): Promise<number[]> {
  vi.useFakeTimers({ now: 0 });
  const { claims, batches } = grantingClaims();
  const gate = new ClaimGate(claims);
  const all = items(n);
  for (const [k, item] of all.entries()) {
    expect(await gate.admit(item, () => all.slice(k + 1, k + 1 + CLAIM_LOOKAHEAD))).toBe(true);
    vi.setSystemTime(Math.floor((k + 1) * msPerRun));
    gate.ended(item);
  }
  expect(batches.reduce((a, b) => a + b, 0)).toBe(n);
  return batches;
}

describe("the claim gate", () => {
  afterEach(() => vi.useRealTimers());

  it("claims one pair first, then batches of about a second of work at the pace so far", async () => {
    const batches = await runThrough(600, 10);
    expect(batches[0]).toBe(1);
    // 10 ms a run: a second is 100 runs
    expect(Math.max(...batches)).toBeGreaterThanOrEqual(90);
    expect(Math.max(...batches)).toBeLessThanOrEqual(100);
  });

  it("claims runs of a fraction of a millisecond a second's worth at a time, not a few hundred", async () => {
    // 0.25 ms a run: a second is 4,000 runs; 20,000 runs take a handful of locks and synced writes
    const batches = await runThrough(20000, 0.25);
    expect(Math.max(...batches)).toBeGreaterThanOrEqual(3000);
    expect(Math.max(...batches)).toBeLessThanOrEqual(4096);
    expect(batches.length).toBeLessThan(30);
  });

  it("claims slow runs one at a time", async () => {
    expect(await runThrough(5, 2000)).toEqual([1, 1, 1, 1, 1]);
  });
});
