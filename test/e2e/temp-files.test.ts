import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jobId } from "../../src/dataspace/id.js";
import { cohort, deadPid, tempDir, tempName } from "../helpers.js";

describe("temporary files a killed process left", () => {
  it("are removed by the next command that lists their directory, when their writer is gone: cohort check for job directories", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.op]\ncommand = "touch done.txt"\n`);
    expect(cohort(["init", "a={1,2}"], { cwd: dir }).code).toBe(0);
    const [one, two] = [jobId({ a: 1 }), jobId({ a: 2 })].map((id) => path.join(dir, "workspace", id));
    const doc = "signac_job_document.json";
    const dead = tempName(doc, { pid: deadPid() });
    const live = tempName(doc, { pid: process.pid }); // this test's process: alive
    const elsewhere = tempName(doc, { host: "other-host", pid: deadPid() }); // a pid of another host tells nothing
    const old = tempName(doc, { host: "other-host", made: Date.now() - 7 * 3600 * 1000 });
    for (const f of [dead, live, elsewhere, old]) fs.writeFileSync(path.join(one, f), "{");
    fs.writeFileSync(path.join(two, dead), "{");
    const cache = path.join(dir, ".cohort", "cache");
    const cacheTemp = tempName("jobs.json", { pid: deadPid() });
    fs.writeFileSync(path.join(cache, cacheTemp), "{");
    const trash = path.join(dir, ".cohort", "tmp", tempName(`rm-${jobId({ a: 3 })}`, { pid: deadPid() }));
    fs.mkdirSync(trash, { recursive: true });
    fs.writeFileSync(path.join(trash, "signac_statepoint.json"), '{"a": 3}');
    const now = new Date();
    fs.utimesSync(path.join(dir, "workspace"), now, now); // the workspace changed: the next command lists it

    // running an operation does not list its job's directory (it would cost every run)
    const r = cohort(["exec", "op", jobId({ a: 1 })], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(one).sort()).toEqual([dead, live, elsewhere, old, "done.txt", "signac_statepoint.json"].sort());
    // a command that read the workspace afresh looked in cohort's own directories too
    expect(fs.readdirSync(cache)).not.toContain(cacheTemp);
    expect(fs.existsSync(trash)).toBe(false);

    // cohort check lists every job directory
    expect(cohort(["check"], { cwd: dir }).stdout).toBe("workspace OK\n");
    expect(fs.readdirSync(two)).toEqual(["signac_statepoint.json"]);
    // the dead writer's and the old one's are gone; a live writer's, and one of another host that is not old, stay
    expect(fs.readdirSync(one).sort()).toEqual([live, elsewhere, "done.txt", "signac_statepoint.json"].sort());
  });
});
