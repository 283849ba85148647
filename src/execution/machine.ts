/**
 * What this machine offers to `cohort run --parallel` (SPEC §5), and why an operation can never fit.
 *
 * - Slots: the `--parallel` count (default: `os.availableParallelism()`).
 * - GPUs: `COHORT_GPUS` (`0,1,3`; empty: none) when set, which overrides detection; otherwise the
 *   GPUs `CUDA_VISIBLE_DEVICES` names when set (what a cluster's scheduler gave the job: indices, or
 *   UUIDs on some sites), so that no run is given a GPU the process may not use; otherwise the
 *   indices `nvidia-smi --query-gpu=index --format=csv,noheader` prints. No `nvidia-smi`, or one that
 *   fails, means no GPUs. A GPU named twice or an index that is not a non-negative integer in
 *   `COHORT_GPUS` is a UserError. GPUs are kept by the name a run is given in `CUDA_VISIBLE_DEVICES`.
 * - Memory: `COHORT_MEMORY_GB` (a number of GB above zero) when set, otherwise `os.totalmem()`.
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import { UserError } from "../util/errors.js";
import { ResourcePool, type ResourceRequest, type Shortfall } from "./resources.js";

export interface MachineResources {
  slots: number;
  /** The GPUs as `CUDA_VISIBLE_DEVICES` names them (the pool hands out their positions in this list). */
  gpus: string[];
  /** Where the GPU list came from, for messages. */
  gpuSource: string;
  memoryGb: number;
  memorySource: string;
}

/** Parses `COHORT_GPUS`: comma-separated distinct non-negative integers; empty means no GPUs. */
export function parseGpuList(text: string, source = "COHORT_GPUS"): number[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  const gpus: number[] = [];
  for (const part of trimmed.split(",")) {
    const t = part.trim();
    const n = Number(t);
    if (!/^\d+$/.test(t) || !Number.isSafeInteger(n)) {
      throw new UserError(`${source}=${text} names ${JSON.stringify(t)}, which is not a GPU index`, `list GPU indices separated by commas, e.g. ${source}=0,1`);
    }
    if (gpus.includes(n)) throw new UserError(`${source}=${text} names GPU ${n} twice`, "name each GPU once");
    gpus.push(n);
  }
  return gpus;
}

/** The GPU indices nvidia-smi reports; none when it is missing or fails. */
export function detectGpus(): { gpus: number[]; source: string } {
  const r = spawnSync("nvidia-smi", ["--query-gpu=index", "--format=csv,noheader"], { encoding: "utf8", timeout: 15_000, stdio: ["ignore", "pipe", "pipe"] });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === "ENOENT";
    return { gpus: [], source: missing ? "no nvidia-smi found" : `nvidia-smi failed: ${r.error.message}` };
  }
  if (r.status !== 0) return { gpus: [], source: `nvidia-smi failed: ${(r.stderr || r.stdout).trim().split("\n")[0] || `exit code ${r.status}`}` };
  const gpus: number[] = [];
  for (const line of r.stdout.split("\n")) {
    const t = line.trim();
    if (/^\d+$/.test(t) && !gpus.includes(Number(t))) gpus.push(Number(t));
  }
  return { gpus, source: "detected by nvidia-smi" };
}

/** `--parallel [N]`: the number of CPU slots, or undefined when runs are serial. */
export function parseParallel(value: string | boolean | undefined): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return os.availableParallelism();
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new UserError(`--parallel ${value} is not a number of CPU slots of at least 1`, "give --parallel a whole number like 2, or nothing for every core; put it after the operation names");
  }
  return n;
}

/** The machine's resources for `--parallel`, or undefined when runs are serial. */
export function machineFor(parallel: string | boolean | undefined): MachineResources | undefined {
  const slots = parseParallel(parallel);
  return slots === undefined ? undefined : machineResources(slots);
}

/**
 * The GPUs `CUDA_VISIBLE_DEVICES` lets a process use, as CUDA reads it: the entries up to the first
 * that is neither an index nor a UUID (`-1` hides every GPU), each once.
 */
export function visibleGpus(text: string): string[] {
  const gpus: string[] = [];
  for (const part of text.split(",")) {
    const t = part.trim();
    if (!/^(\d+|(GPU|MIG)-[\w/-]+)$/.test(t)) break;
    if (!gpus.includes(t)) gpus.push(t);
  }
  return gpus;
}

/**
 * `COHORT_GPU_SHARE=FIRST:COUNT`, which a submission script gives each member of a `--parallel`
 * bundle that asks for GPUs: the member's are COUNT of the job's GPUs from the FIRST-th on (counted
 * from 0), made its `CUDA_VISIBLE_DEVICES`, so that members running at once do not all use the job's
 * first GPU. The job's GPUs are those `CUDA_VISIBLE_DEVICES` names (the scheduler sets it), else the
 * node's (nvidia-smi). The variable is taken out of the environment, so that no cohort this one starts
 * takes a share again.
 */
export function takeGpuShare(env: NodeJS.ProcessEnv = process.env): void {
  const share = env.COHORT_GPU_SHARE;
  if (share === undefined) return;
  delete env.COHORT_GPU_SHARE;
  const m = /^(\d+):(\d+)$/.exec(share.trim());
  if (!m) throw new UserError(`COHORT_GPU_SHARE=${share} is not FIRST:COUNT`, "submission scripts write it, e.g. COHORT_GPU_SHARE=2:1 for the job's third GPU");
  const [first, count] = [Number(m[1]), Number(m[2])];
  const visible = env.CUDA_VISIBLE_DEVICES;
  const all = visible !== undefined ? visibleGpus(visible) : detectGpus().gpus.map(String);
  if (first + count > all.length) {
    const source = visible !== undefined ? `CUDA_VISIBLE_DEVICES=${visible}` : "as nvidia-smi lists them";
    throw new UserError(
      `this member of the bundle is to use ${count === 1 ? `GPU ${first + 1}` : `GPUs ${first + 1} to ${first + count}`} of the job's (COHORT_GPU_SHARE=${share}), but the job has ${all.length} (${source})`,
      "the job was given fewer GPUs than its members ask for together: check the GPU lines of the submission script against the cluster's",
    );
  }
  env.CUDA_VISIBLE_DEVICES = all.slice(first, first + count).join(",");
}

/** The resources of this machine for `slots` CPU slots, from the environment or detection. */
export function machineResources(slots: number, env: NodeJS.ProcessEnv = process.env): MachineResources {
  let gpus: string[];
  let gpuSource: string;
  if (env.COHORT_GPUS !== undefined) {
    gpus = parseGpuList(env.COHORT_GPUS).map(String);
    gpuSource = `COHORT_GPUS=${env.COHORT_GPUS}`;
  } else if (env.CUDA_VISIBLE_DEVICES !== undefined) {
    gpus = visibleGpus(env.CUDA_VISIBLE_DEVICES);
    gpuSource = `CUDA_VISIBLE_DEVICES=${env.CUDA_VISIBLE_DEVICES}`;
  } else {
    const found = detectGpus();
    gpus = found.gpus.map(String);
    gpuSource = found.source;
  }
  let memoryGb: number;
  let memorySource: string;
  if (env.COHORT_MEMORY_GB !== undefined) {
    const t = env.COHORT_MEMORY_GB.trim();
    memoryGb = Number(t);
    if (t === "" || !Number.isFinite(memoryGb) || memoryGb <= 0) {
      throw new UserError(`COHORT_MEMORY_GB=${env.COHORT_MEMORY_GB} is not a number of gigabytes above zero`, "e.g. COHORT_MEMORY_GB=16");
    }
    memorySource = `COHORT_MEMORY_GB=${t}`;
  } else {
    memoryGb = os.totalmem() / 1024 ** 3;
    memorySource = "the machine's total";
  }
  return { slots, gpus, gpuSource, memoryGb, memorySource };
}

export function poolOf(machine: MachineResources): ResourcePool {
  return new ResourcePool({ slots: machine.slots, gpus: machine.gpus.map((_, k) => k), memoryGb: machine.memoryGb });
}

/** The names of the GPUs a grant of `poolOf(machine)` holds, as a run is given them. */
export function gpuNames(machine: MachineResources, positions: readonly number[]): string[] {
  return positions.map((k) => machine.gpus[k]);
}

function gb(n: number): string {
  return `${Number(n.toFixed(2))} GB`;
}

/** Why a request can never fit this machine, as a message and a hint; undefined when it can. */
export function explainShortfall(s: Shortfall, machine: MachineResources): { why: string; hint: string } {
  switch (s.resource) {
    case "slots":
      return {
        why: `needs np=${s.need} CPU slots, but --parallel allows ${s.have}`,
        hint: `raise --parallel to at least ${s.need}, or lower the operation's np`,
      };
    case "gpus":
      return {
        why: `needs ngpu=${s.need} GPU${s.need === 1 ? "" : "s"}, but ${s.have === 0 ? "there are none" : `there ${s.have === 1 ? "is" : "are"} only ${s.have}`} (${machine.gpuSource})`,
        hint: "set COHORT_GPUS to the GPU indices to use, e.g. COHORT_GPUS=0,1, or lower the operation's ngpu",
      };
    case "memory":
      return {
        why: `needs memory=${gb(s.need)}, but there ${s.have === 1 ? "is" : "are"} only ${gb(s.have)} (${machine.memorySource})`,
        hint: "lower the operation's memory directive, or set COHORT_MEMORY_GB",
      };
  }
}

export type { ResourceRequest };
