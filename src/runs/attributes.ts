/**
 * Attributes of runs and groups (SPEC §6): labels, tags, comments, trash, and a group's members and
 * details. Each change is an `attr` event in this process's journal; reading applies the changes of
 * every journal in time order, later wins, deletes after sets (ledger.ts).
 */
import type { JsonObject } from "../dataspace/value.js";
import { UserError } from "../util/errors.js";
import { CONTROL } from "../util/text.js";
import { currentAuthor, JournalWriter, nowMicros } from "./journal.js";

/** The attributes of a run or group now. */
export type Attributes = ReadonlyMap<string, unknown>;

/** Records one change of the attributes of run or group `of`; a change of nothing records nothing. */
export function changeAttributes(projectRoot: string, of: string, change: { set?: JsonObject; delete?: string[] }): void {
  const set = change.set && Object.keys(change.set).length > 0 ? change.set : undefined;
  const del = change.delete && change.delete.length > 0 ? change.delete : undefined;
  if (!set && !del) return;
  JournalWriter.of(projectRoot).append({ e: "attr", t: nowMicros(), of, set, delete: del, author: currentAuthor() });
}

// A label, tag or comment is shown in tables and on terminals: control characters, which could move
// the cursor, retitle the terminal or add lines, are refused (a comment may span lines).

/** A label as given, or a UserError when it is not one line of printable text. */
export function checkLabel(label: string): string {
  if (CONTROL.test(label)) throw new UserError(`the label ${JSON.stringify(label)} holds a control character such as a line break`, "a label is one line of printable text");
  return label;
}

/** A tag as given, or a UserError when it is empty or holds white space or a control character. */
export function checkTag(tag: string): string {
  if (tag === "" || /\s/.test(tag) || CONTROL.test(tag)) throw new UserError(`tag ${JSON.stringify(tag)} is empty or has white space or a control character`, "a tag is a word, or KEY=VALUE");
  return tag;
}

// eslint-disable-next-line no-control-regex -- control characters but line breaks and tabs
const COMMENT_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

/** A comment as given, or a UserError when it is empty or holds a control character other than a line break or tab. */
export function checkComment(msg: string): string {
  if (msg.trim() === "") throw new UserError("the comment is empty", "give the comment's text");
  if (COMMENT_CONTROL.test(msg)) throw new UserError(`the comment ${JSON.stringify(msg)} holds a control character`, "a comment is printable text, on one line or several");
  return msg;
}

/** Tags (`tag:NAME` keys), sorted. */
export function tagsOf(attrs: Attributes): string[] {
  const tags: string[] = [];
  for (const k of attrs.keys()) if (k.startsWith("tag:")) tags.push(k.slice(4));
  return tags.sort();
}

export interface Comment {
  id: string;
  msg: string;
  author: string;
  /** Epoch microseconds. */
  time: number;
}

/** Comments (`comment:ID` keys), oldest first. */
export function commentsOf(attrs: Attributes): Comment[] {
  const comments: Comment[] = [];
  for (const [k, v] of attrs) {
    if (!k.startsWith("comment:") || typeof v !== "object" || v === null) continue;
    const c = v as Record<string, unknown>;
    comments.push({
      id: k.slice(8),
      msg: typeof c.msg === "string" ? c.msg : "",
      author: typeof c.author === "string" ? c.author : "",
      time: typeof c.time === "number" ? c.time : Number(c.time ?? 0),
    });
  }
  return comments.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1));
}

/** The `label` attribute, or "". */
export function labelOf(attrs: Attributes): string {
  const v = attrs.get("label");
  return typeof v === "string" ? v : "";
}
