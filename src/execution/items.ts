/**
 * What is to run: an item is one operation of a group on one aggregate (or a flag run); which items
 * are eligible now, in the order asked for; the directives an item runs with. Apart from the engine
 * that executes them, so that planning without running (`cohort submit`) does not load it.
 */
import type { JsonObject } from "../dataspace/value.js";
import { combineSerial, directivesFor, resolveDirectives, type ResolvedDirectives } from "../workflow/directives.js";
import type { GroupDefinition, OperationDefinition } from "../workflow/model.js";
import type { Workflow } from "../workflow/workflow.js";
import { isPromiseLike } from "../workflow/conditions.js";
import { EligibilityError, type Aggregate, type Eligibility, type Order, type Planner } from "../workflow/planner.js";

export interface ExecutionItem {
  group: GroupDefinition;
  operation: OperationDefinition;
  /** The jobs; none for a flag run. */
  aggregate: Aggregate;
  /** A flag run: the operation's whole flag set (defaults merged). It runs in a fresh run directory. */
  flags?: JsonObject;
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
  // Nothing runs while eligibility is judged: the project is one moment throughout.
  await planner.atOneMoment(async () => {
    for (const group of groups) {
      for (const aggregate of planner.aggregates(group)) {
        for (const name of group.operations) {
          const operation = planner.workflow.operation(name);
          const item = { group, operation, aggregate };
          if (skip?.(item)) continue;
          try {
            const e = planner.eligibilityNow(operation, aggregate);
            if ((isPromiseLike<Eligibility>(e) ? await e : e).eligible) items.push(item);
          } catch (err) {
            if (!(err instanceof EligibilityError)) throw err;
            raised.push({ item, error: err });
          }
        }
      }
    }
  });
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

/** The directives of an item: group-specific ones replace the operation's own inside a group. */
export function itemDirectives(workflow: Workflow, item: ExecutionItem): ResolvedDirectives {
  const group = workflow.isSingleton(item.group) ? undefined : item.group;
  return resolveDirectives(directivesFor(item.operation, group), item.aggregate.jobs, `operation ${item.operation.name}`);
}


/** What a group runs with on an aggregate: each member's directives, and the whole's resources (members one after another). */
export interface GroupResourcesOf {
  operations: { name: string; directives: ResolvedDirectives }[];
  resources: ResolvedDirectives;
}

/**
 * The resources of groups on aggregates, resolved once per group when its directives hold no
 * function (then they are alike for every aggregate): 10,000 aggregates of one group share them.
 */
export class GroupResources {
  private readonly known = new Map<GroupDefinition, GroupResourcesOf>();

  constructor(private readonly workflow: Workflow) {}

  of(group: GroupDefinition, aggregate: Aggregate): GroupResourcesOf {
    const cached = this.known.get(group);
    if (cached) return cached;
    const operations = group.operations.map((name) => ({ name, directives: itemDirectives(this.workflow, { group, operation: this.workflow.operation(name), aggregate }) }));
    const resolved = { operations, resources: combineSerial(operations.map((o) => o.directives)) };
    if (this.isStatic(group)) this.known.set(group, resolved);
    return resolved;
  }

  /** Whether directives hold no function: then they resolve alike for every aggregate. */
  private isStatic(group: GroupDefinition): boolean {
    const flowgroup = this.workflow.isSingleton(group) ? undefined : group;
    return group.operations.every((name) => Object.values(directivesFor(this.workflow.operation(name), flowgroup)).every((v) => typeof v !== "function"));
  }
}
