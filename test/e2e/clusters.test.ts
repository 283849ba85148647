/**
 * Cluster profiles end to end: `cohort cluster show/list`, detection, partition choice and cost, on the
 * real SLURM test cluster (test/slurm-setup.ts: partitions cpu, gpu and a 30-minute short one; accounts
 * enforced) and, for what needs no scheduler, with --pretend. The profile of the test cluster is the one
 * docs/clusters.md shows, read from there.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { cohort, lines, ROOT, tempDir, type Result } from "../helpers.js";

const cluster = inject("slurm");
const slurmEnv = cluster ? { SLURM_CONF: cluster.conf, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } : {};

/** The worked profile of docs/clusters.md: the first TOML block after its heading. */
const TEST_PROFILE = (() => {
  const doc = fs.readFileSync(path.join(ROOT, "docs", "clusters.md"), "utf8");
  const from = doc.indexOf("## A worked profile: the test cluster");
  return /```toml\n([^]*?)```/.exec(doc.slice(from))![1];
})();

const OPERATIONS = `[project]
name = "clusters"

[operations.quick]
command = "echo $COHORT_PRELUDE > prelude.txt"
post = [{ isfile = "prelude.txt" }]
directives = { walltime = "0:10:00" }

[operations.long]
command = "touch long.txt"
post = [{ isfile = "long.txt" }]
directives = { walltime = "2h" }

[operations.train]
command = "touch train.txt"
post = [{ isfile = "train.txt" }]
directives = { ngpu = 1, walltime = "0:10:00" }

[operations.forever]
command = "true"
directives = { walltime = "3-00:00:00" }
`;

/** The test cluster's profile with this account. */
const withAccount = (account: string) => TEST_PROFILE.replace('scheduler = "slurm"\n', `scheduler = "slurm"\naccount = "${account}"\n`);

function project(toml: string): string {
  const dir = tempDir("cohort-clusters-");
  fs.chmodSync(dir, 0o755);
  expect(cohort(["init", "T=1"], { cwd: dir }).code).toBe(0);
  fs.writeFileSync(path.join(dir, "cohort.toml"), toml);
  return dir;
}

/** No scheduler on the PATH: what needs none. */
const NO_SCHEDULER = { PATH: `${tempDir("cohort-no-bin-")}:/usr/bin:/bin` };

function pretend(dir: string, args: string[], env: NodeJS.ProcessEnv = NO_SCHEDULER): Result {
  return cohort(["submit", "--pretend", ...args], { cwd: dir, env });
}

/** The partition each script of a --pretend output asks for, by operation. */
function partitions(stdout: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const script of stdout.split(/^# cluster job /m).slice(1)) {
    const op = /run -o (\S+)/.exec(script)![1];
    out[op] = /^#SBATCH --partition=(\S+)$/m.exec(script)?.[1];
  }
  return out;
}

function oneError(r: Result): string {
  expect(r.code).toBe(2);
  expect(lines(r.stderr), r.stderr).toHaveLength(1);
  return r.stderr.trim();
}

describe("cluster profiles without a scheduler", () => {
  it("the profile's partitions are chosen per job at the lowest charge; the script carries them, the account and the prelude", () => {
    const dir = project(`${OPERATIONS}\n${withAccount("group7")}`);
    const r = pretend(dir, ["-o", "quick", "long", "train", "--cluster", "testcluster"]);
    expect(r.code, r.stderr).toBe(0);
    expect(partitions(r.stdout)).toEqual({ quick: "short", long: "cpu", train: "gpu" });
    expect(r.stdout.match(/^#SBATCH --account=group7$/gm)).toHaveLength(3);
    expect(r.stdout).toMatch(/^set -eu\nexport COHORT_PRELUDE=ran\n/m);
    // quick: 1 CPU × 1/6 h at 0.5; long: 1 CPU × 2 h at 1; train: 1 GPU × 1/6 h at 2 per GPU-hour
    expect(r.stdout).toMatch(/^# cost of 3 cluster jobs: 2\.33 CPU-hours, 0\.17 GPU-hours; charged 2\.42 on cluster testcluster$/m);
  });

  it("--json: each cluster job with its partition and script, and the cost", () => {
    const dir = project(`${OPERATIONS}\n${TEST_PROFILE}`);
    const r = pretend(dir, ["-o", "quick", "train", "--cluster", "testcluster", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    // quick: 1 CPU × 10 min; train: 1 CPU and 1 GPU × 10 min
    expect(json).toMatchObject({ scheduler: "slurm", cluster: "testcluster", cost: { not_counted: 0 } });
    expect(json.cost.cpu_hours).toBeCloseTo(2 / 6);
    expect(json.cost.gpu_hours).toBeCloseTo(1 / 6);
    expect(json.cost.charge).toBeCloseTo(0.5 / 6 + 2 / 6);
    expect(json.jobs.map((j: { pairs: string[][]; partition: string; id: null }) => [j.pairs[0][0], j.partition, j.id])).toEqual([
      ["quick", "short", null],
      ["train", "gpu", null],
    ]);
    expect(json.jobs[0].script).toMatch(/^#!\/bin\/bash\n#SBATCH --job-name=/);
    expect(json.jobs[0].submit_command[0]).toBe("sbatch");
  });

  it("--partition overrides the choice, and is checked against the profile's limits", () => {
    const dir = project(`${OPERATIONS}\n${TEST_PROFILE}`);
    expect(partitions(pretend(dir, ["-o", "quick", "--cluster", "testcluster", "--partition", "gpu"]).stdout)).toEqual({ quick: "gpu" });
    const e = oneError(pretend(dir, ["-o", "long", "--cluster", "testcluster", "--partition", "short"]));
    expect(e).toMatch(
      /^cohort: error: partition short of cluster testcluster cannot run the cluster job of long on [0-9a-f]{32}: the job asks for a walltime of 2:00:00, over its limit of 0:30:00 \(lower the directive, bundle fewer operations, or leave out --partition and cohort chooses one\)$/,
    );
  });

  it("a job no partition can run is refused naming the nearest and why; nothing is printed or recorded", () => {
    const dir = project(`${OPERATIONS}\n${TEST_PROFILE}`);
    const r = pretend(dir, ["-o", "forever", "--cluster", "testcluster"]);
    expect(oneError(r)).toMatch(
      /^cohort: error: no partition of cluster testcluster can run the cluster job of forever on \w+: the nearest, cpu, cannot \(the job asks for a walltime of 3-00:00:00, over its limit of 2-00:00:00\) \(lower the directive/,
    );
    expect(r.stdout).toBe("");
  });

  it("COHORT_CLUSTER names the profile; an unknown name is refused naming those there are", () => {
    const dir = project(`${OPERATIONS}\n${TEST_PROFILE}`);
    expect(partitions(pretend(dir, ["-o", "quick"], { ...NO_SCHEDULER, COHORT_CLUSTER: "testcluster" }).stdout)).toEqual({ quick: "short" });
    expect(oneError(pretend(dir, ["-o", "quick", "--cluster", "nosuch"]))).toBe(
      'cohort: error: there is no cluster profile "nosuch", given by --cluster (known profiles: anvil, eiger, stampede3, testcluster; cohort cluster list shows them)',
    );
    expect(oneError(cohort(["cluster", "show"], { cwd: dir, env: { COHORT_CLUSTER: "nosuch" } }))).toMatch(/^cohort: error: there is no cluster profile "nosuch", given by COHORT_CLUSTER \(/);
  });

  it("a partition missing its limits is refused with the file and line", () => {
    const dir = project(`${OPERATIONS}\n[clusters.lab]\nscheduler = "slurm"\n\n[clusters.lab.partitions.cpu]\ncpus = 4\nmax_walltime = "1h"\n`);
    const line = OPERATIONS.split("\n").length + 4;
    for (const args of [["cluster", "list"], ["submit", "--pretend"]]) {
      expect(oneError(cohort(args, { cwd: dir, env: NO_SCHEDULER }))).toBe(
        `cohort: error: cohort.toml:${line}: clusters.lab.partitions.cpu needs memory (a partition gives its limits per node: cpus, memory and max_walltime, e.g. cpus = 128, memory = "256g", max_walltime = "48:00:00")`,
      );
    }
  });

  it("conflicting detection rules: two profiles matching this machine are refused, naming both", () => {
    const dir = project(`${OPERATIONS}\n[clusters.one]\nscheduler = "slurm"\ndetect = { hostnames = ["*"] }\n\n[clusters.two]\nscheduler = "slurm"\ndetect = { hostnames = ["?*"] }\n`);
    const e = oneError(cohort(["cluster", "show"], { cwd: dir }));
    expect(e).toMatch(/^cohort: error: cluster profiles one and two both match this machine \(one: host name \S+ matches "\*"; two: host name \S+ matches "\?\*"\) \(name one with --cluster or COHORT_CLUSTER/);
    // named, there is no conflict
    expect(cohort(["cluster", "show", "--cluster", "two"], { cwd: dir }).code).toBe(0);
  });

  it("cluster show says where each value came from: the user's clusters.toml, then cohort.toml", () => {
    const config = tempDir("cohort-config-");
    fs.mkdirSync(path.join(config, "cohort"));
    const userFile = path.join(config, "cohort", "clusters.toml");
    fs.writeFileSync(userFile, `[clusters.anvil]\naccount = "mine"\nprelude = ["module load gcc"]\n`);
    const dir = project(`${OPERATIONS}\n[clusters.anvil]\naccount = "project-acct"\n`);
    const r = cohort(["cluster", "show", "--cluster", "anvil"], { cwd: dir, env: { XDG_CONFIG_HOME: config } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^cluster anvil \(slurm\), in force by --cluster: Purdue Anvil/);
    expect(r.stdout).toMatch(/^account +project-acct +cohort\.toml:\d+$/m);
    expect(r.stdout).toMatch(new RegExp(`^prelude +module load gcc +${userFile.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:3$`, "m"));
    expect(r.stdout).toMatch(/^partitions\.shared\.max_walltime +96:00:00 +built-in clusters\/anvil\.toml:\d+$/m);
    expect(r.stdout).toMatch(/^debug +128 +0 +251\.37 GB +2:00:00 +no +1 per cpu-hour +only when named$/m);
    const json = JSON.parse(cohort(["cluster", "show", "--cluster", "anvil", "--json"], { cwd: dir, env: { XDG_CONFIG_HOME: config } }).stdout);
    expect(json).toMatchObject({ name: "anvil", how: "--cluster", account: "project-acct", prelude: ["module load gcc"], source: "https://docs.rcac.purdue.edu/userguides/anvil/jobs/" });
    expect(json.from.account).toMatch(/^cohort\.toml:\d+$/);
    expect(json.partitions.find((p: { name: string }) => p.name === "wholenode")).toMatchObject({ cpus: 128, whole_node: true, max_walltime_seconds: 345600 });
  });

  it("with no profile in force, cluster show says so and submit chooses nothing without a scheduler", () => {
    const dir = project(OPERATIONS);
    expect(cohort(["cluster", "show"], { cwd: dir }).stdout).toMatch(/^no cluster profile is in force/);
    expect(JSON.parse(cohort(["cluster", "show", "--json"], { cwd: dir }).stdout)).toBeNull();
    const r = pretend(dir, ["-o", "long", "--scheduler", "slurm"]);
    expect(partitions(r.stdout)).toEqual({ long: undefined });
    expect(r.stdout).toMatch(/^# cost of 1 cluster job: 2 CPU-hours, 0 GPU-hours$/m);
    const list = cohort(["cluster", "list", "--json"], { cwd: dir });
    expect((JSON.parse(list.stdout) as { name: string }[]).map((p) => p.name)).toEqual(["anvil", "eiger", "stampede3"]);
  });
});

describe.skipIf(!cluster)("cluster profiles on the SLURM test cluster", () => {
  const run = (dir: string, args: string[]) => cohort(args, { cwd: dir, env: slurmEnv });
  const slurm = (args: string[]) => spawnSync(args[0], args.slice(1), { env: { ...process.env, ...slurmEnv }, encoding: "utf8" }).stdout ?? "";

  async function until<T>(what: string, probe: () => T | undefined, ms = 120_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = probe();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it("without a profile, partitions come from sinfo: the default when it fits; a request none can meet names the nearest", () => {
    const dir = project(OPERATIONS);
    const r = run(dir, ["submit", "--pretend", "-o", "quick", "train"]);
    expect(r.code, r.stderr).toBe(0);
    // One node holds every partition: sinfo shows its GPUs in each, and charges are alike: the default.
    expect(partitions(r.stdout)).toEqual({ quick: "cpu", train: "cpu" });
    expect(oneError(run(dir, ["submit", "-o", "forever"]))).toMatch(
      /^cohort: error: no partition of the scheduler \(sinfo\) can run the cluster job of forever on \w+: the nearest, cpu, cannot \(the job asks for a walltime of 3-00:00:00, over its limit of 2-00:00:00\)/,
    );
  });

  it("the profile is found by the scheduler's cluster name; each job runs in the partition chosen for it, after the prelude", async () => {
    const dir = project(`${OPERATIONS}\n${TEST_PROFILE}`);
    const show = run(dir, ["cluster", "show"]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^cluster testcluster \(slurm\), in force by the scheduler's cluster name is local/);
    const r = run(dir, ["submit", "-o", "quick", "long", "train", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const submitted = JSON.parse(r.stdout) as { cluster: string; jobs: { id: string; pairs: string[][]; partition: string; script?: string }[] };
    expect(submitted.cluster).toBe("testcluster");
    expect(submitted.jobs).toHaveLength(3);
    expect(submitted.jobs.every((j) => /^\d+$/.test(j.id) && j.script === undefined)).toBe(true);
    const byOp = Object.fromEntries(submitted.jobs.map((j) => [j.pairs[0][0], j.id]));
    // What the scheduler says each job ran in.
    await until("the jobs to end", () => (slurm(["squeue", "-h", "-j", Object.values(byOp).join(",")]).trim() === "" ? true : undefined));
    const partitionOf = (id: string) => /Partition=(\S+)/.exec(slurm(["scontrol", "-o", "show", "job", id]))?.[1] ?? slurm(["sacct", "-n", "-X", "-P", "-o", "Partition", "-j", id]).trim();
    expect({ quick: partitionOf(byOp.quick), long: partitionOf(byOp.long), train: partitionOf(byOp.train) }).toEqual({ quick: "short", long: "cpu", train: "gpu" });
    await until("the runs to end", () => {
      const runs = JSON.parse(run(dir, ["runs", "--json"]).stdout) as { status: string }[];
      return runs.length === 3 && runs.every((x) => x.status === "completed") ? true : undefined;
    });
    const [job] = fs.readdirSync(path.join(dir, "workspace"));
    expect(fs.readFileSync(path.join(dir, "workspace", job, "prelude.txt"), "utf8")).toBe("ran\n");
  });

  it("an account the scheduler refuses is shown as sbatch said it; nothing is recorded as submitted", () => {
    const dir = project(`${OPERATIONS}\n${withAccount("nosuchaccount")}`);
    const e = oneError(run(dir, ["submit", "-o", "quick"]));
    expect(e).toBe("cohort: error: sbatch refused the job: Batch job submission failed: Invalid account or account/partition combination specified (nothing was recorded as submitted)");
    expect(fs.readdirSync(path.join(dir, ".cohort", "cluster"))).toEqual([]);
    expect(JSON.parse(run(dir, ["runs", "-g", "-a", "--json"]).stdout)).toEqual([]);
    // --account overrides the profile's
    expect(oneError(run(dir, ["submit", "-o", "quick", "--account", "other"]))).toContain("Invalid account");
  });
});
