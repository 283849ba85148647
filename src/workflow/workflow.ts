/**
 * One workflow from every definition of a project (cohort.toml and a project module): operations,
 * groups (each operation is also a singleton group of its own name), labels and project hooks,
 * checked as a whole: one namespace for group and operation names, known references, no `after` cycle.
 */
import { UserError } from "../util/errors.js";
import { closeNames } from "../util/names.js";
import { checkAfterReferences, findAfterCycle } from "./conditions.js";
import { validateDirectives } from "./directives.js";
import type {
  Aggregator,
  GroupDefinition,
  HookName,
  Hooks,
  LabelDefinition,
  OperationDefinition,
  WorkflowDefinition,
} from "./model.js";

export class Workflow {
  readonly operations = new Map<string, OperationDefinition>();
  /** Every group: the explicit ones, then one singleton per operation. */
  readonly groups = new Map<string, GroupDefinition>();
  readonly labels: LabelDefinition[] = [];
  readonly hooks: Hooks = {};
  name: string | undefined;

  /** Merges definitions; a name defined twice, anywhere, is an error. */
  constructor(definitions: WorkflowDefinition[]) {
    let named: WorkflowDefinition | undefined;
    for (const def of definitions) {
      // (cohort init writes the directory's name into cohort.toml: a module naming the project
      // otherwise would lose to it without a word)
      if (def.name !== undefined && named !== undefined && def.name !== named.name) {
        throw new UserError(
          `the project is named twice: ${JSON.stringify(named.name)} (${named.nameOrigin}) and ${JSON.stringify(def.name)} (${def.nameOrigin})`,
          "give the name in one place, or the same name in both",
        );
      }
      if (def.name !== undefined) named ??= def;
      for (const op of def.operations) {
        const other = this.operations.get(op.name);
        if (other) throw new UserError(`operation ${op.name} is defined twice: ${other.origin} and ${op.origin}`, "rename one of them");
        this.operations.set(op.name, op);
      }
      for (const label of def.labels) this.labels.push(label);
      for (const [name, fns] of Object.entries(def.hooks) as [HookName, Hooks[HookName]][]) {
        (this.hooks[name] ??= []).push(...(fns ?? []));
      }
    }
    this.name = named?.name;
    for (const def of definitions) {
      for (const group of def.groups) {
        const clash = this.operations.get(group.name) ?? this.groups.get(group.name);
        if (clash) {
          throw new UserError(
            `group ${group.name} (${group.origin}) has the name of ${"body" in clash ? "an operation" : "another group"} (${clash.origin})`,
            "group and operation names share one namespace",
          );
        }
        for (const member of group.operations) {
          if (!this.operations.has(member)) {
            throw new UserError(`group ${group.name} (${group.origin}) names an unknown operation ${member}`, knownHint([...this.operations.keys()]));
          }
        }
        if (new Set(group.operations).size !== group.operations.length) {
          throw new UserError(`group ${group.name} (${group.origin}) lists an operation twice`, "list each member once");
        }
        for (const [member, d] of Object.entries(group.directives)) validateDirectives(d, `group ${group.name}, operation ${member}`);
        groupAggregator(group, this.operations);
        this.groups.set(group.name, group);
      }
    }
    for (const op of this.operations.values()) {
      validateDirectives(op.directives, `operation ${op.name} (${op.origin})`);
      this.groups.set(op.name, { name: op.name, operations: [op.name], directives: {}, origin: op.origin });
    }
    const ops = [...this.operations.values()];
    checkAfterReferences(ops);
    const cycle = findAfterCycle(ops);
    if (cycle) throw new UserError(`the after conditions form a cycle: ${cycle.join(" -> ")}`, "an operation cannot wait for itself");
  }

  /** The operation of this exact name; an unknown name is an error with the closest names as a hint. */
  operation(name: string): OperationDefinition {
    const op = this.operations.get(name);
    if (op) return op;
    const group = this.groups.get(name);
    if (group) throw new UserError(`${name} is a group, not an operation`, `name one of its operations: ${group.operations.join(", ")}`);
    throw new UserError(`unknown operation ${name}`, closestHint([name], [...this.operations.keys()]));
  }

  /** A group's single aggregator (its members share it). */
  aggregator(group: GroupDefinition): Aggregator {
    return groupAggregator(group, this.operations);
  }

  /** Whether the group is a singleton group of one operation (its own directives apply). */
  isSingleton(group: GroupDefinition): boolean {
    return group.operations.length === 1 && group.name === group.operations[0] && this.operations.has(group.name);
  }

  /**
   * The groups selected by `-o` patterns (full-regex matches over group and operation names).
   * Without patterns, every operation as its own singleton group. Patterns are matched by
   * `matchNames` (one matching nothing is skipped, none matching anything is an error); selected
   * groups may not share an operation.
   */
  select(patterns: string[] | undefined, warn: (message: string) => void): GroupDefinition[] {
    if (!patterns || patterns.length === 0) return [...this.operations.keys()].map((n) => this.groups.get(n)!);
    const chosen: GroupDefinition[] = [];
    for (const hits of matchNames(patterns, [...this.groups.keys()], warn)) {
      for (const name of hits) {
        const group = this.groups.get(name)!;
        if (!chosen.includes(group)) chosen.push(group);
      }
    }
    const selected = chosen;
    for (let i = 0; i < selected.length; i++) {
      for (let j = i + 1; j < selected.length; j++) {
        const shared = selected[i].operations.filter((o) => selected[j].operations.includes(o));
        if (shared.length > 0) {
          throw new UserError(
            `the selected groups ${selected[i].name} and ${selected[j].name} share the operation ${shared[0]}`,
            "select groups that do not overlap",
          );
        }
      }
    }
    return selected;
  }
}

function groupAggregator(group: GroupDefinition, operations: Map<string, OperationDefinition>): Aggregator {
  const aggs = group.operations.map((o) => operations.get(o)!.aggregator);
  const first = JSON.stringify(aggs[0], fnSafe);
  const differs = aggs.findIndex((a) => JSON.stringify(a, fnSafe) !== first);
  if (differs >= 0) {
    throw new UserError(
      `the operations of group ${group.name} (${group.origin}) aggregate jobs differently: ${group.operations[0]} and ${group.operations[differs]}`,
      "a group gives every member the same aggregate: give its operations the same aggregator",
    );
  }
  return aggs[0];
}

function fnSafe(_key: string, v: unknown): unknown {
  return typeof v === "function" ? `fn:${v.name}:${v.toString()}` : v;
}

/**
 * The names each `-o` pattern matches in full, as a regular expression (run, submit, status). A
 * pattern that matches none of `names` is reported through `warn` and skipped; when no pattern
 * matches any, the selection is an error (exit code 2) with the closest names as a hint.
 */
export function matchNames(patterns: readonly string[], names: readonly string[], warn: (message: string) => void): string[][] {
  const hits = patterns.map((pattern) => {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${pattern})$`);
    } catch (err) {
      throw new UserError(`-o ${pattern} is not a valid regular expression: ${(err as Error).message}`, "names are matched as full regular expressions");
    }
    return names.filter((n) => re.test(n));
  });
  const missed = patterns.filter((_, i) => hits[i].length === 0);
  if (missed.length === patterns.length) throw new UserError(`no operation or group matches ${missed.join(" or ")}`, closestHint(missed, names));
  for (const pattern of missed) {
    const close = closeNames(pattern, names);
    warn(`no operation or group matches ${pattern}; skipped${close.length ? ` (did you mean ${close.join(" or ")}?)` : ""}`);
  }
  return hits;
}

/** The hint for names that match nothing: the known names closest to them, else the known names. */
export function closestHint(words: readonly string[], names: readonly string[]): string {
  const close = [...new Set(words.flatMap((w) => closeNames(w, names)))];
  return close.length ? `did you mean ${close.join(" or ")}?` : knownHint([...names]);
}

export function knownHint(names: string[]): string {
  return names.length ? `known: ${names.slice(0, 10).join(", ")}${names.length > 10 ? ", ..." : ""}` : "the project defines none";
}
