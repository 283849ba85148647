import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tailLines } from "../../src/runs/output.js";

/** The last n lines as splitting the text at newlines gives them (a final newline ends the last line). */
function reference(text: string, n: number): string[] {
  if (n === 0 || text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.slice(-n);
}

describe("tailLines", () => {
  it("gives the last n lines as splitting at newlines does", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[ab\n]{0,12}$/), fc.integer({ min: 0, max: 8 }), (text, n) => {
        expect(tailLines(Buffer.from(text), n).map((b) => b.toString())).toEqual(reference(text, n));
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps the bytes of each line as written, UTF-8 or not", () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x0a, 0xe2, 0x82, 0xac, 0x80, 0x0a, 0x41]);
    expect(tailLines(bytes, 5)).toEqual([Buffer.from([0xff, 0xfe]), Buffer.from([0xe2, 0x82, 0xac, 0x80]), Buffer.from("A")]);
    expect(tailLines(bytes, 1)).toEqual([Buffer.from("A")]);
  });
});
