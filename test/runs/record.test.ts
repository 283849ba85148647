import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Float } from "../../src/dataspace/value.js";
import {
  clusterJobFromEnv,
  deriveRunStatus,
  listRunIds,
  nowMicros,
  pidIsAlive,
  RunRecord,
  runConfig,
  runMetaDir,
  runsDir,
} from "../../src/runs/record.js";
import { isRunId, runName } from "../../src/runs/run-id.js";
import { tempDir } from "../helpers.js";

function read(dir: string, name: string): string {
  return fs.readFileSync(path.join(dir, name), "utf8");
}

/** The pid of a process that has ended. */
function deadPid(): number {
  const r = spawnSync("sleep", ["0"]);
  expect(r.status).toBe(0);
  expect(pidIsAlive(r.pid!)).toBe(false);
  return r.pid!;
}

describe("RunRecord", () => {
  it("records a run's whole life", () => {
    const root = tempDir();
    expect(listRunIds(root)).toEqual([]);
    const sp = { T: new Float(1), name: "a b" };
    const before = Date.now() * 1000;
    const rec = RunRecord.create(root, {
      project: "demo",
      operation: "simulate",
      group: "ex",
      config: runConfig({ statepoints: [sp] }),
      jobs: ["0123456789abcdef0123456789abcdef"],
      directives: { np: 4, ngpu: 1, walltime: undefined, memory: new Float(2) },
      cmd: { shell: "python simulate.py --T 1.0" },
    });
    expect(isRunId(rec.id)).toBe(true);
    expect(rec.name).toBe(runName(rec.id));
    expect(rec.dir).toBe(runMetaDir(root, rec.id));
    expect(rec.dir).toBe(path.join(root, ".cohort", "runs", rec.id + ".meta"));
    expect(listRunIds(root)).toEqual([rec.id]);
    expect(fs.readdirSync(runsDir(root))).toEqual([rec.id + ".meta"]); // no temporary directory left

    // The files, as documented.
    expect(read(rec.dir, "id")).toBe(rec.id + "\n");
    expect(JSON.parse(read(rec.dir, "opref"))).toEqual({ project: "demo", operation: "simulate", group: "ex" });
    expect(read(rec.dir, "config.json")).toBe('{"T": 1.0, "name": "a b"}\n');
    expect(read(rec.dir, "jobs")).toBe("0123456789abcdef0123456789abcdef\n");
    expect(read(rec.dir, "directives.json")).toBe('{"np": 4, "ngpu": 1, "memory": 2.0}\n');
    expect(JSON.parse(read(rec.dir, "cmd.json"))).toEqual({ shell: "python simulate.py --T 1.0" });
    expect(read(rec.dir, "output")).toBe("");
    const initialized = Number(read(rec.dir, "initialized"));
    expect(initialized).toBeGreaterThanOrEqual(before);
    expect(initialized).toBeLessThanOrEqual(Date.now() * 1000 + 1000);
    for (const f of ["staged", "started", "stopped", "proc/lock", "proc/exit"]) expect(fs.existsSync(path.join(rec.dir, f))).toBe(false);
    expect(rec.status()).toBe("pending");

    rec.markStaged();
    expect(rec.status()).toBe("staged");

    rec.markStarted();
    expect(read(rec.dir, "proc/lock")).toBe(`${os.hostname()} ${process.pid}\n`);
    expect(rec.status()).toBe("running");
    rec.appendOutput("hello ");
    rec.appendOutput(Buffer.from("world\n"));
    fs.appendFileSync(rec.outputPath, "from a child\n");
    expect(rec.readOutput()).toBe("hello world\nfrom a child\n");

    rec.finish(0);
    expect(read(rec.dir, "proc/exit")).toBe("0\n");
    expect(fs.existsSync(path.join(rec.dir, "proc/lock"))).toBe(false);
    expect(rec.status()).toBe("completed");

    // Read back from disk.
    const back = RunRecord.read(rec.dir);
    expect(back.id).toBe(rec.id);
    expect(back.name).toBe(rec.name);
    expect(back.opref).toEqual({ project: "demo", operation: "simulate", group: "ex" });
    expect(back.config).toEqual({ T: new Float(1), name: "a b" });
    expect(back.jobs).toEqual(["0123456789abcdef0123456789abcdef"]);
    expect(back.directives).toEqual({ np: 4, ngpu: 1, memory: new Float(2) });
    expect(back.cmd).toEqual({ shell: "python simulate.py --T 1.0" });
    expect(back.exitCode).toBe(0);
    expect(back.lock).toBeUndefined();
    const times = [back.initialized!, back.staged!, back.started!, back.stopped!];
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
    expect(back.status()).toBe("completed");
    expect(RunRecord.open(root, rec.id).stopped).toBe(back.stopped);
  });

  it("records flag runs without a jobs file, and aggregates with all their state points", () => {
    const root = tempDir();
    const flagRun = RunRecord.create(root, {
      project: "demo",
      operation: "train",
      config: runConfig({ flags: { lr: 0.01, epochs: 10 } }),
      jobs: [],
      cmd: { argv: ["python", "train.py"] },
    });
    expect(fs.existsSync(path.join(flagRun.dir, "jobs"))).toBe(false);
    expect(JSON.parse(read(flagRun.dir, "opref"))).toEqual({ project: "demo", operation: "train" });
    expect(read(flagRun.dir, "directives.json")).toBe("{}\n");
    const back = RunRecord.read(flagRun.dir);
    expect(back.jobs).toEqual([]);
    expect(back.config).toEqual({ lr: 0.01, epochs: 10 });
    expect(back.cmd).toEqual({ argv: ["python", "train.py"] });
    expect(back.opref).toEqual({ project: "demo", operation: "train" });

    const agg = RunRecord.create(root, {
      project: "demo",
      operation: "analyze",
      config: runConfig({ statepoints: [{ a: 1 }, { a: 2 }] }),
      jobs: ["a".repeat(32), "b".repeat(32)],
      cmd: { function: "analyze" },
    });
    expect(read(agg.dir, "config.json")).toBe('{"jobs": [{"a": 1}, {"a": 2}]}\n');
    expect(read(agg.dir, "jobs")).toBe(`${"a".repeat(32)}\n${"b".repeat(32)}\n`);
    expect(RunRecord.read(agg.dir).cmd).toEqual({ function: "analyze" });

    expect(listRunIds(root)).toEqual([flagRun.id, agg.id].sort());
  });

  it("marks runs that end with an error or a signal", () => {
    const root = tempDir();
    const init = { project: "p", operation: "op", config: {}, cmd: { shell: "false" } };
    const failed = RunRecord.create(root, init);
    failed.markStaged();
    failed.markStarted(12345);
    failed.finish(3);
    expect(failed.status()).toBe("error");
    const killed = RunRecord.create(root, init);
    killed.markStarted();
    killed.finish(-15);
    expect(read(killed.dir, "proc/exit")).toBe("-15\n");
    expect(RunRecord.read(killed.dir).status()).toBe("terminated");
    expect(() => killed.finish(1.5)).toThrow();
  });

  it("finds a run whose process died without finishing", () => {
    const root = tempDir();
    const rec = RunRecord.create(root, { project: "p", operation: "op", config: {}, cmd: { shell: "true" } });
    rec.markStaged();
    rec.markStarted(deadPid());
    expect(RunRecord.read(rec.dir).status()).toBe("terminated");
  });

  it("ignores what is not a run record", () => {
    const root = tempDir();
    const rec = RunRecord.create(root, { project: "p", operation: "op", config: {}, cmd: { shell: "true" } });
    const runs = runsDir(root);
    fs.mkdirSync(path.join(runs, rec.id + ".user"));
    fs.mkdirSync(path.join(runs, rec.id));
    fs.mkdirSync(path.join(runs, "not-a-run.meta"));
    fs.mkdirSync(path.join(runs, `.${rec.id}.meta.1.tmp`));
    expect(listRunIds(root)).toEqual([rec.id]);
    expect(() => RunRecord.read(path.join(runs, "not-a-run.meta"))).toThrow(/not a run record/);
    expect(() => runMetaDir(root, "../../etc")).toThrow(/not a run id/);
    expect(() => RunRecord.create(root, { id: rec.id, project: "p", operation: "op", config: {}, cmd: { shell: "true" } })).toThrow(
      /exists already/,
    );
    expect(fs.readdirSync(runs).filter((n) => n.endsWith(".tmp"))).toEqual([`.${rec.id}.meta.1.tmp`]);
  });
});

describe("deriveRunStatus", () => {
  const host = "this-host";
  const alive = () => true;
  const dead = () => false;

  it("follows the exit code first", () => {
    const lock = { host, pid: 1 };
    expect(deriveRunStatus({ exitCode: 0, lock, staged: 1, initialized: 1 }, { hostname: host, isAlive: alive })).toBe("completed");
    expect(deriveRunStatus({ exitCode: 1, lock }, { hostname: host, isAlive: alive })).toBe("error");
    expect(deriveRunStatus({ exitCode: 127 })).toBe("error");
    expect(deriveRunStatus({ exitCode: -9, lock }, { hostname: host, isAlive: alive })).toBe("terminated");
  });

  it("checks the lock's process on this host", () => {
    const lock = { host, pid: 42 };
    const seen: [string, number][] = [];
    const spy = (h: string, p: number) => {
      seen.push([h, p]);
      return true;
    };
    expect(deriveRunStatus({ lock, staged: 1, initialized: 1 }, { hostname: host, isAlive: spy })).toBe("running");
    expect(seen).toEqual([[host, 42]]);
    expect(deriveRunStatus({ lock, staged: 1, initialized: 1 }, { hostname: host, isAlive: dead })).toBe("terminated");
  });

  it("uses real processes by default", () => {
    const me = os.hostname();
    expect(deriveRunStatus({ lock: { host: me, pid: process.pid } })).toBe("running");
    expect(deriveRunStatus({ lock: { host: me, pid: deadPid() } })).toBe("terminated");
  });

  it("trusts a lock of another host", () => {
    const lock = { host: "node-0042.cluster", pid: deadPid() };
    expect(deriveRunStatus({ lock, staged: 1, initialized: 1 }, { isAlive: dead })).toBe("running");
    expect(deriveRunStatus({ lock }, { hostname: host, isAlive: dead })).toBe("running");
  });

  it("falls back to the time stamps", () => {
    expect(deriveRunStatus({ staged: 2, initialized: 1 })).toBe("staged");
    expect(deriveRunStatus({ initialized: 1 })).toBe("pending");
    expect(deriveRunStatus({})).toBe("unknown");
  });
});

describe("helpers", () => {
  it("keeps time stamps increasing", () => {
    const ts = Array.from({ length: 1000 }, () => nowMicros());
    for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThan(ts[i - 1]);
    expect(Math.abs(ts[0] - Date.now() * 1000)).toBeLessThan(5_000_000);
  });

  it("tells live processes from dead ones", () => {
    expect(pidIsAlive(process.pid)).toBe(true);
    expect(pidIsAlive(0)).toBe(false);
    expect(pidIsAlive(-1)).toBe(false);
    expect(pidIsAlive(deadPid())).toBe(false);
  });
});

describe("runs executed in a cluster job", () => {
  it("record the scheduler and job id from the environment", () => {
    expect(clusterJobFromEnv({ SLURM_JOB_ID: "42" })).toEqual({ scheduler: "slurm", job_id: "42" });
    expect(clusterJobFromEnv({ SLURM_JOB_ID: "43", SLURM_ARRAY_JOB_ID: "40", SLURM_ARRAY_TASK_ID: "3" })).toEqual({ scheduler: "slurm", job_id: "40_3" });
    expect(clusterJobFromEnv({ PBS_JOBID: "7.server" })).toEqual({ scheduler: "pbs", job_id: "7.server" });
    expect(clusterJobFromEnv({ LSB_JOBID: "9", LSB_JOBINDEX: "2" })).toEqual({ scheduler: "lsf", job_id: "9[2]" });
    expect(clusterJobFromEnv({})).toBeUndefined();
  });

  it("a lock of another host reads running until its cluster job is gone, then terminated", () => {
    const lock = { host: "node042", pid: 4242 };
    const clusterJob = { scheduler: "slurm", job_id: "42" };
    const here = { hostname: "login1" };
    expect(deriveRunStatus({ lock, clusterJob }, { ...here, clusterJobLive: () => true })).toBe("running");
    expect(deriveRunStatus({ lock, clusterJob }, { ...here, clusterJobLive: (j) => j.job_id !== "42" })).toBe("terminated");
    // Without a scheduler to ask, or without a cluster job on record, another host's lock reads running.
    expect(deriveRunStatus({ lock, clusterJob }, here)).toBe("running");
    expect(deriveRunStatus({ lock }, { ...here, clusterJobLive: () => false })).toBe("running");
  });
});
