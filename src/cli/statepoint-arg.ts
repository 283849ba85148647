import { parseJson } from "../dataspace/json.js";
import { parseAssignments } from "../dataspace/multivalue.js";
import { validateStatepoint } from "../dataspace/project.js";
import type { JsonObject } from "../dataspace/value.js";
import { UserError } from "../util/errors.js";

/** A state point given on the command line: one JSON object, or KEY=VALUE pairs with single values. */
export function parseStatepointArgs(args: string[]): JsonObject {
  if (args.length === 1 && /^\s*[{[]/.test(args[0])) return validateStatepoint(parseJson(args[0], "the state point", "write it like '{\"T\": 1.0}', or as KEY=VALUE pairs"));
  const sp: JsonObject = {};
  for (const a of parseAssignments(args)) {
    if (a.multi || a.values.length !== 1) {
      throw new UserError(`${a.key} has several values`, "one job takes one value per key; 'cohort init KEY={a,b}' makes a grid");
    }
    sp[a.key] = a.values[0];
  }
  return validateStatepoint(sp);
}
