import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cohort, lines, tempDir } from "../helpers.js";

function project(...grid: string[]): string {
  const dir = tempDir();
  expect(cohort(["init", ...grid], { cwd: dir }).code).toBe(0);
  return dir;
}

/** The `job` links under a view, as paths relative to it. */
function links(dir: string, rel = ""): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    return e.isSymbolicLink() ? [r] : e.isDirectory() ? links(dir, r) : [];
  });
}

describe("cohort view", () => {
  it("links each job under the values that tell it apart, and keeps the view up to date", () => {
    const dir = project("T={1.0,1.5}", "N={64,128}", "model=lj");
    const r = cohort(["view"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("view: 4 jobs (4 links made, 0 removed, 0 unchanged)\n");
    expect(links(path.join(dir, "view")).sort()).toEqual(["N/128/T/1.0/job", "N/128/T/1.5/job", "N/64/T/1.0/job", "N/64/T/1.5/job"]);
    const [id] = lines(cohort(["find", "T", "1.5", "N", "64"], { cwd: dir }).stdout);
    expect(fs.realpathSync(path.join(dir, "view/N/64/T/1.5/job"))).toBe(fs.realpathSync(path.join(dir, "workspace", id)));
    // A job removed leaves the view when it is made again; from a subdirectory, a DIR is the shell's.
    expect(cohort(["job", "rm", id], { cwd: dir }).code).toBe(0);
    fs.mkdirSync(path.join(dir, "sub"));
    expect(cohort(["view", "../view"], { cwd: path.join(dir, "sub") }).stdout).toBe("../view: 3 jobs (0 links made, 1 removed, 3 unchanged)\n");
    expect(fs.existsSync(path.join(dir, "view/N/64/T/1.5"))).toBe(false);
    // -f and -j choose the jobs; a view of another directory
    expect(cohort(["view", "cold", "-f", "T.$lt", "1.2"], { cwd: dir }).code).toBe(0);
    expect(links(path.join(dir, "cold")).sort()).toEqual(["N/128/job", "N/64/job"]);
    const [one] = lines(cohort(["find", "T", "1.0", "N", "64"], { cwd: dir }).stdout);
    expect(cohort(["view", "one", "-j", one.slice(0, 6)], { cwd: dir }).code).toBe(0);
    expect(links(path.join(dir, "one"))).toEqual(["job"]);
  });

  it("refuses, with one line and exit code 2, a place of the project's own and a value that cannot name a directory", () => {
    const dir = project("T={1,2}");
    const inside = cohort(["view", "workspace/v"], { cwd: dir });
    expect(inside.code).toBe(2);
    expect(inside.stderr).toBe("cohort: error: a view cannot be made in workspace/, which is the project's own (name a directory of its own, such as view)\n");
    expect(cohort(["view", "."], { cwd: dir }).code).toBe(2);
    expect(cohort(["job", "init", '{"path": "a/b"}'], { cwd: dir }).code).toBe(0);
    const slash = cohort(["view"], { cwd: dir });
    expect(slash.code).toBe(2);
    expect(slash.stderr).toMatch(/^cohort: error: job [0-9a-f]{32} cannot be in a view: its state-point value "a\/b" \(of path\) cannot be a directory name \(.*\)\n$/);
    expect(fs.existsSync(path.join(dir, "view"))).toBe(false);
  });
});
