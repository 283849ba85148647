/**
 * No value can add a line to a submission script (SPEC §12): scripts rendered for every scheduler
 * with hostile values in every field a template writes are run with bash; nothing the values hold
 * runs, and cohort's command receives each value as one word. Values no script can hold are refused.
 * (test/e2e/submit.test.ts does the same through `cohort submit`.)
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clusterJobName } from "../../src/schedulers/job-name.js";
import { ARRAY_INDEX_VAR, exactPattern, renderScript, SCHEDULERS, scriptWord, type BundleEntry, type SchedulerName, type ScriptContext } from "../../src/schedulers/script.js";
import { UserError } from "../../src/util/errors.js";
import { resolveDirectives } from "../../src/workflow/directives.js";
import { tempDir } from "../helpers.js";

/**
 * Each part would touch a marker file M<n>... if the shell ran it; its quotes are balanced, so that
 * a value written unquoted runs rather than breaking the script's syntax.
 */
const hostile = (n: number) => `$(touch M${n}a) \`touch M${n}b\`; touch M${n}c & echo > M${n}d | cat < /dev/null; echo 'q' "z" %j \\ é 日 \u202e !$ *`;

/** A shell script that records its arguments, one NUL after each, one line per call. */
function recorder(dir: string): { file: string; calls: () => string[][] } {
  const file = path.join(dir, "rec");
  // Each call records into a file of its own: calls of a parallel bundle run at once.
  const out = path.join(dir, "calls");
  fs.mkdirSync(out);
  fs.writeFileSync(file, `#!/bin/sh\nfor a; do printf '%s\\0' "$a"; done > ${scriptWord(out)}/$$\n`, { mode: 0o755 });
  return { file, calls: () => fs.readdirSync(out).map((f) => fs.readFileSync(path.join(out, f), "utf8").split("\0").slice(0, -1)) };
}

/** Files named like a marker anywhere under `dir`. */
function markers(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => /(^|\/)M\d/.test(f));
}

function entry(group: string, aggregate: string, submitOptions: string[]): BundleEntry {
  const directives = resolveDirectives({ walltime: "1h", constraint: hostile(9) }, [], "test");
  return { group, aggregate, jobs: [aggregate], operations: [{ name: group, directives }], resources: directives, submit_options: submitOptions };
}

function setup(scheduler: SchedulerName, array: boolean) {
  const dir = tempDir();
  // The project's path may hold anything a scheduler's directive line can: no `"`, `\`, `#`, `%`, `:` or line break.
  const root = path.join(dir, `p $(touch M0a) \`touch M0b\` ; touch M0c & 'q' é 日`);
  fs.mkdirSync(root);
  const rec = recorder(dir);
  const bundle = [entry(hostile(1), hostile(2), ["--order", hostile(3)]), entry(`-s.a=${hostile(4)}`, hostile(5), [])];
  const ctx: ScriptContext = {
    project: { name: hostile(6), root },
    scheduler,
    jobName: clusterJobName({ name: hostile(6), root }, bundle),
    submissionGroup: hostile(7),
    outputDir: path.join(root, ".cohort", "cluster"),
    cohort: `${scriptWord(rec.file)} ${scriptWord(hostile(8))}`,
    parallel: !array,
    mpiLauncher: hostile(10),
    bundle,
    resources: bundle[0].resources,
    options: { partition: "gpu-a100.x@srv", account: "proj_42", hold: true, dependency: scheduler === "lsf" ? "done(12) && done(13.srv)" : "afterok:12:13[].srv" },
    array: array ? { first: 1, tasks: bundle.map((e) => [e]) } : undefined,
  };
  return { dir, root, rec, ctx };
}

describe("scripts rendered with hostile values run nothing of them", () => {
  for (const scheduler of SCHEDULERS) {
    for (const array of [false, true]) {
      it(`${scheduler}${array ? " (job array)" : " (parallel bundle)"}`, () => {
        const { dir, root, rec, ctx } = setup(scheduler, array);
        const { text } = renderScript(ctx);
        const file = path.join(dir, "job.sh");
        fs.writeFileSync(file, text);
        const tasks = array ? [1, 2] : [undefined];
        for (const task of tasks) {
          const env = { PATH: process.env.PATH, ...(task ? { [ARRAY_INDEX_VAR[scheduler]]: String(task) } : {}) };
          const r = spawnSync("/bin/bash", [file], { cwd: dir, env, encoding: "utf8" });
          expect(r.status, r.stderr + text).toBe(0);
        }
        expect(markers(dir)).toEqual([]);
        // Every line is a directive, a comment or a line of the template's own: none comes from a value.
        expect(text.split("\n").filter((l) => /M\d/.test(l) && !l.startsWith(ctx.cohort + " run ") && !/^(cd |export |#)/.test(l)), text).toEqual([]);
        const expected = ctx.bundle.map((e) => [hostile(8), "run", "-o", exactPattern(e.group), "-j", e.aggregate, ...e.submit_options]);
        expect(rec.calls().sort()).toEqual(expected.sort());
        // The exact patterns select their group only.
        for (const e of ctx.bundle) expect(new RegExp(`^(?:${exactPattern(e.group)})$`).test(e.group)).toBe(true);
        expect(fs.existsSync(root)).toBe(true);
      });
    }
  }
});

describe("values no script can hold are refused", () => {
  const cases: [string, (ctx: ScriptContext) => ScriptContext][] = [
    ["a group name with a line break", (c) => ({ ...c, bundle: [{ ...c.bundle[0], group: "g\ntouch M1" }] })],
    ["an aggregate id with a carriage return", (c) => ({ ...c, bundle: [{ ...c.bundle[0], aggregate: "a\rtouch M1" }] })],
    ["a submit option with a line break", (c) => ({ ...c, bundle: [{ ...c.bundle[0], submit_options: ["--x=\ntouch M1"] }] })],
    ["a project path with a line break", (c) => ({ ...c, outputDir: "/p\ntouch M1" })],
    ["a project path with a double quote", (c) => ({ ...c, outputDir: '/p"\ntouch M1' })],
    ["a partition with a line break", (c) => ({ ...c, options: { ...c.options, partition: "p\ntouch M1" } })],
    ["an account with a backslash", (c) => ({ ...c, options: { ...c.options, account: "a\\" } })],
    ["a dependency with a quote", (c) => ({ ...c, options: { ...c.options, dependency: 'done(1)" -x "' } })],
    ["a submission group with a line break", (c) => ({ ...c, submissionGroup: "g\ntouch M1" })],
    ["an MPI launcher with a line break", (c) => ({ ...c, mpiLauncher: "srun\ntouch M1" })],
    ["a project name with a line break (a template may write it)", (c) => ({ ...c, project: { ...c.project, name: "n\ntouch M1" }, jobName: "n" })],
  ];
  for (const scheduler of SCHEDULERS) {
    for (const [what, change] of cases) {
      it(`${scheduler}: ${what}`, () => {
        const { ctx } = setup(scheduler, false);
        let changed = change(ctx);
        // The project name reaches the built-ins only cleaned into the job name: a template of the project writes it.
        if (what.startsWith("a project name")) {
          const root = tempDir();
          fs.mkdirSync(path.join(root, "templates"));
          fs.writeFileSync(path.join(root, "templates", `${scheduler}.sh`), `{% extends "cohort/${scheduler}.sh" %}\n{% block preamble %}echo {{ project.name }}\n{% endblock %}\n`);
          changed = { ...changed, project: { ...changed.project, root } };
        }
        expect(() => renderScript(changed)).toThrow(UserError);
      });
    }
  }
});
