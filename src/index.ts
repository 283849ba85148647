/**
 * cohort's library API: what a project module (`project.ts`) imports.
 */
export { Float, float, pyType, type JsonObject, type JsonValue, type PyType } from "./dataspace/value.js";
export { canonicalJson, dumpJson, parseJson, prettyJson, JsonSyntaxError } from "./dataspace/json.js";
export { jobId } from "./dataspace/id.js";
export { Document } from "./dataspace/document.js";
export { DestinationExistsError, Job } from "./dataspace/job.js";
export { Project, openProject, initProject, type GroupKey } from "./dataspace/project.js";
export { checkProjectDocument, checkWorkspace, type WorkspaceProblem } from "./dataspace/check.js";
export { UserError } from "./util/errors.js";
export {
  FlowProject,
  FlowGroup,
  directives,
  pre,
  post,
  hooks,
  groupsOf,
  groupBy,
  allJobs,
  cmd,
  type ConditionBuilder,
  type ConditionInput,
  type ConditionSpec,
  type GroupOptions,
  type OperationArg,
  type OperationFn,
  type OperationOptions,
  type OperationRef,
  type OperationWrapper,
  type ProjectHooks,
} from "./workflow/flow-project.js";
export type {
  Aggregator,
  Condition,
  DirectiveValue,
  Directives,
  GroupDefinition,
  HookFn,
  HookInfo,
  HookName,
  Hooks,
  JobsFn,
  LabelDefinition,
  LabelValue,
  OperationBody,
  OperationDefinition,
  Origin,
  RunContext,
  WorkflowDefinition,
} from "./workflow/model.js";
