/**
 * The blocks of README.md's Quick start, and how their output is compared (docs/development.md, "The
 * README's Quick start"): test/e2e/readme.test.ts runs them; test/e2e/help-examples.test.ts makes its
 * project with the same workflow, and runs the examples of docs/cli.md.
 */
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../helpers.js";

export interface Block {
  /** the shell code of a ```sh block */
  code: string;
  /** the ```text block right after it: what the code prints, stdout and stderr together */
  expected?: string;
  /** the line of README.md the block starts on */
  line: number;
}

/** The fenced blocks of a Markdown text, or of its section `## TITLE` (up to the next `## ` heading). */
export function fencedBlocks(markdown: string, title?: string): { lang: string; body: string; line: number }[] {
  const lines = markdown.split("\n");
  const start = title === undefined ? -1 : lines.indexOf(`## ${title}`);
  if (title !== undefined && start < 0) throw new Error(`no section "## ${title}"`);
  const blocks: { lang: string; body: string; line: number }[] = [];
  for (let i = start + 1; i < lines.length && (title === undefined || !lines[i].startsWith("## ")); i++) {
    const open = /^```(\w*)$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.indexOf("```", i + 1);
    if (end < 0) throw new Error(`the block on line ${i + 1} is not closed`);
    blocks.push({ lang: open[1], body: lines.slice(i + 1, end).join("\n") + "\n", line: i + 1 });
    i = end;
  }
  return blocks;
}

/** The Quick start's shell blocks, each with the output block that follows it, if any. */
export function quickStart(markdown: string): Block[] {
  const steps: Block[] = [];
  for (const b of fencedBlocks(markdown, "Quick start")) {
    if (b.lang === "sh") steps.push({ code: b.body, line: b.line });
    else if (b.lang === "text" && steps.length > 0 && steps[steps.length - 1].expected === undefined) steps[steps.length - 1].expected = b.body;
    else throw new Error(`README.md:${b.line}: a \`\`\`${b.lang} block in the Quick start is neither a shell block nor the output of one`);
  }
  return steps;
}

/**
 * Whether `actual` is what `expected` shows: line by line, where `…` alone on a line stands for any
 * number of lines, `…` within a line for any text, a run of spaces for any run of spaces (tables are
 * shown with `…` in place of columns whose width varies), and trailing spaces do not count.
 */
export function shows(expected: string, actual: string): boolean {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ +/g, " +");
  const pattern = expected
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => (line.trim() === "…" ? "(?:[^\\n]*\\n)*" : line.trimEnd().split("…").map(escape).join("[^\\n]*") + " *\\n"))
    .join("");
  return new RegExp(`^${pattern}$`).test(actual.endsWith("\n") || actual === "" ? actual : actual + "\n");
}

/** README.md's Quick start. */
export function readmeQuickStart(): Block[] {
  return quickStart(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));
}
