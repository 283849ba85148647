/**
 * What this machine offers to `cohort run --parallel` (SPEC §5), and why an operation can never fit.
 *
 * - Slots: the `--parallel` count (default: `os.availableParallelism()`).
 * - GPUs: `COHORT_GPUS` (`0,1,3`; empty: none) when set, which overrides detection; otherwise the
 *   indices `nvidia-smi --query-gpu=index --format=csv,noheader` prints. No `nvidia-smi`, or one that
 *   fails, means no GPUs. A GPU named twice or an index that is not a non-negative integer is a UserError.
 * - Memory: `COHORT_MEMORY_GB` (a number of GB above zero) when set, otherwise `os.totalmem()`.
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import { UserError } from "../util/errors.js";
import { ResourcePool, type ResourceRequest, type Shortfall } from "./resources.js";

export interface MachineResources {
  slots: number;
  gpus: number[];
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

/** The resources of this machine for `slots` CPU slots, from the environment or detection. */
export function machineResources(slots: number, env: NodeJS.ProcessEnv = process.env): MachineResources {
  let gpus: number[];
  let gpuSource: string;
  if (env.COHORT_GPUS !== undefined) {
    gpus = parseGpuList(env.COHORT_GPUS);
    gpuSource = `COHORT_GPUS=${env.COHORT_GPUS}`;
  } else {
    ({ gpus, source: gpuSource } = detectGpus());
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
  return new ResourcePool({ slots: machine.slots, gpus: machine.gpus, memoryGb: machine.memoryGb });
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
