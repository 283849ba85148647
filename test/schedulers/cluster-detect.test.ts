import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectCluster, hostPattern } from "../../src/schedulers/cluster-detect.js";
import { loadClusterProfiles, type ClusterProfile, type ClusterProfiles } from "../../src/schedulers/cluster-profile.js";
import { UserError } from "../../src/util/errors.js";

function profile(name: string, detect: ClusterProfile["detect"]): ClusterProfile {
  return { name, scheduler: "slurm", submitOptions: [], prelude: [], detect, partitions: [], keys: new Map(), origin: "test" };
}

function profiles(...list: ClusterProfile[]): ClusterProfiles {
  return { profiles: new Map(list.map((p) => [p.name, p])), files: [] };
}

const ALL = profiles(profile("alpha", { hostnames: ["login?.alpha.example.org"] }), profile("beta", { hostnames: [], clusterName: "beta" }), profile("plain", { hostnames: [] }));

describe("which cluster profile is in force", () => {
  const asked = () => {
    let calls = 0;
    return { calls: () => calls, clusterName: (name?: string) => () => (calls++, Promise.resolve(name)) };
  };

  it("--cluster names it, before COHORT_CLUSTER and any rule", async () => {
    const found = await detectCluster(ALL, { named: "plain", env: { COHORT_CLUSTER: "beta" }, hostname: "login1.alpha.example.org", clusterName: () => Promise.resolve("beta") });
    expect(found).toMatchObject({ profile: { name: "plain" }, how: "--cluster" });
    const byEnv = await detectCluster(ALL, { env: { COHORT_CLUSTER: "beta" }, hostname: "login1.alpha.example.org", clusterName: () => Promise.resolve(undefined) });
    expect(byEnv).toMatchObject({ profile: { name: "beta" }, how: "COHORT_CLUSTER" });
  });

  it("an unknown name is refused, naming the profiles there are", async () => {
    const err = await detectCluster(ALL, { named: "gamma", env: {}, hostname: "h", clusterName: () => Promise.resolve(undefined) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe('there is no cluster profile "gamma", given by --cluster');
    expect((err as UserError).hint).toBe("known profiles: alpha, beta, plain; cohort cluster list shows them");
    await expect(detectCluster(ALL, { env: { COHORT_CLUSTER: "x" }, hostname: "h", clusterName: () => Promise.resolve(undefined) })).rejects.toThrow(/"x", given by COHORT_CLUSTER$/);
  });

  it("a host name pattern matches the whole name, letter case aside", async () => {
    const s = asked();
    expect(await detectCluster(ALL, { env: {}, hostname: "LOGIN2.alpha.example.org", clusterName: s.clusterName("other") })).toMatchObject({ profile: { name: "alpha" } });
    expect(await detectCluster(ALL, { env: {}, hostname: "login12.alpha.example.org", clusterName: s.clusterName("other") })).toBeUndefined();
  });

  it("the scheduler's cluster name is asked once, and only when a profile has such a rule", async () => {
    const s = asked();
    const both = profiles(profile("b1", { hostnames: [], clusterName: "x" }), profile("b2", { hostnames: [], clusterName: "y" }));
    expect(await detectCluster(both, { env: {}, hostname: "h", clusterName: s.clusterName("y") })).toMatchObject({ profile: { name: "b2" }, how: "the scheduler's cluster name is y" });
    expect(s.calls()).toBe(1);
    const none = asked();
    expect(await detectCluster(profiles(profile("p", { hostnames: ["n*"] })), { env: {}, hostname: "h", clusterName: none.clusterName("y") })).toBeUndefined();
    expect(none.calls()).toBe(0);
  });

  it("two profiles matching is an error naming both and why each matched", async () => {
    const clash = profiles(profile("alpha", { hostnames: ["login*"] }), profile("beta", { hostnames: [], clusterName: "beta" }));
    const err = (await detectCluster(clash, { env: {}, hostname: "login1", clusterName: () => Promise.resolve("beta") }).catch((e: unknown) => e)) as UserError;
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe(`cluster profiles alpha and beta both match this machine (alpha: host name login1 matches "login*"; beta: the scheduler's cluster name is beta)`);
    expect(err.hint).toMatch(/--cluster or COHORT_CLUSTER/);
  });

  it("none matching: no profile, the scheduler alone", async () => {
    expect(await detectCluster(ALL, { env: {}, hostname: "laptop", clusterName: () => Promise.resolve(undefined) })).toBeUndefined();
  });
});

describe("host name patterns", () => {
  const host = fc.stringMatching(/^[A-Za-z0-9.+()[\]{}^$|\\-]{1,20}$/);

  it("a pattern without * or ? matches exactly its own text (regular-expression characters are plain)", () => {
    fc.assert(
      fc.property(host, host, (a, b) => {
        expect(hostPattern(a).test(a)).toBe(true);
        expect(hostPattern(a).test(b)).toBe(a.toLowerCase() === b.toLowerCase());
      }),
    );
  });

  it("* stands for any run of characters and ? for one", () => {
    fc.assert(
      fc.property(host, host, host, (pre, mid, post) => {
        expect(hostPattern(`${pre}*${post}`).test(pre + mid + post)).toBe(true);
        expect(hostPattern(`${pre}?${post}`).test(pre + mid[0] + post)).toBe(true);
        expect(hostPattern(`${pre}?${post}`).test(pre + post)).toBe(false);
      }),
    );
  });
});

describe("the built-in profiles' detection rules", () => {
  it("find Eiger on its login nodes, and nothing on a host no built-in names", async () => {
    const builtins = loadClusterProfiles(undefined, { XDG_CONFIG_HOME: "/nonexistent" });
    const on = (hostname: string) => detectCluster(builtins, { env: {}, hostname, clusterName: () => Promise.resolve(undefined) });
    expect((await on("eiger-ln010"))?.profile.name).toBe("eiger");
    expect(await on("laptop.example.org")).toBeUndefined();
  });
});
