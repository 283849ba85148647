import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { askCommand, firstLine, runCommand } from "../../src/schedulers/commands.js";
import { openScheduler } from "../../src/schedulers/scheduler.js";
import { tempDir } from "../helpers.js";

describe("askCommand", () => {
  it("answers with the command's status and output, as runCommand does, without blocking", async () => {
    const dir = tempDir();
    const log = path.join(dir, "calls");
    const go = path.join(dir, "go");
    const argv = ["sh", "-c", `while [ ! -e ${go} ]; do sleep 0.01; done; echo call >> ${log}; echo answer; echo note >&2; exit 3`];
    const asked = askCommand(argv);
    // the command waits for this process, which goes on meanwhile
    fs.writeFileSync(go, "");
    expect(await asked).toEqual({ status: 3, signal: null, stdout: "answer\n", stderr: "note\n", missing: false });
    expect(runCommand(argv)).toEqual(await askCommand(argv));
    expect(fs.readFileSync(log, "utf8")).toBe("call\ncall\ncall\n");
  });

  it("tells a command that is not installed, as runCommand does", async () => {
    const argv = ["cohort-no-such-command"];
    expect(await askCommand(argv)).toMatchObject({ missing: true, status: null });
    expect(runCommand(argv)).toMatchObject({ missing: true, status: null });
  });

  it("refuses the answer of a command that an interruption stopped", async () => {
    await expect(askCommand(["sh", "-c", "exit 130"])).rejects.toThrow(/sh was interrupted \(SIGINT\)/);
    await expect(askCommand(["sh", "-c", "kill -TERM $$"])).rejects.toThrow(/sh was interrupted \(SIGTERM\)/);
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

describe("firstLine", () => {
  it("is the first line said, without the command's own name before it", () => {
    expect(firstLine("\n  sbatch: error: Batch job submission failed: Invalid account\nsbatch: error: more\n")).toBe("Batch job submission failed: Invalid account");
    expect(firstLine("qsub: Unknown queue\n")).toBe("Unknown queue");
    expect(firstLine("Batch job submission failed: x")).toBe("Batch job submission failed: x");
    expect(firstLine("sbatch: error: \n")).toBe("no message");
    expect(firstLine("\n \n")).toBe("no message");
  });
});
