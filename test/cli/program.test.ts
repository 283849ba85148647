import { describe, expect, it } from "vitest";
import { buildProgram, COMMAND_NAMES, commandIn } from "../../src/cli/main.js";

describe("the program", () => {
  it("declares every command of COMMAND_NAMES, and with one named, that one alone and all its subcommands", () => {
    const all = buildProgram();
    expect(all.commands.map((c) => c.name())).toEqual([...COMMAND_NAMES]);
    for (const name of COMMAND_NAMES) {
      const one = buildProgram(name);
      expect(one.commands.map((c) => c.name())).toEqual([name]);
      const full = all.commands.find((c) => c.name() === name)!;
      expect(one.commands[0].commands.map((c) => c.name())).toEqual(full.commands.map((c) => c.name()));
      expect(one.commands[0].options.map((o) => o.flags)).toEqual(full.options.map((o) => o.flags));
    }
  });

  it.each([
    [["runs", "-g"], "runs"],
    [["-C", "somewhere", "runs"], "runs"],
    [["-C", "runs", "group", "show", "1"], "group"],
    [["--directory", "d", "status"], "status"],
    [["--directory=d", "status"], "status"],
    [["-Cd", "find"], "find"],
    [["--debug", "run", "train", "lr={1,2}"], "run"],
    [["--help", "runs"], undefined],
    [["-h"], undefined],
    [["-V", "runs"], undefined],
    [["help", "runs"], undefined],
    [["frobnicate"], undefined],
    [["--", "runs"], undefined],
    [[], undefined],
  ])("finds the command %j names: %s", (argv, name) => {
    expect(commandIn(argv)).toBe(name);
  });
});
