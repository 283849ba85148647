/**
 * What cluster jobs cost: their CPU-hours and GPU-hours (workflow/resource-hours.ts), and what a
 * partition charges for them. Plain arithmetic on resolved directives.
 */
import type { ResolvedDirectives } from "../workflow/directives.js";
import { addCost, cpusOf, noCost, type Cost } from "../workflow/resource-hours.js";
import type { PartitionLimits } from "./partition-choice.js";

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
