/**
 * Executes one operation on one aggregate as a run: the run's record is written before anything
 * starts, hooks run around the operation, and the record gets the exit code at the end.
 */
import type { Project } from "../dataspace/project.js";
import { dumpJson } from "../dataspace/json.js";
import type { JsonObject } from "../dataspace/value.js";
import { errorText } from "../util/errors.js";
import { RunRecord } from "../runs/record.js";
import { resolveDirectives, directivesFor, type ResolvedDirectives } from "../workflow/directives.js";
import type { GroupDefinition, HookFn, HookName, OperationDefinition } from "../workflow/model.js";
import type { Workflow } from "../workflow/workflow.js";
import { expandCommand } from "./placeholders.js";
import type { Aggregate } from "./plan.js";
import { runShell } from "./process.js";

export interface ExecutionItem {
  group: GroupDefinition;
  operation: OperationDefinition;
  aggregate: Aggregate;
}

export interface ExecutionResult {
  item: ExecutionItem;
  runId: string;
  runName: string;
  /** 0 success, > 0 error, < 0 terminated (killed by signal -code). */
  exitCode: number;
  /** What went wrong, for the summary. */
  reason?: string;
}

export interface ExecuteOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Live output of the run (the terminal); the record always gets it. */
  echo?: (chunk: string) => void;
}

/** The directives of an item: group-specific ones replace the operation's own inside a group. */
export function itemDirectives(workflow: Workflow, item: ExecutionItem): ResolvedDirectives {
  const group = workflow.isSingleton(item.group) ? undefined : item.group;
  return resolveDirectives(directivesFor(item.operation, group), item.aggregate.jobs, `operation ${item.operation.name}`);
}

/** The shell command an item runs, or undefined for a function operation (known only when it runs). */
export function itemCommand(project: Project, item: ExecutionItem): string | undefined {
  const body = item.operation.body;
  if (body.kind !== "command") return undefined;
  return expandCommand(body.command, { jobs: item.aggregate.jobs, projectRoot: project.root, flags: item.operation.flags });
}

/** A run that failed before its operation could start (a condition raised): recorded as an error. */
export function recordFailure(project: Project, workflow: Workflow, item: ExecutionItem, message: string): ExecutionResult {
  const record = createRecord(project, workflow, item, undefined, undefined);
  record.appendOutput(message + "\n");
  record.finish(1);
  return { item, runId: record.id, runName: record.name, exitCode: 1, reason: message };
}

function createRecord(project: Project, workflow: Workflow, item: ExecutionItem, directives: ResolvedDirectives | undefined, command: string | undefined): RunRecord {
  return RunRecord.create(project.root, {
    project: workflow.name ?? project.root,
    operation: item.operation.name,
    group: workflow.isSingleton(item.group) ? undefined : item.group.name,
    config: configOf(item),
    jobs: item.aggregate.jobs.map((j) => j.id),
    directives,
    cmd: command !== undefined ? { shell: command } : { function: item.operation.name },
  });
}

export async function execute(project: Project, workflow: Workflow, item: ExecutionItem, opts: ExecuteOptions = {}): Promise<ExecutionResult> {
  const { operation: op, aggregate } = item;
  const jobs = aggregate.jobs;
  const directives = itemDirectives(workflow, item);
  const command = itemCommand(project, item);
  const record = createRecord(project, workflow, item, directives, command);
  const result = (exitCode: number, reason?: string): ExecutionResult => ({ item, runId: record.id, runName: record.name, exitCode, reason });
  const cwd = jobs.length === 1 ? jobs[0].path : project.root;
  for (const job of jobs) job.init();
  const env = {
    COHORT_PROJECT: project.root,
    COHORT_OPERATION: op.name,
    COHORT_RUN_ID: record.id,
    COHORT_JOB_IDS: jobs.map((j) => j.id).join(" "),
  };
  const write = (text: string) => {
    record.appendOutput(text);
    opts.echo?.(text);
  };
  const hooks = (name: HookName) => [...(op.hooks[name] ?? []), ...(workflow.hooks[name] ?? [])];
  const runHooks = async (name: HookName, error?: Error): Promise<string | undefined> => {
    for (const hook of hooks(name)) {
      try {
        await runHook(hook, { operation: op.name, jobs, error, runId: record.id }, cwd, env, record.outputPath, write);
      } catch (err) {
        return `hook ${name} of ${op.name} on ${aggregate.id} failed: ${errorText(err)}`;
      }
    }
    return undefined;
  };

  record.markStaged();
  let exitCode = 0;
  let reason = await runHooks("on_start");
  if (reason) {
    write(reason + "\n");
    exitCode = 1;
  } else {
    record.markStarted(process.pid);
    try {
      exitCode = await runBody(item, command, { cwd, env, record, write, project, opts });
      if (exitCode > 0) reason = `exit code ${exitCode}`;
      else if (exitCode < 0) reason = exitCode === TIMED_OUT ? "timed out" : `killed by signal ${-exitCode}`;
    } catch (err) {
      exitCode = 1;
      reason = errorText(err);
      write(`${op.name} on ${aggregate.id} raised: ${err instanceof Error && err.stack ? err.stack : reason}\n`);
    }
    const error = exitCode === 0 ? undefined : new Error(reason);
    const hookFailure = await runHooks(exitCode === 0 ? "on_success" : "on_exception", error);
    if (hookFailure) {
      write(hookFailure + "\n");
      if (exitCode === 0) exitCode = 1;
      reason ??= hookFailure;
    }
  }
  const exitHook = await runHooks("on_exit", exitCode === 0 ? undefined : new Error(reason));
  if (exitHook) {
    write(exitHook + "\n");
    if (exitCode === 0) exitCode = 1;
    reason ??= exitHook;
  }
  record.finish(exitCode === TIMED_OUT ? -15 : exitCode);
  return result(exitCode === TIMED_OUT ? -15 : exitCode, reason);
}

const TIMED_OUT = -1000;

interface BodyContext {
  cwd: string;
  env: Record<string, string>;
  record: RunRecord;
  write: (text: string) => void;
  project: Project;
  opts: ExecuteOptions;
}

async function runBody(item: ExecutionItem, command: string | undefined, ctx: BodyContext): Promise<number> {
  const body = item.operation.body;
  if (body.kind === "command") return shell(command!, ctx);
  const returned = await withTimeout(captureOutput(() => body.fn(...item.aggregate.jobs), ctx.write), ctx.opts.timeoutMs);
  if (returned === TIMEOUT) return TIMED_OUT;
  if (!body.cmd) return 0;
  if (typeof returned !== "string") throw new Error(`operation ${item.operation.name} has cmd set but returned ${typeof returned}, not a command`);
  return shell(returned, ctx);
}

async function shell(command: string, ctx: BodyContext): Promise<number> {
  const r = await runShell(command, {
    cwd: ctx.cwd,
    env: ctx.env,
    output: { file: ctx.record.outputPath, echo: ctx.opts.echo },
    timeoutMs: ctx.opts.timeoutMs,
    signal: ctx.opts.signal,
  });
  return r.timedOut ? TIMED_OUT : r.exitCode;
}

async function runHook(
  hook: HookFn,
  info: Parameters<Exclude<HookFn, { command: string }>>[0],
  cwd: string,
  env: Record<string, string>,
  outputFile: string,
  write: (text: string) => void,
): Promise<void> {
  if (typeof hook === "function") {
    await captureOutput(() => hook(info), write);
    return;
  }
  const r = await runShell(hook.command, { cwd, env: { ...env, COHORT_ERROR: info.error?.message ?? "" }, output: { file: outputFile } });
  if (r.exitCode !== 0) throw new Error(`${JSON.stringify(hook.command)} exited with ${r.exitCode}`);
}

const TIMEOUT = Symbol("timeout");

async function withTimeout<T>(promise: Promise<T>, ms: number | undefined): Promise<T | typeof TIMEOUT> {
  if (!ms) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => (timer = setTimeout(() => resolve(TIMEOUT), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs an in-process function with what it prints to stdout and stderr also going to the run's
 * record. Serial execution runs one function at a time, so the streams are not shared.
 */
async function captureOutput<T>(fn: () => T | Promise<T>, write: (text: string) => void): Promise<T> {
  const out = process.stdout.write;
  const err = process.stderr.write;
  const tee = ((chunk: string | Uint8Array) => {
    write(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  }) as typeof out;
  process.stdout.write = tee;
  process.stderr.write = tee;
  try {
    return await fn();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

function configOf(item: ExecutionItem): JsonObject {
  const jobs = item.aggregate.jobs;
  if (item.operation.flags) return item.operation.flags;
  return jobs.length === 1 ? jobs[0].sp : { jobs: jobs.map((j) => j.sp) };
}

export function describeItem(item: ExecutionItem): string {
  const group = item.group.name !== item.operation.name ? ` [${item.group.name}]` : "";
  return `${item.operation.name}${group} on ${item.aggregate.id}`;
}

export function formatDirectives(d: ResolvedDirectives): string {
  return dumpJson(d as unknown as JsonObject);
}
