/**
 * What cluster jobs cost: CPU-hours and GPU-hours from their resources, and a partition's charge.
 * Plain arithmetic on resolved directives (memory in GB, walltime in seconds); a job without a
 * walltime has no hours to count, and is counted apart (`withoutWalltime`).
 */
import type { ResolvedDirectives } from "../workflow/directives.js";
import type { PartitionLimits } from "./partition-choice.js";

/** CPUs a job asks for: ranks × threads for MPI operations, else np (as the templates request them). */
export function cpusOf(r: ResolvedDirectives): number {
  return r.nranks ? r.nranks * (r.omp_num_threads || 1) : r.np;
}

export interface Cost {
  cpuHours: number;
  gpuHours: number;
  /** Jobs (or aggregates) counted in no hours: they have no walltime directive. */
  withoutWalltime: number;
}

export function noCost(): Cost {
  return { cpuHours: 0, gpuHours: 0, withoutWalltime: 0 };
}

/** Adds `count` jobs of these resources to `cost`; on a whole-node partition, the node's CPUs and GPUs are what is taken. */
export function addCost(cost: Cost, r: ResolvedDirectives, count: number, partition?: PartitionLimits): void {
  if (count === 0) return;
  if (r.walltime === null) {
    cost.withoutWalltime += count;
    return;
  }
  const hours = (r.walltime / 3600) * count;
  const whole = partition?.wholeNode === true;
  cost.cpuHours += (whole && partition.cpus !== undefined ? partition.cpus : cpusOf(r)) * hours;
  cost.gpuHours += (whole ? partition.gpus : r.ngpu) * hours;
}

/**
 * What a partition charges for a job, in its own units: the charge factor times CPU-hours, GPU-hours
 * or node-hours (as it is `charged_per`); the whole node's CPUs or GPUs on a whole-node partition.
 * `hours` defaults to the job's walltime; undefined without one.
 */
export function chargeOf(r: ResolvedDirectives, p: PartitionLimits, hours = r.walltime === null ? undefined : r.walltime / 3600): number | undefined {
  if (hours === undefined) return undefined;
  const units = p.chargedPer === "node" ? 1 : p.chargedPer === "gpu" ? (p.wholeNode ? p.gpus : r.ngpu) : p.wholeNode && p.cpus !== undefined ? p.cpus : cpusOf(r);
  return p.chargeFactor * units * hours;
}

/** `12.5`, `0.25`, `1,234`: hours and charges for people, to two decimals at most. */
export function formatHours(x: number): string {
  return x.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/** What a submission costs: its jobs' hours, and what the partitions charge where their factors are known. */
export interface SubmissionCost extends Cost {
  /** In the charge units of the cluster's profile; undefined when no job's partition comes from a profile. */
  charge?: number;
}

/** The cost of planned jobs (an array counts each task), charged as each job's partition charges. */
export function submissionCost(jobs: readonly { resources: ResolvedDirectives; partition?: PartitionLimits; tasks?: readonly unknown[] }[], charged: boolean): SubmissionCost {
  const cost: SubmissionCost = noCost();
  for (const job of jobs) {
    const count = job.tasks?.length ?? 1;
    addCost(cost, job.resources, count, job.partition);
    const charge = charged && job.partition ? chargeOf(job.resources, job.partition) : undefined;
    if (charge !== undefined) cost.charge = (cost.charge ?? 0) + charge * count;
  }
  return cost;
}
