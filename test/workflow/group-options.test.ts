/**
 * A group's submit_options and run_options: split into words as sh splits them (strictly), and
 * refused when the workflow is loaded if they hold an option a group cannot carry.
 */
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { shellQuote } from "../../src/workflow/placeholders.js";
import { UserError } from "../../src/util/errors.js";
import { FlowProject } from "../../src/workflow/flow-project.js";
import { groupOptionWords, shellWords } from "../../src/workflow/group-options.js";
import { CONTROL } from "../../src/util/text.js";
import { parseProjectToml } from "../../src/workflow/toml.js";
import { tempDir, userErrorOf } from "../helpers.js";

/**
 * The words bash makes of each text (globbing off), one bash for all: each text is `eval`ed as the
 * arguments of `set --` in a subshell, in an empty directory, and its words printed NUL-separated.
 * Only texts shellWords took are given, which hold nothing bash would run. A line break, which ends a
 * command for sh, is a blank between options: in a text shellWords takes, line breaks are outside
 * quotes, so bash is given them as spaces.
 */
function bashWords(texts: readonly string[]): string[][] {
  const script = texts.map((t) => `( set -f; eval "set -- "${shellQuote(t.replaceAll("\n", " "))} && for w in "$@"; do printf '%s\\0' "$w"; done ); printf '\\1'`).join("\n");
  const r = spawnSync("/bin/bash", ["--norc", "-s"], { input: script, encoding: "utf8", cwd: tempDir() });
  return r.stdout.split("\u0001").slice(0, texts.length).map((o) => (o === "" ? [] : o.slice(0, -1).split("\0")));
}

/** shellWords' words, or undefined when it refuses the text. */
function taken(text: string): string[] | undefined {
  try {
    return shellWords(text);
  } catch (err) {
    if (err instanceof UserError) return undefined;
    throw err;
  }
}

/** Characters sh treats specially, quotes, and ordinary ones (ASCII and not). */
const ANY = [..."ab-=1.é日 '\"\\$`;|&<>()*?[]#~{}"];
const chars = (exclude: string, maxLength = 6) => fc.string({ unit: fc.constantFrom(...ANY.filter((c) => !exclude.includes(c))), maxLength });

/** Option text as people write it: plain words, blanks, quoted and escaped parts, and now and then a stray special character. */
const optionText = fc
  .array(
    fc.oneof(
      fc.string({ unit: fc.constantFrom(..."ab-=1.é"), minLength: 1, maxLength: 5 }),
      fc.constantFrom(" ", "\t", "\n", "  "),
      chars("'").map((t) => `'${t}'`),
      fc.array(fc.oneof(chars('"\\$`', 3), fc.constantFrom('\\"', "\\\\", "\\$", "\\`", "\\a")), { maxLength: 3 }).map((parts) => `"${parts.join("")}"`),
      fc.constantFrom(...ANY).map((c) => `\\${c}`),
      fc.constantFrom(...ANY),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(""));


describe("shellWords", () => {
  it.each([
    ["--num-passes=2", ["--num-passes=2"]],
    ["  --order   cyclic\t--keep-going\n", ["--order", "cyclic", "--keep-going"]],
    ["--order 'by-job'", ["--order", "by-job"]],
    ['--x "a b" c\\ d', ["--x", "a b", "c d"]],
    ["''", [""]],
    ['"a\\"b\\\\c\\$d\\`e\\f"', ['a"b\\c$d`e\\f']],
    ["", []],
  ])("splits %j as sh does", (text, words) => {
    expect(shellWords(text)).toEqual(words);
  });

  it.each([
    ["--order $(touch x)", /has \$ at character 9, which sh would not take literally/],
    ["--order `x`", /has ` at character 9/],
    ['--order "$HOME"', /has \$ at character 10, which sh would expand inside double quotes/],
    ["a; b", /has ; at character 2/],
    ["a | b", /has \|/],
    ["a > b", /has >/],
    ["*", /has \*/],
    ["'open", /has a ' at character 1 that is never closed/],
    ['"open', /has a " at character 1 that is never closed/],
    ["a\\", /ends with \\/],
    ["a\rb", /holds a control character \("\\r"\)/],
    ["'a\nb'", /holds a control character inside quotes/],
    ['"a\nb"', /holds a control character inside quotes/],
  ])("refuses %j", (text, message) => {
    expect(userErrorOf(() => shellWords(text)).message).toMatch(message);
  });

  it("gives the words bash gives, for every text it takes (property, against bash)", () => {
    const samples = fc.sample(optionText, { numRuns: 600, seed: 16 }).filter((t) => taken(t) !== undefined);
    // The property says something: many texts were taken, quotes and escapes among them.
    expect(samples.length).toBeGreaterThan(100);
    expect(samples.filter((t) => /['"\\]/.test(t)).length).toBeGreaterThan(30);
    const expected = bashWords(samples);
    for (const [i, text] of samples.entries()) expect(taken(text), JSON.stringify(text)).toEqual(expected[i]);
  });

  it("takes back any words shell-quoted one by one (property)", () => {
    const word = fc.string({ unit: fc.oneof(fc.constantFrom(...ANY), fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 })), maxLength: 12 }).filter((w) => !CONTROL.test(w));
    fc.assert(
      fc.property(fc.array(word, { maxLength: 6 }), (words) => {
        expect(shellWords(words.map(shellQuote).join(" "))).toEqual(words);
      }),
      { numRuns: 300 },
    );
  });

  it("throws nothing but a UserError, whatever the text (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        try {
          shellWords(text);
        } catch (err) {
          expect(err).toBeInstanceOf(UserError);
        }
      }),
    );
  });
});

describe("the options a group carries", () => {
  it.each([
    ["--num-passes=2", ["--num-passes=2"]],
    ["--num-passes 2 --order=random --keep-going --timeout 60", ["--num-passes", "2", "--order=random", "--keep-going", "--timeout", "60"]],
    ["--order 'cyclic'", ["--order", "cyclic"]],
  ])("takes %j", (text, words) => {
    expect(groupOptionWords(text)).toEqual(words);
  });

  it.each([
    ["-o other", "has -o, which would change what runs; the group's own command names the group and the aggregate"],
    ["--operation=other", "has --operation, which would change what runs"],
    ["-j 3fa2", "has -j, which would change what runs"],
    ["-n1", "has -n1, which would change what runs"],
    ["-f T 1", "has -f, which would change what runs"],
    ["--pretend", "has --pretend, which would run nothing"],
    ["--parallel 4", "has --parallel, which would start the group's operations at once, on resources asked for one after another"],
    ["--max-runs 3", "has --max-runs, which is for flag sets given on the command line"],
    ["--verbose", "has --verbose, which is not an option a group can carry"],
    ["prepare", 'has "prepare", which is not an option (names and KEY=VALUE flags would change what runs)'],
    ["lr=0.1", 'has "lr=0.1", which is not an option'],
    ["--num-passes", "has --num-passes without a value"],
    ["--num-passes=0", "has an invalid value: --num-passes 0 is not a whole number of at least 1"],
    ["--order sideways", "has an invalid value: --order sideways is not an order"],
    ["--keep-going=yes", "gives --keep-going a value, but it takes none"],
  ])("refuses %j", (text, message) => {
    expect(userErrorOf(() => groupOptionWords(text)).message).toContain(message);
  });
});

describe("a group's options are checked when the workflow is loaded", () => {
  const toml = (key: string, value: string) => `[operations.a]\ncommand = "true"\n\n[groups.g]\noperations = ["a"]\n${key} = ${JSON.stringify(value)}\n`;

  it.each(["submit_options", "run_options"])("%s in cohort.toml: the file, the line and the key", (key) => {
    const err = userErrorOf(() => parseProjectToml(toml(key, "--num-passes=2 -o a"), "cohort.toml"));
    expect(err.message).toBe(`cohort.toml:6: groups.g.${key} has -o, which would change what runs; the group's own command names the group and the aggregate`);
    expect(err.hint).toMatch(/--num-passes N, --order ORDER, --keep-going and --timeout SECONDS/);
    expect(userErrorOf(() => parseProjectToml(toml(key, "--order $(touch x)"), "cohort.toml")).message).toMatch(new RegExp(`^cohort.toml:6: groups.g.${key} has \\$ at character 9`));
    expect(parseProjectToml(toml(key, "--num-passes 2 --order 'cyclic'")).groups[0]).toMatchObject({ [key === "submit_options" ? "submitOptions" : "runOptions"]: "--num-passes 2 --order 'cyclic'" });
  });

  it.each(["submitOptions", "runOptions"] as const)("%s of makeGroup: the group and where it was made", (key) => {
    const project = new FlowProject();
    const err = userErrorOf(() => project.makeGroup({ name: "g", [key]: "--pretend" }));
    expect(err.message).toMatch(new RegExp(`^group g \\(.*group-options\\.test\\.ts:\\d+\\): ${key} has --pretend, which would run nothing$`));
    expect(() => project.makeGroup({ name: "h", [key]: "--num-passes=2" })).not.toThrow();
  });
});
