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
 * A run that was purged is known only by its trash marker: naming it says so, rather than that no
 * such run exists.
 */
import { UserError } from "../util/errors.js";
import type { Catalog, GroupRow, RunSummary } from "./catalog.js";
import { foldedRows, listedRows } from "./listing.js";
import { isRunName, runName } from "./run-id.js";

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

/** The run that `ref` names; a UserError when none does, several do, or it was purged. */
export function resolveRun(catalog: Catalog, ref: string, opts: RunSelectOptions = {}): RunSummary {
  const r = resolveRunId(catalog, ref, opts);
  if (catalog.purged.has(r)) throw new UserError(`run ${ref} was purged`, "its files are gone; 'cohort runs -a' lists the runs there are");
  return catalog.table.summary(catalog.table.indexOf(r));
}

/**
 * The id of the run that `ref` names, a purged one included (`group remove` drops purged members).
 * A UserError when no run, or several, answer to it.
 */
export function resolveRunId(catalog: Catalog, ref: string, opts: RunSelectOptions = {}): string {
  const want = ref.trim().toLowerCase();
  if (INDEX_RE.test(want)) {
    const listed = listedRows(catalog, opts.deleted ?? false);
    const n = Number(want);
    if (n > listed.length) {
      const where = opts.deleted ? "'cohort runs --deleted'" : "'cohort runs -a'";
      throw new UserError(`no run #${n}`, `${where} numbers ${listed.length} run${listed.length === 1 ? "" : "s"}`);
    }
    return catalog.table.id(listed[n - 1]);
  }
  const found = matching(catalog.table.ids, want);
  if (found.length === 1) return found[0];
  if (found.length > 1) throw ambiguous(isRunName(want) ? "run name" : "run id prefix", ref, found);
  const purged = matching(catalog.purged, want);
  if (purged.length === 1) return purged[0];
  if (purged.length > 1) throw ambiguous(isRunName(want) ? "run name" : "run id prefix", ref, purged);
  throw new UserError(`no run named ${ref}`, "'cohort runs -a' lists them; name a run by its name, an id prefix of 4 or more hex digits, or its #");
}

/** The runs that `refs` name, each once, in the order given. */
export function resolveRuns(catalog: Catalog, refs: readonly string[], opts: RunSelectOptions = {}): RunSummary[] {
  const seen = new Map<string, RunSummary>();
  for (const ref of refs) {
    const r = resolveRun(catalog, ref, opts);
    if (!seen.has(r.id)) seen.set(r.id, r);
  }
  return [...seen.values()];
}

/** The group that `ref` names: its name, a unique id prefix, or its row `#` in `cohort runs -g`. */
export function resolveGroup(catalog: Catalog, ref: string): GroupRow {
  const want = ref.trim().toLowerCase();
  if (INDEX_RE.test(want)) {
    const rows = foldedRows(catalog);
    const row = rows[Number(want) - 1];
    if (!row) throw new UserError(`no group #${want}`, `'cohort runs -g -a' numbers ${rows.length} row${rows.length === 1 ? "" : "s"}`);
    if (row.type !== "group") throw new UserError(`row #${want} of 'cohort runs -g' is run ${catalog.table.name(row.row)}, not a group`, "'cohort runs -g -a' lists the groups");
    return row.group;
  }
  const found = matching(
    catalog.groups.map((g) => g.id),
    want,
  );
  if (found.length > 1) throw ambiguous(isRunName(want) ? "group name" : "group id prefix", ref, found);
  if (found.length === 0) {
    throw new UserError(`no group named ${ref}`, "'cohort runs -g -a' lists them; name a group by its name, an id prefix of 4 or more hex digits, or its #");
  }
  return catalog.groups.find((g) => g.id === found[0])!;
}

/** The groups that `refs` name, each once. */
export function resolveGroups(catalog: Catalog, refs: readonly string[]): GroupRow[] {
  const seen = new Map<string, GroupRow>();
  for (const ref of refs) {
    const g = resolveGroup(catalog, ref);
    if (!seen.has(g.id)) seen.set(g.id, g);
  }
  return [...seen.values()];
}

/**
 * The job ids that a `-j` prefix names among the runs' jobs: one, or none (no run of such a job);
 * a UserError when the prefix fits several jobs.
 */
export function resolveJobRef(catalog: Catalog, ref: string): string[] {
  const want = ref.trim().toLowerCase();
  if (!/^[0-9a-f]+$/.test(want)) throw new UserError(`-j ${ref} is not a job id or prefix`, "a job id is 32 hex digits; give its first few");
  const found = new Set<string>();
  const table = catalog.table;
  table.readAll();
  for (let r = 0; r < table.length; r++) for (const j of table.jobs(r)) if (j.startsWith(want)) found.add(j);
  if (found.size > 1) {
    const ids = [...found].sort();
    throw new UserError(`job id prefix ${ref} is ambiguous: it names ${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", ..." : ""}`, "give more characters of the id");
  }
  return [...found];
}
