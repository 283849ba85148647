import { format, inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { dumpJson, float, Float, initProject } from "../../src/index.js";
import { tempDir } from "../helpers.js";

describe("a Float reads and prints as the number it is", () => {
  it("console.log and util.inspect show it as Python writes it, not as an object", () => {
    expect(inspect(new Float(2))).toBe("2.0");
    expect(inspect({ T: new Float(2), a: [new Float(-0), new Float(1e16)] })).toBe("{ T: 2.0, a: [ -0.0, 1e+16 ] }");
    expect(inspect(new Float(2), { colors: true })).toBe("\x1b[33m2.0\x1b[39m"); // styled as a number
    expect(format("%s %o %O", new Float(2), new Float(2), new Float(2))).toBe("2.0 2.0 2.0");
    const job = initProject(tempDir()).openJob({ T: float(2), N: 64, x: { y: float(3) } });
    expect(inspect(job.sp)).toBe("{ T: 2.0, N: 64, x: { y: 3.0 } }");
  });

  it("converts to text as Python writes it, and to a number as a number", () => {
    const f = new Float(2);
    expect(`${f}`).toBe("2.0");
    expect(String(f)).toBe("2.0");
    expect(Number(f)).toBe(2);
    expect(+f).toBe(2);
    expect((f as unknown as number) + 1).toBe(3);
    expect((f as unknown as number) * 1.5).toBe(3);
    expect((f as unknown as number) > 1).toBe(true);
    expect(Math.max(f as unknown as number, 1)).toBe(2);
    // JSON.stringify can only write a number; cohort's own dumpJson keeps the float a float.
    expect(JSON.stringify({ T: f })).toBe('{"T":2}');
    expect(dumpJson({ T: f })).toBe('{"T": 2.0}');
  });
});
