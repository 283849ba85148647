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
 *   omp_num_threads/memory, sum of walltime), `submit_options` (the words of the group's
 *   submit_options, for its `cohort run` line).
 * - `array` (a job array, else undefined): `first` (the first task's index), `index_var` (the
 *   scheduler's variable holding a task's index), `tasks` (each a list of entries like `bundle`'s).
 * - `resources`: the whole script's (serial or parallel combination of the entries); memory in GB,
 *   walltime in seconds. `options`: partition, account, hold, dependency.
 * - `prelude`: the shell lines of the cluster's profile (module loads, environment), written as they
 *   are after `set -eu` (block `prelude`).
 * - Filters: `quote` (shell), `exact` (a name → the `-o` pattern that matches only it), `header` (a
 *   value for a scheduler's directive line), `hms` (seconds → H:MM:SS), `hm` (→ H:MM), `megabytes`
 *   (GB → whole MB, rounded up), `pbs_name` (a name PBS accepts).
 *
 * No value can add a line to a script (SPEC §12):
 * - Every `{{ value }}` is shell-quoted unless marked otherwise (nunjucks' autoescape, with the shell's
 *   quoting in place of HTML's), so a value in an unquoted place of a shell line is one word even
 *   without `| quote`; an empty value writes nothing. `| quote` does the same explicitly (an empty
 *   value becomes `''`). Neither can help inside quotes the template opens or in a heredoc, where
 *   single quotes mean nothing (docs/submission.md, "Quoting").
 * - A value holding a control character (a line break, a carriage return, ...) is refused wherever it
 *   is written: no quoting makes a line break safe in a `#SBATCH` line, which the shell skips as a
 *   comment. The refusal is a UserError naming the value.
 * - `| header` is for the scheduler's directive lines, which its own parser reads, not the shell: it
 *   writes the value as it is (no shell quotes, which the scheduler would take literally) and refuses
 *   what that parser would misread inside a double-quoted value: control characters, `"`, `\` and `#`.
 *   Values cohort writes there are also checked where they come in (submit.ts: the project's path,
 *   partition, account, dependency ids).
 * - `| safe` writes text as it is, unchecked: only for text the template itself trusts. `cohort` (the
 *   command line, already quoted word by word) is given as such text.
 *
 * A directive set on an operation that no template read is reported once as a warning, so that a
 * request the scheduler never saw does not pass silently. Set means given by the user, whatever the
 * value (`0` and `false` too; `null` is "not set"); defaults cohort fills in are not reported.
 */
import fs from "node:fs";
import path from "node:path";
import nunjucks from "nunjucks";
import { UserError } from "../util/errors.js";
import { readTextFile } from "../util/fs.js";
import { packageFile } from "../util/package-file.js";
import { shellQuote } from "../workflow/placeholders.js";
import { givenKeys, type ResolvedDirectives } from "../workflow/directives.js";
import { CONTROL } from "../util/text.js";

export type SchedulerName = "slurm" | "pbs" | "lsf";
export const SCHEDULERS = ["slurm", "pbs", "lsf"] as const satisfies readonly SchedulerName[];

/** Partition and account names: one word of a scheduler's directive line, as every scheduler names them. */
export const PLACE_NAME = /^[A-Za-z0-9_.:@,+=-]+$/;

/** The package's built-in templates: `<package>/templates` (holding `cohort/*.sh`). */
export const BUILTIN_TEMPLATES = packageFile("templates/");

export interface BundleEntry {
  group: string;
  aggregate: string;
  jobs: string[];
  operations: { name: string; directives: ResolvedDirectives }[];
  resources: ResolvedDirectives;
  /**
   * The words of the group's `submit_options`, added to its `cohort run` line. Named as templates
   * see it: an entry is given to templates as it is.
   */
  submit_options: readonly string[];
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
  /** Shell lines of the cluster's profile that run before cohort (module loads, environment). */
  prelude?: readonly string[];
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

/** The value a filter refused while rendering, thrown again as it is once nunjucks has wrapped it. */
let refused: UserError | undefined;

/** A value for a script: refused when it holds a control character. */
function checked(v: unknown, where: string): string {
  const text = String(v);
  if (CONTROL.test(text)) {
    refused = new UserError(
      `${JSON.stringify(text)} cannot be written into a ${where}: it holds a control character such as a line break`,
      "names, paths and options that go into a submission script must be one line of printable text",
    );
    throw refused;
  }
  return text;
}

/** A word for a shell line of a script: quoted, and never holding a control character. */
export function scriptWord(v: unknown, what = "shell line of a submission script"): string {
  return shellQuote(checked(v, what));
}

/** What autoescape does to a `{{ value }}` not marked safe: shell-quotes it; nothing stays nothing. */
function autoescaped(text: string): string {
  return text === "" ? "" : scriptWord(text);
}

/** Characters the directive-line parsers of the schedulers read as quoting, escaping or a comment. */
const HEADER_SPECIAL = /["\\#]/;

/** A value for a scheduler's directive line (`#SBATCH` ...), written as it is; see the module's doc. */
function header(v: unknown): nunjucks.runtime.SafeString {
  if (v === undefined || v === null) return new nunjucks.runtime.SafeString("");
  const text = checked(v, "scheduler's directive line");
  const bad = HEADER_SPECIAL.exec(text);
  if (bad) {
    refused = new UserError(`${JSON.stringify(text)} cannot be written into a scheduler's directive line: it holds ${bad[0]}`, `the scheduler would read ${bad[0]} as quoting, an escape or a comment`);
    throw refused;
  }
  return new nunjucks.runtime.SafeString(text);
}

/**
 * The `-o` pattern that matches exactly `name`: `-o` takes full regular expressions (workflow.ts),
 * so `s.a` would also select `sXa`. Regex syntax is escaped with `\`; `=` is written `\x3d` (a word
 * with `=` is a KEY=VALUE flag to `cohort run`) and a leading `-` `\x2d` (it would read as an option).
 */
export function exactPattern(name: string): string {
  return name
    .replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&")
    .replaceAll("=", "\\x3d")
    .replace(/^-/, "\\x2d");
}

/** The HTML escape nunjucks' autoescape calls, swapped for the shell's while cohort renders (renderScript). */
const nunjucksLib = (nunjucks as unknown as { lib: { escape: (s: string) => string } }).lib;

/**
 * Reads templates as strict UTF-8: nunjucks decodes a byte that is not UTF-8 as U+FFFD, which would
 * reach the script in its place. A template holding U+FFFD is read again, strictly, so that such a byte
 * is refused with the file and line named (a U+FFFD really written stays).
 */
class StrictLoader extends nunjucks.FileSystemLoader {
  override getSource(name: string): nunjucks.LoaderSource {
    const source = super.getSource(name);
    if (source?.src.includes("\uFFFD")) readTextFile(source.path);
    return source;
  }
}

/**
 * One environment per project and process, and below each compiled template: kept for the process
 * because compiling a template costs far more than rendering it (bench/RESULTS.md), and `submit`
 * renders one script per cluster job.
 */
const environments = new Map<string, nunjucks.Environment>();

function environment(projectRoot: string): nunjucks.Environment {
  const cached = environments.get(projectRoot);
  if (cached) return cached;
  const dirs = [path.join(projectRoot, "templates"), BUILTIN_TEMPLATES];
  const env = new nunjucks.Environment(new StrictLoader(dirs), {
    autoescape: true,
    trimBlocks: true,
    lstripBlocks: true,
    throwOnUndefined: false,
  });
  env.addFilter("quote", (v: unknown) => new nunjucks.runtime.SafeString(scriptWord(v ?? "")));
  env.addFilter("exact", (name: unknown) => exactPattern(String(name)));
  env.addFilter("header", header);
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

/**
 * The GPUs of each member of a parallel bundle, as `COHORT_GPU_SHARE` gives them (`FIRST:COUNT` of
 * the job's GPUs, one after another, `K:0` for a member asking for none); undefined when no member
 * asks for a GPU. (Run at once, members that each saw every GPU of the job would all use the first.)
 */
function gpuShares(entries: readonly BundleEntry[]): string[] | undefined {
  if (!entries.some((e) => e.resources.ngpu > 0)) return undefined;
  let first = 0;
  return entries.map((e) => {
    const share = `${first}:${e.resources.ngpu}`;
    first += e.resources.ngpu;
    return share;
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
  let bundle: readonly object[] = watching
    ? ctx.bundle.map((e) => ({
        group: e.group,
        aggregate: e.aggregate,
        jobs: e.jobs,
        operations: e.operations.map((o) => ({ name: o.name, directives: watch(o.directives) })),
        resources: watch(e.resources),
        submit_options: e.submit_options,
      }))
    : ctx.bundle;
  const shares = ctx.parallel && !ctx.array ? gpuShares(ctx.bundle) : undefined;
  if (shares) bundle = bundle.map((e, k) => ({ ...e, gpu_share: shares[k] }));
  checked(ctx.cohort, "submission script (the cohort command)");
  const data = {
    project: ctx.project,
    scheduler: ctx.scheduler,
    job_name: ctx.jobName,
    submission_group: ctx.submissionGroup,
    output_dir: ctx.outputDir,
    cohort: new nunjucks.runtime.SafeString(ctx.cohort),
    parallel: ctx.parallel,
    mpi_launcher: ctx.mpiLauncher,
    bundle,
    resources: watch(ctx.resources),
    options: ctx.options,
    // The profile's own shell lines (checked to be one line each when it was read): written as they are.
    prelude: (ctx.prelude ?? []).map((l) => new nunjucks.runtime.SafeString(checked(l, "submission script (the cluster profile's prelude)"))),
    array: ctx.array && {
      first: ctx.array.first,
      index_var: ARRAY_INDEX_VAR[ctx.scheduler],
      tasks: ctx.array.tasks.map((task) => {
        const taskShares = ctx.parallel ? gpuShares(task) : undefined;
        return task.map((e, k) => ({ group: e.group, aggregate: e.aggregate, jobs: e.jobs, submit_options: e.submit_options, gpu_share: taskShares?.[k] }));
      }),
    },
  };
  let text: string;
  const htmlEscape = nunjucksLib.escape;
  nunjucksLib.escape = autoescaped;
  refused = undefined;
  try {
    text = compiled(ctx.project.root, ctx.scheduler).render(data);
  } catch (err) {
    if (refused) throw refused;
    throw new UserError(`the ${ctx.scheduler} template failed: ${(err as Error).message.split("\n").map((l) => l.trim()).filter(Boolean).join(" ")}`, "check templates/ in the project, or start from `cohort template show " + ctx.scheduler + "`");
  } finally {
    nunjucksLib.escape = htmlEscape;
  }
  return { text: text.replace(/\n{3,}/g, "\n\n"), unread: watching ? unreadKeys(ctx, read) : [] };
}

/**
 * The directive keys of a directives object that a template could be blamed for not reading (given
 * by the user, and not for cohort itself), once per object: the operations of a group with static directives
 * share one object across all its scripts.
 */
const reportable = new WeakMap<ResolvedDirectives, readonly string[]>();

function reportableKeys(directives: ResolvedDirectives): readonly string[] {
  let keys = reportable.get(directives);
  if (!keys) {
    // Given by the user, whatever the value (0 and false too); null is "not set".
    keys = givenKeys(directives).filter((k) => !NOT_FOR_TEMPLATES.has(k) && directives[k] !== null && directives[k] !== undefined);
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
