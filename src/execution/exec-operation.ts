/** What one `cohort exec` invocation does, apart from reading its arguments and printing. */
import type { Project } from "../dataspace/project.js";
import { expandBatch, InvocationGroup, withDefaults, type Batch, type GroupPlan } from "../runs/batch.js";
import { UserError } from "../util/errors.js";
import { Planner } from "../workflow/planner.js";
import type { Workflow } from "../workflow/workflow.js";
import { runItems } from "./engine.js";
import { flagItem, type ExecutionItem } from "./execute.js";
import { groupPlan, openClaims, type InvocationEvents, type InvocationResult } from "./invocation.js";
import type { MachineResources } from "./machine.js";

/** What `cohort exec` was asked to do. */
export interface ExecRequest {
  operation: string;
  /** Job ids (or prefixes), and for a flag operation `KEY=VALUE` arguments. */
  names: string[];
  assignments: string[];
  timeout?: number;
  machine?: MachineResources;
}

/** What one `cohort exec` will run. */
export interface ExecPlan {
  items: ExecutionItem[];
  group: GroupPlan | undefined;
  timeoutMs?: number;
  machine?: MachineResources;
}

/**
 * `cohort exec`: an operation on the given jobs (all when none are given), ignoring its conditions; a
 * flag operation once per flag set of its KEY=VALUE arguments (its defaults without any).
 */
export function planExec(project: Project, workflow: Workflow, request: ExecRequest): ExecPlan {
  const op = workflow.operation(request.operation);
  const group = workflow.groups.get(op.name)!;
  const { names: ids, assignments } = request;
  let items: ExecutionItem[];
  let batch: Batch | undefined;
  if (op.flags) {
    if (ids.length > 0) throw new UserError(`${op.name} is a flag operation: it runs on no job, not on ${ids.join(" ")}`, "give its flags as KEY=VALUE");
    batch = assignments.length > 0 ? expandBatch(assignments) : undefined;
    items = withDefaults(op.name, op.flags, batch ? batch.sets : [{}]).map((flags) => flagItem(group, op, flags));
  } else {
    if (assignments.length > 0) {
      throw new UserError(`${op.name} takes no flags: ${assignments[0]}`, `to run it on the jobs of state points: cohort run ${op.name} ${assignments.join(" ")} --force`);
    }
    const planner = new Planner(project, workflow, { ids });
    planner.checkSelected([group]);
    items = planner.aggregates(group).map((aggregate) => ({ group, operation: op, aggregate }));
  }
  const timeoutMs = request.timeout !== undefined ? request.timeout * 1000 : undefined;
  return { items, group: groupPlan(workflow, [group], batch, items.length), timeoutMs, machine: request.machine };
}

/** Runs what `planExec` planned, every item whatever the others did. */
export async function runExec(project: Project, workflow: Workflow, plan: ExecPlan, events: InvocationEvents): Promise<InvocationResult> {
  const group = InvocationGroup.start(project.root, plan.group);
  // What another runner executes is not executed at the same time (SPEC §6); a flag run is a new run of its own, never shared.
  const onJobs = plan.items.some((i) => !i.flags);
  const aggregates = new Set(plan.items.map((i) => i.aggregate.id));
  const gate = onJobs ? openClaims(project, true, events, (agg) => aggregates.has(agg)) : undefined;
  let summary;
  try {
    summary = await runItems(project, workflow, plan.items, { ...events, gate, machine: plan.machine, keepGoing: true, timeoutMs: plan.timeoutMs, joins: () => group.forNewRun() });
  } finally {
    gate?.close();
  }
  group.finish();
  return { summary, group, claimedElsewhere: gate?.skipped ?? 0 };
}
