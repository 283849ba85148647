/**
 * Every example of every `cohort COMMAND --help`, and every command of docs/cli.md's examples, runs as
 * written (exit code 0) in the README's project: the Quick start's grid and workflow, with runs and run
 * groups made first (below). Each runs with bash in a fresh copy of that project, so that no example
 * (`job rm`, `runs purge`) changes what another sees. A fake SLURM on the PATH takes submissions.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { COHORT, ROOT, tempDir } from "../helpers.js";
import { commandPaths, examplesOf, helpPage } from "./help-pages.js";
import { fencedBlocks, readmeQuickStart } from "./readme-blocks.js";

/**
 * The project the examples name, made as the README's Quick start makes its own; job ids are md5 of
 * the state point (8ecc: T 1.5, N 128; ee5a: T 1.5, N 64; 44ab: T 1.0, N 64; 2016: T 1.0, N 128;
 * 7b9a, 80df: T 2.0). Then, as `cohort runs` numbers them: 1–3 a batch of train, 4–5 prepare on T 1.0
 * (prepared, so simulate is eligible there), 6–9 the pipeline on T 1.5 (complete); `cohort runs
 * --deleted`: 1, a train run; `cohort runs -g`: 1 a manual group of runs 1 and 2 labelled best, 2 the
 * batch, 3–4 the prepare runs, 5 the pipeline; `cohort runs -g --deleted`: 1, a manual group of runs 4
 * and 5.
 */
const SETUP = [
  "cohort init T={1.0,1.5,2.0} N={64,128}",
  "TOML",
  "cohort doc 8ecc energy -1.25",
  "cohort run -o pipeline -f T 1.5",
  "cohort run prepare -f T 1.0",
  "cohort run train lr={1e-4,1e-3,1e-2} epochs=10",
  "cohort group create 1 2 --label best",
  "cohort exec train lr=0.5",
  "cohort runs delete 1",
  "cohort group delete $(cohort group create 4 5)",
];

/** A SLURM that takes every job (sbatch prints the next job id) and knows of none afterwards. */
const FAKE_SLURM: Record<string, string> = {
  sbatch: 'n=$(($(cat "$0.n" 2>/dev/null || echo 0)+1)); echo $n > "$0.n"; echo $n',
  squeue: "true",
  sacct: "true",
  scontrol: "true",
};

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv) {
  const r = spawnSync("bash", ["-c", `set -e\n${script}`], { cwd, env, encoding: "utf8" });
  return { code: r.status, output: r.stdout + r.stderr };
}

/** The commands of docs/cli.md's ```sh blocks, one a line. */
function cliDocExamples(): string[] {
  return fencedBlocks(fs.readFileSync(path.join(ROOT, "docs", "cli.md"), "utf8"))
    .filter((b) => b.lang === "sh")
    .flatMap((b) => b.body.split("\n"))
    .filter((l) => l.trim() !== "");
}

describe("the examples", () => {
  const bin = tempDir();
  fs.symlinkSync(COHORT, path.join(bin, "cohort"));
  for (const [name, body] of Object.entries(FAKE_SLURM)) fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`, NO_COLOR: "1" };
  const project = path.join(tempDir(), "demo");

  beforeAll(() => {
    const toml = readmeQuickStart().find((s) => s.code.startsWith("cat > cohort.toml"));
    expect(toml, "README.md's Quick start writes cohort.toml").toBeDefined();
    fs.mkdirSync(project);
    const r = bash(SETUP.map((l) => (l === "TOML" ? toml!.code : l)).join("\n"), project, env);
    expect(r.code, r.output).toBe(0);
    // The project is as the comment on SETUP says.
    const json = (args: string) => JSON.parse(bash(`cohort ${args} --json`, project, env).output) as { index: number; operation: string; kind?: string; type: string }[];
    expect(json("runs").map((row) => row.operation)).toEqual(["train", "train", "train", "prepare", "prepare", "simulate", "simulate", "prepare", "prepare"]);
    expect(json("runs --deleted").map((row) => row.operation)).toEqual(["train"]);
    expect(json("runs -g").map((row) => row.kind ?? row.type)).toEqual(["manual", "batch", "run", "run", "pipeline"]);
    expect(json("runs -g --deleted").map((row) => row.kind)).toEqual(["manual"]);
  }, 120_000);

  const cwd = tempDir();
  const help: [string, string][] = commandPaths().flatMap((words) => examplesOf(helpPage(words, cwd)).map((e): [string, string] => [["cohort", ...words, "--help"].join(" "), e]));
  // (those the help shows too run once)
  const docs: [string, string][] = cliDocExamples()
    .filter((e) => !help.some(([, h]) => h === e))
    .map((e) => ["docs/cli.md", e]);

  it("are found", () => {
    expect(help.length).toBeGreaterThanOrEqual(60);
    expect(docs.length).toBeGreaterThanOrEqual(10);
  });

  it.each([...help, ...docs])("%s: %s", (_where, example) => {
    const dir = path.join(tempDir(), "demo");
    fs.cpSync(project, dir, { recursive: true });
    // `cohort ui` serves until interrupted: it must start and print its URL, then stop at Ctrl-C.
    const serves = example.startsWith("cohort ui");
    const r = bash(serves ? `timeout --preserve-status -s INT 4 ${example}` : example, dir, env);
    expect(r.code, r.output).toBe(0);
    if (serves) expect(r.output).toMatch(/open http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}/);
  });
});
