/** `cohort group create|add|remove|delete`: run groups made and changed by hand (SPEC §7). */
import { RunGroup } from "../../runs/groups.js";
import { resolveGroup, resolveGroups, resolveRunId, resolveRuns } from "../../runs/select.js";
import { runName } from "../../runs/run-id.js";
import { UserError } from "../../util/errors.js";
import { out, warn } from "../context.js";
import { openCatalog } from "../run-rows.js";

/** `group create [--label L] RUN...`: a `manual` group; prints its name. */
export function create(refs: string[], opts: { label?: string }): void {
  if (opts.label === "") throw new UserError("--label '' is an empty label", "leave --label out for a group without one");
  const { root, catalog } = openCatalog();
  const runs = resolveRuns(catalog, refs);
  const group = RunGroup.create(root, { kind: "manual", members: runs.map((r) => r.id), label: opts.label });
  out(group.name + "\n");
}

/** `group add GROUP RUN...`. */
export function add(ref: string, refs: string[]): void {
  const { root, catalog } = openCatalog();
  const summary = resolveGroup(catalog, ref);
  const have = new Set(summary.members);
  const runs = resolveRuns(catalog, refs);
  for (const r of runs) if (have.has(r.id)) warn(`run ${r.name} is in group ${summary.name} already`);
  const added = runs.filter((r) => !have.has(r.id));
  if (added.length > 0) RunGroup.open(root, summary.id).addMembers(added.map((r) => r.id));
  for (const r of added) out(`${summary.name}  + ${r.name}\n`);
}

/** `group remove GROUP RUN...`: a purged member can be removed too, by its name or id prefix. */
export function remove(ref: string, refs: string[]): void {
  const { root, catalog } = openCatalog();
  const summary = resolveGroup(catalog, ref);
  const have = new Set(summary.members);
  const ids = [...new Set(refs.map((r) => resolveRunId(catalog, r)))];
  const strangers = ids.filter((id) => !have.has(id));
  if (strangers.length > 0) {
    throw new UserError(`run ${strangers.map(runName).join(", ")} is not in group ${summary.name}`, `'cohort group show ${summary.name}' lists its members`);
  }
  RunGroup.open(root, summary.id).removeMembers(ids);
  for (const id of ids) out(`${summary.name}  - ${runName(id)}\n`);
}

/** `group delete GROUP...`: the groups go, their member runs stay. */
export function deleteGroups(refs: string[]): void {
  const { root, catalog } = openCatalog();
  for (const g of resolveGroups(catalog, refs)) {
    RunGroup.open(root, g.id).delete();
    out(`${g.name}  deleted (its ${g.members.length} run${g.members.length === 1 ? "" : "s"} stay)\n`);
  }
}
