/**
 * Worker processes for TypeScript function operations (SPEC §5): `cohort run --parallel` and the
 * `fork` directive run functions here instead of inside cohort. Both modes load the project's workflow
 * (cohort.toml and the project module) and call an operation's function with the jobs of an
 * aggregate, whose state points they read from the workspace.
 *
 * **One run** (the `fork` directive): `node worker.js PROJECT_ROOT RUN_ID`. cohort starts it like a
 * shell command (execute.ts): in a process group of its own, stdout and stderr merged into the run's
 * output, stopped with its group on a timeout or Ctrl-C. `$COHORT_WORKER_RUN` names what to call:
 * `{"operation", "jobs": [ids], "flags"?: JSON text}`. It calls the function, writes a small JSON result to
 * `$COHORT_WORKER_RESULT` — `{"command": "..."}` for a `cmd` operation, `{}` otherwise, or
 * `{"error": MESSAGE}`, with `"moved": {OLD_ID: NEW_ID}` added when the function moved a job to another
 * state point (`job.sp = ...`) — and exits: 0 when the function returned, 1 when it threw (the stack goes to
 * the output) or could not be called. It exits when the function has returned, even if the function
 * left timers or servers open.
 *
 * **Serving** (`--parallel`): `node worker.js --serve PROJECT_ROOT`, with an IPC channel (worker-pool.ts).
 * It loads the workflow once, sends `{"type": "ready", "writer"}` (its journal's writer id; or
 * `{"type": "fatal", "error"}` and exits 1), then executes batches one at a time:
 * `{"type": "batch", "items": [{"group", "operation", "jobs": [ids], "statepoints": [JSON texts], "flags"?: JSON text}], "joins", "gpus"?,
 * "timeoutMs"?, "echo", "keepGoing"}`. It executes each item as a serial `cohort run` would (execute.ts:
 * the function in-process, hooks, metrics) and records the run in its own journal; it tells
 * `{"type": "started", "index", "id", "name"}`, the run's output as `{"type": "output", "id", "name",
 * "bytes"}` (base64; only with `echo`), and `{"type": "finished", "index", "id", "name", "exitCode",
 * "reason"?, "timedOut"?, "moved"?}` for each, then `{"type": "batch-done"}`. After a failure (unless `keepGoing`),
 * or once told `{"type": "stop"}`, it starts nothing more of the batch. A run that timed out leaves its
 * function behind in the process: the worker ends itself once it has told so (`"ending": true`).
 * What reaches the worker's own stdout and stderr outside a run's capture (processes a function
 * started with inherited output) goes to cohort, which shows it.
 */
import path from "node:path";
import { Job } from "../dataspace/job.js";
import { readStatepoint } from "../dataspace/job-index.js";
import { parseJson } from "../dataspace/json.js";
import { Project } from "../dataspace/project.js";
import type { JsonObject } from "../dataspace/value.js";
import { errorText } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { aggregateId } from "../workflow/aggregate.js";
import { JournalWriter } from "../runs/journal.js";
import { commandOf, execute, flagItem, raisedText } from "./execute.js";
import { FileMetrics } from "./run-metrics.js";
import type { RunContext } from "../workflow/model.js";
import { runName } from "../runs/run-id.js";
import { loadWorkflow } from "../workflow/load.js";
import type { Workflow } from "../workflow/workflow.js";

/** One item of a batch: names the worker resolves in its own workflow and workspace. */
export interface BatchItem {
  group: string;
  operation: string;
  jobs: string[];
  /** The jobs' state points as cohort verified them before the pass (JSON texts): not read again. */
  statepoints: string[];
  /** A flag run's flags, as JSON text. */
  flags?: string;
}

export type WorkerRequest =
  | {
      type: "batch";
      items: BatchItem[];
      /** The run groups each run joins. */
      joins: string[];
      /** The GPUs the batch holds. */
      gpus?: string[];
      timeoutMs?: number;
      /** Send each run's output to cohort as it comes. */
      echo: boolean;
      keepGoing: boolean;
    }
  | { type: "stop" };

export type WorkerMessage =
  | { type: "ready"; writer: string }
  | { type: "fatal"; error: string }
  | { type: "started"; index: number; id: string; name: string }
  /** Output bytes, in base64: JSON over the channel carries text only, and output need not be text. */
  | { type: "output"; id: string; name: string; bytes: string }
  | { type: "finished"; index: number; id: string; name: string; exitCode: number; reason?: string; timedOut?: boolean; moved?: Moves }
  /** `ending`: the worker ends now (a function that timed out may still run in it). */
  | { type: "batch-done"; ending?: boolean }
  /** Messages sent together. */
  | { type: "many"; messages: WorkerMessage[] };

/** Jobs an operation moved to another state point (`job.sp = ...`): new id by old id. */
export type Moves = Record<string, string>;

/** The moves among the jobs of a run, or undefined when none moved. */
function movesOf(jobIds: string[], jobs: Job[]): Moves | undefined {
  let moved: Moves | undefined;
  jobs.forEach((job, i) => {
    if (job.id !== jobIds[i]) (moved ??= {})[jobIds[i]] = job.id;
  });
  return moved;
}

/** Ends the process once what it wrote has gone out. */
function exit(code: number): void {
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

function jobOf(project: Project, id: string): Job {
  const dir = path.join(project.workspace, id);
  const sp = readStatepoint(dir, id);
  if (typeof sp === "string") throw new Error(`job directory ${id} is invalid: ${sp}`);
  return new Job(id, sp, dir);
}

/** Writes what a run logged to its metrics file, and tells in its output what was skipped. */
function tellMetrics(metrics: FileMetrics): void {
  metrics.flush();
  const skipped = metrics.problems.summary();
  if (skipped) process.stderr.write(skipped + "\n");
}

/**
 * Calls an operation's function with the jobs of the run, or a flag operation's with the run's flag
 * set (its record's config.json): the command it returned for a `cmd` operation.
 */
async function call(
  project: Project,
  workflow: Workflow,
  operation: string,
  jobIds: string[],
  flags: string | undefined,
  describe: (what: string) => void,
  self: RunContext,
  jobs: Job[] = [],
): Promise<string | undefined> {
  const op = workflow.operation(operation);
  for (const id of jobIds) jobs.push(jobOf(project, id)); // an aggregate of all jobs may be too many to spread
  describe(`${op.name} on ${jobs.length > 0 ? aggregateId(jobs) : "its flags"}`);
  if (op.body.kind !== "function") throw new Error(`operation ${op.name} is not a function`);
  const fn = op.body.fn as (...args: unknown[]) => unknown;
  const args: unknown[] = op.flags ? [parseJson(flags ?? "{}")] : jobs;
  const returned = await fn.apply(self, args);
  if (!op.body.cmd) return undefined;
  return commandOf(op, returned);
}

async function oneRun(root: string, runId: string): Promise<void> {
  const resultFile = process.env.COHORT_WORKER_RESULT;
  let jobIds: string[] = [];
  const jobs: Job[] = [];
  const report = (result: { command?: string; error?: string }) => {
    const moved = movesOf(jobIds, jobs);
    if (resultFile) writeFileAtomic(resultFile, JSON.stringify(moved ? { ...result, moved } : result));
  };
  let what = `run ${runId}`;
  try {
    const project = new Project(path.resolve(root));
    const request = JSON.parse(process.env.COHORT_WORKER_RUN ?? "null") as { operation?: unknown; jobs?: unknown; flags?: unknown } | null;
    if (typeof request?.operation !== "string" || !Array.isArray(request.jobs)) throw new Error(`COHORT_WORKER_RUN does not name the operation of run ${runId}`);
    const workflow = await loadWorkflow(project);
    jobIds = request.jobs as string[];
    const metrics = new FileMetrics(process.env.COHORT_METRICS);
    const self = metrics.context({ id: runId, name: runName(runId) });
    let command: string | undefined;
    try {
      command = await call(project, workflow, request.operation, jobIds, typeof request.flags === "string" ? request.flags : undefined, (w) => (what = w), self, jobs);
    } finally {
      tellMetrics(metrics);
    }
    report(command === undefined ? {} : { command });
    exit(0);
  } catch (err) {
    process.stderr.write(raisedText(what, err));
    report({ error: errorText(err) });
    exit(1);
  }
}

/** The item a batch entry names, with its jobs as the workspace holds them. */
function itemOf(project: Project, workflow: Workflow, entry: BatchItem) {
  const group = workflow.groups.get(entry.group);
  if (!group) throw new Error(`no group ${entry.group}`);
  const operation = workflow.operation(entry.operation);
  if (entry.flags !== undefined) return flagItem(group, operation, parseJson(entry.flags) as JsonObject);
  // (the runner read each state point from its job's directory before it sent the batch)
  const jobs = entry.jobs.map((id, i) => new Job(id, parseJson(entry.statepoints[i]) as JsonObject, path.join(project.workspace, id)).verifiedElsewhere());
  return { group, operation, aggregate: { id: aggregateId(jobs), jobs } };
}

/** How long a message may wait to go with others: crossing the channel costs more than a short run. */
const GATHER_MS = 20;

async function serve(root: string): Promise<void> {
  const send = (message: WorkerMessage) => process.send!(message);
  let pending: WorkerMessage[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const messages = pending;
    pending = [];
    send(messages.length === 1 ? messages[0] : { type: "many", messages });
  };
  const tell = (message: WorkerMessage, now = false) => {
    pending.push(message);
    if (now || pending.length >= 256) flush();
    else timer ??= setTimeout(flush, GATHER_MS);
  };
  const project = new Project(path.resolve(root));
  let workflow: Workflow;
  try {
    workflow = await loadWorkflow(project);
  } catch (err) {
    send({ type: "fatal", error: `cannot load the workflow: ${errorText(err)}` });
    exit(1);
    return;
  }
  let stopping = false;
  let queue = Promise.resolve();
  const runBatch = async (batch: Extract<WorkerRequest, { type: "batch" }>) => {
    stopping = false;
    let slow = true;
    for (let index = 0; index < batch.items.length && !stopping; index++) {
      const entry = batch.items[index];
      // (a turn of the event loop between runs: a "stop" from cohort is read in time)
      if (index > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      if (stopping) break;
      let item;
      try {
        item = itemOf(project, workflow, entry);
      } catch (err) {
        tell({ type: "fatal", error: errorText(err) }, true);
        exit(1);
        return;
      }
      const jobIds = item.aggregate.jobs.map((j) => j.id);
      const t0 = Date.now();
      const result = await execute(
        project,
        workflow,
        item,
        {
          timeoutMs: batch.timeoutMs,
          echo: batch.echo ? (bytes, run) => tell({ type: "output", id: run.id, name: run.name, bytes: bytes.toString("base64") }) : undefined,
          joins: () => batch.joins,
        },
        // The start of a run that follows a quick one waits to go with others; that of the first, or
        // of one after a slow run, goes at once (a function that blocks would hold it back until it ends).
        { gpus: batch.gpus, onRun: (run) => tell({ type: "started", index, id: run.id, name: run.name }, slow) },
      );
      slow = Date.now() - t0 >= GATHER_MS;
      const moved = movesOf(jobIds, item.aggregate.jobs);
      tell({ type: "finished", index, id: result.runId, name: result.runName, exitCode: result.exitCode, reason: result.reason, timedOut: result.timedOut, ...(moved ? { moved } : {}) });
      // A function that timed out may still be running here: this process ends with it.
      if (result.timedOut) {
        tell({ type: "batch-done", ending: true }, true);
        exit(0);
        return;
      }
      if (result.exitCode !== 0 && !batch.keepGoing) break;
    }
    tell({ type: "batch-done" }, true);
  };
  process.on("message", (message: WorkerRequest) => {
    if (message?.type === "stop") stopping = true;
    else if (message?.type === "batch") {
      queue = queue
        .then(() => runBatch(message))
        .catch((err: unknown) => {
          // (cohort ends the run going on, if any, with the exit code)
          tell({ type: "fatal", error: errorText(err) }, true);
          exit(1);
        });
    }
  });
  // cohort going away (its channel closing) ends the worker.
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready", writer: JournalWriter.of(project.root).id });
}

const args = process.argv.slice(2);
if (args[0] === "--serve" && args[1] && process.send) {
  await serve(args[1]);
} else if (args.length === 2 && !args[0].startsWith("-")) {
  await oneRun(args[0], args[1]);
} else {
  process.stderr.write("usage: worker.js PROJECT_ROOT RUN_ID | worker.js --serve PROJECT_ROOT (with an IPC channel)\n");
  exit(2);
}
