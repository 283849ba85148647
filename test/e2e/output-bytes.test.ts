import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COHORT, cohort, lines, tempDir } from "../helpers.js";

/** Runs bin/cohort, its stdout as bytes. */
function cohortBytes(args: string[], cwd: string): { code: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [COHORT, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

// 0xff 0xfe and a lone 0x80 are no UTF-8; "€" (e2 82 ac) is split across two writes.
const ODD = Buffer.from([0xff, 0xfe, 0x61, 0x80, 0xe2, 0x82, 0xac, 0x0a]);

const PROJECT_TS = `
import { FlowProject } from "cohort";
const project = new FlowProject();
project.operation("bytes", {}, async () => {
  process.stdout.write(Buffer.from([0xff, 0xfe, 0x61, 0x80, 0xe2, 0x82]));
  await new Promise((r) => setTimeout(r, 150));
  process.stderr.write(new Uint8Array([0xac, 0x0a]));
});
project.operation("closer", {}, () => {
  console.log("before end");
  process.stdout.end("last words\\n");
  console.log("after end");
});
export default project;
`;

function project(): string {
  const dir = tempDir();
  expect(cohort(["init", "i={1,2}"], { cwd: dir }).code).toBe(0);
  fs.writeFileSync(path.join(dir, "blob"), crypto.randomBytes(3_000_000));
  fs.writeFileSync(
    path.join(dir, "cohort.toml"),
    `[operations.blob]\ncommand = "cat ../../blob"\n\n[operations.odd]\ncommand = "printf '\\\\377\\\\376a\\\\200\\\\342\\\\202'; sleep 0.3; printf '\\\\254\\\\n'"\n`,
  );
  fs.writeFileSync(path.join(dir, "project.ts"), PROJECT_TS);
  return dir;
}

describe("output reaches the terminal byte for byte", () => {
  it("a command's 3,000,000 random bytes: the same bytes on stdout, in the record, and from runs show --output", () => {
    const dir = project();
    const blob = fs.readFileSync(path.join(dir, "blob"));
    const r = cohortBytes(["run", "-o", "blob", "-n", "1"], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBe(3_000_000);
    expect(r.stdout.equals(blob)).toBe(true);
    const shown = cohortBytes(["runs", "show", "1", "--output"], dir);
    expect(shown.stdout.equals(blob)).toBe(true);
  });

  it("bytes that are not UTF-8, and a character split across two reads, from commands and functions, serial and parallel", () => {
    const dir = project();
    for (const op of ["odd", "bytes"]) {
      const serial = cohortBytes(["run", "-o", op], dir);
      expect(serial.code, serial.stderr).toBe(0);
      expect(serial.stdout).toEqual(Buffer.concat([ODD, ODD]));

      const parallel = cohortBytes(["run", "-o", op, "--parallel", "2"], dir);
      expect(parallel.code, parallel.stderr).toBe(0);
      const names = lines(parallel.stderr).flatMap((l) => /^cohort: \[(\S+)\] /.exec(l)?.[1] ?? []);
      expect(names).toHaveLength(2);
      for (const name of names) expect(parallel.stdout.includes(Buffer.concat([Buffer.from(`[${name}] `), ODD]))).toBe(true);
      expect(parallel.stdout.length).toBe(2 * (ODD.length + names[0].length + 3));
    }
    // runs show: the last lines of the output, as written
    const shown = cohortBytes(["runs", "show", "1", "--tail", "1"], dir);
    expect(shown.stdout.includes(Buffer.concat([Buffer.from("output (last line)\n  "), ODD]))).toBe(true);
  });

  it("a function that ends stdout ends only its own output: later runs print, the summary shows, exit code 0", () => {
    const dir = project();
    const r = cohort(["run", "-o", "closer"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("before end\nlast words\nafter end\n".repeat(2));
    expect(r.stderr).toMatch(/2 runs, 2 completed, 0 failed/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const listed = JSON.parse(cohort(["runs", "--json"], { cwd: dir }).stdout) as { status: string }[];
    expect(listed.map((x) => x.status)).toEqual(["completed", "completed"]);
    const parallel = cohort(["run", "-o", "closer", "--parallel", "2"], { cwd: dir });
    expect(parallel.code, parallel.stderr).toBe(0);
    expect(lines(parallel.stdout)).toHaveLength(6);
  });
});
