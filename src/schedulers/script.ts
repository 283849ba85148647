/**
 * Submission scripts from templates (SPEC §9). Templates use Jinja syntax (nunjucks): blocks,
 * `extends`, filters. The built-ins live in the package's `templates/cohort/` (`slurm.sh`, `pbs.sh`,
 * `lsf.sh`, all extending `base.sh`); a project's `templates/<scheduler>.sh` replaces the built-in
 * and usually extends it: `{% extends "cohort/slurm.sh" %}` plus the blocks it changes.
 *
 * What a template sees:
 * - `project` {name, root}; `scheduler`; `job_name`; `submission_group` (the run group the node's
 *   runs join); `output_dir` (where the scheduler writes the job's output); `cohort` (the command line
 *   that runs cohort on the node, quoted); `parallel` (bundle members run at once);
 *   `mpi_launcher` (`srun`, `mpirun` or "" — how MPI operations are launched).
 * - `bundle`: one entry per (group, aggregate): `group`, `aggregate`, `jobs` (ids), `operations` (each
 *   `name` and `directives`), `resources` (the group's, SPEC §4: max of np/ngpu/nranks/
 *   omp_num_threads/memory, sum of walltime).
 * - `array` (a job array, else undefined): `first` (the first task's index), `index_var` (the
 *   scheduler's variable holding a task's index), `tasks` (each a list of entries like `bundle`'s).
 * - `resources`: the whole script's (serial or parallel combination of the entries); memory in GB,
 *   walltime in seconds. `options`: partition, account, hold, dependency.
 * - Filters: `quote` (shell), `hms` (seconds → H:MM:SS), `hm` (→ H:MM), `megabytes` (GB → whole MB,
 *   rounded up), `pbs_name` (a name PBS accepts).
 *
 * A directive set on an operation that no template read is reported once as a warning, so that a
 * request the scheduler never saw does not pass silently.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import nunjucks from "../vendor/nunjucks.js";
import { UserError } from "../util/errors.js";
import { shellQuote } from "../execution/placeholders.js";
import type { ResolvedDirectives } from "../workflow/directives.js";

export type SchedulerName = "slurm" | "pbs" | "lsf";
export const SCHEDULERS: readonly SchedulerName[] = ["slurm", "pbs", "lsf"];

/** The package's built-in templates: `<package>/templates` (holding `cohort/*.sh`). */
export const BUILTIN_TEMPLATES = fileURLToPath(new URL("../../templates/", import.meta.url));

export interface BundleEntry {
  group: string;
  aggregate: string;
  jobs: string[];
  operations: { name: string; directives: ResolvedDirectives }[];
  resources: ResolvedDirectives;
}

export interface ScriptOptions {
  partition?: string;
  account?: string;
  hold?: boolean;
  /** The scheduler's dependency expression, e.g. `afterok:123:124`. */
  dependency?: string;
}

/** A job array: task `first + i` runs `tasks[i]`; the scheduler's variable names the task. */
export interface ArraySpec {
  first: number;
  tasks: BundleEntry[][];
}

/** The environment variable that holds an array task's index. */
export const ARRAY_INDEX_VAR: Record<SchedulerName, string> = { slurm: "SLURM_ARRAY_TASK_ID", pbs: "PBS_ARRAY_INDEX", lsf: "LSB_JOBINDEX" };

export interface ScriptContext {
  project: { name: string; root: string };
  scheduler: SchedulerName;
  jobName: string;
  submissionGroup: string;
  outputDir: string;
  cohort: string;
  parallel: boolean;
  mpiLauncher: string;
  bundle: BundleEntry[];
  resources: ResolvedDirectives;
  options: ScriptOptions;
  /** Set for a job array; `bundle` then holds every task's entries. */
  array?: ArraySpec;
}

/** Directives that steer cohort itself, not the scheduler: never reported as unread. */
const NOT_FOR_TEMPLATES = new Set(["executable", "fork", "processor_fraction", "np"]);

function hms(seconds: number): string {
  const s = Math.ceil(Number(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function hm(seconds: number): string {
  const minutes = Math.ceil(Number(seconds) / 60);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
}

/** One environment per project and process: each template is read and compiled once, not per script. */
const environments = new Map<string, nunjucks.Environment>();

function environment(projectRoot: string): nunjucks.Environment {
  const cached = environments.get(projectRoot);
  if (cached) return cached;
  const dirs = [path.join(projectRoot, "templates"), BUILTIN_TEMPLATES];
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(dirs), {
    autoescape: false,
    trimBlocks: true,
    lstripBlocks: true,
    throwOnUndefined: false,
  });
  env.addFilter("quote", (v: unknown) => shellQuote(String(v)));
  env.addFilter("hms", hms);
  env.addFilter("hm", hm);
  env.addFilter("megabytes", (gb: number) => Math.ceil(Number(gb) * 1024));
  env.addFilter("pbs_name", (name: string) => String(name).replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 236));
  environments.set(projectRoot, env);
  return env;
}

/** The template a scheduler's scripts come from: the project's own, else the built-in. */
export function templateName(projectRoot: string, scheduler: SchedulerName): string {
  const key = `${projectRoot}\0${scheduler}`;
  let name = templateNames.get(key);
  if (name === undefined) {
    name = fs.existsSync(path.join(projectRoot, "templates", `${scheduler}.sh`)) ? `${scheduler}.sh` : `cohort/${scheduler}.sh`;
    templateNames.set(key, name);
  }
  return name;
}

const templateNames = new Map<string, string>();
const templates = new Map<string, nunjucks.Template>();

/** The compiled template of a scheduler for a project, looked up once per process. */
function compiled(projectRoot: string, scheduler: SchedulerName): nunjucks.Template {
  const key = `${projectRoot}\0${scheduler}`;
  let t = templates.get(key);
  if (!t) {
    t = environment(projectRoot).getTemplate(templateName(projectRoot, scheduler), true);
    templates.set(key, t);
  }
  return t;
}

/** The text of a built-in template (`cohort template show NAME`). */
export function builtinTemplate(name: string): string {
  const file = name.replace(/^cohort\//, "").replace(/\.sh$/, "") + ".sh";
  const full = path.join(BUILTIN_TEMPLATES, "cohort", file);
  if (!/^[a-z]+\.sh$/.test(file) || !fs.existsSync(full)) {
    const names = fs.readdirSync(path.join(BUILTIN_TEMPLATES, "cohort")).map((f) => f.replace(/\.sh$/, ""));
    throw new UserError(`there is no built-in template ${name}`, `built-ins are ${names.join(", ")}`);
  }
  return fs.readFileSync(full, "utf8");
}

/** Records which keys of an object a template reads. */
function watched<T extends object>(obj: T, read: Set<string>): T {
  return new Proxy(obj, {
    get(target, key, receiver) {
      if (typeof key === "string") read.add(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

export interface RenderedScript {
  text: string;
  /** Directives set on an operation that the template never read. */
  unread: string[];
}

/**
 * Renders one submission script. `read` collects the directive keys templates read, across the
 * scripts of one submission: once every key a script could report has been read somewhere, its
 * directives are given to the template as they are (watching each read costs, at 100,000 scripts).
 */
export function renderScript(ctx: ScriptContext, read: Set<string> = new Set()): RenderedScript {
  const watching = unreadKeys(ctx, read).length > 0;
  const watch = <T extends object>(o: T): T => (watching ? watched(o, read) : o);
  // Unwatched, the entries are given as they are: they hold exactly what a template sees of them.
  const bundle = watching
    ? ctx.bundle.map((e) => ({
        group: e.group,
        aggregate: e.aggregate,
        jobs: e.jobs,
        operations: e.operations.map((o) => ({ name: o.name, directives: watch(o.directives) })),
        resources: watch(e.resources),
      }))
    : ctx.bundle;
  const data = {
    project: ctx.project,
    scheduler: ctx.scheduler,
    job_name: ctx.jobName,
    submission_group: ctx.submissionGroup,
    output_dir: ctx.outputDir,
    cohort: ctx.cohort,
    parallel: ctx.parallel,
    mpi_launcher: ctx.mpiLauncher,
    bundle,
    resources: watch(ctx.resources),
    options: ctx.options,
    array: ctx.array && {
      first: ctx.array.first,
      index_var: ARRAY_INDEX_VAR[ctx.scheduler],
      tasks: ctx.array.tasks.map((task) => task.map((e) => ({ group: e.group, aggregate: e.aggregate, jobs: e.jobs }))),
    },
  };
  let text: string;
  try {
    text = compiled(ctx.project.root, ctx.scheduler).render(data);
  } catch (err) {
    throw new UserError(`the ${ctx.scheduler} template failed: ${(err as Error).message.split("\n").map((l) => l.trim()).filter(Boolean).join(" ")}`, "check templates/ in the project, or start from `cohort template show " + ctx.scheduler + "`");
  }
  return { text: text.replace(/\n{3,}/g, "\n\n"), unread: watching ? unreadKeys(ctx, read) : [] };
}

/**
 * The directive keys of a directives object that a template could be blamed for not reading (set,
 * and not for cohort itself), once per object: the operations of a group with static directives
 * share one object across all its scripts.
 */
const reportable = new WeakMap<ResolvedDirectives, readonly string[]>();

function reportableKeys(directives: ResolvedDirectives): readonly string[] {
  let keys = reportable.get(directives);
  if (!keys) {
    keys = Object.entries(directives)
      .filter(([k, v]) => !NOT_FOR_TEMPLATES.has(k) && v !== null && v !== 0 && v !== false)
      .map(([k]) => k);
    reportable.set(directives, keys);
  }
  return keys;
}

/** Directives set on an operation of the script that no template has read yet, sorted. */
function unreadKeys(ctx: ScriptContext, read: ReadonlySet<string>): string[] {
  let unread: Set<string> | undefined;
  for (const e of ctx.bundle) {
    for (const o of e.operations) {
      for (const k of reportableKeys(o.directives)) if (!read.has(k)) (unread ??= new Set()).add(k);
    }
  }
  return unread ? [...unread].sort() : [];
}
