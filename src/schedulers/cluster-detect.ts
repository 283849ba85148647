/**
 * Which cluster profile is in force: the one named (`--cluster`, else `COHORT_CLUSTER`), or the one
 * whose detection rules match this machine: a host name pattern (`*` and `?`, matched against the
 * whole host name, letter case aside) or the scheduler's own name for its cluster (SLURM's
 * ClusterName, asked once and only when a profile has such a rule). Two profiles matching is an
 * error naming both; none means no profile: the scheduler alone.
 */
import os from "node:os";
import { UserError } from "../util/errors.js";
import { loadClusterProfiles, profileNamed, type ClusterProfile, type ClusterProfiles } from "./cluster-profile.js";
import type { Scheduler } from "./scheduler.js";

export interface ClusterInForce {
  profile: ClusterProfile;
  /** How it was found, for `cohort cluster show`: `--cluster`, `COHORT_CLUSTER`, or the rule that matched. */
  how: string;
}

export interface DetectOptions {
  /** `--cluster NAME`. */
  named?: string;
  env?: NodeJS.ProcessEnv;
  hostname: string;
  /** The scheduler's name for its cluster; asked at most once. */
  clusterName: () => Promise<string | undefined>;
}

/** A host name pattern as a regular expression: `*` any run of characters, `?` one; the rest as written. */
export function hostPattern(glob: string): RegExp {
  const body = [...glob].map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.+()[\]{}|/]/g, "\\$&"))).join("");
  return new RegExp(`^${body}$`, "iu");
}

export async function detectCluster(profiles: ClusterProfiles, opts: DetectOptions): Promise<ClusterInForce | undefined> {
  const env = opts.env ?? process.env;
  if (opts.named !== undefined) return { profile: profileNamed(profiles, opts.named, "--cluster"), how: "--cluster" };
  if (env.COHORT_CLUSTER) return { profile: profileNamed(profiles, env.COHORT_CLUSTER, "COHORT_CLUSTER"), how: "COHORT_CLUSTER" };
  const all = [...profiles.profiles.values()];
  let schedulerName: Promise<string | undefined> | undefined;
  const matches: ClusterInForce[] = [];
  for (const profile of all) {
    const host = profile.detect.hostnames.find((h) => hostPattern(h).test(opts.hostname));
    if (host !== undefined) {
      matches.push({ profile, how: `host name ${opts.hostname} matches ${JSON.stringify(host)}` });
      continue;
    }
    const wanted = profile.detect.clusterName;
    if (wanted === undefined) continue;
    schedulerName ??= opts.clusterName();
    const name = await schedulerName;
    if (name !== undefined && name === wanted) matches.push({ profile, how: `the scheduler's cluster name is ${name}` });
  }
  if (matches.length > 1) {
    const [a, b] = matches;
    throw new UserError(
      `cluster profiles ${a.profile.name} and ${b.profile.name} both match this machine (${a.profile.name}: ${a.how}; ${b.profile.name}: ${b.how})`,
      "name one with --cluster or COHORT_CLUSTER, or narrow their [detect] rules",
    );
  }
  return matches[0];
}

/**
 * The profile in force for a project (or none): the profiles of the three sources, `named`
 * (`--cluster`) or detected; `scheduler` answers for the scheduler's cluster name when a rule asks.
 */
export async function clusterInForce(projectRoot: string | undefined, named: string | undefined, scheduler: Scheduler | undefined): Promise<ClusterInForce | undefined> {
  const profiles = loadClusterProfiles(projectRoot);
  return detectCluster(profiles, { named, hostname: os.hostname(), clusterName: () => scheduler?.clusterName() ?? Promise.resolve(undefined) });
}
