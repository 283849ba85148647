/**
 * Run groups (SPEC §7): a `group` event makes one, with its kind and first attributes (details of its
 * kind, label, members as `run:<id>` keys); `attr` events change it; a run joins groups as it is made
 * (its event's `in`). The runner making a batch or pipeline ends it with an `end` event once it has
 * made every run it will make: a group without one, whose runner is gone, was stopped half-way.
 */
import type { JsonObject } from "../dataspace/value.js";
import { changeAttributes } from "./attributes.js";
import { JournalWriter, nowMicros, type GroupKind } from "./journal.js";
import { MEMBER_PREFIX } from "./ledger.js";
import { newRunId, runName } from "./run-id.js";

export type { GroupKind } from "./journal.js";


export interface NewGroup {
  kind: GroupKind;
  members?: string[];
  label?: string;
  /** Details of the kind (`flowgroup`, `flags`, `operation`, `scheduler`, `scheduler_job_id`, ...). */
  details?: JsonObject;
  /** How many runs a batch will make. */
  planned?: number;
  /** A group id chosen beforehand; default: a new one. */
  id?: string;
}

/** Records a new group and returns its id and name. */
export function makeGroup(projectRoot: string, init: NewGroup): { id: string; name: string } {
  const id = init.id ?? newRunId();
  const set: JsonObject = { ...(init.details ?? {}) };
  if (init.label !== undefined && init.label !== "") set.label = init.label;
  for (const m of init.members ?? []) set[MEMBER_PREFIX + m] = "";
  JournalWriter.of(projectRoot).append({ e: "group", t: nowMicros(), id, kind: init.kind, planned: init.planned, set: Object.keys(set).length > 0 ? set : undefined });
  return { id, name: runName(id) };
}

/** The runner of a batch or pipeline has made every run it will make. */
export function endGroup(projectRoot: string, id: string): void {
  JournalWriter.of(projectRoot).append({ e: "end", t: nowMicros(), id });
}

export function addMembers(projectRoot: string, group: string, runs: Iterable<string>): void {
  const set: JsonObject = {};
  for (const id of runs) set[MEMBER_PREFIX + id] = "";
  changeAttributes(projectRoot, group, { set });
}

export function removeMembers(projectRoot: string, group: string, runs: Iterable<string>): void {
  changeAttributes(projectRoot, group, { delete: [...runs].map((id) => MEMBER_PREFIX + id) });
}

/** Deletes a group (to the trash); its member runs stay. */
export function deleteGroup(projectRoot: string, group: string): void {
  changeAttributes(projectRoot, group, { set: { trash: "" } });
}

/** Takes a deleted group out of the trash. */
export function restoreGroup(projectRoot: string, group: string): void {
  changeAttributes(projectRoot, group, { delete: ["trash"] });
}

