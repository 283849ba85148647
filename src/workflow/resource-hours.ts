/**
 * CPU-hours and GPU-hours from resolved directives: what `cohort status` counts of the remaining work
 * and `cohort submit --pretend` of what it would submit (schedulers/cost.ts adds what partitions
 * charge). Work without a walltime has no hours to count, and is counted apart (`withoutWalltime`).
 */
import type { ResolvedDirectives } from "./directives.js";

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

/** A node given whole to a job: its CPUs and GPUs are what the job takes. */
export interface WholeNode {
  wholeNode: boolean;
  cpus?: number;
  gpus: number;
}

/** Adds `count` jobs of these resources to `cost`; on a whole node, the node's CPUs and GPUs are what is taken. */
export function addCost(cost: Cost, r: ResolvedDirectives, count: number, node?: WholeNode): void {
  if (count === 0) return;
  if (r.walltime === null) {
    cost.withoutWalltime += count;
    return;
  }
  const hours = (r.walltime / 3600) * count;
  const whole = node?.wholeNode === true;
  cost.cpuHours += (whole && node.cpus !== undefined ? node.cpus : cpusOf(r)) * hours;
  cost.gpuHours += (whole ? node.gpus : r.ngpu) * hours;
}

/** `12.5`, `0.25`, `1,234`: hours and charges for people, to two decimals at most. */
export function formatHours(x: number): string {
  return x.toLocaleString("en-US", { maximumFractionDigits: 2 });
}
