import { eligibleItems, runPasses } from "../../execution/engine.js";
import { describeItem, itemCommand, itemDirectives, type ExecutionResult } from "../../execution/execute.js";
import { parseOrder, Planner } from "../../execution/plan.js";
import { dumpJson } from "../../dataspace/json.js";
import type { JsonObject } from "../../dataspace/value.js";
import { Command } from "commander";
import type { GroupDefinition } from "../../workflow/model.js";
import { UserError } from "../../util/errors.js";
import { out, warn } from "../context.js";
import { catchInterrupts } from "../interrupt.js";
import { parseCount, parseSeconds } from "../numbers.js";
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
  if (opts.pretend) {
    const { items, raised } = await eligibleItems(new Planner(project, workflow, selection), groups, order);
    if (raised.length > 0) throw raised[0].error;
    const shown = limit !== undefined ? items.slice(0, limit) : items;
    const lines = shown.map((item) => {
      const command = itemCommand(project, item) ?? `${item.operation.name}(${item.aggregate.jobs.map((j) => j.id.slice(0, 8)).join(", ")})  [function]`;
      return `${describeItem(item)}\n  command: ${command}\n  directives: ${dumpJson(itemDirectives(workflow, item) as unknown as JsonObject)}\n`;
    });
    out(lines.join("") || "nothing is eligible\n");
    return;
  }
  const terminal = process.stdout.write.bind(process.stdout);
  const summary = await runPasses(project, workflow, {
    groups,
    selection,
    numPasses,
    limit,
    order,
    keepGoing: opts.keepGoing,
    timeoutMs: opts.timeout !== undefined ? parseSeconds(opts.timeout, "--timeout") * 1000 : undefined,
    signal: catchInterrupts(),
    echo: (chunk) => terminal(chunk),
    onStart: (item) => process.stderr.write(`cohort: ${describeItem(item)}\n`),
  });
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
