/**
 * `run` in passes (SPEC §4): each pass finds every eligible (group, operation, aggregate) of the
 * selected groups before any of it runs, then executes them; passes repeat until nothing is eligible.
 */
import type { Project } from "../dataspace/project.js";
import type { GroupDefinition } from "../workflow/model.js";
import type { Workflow } from "../workflow/workflow.js";
import { execute, recordFailure, type ExecuteOptions, type ExecutionItem, type ExecutionResult } from "./execute.js";
import { EligibilityError, pairKey, Planner, type Order, type Selection } from "./plan.js";

export interface RunOptions extends ExecuteOptions {
  groups: GroupDefinition[];
  selection?: Selection;
  /** Executions of one (operation, aggregate) per invocation; an operation without post-conditions runs once. */
  numPasses?: number;
  /** Cap on the total number of executions. */
  limit?: number;
  order?: Order;
  /** Start nothing new after a failure unless set. */
  keepGoing?: boolean;
  /** Told when an item starts (for progress and messages). */
  onStart?: (item: ExecutionItem) => void;
  onFinish?: (result: ExecutionResult) => void;
}

export interface RunSummary {
  results: ExecutionResult[];
  passes: number;
  /** Why the run stopped early, if it did. */
  stopped?: "failure" | "limit" | "interrupted";
}

/** The items eligible now, in the requested order, and those whose conditions raised. */
export async function eligibleItems(
  planner: Planner,
  groups: GroupDefinition[],
  order: Order = "by-job",
  skip?: (item: ExecutionItem) => boolean,
): Promise<{ items: ExecutionItem[]; raised: { item: ExecutionItem; error: EligibilityError }[] }> {
  const items: ExecutionItem[] = [];
  const raised: { item: ExecutionItem; error: EligibilityError }[] = [];
  for (const group of groups) {
    for (const aggregate of planner.aggregates(group)) {
      for (const name of group.operations) {
        const operation = planner.workflow.operation(name);
        const item = { group, operation, aggregate };
        if (skip?.(item)) continue;
        try {
          if ((await planner.eligibility(operation, aggregate)).eligible) items.push(item);
        } catch (err) {
          if (!(err instanceof EligibilityError)) throw err;
          raised.push({ item, error: err });
        }
      }
    }
  }
  return { items: orderItems(items, groups, order), raised };
}

function orderItems(items: ExecutionItem[], groups: GroupDefinition[], order: Order): ExecutionItem[] {
  const opRank = new Map<string, number>();
  for (const g of groups) for (const o of g.operations) if (!opRank.has(o)) opRank.set(o, opRank.size);
  const byAgg = (a: ExecutionItem, b: ExecutionItem) => (a.aggregate.id < b.aggregate.id ? -1 : a.aggregate.id > b.aggregate.id ? 1 : 0);
  const byOp = (a: ExecutionItem, b: ExecutionItem) => opRank.get(a.operation.name)! - opRank.get(b.operation.name)!;
  if (order === "by-job") return items.sort((a, b) => byAgg(a, b) || byOp(a, b));
  if (order === "cyclic") return items.sort((a, b) => byOp(a, b) || byAgg(a, b));
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

export async function runPasses(project: Project, workflow: Workflow, opts: RunOptions): Promise<RunSummary> {
  const planner = new Planner(project, workflow, opts.selection);
  const numPasses = opts.numPasses ?? 1;
  const counts = new Map<string, number>();
  const results: ExecutionResult[] = [];
  const maxFor = (item: ExecutionItem) => (item.operation.post.length === 0 ? 1 : numPasses);
  const exhausted = (item: ExecutionItem) => (counts.get(pairKey(item.operation.name, item.aggregate.id)) ?? 0) >= maxFor(item);
  let passes = 0;
  for (;;) {
    const { items, raised } = await eligibleItems(planner, opts.groups, opts.order, exhausted);
    // A condition that raised is a failed run of its operation; it is not evaluated again.
    for (const { item, error } of raised) {
      counts.set(pairKey(item.operation.name, item.aggregate.id), Number.MAX_SAFE_INTEGER);
      const result = recordFailure(project, workflow, item, error.message);
      results.push(result);
      opts.onFinish?.(result);
    }
    if (raised.length > 0 && !opts.keepGoing) return { results, passes, stopped: "failure" };
    if (items.length === 0) return { results, passes };
    passes++;
    for (const item of items) {
      if (opts.signal?.aborted) return { results, passes, stopped: "interrupted" };
      if (opts.limit !== undefined && results.length >= opts.limit) return { results, passes, stopped: "limit" };
      const key = pairKey(item.operation.name, item.aggregate.id);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      opts.onStart?.(item);
      const result = await execute(project, workflow, item, opts);
      results.push(result);
      opts.onFinish?.(result);
      if (result.exitCode === 0) planner.completedHere.add(key);
      else if (opts.signal?.aborted) return { results, passes, stopped: "interrupted" };
      else if (!opts.keepGoing) return { results, passes, stopped: "failure" };
    }
    if (opts.limit !== undefined && results.length >= opts.limit) return { results, passes, stopped: "limit" };
  }
}
