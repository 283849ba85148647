/**
 * The second step of `cohort submit`: what each pair runs with (a script's entry), and the pairs
 * bundled into cluster jobs: `-b N` pairs to a script, and with `--array` scripts of identical
 * resources as the tasks of one job array.
 */
import { GroupResources } from "../execution/items.js";
import { combineParallel, combineSerial, type ResolvedDirectives } from "../workflow/directives.js";
import { checkGroupOptions } from "../workflow/group-options.js";
import type { GroupDefinition } from "../workflow/model.js";
import type { Workflow } from "../workflow/workflow.js";
import type { BundleEntry } from "./script.js";
import type { PlannedJob } from "./submit.js";
import type { Pair } from "./submit-plan.js";

/** One cluster job to render: its tasks (one unless an array), their resources, and what it waits for. */
export interface JobPlan {
  tasks: BundleEntry[][];
  resources: ResolvedDirectives;
  /** Jobs of this submission it depends on (`--chain`). */
  dependsOn: PlannedJob[];
  /** Cluster jobs already queued that it waits for. */
  afterIds: string[];
}

/**
 * The entries of one submission. A group's operations and resources are resolved once when its
 * directives hold no function (GroupResources), and its submit_options split once: 10,000 pairs of
 * one group share them.
 */
export class Entries {
  private readonly resources: GroupResources;
  private readonly submitWords = new Map<GroupDefinition, readonly string[]>();

  constructor(workflow: Workflow) {
    this.resources = new GroupResources(workflow);
  }

  of(pair: Pair): BundleEntry {
    const { group, aggregate } = pair;
    const known = this.resources.of(group, aggregate);
    // Every entry has these properties in this order, written out: the templates read thousands of them.
    return {
      group: group.name,
      aggregate: aggregate.id,
      jobs: aggregate.jobs.map((j) => j.id),
      operations: known.operations,
      resources: known.resources,
      submit_options: this.submitOptions(group),
    };
  }

  /** The words of a group's submit_options (checked when the workflow was loaded). */
  private submitOptions(group: GroupDefinition): readonly string[] {
    let words = this.submitWords.get(group);
    if (!words) {
      words = group.submitOptions ? checkGroupOptions(group.submitOptions, `group ${group.name} (${group.origin}): submit_options`) : [];
      this.submitWords.set(group, words);
    }
    return words;
  }
}

/** The cluster jobs for these entries: `bundle` entries to a script (`true`: all), arrays with `array`. */
export function bundleJobs(entries: BundleEntry[], opts: { bundle?: number | true; parallel?: boolean; array?: boolean }): JobPlan[] {
  const size = opts.bundle === true ? Math.max(1, entries.length) : opts.bundle ?? 1;
  const combine = opts.parallel ? combineParallel : combineSerial;
  const planned: JobPlan[] = [];
  for (let i = 0; i < entries.length; i += size) {
    const b = entries.slice(i, i + size);
    const resources = b.length === 1 ? b[0].resources : combine(b.map((e) => e.resources));
    const into = opts.array ? planned.find((p) => p.tasks.length > 0 && sameResources(p.resources, resources)) : undefined;
    if (into) into.tasks.push(b);
    else planned.push({ tasks: [b], resources, dependsOn: [], afterIds: [] });
  }
  return planned;
}

function sameResources(a: ResolvedDirectives, b: ResolvedDirectives): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return false;
  return true;
}
