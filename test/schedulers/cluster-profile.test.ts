import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadClusterProfiles, userProfilesFile, type ClusterProfiles } from "../../src/schedulers/cluster-profile.js";
import { UserError } from "../../src/util/errors.js";
import { tempDir, userErrorOf } from "../helpers.js";

const PROFILE = `[clusters.lab]
scheduler = "slurm"
account = "group1"
prelude = ["module load gcc"]

[clusters.lab.partitions.cpu]
cpus = 64
memory = "256g"
max_walltime = "2-00:00:00"
default = true

[clusters.lab.partitions.gpu]
cpus = 32
gpus = 4
gpu_type = "a100"
memory = 512
max_walltime = 48
charged_per = "gpu"
charge_factor = 1.5
`;

/** A configuration directory holding `clusters.toml` (when given) and a project holding `cohort.toml` (when given). */
function sources(user?: string, project?: string): { env: NodeJS.ProcessEnv; root: string } {
  const config = tempDir("cohort-config-");
  if (user !== undefined) {
    fs.mkdirSync(path.join(config, "cohort"));
    fs.writeFileSync(path.join(config, "cohort", "clusters.toml"), user);
  }
  const root = tempDir("cohort-project-");
  if (project !== undefined) fs.writeFileSync(path.join(root, "cohort.toml"), project);
  return { env: { XDG_CONFIG_HOME: config, HOME: "/nonexistent" }, root };
}

function load(user?: string, project?: string): ClusterProfiles {
  const { env, root } = sources(user, project);
  return loadClusterProfiles(root, env);
}

function error(user?: string, project?: string): UserError {
  return userErrorOf(() => load(user, project));
}

describe("cluster profiles", () => {
  it("reads a profile: partitions with their limits in GB and seconds, defaults filled in", () => {
    const lab = load(PROFILE).profiles.get("lab")!;
    expect(lab.scheduler).toBe("slurm");
    expect(lab.account).toBe("group1");
    expect(lab.prelude).toEqual(["module load gcc"]);
    expect(lab.partitions).toEqual([
      { name: "cpu", cpus: 64, gpus: 0, memory: 256, maxWalltime: 172800, wholeNode: false, chargeFactor: 1, chargedPer: "cpu", isDefault: true, submitOptions: [] },
      { name: "gpu", cpus: 32, gpus: 4, gpuType: "a100", memory: 512, maxWalltime: 172800, wholeNode: false, chargeFactor: 1.5, chargedPer: "gpu", isDefault: false, submitOptions: [] },
    ]);
  });

  it("the project's cohort.toml wins over the user's file key by key, and each value says where it came from", () => {
    const { profiles, files } = load(PROFILE, `[project]\nname = "x"\n\n[clusters.lab]\naccount = "group2"\n\n[clusters.lab.partitions.cpu]\nmax_walltime = "12:00:00"\n`);
    const lab = profiles.get("lab")!;
    expect(lab.account).toBe("group2");
    expect(lab.partitions.find((p) => p.name === "cpu")).toMatchObject({ cpus: 64, maxWalltime: 43200 });
    expect(lab.keys.get("account")!.origin).toBe("cohort.toml:5");
    expect(lab.keys.get("partitions.cpu.max_walltime")!.origin).toBe("cohort.toml:8");
    expect(lab.keys.get("partitions.cpu.cpus")!.origin).toMatch(/clusters\.toml:7$/);
    expect(files.at(-1)).toBe("cohort.toml");
  });

  it("a cohort.toml's workflow is no part of the profiles, and one without [clusters] adds nothing", () => {
    const { files } = load(undefined, `[operations.a]\ncommand = "true"\n`);
    expect(files).not.toContain("cohort.toml");
  });

  it("honours XDG_CONFIG_HOME, else ~/.config", () => {
    expect(userProfilesFile({ XDG_CONFIG_HOME: "/x/conf", HOME: "/home/u" })).toBe("/x/conf/cohort/clusters.toml");
    expect(userProfilesFile({ HOME: "/home/u" })).toBe("/home/u/.config/cohort/clusters.toml");
    // a relative XDG_CONFIG_HOME is to be ignored, as the specification says
    expect(userProfilesFile({ XDG_CONFIG_HOME: "conf", HOME: "/home/u" })).toBe("/home/u/.config/cohort/clusters.toml");
  });

  it("a partition missing its limits is refused with the file and line of its table", () => {
    const e = error(`[clusters.lab]\nscheduler = "slurm"\n\n[clusters.lab.partitions.cpu]\ncpus = 4\nmemory = "8g"\n`);
    expect(e.message).toMatch(/clusters\.toml:4: clusters\.lab\.partitions\.cpu needs max_walltime/);
    expect(e.hint).toMatch(/max_walltime = /);
  });

  it("a profile without a scheduler is refused", () => {
    expect(error(`[clusters.lab]\naccount = "a"\n`).message).toMatch(/clusters\.toml:1: clusters\.lab needs a scheduler/);
  });

  it("every key is checked, with the file and line", () => {
    expect(error(`[clusters.lab]\nscheduler = "slurm"\nacount = "a"\n`).message).toMatch(/clusters\.toml:3: unknown key clusters\.lab\.acount/);
    expect(error(`[clusters.lab]\nscheduler = "slurm"\nacount = "a"\n`).hint).toBe("did you mean account?");
    expect(error(`[clusters.lab]\nscheduler = "condor"\n`).message).toMatch(/:2: clusters\.lab\.scheduler must be slurm, pbs or lsf/);
    const memory = error(`[clusters.lab]\nscheduler = "slurm"\n[clusters.lab.partitions.p]\ncpus = 1\nmax_walltime = 1\nmemory = "lots"\n`);
    expect(memory.message).toMatch(/:6: clusters\.lab\.partitions\.p\.memory must be a size per node/);
    expect(memory.hint).toMatch(/gigabytes/);
    expect(error(`[clusters.lab]\nscheduler = "slurm"\n[clusters.lab.partitions.p]\ncpus = 0\n`).message).toMatch(/:4: .*cpus must be a positive integer/);
    expect(error(`[clusters.lab]\nscheduler = "slurm"\n[clusters.lab.partitions.p]\nmax_walltime = "1:30"\n`).message).toMatch(/:4: .*max_walltime must be a duration/);
    expect(error(`[clusters.lab]\nscheduler = "slurm"\nprelude = ["module load a\\nrm -rf /"]\n`).message).toMatch(/:3: clusters\.lab\.prelude\[0\] must be one line/);
    expect(error(`[clusters.lab]\nscheduler = "slurm"\naccount = "a b"\n`).message).toMatch(/:3: clusters\.lab\.account must be a name/);
    expect(error(`[clusters.lab]\nscheduler = "slurm"\n[clusters.lab.partitions."a b"]\n`).message).toMatch(/clusters\.lab\.partitions\.("a b"|"a b")/);
  });

  it("a partition name that is not a name is refused as such, saying which characters a name holds", () => {
    const e = error(undefined, `[project]\nname = "x"\n\n[clusters.lab]\nscheduler = "slurm"\n\n[clusters.lab.partitions."sh ort#x"]\ncpus = 4\nmemory = "4g"\nmax_walltime = "1h"\n`);
    expect(e.message).toBe('cohort.toml:7: clusters.lab.partitions."sh ort#x" is not a valid partition name');
    expect(e.hint).toBe("a partition name holds only letters, digits and _ . - + : @ , =");
    // A partitions key that is not a table is still told as such.
    expect(error(`[clusters.lab]\nscheduler = "slurm"\npartitions = 3\n`).message).toMatch(/:3: clusters\.lab\.partitions must be a table of partitions$/);
  });

  it("in cohort.toml, problems are found in [clusters] and named with cohort.toml", () => {
    expect(error(undefined, `[project]\nname = "x"\n[clusters.lab]\nscheduler = 3\n`).message).toMatch(/^cohort\.toml:4: clusters\.lab\.scheduler/);
  });

  it("malformed TOML names the file, line and column", () => {
    expect(error(`[clusters.lab\n`).message).toMatch(/clusters\.toml:1:\d+: malformed TOML/);
  });

  it("the built-in profiles load, each naming its source and the date it was read", () => {
    const { profiles } = load();
    const builtins = [...profiles.values()].filter((p) => p.origin.startsWith("built-in "));
    expect(builtins.length).toBeGreaterThan(0);
    for (const p of builtins) {
      expect(p.source, p.name).toMatch(/^https:\/\//);
      expect(p.read, p.name).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(p.partitions.length, p.name).toBeGreaterThan(0);
    }
  });
});
