/**
 * Cluster profiles: what cohort knows of a cluster (its scheduler, partitions, default account,
 * submit options, the lines a script needs), as data. Three sources, later ones winning key by key:
 *
 * 1. the built-ins, `clusters/*.toml` in the package;
 * 2. the user's `clusters.toml` in `$XDG_CONFIG_HOME/cohort/` (`~/.config/cohort/` without it);
 * 3. the project's `cohort.toml`.
 *
 * Each holds `[clusters.NAME]` tables (docs/clusters.md has every key). A later source may set one key
 * of a profile an earlier one made (`[clusters.anvil] account = "abc123"`); lists are replaced whole.
 * Every key is checked with each source's file and line; a profile is complete once merged: it names
 * a scheduler, and each partition gives its limits (cpus, memory, max_walltime).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as z from "zod/mini";
import { PROJECT_FILE } from "../dataspace/project.js";
import { Float, isPlainObject } from "../dataspace/value.js";
import { UserError } from "../util/errors.js";
import { readFileIfExists, readTextFile } from "../util/fs.js";
import { packageFile } from "../util/package-file.js";
import { check, showPath, table, type Path } from "../workflow/definition-schema.js";
import { MEMORY_HINT, parseMemory, parseWalltime, WALLTIME_HINT } from "../workflow/directives.js";
import { CONTROL } from "../util/text.js";
import { firstProblem, readToml } from "../workflow/toml.js";
import type { PartitionLimits } from "./partition-choice.js";
import { PLACE_NAME, SCHEDULERS, type SchedulerName } from "./script.js";

export interface PartitionProfile extends PartitionLimits {
  gpuType?: string;
  /** Words for the submit command when a job goes to this partition. */
  submitOptions: string[];
}

export interface ClusterProfile {
  name: string;
  scheduler: SchedulerName;
  description?: string;
  /** Where the facts came from, and when they were read (built-ins). */
  source?: string;
  read?: string;
  /** The account used when `--account` is not given. */
  account?: string;
  /** Words for the submit command of every job. */
  submitOptions: string[];
  /** Shell lines every script runs before cohort (module loads, environment). */
  prelude: string[];
  detect: { hostnames: string[]; clusterName?: string };
  partitions: PartitionProfile[];
  /** Each key set, as written, and where (`FILE:LINE`), by its key path below the profile (`partitions.gpu.cpus`). */
  keys: Map<string, { value: unknown; origin: string }>;
  /** Where the profile's table was last written. */
  origin: string;
}

export interface ClusterProfiles {
  profiles: Map<string, ClusterProfile>;
  /** The files read, in order (built-ins first). */
  files: string[];
}

// ---------------------------------------------------------------------------------------------------------
// The schema of one source: every key optional (a later source may add what is missing), each value checked.

function numberOf(v: unknown): number | undefined {
  const x = v instanceof Float ? v.value : typeof v === "number" ? v : undefined;
  return x !== undefined && Number.isFinite(x) ? x : undefined;
}

const integer = (min: number) =>
  z.custom<number>((v) => {
    const x = numberOf(v);
    return x !== undefined && Number.isSafeInteger(x) && x >= min;
  }, { error: min >= 1 ? "must be a positive integer" : "must be a non-negative integer" });

function parses(parse: (v: unknown) => unknown) {
  return (v: unknown) => {
    try {
      parse(v);
      return true;
    } catch {
      return false;
    }
  };
}

const memory = z.custom<string | number>(parses(parseMemory), { error: "must be a size per node", params: { hint: MEMORY_HINT } });
const walltime = z.custom<string | number>(parses(parseWalltime), { error: "must be a duration", params: { hint: WALLTIME_HINT } });
const text = z.string({ error: "must be a string" });
const line = text.check(z.refine((s) => !CONTROL.test(s), { error: "must be one line of printable text" }));
const lines = z.array(line, { error: "must be a list of strings" });
const PLACE_CHARACTERS = "letters, digits and _ . - + : @ , =";
const placeName = text.check(z.refine((s) => PLACE_NAME.test(s), { error: `must be a name of ${PLACE_CHARACTERS}` }));
/** A partition's name, a key of `partitions`: the message reads on from its key path. */
const partitionName = text.check(z.refine((s) => PLACE_NAME.test(s), { error: "is not a valid partition name", params: { hint: `a partition name holds only ${PLACE_CHARACTERS}` } }));
const bool = z.boolean({ error: "must be true or false" });
const chargeFactor = z.custom<number>((v) => (numberOf(v) ?? -1) >= 0, { error: "must be a number, 0 or more" });

const CHARGED_PER = ["cpu", "gpu", "node"] as const;

const partitionSchema = table(
  {
    cpus: z.optional(integer(1)),
    gpus: z.optional(integer(0)),
    gpu_type: z.optional(line),
    memory: z.optional(memory),
    max_walltime: z.optional(walltime),
    whole_node: z.optional(bool),
    charge_factor: z.optional(chargeFactor),
    charged_per: z.optional(z.enum(CHARGED_PER, { error: "must be cpu, gpu or node" })),
    default: z.optional(bool),
    automatic: z.optional(bool),
    submit_options: z.optional(lines),
  },
  "must be a table of the partition's limits",
);

const profileSchema = table(
  {
    scheduler: z.optional(z.enum(SCHEDULERS, { error: "must be slurm, pbs or lsf" })),
    description: z.optional(line),
    source: z.optional(line),
    read: z.optional(line),
    account: z.optional(placeName),
    submit_options: z.optional(lines),
    prelude: z.optional(lines),
    detect: z.optional(table({ hostnames: z.optional(lines), cluster_name: z.optional(line) }, "must be a table (hostnames, cluster_name)")),
    partitions: z.optional(z.record(partitionName, partitionSchema, { error: "must be a table of partitions" })),
  },
  "must be a table",
);

const sourceSchema = table({ clusters: z.optional(z.record(text, profileSchema, { error: "must be a table of cluster profiles" })) }, "must be a table");

// ---------------------------------------------------------------------------------------------------------
// Reading and merging

/** A value set by a source, with where: `FILE:LINE`. */
interface Leaf {
  value: unknown;
  origin: string;
}

/** What the sources set of one profile: its leaves by key path (JSON of the path below the profile). */
interface Merged {
  leaves: Map<string, Leaf>;
  /** Each partition's table, and where it was last written. */
  partitions: Map<string, string>;
  /** Where the profile's table was last written. */
  origin: string;
}

/** The user's file: `$XDG_CONFIG_HOME/cohort/clusters.toml`, or `~/.config/cohort/clusters.toml`. */
export function userProfilesFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || os.homedir(), ".config");
  return path.join(base, "cohort", "clusters.toml");
}

/** The built-in profiles' directory in the package. */
export const BUILTIN_CLUSTERS = packageFile("clusters");

/** Every profile of the three sources, merged and checked. `projectRoot`: the project's, if any. */
export function loadClusterProfiles(projectRoot: string | undefined, env: NodeJS.ProcessEnv = process.env): ClusterProfiles {
  const merged = new Map<string, Merged>();
  const files: string[] = [];
  const builtins = fs.existsSync(BUILTIN_CLUSTERS) ? fs.readdirSync(BUILTIN_CLUSTERS).filter((f) => f.endsWith(".toml")).sort() : [];
  for (const f of builtins) {
    const shown = `clusters/${f}`;
    readSource(readTextFile(path.join(BUILTIN_CLUSTERS, f)), shown, "built-in ", merged);
    files.push(shown);
  }
  const user = userProfilesFile(env);
  const userText = readFileIfExists(user);
  if (userText !== undefined) {
    readSource(userText, user, "", merged);
    files.push(user);
  }
  if (projectRoot !== undefined) {
    const projectText = readFileIfExists(path.join(projectRoot, PROJECT_FILE));
    if (projectText !== undefined && readSource(projectText, PROJECT_FILE, "", merged, true)) files.push(PROJECT_FILE);
  }
  const profiles = new Map<string, ClusterProfile>();
  for (const [name, m] of merged) profiles.set(name, complete(name, m));
  return { profiles, files };
}

/**
 * Reads one source into `merged`; whether it holds profiles. `onlyClusters`: a cohort.toml, whose
 * other sections are the workflow's.
 */
function readSource(source: string, file: string, label: string, merged: Map<string, Merged>, onlyClusters = false): boolean {
  const { value, lines, problems } = readToml(source, file);
  const data = onlyClusters ? { clusters: value.clusters } : value;
  const result = check(sourceSchema, data);
  const ranked = [...problems.filter((p) => !onlyClusters || p.path[0] === "clusters"), ...result.problems].map((problem) => ({ problem, rank: problem.kind === "unknown key" ? 0 : 1 }));
  if (ranked.length > 0 || result.data === undefined) throw firstProblem(ranked, lines, file);
  const where = (p: Path) => `${label}${file}:${lines.lineOf(p) ?? "?"}`;
  for (const [name, raw] of Object.entries(data.clusters as Record<string, Record<string, unknown>> | undefined ?? {})) {
    const base = ["clusters", name];
    let m = merged.get(name);
    if (!m) merged.set(name, (m = { leaves: new Map(), partitions: new Map(), origin: where(base) }));
    m.origin = where(base);
    for (const pname of Object.keys(isPlainObject(raw.partitions) ? raw.partitions : {})) m.partitions.set(pname, where([...base, "partitions", pname]));
    flatten(raw, [], (p, v) => m.leaves.set(JSON.stringify(p), { value: v, origin: where([...base, ...p]) }));
  }
  return data.clusters !== undefined;
}

/** Calls `leaf` for each value below `v` that is not a table (lists are values). */
function flatten(v: unknown, p: Path, leaf: (p: Path, v: unknown) => void): void {
  if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) flatten(x, [...p, k], leaf);
  else leaf(p, v);
}

function complete(name: string, m: Merged): ClusterProfile {
  const get = <T>(p: Path): T | undefined => m.leaves.get(JSON.stringify(p))?.value as T | undefined;
  // In the order the sources wrote them: every leaf is a key the schema knows.
  const keys: ClusterProfile["keys"] = new Map([...m.leaves].map(([p, leaf]) => [showPath(JSON.parse(p) as Path), leaf]));
  const missing = (at: string, where: Path, needs: string, hint: string) => new UserError(`${at.replace(/^built-in /, "")}: ${showPath(["clusters", name, ...where])} needs ${needs}`, hint);
  const scheduler = get<SchedulerName>(["scheduler"]);
  if (!scheduler) throw missing(m.origin, [], "a scheduler", 'e.g. scheduler = "slurm"');
  const partitions: PartitionProfile[] = [];
  for (const [pname, at] of m.partitions) {
    const key = (k: string) => ["partitions", pname, k];
    for (const need of ["cpus", "memory", "max_walltime"]) {
      if (!m.leaves.has(JSON.stringify(key(need)))) throw missing(at, ["partitions", pname], need, 'a partition gives its limits per node: cpus, memory and max_walltime, e.g. cpus = 128, memory = "256g", max_walltime = "48:00:00"');
    }
    const gpuType = get<string>(key("gpu_type"));
    partitions.push({
      name: pname,
      cpus: numberOf(get(key("cpus")))!,
      gpus: numberOf(get(key("gpus"))) ?? 0,
      ...(gpuType !== undefined ? { gpuType } : {}),
      memory: parseMemory(get(key("memory"))),
      maxWalltime: parseWalltime(get(key("max_walltime"))),
      wholeNode: get<boolean>(key("whole_node")) ?? false,
      chargeFactor: numberOf(get(key("charge_factor"))) ?? 1,
      chargedPer: get<PartitionLimits["chargedPer"]>(key("charged_per")) ?? "cpu",
      isDefault: get<boolean>(key("default")) ?? false,
      ...(get<boolean>(key("automatic")) === false ? { automatic: false } : {}),
      submitOptions: get<string[]>(key("submit_options")) ?? [],
    });
  }
  const optional = <T>(k: string): { [key: string]: T } => {
    const v = get<T>([k]);
    return v === undefined ? {} : { [k]: v };
  };
  const clusterName = get<string>(["detect", "cluster_name"]);
  return {
    name,
    scheduler,
    ...optional<string>("description"),
    ...optional<string>("source"),
    ...optional<string>("read"),
    ...optional<string>("account"),
    submitOptions: get<string[]>(["submit_options"]) ?? [],
    prelude: get<string[]>(["prelude"]) ?? [],
    detect: { hostnames: get<string[]>(["detect", "hostnames"]) ?? [], ...(clusterName !== undefined ? { clusterName } : {}) },
    partitions,
    keys,
    origin: m.origin,
  };
}

/** The profile named `name`, or a UserError naming those there are. */
export function profileNamed(profiles: ClusterProfiles, name: string, via: string): ClusterProfile {
  const profile = profiles.profiles.get(name);
  if (profile) return profile;
  const known = [...profiles.profiles.keys()].sort();
  throw new UserError(`there is no cluster profile ${JSON.stringify(name)}, given by ${via}`, known.length ? `known profiles: ${known.join(", ")}; cohort cluster list shows them` : "no profile is defined; see docs/clusters.md");
}
