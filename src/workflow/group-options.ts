/**
 * A group's `submit_options` and `run_options` (signac-flow's FlowGroup options): options of
 * `cohort run`, written as one string of shell words.
 *
 * - `submit_options` are added to the `cohort run -o GROUP -j AGGREGATE` line of the group's
 *   cluster jobs (each word shell-quoted into the script).
 * - `run_options` apply whenever the group is run by `cohort run`, on this machine or on a node,
 *   for the options the command line leaves at their defaults (so submit_options win on a node).
 *
 * Both take only the options that say *how* the selected group runs: `--num-passes N`,
 * `--order ORDER`, `--keep-going`, `--timeout SECONDS` (also as `--option=VALUE`). The others are
 * refused when the workflow is loaded, with the file and line: `-o`, `-j`, `-f`, `-n` and names
 * would change what runs (the script names the group and aggregate itself), `--pretend` would run
 * nothing, `--parallel` would start the members at once on resources asked for one after another,
 * and the batch options (`--force`, `--print-runs`, `--json`, `--needed`, `--max-runs`, `--seed`)
 * are for flag sets given on the command line.
 *
 * The words are split as `sh` splits them, strictly: blanks separate words; `'...'` and `"..."`
 * quote; a backslash escapes the next character. Nothing is expanded, so what `sh` would expand
 * or treat as an operator (`$`, backquotes, `;`, `|`, `&`, `<`, `>`, `(`, `)`, globs, `#`, `~`,
 * braces) must be quoted, and control characters are refused even inside quotes.
 */
import { parseCount, parseSeconds } from "../util/numbers.js";
import { UserError } from "../util/errors.js";
import { CONTROL } from "../util/text.js";

/** Characters `sh` would treat specially outside quotes (operators, expansions, globs, comments). */
const SPECIAL = new Set([..."|&;<>()$`*?[]#~{}"]);

/** The words of `text` as `sh` splits them, or a UserError saying what in it `sh` would not take literally. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  const at = (i: number) => `at character ${i + 1}`;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n") {
      if (word !== undefined) words.push(word);
      word = undefined;
      continue;
    }
    if (CONTROL.test(c)) throw new UserError(`holds a control character (${JSON.stringify(c)}) ${at(i)}`, "write the options on one line, separated by spaces");
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new UserError(`has a ' ${at(i)} that is never closed`, "close the quote");
      const quoted = text.slice(i + 1, end);
      if (CONTROL.test(quoted)) throw new UserError(`holds a control character inside quotes ${at(i)}`, "an option's value cannot hold one");
      word = (word ?? "") + quoted;
      i = end;
      continue;
    }
    if (c === '"') {
      let quoted = "";
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        const d = text[j];
        if (CONTROL.test(d)) throw new UserError(`holds a control character inside quotes ${at(j)}`, "an option's value cannot hold one");
        if (d === "$" || d === "`") throw new UserError(`has ${d} ${at(j)}, which sh would expand inside double quotes`, `nothing is expanded: write it in single quotes or as \\${d}`);
        if (d === "\\") {
          const e = text[j + 1];
          if (e === '"' || e === "\\" || e === "$" || e === "`") {
            quoted += e;
            j++;
            continue;
          }
          if (e !== undefined && CONTROL.test(e)) throw new UserError(`ends a line with \\ ${at(j)}`, "write the options on one line");
        }
        quoted += d;
      }
      if (j >= text.length) throw new UserError(`has a " ${at(i)} that is never closed`, "close the quote");
      word = (word ?? "") + quoted;
      i = j;
      continue;
    }
    if (c === "\\") {
      const e = text[i + 1];
      if (e === undefined || CONTROL.test(e)) throw new UserError(`ends with \\ ${at(i)}`, "remove it, or quote what follows");
      word = (word ?? "") + e;
      i++;
      continue;
    }
    if (SPECIAL.has(c)) throw new UserError(`has ${c} ${at(i)}, which sh would not take literally`, `quote it ('${c}') if it belongs to a value`);
    word = (word ?? "") + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

export type GroupOptionsKey = "submit_options" | "run_options";

const ALLOWED_HINT = "a group's options are --num-passes N, --order ORDER, --keep-going and --timeout SECONDS";

/** The options a group's options may hold, and how each value is checked. */
const TAKEN: Record<string, ((value: string, option: string) => unknown) | null> = {
  "--num-passes": (v, o) => parseCount(v, o),
  "--order": (v) => {
    // as parseOrder (workflow/planner.ts), which this module does not load
    if (v !== "by-job" && v !== "cyclic" && v !== "random") throw new UserError(`--order ${v} is not an order`, "use by-job, cyclic or random");
  },
  "--timeout": (v, o) => parseSeconds(v, o),
  "--keep-going": null,
};

/** Options of `cohort run` a group cannot carry, and why. */
const REFUSED: [string[], string][] = [
  [["-o", "--operation", "-j", "--job-id", "-f", "--filter", "-n", "--num"], "would change what runs; the group's own command names the group and the aggregate"],
  [["--pretend"], "would run nothing"],
  [["--parallel"], "would start the group's operations at once, on resources asked for one after another"],
  [["--force", "--print-runs", "--json", "--needed", "--max-runs", "--seed"], "is for flag sets given on the command line"],
];

/**
 * The words of a group's `submit_options` or `run_options`, checked: each is an option a group can
 * carry, with a valid value. Throws a UserError whose message starts with what is wrong (the
 * caller puts the file, line and key in front: "has -o, which would change what runs").
 */
export function groupOptionWords(text: string): string[] {
  const words = shellWords(text);
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const eq = word.startsWith("--") ? word.indexOf("=") : -1;
    const option = eq >= 0 ? word.slice(0, eq) : word;
    if (!option.startsWith("-")) {
      throw new UserError(`has ${JSON.stringify(word)}, which is not an option (names and KEY=VALUE flags would change what runs)`, ALLOWED_HINT);
    }
    const refused = REFUSED.find(([names]) => names.includes(option) || names.some((n) => !n.startsWith("--") && option.startsWith(n)));
    if (refused) throw new UserError(`has ${option}, which ${refused[1]}`, ALLOWED_HINT);
    if (!Object.hasOwn(TAKEN, option)) throw new UserError(`has ${option}, which is not an option a group can carry`, ALLOWED_HINT);
    const check = TAKEN[option];
    if (check === null) {
      if (eq >= 0) throw new UserError(`gives ${option} a value, but it takes none`, `write ${option} alone`);
      continue;
    }
    let value: string;
    if (eq >= 0) value = word.slice(eq + 1);
    else {
      if (i + 1 >= words.length) throw new UserError(`has ${option} without a value`, `e.g. ${option}=${option === "--order" ? "cyclic" : "2"}`);
      value = words[++i];
    }
    try {
      check(value, option);
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`has an invalid value: ${err.message}`, err.hint);
      throw err;
    }
  }
  return words;
}

/**
 * `groupOptionWords` with the error prefixed by where the options were given, e.g.
 * `group ex (project.ts:4): submitOptions` (messages read on from there: "has -o, which ...").
 */
export function checkGroupOptions(text: string, where: string): string[] {
  try {
    return groupOptionWords(text);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${where} ${err.message}`, err.hint);
    throw err;
  }
}
