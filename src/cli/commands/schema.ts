import { parseFilterArgs } from "../../dataspace/filter.js";
import { dumpJson } from "../../dataspace/json.js";
import { detectSchema, formatSchema, schemaToJson } from "../../dataspace/schema.js";
import { UserError } from "../../util/errors.js";
import { out } from "../context.js";
import { loadProject } from "../project.js";

export default function schema(filterArgs: string[], opts: { json?: boolean; maxValues: string }): void {
  const maxValues = Number(opts.maxValues);
  if (!Number.isInteger(maxValues) || maxValues < 0) throw new UserError(`--max-values ${opts.maxValues} is not a count`, "give a whole number");
  const project = loadProject();
  const sps = filterArgs.length ? project.find(parseFilterArgs(filterArgs)).map((j) => j.spData) : project.index.statepoints;
  const detected = detectSchema(sps);
  if (opts.json) out(dumpJson(schemaToJson(detected)) + "\n");
  else out(formatSchema(detected, { maxValues }) + "\n");
}
