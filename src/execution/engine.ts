/**
 * `run` in passes (SPEC §4): each pass finds every eligible (group, operation, aggregate) of the
 * selected groups before any of it runs, then executes them; passes repeat until nothing is eligible.
 */
import type { Project } from "../dataspace/project.js";
import { UserError } from "../util/errors.js";
import type { ResolvedDirectives } from "../workflow/directives.js";
import type { GroupDefinition } from "../workflow/model.js";
import type { Workflow } from "../workflow/workflow.js";
import { dumpJson } from "../dataspace/json.js";
import {
  describeItem,
  execute,
  followMoves,
  recordFailure,
  type ExecuteOptions,
  type ExecutionItem,
  type ExecutionResult,
  type RunInfo,
} from "./execute.js";
import { explainShortfall, gpuNames, poolOf, type MachineResources } from "./machine.js";
import { eligibleItems, itemDirectives } from "./items.js";
import { pairKey, Planner, type Order, type Selection } from "../workflow/planner.js";
import type { Grant, ResourcePool } from "./resources.js";
import { WorkerPool } from "./worker-pool.js";
import { Starters } from "./starter.js";
import { CLAIM_LOOKAHEAD, type ClaimGate } from "./claim-gate.js";
import type { ProjectPlace } from "../dataspace/root.js";

/** What cohort tells its caller while items run (progress, messages). */
export interface ExecutionEvents {
  /** Claims (operation, aggregate) pairs before they run, so that runners sharing a project never run one twice. */
  gate?: ClaimGate;
  /**
   * Where the project was when the command began: once it has moved away, nothing more starts (the
   * runs going on end, recorded through the journal's open file) and the summary says `moved`.
   */
  place?: ProjectPlace;
  /** A pass (or a batch) is about to run these items. */
  onPass?: (items: ExecutionItem[]) => void;
  /** An item's run exists and is about to start. */
  onStart?: (item: ExecutionItem, run: RunInfo) => void;
  onFinish?: (result: ExecutionResult) => void;
}

/** Running items concurrently within a machine's resources (`run --parallel`). */
export interface ConcurrentOptions extends ExecuteOptions, ExecutionEvents {
  machine: MachineResources;
  /** Start nothing new after a failure unless set. */
  keepGoing?: boolean;
  /** Start at most this many items. */
  limit?: number;
  /** Workers for function operations; default: a pool of its own, closed at the end. */
  workers?: WorkerPool;
  /** Starters of shell commands by slot; default: starters of its own, closed at the end. */
  starters?: Starters;
}

export interface RunOptions extends ExecuteOptions, ExecutionEvents {
  groups: GroupDefinition[];
  selection?: Selection;
  /** Executions of one (operation, aggregate) per invocation; an operation without post-conditions runs once. */
  numPasses?: number;
  /** Cap on the total number of executions. */
  limit?: number;
  order?: Order;
  /** Start nothing new after a failure unless set. */
  keepGoing?: boolean;
  /**
   * Run the items of a pass concurrently within these resources; undefined: one after another, with
   * directives not checked against the machine.
   */
  machine?: MachineResources;
}

export interface RunSummary {
  results: ExecutionResult[];
  passes: number;
  /** Why the run stopped early, if it did. */
  stopped?: "failure" | "limit" | "interrupted" | "refused" | "moved";
  /** With `stopped: "refused"`: why an item of a pass can never fit the machine (nothing of that pass ran). */
  refusal?: UserError;
}

export async function runPasses(project: Project, workflow: Workflow, opts: RunOptions): Promise<RunSummary> {
  const starters = new Starters();
  const workers = opts.machine ? new WorkerPool(project.root) : undefined;
  // Function operations run in workers, which load the workflow while the first pass is planned.
  if (workers && opts.groups.some((g) => g.operations.some((name) => workflow.operation(name).body.kind === "function"))) workers.start(opts.machine!.slots);
  try {
    return await passesOf(project, workflow, opts, workers, starters);
  } finally {
    starters.close();
    await workers?.close();
  }
}

async function passesOf(project: Project, workflow: Workflow, opts: RunOptions, workers: WorkerPool | undefined, starters: Starters): Promise<RunSummary> {
  const planner = new Planner(project, workflow, opts.selection);
  // (-j naming nothing the groups run on is bad input; the group of the invocation is made at its first run)
  planner.checkSelected(opts.groups);
  const numPasses = opts.numPasses ?? 1;
  const counts = new Map<string, number>();
  const results: ExecutionResult[] = [];
  const maxFor = (item: ExecutionItem) => (item.operation.post.length === 0 ? 1 : numPasses);
  const exhausted = (item: ExecutionItem) => (counts.get(pairKey(item.operation.name, item.aggregate.id)) ?? 0) >= maxFor(item) || opts.gate?.isRefused(item) === true;
  const pool = opts.machine ? poolOf(opts.machine) : undefined;
  let passes = 0;
  for (;;) {
    if (opts.place?.moved()) return { results, passes, stopped: "moved" };
    const { items, raised } = await eligibleItems(planner, opts.groups, opts.order, exhausted);
    const invalid = verifyJobs(items);
    if (invalid) return { results, passes, stopped: "refused", refusal: invalid };
    // Before anything of the pass runs (before even the failures of conditions are recorded):
    // an item that can never fit the machine refuses the whole pass.
    let prepared: PreparedItem[] | undefined;
    if (opts.machine) {
      const remaining = opts.limit !== undefined ? Math.max(0, opts.limit - results.length - raised.length) : undefined;
      const fit = prepareItems(workflow, remaining !== undefined ? items.slice(0, remaining) : items, opts.machine, passes > 0);
      if (fit instanceof UserError) return { results, passes, stopped: "refused", refusal: fit };
      prepared = fit;
    }
    // A condition that raised is a failed run of its operation; it is not evaluated again.
    for (const { item, error } of raised) {
      counts.set(pairKey(item.operation.name, item.aggregate.id), Number.MAX_SAFE_INTEGER);
      const result = recordFailure(project, workflow, item, error.message, opts);
      results.push(result);
      opts.onFinish?.(result);
    }
    if (raised.length > 0 && !opts.keepGoing) return { results, passes, stopped: "failure" };
    if (items.length === 0) return { results, passes };
    passes++;
    // Each execution counts towards --num-passes; a success answers `after` for the rest of the invocation.
    const events: ExecutionEvents = {
      onStart: (item, run) => {
        const key = pairKey(item.operation.name, item.aggregate.id);
        counts.set(key, (counts.get(key) ?? 0) + 1);
        opts.onStart?.(item, run);
      },
      onFinish: (result) => {
        if (result.exitCode === 0) planner.completedHere.add(pairKey(result.item.operation.name, result.item.aggregate.id));
        opts.onFinish?.(result);
      },
    };
    if (pool && prepared) {
      if (opts.signal?.aborted) return { results, passes, stopped: "interrupted" };
      if (opts.limit !== undefined && results.length >= opts.limit) return { results, passes, stopped: "limit" };
      const batch = await runConcurrently(project, workflow, prepared, pool, {
        ...opts,
        machine: opts.machine!,
        workers,
        starters,
        limit: opts.limit !== undefined ? opts.limit - results.length : undefined,
        ...events,
      });
      for (const r of batch.results) results.push(r); // a spread of 200,000 would overflow the stack
      if (batch.stopped) return { results, passes, stopped: batch.stopped };
      if (opts.limit !== undefined && results.length >= opts.limit) return { results, passes, stopped: "limit" };
      continue;
    }
    const serial = await runItems(project, workflow, items, {
      ...opts,
      starters,
      machine: undefined,
      limit: opts.limit !== undefined ? opts.limit - results.length : undefined,
      ...events,
    });
    for (const r of serial.results) results.push(r);
    if (serial.stopped) return { results, passes, stopped: serial.stopped };
    if (opts.limit !== undefined && results.length >= opts.limit) return { results, passes, stopped: "limit" };
  }
}

/** Running a list of items (no passes, no conditions): serially, or concurrently within a machine. */
export interface ItemsOptions extends ExecuteOptions, ExecutionEvents {
  /** Run concurrently within these resources; undefined: one after another. */
  machine?: MachineResources;
  /** Start nothing new after a failure unless set. */
  keepGoing?: boolean;
  /** Start at most this many items. */
  limit?: number;
  /** Starters of shell commands by slot; default: starters of its own, closed at the end. */
  starters?: Starters;
}

/**
 * Runs items as they are, in order (`exec`, flag runs, `run --force`): one after another, or
 * concurrently within `opts.machine` after checking that each can fit (else nothing starts and the
 * summary says why, `stopped: "refused"`).
 */
export async function runItems(project: Project, workflow: Workflow, items: ExecutionItem[], opts: ItemsOptions): Promise<RunSummary> {
  const invalid = verifyJobs(items);
  if (invalid) return { results: [], passes: 0, stopped: "refused", refusal: invalid };
  if (opts.machine) {
    const prepared = prepareItems(workflow, opts.limit !== undefined ? items.slice(0, opts.limit) : items, opts.machine);
    if (prepared instanceof UserError) return { results: [], passes: 0, stopped: "refused", refusal: prepared };
    const batch = await runConcurrently(project, workflow, prepared, poolOf(opts.machine), { ...opts, machine: opts.machine });
    return { results: batch.results, passes: 1, stopped: batch.stopped };
  }
  const results: ExecutionResult[] = [];
  opts.onPass?.(items);
  const starters = opts.starters ?? new Starters();
  try {
    return await serially(project, workflow, items, opts, starters, results);
  } finally {
    if (!opts.starters) starters.close();
  }
}

async function serially(project: Project, workflow: Workflow, items: ExecutionItem[], opts: ItemsOptions, starters: Starters, results: ExecutionResult[]): Promise<RunSummary> {
  if (items.length > 0) await opts.gate?.ready();
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    if (opts.signal?.aborted) return { results, passes: 1, stopped: "interrupted" };
    if (opts.limit !== undefined && results.length >= opts.limit) return { results, passes: 1, stopped: "limit" };
    if (opts.place?.moved()) return { results, passes: 1, stopped: "moved" };
    if (opts.gate && !(await opts.gate.admit(item, () => items.slice(k + 1, k + 1 + CLAIM_LOOKAHEAD)))) continue;
    const result = await execute(project, workflow, item, opts, { starters, onRun: (run) => opts.onStart?.(item, run) });
    opts.gate?.ended(item);
    results.push(result);
    opts.onFinish?.(result);
    if (result.exitCode !== 0) {
      if (opts.signal?.aborted) return { results, passes: 1, stopped: "interrupted" };
      // A run that failed as the project moved away failed for that, likely (its files were gone).
      if (opts.place?.moved()) return { results, passes: 1, stopped: "moved" };
      if (!opts.keepGoing) return { results, passes: 1, stopped: "failure" };
    }
  }
  // A signal during the last run (a function in this thread, which cannot be stopped, finishes it).
  return { results, passes: 1, stopped: opts.signal?.aborted ? "interrupted" : undefined };
}

/**
 * Reads the state point of every job the items run from the job's directory (Job.verify: one small
 * file and one MD5 each, once per process), so that nothing runs with a state point a cache alone
 * gave: the error of the first invalid job directory, before anything of the items runs.
 */
function verifyJobs(items: readonly ExecutionItem[]): UserError | undefined {
  try {
    for (const item of items) for (const job of item.aggregate.jobs) job.verify();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  return undefined;
}

/** An item with its resolved directives. */
export interface PreparedItem {
  item: ExecutionItem;
  directives: ResolvedDirectives;
}

/**
 * Resolves the directives of items and checks each against the machine: the items, or a UserError
 * naming the first that can never fit (and how many more cannot).
 */
export function prepareItems(workflow: Workflow, items: ExecutionItem[], machine: MachineResources, laterPass = false): PreparedItem[] | UserError {
  const pool = poolOf(machine);
  const prepared: PreparedItem[] = [];
  const unfit: { item: ExecutionItem; why: string; hint: string }[] = [];
  for (const item of items) {
    const directives = itemDirectives(workflow, item);
    const shortfall = pool.shortfall(requestOf(directives));
    if (shortfall) unfit.push({ item, ...explainShortfall(shortfall, machine) });
    prepared.push({ item, directives });
  }
  if (unfit.length === 0) return prepared;
  const [first] = unfit;
  const more = unfit.length > 1 ? ` (and ${unfit.length - 1} more that cannot fit)` : "";
  const started = laterPass ? "nothing of its pass was started" : "nothing was started";
  return new UserError(`${describeItem(first.item)} can never run here: it ${first.why}${more}; ${started}`, first.hint);
}

function requestOf(d: ResolvedDirectives) {
  return { np: d.np, ngpu: d.ngpu, memoryGb: d.memory };
}

/**
 * Runs items concurrently (SPEC §5): each holds its `np` slots, `ngpu` GPUs and declared memory
 * while it runs. Items start in their order; one that does not fit yet is passed over by later ones
 * that do, and starts when enough is free. After a failure nothing new starts unless `keepGoing`;
 * on abort nothing new starts and the running ones are stopped (execute passes the signal on). Returns
 * when every started item has finished. Directives must have been checked (prepareItems): an item
 * that could never fit would wait forever.
 */
export async function runConcurrently(
  project: Project,
  workflow: Workflow,
  items: PreparedItem[],
  pool: ResourcePool,
  opts: ConcurrentOptions,
): Promise<{ results: ExecutionResult[]; stopped?: "failure" | "limit" | "interrupted" | "moved" }> {
  if (items.length > 0) await opts.gate?.ready();
  let queue = [...items];
  const results: ExecutionResult[] = [];
  const running = new Set<Promise<void>>();
  let started = 0;
  let stopped: "failure" | "limit" | "interrupted" | "moved" | undefined;
  let thrown: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  // A run ended while the scan waited for the claims lock: what it freed is offered again.
  let endedDuringScan = false;
  const onAbort = () => wake?.();
  opts.signal?.addEventListener("abort", onAbort);
  const mayStart = () => !stopped && !thrown && !opts.signal?.aborted && (opts.limit === undefined || started < opts.limit);
  const execOpts: ExecuteOptions = { timeoutMs: opts.timeoutMs, signal: opts.signal, echo: opts.echo, joins: opts.joins };
  // Each run at once writes its output to a slot of its own: the lowest free.
  const busySlots = new Set<number>();
  const takeSlot = () => {
    let slot = 0;
    while (busySlots.has(slot)) slot++;
    busySlots.add(slot);
    return slot;
  };
  opts.onPass?.(items.map((p) => p.item));
  const workers = opts.workers ?? new WorkerPool(project.root);
  const starters = opts.starters ?? new Starters();
  const pace = new BatchPace(opts.machine.slots);
  try {
    for (;;) {
      endedDuringScan = false;
      // Once per scan of the queue (a stat), not per item tried.
      if (!stopped && queue.length > 0 && opts.place?.moved()) stopped = "moved";
      // A full pool grants nothing: the queue is not scanned again until a run ends.
      for (let i = 0; i < queue.length && !pool.full && mayStart(); ) {
        const grant = pool.tryAcquire(requestOf(queue[i].directives));
        if (!grant) {
          i++;
          continue;
        }
        const [first] = queue.splice(i, 1);
        if (!(await admit(first.item, i))) {
          pool.release(grant);
          continue;
        }
        started++;
        if (inWorker(first)) {
          // Function operations go to a worker in batches of items that ask for the same resources.
          const batch = [first];
          const size = pace.size(queue.length);
          // (taken out of the queue together: one splice per item made dispatching quadratic)
          const taken = new Set<number>();
          for (let j = i; j < queue.length && batch.length < size && mayStart(); j++) {
            const next = queue[j];
            if (!inWorker(next) || !sameRequest(next.directives, first.directives)) continue;
            taken.add(j);
            if (!(await admit(next.item, j + 1))) continue;
            started++;
            batch.push(next);
          }
          if (taken.size > 0) queue = queue.filter((_, k) => !taken.has(k));
          track(inBatch(batch, grant), grant);
          continue;
        }
        const slot = takeSlot();
        const { item, directives } = first;
        const task = execute(project, workflow, item, execOpts, {
          directives,
          gpus: gpuNames(opts.machine, grant.gpus),
          starters,
          slot,
          onRun: (run) => opts.onStart?.(item, run),
        })
          .finally(() => busySlots.delete(slot))
          .then((result) => {
            opts.gate?.ended(item);
            finish(result);
          });
        track(task, grant);
      }
      if (endedDuringScan) continue;
      if (running.size === 0) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    if (!opts.starters) starters.close();
    if (!opts.workers) await workers.close();
  }
  if (thrown) throw thrown.error;
  if (!stopped && opts.signal?.aborted) stopped = "interrupted";
  if (!stopped && queue.length > 0 && opts.limit !== undefined && started >= opts.limit) stopped = "limit";
  if (!stopped && queue.length > 0) throw new Error(`internal error: ${queue.length} items could not be started`);
  return { results, stopped };

  async function admit(item: ExecutionItem, at: number): Promise<boolean> {
    return !opts.gate || (await opts.gate.admit(item, () => queue.slice(at, at + CLAIM_LOOKAHEAD).map((p) => p.item)));
  }

  function track(task: Promise<void>, grant: Grant): void {
    const done = task.then(undefined, (error: unknown) => void (thrown ??= { error })).finally(() => {
      running.delete(done);
      pool.release(grant);
      endedDuringScan = true;
      wake?.();
    });
    running.add(done);
  }

  function finish(result: ExecutionResult): void {
    results.push(result);
    opts.onFinish?.(result);
    if (result.exitCode !== 0 && !stopped) {
      if (opts.signal?.aborted) stopped = "interrupted";
      else if (opts.place?.moved()) stopped = "moved";
      else if (!opts.keepGoing) stopped = "failure";
      if (stopped) workers.stopStarting();
    }
  }

  /** Executes a batch of function items in a worker; what it did not start goes back to the queue. */
  async function inBatch(batch: PreparedItem[], grant: Grant): Promise<void> {
    const t0 = Date.now();
    const end = await workers.run({
      items: batch.map(({ item }) => ({
        group: item.group.name,
        operation: item.operation.name,
        jobs: item.aggregate.jobs.map((j) => j.id),
        statepoints: item.aggregate.jobs.map((j) => dumpJson(j.spData)),
        flags: item.flags ? dumpJson(item.flags) : undefined,
      })),
      joins: opts.joins?.() ?? [],
      gpus: grant.gpus.length > 0 ? gpuNames(opts.machine, grant.gpus) : undefined,
      timeoutMs: opts.timeoutMs,
      keepGoing: opts.keepGoing === true,
      signal: opts.signal,
      onOutput: opts.echo && ((bytes, run) => opts.echo!(bytes, run)),
      onStarted: (index, run, writer) => {
        opts.gate?.adopt(writer);
        opts.onStart?.(batch[index].item, run);
      },
      onFinished: (index, r) => {
        const { item } = batch[index];
        followMoves(item, r.moved);
        opts.gate?.ended(item);
        finish({ item, runId: r.runId, runName: r.runName, exitCode: r.exitCode, reason: r.reason, ...(r.timedOut ? { timedOut: true } : {}) });
      },
    });
    if (end.failed) {
      const { item } = batch[end.failed.index];
      opts.gate?.ended(item);
      finish(recordFailure(project, workflow, item, end.failed.reason, opts));
    }
    pace.ran(batch.length - end.unstarted.length, Date.now() - t0);
    // Not started (the worker stopped, or was told to): back to the front of the queue, in order.
    started -= end.unstarted.length;
    queue.unshift(...end.unstarted.map((k) => batch[k]));
  }
}

/** Whether an item's function runs in a pooled worker (a command runs from a starter; `fork` in a process of its own). */
function inWorker(p: PreparedItem): boolean {
  return p.item.operation.body.kind === "function" && !p.directives.fork;
}

function sameRequest(a: ResolvedDirectives, b: ResolvedDirectives): boolean {
  return a.np === b.np && a.ngpu === b.ngpu && a.memory === b.memory;
}

/**
 * How many function items a worker is given at once: about 50 ms of runs at the pace runs have
 * taken so far (one at first), so that the channel is crossed once per batch and not once per run;
 * and at most a share of what is left, so that the slots finish together.
 */
class BatchPace {
  private runs = 0;
  private ms = 0;

  constructor(private readonly slots: number) {}

  size(left: number): number {
    if (this.runs === 0) return 1;
    const byPace = Math.floor(50 / Math.max(this.ms / this.runs, 0.01));
    return Math.max(1, Math.min(MAX_BATCH, byPace, Math.ceil(left / (2 * this.slots))));
  }

  ran(runs: number, ms: number): void {
    this.runs += runs;
    this.ms += ms;
  }
}

const MAX_BATCH = 64;
