import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeStatepoint } from "../../src/dataspace/job.js";
import { tempDir } from "../helpers.js";

const FILE = "signac_statepoint.json";

describe("writeStatepoint", () => {
  it("makes the job once: true for the call that made it, false after", () => {
    const dir = path.join(tempDir(), "job");
    expect(writeStatepoint(dir, { a: 1 })).toBe(true);
    expect(writeStatepoint(dir, { a: 1 })).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([FILE]);
  });

  it("replaces a state-point file a crash left empty, once it is old", () => {
    const dir = path.join(tempDir(), "job");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, FILE), "");
    // young: its maker may be writing it right now
    expect(writeStatepoint(dir, { a: 1 })).toBe(false);
    expect(fs.readFileSync(path.join(dir, FILE), "utf8")).toBe("");
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(dir, FILE), old, old);
    expect(writeStatepoint(dir, { a: 1 })).toBe(true);
    expect(fs.readFileSync(path.join(dir, FILE), "utf8")).toBe('{"a": 1}');
    expect(fs.readdirSync(dir)).toEqual([FILE]);
  });

  it("a failure leaves nothing of what it made", () => {
    const parent = tempDir();
    const dir = path.join(parent, "job");
    // a state point JSON cannot hold fails after the directory is made
    expect(() => writeStatepoint(dir, { a: 1n as unknown as number, b: Symbol("x") as unknown as number })).toThrow();
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  it("makes a missing workspace/ below the project, but never the project's directory again", () => {
    const root = path.join(tempDir(), "project");
    fs.mkdirSync(root);
    const job = (r: string) => path.join(r, "workspace", "0123456789abcdef0123456789abcdef");
    expect(writeStatepoint(job(root), { a: 1 })).toBe(true);
    expect(fs.readdirSync(path.join(root, "workspace"))).toHaveLength(1);
    // the project moved away meanwhile: its old place stays gone
    const moved = path.join(path.dirname(root), "moved");
    fs.renameSync(root, moved);
    expect(() => writeStatepoint(job(root), { a: 2 })).toThrow(/ENOENT/);
    expect(fs.existsSync(root)).toBe(false);
  });
});
