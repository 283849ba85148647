/**
 * Starts a private single-node SLURM cluster for the tests that need one (scripts/slurm/start.sh)
 * and stops it after the suite. Where it cannot start (not root and no packages), those tests are
 * skipped with a note, unless COHORT_REQUIRE_SLURM=1 (CI), which makes that a failure.
 * COHORT_SLURM=0 skips it on purpose. Its own directory and ports (base 6917) keep it apart from
 * any cluster a developer runs by hand.
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

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
  const dir = path.join(os.tmpdir(), "cohort-test-slurm");
  const env = { ...process.env, SLURM_PORT_BASE: process.env.SLURM_PORT_BASE ?? "6917", SLURM_CLEAN: "1" };
  const started = spawnSync("bash", ["scripts/slurm/start.sh", dir], { env, encoding: "utf8", timeout: 600_000 });
  const conf = /export SLURM_CONF=(\S+)/.exec(started.stdout ?? "")?.[1];
  if (started.status !== 0 || !conf) {
    const why = (started.stderr ?? "").trim().split("\n").pop() ?? "unknown";
    if (process.env.COHORT_REQUIRE_SLURM === "1") throw new Error(`the SLURM test cluster did not start: ${why}`);
    process.stderr.write(`SLURM tests skipped: the test cluster did not start (${why})\n`);
    project.provide("slurm", null);
    return undefined;
  }
  project.provide("slurm", { conf, dir });
  return () => {
    spawnSync("bash", ["scripts/slurm/stop.sh", dir], { env, stdio: "ignore", timeout: 120_000 });
  };
}
