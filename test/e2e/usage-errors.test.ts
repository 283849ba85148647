/**
 * A mistyped command, subcommand or option is one line, `cohort: error: WHAT (HINT)`, exit code 2
 * (SPEC §12), whose hint names the closest command or option and the --help to read.
 */
import { describe, expect, it } from "vitest";
import { cohort, tempDir } from "../helpers.js";

describe("a mistyped command or option", () => {
  const cwd = tempDir();
  it.each([
    [["stauts"], "unknown command 'stauts' (did you mean status? see 'cohort status --help')"],
    [["grup", "show", "1"], "unknown command 'grup' (did you mean group? see 'cohort group --help')"],
    [["frobnicate"], "unknown command 'frobnicate' (see 'cohort --help')"],
    [["runs", "shwo", "1"], "unknown command 'shwo' (did you mean show? see 'cohort runs show --help')"],
    [["runs", "lable", "1", "--set", "x"], "unknown command 'lable' (did you mean label? see 'cohort runs label --help')"],
    [["runs", "bogus"], "unknown command 'bogus' (see 'cohort runs --help')"],
    [["group", "shwo", "1"], "unknown command 'shwo' (did you mean show? see 'cohort group show --help')"],
    [["job", "shwo", "8ecc"], "unknown command 'shwo' (did you mean show? see 'cohort job show --help')"],
    [["run", "--pretnd"], "unknown option '--pretnd' (did you mean --pretend? see 'cohort run --help')"],
    [["runs", "show", "1", "--tial", "5"], "unknown option '--tial' (did you mean --tail? see 'cohort runs show --help')"],
    [["--pretnd"], "unknown option '--pretnd' (see 'cohort --help')"],
    [["runs", "show"], "missing required argument 'run' (see 'cohort runs show --help')"],
    [["run", "-o"], "option '-o, --operation <names...>' argument missing (see 'cohort run --help')"],
    // the system's reason as every system error gives it, not Node's message with the working directory
    [["-C", "/nonexistent-dir", "status"], "cannot enter /nonexistent-dir: no such file or directory (ENOENT) (-C takes an existing directory)"],
  ])("cohort %j", (args, message) => {
    const r = cohort(args, { cwd });
    expect(r.stderr).toBe(`cohort: error: ${message}\n`);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
  });
});
