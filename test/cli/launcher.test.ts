import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COMMAND_NAMES } from "../../src/cli/main.js";
import { COHORT, ROOT, tempDir } from "../helpers.js";

// bin/cohort is read by sh (which decides whether node starts with NODE_EXTRA_CA_CERTS) and by node.
const launcher = fs.readFileSync(COHORT, "utf8");
const CERTS = "/etc/ssl/certs/site bundle.pem";

/** A `node` that prints what it was given: the two variables, then its arguments, one per line. */
function fakeNode(): string {
  const dir = tempDir();
  const file = path.join(dir, "node");
  fs.writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' "\${NODE_EXTRA_CA_CERTS-unset}" "\${COHORT_NODE_EXTRA_CA_CERTS-unset}" "$@"\n`);
  fs.chmodSync(file, 0o755);
  return dir;
}
const fake = fakeNode();

function launch(args: string[], env: NodeJS.ProcessEnv): { extra: string; held: string; argv: string[] } {
  const base = { ...process.env };
  delete base.NODE_EXTRA_CA_CERTS;
  delete base.COHORT_NODE_EXTRA_CA_CERTS;
  const r = spawnSync(COHORT, args, { env: { ...base, PATH: `${fake}:${process.env.PATH}`, ...env }, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  const [extra, held, ...argv] = r.stdout.replace(/\n$/, "").split("\n");
  return { extra, held, argv };
}

/** The commands bin/cohort starts without the variable, as its `case` names them. */
function droppedBy(text: string): string[] {
  const line = text.split("\n").find((l) => /^\s+init \|.*\)$/.test(l));
  expect(line).toBeDefined();
  return line!.trim().replace(/\)$/, "").split(/\s*\|\s*/);
}

describe("bin/cohort", () => {
  const dropped = [
    ["runs", "-g"],
    ["-C", "status", "runs"],
    ["--debug", "group", "show", "1"],
    ["-C=x", "job", "id", "{}"],
    ["--directory", "run", "find", "a"],
  ];
  const kept = [["status"], ["run", "-o", "train"], ["exec", "op"], ["next", "op"], ["submit"], ["-C", "runs", "status"], ["--help"], [], ["frobnicate", "runs"], ["--", "runs"]];

  it.each(dropped)("starts node without NODE_EXTRA_CA_CERTS for %j and holds it in COHORT_NODE_EXTRA_CA_CERTS", (...args) => {
    expect(launch(args, { NODE_EXTRA_CA_CERTS: CERTS })).toEqual({ extra: "unset", held: CERTS, argv: [COHORT, ...args] });
  });

  it.each(kept)("leaves NODE_EXTRA_CA_CERTS alone for %j", (...args) => {
    expect(launch(args, { NODE_EXTRA_CA_CERTS: CERTS })).toEqual({ extra: CERTS, held: "unset", argv: [COHORT, ...args] });
  });

  it("leaves an unset or empty variable as it is, and passes arguments on verbatim", () => {
    const args = ["runs", "-l", "a b", "$HOME", "*", "-C"];
    expect(launch(args, {})).toEqual({ extra: "unset", held: "unset", argv: [COHORT, ...args] });
    expect(launch(args, { NODE_EXTRA_CA_CERTS: "" })).toEqual({ extra: "", held: "unset", argv: [COHORT, ...args] });
  });

  it("drops the variable only for commands that never load a project's code", () => {
    const names = droppedBy(launcher);
    expect(names.every((n) => (COMMAND_NAMES as readonly string[]).includes(n))).toBe(true);
    // Each command's modules in the CLI's bundle: <command>.js, <command>-<sub>.js; runs and group share attrs.js.
    const outdir = path.join(ROOT, "dist", "cli-bundle");
    const files = fs.readdirSync(outdir).filter((f) => f.endsWith(".js") && f !== "main.js");
    const modulesOf = (cmd: string) => files.filter((f) => f === `${cmd}.js` || f.startsWith(`${cmd}-`) || (f === "attrs.js" && (cmd === "runs" || cmd === "group")));
    expect(files.filter((f) => !COMMAND_NAMES.some((c) => modulesOf(c).includes(f)))).toEqual([]);
    // A module that can load a project's code registers the module loader's hooks (src/workflow/module-loader.ts).
    const loadsProject = (cmd: string) => modulesOf(cmd).some((f) => fs.readFileSync(path.join(outdir, f), "utf8").includes("loader-hooks"));
    expect(COMMAND_NAMES.filter((c) => !loadsProject(c))).toEqual(names);
  });

  it("puts the variable back into cohort's environment, which every process it starts inherits", () => {
    // A module node loads before bin/cohort: what the variables are at start and at exit.
    const dir = tempDir();
    const report = path.join(dir, "report.json");
    const hook = path.join(dir, "hook.cjs");
    const read = "({ extra: process.env.NODE_EXTRA_CA_CERTS ?? null, held: process.env.COHORT_NODE_EXTRA_CA_CERTS ?? null })";
    fs.writeFileSync(hook, `const start = ${read};\nprocess.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(report)}, JSON.stringify({ start, exit: ${read} })));\n`);
    const missing = path.join(dir, "no-such-bundle.pem");
    const run = (args: string[]) => {
      const r = spawnSync(COHORT, args, { cwd: dir, env: { ...process.env, NODE_EXTRA_CA_CERTS: missing, NODE_OPTIONS: `--require ${hook}` }, encoding: "utf8" });
      return { stderr: r.stderr, ...JSON.parse(fs.readFileSync(report, "utf8")) };
    };
    const job = run(["job", "id", "{}"]);
    expect(job.start).toEqual({ extra: null, held: missing });
    expect(job.exit).toEqual({ extra: missing, held: null });
    // node names a bundle it cannot read on stderr, where it reads the bundle at start (node 20; node 24
    // reads it when a TLS connection needs it): only when it started with the variable
    const warnsAtStart = spawnSync(process.execPath, ["-e", "0"], { env: { ...process.env, NODE_EXTRA_CA_CERTS: missing }, encoding: "utf8" }).stderr.includes("extra certs");
    expect(job.stderr).not.toContain("extra certs");
    const status = run(["status"]);
    expect(status.start).toEqual({ extra: missing, held: null });
    if (warnsAtStart) expect(status.stderr).toContain("Ignoring extra certs");
  });
});
