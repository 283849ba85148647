import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { idFinder, lowerBound } from "../../src/runs/run-table.js";

// Short ids over a small alphabet: queries hit, miss, repeat, and come in and out of order.
const ids = fc.uniqueArray(fc.stringMatching(/^[a-d]{1,3}$/), { maxLength: 60 }).map((a) => a.sort());
const query = fc.stringMatching(/^[a-d]{1,3}$/);

describe("lowerBound", () => {
  it("is the first index from `from` on whose key is not below the key", () => {
    fc.assert(
      fc.property(ids, query, fc.nat(70), (keys, key, from) => {
        const start = Math.min(from, keys.length);
        const expected = keys.findIndex((k, i) => i >= start && k >= key);
        expect(lowerBound(keys.length, (i) => keys[i], key, start)).toBe(expected === -1 ? keys.length : expected);
      }),
    );
  });
});

describe("idFinder", () => {
  it("finds each id's index, -1 for one not there, whatever the order of the questions", () => {
    fc.assert(
      fc.property(ids, fc.array(query, { maxLength: 200 }), fc.boolean(), (keys, asked, sorted) => {
        const find = idFinder(keys.length, (i) => keys[i]);
        for (const id of sorted ? [...asked].sort() : asked) expect(find(id)).toBe(keys.indexOf(id));
      }),
    );
  });

  it("finds ids asked for in order among 100,000 by few compares, and past many searches out of order by an index", () => {
    const n = 100_000;
    const keys = Array.from({ length: n }, (_, i) => String(i).padStart(6, "0"));
    let compares = 0;
    const find = idFinder(n, (i) => (compares++, keys[i]));
    // every 20th, in order (attribute logs): about 2 log2(20) + 2 compares each, against 17 + 1 for a search
    for (let i = 0; i < n; i += 20) expect(find(keys[i])).toBe(i);
    expect(compares / (n / 20)).toBeLessThan(14);
    // out of order: searched, then, past one search per 16 ids, from one index built once
    for (let i = n - 1; i >= 0; i -= 7) expect(find(keys[i])).toBe(i);
    compares = 0;
    for (let i = n - 3; i >= 0; i -= 7) expect(find(keys[i])).toBe(i);
    expect(compares / Math.ceil((n - 2) / 7)).toBeLessThan(2);
  });
});
