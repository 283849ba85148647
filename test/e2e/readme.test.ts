/**
 * README.md's Quick start, pasted as it is: each ```sh block runs in turn with bash (`set -e`) in a
 * fresh directory, with cohort installed as `npm install -g .` installs it, and prints what the ```text
 * block after it shows. The convention is in docs/development.md, "The README's Quick start".
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, tempDir } from "../helpers.js";
import { quickStart, readmeQuickStart, shows } from "./readme-blocks.js";

describe("shows", () => {
  it("matches lines exactly but for … and runs of spaces", () => {
    expect(shows("a  b\n", "a b\n")).toBe(true);
    expect(shows("a b\n", "a c\n")).toBe(false);
    expect(shows("a\nb\n", "a\n")).toBe(false);
    expect(shows("a\nb\n", "a\nb\nc\n")).toBe(false);
    expect(shows("x …\n", "x anything at all\n")).toBe(true);
    expect(shows("x …\n", "y anything\n")).toBe(false);
    expect(shows("…\nlast\n", "one\ntwo\nlast\n")).toBe(true);
    expect(shows("…\nlast\n", "last\n")).toBe(true);
    expect(shows("first\n…\n", "first\n")).toBe(true);
    expect(shows("first\n…\n", "second\n")).toBe(false);
    expect(shows("a.b\n", "axb\n")).toBe(false);
  });
});

describe("quickStart", () => {
  it("pairs each shell block with the text block after it, within the section", () => {
    const md = "# x\n\n```sh\nno\n```\n\n## Quick start\n\n```sh\na\n```\n\nsay\n\n```text\nA\n```\n\n```sh\nb\n```\n\n## Next\n\n```sh\nno\n```\n";
    expect(quickStart(md)).toEqual([
      { code: "a\n", expected: "A\n", line: 9 },
      { code: "b\n", line: 19 },
    ]);
    expect(() => quickStart("## Quick start\n\n```toml\na = 1\n```\n")).toThrow(/neither a shell block nor the output of one/);
  });
});

describe("README.md, Quick start", () => {
  const steps = readmeQuickStart();

  it("has shell blocks, most of them with their output", () => {
    expect(steps.length).toBeGreaterThanOrEqual(8);
    expect(steps.filter((s) => s.expected !== undefined).length).toBeGreaterThanOrEqual(6);
  });

  it("runs as written, in a fresh directory, with cohort installed by npm install -g", { timeout: 180_000 }, () => {
    const prefix = tempDir("cohort-readme-prefix-");
    const npm = spawnSync("npm", ["install", "-g", ROOT, "--prefix", prefix, "--ignore-scripts", "--no-audit", "--no-fund"], { encoding: "utf8" });
    expect(npm.status, npm.stderr).toBe(0);
    // The user's environment after `npm install -g .`: cohort on the PATH, npm's global prefix where it
    // went. npm's own variables of this process (npm test) are left out. Scripts are not run: npm would
    // run the checkout's `prepare` (a build of dist/) again on `npm link cohort`, while other tests use
    // dist/, which the suite's global setup built.
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    Object.assign(env, {
      PATH: `${path.join(prefix, "bin")}${path.delimiter}${process.env.PATH}`,
      NPM_CONFIG_PREFIX: prefix,
      NPM_CONFIG_IGNORE_SCRIPTS: "true",
      NPM_CONFIG_AUDIT: "false",
      NPM_CONFIG_FUND: "false",
      NPM_CONFIG_UPDATE_NOTIFIER: "false",
      NO_COLOR: "1",
    });
    // Each block runs in the directory the one before it ended in (the first: a fresh empty one).
    const cwdFile = path.join(tempDir(), "cwd");
    fs.writeFileSync(cwdFile, tempDir("cohort-readme-"));
    for (const step of steps) {
      const script = `exec 2>&1\nset -e\ncd "$(cat '${cwdFile}')"\n${step.code}pwd > '${cwdFile}'\n`;
      const r = spawnSync("bash", ["-c", script], { env, encoding: "utf8" });
      const where = `README.md:${step.line}:\n${step.code}`;
      expect(r.status, `${where}\nprinted:\n${r.stdout}`).toBe(0);
      if (step.expected !== undefined && !shows(step.expected, r.stdout)) expect(r.stdout, where).toBe(step.expected);
    }
  });
});
