/**
 * What the dashboard's server keeps of a project between requests, so that a page of 100,000 jobs or
 * runs does not read them all again: the runs, read from the journals and then only what they gained
 * (JournalTail); the job index, opened again only when the workspace changed; the last jobs query in
 * its order; and the status, which `cohort status --json` computes in a process of its own, served as
 * last computed.
 */
import fs from "node:fs";
import type { Job } from "../dataspace/job.js";
import { openProject, type Project } from "../dataspace/project.js";
import { JournalTail } from "../runs/ledger.js";
import { RunsView } from "../runs/view.js";
import { keyOf, sameKey, type StatKey } from "../util/stat-key.js";
import { viewWithScheduler } from "../cli/runs-rows.js";
import { errorText } from "../util/errors.js";
import { packageFile } from "../util/package-file.js";
import { execFile } from "node:child_process";
import type { JsonObject } from "../dataspace/value.js";

export interface StatusSnapshot {
  /** What `cohort status --json` prints. */
  report?: JsonObject;
  /** Epoch ms of the computation the report came from. */
  at?: number;
  error?: string;
}

export class DashboardState {
  private readonly tail: JournalTail;
  private project: { project: Project; key: StatKey | undefined } | undefined;
  private status: StatusSnapshot = {};
  private computing: Promise<void> | undefined;
  /** Whether the status should be computed again when the present computation ends. */
  private stale = false;
  /** The last query of the jobs table, its matches in the order asked for (api.ts jobsPage). */
  jobsQuery: { project: Project; key: string; jobs: Job[]; keys: string[] } | undefined;
  /** Counts the changes of the journals seen, so that pages can tell one state from the next. */
  version = 0;

  constructor(readonly root: string) {
    this.tail = new JournalTail(root);
  }

  /** The runs and groups as the journals say now (reading only what they gained), with statuses as commands derive them. */
  async runs(): Promise<RunsView> {
    return viewWithScheduler(this.root, (opts) => new RunsView(this.tail.read(), opts, this.tail.marks));
  }

  /** The project, its job index current with the workspace: opened again when the workspace directory changed. */
  openProject(): Project {
    const key = workspaceKey(this.root);
    if (!this.project || !this.project.key || !key || !sameKey(this.project.key, key)) {
      const project = openProject(this.root);
      void project.index; // read now, under the key taken before
      this.project = { project, key };
    }
    return this.project.project;
  }

  /**
   * The status, as last computed: a status of 100,000 jobs takes seconds, which a page must not wait
   * for, nor block the server's other requests while it is computed: it is `cohort status --json`, run
   * in a process of its own. Each call starts a computation in the background (one at a time), so the next call has a
   * newer one; the first call waits for the first.
   */
  async statusSnapshot(): Promise<StatusSnapshot> {
    const running = this.refreshStatus();
    if (this.status.at === undefined) await running;
    return this.status;
  }

  private refreshStatus(): Promise<void> {
    if (this.computing) {
      this.stale = true;
      return this.computing;
    }
    this.computing = (async () => {
      const at = Date.now();
      try {
        this.status = { report: await statusJson(this.root), at };
      } catch (err) {
        this.status = { at, error: errorText(err) };
      } finally {
        this.computing = undefined;
      }
      if (this.stale) {
        this.stale = false;
        void this.refreshStatus();
      }
    })();
    return this.computing;
  }
}

function workspaceKey(root: string): StatKey | undefined {
  try {
    return keyOf(fs.statSync(`${root}/workspace`));
  } catch {
    return undefined;
  }
}

/** `cohort status --json` in the project (its problems go to its stderr, and are in the JSON too). */
function statusJson(root: string): Promise<JsonObject> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [packageFile("bin/cohort"), "status", "--json"], { cwd: root, maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: "1" } }, (err, stdout, stderr) => {
      // exit code 1: a label or condition raised; the status is printed all the same
      if (stdout.startsWith("{")) resolve(JSON.parse(stdout) as JsonObject);
      else reject(new Error(stderr.trim() || errorText(err)));
    });
  });
}
