/**
 * Starts a private single-node SLURM cluster for the tests that need one (scripts/slurm/start.sh)
 * and stops it after the suite. Where it cannot start (not root and no packages), those tests are
 * skipped with a note, unless COHORT_REQUIRE_SLURM=1 (CI), which makes that a failure.
 * COHORT_SLURM=0 skips it on purpose. A fresh directory and randomly chosen ports (or
 * SLURM_PORT_BASE) keep it apart from other test runs and from any cluster a developer runs by hand.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

/** The test cluster's partitions (scripts/slurm/start.sh SLURM_PARTITIONS): the first is the default. */
export const TEST_PARTITIONS = "cpu MaxTime=2-00:00:00;gpu MaxTime=2-00:00:00;short MaxTime=30";

export interface SlurmCluster {
  conf: string;
  dir: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    slurm: SlurmCluster | null;
  }
}

export default function setup(project: TestProject): (() => void) | undefined {
  if (process.env.COHORT_SLURM === "0") {
    project.provide("slurm", null);
    return undefined;
  }
  // A directory and ports of its own: several test runs on one machine must not share a cluster.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cohort-test-slurm-"));
  fs.chmodSync(dir, 0o755);
  let env: NodeJS.ProcessEnv = {};
  let started: ReturnType<typeof spawnSync> | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const base = process.env.SLURM_PORT_BASE ?? String(20000 + 4 * Math.floor(Math.random() * 2500));
    // A CPU-only, a GPU and a 30-minute debug partition (docs/clusters.md has their profile); one node holds them all.
    // Accounts are enforced as most clusters do: sbatch refuses an account the user has no association with.
    env = { ...process.env, SLURM_PORT_BASE: base, SLURM_PARTITIONS: TEST_PARTITIONS, SLURM_ENFORCE_ACCOUNTS: "1" };
    started = spawnSync("bash", ["scripts/slurm/start.sh", dir], { env, encoding: "utf8", timeout: 600_000 });
    if (started.status === 0 || !/already in use/.test(String(started.stderr))) break;
  }
  const conf = /export SLURM_CONF=(\S+)/.exec(String(started?.stdout ?? ""))?.[1];
  if (started?.status !== 0 || !conf) {
    const why = String(started?.stderr ?? "").trim().split("\n").pop() ?? "unknown";
    fs.rmSync(dir, { recursive: true, force: true });
    if (process.env.COHORT_REQUIRE_SLURM === "1") throw new Error(`the SLURM test cluster did not start: ${why}`);
    process.stderr.write(`SLURM tests skipped: the test cluster did not start (${why})\n`);
    project.provide("slurm", null);
    return undefined;
  }
  project.provide("slurm", { conf, dir });
  return () => {
    spawnSync("bash", ["scripts/slurm/stop.sh", dir], { env, stdio: "ignore", timeout: 120_000 });
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
