/**
 * The command line: a thin layer over the library. Each command's code is loaded only when that
 * command runs, so that start-up stays short on projects of any size.
 */
import { Command, CommanderError } from "commander";
import { systemReason, UserError } from "../util/errors.js";
import { closeNames } from "../util/names.js";
import { checkArgsUtf8 } from "./argv.js";
import { fail, setDebug } from "./context.js";

type Loader = () => Promise<{ default: (...args: never[]) => unknown }>;

function lazy(load: Loader) {
  return async (...args: unknown[]) => {
    const mod = await load();
    await (mod.default as (...a: unknown[]) => unknown)(...args);
  };
}

function examples(lines: string[]): string {
  return "\nExamples:\n" + lines.map((l) => "  $ " + l).join("\n") + "\n";
}

/** Every command's name, as buildProgram declares them. */
export const COMMAND_NAMES = ["init", "job", "doc", "find", "schema", "view", "check", "status", "run", "exec", "next", "runs", "group", "submit", "template", "cluster", "ui"] as const;

/**
 * The program with every command, or with only `only` (help, suggestions and errors about names need
 * them all; declaring them all takes a few milliseconds that a command alone need not wait for).
 */
export function buildProgram(only?: string): Command {
  const want = (name: (typeof COMMAND_NAMES)[number]) => only === undefined || only === name;
  const program = new Command("cohort")
    .description("Workflow manager and run tracker for computational campaigns (signac-compatible data space).")
    .version(process.env.npm_package_version ?? "0.1.0", "-V, --version")
    .option("-C, --directory <dir>", "run as if started in DIR")
    .option("--debug", "show stack traces for errors")
    .showSuggestionAfterError()
    .enablePositionalOptions()
    .addHelpText("after", examples(["cohort init T={1.0,1.5,2.0} N={64,128}", "cohort find T 1.5", "cohort doc 8ecc energy -1.25"]));

  if (want("init"))
    program
      .command("init")
      .summary("make a project; optionally create a grid of jobs")
      .description(
        "Make DIR (default: the working directory) a project: cohort.toml, .signac/config and workspace/. " +
          "KEY=VALUES arguments create one job per point of their grid: {a,b} lists, {1..5} and {0..1..0.25} " +
          "inclusive ranges, typed values (1 is an int, 1.0 a float, 'x' a string); the first key is outermost.",
      )
      .argument("[args...]", "DIR and/or KEY=VALUES")
      .option("--name <name>", "project name written to cohort.toml (default: the directory's name)")
      .addHelpText("after", examples(["cohort init", "cohort init T={1.0,2.0} N={100,1000}", "cohort init runs/ seed={1..10} model=lj"]))
      .action(lazy(() => import("./commands/init.js")));

  if (want("job")) {
    const job = program
      .command("job")
      .description("create, inspect and remove jobs")
      .addHelpText("after", examples([`cohort job init '{"T": 1.0, "N": 100}'`, "cohort job show 8ecc", "cohort job rm 7b9a 80df"]));
    job
      .command("init")
      .description("create the job of a state point (idempotent) and print its id")
      .argument("<sp...>", "the state point: JSON text or KEY=VALUE pairs")
      .addHelpText("after", examples([`cohort job init '{"T": 1.0, "N": 100}'`, "cohort job init T=1.0 N=100"]))
      .action(lazy(() => import("./commands/job-init.js")));
    job
      .command("id")
      .description("print the id of a state point without creating the job")
      .argument("<sp...>", "the state point: JSON text or KEY=VALUE pairs")
      .addHelpText("after", examples([`cohort job id '{"a": 1.0}'`]))
      .action(lazy(() => import("./commands/job-id.js")));
    job
      .command("show")
      .description("show a job's id, path, state point and document")
      .argument("<id>", "job id or unique prefix")
      .option("--json", "print JSON")
      .addHelpText("after", examples(["cohort job show 8ecc", "cohort job show 8ecc --json"]))
      .action(lazy(() => import("./commands/job-show.js")));
    job
      .command("rm")
      .description("remove jobs and every file in them; a job a run is executing on is refused without --force")
      .argument("<ids...>", "job ids or unique prefixes")
      .option("--force", "remove jobs also while a run of this project is executing on them")
      .addHelpText("after", examples(["cohort job rm 7b9a 80df"]))
      .action(lazy(() => import("./commands/job-rm.js")));
  }

  if (want("doc"))
    program
      .command("doc")
      .summary("print or change a job's document, or the project's")
      .description(
        "print or change a job's document, or the project's with --project. " +
          "KEY may be a dotted path into nested objects; VALUE is typed as in cohort init: 1 is an int, 1.0 a float, 'x' a string, JSON text is JSON, other text is a string.",
      )
      .argument("[args...]", "ID [KEY [VALUE]], or KEY [VALUE] with --project")
      .option("-p, --project", "the project document instead of a job's")
      .option("-d, --delete <key>", "remove KEY")
      .addHelpText(
        "after",
        examples(["cohort doc 8ecc", "cohort doc 8ecc energy -1.5", "cohort doc 8ecc --delete energy", "cohort doc --project stage '\"prod\"'"]),
      )
      .action(lazy(() => import("./commands/doc.js")));

  if (want("find"))
    program
      .command("find")
      .summary("print the ids of the jobs matching a filter")
      .description(
        "print the ids of jobs matching a filter: JSON, or KEY VALUE pairs (VALUE is typed as in cohort init, /re/ a regex, " +
          "a lone KEY means it exists; KEY.$op VALUE applies an operator; doc.KEY reads the document).",
      )
      .argument("[filter...]", "JSON filter or KEY VALUE pairs")
      .option("--sp [keys...]", "show state-point keys (all without KEYS)")
      .option("--doc [keys...]", "show document keys (all without KEYS)")
      .option("--json", "print JSON")
      .addHelpText(
        "after",
        examples([
          "cohort find T 1.0",
          "cohort find 'N.$lt' 100",
          `cohort find '{"$or": [{"T": 1.0}, {"N": {"$gt": 100}}]}'`,
          "cohort find 'doc.energy.$lt' 0 --sp T N",
          "cohort find N 64 --doc --json",
        ]),
      )
      .action(lazy(() => import("./commands/find.js")));

  if (want("schema"))
    program
      .command("schema")
      .description("print each state-point key with its types and value ranges")
      .argument("[filter...]", "only jobs matching this filter")
      .option("--json", "print JSON")
      .option("--max-values <n>", "values listed per key", "5")
      .addHelpText("after", examples(["cohort schema", "cohort schema T 1.5 --json"]))
      .action(lazy(() => import("./commands/schema.js")));

  if (want("view"))
    program
      .command("view")
      .summary("make a linked view: directories named after state-point values, ending in links to the jobs")
      .description(
        "make or bring up to date a linked view of the jobs, as signac's view does: for each job a path KEY/VALUE/... " +
          "of the state-point keys whose values differ between the jobs, ending in a link named job to the job's directory. " +
          "Links to jobs no longer in the view are removed; nothing else in DIR is touched. DIR defaults to view in the project.",
      )
      .argument("[dir]", "where the view goes (default: view in the project's directory)")
      .option("-f, --filter <filter...>", "only jobs matching this filter (JSON or KEY VALUE pairs)")
      .option("-j, --job-id <ids...>", "only these jobs (ids or unique prefixes)")
      .addHelpText("after", examples(["cohort view", "cohort view hot -f 'T.$gt' 1.2", "cohort view pair -j 8ecc ee5a"]))
      .action(lazy(() => import("./commands/view.js")));

  if (want("check"))
    program
      .command("check")
      .summary("verify every job directory of the workspace")
      .description(
        "verify the workspace: every job directory's state point must exist, parse, and hash to its name; " +
          "entries that are not job directories are reported. Exit code 1 when anything was found.",
      )
      .option("--json", "print JSON")
      .addHelpText("after", examples(["cohort check", "cohort check --json"]))
      .action(lazy(() => import("./commands/check.js")));

  if (want("status"))
    program
      .command("status")
      .summary("show where the campaign stands: eligible, complete, waiting")
      .description(
        "show where the campaign stands: per operation and group, how many aggregates are eligible, complete " +
          "and waiting (and what they wait for); the CPU-hours and GPU-hours the eligible and waiting ones still " +
          "take, from their directives; label ratios; -d a table per job. Exit code 1 when a label or " +
          "condition raised (the status is shown all the same).",
      )
      .argument("[names...]", "operations or groups to show (full regular expressions, as -o)")
      .option("-o, --operation <names...>", "operations or groups to show (full regular expressions)")
      .option("-d, --detailed", "a table per job: each operation's state and each label")
      .option("-p, --parameters <keys...>", "state-point keys (or doc.KEY) as columns of the table per job (implies -d)")
      .option("-j, --job-id <ids...>", "only these jobs or aggregates (ids or unique prefixes)")
      .option("-f, --filter <filter...>", "only jobs matching this filter (JSON or KEY VALUE pairs)")
      .option("--json", "print JSON")
      .addHelpText(
        "after",
        examples(["cohort status", "cohort status -o 'sim.*' -d", "cohort status -d -p T doc.energy", "cohort status -f T 1.0 --json"]),
      )
      .action(lazy(() => import("./commands/status.js")));

  if (want("run"))
    program
      .command("run")
      .summary("run eligible operations, or a flag operation with its flags")
      .description(
        "run eligible operations in passes until nothing is eligible: each pass finds every eligible " +
          "(operation, job) of the selected groups, then runs them. Without -o, every operation runs as its " +
          "own group (flag operations only when named).\n\n" +
          "KEY=VALUE arguments give flags: a flag operation runs once per flag set in a fresh run directory; " +
          "for a job operation each flag set is a state point whose job is made if needed. Multi-value flags " +
          "({a,b}, {1..5}, uniform[a:b]) make a batch, recorded as one run group; running a FlowGroup makes " +
          "one pipeline group.\n\n" +
          "Exit code 1 when an operation failed.",
      )
      .argument("[names...]", "operations or groups to run (full regular expressions, as -o), and KEY=VALUE flags")
      .option("-o, --operation <names...>", "operations or groups to run (full regular expressions)")
      .option("-j, --job-id <ids...>", "only these jobs or aggregates (ids or unique prefixes)")
      .option("-f, --filter <filter...>", "only jobs matching this filter (JSON or KEY VALUE pairs)")
      .option("-n, --num <n>", "run at most N operations in all")
      .option("--num-passes <n>", "executions of one (operation, job) per invocation", "1")
      .option("--order <order>", "by-job, cyclic or random", "by-job")
      .option("--pretend", "show what would run, with resolved directives, and run nothing")
      .option("--keep-going", "go on after a failed operation")
      .option("--timeout <seconds>", "stop an operation that runs longer and mark its run terminated")
      .option("--parallel [n]", "run operations at once on up to N CPU slots (default: every core); each holds np slots, ngpu GPUs")
      .option("-q, --quiet", "show only the summary, not the operations' output")
      .option("--force", "in a batch of a job operation: run on its jobs whatever their conditions")
      .option("--print-runs", "show the table of flag sets and run nothing")
      .option("--json", "with --print-runs: print JSON")
      .option("--needed", "skip flag sets that already have a completed run")
      .option("--max-runs <n>", "sample a grid down to N flag sets; N random draws (default 20)")
      .option("--seed <s>", "make sampling and random draws repeatable")
      .addHelpText(
        "after",
        examples([
          "cohort run",
          "cohort run train lr={1e-4,1e-3,1e-2} epochs=3",
          "cohort run train lr=loguniform[1e-5:1e-1] --max-runs 8 --seed 1 --print-runs",
          "cohort run prepare T={2.5,3.0} N={64,128} --parallel",
          "cohort run -o pipeline --num-passes 2",
          "cohort run -o 'prep.*' -f T 2.0 --pretend",
          "cohort run simulate -j 44ab 2016 --keep-going",
          "cohort run -o pipeline --parallel 8 --quiet",
        ]),
      )
      .action(lazy(() => import("./commands/run.js")));

  if (want("exec"))
    program
      .command("exec")
      .summary("run an operation on jobs, ignoring its conditions")
      .description(
        "run an operation on the given jobs (all when none are given), ignoring its conditions; " +
          "a flag operation runs once with its flags (KEY=VALUE overrides; multi-value flags make a batch). " +
          "A job another runner of the project executes is skipped, and exec exits 1",
      )
      .argument("<operation>", "the operation")
      .argument("[args...]", "job or aggregate ids or unique prefixes; for a flag operation, KEY=VALUE flags")
      .option("--timeout <seconds>", "stop an operation that runs longer and mark its run terminated")
      .option("--parallel [n]", "run on several jobs at once on up to N CPU slots (default: every core)")
      .option("-q, --quiet", "show only the summary, not the operation's output")
      .addHelpText("after", examples(["cohort exec prepare", "cohort exec simulate 8ecc", "cohort exec prepare --parallel 4", "cohort exec train lr=0.1"]))
      .action(lazy(() => import("./commands/exec.js")));

  if (want("next"))
    program
      .command("next")
      .description("print the ids of the jobs (or aggregates) on which an operation is eligible")
      .argument("<operation>", "the operation")
      .option("--json", "print JSON: a list of {id, jobs}, each aggregate's id and its jobs' ids")
      .addHelpText("after", examples(["cohort next simulate", "cohort next simulate | head -1", "cohort next simulate --json"]))
      .action(lazy(() => import("./commands/next.js")));

  if (want("runs")) addRunsCommands(program);
  if (want("group")) addGroupCommands(program);

  if (want("submit"))
    program
      .command("submit")
      .summary("submit eligible operations to the cluster scheduler")
      .description(
        "submit eligible (group, aggregate) pairs to the cluster scheduler, one cluster job per pair or " +
          "per bundle; each cluster job is recorded as a submission run group. Words after -- go to the " +
          "scheduler's submit command.\n\n" +
          "Without --partition, each cluster job goes to the partition that holds its CPUs, GPUs, memory and " +
          "walltime at the lowest charge: from the cluster profile in force (cohort cluster show), else from " +
          "what the scheduler says (sinfo). The profile also gives the default account, submit options and the " +
          "lines a script runs first. --pretend ends with the cost of what it would submit.",
      )
      .argument("[names...]", "operations or groups to submit (full regular expressions, as -o)")
      .option("-o, --operation <names...>", "operations or groups to submit (full regular expressions)")
      .option("-j, --job-id <ids...>", "only these jobs or aggregates (ids or unique prefixes)")
      .option("-f, --filter <filter...>", "only jobs matching this filter (JSON or KEY VALUE pairs)")
      .option("-n, --num <n>", "submit at most N (group, aggregate) pairs")
      .option("-b, --bundle [n]", "put N pairs in one script (all of them without N)")
      .option("--parallel", "run the pairs of a bundle at once, not one after another")
      .option("--pretend", "print each script and its submit command; submit nothing")
      .option("--force", "submit pairs whose cluster job is already queued or running")
      .option("--hold", "submit held: the jobs wait until released")
      .option("--after <jobids...>", "every job waits for these cluster jobs to succeed")
      .option("--partition <p>", "the partition (queue) to submit to")
      .option("--account <a>", "the account to charge")
      .option("--scheduler <name>", "slurm, pbs or lsf (default: the cluster profile's, else detected from sbatch, qsub, bsub)")
      .option("--cluster <name>", "the cluster profile to use (default: COHORT_CLUSTER, else detected; see cohort cluster show)")
      .option("--json", "print the cluster jobs (with --pretend, their scripts) and their cost as JSON")
      .option("--chain", "also submit downstream operations now, each depending on what it waits for")
      .option("--array", "submit scripts with identical resources as one job array")
      .addHelpText(
        "after",
        examples([
          "cohort submit -o pipeline --pretend",
          "cohort submit -o simulate -b 8 --parallel --partition gpu",
          "cohort submit -o prepare --chain",
          "cohort submit simulate --array -- --qos=high",
          "cohort submit --cluster anvil --pretend",
          "cohort submit -o pipeline --pretend --json",
        ]),
      )
      .action(lazy(() => import("./commands/submit.js")));

  if (want("template")) {
    const template = program
      .command("template")
      .description("the built-in submission-script templates")
      .addHelpText("after", examples(["cohort template show slurm"]));
    template
      .command("show")
      .description("print a built-in template (slurm, pbs, lsf, base) to start your own templates/<scheduler>.sh from")
      .argument("<name>", "slurm, pbs, lsf or base")
      .addHelpText("after", examples(["cohort template show slurm", "mkdir -p templates && cohort template show slurm > templates/slurm.sh"]))
      .action(lazy(() => import("./commands/template.js")));
  }

  if (want("cluster")) {
    const cluster = program
      .command("cluster")
      .summary("the cluster profiles cohort knows")
      .description(
        "the cluster profiles cohort knows: built-ins, the user's ~/.config/cohort/clusters.toml and [clusters.NAME] " +
          "tables of cohort.toml, later ones winning (docs/clusters.md)",
      )
      .addHelpText("after", examples(["cohort cluster show", "cohort cluster list"]));
    cluster
      .command("show")
      .description(
        "print the cluster profile in force (named with --cluster or COHORT_CLUSTER, else detected from the host name " +
          "or the scheduler's cluster name) and where each of its values came from",
      )
      .option("--cluster <name>", "show this profile")
      .option("--json", "print JSON")
      .addHelpText("after", examples(["cohort cluster show", "cohort cluster show --cluster anvil", "COHORT_CLUSTER=anvil cohort cluster show --json"]))
      .action(lazyNamed(() => import("./commands/cluster.js"), (m) => m.show));
    cluster
      .command("list")
      .description("list every cluster profile: its scheduler, partitions and the file that defined it last")
      .option("--json", "print JSON")
      .addHelpText("after", examples(["cohort cluster list", "cohort cluster list --json"]))
      .action(lazyNamed(() => import("./commands/cluster.js"), (m) => m.list));
  }

  if (want("ui"))
    program
      .command("ui")
      .summary("serve the dashboard: the campaign in a browser")
      .description(
        "Serve a web dashboard of the project until Ctrl-C: the status overview, the jobs table (filters in the query language of cohort find), " +
          "each job, runs and run groups, each run's output and metric plots, and comparisons; open pages update as runs start, print and end. " +
          "It prints a URL with a random token: nothing is served without it. It binds to 127.0.0.1: other machines cannot reach it, but every user of this one can, and only the token keeps them out " +
          "(on a cluster's login node, reach it through an SSH tunnel: ssh -L 8765:127.0.0.1:8765 HOST). " +
          "It changes nothing but the labels, tags and comments of runs and groups.",
      )
      .option("--port <port>", "the port to listen on (0: any free one)", "8765")
      .option("--host <host>", "the address to listen on; 0.0.0.0 makes it reachable from other machines (with a warning)", "127.0.0.1")
      .addHelpText("after", examples(["cohort ui", "cohort ui --port 0", "cohort ui --port 9000 --host 127.0.0.1"]))
      .action(lazy(() => import("./commands/ui.js")));

  return program;
}

/** A named export of a command module as the action, loaded when the command runs. */
function lazyNamed<M>(load: () => Promise<M>, pick: (mod: M) => (...args: never[]) => unknown) {
  return lazy(async () => ({ default: pick(await load()) }));
}

/** `label`, `tag`, `comment` for runs or groups: the same options and code for both. */
function addAttributeCommands(parent: Command, noun: "run" | "group"): void {
  const cli = noun === "run" ? "cohort runs" : "cohort group";
  const args = noun === "run" ? ["<runs...>", "runs: names, unique id prefixes or # of 'cohort runs'"] : ["<groups...>", "groups: names, unique id prefixes or # of 'cohort runs -g'"];
  const attrs = (what: "label" | "tag" | "comment") => lazyNamed(() => import("./commands/attrs.js"), (m) => m.attributeCommand(noun, what));
  parent
    .command("label")
    .description(`set or clear the label of ${noun}s (give exactly one of --set, --clear)`)
    .argument(args[0], args[1])
    .option("--set <label>", "the new label")
    .option("--clear", "remove the label")
    .addHelpText("after", examples([`${cli} label 1 --set baseline`, `${cli} label 1 2 --clear`]))
    .action(attrs("label"));
  parent
    .command("tag")
    .description(`add or remove tags of ${noun}s (give exactly one of --add, --remove; put them after the ${noun}s)`)
    .argument(args[0], args[1])
    .option("--add <tags...>", "tags to add: words or KEY=VALUE")
    .option("--remove <tags...>", "tags to remove")
    .addHelpText("after", examples([`${cli} tag 1 2 --add best lr=0.01`, `${cli} tag 1 --remove best`]))
    .action(attrs("tag"));
  parent
    .command("comment")
    .description(`add, list or delete comments of ${noun}s (give exactly one of -m, --list, --delete)`)
    .argument(args[0], args[1])
    .option("-m, --message <text>", "add a comment")
    .option("--list", "list the comments")
    .option("--delete <id>", "delete the comment with this id (or unique id prefix)")
    .option("--json", "with --list: print JSON")
    .addHelpText("after", examples([`${cli} comment 1 -m 'diverged after epoch 3'`, `${cli} comment 1 --list`]))
    .action(attrs("comment"));
}

function addRunsCommands(program: Command): void {
  const runs = program
    .command("runs")
    .description("list and inspect runs; label, tag, comment, delete, restore and purge them")
    .enablePositionalOptions()
    .addHelpText("after", examples(["cohort runs", "cohort runs -g", "cohort runs show 1", "cohort runs tag 1 --add best", "cohort runs delete 3"]));
  const list = runs
    .command("list", { isDefault: true })
    .summary("list runs newest first (the default; 'cohort runs list --help' shows its options)")
    .description(
      "list runs newest first (the default of 'cohort runs'). # numbers the runs not deleted (the deleted " +
        "ones with --deleted) and stays the same under filters: every command takes it. Several values of one " +
        "filter: any may match; several filters: all must.",
    )
    .argument("[command]", "a command of 'cohort runs' (show, label, ...); none lists runs")
    .option("-g, --group [group]", "without a value: each group as one row in place of its runs; with a group: its runs")
    .option("-o, --operation <names...>", "operations (full regular expressions)")
    .option("-s, --status <statuses...>", "completed, error, running, terminated, queued, pending, unknown")
    .option("-l, --label <texts...>", "labels containing TEXT")
    .option("-t, --tag <tags...>", "runs with TAG")
    .option("-j, --job <ids...>", "runs on this job (id or unique prefix)")
    .option("-n, --num <n>", "show the newest N (default 20)")
    .option("-a, --all", "show every run")
    .option("--deleted", "show only the deleted runs (with -g, the deleted groups)")
    .option("--best <min:METRIC|max:METRIC>", "with -g: each group's best member (lowest min:, highest max:) and its value")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      examples(["cohort runs", "cohort runs -o train -s error -n 5", "cohort runs -g", "cohort runs -g 2", "cohort runs -g --best min:loss", "cohort runs -j 8ecc --json", "cohort runs --deleted -a"]),
    )
    .action(async (command: string | undefined, ...rest: unknown[]) => {
      // `cohort runs X` with X no command of runs lands here as the default command's argument.
      if (command !== undefined) throw unknownCommand(runs, command);
      await lazy(() => import("./commands/runs-list.js"))(undefined, ...rest);
    });
  defaultCommands.add(list);
  runs
    .command("show")
    .description("show a run: operation, status, state point or flags, command, times, attributes, groups and the end of its output")
    .argument("<run>", "name, unique id prefix, or # of 'cohort runs'")
    .option("--tail <n>", "lines of output to show", "20")
    .option("--output", "print the run's output alone, byte for byte (so far, for a running run)")
    .option("-f, --follow", "print the run's output so far, then what it prints until it ends")
    .option("--json", "print JSON")
    .addHelpText("after", examples(["cohort runs show 1", "cohort runs show 2 --tail 100", "cohort runs show 1 --output", "cohort runs show 1 --follow", "cohort runs show 1 --json"]))
    .action(lazy(() => import("./commands/runs-show.js")));
  runs
    .command("compare")
    .description(
      "compare runs, one row per run: name, operation, status, start, duration, the flags or state-point keys " +
        "that differ between the rows (every key with --all), then each metric's last value, or what -m asks " +
        "for (min:, max:, first:, avg:, count: before a metric's name)",
    )
    .argument("[runs...]", "runs (names, unique id prefixes or # of 'cohort runs') or groups, which stand for their members; none: every run 'cohort runs' lists")
    .option("-g, --group <group>", "the members of a group; again for another group's (-g 1 -g 2: two sweeps side by side)", (g: string, before: string[] = []) => [...before, g])
    .option("-m, --metric <columns...>", "metric columns: NAME (its last value) or AGG:NAME, AGG one of last, first, min, max, avg, count")
    .option("--all", "every flag and state-point key, not only those that differ")
    .option("--sort <column>", "sort by a column (its heading); -COLUMN sorts descending")
    .option("-o, --operation <names...>", "operations (full regular expressions)")
    .option("-s, --status <statuses...>", "completed, error, running, terminated, queued, pending, unknown")
    .option("-l, --label <texts...>", "labels containing TEXT")
    .option("-t, --tag <tags...>", "runs with TAG")
    .option("-j, --job <ids...>", "runs on this job (id or unique prefix)")
    .option("-n, --num <n>", "the first N rows, once sorted")
    .option("--csv", "print CSV")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      examples(["cohort runs compare -o train", "cohort runs compare -g 2 --sort loss", "cohort runs compare -g 1 -g 2 -m min:loss", "cohort runs compare 1 2 3 -m min:loss max:loss", "cohort runs compare -o train --sort -loss --csv"]),
    )
    .action(lazy(() => import("./commands/runs-compare.js")));
  addAttributeCommands(runs, "run");
  const trash = (action: "delete" | "restore" | "purge") => lazyNamed(() => import("./commands/runs-trash.js"), (m) => m.trashCommand(action));
  runs
    .command("delete")
    .description("move runs to the trash (a marker; their files stay): 'cohort runs --deleted' lists them")
    .argument("<runs...>", "names, unique id prefixes or # of 'cohort runs'")
    .addHelpText("after", examples(["cohort runs delete 1 2"]))
    .action(trash("delete"));
  runs
    .command("restore")
    .description("take deleted runs out of the trash; a number counts as in 'cohort runs --deleted'")
    .argument("<runs...>", "names, unique id prefixes or # of 'cohort runs --deleted'")
    .addHelpText("after", examples(["cohort runs restore 1"]))
    .action(trash("restore"));
  runs
    .command("purge")
    .description("remove runs' files for good (asks first on a terminal, unless -y); naming a purged run later says so")
    .argument("<runs...>", "names, unique id prefixes or # of 'cohort runs'")
    .option("-y, --yes", "do not ask")
    .addHelpText("after", examples(["cohort runs purge 3 -y"]))
    .action(trash("purge"));
}

function addGroupCommands(program: Command): void {
  const group = program
    .command("group")
    .description("make and change run groups by hand; 'cohort runs -g' lists groups")
    .enablePositionalOptions()
    .addHelpText("after", examples(["cohort group create 1 2 3 --label sweep", "cohort group show 1", "cohort group add 1 4"]));
  const named = (pick: (m: typeof import("./commands/group.js")) => (...args: never[]) => unknown) => lazyNamed(() => import("./commands/group.js"), pick);
  group
    .command("create")
    .description("make a group (kind manual) of runs and print its name")
    .argument("<runs...>", "names, unique id prefixes or # of 'cohort runs'")
    .option("--label <label>", "the group's label")
    .addHelpText("after", examples(["cohort group create 1 2 3", "cohort group create 4 5 --label prepared"]))
    .action(named((m) => m.create));
  group
    .command("add")
    .description("add runs to a group")
    .argument("<group>", "name, unique id prefix, or # of 'cohort runs -g'")
    .argument("<runs...>", "names, unique id prefixes or # of 'cohort runs'")
    .addHelpText("after", examples(["cohort group add 1 4 5"]))
    .action(named((m) => m.add));
  group
    .command("remove")
    .description("take runs out of a group (the runs stay)")
    .argument("<group>", "name, unique id prefix, or # of 'cohort runs -g'")
    .argument("<runs...>", "names, unique id prefixes or # of 'cohort runs'")
    .addHelpText("after", examples(["cohort group remove 1 2"]))
    .action(named((m) => m.remove));
  group
    .command("show")
    .description("show a group: kind, label, tags, details, derived operation, start and status, members, comments")
    .argument("<group>", "name, unique id prefix, or # of 'cohort runs -g'")
    .option("--json", "print JSON")
    .addHelpText("after", examples(["cohort group show 1", "cohort group show 2 --json"]))
    .action(lazy(() => import("./commands/group-show.js")));
  addAttributeCommands(group, "group");
  group
    .command("delete")
    .description("delete groups (a marker: 'cohort group restore' brings them back); their member runs stay")
    .argument("<groups...>", "names, unique id prefixes or # of 'cohort runs -g'")
    .addHelpText("after", examples(["cohort group delete 1"]))
    .action(named((m) => m.deleteGroups));
  group
    .command("restore")
    .description("bring deleted groups back, with the members they had; a number counts as in 'cohort runs -g --deleted'")
    .argument("<groups...>", "names, unique id prefixes or # of 'cohort runs -g --deleted'")
    .addHelpText("after", examples(["cohort runs -g --deleted", "cohort group restore 1"]))
    .action(named((m) => m.restoreGroups));
}

export async function main(argv: string[]): Promise<void> {
  // `cohort find | head` closes the pipe early: that ends the output, it is not an error.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
  try {
    checkArgsUtf8(argv);
  } catch (err) {
    fail(err);
    return;
  }
  const program = buildProgram(commandIn(argv));
  // Which command raised an error decides whose --help the message points to.
  const raisedBy = new WeakMap<CommanderError, Command>();
  for (const cmd of [program, ...allCommands(program)]) {
    cmd.exitOverride((err) => {
      raisedBy.set(err, cmd);
      throw err;
    });
    // reported below in cohort's one-line format
    cmd.configureOutput({ outputError: () => {} });
  }
  program.hook("preAction", (thisCommand) => {
    const opts = thisCommand.opts<{ directory?: string; debug?: boolean }>();
    setDebug(Boolean(opts.debug));
    if (opts.directory) {
      try {
        process.chdir(opts.directory);
      } catch (err) {
        // Node's message names the working directory too, as if -C were relative to it: the reason alone.
        throw new UserError(`cannot enter ${opts.directory}: ${systemReason(err)}`, "-C takes an existing directory");
      }
    }
  });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0 || err.code === "commander.helpDisplayed" || err.code === "commander.version") {
        process.exitCode = 0;
        return;
      }
      if (err.code === "commander.help") {
        process.exitCode = 2;
        return;
      }
      fail(usageError(err, raisedBy.get(err) ?? program));
      return;
    }
    fail(err);
  }
}

/** The command that argv names before its own arguments, when it is one of COMMAND_NAMES and no global option asks for help or the version. */
export function commandIn(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-C" || a === "--directory") i++;
    else if (["-h", "--help", "-V", "--version", "--"].includes(a)) return undefined;
    else if (!a.startsWith("-")) return (COMMAND_NAMES as readonly string[]).includes(a) ? a : undefined;
  }
  return undefined;
}

/** `cohort runs list` and the like: a command that runs when its parent is given no command of its own. */
const defaultCommands = new WeakSet<Command>();

/** A command's words as typed: `cohort runs show`. */
function commandPath(cmd: Command): string {
  return cmd.parent ? `${commandPath(cmd.parent)} ${cmd.name()}` : cmd.name();
}

/**
 * A word in the place of a command of `parent` that is none, as SPEC §12 words it: one line that names
 * the closest commands and the help to read.
 */
function unknownCommand(parent: Command, word: string): UserError {
  const names = parent.commands.filter((c) => !defaultCommands.has(c)).map((c) => c.name());
  const close = closeNames(word, names);
  const help = close.length === 1 ? `${commandPath(parent)} ${close[0]}` : commandPath(parent);
  const meant = close.length === 0 ? "" : `did you mean ${close.length === 1 ? close[0] : `one of ${close.join(", ")}`}? `;
  return new UserError(`unknown command '${word}'`, `${meant}see '${help} --help'`);
}

/**
 * A usage error commander raised in `cmd`, as one line: commander's message, its "(Did you mean X?)"
 * folded into the hint, and the --help to read (of the command suggested, when it suggests one).
 */
function usageError(err: CommanderError, cmd: Command): UserError {
  // `cohort runs lable 1`: the word that is no command of runs reached runs' default command.
  const first = cmd.args[0];
  if (defaultCommands.has(cmd) && cmd.parent && first !== undefined && !first.startsWith("-")) return unknownCommand(cmd.parent, first);
  const lines = err.message.replace(/^error: /, "").split("\n");
  const suggestion = lines.map((l) => /^\(Did you mean (.+)\?\)$/.exec(l.trim())?.[1]).find((m) => m !== undefined);
  const what = lines.filter((l) => !/^\(Did you mean /.test(l.trim())).join(" ");
  const help = err.code === "commander.unknownCommand" && suggestion && !suggestion.startsWith("one of ") ? `${commandPath(cmd)} ${suggestion}` : commandPath(cmd);
  return new UserError(what, `${suggestion ? `did you mean ${suggestion}? ` : ""}see '${help} --help'`);
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}
