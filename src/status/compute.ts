/**
 * `cohort status` (SPEC §10): where a campaign stands, computed in one scan.
 *
 * For each selected operation, every aggregate is in exactly one state:
 * - `eligible`: every pre-condition holds and the post-conditions do not all hold (or there are none);
 * - `complete`: every pre-condition holds and every post-condition holds (an operation without
 *   post-conditions is never complete: it may always run again);
 * - `waiting`: a pre-condition does not hold (the first that does not is its `blockedBy`);
 * - `error`: a condition raised while deciding.
 * This is exactly what `run` and `next` decide (the Planner), so that "eligible" here is what `run`
 * would run now. A group is eligible on an aggregate when at least one member is, complete when every
 * member is, waiting otherwise (error when a member raised).
 *
 * The remaining work of an entry is what its eligible and waiting aggregates would take: CPU-hours
 * and GPU-hours from the directives they resolve to (resource-hours.ts), the whole group's for a group
 * (as a cluster job of it asks); aggregates without a walltime are counted apart. Plain arithmetic on
 * what the scan found; directives are resolved once per group unless they hold a function.
 *
 * Labels are evaluated once per selected job: a condition (TOML) holds or not; a function returns
 * true/false/null/undefined (a flag) or a string (a value, shown as `name: value`); a number counts as
 * its text. A label that raises is recorded as an error for that job, and the scan goes on.
 *
 * Speed (100,000 jobs in about a second when nothing changed): the project is read once — state points
 * through the job index, documents through the document cache (one stat per job when nothing changed),
 * as one snapshot (job-files.ts) that conditions, labels, `-f doc.` and `-p doc.` read.
 * The scan takes each aggregate through every operation that aggregates alike, in turn, with the
 * Planner in snapshot mode, so that `after` finds the post-conditions it needs already evaluated for
 * the aggregate in hand: each is evaluated once per (operation, aggregate). Conditions are evaluated
 * synchronously unless one of them is async.
 */
import path from "node:path";
import { DocumentCache } from "../dataspace/document-cache.js";
import type { Job } from "../dataspace/job.js";
import { DocumentSnapshot, type JobFiles } from "../dataspace/job-files.js";
import { splitPath } from "../dataspace/keys.js";
import { lookupPath, type Project } from "../dataspace/project.js";
import { Float, type JsonValue } from "../dataspace/value.js";
import { EligibilityError, Planner, type Aggregate, type Eligibility, type Selection } from "../workflow/planner.js";
import { GroupResources } from "../execution/items.js";
import { errorText } from "../util/errors.js";
import type { ResolvedDirectives } from "../workflow/directives.js";
import { addCost, noCost, type Cost } from "../workflow/resource-hours.js";
import { ConditionError, describeCondition, evaluateConditionNow, isPromiseLike, type MaybePromise } from "../workflow/conditions.js";
import type { Condition, GroupDefinition, LabelDefinition, OperationDefinition } from "../workflow/model.js";
import { matchNames, type Workflow } from "../workflow/workflow.js";

export type State = "eligible" | "complete" | "waiting" | "error";

/** One row of the overview: an operation or a group. */
export interface EntryStatus {
  name: string;
  kind: "operation" | "group";
  /** The member operations (the operation itself for an operation). */
  operations: string[];
  /** Selected aggregates. */
  total: number;
  eligible: number;
  complete: number;
  waiting: number;
  /** Aggregates on which a condition raised. */
  errors: number;
  /** What the waiting aggregates wait for, most frequent first: the first pre-condition that does not hold. */
  blockedBy: { condition: string; count: number }[];
  /** Aggregates a cluster job holds now (queued, held, running); null when no scheduler was asked. */
  scheduler: { queued: number; held: number; running: number } | null;
  /** What the eligible and waiting aggregates would take, from the directives (see docs/status.md). */
  remaining: Remaining;
}

/** CPU-hours and GPU-hours still to run, and the aggregates counted in none (no walltime, or directives that raised). */
export interface Remaining {
  cpuHours: number;
  gpuHours: number;
  notCounted: number;
}

export interface LabelStatus {
  name: string;
  /** `condition` (TOML, or a condition given to project.label) or `function`. */
  kind: "condition" | "function";
  /** Jobs on which it is true (a flag). */
  count: number;
  /** Jobs per text value, most frequent first. */
  values: { value: string; count: number }[];
  /** Jobs on which it raised. */
  errors: number;
}

/** A label value of one job: true/false for a flag, a string for a text value, null when it raised. */
export type LabelCell = boolean | string | null;

export interface JobRow {
  id: string;
  /** The state of each shown operation on the aggregate holding this job; null when no selected aggregate holds it. */
  operations: Record<string, State | null>;
  labels: Record<string, LabelCell>;
  /** `-p` keys: state-point paths, or `doc.` paths into the document; null when absent. */
  parameters: Record<string, JsonValue>;
}

export interface StatusProblem {
  kind: "label" | "condition";
  /** The label's name, or the condition's description. */
  name: string;
  /** The operation whose condition raised. */
  operation?: string;
  /** The job (or aggregate) id. */
  job: string;
  message: string;
}

export interface StatusReport {
  /** The project's name: in cohort.toml, else given to FlowProject, else its directory's. */
  project: string;
  /** Selected jobs. */
  jobs: number;
  entries: EntryStatus[];
  /** The remaining work of the operations shown (of the groups, when no operation is shown): each counted once. */
  remaining: Remaining;
  labels: LabelStatus[];
  /** Per job (only when asked for, `-d`). */
  rows?: JobRow[];
  /** The operations that have a column in `rows`, in order. */
  columns?: { operations: string[]; labels: string[]; parameters: string[] };
  problems: StatusProblem[];
}

export interface StatusOptions {
  /** `-o`: full regular expressions over operation and group names. Default: every operation, then every group. */
  names?: string[];
  selection?: Selection;
  /** `-d`: a row per job. */
  detailed?: boolean;
  /** `-p`: state-point (or `doc.`) keys shown per job; implies `detailed`. */
  parameters?: string[];
  /** Told how far the scan got, now and then (done of total steps). */
  onProgress?: (done: number, total: number) => void;
  /** Unmatched `-o` names. */
  warn?: (message: string) => void;
  /** The document cache to read through (default: the project's `.cohort/cache/`, saved at the end). */
  documents?: DocumentCache;
  /**
   * What cluster jobs hold now, by `operation\0aggregate` (schedulers/tracking.ts operationStates);
   * undefined when no scheduler was asked.
   */
  cluster?: Map<string, "queued" | "held" | "running">;
}

const STATE_CODES: readonly State[] = ["eligible", "complete", "waiting", "error"];
const ELIGIBLE = 0;
const COMPLETE = 1;
const WAITING = 2;
const ERROR = 3;
const NONE = 255;

/**
 * The shown entries: `-o` patterns matched in full against operation and group names by matchNames
 * (no overlap rule). A flag operation's name counts as a match, with a warning: it has no jobs to show.
 */
export function selectEntries(workflow: Workflow, patterns: string[] | undefined, warn: (message: string) => void = () => {}): GroupDefinition[] {
  const operations = [...workflow.operations.values()].filter((op) => op.flags === undefined).map((op) => workflow.groups.get(op.name)!);
  const groups = [...workflow.groups.values()].filter((g) => !workflow.isSingleton(g));
  const all = [...operations, ...groups];
  if (!patterns || patterns.length === 0) return all;
  const flagOps = new Set([...workflow.operations.values()].filter((op) => op.flags !== undefined).map((op) => op.name));
  const keep = new Set<string>();
  for (const hits of matchNames(patterns, [...all.map((g) => g.name), ...flagOps], warn)) {
    const shown = hits.filter((name) => !flagOps.has(name));
    if (shown.length === 0 && hits.length > 0) warn(`${hits[0]} is a flag operation, which has no jobs; see 'cohort runs'`);
    for (const name of shown) keep.add(name);
  }
  return all.filter((g) => keep.has(g.name));
}

/** The states of one operation on its selected aggregates. */
interface OperationScan {
  op: OperationDefinition;
  aggregates: Aggregate[];
  states: Uint8Array;
  blockedBy: (Condition | undefined)[];
  /** Aggregate id -> index, made when a group's aggregates do not line up with the operation's. */
  byId?: Map<string, number>;
}

/** Computes the status of a project's workflow. */
export async function computeStatus(project: Project, workflow: Workflow, opts: StatusOptions = {}): Promise<StatusReport> {
  const documents = opts.documents ?? DocumentCache.open(path.join(project.dataDir, "cache"));
  const files = new DocumentSnapshot(documents);
  const planner = new Planner(project, workflow, opts.selection ?? {}, { jobs: files.jobs(project), snapshot: true, files });
  const entries = selectEntries(workflow, opts.names, opts.warn);
  const detailed = Boolean(opts.detailed || (opts.parameters && opts.parameters.length > 0));

  // The operations to evaluate: those shown and the members of the groups shown, in workflow order.
  const needed = new Set(entries.flatMap((g) => g.operations));
  const ops = [...workflow.operations.values()].filter((op) => needed.has(op.name));
  // Operations that aggregate alike share one list of aggregates (the Planner shares it): the scan
  // takes each aggregate through all of them in turn, so that `after` finds the answer it needs
  // memoized, and each job's files are looked at together.
  const classes = new Map<Aggregate[], OperationScan[]>();
  const scans = new Map<string, OperationScan>();
  for (const op of ops) {
    const aggregates = planner.aggregates(workflow.groups.get(op.name)!);
    const scan: OperationScan = { op, aggregates, states: new Uint8Array(aggregates.length), blockedBy: new Array<Condition | undefined>(aggregates.length) };
    scans.set(op.name, scan);
    let cls = classes.get(aggregates);
    if (!cls) classes.set(aggregates, (cls = []));
    cls.push(scan);
  }

  const shownJobs = jobsShown(planner, entries, opts.selection);
  const labels = workflow.labels;
  // Labels go with the job in hand when a class of one-job aggregates lists exactly the shown jobs.
  const inline = labels.length > 0 ? [...classes.keys()].find((aggs) => aggs.length === shownJobs.length && aggs.every((a, i) => a.jobs.length === 1 && a.jobs[0] === shownJobs[i])) : undefined;
  const total = [...classes.keys()].reduce((n, aggs) => n + aggs.length, 0) + (labels.length > 0 && !inline ? shownJobs.length : 0);
  let done = 0;
  const step = Math.max(1, Math.floor(total / 200));
  const tick = () => {
    if (++done % step === 0) opts.onProgress?.(done, total);
  };
  opts.onProgress?.(0, total);

  const problems: StatusProblem[] = [];
  const labelStats: LabelStatus[] = labels.map((l) => ({ name: l.name, kind: l.fn ? "function" : "condition", count: 0, values: [], errors: 0 }));
  const valueCounts = labels.map(() => new Map<string, number>());
  const labelValues: LabelCell[][] = labels.map(() => new Array<LabelCell>(detailed ? shownJobs.length : 0));

  const recordLabel = (l: number, j: number, v: LabelCell) => {
    if (v === true) labelStats[l].count++;
    else if (typeof v === "string") valueCounts[l].set(v, (valueCounts[l].get(v) ?? 0) + 1);
    if (detailed) labelValues[l][j] = v;
  };
  const labelFailed = (l: number, j: number, err: unknown) => {
    labelStats[l].errors++;
    problems.push({ kind: "label", name: labels[l].name, job: shownJobs[j].id, message: labelErrorText(err) });
    recordLabel(l, j, null);
  };
  /** The labels of the j-th shown job: synchronous unless a label is async. */
  const labelJob = (j: number): void | Promise<void> => {
    const job = shownJobs[j];
    let pending: Promise<void>[] | undefined;
    for (let l = 0; l < labels.length; l++) {
      try {
        const r = evaluateLabel(labels[l], job, planner);
        if (isPromiseLike<LabelCell>(r)) {
          (pending ??= []).push(
            Promise.resolve(r).then(
              (v) => recordLabel(l, j, v),
              (err: unknown) => labelFailed(l, j, err),
            ),
          );
        } else recordLabel(l, j, r);
      } catch (err) {
        labelFailed(l, j, err);
      }
    }
    if (pending) return Promise.all(pending).then(() => undefined);
  };

  const record = (scan: OperationScan, i: number, e: MaybePromise<Eligibility>): void | Promise<void> => {
    if (isPromiseLike<Eligibility>(e)) {
      return Promise.resolve(e).then(
        (x) => record(scan, i, x),
        (err: unknown) => recordError(scan, i, err),
      );
    }
    if (e.eligible) scan.states[i] = ELIGIBLE;
    else if (e.complete) scan.states[i] = COMPLETE;
    else {
      scan.states[i] = WAITING;
      scan.blockedBy[i] = e.blockedBy;
    }
  };
  const recordError = (scan: OperationScan, i: number, err: unknown): void => {
    if (!(err instanceof EligibilityError)) throw err;
    scan.states[i] = ERROR;
    problems.push(conditionProblem(err));
  };

  for (const [aggregates, cls] of classes) {
    const withLabels = aggregates === inline;
    for (let i = 0; i < aggregates.length; i++) {
      const agg = aggregates[i];
      for (const scan of cls) {
        let r: void | Promise<void> = undefined;
        try {
          r = record(scan, i, planner.eligibilityNow(scan.op, agg));
        } catch (err) {
          recordError(scan, i, err);
        }
        if (r) await r;
      }
      if (withLabels) {
        const r = labelJob(i);
        if (r) await r;
      }
      tick();
    }
  }
  if (labels.length > 0 && !inline) {
    for (let j = 0; j < shownJobs.length; j++) {
      const r = labelJob(j);
      if (r) await r;
      tick();
    }
  }

  const resources = new GroupResources(workflow);
  const entryStatus = entries.map((g) => summarizeEntry(workflow, g, scans, opts.cluster, resources));
  labelStats.forEach((s, l) => {
    s.values = [...valueCounts[l]].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  });
  opts.onProgress?.(total, total);

  // (a project named nowhere is named by its directory, as its cluster jobs are: docs/workflow.md)
  const report: StatusReport = { project: workflow.name ?? path.basename(project.root), jobs: shownJobs.length, entries: entryStatus, remaining: totalRemaining(entryStatus), labels: labelStats, problems };
  if (detailed) {
    const shownOps = ops.filter((op) => entries.some((g) => g.operations.includes(op.name))).map((op) => op.name);
    const parameters = opts.parameters ?? [];
    report.columns = { operations: shownOps, labels: labels.map((l) => l.name), parameters };
    const found = new Set<string>();
    report.rows = jobRows(files, shownJobs, shownOps.map((n) => scans.get(n)!), labels, labelValues, parameters, found);
    // (a misspelt key would be a column of blanks, as if no job had it)
    for (const key of parameters) if (!found.has(key) && shownJobs.length > 0) opts.warn?.(`no job shown has ${key} (-p ${key}: its column is empty)`);
  }
  if (!opts.documents) documents.save(() => new Set(project.index.jobIds));
  return report;
}

/** The jobs a status covers: the selected ones, and every job of a selected aggregate (`-j agg-...`). */
function jobsShown(planner: Planner, entries: GroupDefinition[], selection: Selection | undefined): Job[] {
  const selected = planner.selectedJobs();
  if (!selection?.ids?.some((id) => id.startsWith("agg-"))) return selected;
  const ids = new Set(selected.map((j) => j.id));
  for (const g of entries) for (const agg of planner.aggregates(g)) for (const j of agg.jobs) ids.add(j.id);
  return planner.jobs.filter((j) => ids.has(j.id));
}

function conditionProblem(err: EligibilityError): StatusProblem {
  const inner = err.error;
  return { kind: "condition", name: inner.description, operation: err.operation, job: err.aggregate, message: errorText(inner.error) };
}

function labelErrorText(err: unknown): string {
  // A label's condition names the inner condition that failed; a label function's error is its own.
  return err instanceof ConditionError ? err.message : errorText(err);
}

/** The index of each of a group's aggregates in a member's scan (they are formed alike, so usually equal). */
function indexIn(scan: OperationScan, aggregates: Aggregate[], i: number): number {
  if (scan.aggregates === aggregates) return i;
  const agg = aggregates[i];
  if (i < scan.aggregates.length && scan.aggregates[i].id === agg.id) return i;
  scan.byId ??= new Map(scan.aggregates.map((a, k) => [a.id, k]));
  return scan.byId.get(agg.id) ?? -1;
}

/** How many of an entry's aggregates a cluster job holds: the most active state among its operations. */
function clusterCounts(group: GroupDefinition, aggregates: Aggregate[], cluster: NonNullable<StatusOptions["cluster"]>): NonNullable<EntryStatus["scheduler"]> {
  const counts = { queued: 0, held: 0, running: 0 };
  if (cluster.size === 0) return counts;
  for (const agg of aggregates) {
    const states = group.operations.map((op) => cluster.get(`${op}\0${agg.id}`));
    const state = states.includes("running") ? "running" : states.includes("queued") ? "queued" : states.includes("held") ? "held" : undefined;
    if (state) counts[state]++;
  }
  return counts;
}

/** The remaining work of the operations shown, or of the groups when no operation is shown (a group repeats its members'). */
function totalRemaining(entries: EntryStatus[]): Remaining {
  const ops = entries.filter((e) => e.kind === "operation");
  const total: Remaining = { cpuHours: 0, gpuHours: 0, notCounted: 0 };
  for (const e of ops.length > 0 ? ops : entries) {
    total.cpuHours += e.remaining.cpuHours;
    total.gpuHours += e.remaining.gpuHours;
    total.notCounted += e.remaining.notCounted;
  }
  return total;
}

/** Adds one remaining aggregate of a group: its resources' hours, or counted in none when it has no walltime or its directives raise. */
function addRemaining(cost: Cost, resources: GroupResources, group: GroupDefinition, aggregate: Aggregate): void {
  let r: ResolvedDirectives;
  try {
    r = resources.of(group, aggregate).resources;
  } catch {
    cost.withoutWalltime++;
    return;
  }
  addCost(cost, r, 1);
}

function summarizeEntry(workflow: Workflow, group: GroupDefinition, scans: Map<string, OperationScan>, cluster: StatusOptions["cluster"], resources: GroupResources): EntryStatus {
  const singleton = workflow.isSingleton(group);
  const members = group.operations.map((n) => scans.get(n)!);
  // A group's members share its aggregator, so they have its aggregates.
  const aggregates = members[0].aggregates;
  const entry: EntryStatus = {
    name: group.name,
    kind: singleton ? "operation" : "group",
    operations: group.operations.slice(),
    total: aggregates.length,
    eligible: 0,
    complete: 0,
    waiting: 0,
    errors: 0,
    blockedBy: [],
    scheduler: cluster ? clusterCounts(group, aggregates, cluster) : null,
    remaining: { cpuHours: 0, gpuHours: 0, notCounted: 0 },
  };
  const cost = noCost();
  // What the waiting aggregates wait for: per member, per condition (described at the end).
  const blocked = new Map<OperationScan, Map<Condition | undefined, number>>(members.map((m) => [m, new Map()]));
  const indices = members.map((m) => (m.aggregates === aggregates ? undefined : m));
  for (let i = 0; i < aggregates.length; i++) {
    let anyEligible = false;
    let allComplete = true;
    let anyError = false;
    let firstBlocked: OperationScan | undefined;
    let firstK = -1;
    for (let m = 0; m < members.length; m++) {
      const scan = members[m];
      const k = indices[m] === undefined ? i : indexIn(scan, aggregates, i);
      const s = k < 0 ? NONE : scan.states[k];
      if (s === ELIGIBLE) anyEligible = true;
      else if (s === WAITING) {
        allComplete = false;
        if (firstBlocked === undefined) {
          firstBlocked = scan;
          firstK = k;
        }
      } else if (s !== COMPLETE) {
        allComplete = false;
        anyError = true;
      }
    }
    if (anyError) entry.errors++;
    else if (anyEligible) {
      entry.eligible++;
      addRemaining(cost, resources, group, aggregates[i]);
    } else if (allComplete) entry.complete++;
    else {
      entry.waiting++;
      addRemaining(cost, resources, group, aggregates[i]);
      const counts = blocked.get(firstBlocked!)!;
      const c = firstBlocked!.blockedBy[firstK];
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
  }
  for (const [scan, counts] of blocked) {
    for (const [c, count] of counts) {
      const text = c ? describeCondition(c) : "?";
      entry.blockedBy.push({ condition: singleton ? text : `${scan.op.name}: ${text}`, count });
    }
  }
  entry.blockedBy.sort((a, b) => b.count - a.count);
  entry.remaining = { cpuHours: cost.cpuHours, gpuHours: cost.gpuHours, notCounted: cost.withoutWalltime };
  return entry;
}

/** A label's value on a job (see the module comment); throws when the label raises or returns something else. */
export function evaluateLabel(label: LabelDefinition, job: Job, planner: Planner): LabelCell | Promise<LabelCell> {
  if (label.condition) {
    const r = evaluateConditionNow(label.condition, [job], planner.context);
    return isPromiseLike<boolean>(r) ? Promise.resolve(r) : r;
  }
  const r = label.fn!(job);
  return isPromiseLike(r) ? Promise.resolve(r).then(labelResult) : labelResult(r);
}

function labelResult(v: unknown): LabelCell {
  if (v === undefined || v === null || v === false) return false;
  if (v === true) return true;
  if (typeof v === "string") return v === "" ? false : v;
  // A Float (a state-point value like job.sp.T) reads as Python writes it: 2.0
  if (typeof v === "number" || typeof v === "bigint" || v instanceof Float) return String(v);
  const what = typeof v === "function" ? "a function" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : typeof v;
  throw new Error(`it returned ${what}; a label returns true/false or a string`);
}

/** The rows of `status -d`; `found` gathers the parameters some job has. */
function jobRows(files: JobFiles, jobs: Job[], scans: OperationScan[], labels: LabelDefinition[], labelValues: LabelCell[][], parameters: string[], found: Set<string>): JobRow[] {
  // The state of each operation per job: from the aggregate that holds the job.
  const index = new Map<string, number>();
  jobs.forEach((j, i) => index.set(j.id, i));
  const states = scans.map((scan) => {
    const perJob = new Uint8Array(jobs.length).fill(NONE);
    scan.aggregates.forEach((agg, k) => {
      for (const j of agg.jobs) {
        const i = index.get(j.id);
        if (i !== undefined) perJob[i] = scan.states[k];
      }
    });
    return perJob;
  });
  const getters = parameters.map((key) => {
    const isDoc = key.startsWith("doc.");
    const keys = splitPath(isDoc ? key.slice(4) : key.startsWith("sp.") ? key.slice(3) : key);
    return (job: Job): JsonValue => {
      const v = lookupPath(isDoc ? (files.document(job) as JsonValue) : job.spData, keys);
      if (v === undefined) return null;
      found.add(key);
      return v;
    };
  });
  return jobs.map((job, i) => {
    const operations: Record<string, State | null> = {};
    scans.forEach((scan, s) => {
      const code = states[s][i];
      operations[scan.op.name] = code === NONE ? null : STATE_CODES[code];
    });
    const labelsOf: Record<string, LabelCell> = {};
    labels.forEach((l, k) => {
      labelsOf[l.name] = labelValues[k][i];
    });
    const params: Record<string, JsonValue> = {};
    parameters.forEach((key, k) => {
      let v: JsonValue;
      try {
        v = getters[k](job);
      } catch {
        v = null; // an unreadable document: its conditions report it
      }
      params[key] = v;
    });
    return { id: job.id, operations, labels: labelsOf, parameters: params };
  });
}
