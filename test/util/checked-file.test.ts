import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readCheckedFile, writeCheckedFile } from "../../src/util/checked-file.js";
import { tempDir } from "../helpers.js";

const dir = tempDir();
let n = 0;
const fresh = () => path.join(dir, `f${n++}`);

describe("checked files", () => {
  it("give back what was written, text or bytes", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array()), (body) => {
        const file = fresh();
        writeCheckedFile(file, body);
        const read = readCheckedFile(file);
        expect(read).toBeDefined();
        expect(typeof body === "string" ? read!.toString("utf8") : new Uint8Array(read!)).toEqual(body);
      }),
      { numRuns: 50 },
    );
  });

  it("refuse a file with any byte changed, cut short or lengthened", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.constantFrom("flip", "cut", "add"), (body, at, delta, how) => {
        const file = fresh();
        writeCheckedFile(file, body);
        const bytes = fs.readFileSync(file);
        const i = at % bytes.length;
        const damaged = how === "flip" ? Buffer.from(bytes.map((b, k) => (k === i ? (b + delta) % 256 : b))) : how === "cut" ? bytes.subarray(0, i) : Buffer.concat([bytes, Buffer.from([delta])]);
        fs.writeFileSync(file, damaged);
        expect(readCheckedFile(file)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it("refuse a file without the check, and a missing file", () => {
    const file = fresh();
    fs.writeFileSync(file, '{"v": 1}');
    expect(readCheckedFile(file)).toBeUndefined();
    expect(readCheckedFile(fresh())).toBeUndefined();
  });
});
