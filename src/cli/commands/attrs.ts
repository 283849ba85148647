/**
 * `label`, `tag` and `comment` of runs (`cohort runs ...`) and of groups (`cohort group ...`): one
 * implementation for both. Each change to one run or group is one `attr` event of this process's
 * journal.
 */
import crypto from "node:crypto";
import { dumpJson } from "../../dataspace/json.js";
import type { JsonObject } from "../../dataspace/value.js";
import { changeAttributes, checkComment, checkLabel, checkTag, commentsOf, tagsOf, type Attributes, type Comment } from "../../runs/attributes.js";
import { currentAuthor, nowMicros } from "../../runs/journal.js";
import { resolveGroups, resolveRuns } from "../../runs/select.js";
import { UserError } from "../../util/errors.js";
import { printable } from "../../util/text.js";
import { out, warn } from "../context.js";
import { openRuns } from "../runs-rows.js";
import { renderTable } from "../table.js";
import { isoTime } from "../when.js";

export type Noun = "run" | "group";

interface Target {
  id: string;
  name: string;
  attributes: Attributes;
  change(change: { set?: JsonObject; delete?: string[] }): void;
}

async function targets(noun: Noun, refs: string[]): Promise<Target[]> {
  const { root, view } = await openRuns();
  const found = noun === "group" ? resolveGroups(view, refs) : resolveRuns(view, refs);
  return found.map((x) => ({ id: x.id, name: x.name, attributes: x.attrs, change: (c) => changeAttributes(root, x.id, c) }));
}

/** The one option given among `names`; a UserError when none or several are. */
function oneOf<T extends object>(opts: T, names: Record<string, keyof T>): string {
  const given = Object.keys(names).filter((flag) => opts[names[flag]] !== undefined && opts[names[flag]] !== false);
  const all = Object.keys(names).join(", ");
  if (given.length === 0) throw new UserError(`give one of ${all}`, "see --help");
  if (given.length > 1) throw new UserError(`${given.join(" and ")} cannot go together`, `give one of ${all}`);
  return given[0];
}

export interface LabelOptions {
  set?: string;
  clear?: boolean;
}

async function label(noun: Noun, refs: string[], opts: LabelOptions): Promise<void> {
  const which = oneOf(opts, { "--set": "set", "--clear": "clear" });
  if (which === "--set" && opts.set === "") throw new UserError("--set '' is an empty label", "--clear removes a label");
  if (which === "--set") checkLabel(opts.set!);
  for (const t of await targets(noun, refs)) {
    if (which === "--set") t.change({ set: { label: opts.set! } });
    else t.change({ delete: ["label"] });
    out(`${t.name}  ${which === "--set" ? `label ${opts.set}` : "no label"}\n`);
  }
}

export interface TagOptions {
  add?: string[];
  remove?: string[];
}


async function tag(noun: Noun, refs: string[], opts: TagOptions): Promise<void> {
  const which = oneOf(opts, { "--add": "add", "--remove": "remove" });
  const tags = (which === "--add" ? opts.add! : opts.remove!).map(checkTag);
  for (const t of await targets(noun, refs)) {
    const have = new Set(tagsOf(t.attributes));
    if (which === "--add") {
      const set: JsonObject = {};
      for (const x of tags) set[`tag:${x}`] = "";
      t.change({ set });
      for (const x of tags) have.add(x);
    } else {
      const absent = tags.filter((x) => !have.has(x));
      if (absent.length > 0) warn(`${noun} ${t.name} has no tag ${absent.join(", ")}`);
      // (nothing to remove: no event, which would change nothing)
      const gone = tags.filter((x) => have.has(x));
      if (gone.length > 0) t.change({ delete: gone.map((x) => `tag:${x}`) });
      for (const x of tags) have.delete(x);
    }
    out(`${t.name}  ${have.size > 0 ? `tags ${[...have].sort().join(", ")}` : "no tags"}\n`);
  }
}

export interface CommentOptions {
  message?: string;
  list?: boolean;
  delete?: string;
  json?: boolean;
}

/** A new comment's id: 8 random hex digits (comments sort by their time, not by id). */
export function newCommentId(): string {
  return crypto.randomBytes(4).toString("hex");
}

export function commentsJson(comments: Comment[]): JsonObject[] {
  return comments.map((c) => ({ id: c.id, msg: c.msg, author: c.author, time: c.time, time_iso: isoTime(c.time) }));
}

/** `ID  TIME  AUTHOR: MESSAGE` per comment, oldest first. */
export function commentLines(comments: Comment[]): string[] {
  // (a comment of several lines goes on indented under its first)
  return comments.map((c) => `${c.id}  ${isoTime(c.time)}  ${printable(c.author)}: ${printable(c.msg, true).replaceAll("\n", "\n    ")}`);
}

async function comment(noun: Noun, refs: string[], opts: CommentOptions): Promise<void> {
  const which = oneOf(opts, { "-m": "message", "--list": "list", "--delete": "delete" });
  const all = await targets(noun, refs);
  if (which === "--list") {
    const per = all.map((t) => ({ t, comments: commentsOf(t.attributes) }));
    if (opts.json) {
      out(dumpJson(per.map(({ t, comments }) => ({ id: t.id, name: t.name, comments: commentsJson(comments) }))) + "\n");
      return;
    }
    const rows = per.flatMap(({ t, comments }) => comments.map((c) => [t.name, c.id, isoTime(c.time) ?? "", c.author, c.msg]));
    if (rows.length > 0) out(renderTable([noun, "id", "time", "author", "message"], rows) + "\n");
    else process.stderr.write("no comments\n");
    return;
  }
  if (which === "-m") {
    if (opts.message!.trim() === "") throw new UserError("-m '' is an empty comment", "give the comment's text");
    checkComment(opts.message!);
    for (const t of all) {
      const id = newCommentId();
      t.change({ set: { [`comment:${id}`]: { msg: opts.message!, author: currentAuthor(), time: nowMicros() } } });
      out(`${t.name}  comment ${id}\n`);
    }
    return;
  }
  // --delete: every target must have the comment, or nothing is deleted.
  const want = opts.delete!.trim();
  const found = all.map((t) => {
    const ids = commentsOf(t.attributes)
      .map((c) => c.id)
      .filter((id) => id.startsWith(want));
    if (want === "" || ids.length === 0) throw new UserError(`${noun} ${t.name} has no comment ${opts.delete}`, `'cohort ${noun === "run" ? "runs" : "group"} comment ${t.name} --list' shows its comments`);
    if (ids.length > 1) throw new UserError(`comment id ${want} is ambiguous on ${noun} ${t.name}: ${ids.join(", ")}`, "give more characters");
    return { t, id: ids[0] };
  });
  for (const { t, id } of found) {
    t.change({ delete: [`comment:${id}`] });
    out(`${t.name}  comment ${id} deleted\n`);
  }
}

/** The action of `cohort runs|group label|tag|comment`. */
export function attributeCommand(noun: Noun, what: "label" | "tag" | "comment"): (refs: string[], opts: object) => Promise<void> {
  const impl = { label, tag, comment }[what] as (noun: Noun, refs: string[], opts: object) => Promise<void>;
  return (refs, opts) => impl(noun, refs, opts);
}
