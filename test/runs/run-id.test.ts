import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isRunId, isRunName, newRunId, newUuidV7, proquint, runName } from "../../src/runs/run-id.js";

/** The 32-bit value of a proquint (the inverse of proquint, which cohort itself never needs). */
function parseProquint(s: string): number {
  if (!isRunName(s)) throw new Error(`not a proquint: ${JSON.stringify(s)}`);
  let n = 0;
  for (const ch of s) {
    if (ch === "-") continue;
    const c = "bdfghjklmnprstvz".indexOf(ch);
    n = c >= 0 ? n * 16 + c : n * 4 + "aiou".indexOf(ch);
  }
  return n;
}

const ip = (a: number, b: number, c: number, d: number) => ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;

describe("proquint", () => {
  it("encodes the paper's examples", () => {
    expect(proquint(ip(127, 0, 0, 1))).toBe("lusab-babad");
    expect(proquint(ip(63, 84, 220, 193))).toBe("gutih-tugad");
    expect(proquint(ip(63, 118, 7, 35))).toBe("gutuk-bisog");
    expect(proquint(ip(140, 98, 193, 141))).toBe("mudof-sakat");
    expect(proquint(ip(64, 255, 6, 200))).toBe("haguz-biram");
    expect(proquint(ip(128, 30, 52, 45))).toBe("mabiv-gibot");
    expect(proquint(ip(147, 67, 119, 2))).toBe("natag-lisaf");
    expect(proquint(ip(212, 58, 253, 68))).toBe("tibup-zujah");
    expect(proquint(ip(216, 35, 68, 215))).toBe("tobog-higil");
    expect(proquint(ip(216, 68, 232, 21))).toBe("todah-vobij");
    expect(proquint(ip(198, 81, 129, 136))).toBe("sinid-makam");
    expect(proquint(ip(12, 110, 110, 204))).toBe("budov-kuras");
    expect(proquint(0)).toBe("babab-babab");
    expect(proquint(0xffffffff)).toBe("zuzuz-zuzuz");
  });

  it("decodes the paper's examples", () => {
    expect(parseProquint("lusab-babad")).toBe(ip(127, 0, 0, 1));
    expect(parseProquint("gutih-tugad")).toBe(ip(63, 84, 220, 193));
    expect(() => parseProquint("lusab")).toThrow();
    expect(() => parseProquint("lusab-babax")).toThrow();
  });

  it("round-trips every 32-bit value", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const s = proquint(n);
        expect(isRunName(s)).toBe(true);
        expect(parseProquint(s)).toBe(n);
      }),
    );
  });

  it("refuses values outside 32 bits", () => {
    expect(() => proquint(-1)).toThrow(RangeError);
    expect(() => proquint(2 ** 32)).toThrow(RangeError);
    expect(() => proquint(1.5)).toThrow(RangeError);
  });
});

describe("run ids and names", () => {
  it("makes time-ordered v7 UUIDs", () => {
    const ids = Array.from({ length: 50 }, () => newRunId());
    for (const id of ids) {
      expect(isRunId(id)).toBe(true);
      expect(id[14]).toBe("7"); // version nibble
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("names a run by the last 32 bits of its id", () => {
    expect(runName("01936b2e-0000-7000-8000-00007f000001")).toBe("lusab-babad");
    expect(runName("01936b2e-1234-7abc-9def-01233f54dcc1")).toBe("gutih-tugad");
    const id = newRunId();
    expect(runName(id)).toBe(runName(id));
    expect(runName(id)).toBe(proquint(parseInt(id.slice(-8), 16)));
    expect(() => runName("not-an-id")).toThrow();
  });

  it("gives runs made in the same millisecond different names", () => {
    const names = new Set(Array.from({ length: 200 }, () => runName(newRunId())));
    expect(names.size).toBe(200);
  });
});

describe("newUuidV7", () => {
  it("makes RFC 9562 version 7 ids: the time in the first 48 bits, version 7, variant 10", () => {
    const before = Date.now();
    const id = newUuidV7();
    const after = Date.now();
    expect(isRunId(id)).toBe(true);
    const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after + 1);
    expect(id[14]).toBe("7");
    expect("89ab").toContain(id[19]);
  });

  it("ids made one after another sort in the order made and never repeat, however many in one millisecond", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6000 }), (n) => {
        const ids = Array.from({ length: n }, () => newUuidV7());
        for (let i = 1; i < n; i++) expect(ids[i - 1] < ids[i]).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  it("their names differ: the last 32 bits are random", () => {
    const names = new Set(Array.from({ length: 2000 }, () => runName(newUuidV7())));
    expect(names.size).toBeGreaterThan(1990);
  });
});
