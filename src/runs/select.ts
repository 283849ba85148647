/**
 * Naming runs and groups on the command line (SPEC §6, §7). A reference is, tried in this order:
 *
 * - a list index `N` (digits, no leading zero): the `#` column of `cohort runs` for a run (the N-th
 *   run not deleted, newest first; with `deleted`, the N-th deleted one, as `cohort runs --deleted`
 *   numbers them), or of `cohort runs -g` for a group (row N must be a group);
 * - a name `xxxxx-xxxxx` (the proquint of the id's last 32 bits);
 * - a unique id prefix: at least 4 hex digits, or any prefix with a dash; case does not matter.
 *
 * Version 7 ids start with `0` until the year 2527, so a number never reads as an id prefix.
 * A run that was purged keeps its events: naming it says so, rather than that no such run exists.
 */
import { UserError } from "../util/errors.js";
import { deletedGroups, foldedRows, listedRuns } from "./listing.js";
import { trashOf } from "./run-status.js";
import { isRunName, runName } from "./run-id.js";
import type { Group, Run, RunsView } from "./view.js";

const INDEX_RE = /^[1-9][0-9]*$/;
const PREFIX_RE = /^[0-9a-f][0-9a-f-]*$/;

function isPrefix(ref: string): boolean {
  return PREFIX_RE.test(ref) && (ref.includes("-") || ref.length >= 4);
}

/** The ids among `ids` that `ref` names, by name or id prefix (an index is handled by the caller). */
function matching(ids: Iterable<string>, ref: string): string[] {
  const out: string[] = [];
  if (isRunName(ref)) {
    for (const id of ids) if (runName(id) === ref) out.push(id);
  } else if (isPrefix(ref)) {
    for (const id of ids) if (id.startsWith(ref)) out.push(id);
  }
  return out;
}

function ambiguous(what: string, ref: string, ids: string[]): UserError {
  const shown = ids.slice(0, 5).map((id) => `${runName(id)} (${id})`);
  const more = ids.length > 5 ? `, and ${ids.length - 5} more` : "";
  return new UserError(`${what} ${ref} is ambiguous: it names ${shown.join(", ")}${more}`, "give more characters of the id");
}

export interface RunSelectOptions {
  /** Count an index among deleted runs (the numbers of `cohort runs --deleted`), as `restore` does. */
  deleted?: boolean;
}

/**
 * What naming runs looks in, made once for many references, each part at its first use:
 * `cohort runs delete $(seq 20000)` sorted all 100,000 runs again for each number (154 s).
 */
export class RunRefs {
  private listed: Run[] | undefined;
  private names: Map<string, string[]> | undefined;

  constructor(
    readonly view: RunsView,
    readonly opts: RunSelectOptions = {},
  ) {}

  /** The runs `#N` numbers (listedRuns). */
  listedRuns(): Run[] {
    return (this.listed ??= listedRuns(this.view, this.opts.deleted ?? false));
  }

  /** The run ids that a name or id prefix names, in the journals' order. */
  matching(ref: string): string[] {
    const runs = this.view.ledger.runs;
    if (isRunName(ref)) {
      // (a name is worked out from each id: 32 ms per reference over 100,000 runs, without the map)
      if (!this.names) {
        this.names = new Map();
        for (const id of runs.keys()) {
          const name = runName(id);
          const same = this.names.get(name);
          if (same) same.push(id);
          else this.names.set(name, [id]);
        }
      }
      return this.names.get(ref) ?? [];
    }
    // A whole id (as scripts give them, from `cohort runs --json`) names only itself; a scan of 100,000
    // ids took 0.65 ms, 13 s for 20,000 of them. Prefixes typed by hand are few.
    if (runs.has(ref)) return [ref];
    return matching(runs.keys(), ref);
  }
}

/** The run that `ref` names; a UserError when none does, several do, or it was purged. */
export function resolveRun(view: RunsView, ref: string, opts: RunSelectOptions = {}, refs = new RunRefs(view, opts)): Run {
  const run = view.ledger.runs.get(resolveRunId(view, ref, opts, refs))!;
  if (trashOf(run) === "purged") throw new UserError(`run ${ref} was purged`, "its files are gone; 'cohort runs -a' lists the runs there are");
  return run;
}

/**
 * The id of the run that `ref` names, a purged one included (`group remove` drops purged members).
 * A UserError when no run, or several, answer to it.
 */
export function resolveRunId(view: RunsView, ref: string, opts: RunSelectOptions = {}, refs = new RunRefs(view, opts)): string {
  const want = ref.trim().toLowerCase();
  if (INDEX_RE.test(want)) {
    const listed = refs.listedRuns();
    const n = Number(want);
    if (n > listed.length) {
      const where = opts.deleted ? "'cohort runs --deleted'" : "'cohort runs -a'";
      throw new UserError(`no run #${n}`, `${where} numbers ${listed.length} run${listed.length === 1 ? "" : "s"}`);
    }
    return listed[n - 1].id;
  }
  const found = refs.matching(want);
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    // A purged run among several keeps no name of its own: the others are meant.
    const kept = found.filter((id) => trashOf(view.ledger.runs.get(id)!) !== "purged");
    if (kept.length === 1) return kept[0];
    throw ambiguous(isRunName(want) ? "run name" : "run id prefix", ref, found);
  }
  if (matching(view.ledger.groups.keys(), want).length > 0) throw new UserError(`${ref} is a run group, not a run`, `'cohort group show ${ref}' shows it and its runs`);
  throw new UserError(`no run named ${ref}`, "'cohort runs -a' lists them; name a run by its name, an id prefix of 4 or more hex digits, or its #");
}

/** The runs that `refs` name, each once, in the order given. */
export function resolveRuns(view: RunsView, refs: readonly string[], opts: RunSelectOptions = {}): Run[] {
  const seen = new Map<string, Run>();
  const index = new RunRefs(view, opts);
  for (const ref of refs) {
    const r = resolveRun(view, ref, opts, index);
    if (!seen.has(r.id)) seen.set(r.id, r);
  }
  return [...seen.values()];
}

/** The group that `ref` names: its name, a unique id prefix, or its row `#` in `cohort runs -g`. */
export function resolveGroup(view: RunsView, ref: string): Group {
  const want = ref.trim().toLowerCase();
  if (INDEX_RE.test(want)) {
    const rows = foldedRows(view);
    const row = rows[Number(want) - 1];
    if (!row) throw new UserError(`no group #${want}`, `'cohort runs -g -a' numbers ${rows.length} row${rows.length === 1 ? "" : "s"}`);
    if (row.type !== "group") throw new UserError(`row #${want} of 'cohort runs -g' is run ${row.run.name}, not a group`, "'cohort runs -g -a' lists the groups");
    return row.group;
  }
  const groups = view.groups();
  const found = matching(
    groups.map((g) => g.id),
    want,
  );
  if (found.length > 1) throw ambiguous(isRunName(want) ? "group name" : "group id prefix", ref, found);
  if (found.length === 0) {
    if (deletedGroupsNamed(view, want).length > 0) throw new UserError(`group ${ref} is deleted`, `'cohort group restore ${ref}' brings it back`);
    // (as a group named where a run is expected is told apart above)
    if (matching(view.ledger.runs.keys(), want).length > 0) throw new UserError(`${ref} is a run, not a run group`, `'cohort runs show ${ref}' shows it; 'cohort runs -g' lists the groups`);
    throw new UserError(`no group named ${ref}`, "'cohort runs -g -a' lists them; name a group by its name, an id prefix of 4 or more hex digits, or its #");
  }
  return groups.find((g) => g.id === found[0])!;
}

function deletedGroupsNamed(view: RunsView, want: string): Group[] {
  const deleted = deletedGroups(view);
  const found = new Set(matching(deleted.map((g) => g.id), want));
  return deleted.filter((g) => found.has(g.id));
}

/** A deleted group, by name, id prefix or its # in `cohort runs -g --deleted`. */
export function resolveDeletedGroup(view: RunsView, ref: string): Group {
  const want = ref.trim().toLowerCase();
  if (INDEX_RE.test(want)) {
    const deleted = deletedGroups(view);
    const g = deleted[Number(want) - 1];
    if (!g) throw new UserError(`no deleted group #${want}`, `'cohort runs -g --deleted' numbers ${deleted.length} group${deleted.length === 1 ? "" : "s"}`);
    return g;
  }
  const found = deletedGroupsNamed(view, want);
  if (found.length > 1) throw ambiguous(isRunName(want) ? "group name" : "group id prefix", ref, found.map((g) => g.id));
  if (found.length === 0) throw new UserError(`no deleted group named ${ref}`, "'cohort runs -g --deleted' lists them; name one by its name, an id prefix of 4 or more hex digits, or its #");
  return found[0];
}

/** The groups that `refs` name, each once. */
export function resolveGroups(view: RunsView, refs: readonly string[]): Group[] {
  const seen = new Map<string, Group>();
  for (const ref of refs) {
    const g = resolveGroup(view, ref);
    if (!seen.has(g.id)) seen.set(g.id, g);
  }
  return [...seen.values()];
}

/**
 * The job ids that a `-j` prefix names among the runs' jobs: one, or none (no run of such a job);
 * a UserError when the prefix fits several jobs.
 */
export function resolveJobRef(view: RunsView, ref: string): string[] {
  const want = ref.trim().toLowerCase();
  if (!/^[0-9a-f]+$/.test(want)) throw new UserError(`-j ${ref} is not a job id or prefix`, "a job id is 32 hex digits; give its first few");
  const found = new Set<string>();
  for (const r of view.runs) for (const j of r.jobs) if (j.startsWith(want)) found.add(j);
  if (found.size > 1) {
    const ids = [...found].sort();
    throw new UserError(`job id prefix ${ref} is ambiguous: it names ${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", ..." : ""}`, "give more characters of the id");
  }
  return [...found];
}
