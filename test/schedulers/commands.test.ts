import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commandsAnswered, runCommand, startCommands } from "../../src/schedulers/commands.js";
import { openScheduler } from "../../src/schedulers/scheduler.js";
import { tempDir } from "../helpers.js";

describe("scheduler commands started ahead", () => {
  it("answer the next runCommand of the same words once; the one after runs again", async () => {
    const dir = tempDir();
    const log = path.join(dir, "calls");
    const argv = ["sh", "-c", `echo call >> ${log}; echo answer; echo note >&2; exit 3`];
    startCommands([argv]);
    await commandsAnswered();
    expect(fs.readFileSync(log, "utf8")).toBe("call\n");
    expect(runCommand(argv)).toEqual({ status: 3, signal: null, stdout: "answer\n", stderr: "note\n", missing: false });
    expect(fs.readFileSync(log, "utf8")).toBe("call\n");
    expect(runCommand(argv).stdout).toBe("answer\n");
    expect(fs.readFileSync(log, "utf8")).toBe("call\ncall\n");
  });

  it("started again, an answer nobody took is replaced by a new one", async () => {
    const dir = tempDir();
    const log = path.join(dir, "calls");
    const argv = ["sh", "-c", `echo call >> ${log}; wc -l < ${log}`];
    startCommands([argv]);
    await commandsAnswered();
    startCommands([argv]);
    await commandsAnswered();
    expect(runCommand(argv).stdout.trim()).toBe("2");
  });

  it("tell a command that is not installed, as runCommand does", async () => {
    const argv = ["cohort-no-such-command"];
    startCommands([argv]);
    await commandsAnswered();
    expect(runCommand(argv)).toMatchObject({ missing: true, status: null });
    expect(runCommand(argv)).toMatchObject({ missing: true, status: null });
  });

  it("are not taken by a command run in another directory", async () => {
    const dir = tempDir();
    const argv = ["pwd"];
    startCommands([argv]);
    await commandsAnswered();
    expect(runCommand(argv, dir).stdout.trim()).toBe(fs.realpathSync(dir));
    expect(runCommand(argv).stdout.trim()).toBe(process.cwd());
  });
});

describe("openScheduler", () => {
  const saved = process.env.PATH;
  afterEach(() => {
    process.env.PATH = saved;
  });

  it("finds a scheduler by an executable file on the PATH, not by a file that cannot run", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "qsub"), "#!/bin/sh\n", { mode: 0o644 });
    fs.writeFileSync(path.join(dir, "bsub"), "#!/bin/sh\n", { mode: 0o755 });
    fs.mkdirSync(path.join(dir, "sbatch"));
    process.env.PATH = `${path.join(dir, "missing")}:${dir}`;
    expect(openScheduler().name).toBe("lsf");
    expect(() => openScheduler("slurm")).toThrow(/sbatch is not installed or not on the PATH/);
    process.env.PATH = path.join(dir, "missing");
    expect(() => openScheduler()).toThrow(/no cluster scheduler found/);
  });
});
