/**
 * What run lists show: a summary of every run and every group of a project, read in one pass over
 * `.cohort/runs/` (one directory listing tells which runs have attributes or trash markers).
 */
import fs from "node:fs";
import path from "node:path";
import { isErrno } from "../util/fs.js";
import { labelOf, readAttributes, tagsOf, type Attributes } from "./attributes.js";
import { clusterJobStatus, groupOperation, groupStarted, groupStatus, type ClusterJobState, type GroupStatus, type MemberFacts } from "./group-columns.js";
import { membersOf, RunGroup, type GroupKind } from "./groups.js";
import { RunRecord, runsDir, type OpRef, type RunStatus, type StatusOptions } from "./record.js";
import { runName } from "./run-id.js";
import { trashState, type TrashState } from "./trash.js";

export interface RunSummary {
  id: string;
  name: string;
  operation: string;
  /** The FlowGroup the run was executed in, if not its operation's own. */
  flowgroup?: string;
  /** Job ids of its aggregate; empty for a flag run. */
  jobs: string[];
  /** Epoch microseconds. */
  started?: number;
  status: RunStatus;
  label: string;
  tags: string[];
  trash: TrashState;
}

export interface GroupSummary {
  id: string;
  name: string;
  kind?: GroupKind;
  operation: string;
  started?: number;
  status: GroupStatus;
  label: string;
  tags: string[];
  /** Member run ids, oldest first, deleted and purged ones included. */
  members: string[];
  attributes: Attributes;
}

export interface Catalog {
  /** Every run with a record (purged runs have none), oldest first. */
  runs: RunSummary[];
  groups: GroupSummary[];
  /** Ids of runs that were purged (only their marker is left). */
  purged: Set<string>;
}

const ENTRY_RE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(meta|user|move|group)$/;

export interface CatalogOptions extends StatusOptions {
  /** The state of a submission group's cluster job, when a scheduler was asked. */
  clusterJob?(group: RunGroup | GroupSummary): ClusterJobState | undefined;
}

/** Reads every run and group of a project. */
export function readCatalog(projectRoot: string, opts: CatalogOptions = {}): Catalog {
  const dir = runsDir(projectRoot);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return { runs: [], groups: [], purged: new Set() };
    throw err;
  }
  const metas: string[] = [];
  const users = new Set<string>();
  const moves = new Set<string>();
  const groupIds: string[] = [];
  for (const n of names) {
    const m = ENTRY_RE.exec(n);
    if (!m) continue;
    if (m[2] === "meta") metas.push(m[1]);
    else if (m[2] === "user") users.add(m[1]);
    else if (m[2] === "move") moves.add(m[1]);
    else groupIds.push(m[1]);
  }
  metas.sort();
  groupIds.sort();
  const runs: RunSummary[] = [];
  const purged = new Set<string>();
  const trash = new Map<string, TrashState>();
  for (const id of moves) {
    const state = trashState(projectRoot, id);
    trash.set(id, state);
    if (state === "purged") purged.add(id);
  }
  for (const id of metas) {
    if (purged.has(id)) continue;
    const summary = summarizeRun(projectRoot, id, users.has(id), trash.get(id) ?? "present", opts);
    if (summary) runs.push(summary);
  }
  const byId = new Map(runs.map((r) => [r.id, r]));
  const groups: GroupSummary[] = [];
  for (const id of groupIds) {
    // A directory named like a group but without its id file is not one (made by hand, or half-copied).
    try {
      groups.push(summarizeGroup(projectRoot, id, byId, opts));
    } catch {
      continue;
    }
  }
  return { runs, groups, purged };
}

function summarizeRun(projectRoot: string, id: string, hasUser: boolean, trash: TrashState, opts: StatusOptions): RunSummary | undefined {
  let record: RunRecord;
  try {
    record = RunRecord.open(projectRoot, id);
  } catch {
    return undefined; // a record being purged, or a foreign directory
  }
  const attrs = hasUser ? readAttributes(path.join(runsDir(projectRoot), id + ".user")) : new Map();
  let opref: OpRef | undefined;
  try {
    opref = record.opref;
  } catch {
    opref = undefined; // an empty or damaged opref: the run is listed all the same, its operation as "?"
  }
  return {
    id,
    name: runName(id),
    operation: opref?.operation ?? "?",
    flowgroup: opref?.group,
    jobs: record.jobs,
    started: record.started,
    status: record.status(opts),
    label: labelOf(attrs),
    tags: tagsOf(attrs),
    trash,
  };
}

/** A group's row: its columns derived from the members that are neither deleted nor purged. */
export function summarizeGroup(projectRoot: string, id: string, runs: Map<string, RunSummary>, opts: CatalogOptions = {}): GroupSummary {
  const group = RunGroup.open(projectRoot, id);
  const attrs = group.attributes;
  const members = membersOf(attrs);
  const counted: MemberFacts[] = [];
  for (const m of members) {
    const r = runs.get(m);
    if (r && r.trash === "present") counted.push({ operation: r.operation, started: r.started, status: r.status });
  }
  const statuses: GroupStatus[] = counted.map((m) => m.status);
  const summary: GroupSummary = {
    id,
    name: group.name,
    kind: group.kind,
    operation: groupOperation(counted),
    started: groupStarted(counted),
    status: "unknown",
    label: labelOf(attrs),
    tags: tagsOf(attrs),
    members,
    attributes: attrs,
  };
  const cluster = opts.clusterJob?.(summary);
  if (cluster !== undefined) {
    const extra = clusterJobStatus(cluster);
    if (extra !== undefined) statuses.push(extra);
  }
  summary.status = groupStatus(statuses);
  return summary;
}
