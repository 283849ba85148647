/** The listing cache as users meet it: `cohort runs` and `cohort runs -g` with and without it say the same. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cohort, lines, tempDir } from "../helpers.js";

const TOML = `
[project]
name = "demo"

[operations.prepare]
command = "echo preparing {sp.T}"

[operations.fail]
command = "exit 3"
`;

function project() {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "cohort.toml"), TOML);
  const c = (...args: string[]) => {
    const r = cohort(args, { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    return r;
  };
  c("init", "T={1.0,2.0,3.0}");
  c("exec", "prepare");
  const group = c("group", "create", "1", "2", "--label", "pair").stdout.trim();
  // (a failed run: exit code 1)
  expect(cohort(["exec", "fail", lines(c("find").stdout)[0]], { cwd: dir }).code).toBe(1);
  return { dir, c, group, cache: path.join(dir, ".cohort", "cache") };
}

/**
 * What the listings print (stderr too: "N of M shown"): `--json`, and tables as their cells, the
 * relative times ("just now", "1 second ago") left out.
 */
function listings(c: (...args: string[]) => { stdout: string; stderr: string }) {
  const TIME = /^(started|just now|\d+ (seconds?|minutes?) ago)$/;
  return [[], ["-g"], ["-n", "2"], ["-g", "--json"], ["--json"], ["-g", "-n", "1", "--json"]].map((args) => {
    const r = c("runs", ...args);
    const out = args.includes("--json") ? r.stdout : lines(r.stdout).map((l) => l.split(/\s{2,}/).filter((cell) => !TIME.test(cell)).join(" | ")).join("\n");
    return `${args.join(" ")}\n${out}\n${r.stderr}`;
  });
}

describe("the listing cache (cohort runs)", () => {
  it("a listing is kept, and the next one, from the cache, prints the same", () => {
    const { c, cache } = project();
    const first = listings(c);
    expect(fs.readdirSync(cache).filter((f) => f.startsWith("runs-")).sort()).toEqual(["runs-groups.v8", "runs-list.v8"]);
    expect(listings(c)).toEqual(first);
    fs.rmSync(cache, { recursive: true });
    expect(listings(c)).toEqual(first);
  });

  it("a change by any command shows at once: label, delete, a new run, a group", () => {
    const { c, cache, group } = project();
    listings(c);
    const noCache = () => {
      const saved = `${cache}.aside`;
      fs.renameSync(cache, saved);
      try {
        return listings(c);
      } finally {
        fs.rmSync(cache, { recursive: true, force: true });
        fs.renameSync(saved, cache);
      }
    };
    for (const change of [["runs", "label", "1", "--set", "look"], ["runs", "delete", "2"], ["exec", "prepare"], ["group", "label", group, "--set", "renamed"], ["group", "delete", group]]) {
      c(...change);
      const got = listings(c);
      expect(got, change.join(" ")).toEqual(noCache());
    }
    expect(c("runs").stdout).toMatch(/ look$/m);
  });

  it("a damaged or unwritable cache changes nothing the user sees", () => {
    const { c, cache } = project();
    const want = listings(c);
    for (const f of fs.readdirSync(cache).filter((f) => f.startsWith("runs-"))) fs.writeFileSync(path.join(cache, f), "damaged");
    expect(listings(c)).toEqual(want);
    fs.rmSync(cache, { recursive: true });
    fs.writeFileSync(cache, "a file where the cache directory goes");
    expect(listings(c)).toEqual(want);
  });
});
