import fs from "node:fs";
import path from "node:path";
import { removeStaleTemps, sweepStaleTemps } from "../util/fs.js";
import { JOB_ID } from "./id.js";
import { JOB_DOCUMENT_FILE } from "./job.js";
import { PROJECT_DOCUMENT_FILE } from "./project.js";
import { readStatepoint } from "./job-index.js";
import { readObjectFile } from "./json-file.js";

export interface WorkspaceProblem {
  /** The entry's name in workspace/. */
  name: string;
  /** The file or directory, from the project's directory. */
  path: string;
  kind: "invalid-job" | "foreign" | "document";
  reason: string;
}

/**
 * Reads every entry of the workspace afresh (no cache): job directories whose state point is
 * missing, corrupt or does not hash to their name, job documents that are not a JSON object (every
 * command that reads one would fail), and entries that are not job directories. Temporary files a
 * killed process left, in the workspace and in job directories, are removed.
 */
export function checkWorkspace(workspace: string, onProgress?: (done: number, total: number) => void): WorkspaceProblem[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(workspace, { withFileTypes: true });
  } catch {
    return [];
  }
  const problems: WorkspaceProblem[] = [];
  entries.forEach((entry, i) => {
    if (onProgress && i % 1000 === 0) onProgress(i, entries.length);
    const name = entry.name;
    const at = `${path.basename(workspace)}/${name}`;
    if (removeStaleTemps(workspace, [name]) === 1) {
      // a temporary file a killed process left: removed, not a problem
    } else if (!JOB_ID.test(name)) {
      problems.push({ name, path: at, kind: "foreign", reason: entry.isDirectory() ? "directory not named by a job id" : "not a job directory" });
    } else if (!entry.isDirectory()) {
      problems.push({ name, path: at, kind: "foreign", reason: "a file named like a job id" });
    } else {
      const dir = path.join(workspace, name);
      const sp = readStatepoint(dir, name);
      if (typeof sp === "string") problems.push({ name, path: at, kind: "invalid-job", reason: sp });
      else {
        const doc = readObjectFile(path.join(dir, JOB_DOCUMENT_FILE), "document");
        if (typeof doc === "string") problems.push({ name, path: `${at}/${JOB_DOCUMENT_FILE}`, kind: "document", reason: doc });
      }
      sweepStaleTemps(dir);
    }
  });
  return problems.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The project document's problem when it is not a JSON object, which every command reading it would fail on. */
export function checkProjectDocument(root: string): WorkspaceProblem | undefined {
  const doc = readObjectFile(path.join(root, PROJECT_DOCUMENT_FILE), "project document");
  return typeof doc === "string" ? { name: PROJECT_DOCUMENT_FILE, path: PROJECT_DOCUMENT_FILE, kind: "document", reason: doc } : undefined;
}
