/**
 * Choosing a partition for a cluster job: of those whose limits hold its CPUs, GPUs, memory and
 * walltime, the one that charges least for it. A job asking for no GPU goes to a partition without
 * GPUs while one fits (GPU nodes are kept for GPU work, and a partition charging per GPU-hour would
 * charge it nothing); on a tie, the cluster's default, then the one with fewer GPUs per node, then
 * the shorter time limit, then by name. A partition marked `automatic = false` is taken only when named.
 * The partitions come from the cluster's profile, or, without one, from what the scheduler says
 * (sinfo: every partition charging alike).
 */
import { UserError } from "../util/errors.js";
import type { ResolvedDirectives } from "../workflow/directives.js";
import { cpusOf, formatHours } from "../workflow/resource-hours.js";
import { chargeOf } from "./cost.js";
import type { PartitionInfo } from "./scheduler.js";

export interface PartitionLimits {
  name: string;
  /** CPUs per node; undefined when unknown. */
  cpus?: number;
  /** GPUs per node. */
  gpus: number;
  /** Gigabytes per node; undefined when unknown. */
  memory?: number;
  /** Seconds; undefined when unlimited or unknown. */
  maxWalltime?: number;
  /** Whether a job is given (and charged for) whole nodes. */
  wholeNode: boolean;
  chargeFactor: number;
  chargedPer: "cpu" | "gpu" | "node";
  isDefault: boolean;
  /** false: taken only when named with --partition (a debug queue of one job at a time, a queue needing its own allocation). */
  automatic?: boolean;
}

/** `2-00:00:00`, `0:30:00`: a duration as schedulers write it. */
export function durationText(seconds: number): string {
  const s = Math.round(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const hms = `${d > 0 ? String(h).padStart(2, "0") : h}:${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  return d > 0 ? `${d}-${hms}` : hms;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

/** Why a partition cannot run a job of these resources: nothing when it can. */
export function shortfalls(r: ResolvedDirectives, p: PartitionLimits): string[] {
  const out: string[] = [];
  const cpus = cpusOf(r);
  if (p.cpus !== undefined && cpus > p.cpus) out.push(`the job asks for ${plural(cpus, "CPU")}, over its ${p.cpus} per node`);
  if (r.ngpu > p.gpus) out.push(`the job asks for ${plural(r.ngpu, "GPU")}, ${p.gpus === 0 ? "and it has none" : `over its ${p.gpus} per node`}`);
  if (r.memory !== null && p.memory !== undefined && r.memory > p.memory) out.push(`the job asks for ${formatHours(r.memory)} GB of memory, over its ${formatHours(p.memory)} GB per node`);
  if (r.walltime !== null && p.maxWalltime !== undefined && r.walltime > p.maxWalltime) out.push(`the job asks for a walltime of ${durationText(r.walltime)}, over its limit of ${durationText(p.maxWalltime)}`);
  return out;
}

/** How far a partition is from a job: how much over each limit the job is, summed. */
function distance(r: ResolvedDirectives, p: PartitionLimits): number {
  const over = (want: number | null, have: number | undefined) => (want !== null && have !== undefined && want > have ? (want - have) / Math.max(have, 1) : 0);
  return over(cpusOf(r), p.cpus) + over(r.ngpu, p.gpus) + over(r.memory, p.memory) + over(r.walltime, p.maxWalltime);
}

/**
 * The partition for a job of these resources (see the module's doc); a UserError naming the nearest
 * partition and why when none can run it. `where` names the partitions' source, `job` the job, for messages.
 */
export function choosePartition(r: ResolvedDirectives, all: readonly PartitionLimits[], where: string, job: string): PartitionLimits {
  const partitions = all.filter((p) => p.automatic !== false);
  if (partitions.length === 0) throw new UserError(`no partition of ${where} is chosen automatically`, "name one with --partition, or set automatic = true on one in the profile");
  const fits = partitions.filter((p) => shortfalls(r, p).length === 0);
  if (fits.length === 0) {
    const nearest = [...partitions].sort((a, b) => shortfalls(r, a).length - shortfalls(r, b).length || distance(r, a) - distance(r, b))[0];
    throw new UserError(
      `no partition of ${where} can run ${job}: the nearest, ${nearest.name}, cannot (${shortfalls(r, nearest).join("; ")})`,
      "lower the directive, bundle fewer operations, or name a partition with --partition",
    );
  }
  // Without a walltime, partitions are compared by what an hour costs.
  const charge = (p: PartitionLimits) => chargeOf(r, p, r.walltime === null ? 1 : r.walltime / 3600) ?? 0;
  const limit = (p: PartitionLimits) => p.maxWalltime ?? Infinity;
  const gpuNodes = (p: PartitionLimits) => (r.ngpu === 0 && p.gpus > 0 ? 1 : 0);
  return fits.sort(
    (a, b) =>
      gpuNodes(a) - gpuNodes(b) ||
      charge(a) - charge(b) ||
      Number(b.isDefault) - Number(a.isDefault) ||
      a.gpus - b.gpus ||
      limit(a) - limit(b) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  )[0];
}

/** What the scheduler says of its partitions, as limits: each charging 1 per CPU-hour, none whole-node. */
export function limitsOfScheduler(partitions: readonly PartitionInfo[]): PartitionLimits[] {
  return partitions.map((p) => ({
    name: p.name,
    ...(p.cpus !== undefined ? { cpus: p.cpus } : {}),
    gpus: p.gpus,
    ...(p.memory !== undefined ? { memory: p.memory } : {}),
    ...(p.maxWalltime !== undefined ? { maxWalltime: p.maxWalltime } : {}),
    wholeNode: false,
    chargeFactor: 1,
    chargedPer: "cpu",
    isDefault: p.isDefault,
  }));
}
