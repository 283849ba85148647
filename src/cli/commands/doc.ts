import { Document } from "../../dataspace/document.js";
import { prettyJson } from "../../dataspace/json.js";
import { splitPath } from "../../dataspace/keys.js";
import { parseScalar } from "../../dataspace/multivalue.js";
import { lookupPath } from "../../dataspace/project.js";
import { isPlainObject, type JsonObject, type JsonValue } from "../../dataspace/value.js";
import { UserError } from "../../util/errors.js";
import { out } from "../context.js";
import { loadProject } from "../project.js";

export default function doc(args: string[], opts: { project?: boolean; delete?: string }): void {
  const project = loadProject({ index: !opts.project });
  let document: Document;
  let rest: string[];
  if (opts.project) {
    document = project.doc;
    rest = args;
  } else {
    if (args.length === 0) throw new UserError("doc needs a job id", "or --project for the project document");
    // A directory whose state point is not this id's is refused, as a run refuses it (Job.verify).
    document = project.job(args[0]).verify().doc;
    rest = args.slice(1);
  }
  if (rest.length > 2) throw new UserError(`too many arguments: ${rest.slice(2).join(" ")}`, "doc [ID] [KEY [VALUE]]");
  if (opts.delete !== undefined) {
    if (rest.length > 0) throw new UserError("--delete takes no KEY or VALUE arguments", "doc ID --delete KEY");
    const keys = splitPath(opts.delete);
    const data = document.data;
    const parent = lookupPath(data, keys.slice(0, -1));
    if (!isPlainObject(parent) || !Object.hasOwn(parent, keys[keys.length - 1])) {
      throw new UserError(`the document has no key ${opts.delete}`, "print it with 'cohort doc ID'");
    }
    delete parent[keys[keys.length - 1]];
    document.replace(data);
    return;
  }
  if (rest.length === 0) {
    out(prettyJson(document.data) + "\n");
    return;
  }
  const keys = splitPath(rest[0]);
  if (rest.length === 1) {
    const value = lookupPath(document.data, keys);
    if (value === undefined) throw new UserError(`the document has no key ${rest[0]}`, "print it with 'cohort doc ID'");
    out(prettyJson(value) + "\n");
    return;
  }
  const data = document.data;
  setPath(data, keys, parseScalar(rest[1]), rest[0]);
  document.replace(data);
}

function setPath(data: JsonObject, keys: string[], value: JsonValue, dotted: string): void {
  let obj = data;
  for (const k of keys.slice(0, -1)) {
    if (!Object.hasOwn(obj, k)) obj[k] = {};
    const next = obj[k];
    if (!isPlainObject(next)) throw new UserError(`${k} in ${dotted} is not an object`, "delete it first or choose another key");
    obj = next;
  }
  obj[keys[keys.length - 1]] = value;
}
