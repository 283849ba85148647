/**
 * cohort's library API: what a project module (`project.ts`) imports.
 */
export { Float, float, pyType, type JsonObject, type JsonValue, type PyType } from "./dataspace/value.js";
export { canonicalJson, dumpJson, parseJson, prettyJson, JsonSyntaxError } from "./dataspace/json.js";
export { jobId } from "./dataspace/id.js";
export { Document } from "./dataspace/document.js";
export { Job } from "./dataspace/job.js";
export { Project, openProject, initProject, type GroupKey } from "./dataspace/project.js";
export { checkWorkspace, type WorkspaceProblem } from "./dataspace/check.js";
export { UserError } from "./util/errors.js";
