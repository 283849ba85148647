import { spawnSync } from "node:child_process";
import fs from "node:fs";
import module from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COHORT, tempDir } from "../helpers.js";

// bin/cohort is a node script: started as a program (its `#!` line finds node on the PATH, here this
// node) or by node itself, as submission scripts start it.
const base: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`, NO_COLOR: "1" };
delete base.NODE_COMPILE_CACHE;
delete base.NODE_DISABLE_COMPILE_CACHE;

function launch(args: string[], cwd: string, env: NodeJS.ProcessEnv = base) {
  return spawnSync(COHORT, args, { cwd, env, encoding: "utf8" });
}

describe("bin/cohort", () => {
  it("runs the CLI with the arguments as given, started as a program or by node", () => {
    const dir = tempDir();
    const version = launch(["--version"], dir);
    expect(version.stderr).toBe("");
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const args = ["job", "id", '{"a b": "$HOME *", "c": [1.0]}'];
    const direct = launch(args, dir);
    expect(direct.status, direct.stderr).toBe(0);
    expect(direct.stdout).toMatch(/^[0-9a-f]{32}\n$/);
    expect(spawnSync(process.execPath, [COHORT, ...args], { cwd: dir, env: base, encoding: "utf8" }).stdout).toBe(direct.stdout);
  });

  it("hands every process it starts the environment it was given, NODE_EXTRA_CA_CERTS included", () => {
    const dir = tempDir();
    const certs = path.join(dir, "certs.pem");
    fs.writeFileSync(certs, "");
    expect(launch(["init", "x=1"], dir).status).toBe(0);
    fs.appendFileSync(path.join(dir, "cohort.toml"), `\n[operations.env]\ncommand = 'printenv > "$ENV_FILE"'\n`);
    const given: NodeJS.ProcessEnv = { ...base, NODE_EXTRA_CA_CERTS: certs, ENV_FILE: path.join(dir, "env.txt"), COHORT_TEST_VALUE: "a b $HOME * ' \"" };
    const r = launch(["run", "-o", "env"], dir, given);
    expect(r.status, r.stderr).toBe(0);
    const seen = Object.fromEntries(
      fs
        .readFileSync(path.join(dir, "env.txt"), "utf8")
        .split("\n")
        .filter((l) => l.includes("="))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    // The shell that runs the command sets these; cohort adds its COHORT_* variables (SPEC).
    const shell = new Set(["PWD", "OLDPWD", "SHLVL", "_"]);
    const changed = Object.keys(given).filter((k) => !shell.has(k) && given[k] !== undefined && !/\n/.test(given[k]!) && seen[k] !== given[k]);
    expect(changed).toEqual([]);
    expect(Object.keys(seen).filter((k) => !(k in given) && !shell.has(k) && !k.startsWith("COHORT_"))).toEqual([]);
  });

  it("keeps compiled code in node's compile cache where node has one, and runs alike where the cache cannot be written", () => {
    const dir = tempDir();
    // Node puts the cache in node-compile-cache/ in the temporary directory.
    const tmp = path.join(dir, "tmp");
    fs.mkdirSync(tmp);
    const r = launch(["--version"], dir, { ...base, TMPDIR: tmp });
    expect(r.status, r.stderr).toBe(0);
    const cached = fs.existsSync(path.join(tmp, "node-compile-cache"));
    expect(cached).toBe(typeof (module as { enableCompileCache?: unknown }).enableCompileCache === "function");
    const file = path.join(dir, "a-file");
    fs.writeFileSync(file, "");
    const blocked = launch(["--version"], dir, { ...base, TMPDIR: file });
    expect(blocked).toMatchObject({ status: 0, stdout: r.stdout, stderr: "" });
  });
});
