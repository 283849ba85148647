/**
 * `cohort COMMAND --help` is wrapped by commander alone: descriptions are paragraphs, never text with
 * line breaks of its own, which commander would wrap again and leave broken mid-phrase.
 */
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers.js";
import { commandPaths, examplesOf, helpPage } from "./help-pages.js";

const WIDTH = 80;

/**
 * The lines of a help page that end before they had to: the next line goes on the same paragraph (in
 * the description) or the same item (an indented continuation under Arguments, Options, Commands), and
 * its first word would have fit after them within WIDTH columns, where commander, which fills each
 * line with as many words as fit, would have put it.
 */
function earlyBreaks(help: string): string[] {
  const lines = help.split("\n");
  const found: string[] = [];
  let section = "";
  for (let i = 0; i + 1 < lines.length; i++) {
    const [line, next] = [lines[i], lines[i + 1]];
    if (/^\S.*:$/.test(line) || line.startsWith("Usage:")) section = line;
    const continues = section.startsWith("Usage:") ? next !== "" && !/^\S.*:$/.test(next) : /^ {3,}\S/.test(next);
    if (line === "" || !continues) continue;
    const word = next.trim().split(" ")[0];
    if (line.length + 1 + word.length <= WIDTH) found.push(`${line}⏎${next}`);
  }
  return found;
}

describe("earlyBreaks", () => {
  it("finds a description line broken before the width, and an option's", () => {
    const help = [
      "Usage: cohort x [options]",
      "",
      "run eligible operations in passes until nothing is eligible: each pass finds",
      "every eligible",
      "(operation, job) of the selected groups.",
      "",
      "A second paragraph.",
      "",
      "Options:",
      "  -o, --operation <names...>  operations or groups to run (full regular",
      "                              expressions)",
      "  -q, --quiet                 show",
      "                              only the summary",
      "  -h, --help                  display help for command",
      "",
    ].join("\n");
    expect(earlyBreaks(help)).toEqual(["every eligible⏎(operation, job) of the selected groups.", "  -q, --quiet                 show⏎                              only the summary"]);
  });
});

describe("--help text", () => {
  const cwd = tempDir();
  it.each(commandPaths().map((words) => [["cohort", ...words].join(" "), words]))("%s --help breaks no line before it must", (_name, words) => {
    expect(earlyBreaks(helpPage(words as string[], cwd))).toEqual([]);
  });
});

describe("--help examples", () => {
  const cwd = tempDir();
  // A parent command (`cohort job`, `cohort cluster`) is where a user looks first: it shows examples too.
  it.each(commandPaths().map((words) => [["cohort", ...words].join(" "), words]))("%s --help shows examples", (_name, words) => {
    expect(examplesOf(helpPage(words as string[], cwd)).length).toBeGreaterThan(0);
  });
});
