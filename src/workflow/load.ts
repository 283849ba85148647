import fs from "node:fs";
import path from "node:path";
import { readTextFile } from "../util/fs.js";
import { PROJECT_FILE, type Project } from "../dataspace/project.js";
import type { WorkflowDefinition } from "./model.js";
import { loadProjectModule } from "./module-loader.js";
import { parseProjectToml } from "./toml.js";
import { Workflow } from "./workflow.js";

/** The project's workflow: cohort.toml and the project module (project.ts, .mts, .mjs or .js), merged. */
export async function loadWorkflow(project: Project): Promise<Workflow> {
  const definitions: WorkflowDefinition[] = [];
  const tomlFile = path.join(project.root, PROJECT_FILE);
  if (fs.existsSync(tomlFile)) definitions.push(parseProjectToml(readTextFile(tomlFile), PROJECT_FILE));
  const fromModule = await loadProjectModule(project.root);
  if (fromModule) definitions.push(fromModule);
  return new Workflow(definitions);
}
