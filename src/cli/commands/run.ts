import os from "node:os";
import { eligibleItems, prepareItems, runPasses } from "../../execution/engine.js";
import { describeItem, itemCommand, itemDirectives, type ExecutionResult } from "../../execution/execute.js";
import { machineResources, type MachineResources } from "../../execution/machine.js";
import { parseOrder, Planner } from "../../execution/plan.js";
import { dumpJson } from "../../dataspace/json.js";
import type { JsonObject } from "../../dataspace/value.js";
import { Command } from "commander";
import type { GroupDefinition } from "../../workflow/model.js";
import { UserError } from "../../util/errors.js";
import { out, warn } from "../context.js";
import { catchInterrupts } from "../interrupt.js";
import { parseCount, parseSeconds } from "../numbers.js";
import { RunConsole } from "../run-output.js";
import { loadProjectWorkflow, selectionOf } from "../workflow.js";

export interface RunCliOptions {
  operation?: string[];
  jobId?: string[];
  filter?: string[];
  num?: string;
  numPasses: string;
  order: string;
  pretend?: boolean;
  keepGoing?: boolean;
  timeout?: string;
  /** `--parallel` alone is `true`: every core. */
  parallel?: string | boolean;
  quiet?: boolean;
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

export default async function run(names: string[], cliOpts: RunCliOptions, command: Command): Promise<void> {
  const { project, workflow } = await loadProjectWorkflow();
  const patterns = [...names, ...(cliOpts.operation ?? [])];
  const groups = workflow.select(patterns.length ? patterns : undefined, warn);
  const opts = withGroupRunOptions(cliOpts, groups, command);
  const order = parseOrder(opts.order);
  const numPasses = parseCount(opts.numPasses, "--num-passes");
  const limit = opts.num !== undefined ? parseCount(opts.num, "-n", 0) : undefined;
  const selection = selectionOf(opts);
  const machine = machineFor(opts.parallel);
  const timeoutMs = opts.timeout !== undefined ? parseSeconds(opts.timeout, "--timeout") * 1000 : undefined;
  if (opts.pretend) {
    const { items, raised } = await eligibleItems(new Planner(project, workflow, selection), groups, order);
    if (raised.length > 0) throw raised[0].error;
    const shown = limit !== undefined ? items.slice(0, limit) : items;
    if (machine) {
      const fit = prepareItems(workflow, shown, machine);
      if (fit instanceof UserError) throw fit;
    }
    const lines = shown.map((item) => {
      const command = itemCommand(project, item) ?? `${item.operation.name}(${item.aggregate.jobs.map((j) => j.id.slice(0, 8)).join(", ")})  [function]`;
      return `${describeItem(item)}\n  command: ${command}\n  directives: ${dumpJson(itemDirectives(workflow, item) as unknown as JsonObject)}\n`;
    });
    out(lines.join("") || "nothing is eligible\n");
    return;
  }
  const terminal = new RunConsole({ quiet: opts.quiet, prefix: machine !== undefined && machine.slots > 1 });
  let summary;
  try {
    summary = await runPasses(project, workflow, {
      groups,
      selection,
      numPasses,
      limit,
      order,
      keepGoing: opts.keepGoing,
      timeoutMs,
      machine,
      signal: catchInterrupts(),
      echo: terminal.echo,
      onPass: (items) => terminal.planned(items),
      onStart: (item, run) => terminal.started(item, run),
      onFinish: (result) => terminal.finished(result),
    });
  } finally {
    terminal.close();
  }
  if (summary.stopped === "refused") {
    // An item of a later pass cannot fit: what ran before is summed up, then the refusal (exit code 2).
    if (summary.results.length > 0) reportSummary(summary.results);
    throw summary.refusal!;
  }
  reportSummary(summary.results, summary.stopped);
}

export function reportSummary(results: ExecutionResult[], stopped?: string): void {
  const failed = results.filter((r) => r.exitCode !== 0);
  const lines = [`cohort: ${results.length} run${results.length === 1 ? "" : "s"}, ${results.length - failed.length} completed, ${failed.length} failed`];
  for (const r of failed) {
    lines.push(`  ${r.exitCode < 0 ? "terminated" : "error"}  ${describeItem(r.item)}  (run ${r.runName}): ${r.reason ?? `exit code ${r.exitCode}`}`);
  }
  if (stopped === "failure") lines.push("  stopped after the failure; --keep-going runs the rest");
  if (stopped === "interrupted") lines.push("  interrupted");
  process.stderr.write(lines.join("\n") + "\n");
  if (failed.length > 0 || stopped === "interrupted") process.exitCode = stopped === "interrupted" ? 130 : 1;
}

/** Options a group carries (`run_options`), for those the command line left at their defaults. */
const GROUP_OPTIONS = ["numPasses", "order", "keepGoing", "timeout"] as const;

function withGroupRunOptions(opts: RunCliOptions, groups: GroupDefinition[], command: Command): RunCliOptions {
  const withOptions = groups.filter((g) => g.runOptions);
  if (withOptions.length === 0) return opts;
  const texts = new Set(withOptions.map((g) => g.runOptions));
  if (texts.size > 1 || withOptions.length !== groups.length) {
    warn("the selected groups have different run_options; none of them is applied");
    return opts;
  }
  const parser = new Command("run_options")
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .option("--num-passes <n>")
    .option("--order <order>")
    .option("--keep-going")
    .option("--timeout <seconds>");
  const text = withOptions[0].runOptions!;
  try {
    parser.parse(text.split(/\s+/).filter(Boolean), { from: "user" });
  } catch (err) {
    throw new UserError(`run_options of group ${withOptions[0].name} are not valid: ${(err as Error).message.replace(/^error: /, "")}`, "they take --num-passes, --order, --keep-going and --timeout");
  }
  const fromGroup = parser.opts<Partial<RunCliOptions>>();
  const merged: RunCliOptions = { ...opts };
  for (const key of GROUP_OPTIONS) {
    if (fromGroup[key] !== undefined && command.getOptionValueSource(key) !== "cli") (merged as unknown as Record<string, unknown>)[key] = fromGroup[key];
  }
  return merged;
}
