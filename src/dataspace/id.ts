import { createHash } from "node:crypto";
import { canonicalJson } from "./json.js";
import type { JsonObject } from "./value.js";

/** signac's job id: md5 of `json.dumps(sp, sort_keys=True)`. */
export function jobId(sp: JsonObject): string {
  return createHash("md5").update(canonicalJson(sp)).digest("hex");
}

export const JOB_ID = /^[0-9a-f]{32}$/;
