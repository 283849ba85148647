import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isStaleTemp, STALE_TEMP_MS, sweepStaleTemps, tempNameFor } from "../../src/util/fs.js";
import { deadPid, tempDir, tempName } from "../helpers.js";

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
