/** The cluster job a process runs in (SPEC §6: a journal's writer line names it). */

/** A cluster job: its scheduler and the job id the scheduler lists it by. */
export interface ClusterJobRef {
  scheduler: string;
  job_id: string;
}

/** The value as read from a journal: undefined unless it names a scheduler and a job id. */
export function parseClusterJob(v: unknown): ClusterJobRef | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  return typeof o.scheduler === "string" && typeof o.job_id === "string" ? { scheduler: o.scheduler, job_id: o.job_id } : undefined;
}

/**
 * The cluster job this process runs in, from the scheduler's environment: SLURM (array tasks as
 * `JOB_TASK`, as squeue lists them), PBS, LSF. Undefined outside a cluster job.
 */
export function clusterJobFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterJobRef | undefined {
  if (env.SLURM_JOB_ID) {
    const array = env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID ? `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}` : undefined;
    return { scheduler: "slurm", job_id: array ?? env.SLURM_JOB_ID };
  }
  if (env.PBS_JOBID) return { scheduler: "pbs", job_id: env.PBS_JOBID };
  if (env.LSB_JOBID) return { scheduler: "lsf", job_id: env.LSB_JOBINDEX && env.LSB_JOBINDEX !== "0" ? `${env.LSB_JOBID}[${env.LSB_JOBINDEX}]` : env.LSB_JOBID };
  return undefined;
}
