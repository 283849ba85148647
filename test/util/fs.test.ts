import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isStaleTemp, makeDirs, STALE_TEMP_MS, sweepStaleTemps, tempNameFor } from "../../src/util/fs.js";
import { deadPid, tempDir, tempName, tmpfsDisk } from "../helpers.js";

describe("temporary files", () => {
  it("a name carries this host and pid, and is stale only when its process is gone or it is old", () => {
    const name = path.basename(tempNameFor("/x/signac_job_document.json"));
    expect(name).toMatch(/^\.signac_job_document\.json\..+\.\d+\.[0-9a-z]+\.\d+\.tmp$/);
    expect(isStaleTemp(name)).toBe(false); // this process
    expect(isStaleTemp(tempName("f", { pid: deadPid() }))).toBe(true);
    expect(isStaleTemp(tempName("f", { host: "elsewhere", pid: deadPid() }))).toBe(false); // a pid of another host tells nothing
    expect(isStaleTemp(tempName("f", { host: "elsewhere", made: Date.now() - STALE_TEMP_MS - 1000 }))).toBe(true);
    expect(isStaleTemp(tempName("f", { made: Date.now() - STALE_TEMP_MS - 1000 }))).toBe(true);
    // older versions wrote no host: judged by age
    expect(isStaleTemp(`.f.${deadPid()}.${Date.now().toString(36)}.0.tmp`)).toBe(false);
    expect(isStaleTemp(`.f.123.${(Date.now() - STALE_TEMP_MS - 1000).toString(36)}.0.tmp`)).toBe(true);
  });

  it("names that are not temporary names are never stale", () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        fc.pre(!name.endsWith(".tmp"));
        expect(isStaleTemp(name)).toBe(false);
      }),
    );
    for (const name of ["signac_statepoint.json", "a.tmp", ".tmp", "out.1.2.3.tmp", "9bfd29df07674bc4aa960cf661b5acd2"]) expect(isStaleTemp(name)).toBe(false);
  });

  it("sweepStaleTemps removes the stale ones, files and directories, and leaves the rest", () => {
    const dir = tempDir();
    const dead = tempName("signac_job_document.json", { pid: deadPid() });
    const live = tempName("signac_job_document.json");
    const trash = tempName("rm-9bfd29df07674bc4aa960cf661b5acd2", { pid: deadPid() });
    for (const f of [dead, live, "data.tmp", "signac_statepoint.json"]) fs.writeFileSync(path.join(dir, f), "x");
    fs.mkdirSync(path.join(dir, trash, "sub"), { recursive: true });
    expect(sweepStaleTemps(dir)).toBe(2);
    expect(fs.readdirSync(dir).sort()).toEqual([live, "data.tmp", "signac_statepoint.json"].sort());
  });
});

describe("makeDirs", () => {
  it("makes a directory and its missing parents, and accepts one that exists", () => {
    const dir = path.join(tempDir(), "a", "b", "c");
    makeDirs(dir);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    makeDirs(dir);
    makeDirs(path.dirname(dir));
    expect(fs.readdirSync(path.dirname(dir))).toEqual(["c"]);
  });

  it("with `below`, makes what is missing under it but never `below` itself once it is gone", () => {
    const base = path.join(tempDir(), "project");
    fs.mkdirSync(base);
    makeDirs(path.join(base, ".cohort", "journal"), base);
    expect(fs.statSync(path.join(base, ".cohort", "journal")).isDirectory()).toBe(true);
    fs.renameSync(base, base + "-moved");
    expect(() => makeDirs(path.join(base, ".cohort", "journal"), base)).toThrow(expect.objectContaining({ code: "ENOENT", path: base }));
    expect(fs.existsSync(base)).toBe(false);
  });

  it("refuses a path where a file is in the way", () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, "f"), "x");
    expect(() => makeDirs(path.join(root, "f"))).toThrow(expect.objectContaining({ code: "EEXIST" }));
    expect(() => makeDirs(path.join(root, "f", "g"))).toThrow(expect.objectContaining({ code: "ENOTDIR" }));
  });

  it.skipIf(!fs.existsSync("/proc/self"))("fails at once where the kernel says ENOENT under a directory that exists (/proc)", () => {
    expect(() => makeDirs("/proc/cohort-test/x")).toThrow(expect.objectContaining({ code: "ENOENT", path: "/proc/cohort-test" }));
  });

  const ro = tmpfsDisk("size=64k,ro");
  describe.skipIf(!ro && !process.env.CI)("on a read-only file system", () => {
    it("reports EROFS for the first directory it could not make, not ENOENT", () => {
      expect(ro, "mounting a tmpfs needs root, which CI has").toBeDefined();
      expect(() => makeDirs(path.join(ro!, "a", "b"))).toThrow(expect.objectContaining({ code: "EROFS", syscall: "mkdir", path: path.join(ro!, "a") }));
    });
  });
});
