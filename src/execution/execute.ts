/**
 * Executes one operation on one aggregate as a run: the run is recorded in the journal before anything
 * starts, hooks run around the operation, and its end is recorded with the exit code.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { JOB_ID } from "../dataspace/id.js";
import type { Project } from "../dataspace/project.js";
import type { JsonObject } from "../dataspace/value.js";
import { errorText, UserError } from "../util/errors.js";
import { makeDirs, tempNameFor } from "../util/fs.js";
import { packageFile } from "../util/package-file.js";
import { formatScalar } from "../dataspace/multivalue.js";
import { dumpJson } from "../dataspace/json.js";
import { JournalWriter } from "../runs/journal.js";
import { metricsFileOf } from "../runs/metric-events.js";
import { RecordedRun, runConfig } from "../runs/recorder.js";
import { runWorkDir } from "../runs/trash.js";
import type { ResolvedDirectives } from "../workflow/directives.js";
import type { GroupDefinition, HookFn, HookName, Hooks, OperationDefinition } from "../workflow/model.js";
import type { Workflow } from "../workflow/workflow.js";
import { itemDirectives, type ExecutionItem } from "./items.js";
import { expandCommand, shellQuote } from "../workflow/placeholders.js";
import { setLongTimeout, type LongTimer } from "../util/timer.js";
import { divertStdio, type Sink } from "./capture.js";
import { runShell, stopCarriers, trackEntry, untrackEntry, type RunShellOptions } from "./process.js";
import type { Starter, Starters } from "./starter.js";
import { workerScript } from "./worker-pool.js";
import type { Moves } from "./worker.js";
import { markOf, MetricProblems, OutputMetrics, readMetricsFile, readSummaryFile, runContext } from "./run-metrics.js";

export type { ExecutionItem } from "./items.js";

/** A run of a flag operation with one flag set: no job, a fresh working directory. */
export function flagItem(group: GroupDefinition, operation: OperationDefinition, flags: JsonObject): ExecutionItem {
  return { group, operation, aggregate: { id: "", jobs: [] }, flags };
}

export interface ExecutionResult {
  item: ExecutionItem;
  runId: string;
  runName: string;
  /** 0 success, > 0 error, < 0 terminated (killed by signal -code). */
  exitCode: number;
  /** What went wrong, for the summary. */
  reason?: string;
  /** It was stopped by its time limit (`exitCode` -15). */
  timedOut?: boolean;
}

/** A run as the terminal shows it. */
export interface RunInfo {
  id: string;
  name: string;
}

export interface ExecuteOptions {
  /**
   * Stop the operation after this long: its run is `terminated`. Any length is honoured (beyond
   * setTimeout's 24.8 days too); 0, undefined or Infinity: no limit; negative or NaN: a RangeError.
   */
  timeoutMs?: number;
  /** Stop the operation when aborted (Ctrl-C): its run is `terminated`. */
  signal?: AbortSignal;
  /** Live output of the run (the terminal), its bytes as written; the record always gets it. */
  echo?: (chunk: Buffer, run: RunInfo) => void;
  /** The run groups a run joins, asked as each run is made. */
  joins?: () => string[];
}

/** What `execute` needs beyond the options: set by the engine when it runs items concurrently. */
export interface ExecuteContext {
  /** The item's directives, when already resolved (they are not evaluated again). */
  directives?: ResolvedDirectives;
  /** The GPUs the run holds: given to it as `CUDA_VISIBLE_DEVICES` (empty when it holds none). */
  gpus?: readonly string[];
  /** Told once the run's record exists, before anything of it runs. */
  onRun?: (run: RunInfo) => void;
  /** The execution slot whose output segment the run writes to (default 0). */
  slot?: number;
  /** Starters of shell commands, by slot (starter.ts); without them, cohort starts commands itself. */
  starters?: Starters;
}

/** The shell command an item runs, or undefined for a function operation (known only when it runs). */
export function itemCommand(project: Project, item: ExecutionItem): string | undefined {
  const body = item.operation.body;
  if (body.kind !== "command") return undefined;
  return expandCommand(body.command, { jobs: item.aggregate.jobs, projectRoot: project.root, flags: item.flags ?? item.operation.flags });
}

/**
 * Inside a cluster job (the script exports COHORT_MPI_LAUNCHER: `srun` or `mpirun`), a command
 * operation with `nranks` is started as that many MPI ranks: `LAUNCHER -n N /bin/sh -c COMMAND`. The
 * whole command is one argument, so compound commands stay whole on every rank.
 */
export function mpiLaunched(command: string | undefined, directives: ResolvedDirectives, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const launcher = env.COHORT_MPI_LAUNCHER;
  if (command === undefined || !launcher || !directives.nranks) return command;
  if (launcher !== "srun" && launcher !== "mpirun") throw new UserError(`COHORT_MPI_LAUNCHER=${launcher} is not srun or mpirun`, "the built-in templates set it; check templates/ in the project");
  return `${launcher} -n ${directives.nranks} /bin/sh -c ${shellQuote(command)}`;
}

/** A run that failed before its operation could start (a condition raised): recorded as an error. */
export function recordFailure(project: Project, workflow: Workflow, item: ExecutionItem, message: string, opts: Pick<ExecuteOptions, "joins"> = {}): ExecutionResult {
  const journal = JournalWriter.of(project.root);
  const record = createRecord(journal, workflow, item, undefined, undefined, opts.joins?.());
  record.start(journal.segment(0));
  record.output(message + "\n");
  record.end(1);
  return { item, runId: record.id, runName: record.name, exitCode: 1, reason: message };
}

function createRecord(
  journal: JournalWriter,
  workflow: Workflow,
  item: ExecutionItem,
  directives: ResolvedDirectives | undefined,
  command: string | undefined,
  groups: string[] | undefined,
): RecordedRun {
  const body = item.operation.body;
  return new RecordedRun(journal, {
    operation: item.operation.name,
    flowgroup: workflow.isSingleton(item.group) ? undefined : item.group.name,
    config: configOf(item),
    jobs: item.aggregate.jobs.map((j) => j.id),
    // (as --pretend shows them: `executable` is a function operation's interpreter; a command runs under /bin/sh)
    directives: directives && body.kind === "command" ? { ...directives, executable: undefined } : directives,
    command: command !== undefined && body.kind === "command" ? { template: body.command, run: command } : undefined,
    groups,
  });
}

export async function execute(
  project: Project,
  workflow: Workflow,
  item: ExecutionItem,
  opts: ExecuteOptions = {},
  context: ExecuteContext = {},
): Promise<ExecutionResult> {
  const { operation: op, aggregate } = item;
  if (opts.timeoutMs !== undefined && !(opts.timeoutMs >= 0)) throw new RangeError(`timeoutMs must be a number of milliseconds of at least 0, not ${opts.timeoutMs}`);
  const jobs = aggregate.jobs;
  const directives = context.directives ?? itemDirectives(workflow, item);
  const command = mpiLaunched(itemCommand(project, item), directives);
  const journal = JournalWriter.of(project.root);
  const record = createRecord(journal, workflow, item, directives, command, opts.joins?.());
  const run: RunInfo = { id: record.id, name: record.name };
  const result = (exitCode: number, reason?: string, timedOut = false): ExecutionResult => ({ item, runId: record.id, runName: record.name, exitCode, reason, ...(timedOut ? { timedOut } : {}) });
  // A flag run's directory exists before anything of it runs, hooks included.
  const runDir = item.flags ? runWorkDir(project.root, record.id) : undefined;
  if (runDir) makeDirs(runDir, project.root);
  context.onRun?.(run);
  // Read when needed: an operation that moves its job (`job.sp = ...`) moves its directory.
  const cwd = () => runDir ?? (jobs.length === 1 ? jobs[0].path : project.root);
  for (const job of jobs) job.init();
  const env: Record<string, string> = {
    COHORT_PROJECT: project.root,
    COHORT_OPERATION: op.name,
    COHORT_RUN_ID: record.id,
    COHORT_JOB_IDS: jobs.map((j) => j.id).join(" "),
  };
  if (runDir) env.COHORT_RUN_DIR = runDir;
  env.COHORT_METRICS = metricsFileOf(project.root, record.id);
  const problems = new MetricProblems();
  // A job's directory outlives its runs: its summary.json counts when this run wrote it.
  const summaryFile = runDir ? path.join(runDir, "summary.json") : jobs.length === 1 ? path.join(jobs[0].path, "summary.json") : undefined;
  const summary = summaryFile === undefined ? undefined : { file: summaryFile, before: runDir ? undefined : markOf(summaryFile) };
  if (context.gpus !== undefined) env.CUDA_VISIBLE_DEVICES = context.gpus.join(",");
  const echo = opts.echo ? (bytes: Buffer) => opts.echo!(bytes, run) : undefined;
  /** Output of the run's own (cohort's lines about it, what an in-process function prints). */
  const write = (chunk: string | Buffer) => {
    record.output(chunk);
    echo?.(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  };
  const hooks = (name: HookName) => [...(op.hooks[name] ?? []), ...(workflow.hooks[name] ?? [])];
  // (most operations have no hooks: then no promise is made for them, three times a run)
  const anyHook = hasHooks(op.hooks) || hasHooks(workflow.hooks);
  const runHooks = async (name: HookName, error?: Error): Promise<string | undefined> => {
    for (const hook of hooks(name)) {
      try {
        await runHook(hook, { operation: op.name, jobs, error, runId: record.id }, cwd(), env, record, write, echo, context.starters?.for(context.slot ?? 0));
      } catch (err) {
        return `hook ${name} of ${describeItem(item)} failed: ${errorText(err)}`;
      }
    }
    return undefined;
  };

  record.start(journal.segment(context.slot ?? 0));
  // Output patterns are read as the output grows, once a second: the run's metrics show while it
  // runs and stay when its runner is killed.
  const fromOutput = op.metrics ? new OutputMetrics(op.metrics, problems) : undefined;
  const readOutputPatterns = (ended: boolean) => fromOutput && record.log(fromOutput.take(record.outputFrom(fromOutput.read), ended));
  const outputTimer = fromOutput && setInterval(() => {
    try {
      readOutputPatterns(false);
    } catch {
      // (read again at the end, which tells what went wrong)
    }
  }, 1000).unref();
  let exitCode = 0;
  let returnedCommand: string | undefined;
  let reason = anyHook ? await runHooks("on_start") : undefined;
  if (reason) {
    write(reason + "\n");
    exitCode = 1;
  } else {
    // Every process of the run carries its id: on Ctrl-C or a timeout, those that left its process
    // group (`setsid`) are found by it and stopped too (Linux); so they are if cohort exits meanwhile.
    const carrier = `COHORT_RUN_ID=${record.id}`;
    trackEntry(carrier);
    const exiting = op.body.kind === "function" && !directives.fork ? endOnExit(record, describeItem(item)) : undefined;
    try {
      const starter = context.starters?.for(context.slot ?? 0);
      const body = await runBody(item, command, { cwd, env, record, write, echo, project, opts, fork: directives.fork, starter, problems });
      exitCode = body.exitCode;
      returnedCommand = body.command;
      if (exitCode > 0) reason = body.reason ?? `exit code ${exitCode}`;
      else if (exitCode < 0) reason = exitCode === TIMED_OUT ? "timed out" : `killed by signal ${-exitCode}`;
    } catch (err) {
      exitCode = 1;
      reason = errorText(err);
      write(raisedText(describeItem(item), err));
    }
    if (exiting) process.off("exit", exiting);
    if (opts.signal?.aborted || exitCode === TIMED_OUT) await stopCarriers(carrier);
    untrackEntry(carrier);
    const error = exitCode === 0 ? undefined : new Error(reason);
    const hookFailure = anyHook ? await runHooks(exitCode === 0 ? "on_success" : "on_exception", error) : undefined;
    if (hookFailure) {
      write(hookFailure + "\n");
      if (exitCode === 0) exitCode = 1;
      reason ??= hookFailure;
    }
  }
  const exitHook = anyHook ? await runHooks("on_exit", exitCode === 0 ? undefined : new Error(reason)) : undefined;
  if (exitHook) {
    write(exitHook + "\n");
    if (exitCode === 0) exitCode = 1;
    reason ??= exitHook;
  }
  clearInterval(outputTimer);
  readOutputPatterns(true);
  const fromFile = readMetricsFile(env.COHORT_METRICS, problems);
  // (the file goes once its rows are in the journal; kept when they could not be written)
  if (fromFile && record.logFromFile(fromFile)) fs.rmSync(env.COHORT_METRICS, { force: true });
  record.log(readSummaryFile(summary && { ...summary, file: path.join(cwd(), "summary.json") }, problems));
  // (the last batch is written now, so that a failed write is told with the rest)
  record.flushMetrics();
  if (record.metricsError !== undefined) problems.add(record.metricsError);
  const skipped = problems.summary();
  if (skipped) write(skipped + "\n");
  if (record.outputError !== undefined && exitCode === 0) {
    exitCode = 1;
    reason = record.outputError;
  }
  try {
    record.end(exitCode === TIMED_OUT ? -15 : exitCode, returnedCommand);
  } catch (err) {
    // A full disk: the run cannot be ended in the journal, and reads terminated once this runner is gone.
    reason = `${reason ?? "it ended"}, and its end could not be recorded: ${errorText(err)}`;
    if (exitCode === 0) exitCode = 1;
  }
  return result(exitCode === TIMED_OUT ? -15 : exitCode, reason, exitCode === TIMED_OUT);
}

const TIMED_OUT = -1000;

function hasHooks(hooks: Hooks): boolean {
  for (const name in hooks) if ((hooks[name as HookName]?.length ?? 0) > 0) return true;
  return false;
}

interface BodyContext {
  /** The working directory of commands, now. */
  cwd: () => string;
  env: Record<string, string>;
  record: RecordedRun;
  write: (chunk: string | Buffer) => void;
  echo: ((bytes: Buffer) => void) | undefined;
  project: Project;
  opts: ExecuteOptions;
  /** The `fork` directive. */
  fork: boolean;
  /** The slot's starter of shell commands, if any. */
  starter?: Starter;
  /** What was wrong with metrics an in-process function logged. */
  problems: MetricProblems;
}

interface BodyResult {
  exitCode: number;
  /** Why it failed, when known better than by its exit code. */
  reason?: string;
  /** The shell command a `cmd` function returned (recorded with the run's end). */
  command?: string;
}

async function runBody(item: ExecutionItem, command: string | undefined, ctx: BodyContext): Promise<BodyResult> {
  const body = item.operation.body;
  if (body.kind === "command") return shell(command!, ctx, ctx.opts.timeoutMs);
  const startedAt = Date.now();
  let returned: unknown;
  if (ctx.fork) {
    const r = await inWorker(item, ctx);
    if (r.exitCode !== 0 || !body.cmd) return r;
    returned = r.command;
  } else {
    const args: unknown[] = item.flags ? [item.flags] : item.aggregate.jobs;
    const fn = body.fn as (...a: unknown[]) => unknown;
    const self = runContext(ctx.record, (row) => ctx.record.log([row]), ctx.problems);
    returned = await withTimeout(captureOutput(() => withEnv(ctx.env, () => fn.apply(self, args)), ctx.write), ctx.opts.timeoutMs);
    if (returned === TIMEOUT) return { exitCode: TIMED_OUT };
    if (!body.cmd) return { exitCode: 0 };
    returned = commandOf(item.operation, returned);
  }
  // The command a function returned gets what is left of the operation's time.
  const returnedCommand = returned as string;
  let timeoutMs = ctx.opts.timeoutMs;
  if (timeoutMs) {
    timeoutMs -= Date.now() - startedAt;
    if (timeoutMs <= 0) return { exitCode: TIMED_OUT, command: returnedCommand };
  }
  return { ...(await shell(returnedCommand, ctx, timeoutMs)), command: returnedCommand };
}

/**
 * While a function runs in cohort's own process (serial, without `fork`), its `process.exit(N)` ends
 * cohort: the run is ended with N in the journal, and its output (kept) and stderr say why, instead of the
 * run reading `terminated` with no word. (In a worker, which has a channel to cohort, cohort records
 * the worker's exit itself.)
 */
function endOnExit(record: RecordedRun, what: string): ((code: number) => void) | undefined {
  if (process.send !== undefined) return undefined;
  const exiting = (code: number) => {
    // (called from the function, whose output is captured; cohort's own exit, a second Ctrl-C, is not)
    if (captured.getStore() === undefined) return;
    const line = `${what}: the function called process.exit(${code}), which ended cohort; nothing more was started (to end a run with an error, throw; to run such a function, give its operation fork: true)`;
    try {
      record.output(line + "\n");
      record.end(code);
    } catch {
      // (nothing more can be done as the process ends: the run reads terminated)
    }
    // (to the file itself: process.stderr is the run's output while the function runs, and the process is ending)
    try {
      fs.writeSync(2, `cohort: error: ${line}\n`);
    } catch {
      // (a closed stderr: the run's output says it)
    }
  };
  process.once("exit", exiting);
  return exiting;
}

/** What a `cmd` function returned, when it is a command; else it has failed, for the reason the `FunctionFault` says. */
export function commandOf(op: OperationDefinition, returned: unknown): string {
  if (typeof returned === "string") return returned;
  const what = returned === null ? "null" : Array.isArray(returned) ? "an array" : typeof returned === "object" ? "an object" : typeof returned;
  throw new FunctionFault(`operation ${op.name} (${op.origin}) has cmd set but returned ${what}, not a command (return the shell command to run as a string)`);
}

/** What a function returned is wrong (no command, a promise that never settles): told in one line, without cohort's stack. */
export class FunctionFault extends Error {}

/** The output that says a run's function raised: its stack, for an error of the function's own. */
export function raisedText(what: string, err: unknown): string {
  if (err instanceof FunctionFault) return `${what}: ${err.message}\n`;
  return `${what} raised: ${err instanceof Error && err.stack ? userStack(err.stack) : errorText(err)}\n`;
}

/**
 * A stack without the frames of cohort and of node's internals, which called the function: what is
 * left is the user's code (and what it called). A stack with no other frame stays whole.
 */
function userStack(stack: string): string {
  const dist = packageFile("dist") + path.sep;
  const ours = (line: string) => line.includes(dist) || line.includes(pathToFileURL(dist).href) || /\(?node:(internal|async_hooks)/.test(line);
  const lines = stack.split("\n");
  const frames = lines.filter((l) => /^\s+at /.test(l));
  const kept = lines.filter((l) => !/^\s+at /.test(l) || !ours(l));
  return kept.length > lines.length - frames.length ? kept.join("\n") : stack;
}

async function shell(command: string, ctx: BodyContext, timeoutMs: number | undefined): Promise<BodyResult> {
  const o: RunShellOptions = {
    cwd: ctx.cwd(),
    env: ctx.env,
    output: { file: ctx.record.lendOutputFile(), echo: ctx.echo },
    timeoutMs,
    signal: ctx.opts.signal,
  };
  const r = ctx.starter ? await ctx.starter.run(command, o) : await runShell(command, o);
  if (r.outputError !== undefined) return { exitCode: 1, reason: r.outputError };
  return { exitCode: r.timedOut ? TIMED_OUT : r.exitCode };
}

/**
 * Runs a function operation in a worker process of its own (worker.ts; the `fork` directive): a `node`
 * process in a process group of its own, started like a shell command (same output, timeout and
 * stopping), which loads the workflow, calls the function, and leaves what it returned (or the error)
 * in a result file. The worker runs in cohort's working directory, as an in-process function does.
 */
async function inWorker(item: ExecutionItem, ctx: BodyContext): Promise<BodyResult & { command?: unknown }> {
  const tmp = path.join(ctx.project.dataDir, "tmp");
  makeDirs(tmp, ctx.project.root);
  // A temporary name: a result left by a killed cohort is removed later (sweepStaleTemps).
  const resultFile = tempNameFor(path.join(tmp, `worker-${ctx.record.id}.json`));
  const argv = [process.execPath, workerScript(), ctx.project.root, ctx.record.id];
  const request = { operation: item.operation.name, jobs: item.aggregate.jobs.map((j) => j.id), flags: item.flags ? dumpJson(item.flags) : undefined };
  try {
    const o: RunShellOptions = {
      cwd: process.cwd(),
      env: { ...ctx.env, COHORT_WORKER_RESULT: resultFile, COHORT_WORKER_RUN: JSON.stringify(request) },
      output: { file: ctx.record.lendOutputFile(), echo: ctx.echo },
      timeoutMs: ctx.opts.timeoutMs,
      signal: ctx.opts.signal,
    };
    // Started by the slot's starter, as a command is: if cohort is killed (kill -9), the starter's
    // channel closes and it ends the worker's group; a process cohort started itself would live on.
    const worker = "exec " + argv.map(shellQuote).join(" ");
    const r = ctx.starter ? await ctx.starter.run(worker, o) : await runShell(worker, o);
    if (r.timedOut) return { exitCode: TIMED_OUT };
    let reported: { error?: string; command?: unknown; moved?: Moves } | undefined;
    try {
      reported = JSON.parse(fs.readFileSync(resultFile, "utf8")) as { error?: string; command?: unknown; moved?: Moves };
    } catch {
      reported = undefined;
    }
    followMoves(item, reported?.moved);
    if (r.exitCode !== 0) return { exitCode: r.exitCode, reason: r.exitCode > 0 ? reported?.error : undefined };
    if (item.operation.body.kind === "function" && item.operation.body.cmd) {
      if (typeof reported?.command !== "string") {
        const why = `operation ${item.operation.name} has cmd set but its worker returned no command`;
        ctx.write(why + "\n");
        return { exitCode: 1, reason: why };
      }
      return { exitCode: 0, command: reported.command };
    }
    return { exitCode: 0 };
  } finally {
    fs.rmSync(resultFile, { force: true });
  }
}

/**
 * The jobs a function in a worker process moved to another state point (`job.sp = ...`) move here
 * too, so that what follows in this process (the command a `cmd` function returned, hooks, conditions)
 * finds them where they are now.
 */
export function followMoves(item: ExecutionItem, moved: Moves | undefined): void {
  if (!moved) return;
  for (const job of item.aggregate.jobs) {
    const to = Object.hasOwn(moved, job.id) ? moved[job.id] : undefined;
    if (to !== undefined && JOB_ID.test(to)) job.movedTo(to);
  }
}

async function runHook(
  hook: HookFn,
  info: Parameters<Exclude<HookFn, { command: string }>>[0],
  cwd: string,
  env: Record<string, string>,
  record: RecordedRun,
  write: (chunk: string | Buffer) => void,
  echo: ((bytes: Buffer) => void) | undefined,
  starter: Starter | undefined,
): Promise<void> {
  if (typeof hook === "function") {
    await captureOutput(() => hook(info), write);
    return;
  }
  // Shown as it comes, as the operation's own output is; started by the slot's starter, as the
  // operation's command is, so that it does not outlive a cohort killed with kill -9.
  const o: RunShellOptions = { cwd, env: { ...env, COHORT_ERROR: info.error?.message ?? "" }, output: { file: record.lendOutputFile(), echo } };
  const r = starter ? await starter.run(hook.command, o) : await runShell(hook.command, o);
  if (r.exitCode !== 0) throw new Error(`${JSON.stringify(hook.command)} exited with ${r.exitCode}`);
}

/**
 * Runs an in-process function with the run's variables in `process.env` (as a worker has them), put
 * back as they were when it returns. Functions run in-process one at a time (in cohort when serial, in a
 * worker of `--parallel`), so no two overlap.
 */
async function withEnv<T>(env: Record<string, string>, fn: () => T | Promise<T>): Promise<T> {
  const saved = Object.keys(env).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const TIMEOUT = Symbol("timeout");

async function withTimeout<T>(promise: Promise<T>, ms: number | undefined): Promise<T | typeof TIMEOUT> {
  if (!ms) return promise;
  let timer: LongTimer | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => (timer = setLongTimeout(() => resolve(TIMEOUT), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    timer?.clear();
  }
}

/** Where what an in-process function prints goes, by async context (see captureOutput). */
const captured = new AsyncLocalStorage<Sink>();
let streamsDiverted = false;

/**
 * Runs an in-process function (an operation's body or a hook) with what it prints to stdout and
 * stderr going to `write` (the run's record and the terminal) instead. The capture follows the
 * function's async context, so functions of runs that overlap (hooks of parallel runs) each keep
 * their own output, and cohort's own messages are never captured.
 */
async function captureOutput<T>(fn: () => T | Promise<T>, write: Sink): Promise<T> {
  if (!streamsDiverted) {
    streamsDiverted = true;
    const store = captured.getStore.bind(captured);
    // The sink may write to the terminal itself: it runs outside the capture.
    divertStdio(() => {
      const sink = store();
      return sink && ((bytes) => captured.exit(() => sink(bytes)));
    });
  }
  return settles(captured.run(write, async () => await fn()));
}

/**
 * A function's promise, which fails if it can never settle: when the event loop runs empty while it
 * is pending (`beforeExit`), nothing is left that could settle it, and node would end cohort with exit
 * code 13 (an unsettled top-level await) and no word. In a worker, its channel keeps the loop going:
 * there such a function runs until `--timeout`, as one that waits for long does.
 */
function settles<T>(promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // (rejected from a task of its own: work done only in the listener's microtasks would not keep node going)
    const stuck = () => setImmediate(() => reject(new FunctionFault("it returned a promise that never settles: nothing was left to run that could resolve it (a Promise whose resolve is never called?)")));
    process.once("beforeExit", stuck);
    promise.then(resolve, reject).finally(() => process.off("beforeExit", stuck));
  });
}


function configOf(item: ExecutionItem): JsonObject {
  if (item.flags) return item.flags;
  const sps = item.aggregate.jobs.map((j) => j.spData);
  return runConfig({ flags: item.operation.flags, statepoints: sps });
}

/** `simulate [ex] on 3fa2...`; a flag run: `train with lr=0.1 epochs=3`. */
export function describeItem(item: ExecutionItem): string {
  const group = item.group.name !== item.operation.name ? ` [${item.group.name}]` : "";
  if (item.flags) {
    const flags = Object.entries(item.flags).map(([k, v]) => `${k}=${formatScalar(v)}`);
    return `${item.operation.name}${group} with ${flags.join(" ") || "no flags"}`;
  }
  return `${item.operation.name}${group} on ${item.aggregate.id}`;
}

