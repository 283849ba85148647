/**
 * Every command's `--help`, as a user reads it: the commands come from buildProgram, the text from the
 * built CLI (bin/cohort), whose output is not a terminal, so commander wraps it at 80 columns.
 */
import { expect } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { cohort } from "../helpers.js";

type Command = ReturnType<typeof buildProgram>;

/** Every command's words after `cohort`, each parent before its commands: [], ["init"], ["job"], ["job", "init"], ... */
export function commandPaths(): string[][] {
  const walk = (cmd: Command, words: string[]): string[][] => [words, ...cmd.commands.flatMap((c) => walk(c, [...words, c.name()]))];
  return walk(buildProgram(), []);
}

/** What `cohort WORDS --help` prints. */
export function helpPage(words: string[], cwd: string): string {
  const r = cohort([...words, "--help"], { cwd });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** The commands of a help page's "Examples:" section, without their `$ `. */
export function examplesOf(help: string): string[] {
  const at = help.indexOf("\nExamples:\n");
  if (at < 0) return [];
  return help
    .slice(at + "\nExamples:\n".length)
    .split("\n")
    .filter((l) => l.startsWith("  $ "))
    .map((l) => l.slice("  $ ".length));
}
