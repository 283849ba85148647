import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sparkline } from "../../src/cli/sparkline.js";

describe("sparkline", () => {
  it("draws values low to high, equal ones in the middle, NaN as a space", () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([8, 1])).toBe("█▁");
    expect(sparkline([2, 2, 2])).toBe("▄▄▄");
    expect(sparkline([1, NaN, 3])).toBe("▁ █");
    expect(sparkline([])).toBe("");
  });

  it("stands each character for the mean of a run of values when there are more than fit", () => {
    expect(sparkline([0, 0, 10, 10], 2)).toBe("▁█");
    expect(sparkline([0, 10, 0, 10], 2)).toBe("▄▄");
  });

  it("is never wider than asked, and rises where the values do (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 50 }), (xs, width) => {
        const line = sparkline(xs, width);
        expect([...line].length).toBe(Math.min(width, xs.length));
        expect([...line].every((c) => "▁▂▃▄▅▆▇█".includes(c))).toBe(true);
        if (xs.length <= width) {
          const lo = xs.indexOf(Math.min(...xs));
          const hi = xs.indexOf(Math.max(...xs));
          if (xs[lo] !== xs[hi]) expect([[...line][lo], [...line][hi]]).toEqual(["▁", "█"]);
        }
      }),
    );
  });
});
