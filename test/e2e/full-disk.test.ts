import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readLedger } from "../../src/runs/ledger.js";
import { cohort, lines, tmpfsDisk } from "../helpers.js";

const disk = tmpfsDisk("size=400k");

describe.skipIf(!disk && !process.env.CI)("a full disk while a run writes its output", () => {
  it("ends that run as error with one line, and damages nothing else", () => {
    expect(disk, "mounting a tmpfs needs root, which CI has").toBeDefined();
    const dir = path.join(disk!, "p");
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, "cohort.toml"),
      `[operations.small]\ncommand = "echo fine > small.txt"\npost = [{ isfile = "small.txt" }]\n\n[operations.flood]\ncommand = "yes x | head -c 2000000; echo after > after.txt"\nflags = { n = 0 }\n`,
    );
    expect(cohort(["init", "i={1..3}"], { cwd: dir }).code).toBe(0);
    expect(cohort(["run", "-o", "small", "-q"], { cwd: dir }).code).toBe(0);
    const before = fs.readFileSync(path.join(dir, "cohort.toml"), "utf8");

    const r = cohort(["run", "flood", "-q"], { cwd: dir });
    expect(r.code).toBe(1);
    const failures = lines(r.stderr).filter((l) => /error {2}flood/.test(l));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/its output could not be written: .*(ENOSPC|no space)/i);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace

    // The run ended as error; the earlier runs and the project are as they were.
    const ledger = readLedger(dir);
    const runs = [...ledger.runs.values()];
    expect(runs.filter((x) => x.operation === "small").map((x) => x.exit)).toEqual([0, 0, 0]);
    const flood = runs.find((x) => x.operation === "flood")!;
    expect(flood.exit).toBe(1);
    expect(fs.readFileSync(path.join(dir, "cohort.toml"), "utf8")).toBe(before);
    const listed = cohort(["runs", "--json"], { cwd: dir });
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { status: string; operation: string }[]).map((x) => `${x.operation} ${x.status}`).sort()).toEqual(["flood error", "small completed", "small completed", "small completed"]);
  });
});

const tiny = tmpfsDisk("size=200k");

describe.skipIf(!tiny && !process.env.CI)("a full disk while jobs are made", () => {
  /** Every job directory holds its whole state point: no empty or half-made job, no temporary file. */
  function expectWholeJobs(dir: string): string[] {
    const ws = path.join(dir, "workspace");
    const names = fs.readdirSync(ws);
    for (const name of names) expect(fs.readdirSync(path.join(ws, name)), name).toEqual(["signac_statepoint.json"]);
    const check = cohort(["check"], { cwd: dir });
    expect(check.stdout + check.stderr).toBe("workspace OK\n");
    return names;
  }

  it("cohort init stops with one line and leaves only whole jobs, each counted", () => {
    expect(tiny, "mounting a tmpfs needs root, which CI has").toBeDefined();
    const dir = path.join(tiny!, "init");
    fs.mkdirSync(dir);
    expect(cohort(["init"], { cwd: dir }).code).toBe(0);
    const r = cohort(["init", "i={1..2000}"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(lines(r.stderr).filter((l) => l.startsWith("cohort: error:"))).toHaveLength(1);
    expect(r.stderr).toMatch(/^cohort: error: cannot write \S+\/workspace\/[0-9a-f]{32}\/signac_statepoint\.json: no space left on device \(ENOSPC\)$/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const names = expectWholeJobs(dir);
    expect(names.length).toBeGreaterThan(0);
    const found = cohort(["find"], { cwd: dir });
    expect(found.stderr).toBe("");
    expect(lines(found.stdout).sort()).toEqual(names.sort());

    // cohort job init on the full disk: nothing is left of the job it could not make
    const one = cohort(["job", "init", '{"j": 1}'], { cwd: dir });
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/^cohort: error: cannot write \S+\/workspace\/[0-9a-f]{32}\/signac_statepoint\.json: no space left on device \(ENOSPC\)$/m);
    expect(expectWholeJobs(dir).sort()).toEqual(names.sort());
  });
});

/** Fills the file system of `disk` with one file, returned (remove it to make room again). */
function fillDisk(disk: string): string {
  const filler = path.join(disk, "filler");
  const fd = fs.openSync(filler, "w");
  try {
    for (;;) fs.writeSync(fd, Buffer.alloc(4096));
  } catch {
    // full
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

/** A project in `disk` with one operation, `small`, and the jobs of `grid`. */
function smallProject(disk: string, name: string, grid: string): string {
  const dir = path.join(disk, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.small]\ncommand = "echo fine > small.txt"\npost = [{ isfile = "small.txt" }]\n`);
  expect(cohort(["init", grid], { cwd: dir }).code).toBe(0);
  return dir;
}

const full = tmpfsDisk("size=100k");

describe.skipIf(!full && !process.env.CI)("a full disk when a runner claims its work", () => {
  it("leaves no empty claims lock behind, so the next runner does not wait for it", () => {
    expect(full, "mounting a tmpfs needs root, which CI has").toBeDefined();
    const dir = smallProject(full!, "claims", "i={1..2}");
    fs.mkdirSync(path.join(dir, ".cohort", "journal"), { recursive: true });
    // files can still be made (inodes), nothing written into them
    const filler = fillDisk(full!);
    const r = cohort(["run", "-q"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cohort: error: cannot write \S+\/claims\.lock: no space left on device \(ENOSPC\)$/m);
    expect(fs.readdirSync(path.join(dir, ".cohort", "journal"))).not.toContain("claims.lock");

    fs.rmSync(filler);
    const started = Date.now();
    const again = cohort(["run", "-q"], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(fs.existsSync(path.join(dir, "workspace"))).toBe(true);
    expect(cohort(["status", "--json"], { cwd: dir }).code).toBe(0);
  }, 90_000);
});

const noRoom = tmpfsDisk("size=100k");

describe.skipIf(!noRoom && !process.env.CI)("a full disk when a journal is written", () => {
  it("says which journal could not be written, and leaves no journal behind", () => {
    expect(noRoom, "mounting a tmpfs needs root, which CI has").toBeDefined();
    const dir = smallProject(noRoom!, "label", "i=1");
    expect(cohort(["run", "-q"], { cwd: dir }).code).toBe(0);
    const journal = path.join(dir, ".cohort", "journal");
    const before = fs.readdirSync(journal).sort();
    const filler = fillDisk(noRoom!);
    const r = cohort(["runs", "label", "--set", "x", "1"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cohort: error: cannot write \S+\/\.cohort\/journal\/[0-9a-f-]{36}\.jsonl: no space left on device \(ENOSPC\)$/m);
    expect(fs.readdirSync(journal).sort()).toEqual(before);
    fs.rmSync(filler);
  });
});
