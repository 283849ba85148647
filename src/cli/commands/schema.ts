import { parseFilterArgs } from "../../dataspace/filter.js";
import { dumpJson } from "../../dataspace/json.js";
import { detectSchema, formatSchema, schemaToJson } from "../../dataspace/schema.js";
import { out } from "../context.js";
import { parseCount } from "../../util/numbers.js";
import { loadProject } from "../project.js";

export default function schema(filterArgs: string[], opts: { json?: boolean; maxValues: string }): void {
  const maxValues = parseCount(opts.maxValues, "--max-values", 0);
  const project = loadProject();
  const sps = filterArgs.length ? project.find(parseFilterArgs(filterArgs)).map((j) => j.spData) : project.index.statepoints;
  const detected = detectSchema(sps);
  if (opts.json) out(dumpJson(schemaToJson(detected)) + "\n");
  else out(formatSchema(detected, { maxValues }) + "\n");
}
