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
import { foldedRows, listedRuns, type Row } from "../runs/listing.js";
import { RunsView, type Run } from "../runs/view.js";
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
  /** What the last computation of the status started from: the runs' version and the workspace's stat key. */
  private statusMark = "";
  /** The last query of the jobs table, its matches in the order asked for (api.ts jobsPage). */
  jobsQuery: { project: Project; key: string; jobs: Job[]; keys: string[] } | undefined;
  private lists: { version: number; runs?: Run[]; rows?: Row[] } = { version: -1 };
  /** Counts the changes of the journals seen (live.ts), so that pages can tell one state from the next. */
  version = 0;

  constructor(
    readonly root: string,
    /** Told when a computation of the status ends. */
    private readonly onStatus: () => void = () => {},
  ) {
    this.tail = new JournalTail(root);
  }

  /** The runs and groups as the journals say now (reading only what they gained), with statuses as commands derive them. */
  async runs(): Promise<RunsView> {
    return viewWithScheduler(this.root, (opts) => new RunsView(this.tail.read(), opts, this.tail.marks));
  }

  /**
   * The runs of `cohort runs` in their order, and the rows of `cohort runs -g`, sorted once per change
   * of the journals (version), not at every request: 100,000 runs take a tenth of a second to sort.
   */
  listed(view: RunsView): Run[] {
    if (this.lists.version !== this.version) this.lists = { version: this.version };
    return (this.lists.runs ??= listedRuns(view));
  }

  folded(view: RunsView): Row[] {
    if (this.lists.version !== this.version) this.lists = { version: this.version };
    return (this.lists.rows ??= foldedRows(view));
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
   * for, nor the server's other requests while it is computed: it is `cohort status --json`, run in a
   * process of its own. A call starts a new computation (one at a time) when the runs or the
   * workspace changed since the last one started, or it is older than STATUS_MAX_AGE_MS (documents
   * and files change unseen); `onStatus` is told when one ends.
   */
  statusSnapshot(): StatusSnapshot {
    this.refreshStatus();
    return this.status;
  }

  /** Starts a computation of the status, if none is running and the last one may be out of date. */
  refreshStatus(): void {
    if (this.computing) return;
    const mark = `${this.version} ${JSON.stringify(workspaceKey(this.root) ?? null)}`;
    if (this.status.at !== undefined && mark === this.statusMark && Date.now() - this.status.at < STATUS_MAX_AGE_MS) return;
    this.statusMark = mark;
    const at = Date.now();
    this.computing = statusJson(this.root).then(
      (report) => void (this.status = { report, at }),
      (err: unknown) => void (this.status = { at, error: errorText(err) }),
    );
    void this.computing.then(() => {
      this.computing = undefined;
      this.onStatus();
    });
  }
}

/** How old a status may be before a page that asks for it has a new one computed. */
const STATUS_MAX_AGE_MS = 120_000;

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
