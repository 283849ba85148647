/** `cohort group create|add|remove|delete|restore`: run groups made and changed by hand (SPEC §7). */
import { checkLabel } from "../../runs/attributes.js";
import { addMembers, deleteGroup, makeGroup, removeMembers, restoreGroup } from "../../runs/groups.js";
import { resolveDeletedGroup, resolveGroup, resolveGroups, resolveRunId, resolveRuns, RunRefs } from "../../runs/select.js";
import { runName } from "../../runs/run-id.js";
import { UserError } from "../../util/errors.js";
import { out, warn } from "../context.js";
import { openRuns } from "../runs-rows.js";

/** `group create [--label L] RUN...`: a `manual` group; prints its name. */
export async function create(refs: string[], opts: { label?: string }): Promise<void> {
  if (opts.label === "") throw new UserError("--label '' is an empty label", "leave --label out for a group without one");
  if (opts.label !== undefined) checkLabel(opts.label);
  const { root, view } = await openRuns();
  const runs = resolveRuns(view, refs);
  const group = makeGroup(root, { kind: "manual", members: runs.map((r) => r.id), label: opts.label });
  out(group.name + "\n");
}

/** `group add GROUP RUN...`. */
export async function add(ref: string, refs: string[]): Promise<void> {
  const { root, view } = await openRuns();
  const summary = resolveGroup(view, ref);
  const have = new Set(view.ledger.members(summary));
  const runs = resolveRuns(view, refs);
  for (const r of runs) if (have.has(r.id)) warn(`run ${r.name} is in group ${summary.name} already`);
  const added = runs.filter((r) => !have.has(r.id));
  if (added.length > 0) addMembers(root, summary.id, added.map((r) => r.id));
  for (const r of added) out(`${summary.name}  + ${r.name}\n`);
}

/** `group remove GROUP RUN...`: a purged member can be removed too, by its name or id prefix. */
export async function remove(ref: string, refs: string[]): Promise<void> {
  const { root, view } = await openRuns();
  const summary = resolveGroup(view, ref);
  const have = new Set(view.ledger.members(summary));
  const index = new RunRefs(view);
  const ids = [...new Set(refs.map((r) => resolveRunId(view, r, {}, index)))];
  const strangers = ids.filter((id) => !have.has(id));
  if (strangers.length > 0) {
    throw new UserError(`run ${strangers.map(runName).join(", ")} is not in group ${summary.name}`, `'cohort group show ${summary.name}' lists its members`);
  }
  removeMembers(root, summary.id, ids);
  for (const id of ids) out(`${summary.name}  - ${runName(id)}\n`);
}

/** `group restore GROUP...`: deleted groups come back, with the members they had. */
export async function restoreGroups(refs: string[]): Promise<void> {
  const { root, view } = await openRuns();
  const groups = refs.map((ref) => resolveDeletedGroup(view, ref));
  for (const g of new Set(groups)) {
    restoreGroup(root, g.id);
    out(`${g.name}  restored\n`);
  }
}

/** `group delete GROUP...`: the groups go, their member runs stay. */
export async function deleteGroups(refs: string[]): Promise<void> {
  const { root, view } = await openRuns();
  for (const g of resolveGroups(view, refs)) {
    deleteGroup(root, g.id);
    const n = view.ledger.members(g).length;
    out(`${g.name}  deleted (its ${n} run${n === 1 ? "" : "s"} stay)\n`);
  }
}
