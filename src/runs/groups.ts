/**
 * Run groups (SPEC §7): `<project>/.cohort/runs/<group-id>.group/` holds an `id` file (the group id,
 * a UUID v7 like a run id, one line) and the group's attribute log (attributes.ts) beside it.
 *
 * Keys of a group's log: `run:<run-id>` (value `""`) for each member, `kind` (`batch`, `pipeline`,
 * `submission`, `manual`), `label`, `tag:NAME`, `comment:ID`, and the details of its kind: `flowgroup`
 * (the FlowGroup of a pipeline or submission), `flags` (the flag spec of a batch, as typed), `operation`
 * (a batch's operation), `scheduler` and `scheduler_job_id` (a submission).
 *
 * A group is made by writing its first change in a hidden temporary directory and renaming that
 * directory into place, so a listing never sees a group without its `kind` and first members.
 */
import fs from "node:fs";
import path from "node:path";
import type { JsonObject, JsonValue } from "../dataspace/value.js";
import { readFileIfExists } from "../util/fs.js";
import { readAttributes, writeChange, type Attributes } from "./attributes.js";
import { idsIn, runsDir } from "./record.js";
import { isRunId, newRunId, runName } from "./run-id.js";

export type GroupKind = "batch" | "pipeline" | "submission" | "manual";

const GROUP_RE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.group$/;
/** A member's key in a group's attributes is this prefix and the member's run id. */
export const MEMBER_PREFIX = "run:";

/** `<project>/.cohort/runs/<id>.group`; refuses anything that is not a group id. */
export function groupDir(projectRoot: string, id: string): string {
  if (!isRunId(id)) throw new Error(`not a group id: ${JSON.stringify(id)}`);
  return path.join(runsDir(projectRoot), id + ".group");
}

/** The ids of every group of the project, oldest first. */
export function listGroupIds(projectRoot: string): string[] {
  return idsIn(runsDir(projectRoot), GROUP_RE);
}

export interface NewGroup {
  kind: GroupKind;
  members?: string[];
  label?: string;
  /** Details of the kind (`flowgroup`, `flags`, `operation`, `scheduler`, `scheduler_job_id`). */
  details?: JsonObject;
  /** A group id chosen beforehand; default: a new one. */
  id?: string;
}

/** One run group, as read from its directory. */
export class RunGroup {
  readonly name: string;
  private attrs: Attributes | undefined;

  private constructor(
    readonly projectRoot: string,
    readonly id: string,
  ) {
    this.name = runName(id);
  }

  get dir(): string {
    return groupDir(this.projectRoot, this.id);
  }

  /** Makes a group with its kind, members and details in one first change. */
  static create(projectRoot: string, init: NewGroup): RunGroup {
    const id = init.id ?? newRunId();
    const dir = groupDir(projectRoot, id);
    const tmp = path.join(path.dirname(dir), `.${id}.group.${process.pid}.tmp`);
    fs.mkdirSync(tmp, { recursive: true });
    try {
      fs.writeFileSync(path.join(tmp, "id"), id + "\n");
      const set: JsonObject = { kind: init.kind, ...(init.details ?? {}) };
      if (init.label !== undefined && init.label !== "") set.label = init.label;
      for (const m of init.members ?? []) set[MEMBER_PREFIX + m] = "";
      writeChange(tmp, { set });
      fs.renameSync(tmp, dir);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    return new RunGroup(projectRoot, id);
  }

  /** Group `id` with the attributes the caller has just read (the run catalog), not read again. */
  static withAttributes(projectRoot: string, id: string, attributes: Attributes): RunGroup {
    const group = new RunGroup(projectRoot, id);
    group.attrs = attributes;
    return group;
  }

  /** Opens group `id`; throws when it does not exist. */
  static open(projectRoot: string, id: string): RunGroup {
    const text = readFileIfExists(path.join(groupDir(projectRoot, id), "id"));
    if (text === undefined || text.trim() !== id) throw new Error(`there is no run group ${id}`);
    return new RunGroup(projectRoot, id);
  }

  /** The group's attributes (read once; `refresh` forgets them). */
  get attributes(): Attributes {
    return (this.attrs ??= readAttributes(this.dir));
  }

  refresh(): this {
    this.attrs = undefined;
    return this;
  }

  get kind(): GroupKind | undefined {
    const k = this.attributes.get("kind");
    return typeof k === "string" ? (k as GroupKind) : undefined;
  }

  /** Member run ids, oldest first. */
  get members(): string[] {
    return membersOf(this.attributes);
  }

  get(key: string): JsonValue | undefined {
    return this.attributes.get(key);
  }

  /** Adds an attribute change (members, label, tags, comments, details). */
  change(change: { set?: JsonObject; delete?: string[] }): void {
    writeChange(this.dir, change);
    this.attrs = undefined;
  }

  addMembers(ids: Iterable<string>): void {
    const set: JsonObject = {};
    for (const id of ids) set[MEMBER_PREFIX + id] = "";
    this.change({ set });
  }

  removeMembers(ids: Iterable<string>): void {
    this.change({ delete: [...ids].map((id) => MEMBER_PREFIX + id) });
  }

  /** Removes the group; its member runs stay. The directory is renamed away first, so no half-removed group is ever read. */
  delete(): void {
    const dir = this.dir;
    const gone = path.join(path.dirname(dir), `.${this.id}.group.${process.pid}.deleted`);
    fs.renameSync(dir, gone);
    fs.rmSync(gone, { recursive: true, force: true });
  }
}

/** The member run ids of a group's attributes, sorted (oldest first: run ids sort by time). */
export function membersOf(attrs: Attributes): string[] {
  const ids: string[] = [];
  for (const k of attrs.keys()) if (k.startsWith(MEMBER_PREFIX)) ids.push(k.slice(MEMBER_PREFIX.length));
  return ids.sort();
}
