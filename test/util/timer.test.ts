import { describe, expect, it } from "vitest";
import { MAX_TIMER_MS, setLongTimeout } from "../../src/util/timer.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAY = 86_400_000;

describe("setLongTimeout", () => {
  it("does not fire early for a delay beyond setTimeout's limit (30 days, a year)", async () => {
    let fired = 0;
    const month = setLongTimeout(() => fired++, 30 * DAY);
    const year = setLongTimeout(() => fired++, 365 * DAY);
    const limit = setLongTimeout(() => fired++, MAX_TIMER_MS + 1);
    await sleep(150); // Node's setTimeout would have fired them after 1 ms
    month.clear();
    year.clear();
    limit.clear();
    expect(fired).toBe(0);
  });

  it("waits the whole delay in steps no longer than the limit", async () => {
    const start = performance.now();
    const at = await new Promise<number>((resolve) => setLongTimeout(() => resolve(performance.now()), 120, 25));
    expect(at - start).toBeGreaterThanOrEqual(119);
  });

  it("fires once, short delays as setTimeout does; clear stops it, also between steps", async () => {
    let fired = 0;
    setLongTimeout(() => fired++, 0);
    setLongTimeout(() => fired++, 10);
    const cleared = setLongTimeout(() => fired++, 80, 20);
    await sleep(30);
    cleared.clear();
    cleared.clear();
    await sleep(100);
    expect(fired).toBe(2);
  });

  it("Infinity never fires; a negative delay or NaN is a RangeError", async () => {
    let fired = 0;
    setLongTimeout(() => fired++, Infinity);
    await sleep(20);
    expect(fired).toBe(0);
    expect(() => setLongTimeout(() => {}, -1)).toThrow(RangeError);
    expect(() => setLongTimeout(() => {}, NaN)).toThrow(RangeError);
  });
});
