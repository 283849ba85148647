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
 * It loads the workflow once, sends `{"type": "ready"}` (or `{"type": "fatal", "error"}` and exits 1),
 * then runs one request at a time: `{"type": "run", "runId", "operation", "jobs": [ids], "flags"?, "env"}`. While
 * a request runs, `env` is added to `process.env` (and taken away after), and what the process writes
 * to stdout and stderr is sent as `{"type": "output", "bytes"}` (base64); it ends with
 * `{"type": "done", "ok": true, "command"?}` or `{"type": "done", "ok": false, "error"}`, with
 * `"moved"` as above. Output
 * written outside a request (the module printing while it loads) is not sent.
 */
import path from "node:path";
import { Job } from "../dataspace/job.js";
import { readStatepoint } from "../dataspace/job-index.js";
import { parseJson } from "../dataspace/json.js";
import { Project } from "../dataspace/project.js";
import { errorText } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { aggregateId } from "../workflow/aggregate.js";
import { divertStdio } from "./capture.js";
import { FileMetrics, type RunContext } from "./run-metrics.js";
import { runName } from "../runs/run-id.js";
import { loadWorkflow } from "../workflow/load.js";
import type { Workflow } from "../workflow/workflow.js";

export interface RunRequest {
  type: "run";
  runId: string;
  operation: string;
  jobs: string[];
  /** A flag run's flags, as JSON text. */
  flags?: string;
  env: Record<string, string>;
}

export type WorkerMessage =
  | { type: "ready" }
  | { type: "fatal"; error: string }
  /** Output bytes, in base64: JSON over the channel carries text only, and output need not be text. */
  | { type: "output"; bytes: string }
  | { type: "done"; ok: true; command?: string; moved?: Moves }
  | { type: "done"; ok: false; error: string; moved?: Moves };

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

function raisedText(what: string, err: unknown): string {
  return `${what} raised: ${err instanceof Error && err.stack ? err.stack : errorText(err)}\n`;
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
  if (typeof returned !== "string") throw new Error(`operation ${op.name} has cmd set but returned ${typeof returned}, not a command`);
  return returned;
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

async function serve(root: string): Promise<void> {
  const send = (message: WorkerMessage) => process.send!(message);
  const project = new Project(path.resolve(root));
  let workflow: Workflow;
  try {
    workflow = await loadWorkflow(project);
  } catch (err) {
    send({ type: "fatal", error: `cannot load the workflow: ${errorText(err)}` });
    exit(1);
    return;
  }
  // Output of a request goes to cohort over the channel, in order with its end.
  let active = false;
  const toCohort = (bytes: Buffer) => send({ type: "output", bytes: bytes.toString("base64") });
  divertStdio(() => (active ? toCohort : undefined));
  let queue = Promise.resolve();
  process.on("message", (message: RunRequest) => {
    if (message?.type !== "run") return;
    queue = queue.then(async () => {
      const saved = new Map(Object.keys(message.env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, message.env);
      active = true;
      let what = `run ${message.runId}`;
      let reply: WorkerMessage;
      const jobs: Job[] = [];
      const metrics = new FileMetrics(message.env.COHORT_METRICS);
      try {
        const self = metrics.context({ id: message.runId, name: runName(message.runId) });
        const command = await call(project, workflow, message.operation, message.jobs, message.flags, (w) => (what = w), self, jobs);
        reply = command === undefined ? { type: "done", ok: true } : { type: "done", ok: true, command };
      } catch (err) {
        process.stderr.write(raisedText(what, err));
        reply = { type: "done", ok: false, error: errorText(err) };
      } finally {
        tellMetrics(metrics);
        active = false;
        for (const [k, v] of saved) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
      const moved = movesOf(message.jobs, jobs);
      send(moved ? { ...reply, moved } : reply);
    });
  });
  // cohort going away (its channel closing) ends the worker.
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready" });
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
