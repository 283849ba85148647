/**
 * The command line: a thin layer over the library. Each command's code is loaded only when that
 * command runs, so that start-up stays short on projects of any size.
 */
import { Command, CommanderError } from "commander";
import { errorText, UserError } from "../util/errors.js";
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

export function buildProgram(): Command {
  const program = new Command("cohort")
    .description("Workflow manager and run tracker for computational campaigns (signac-compatible data space).")
    .version(process.env.npm_package_version ?? "0.1.0", "-V, --version")
    .option("-C, --directory <dir>", "run as if started in DIR")
    .option("--debug", "show stack traces for errors")
    .showSuggestionAfterError()
    .enablePositionalOptions()
    .addHelpText("after", examples(["cohort init T={1.0,2.0} N={100,1000}", "cohort find T 1.0", "cohort doc 3fa prepared true"]));

  program
    .command("init")
    .summary("make a project; optionally create a grid of jobs")
    .description(
      "Make DIR (default: the working directory) a project: cohort.toml, .signac/config and workspace/.\n" +
        "KEY=VALUES arguments create one job per point of their grid: {a,b} lists, {1..5} and {0..1..0.25}\n" +
        "inclusive ranges, typed values (1 is an int, 1.0 a float, 'x' a string); the first key is outermost.",
    )
    .argument("[args...]", "DIR and/or KEY=VALUES")
    .option("--name <name>", "project name written to cohort.toml (default: the directory's name)")
    .addHelpText("after", examples(["cohort init", "cohort init T={1.0,2.0} N={100,1000}", "cohort init runs/ seed={1..10} model=lj"]))
    .action(lazy(() => import("./commands/init.js")));

  const job = program.command("job").description("create, inspect and remove jobs");
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
    .addHelpText("after", examples(["cohort job show 3fa2", "cohort job show 3fa2 --json"]))
    .action(lazy(() => import("./commands/job-show.js")));
  job
    .command("rm")
    .description("remove jobs and every file in them")
    .argument("<ids...>", "job ids or unique prefixes")
    .addHelpText("after", examples(["cohort job rm 3fa2 81bc"]))
    .action(lazy(() => import("./commands/job-rm.js")));

  program
    .command("doc")
    .description(
      "print or change a job's document, or the project's with --project.\n" +
        "KEY may be a dotted path into nested objects; VALUE is JSON (text that is not JSON is a string).",
    )
    .argument("[args...]", "ID [KEY [VALUE]], or KEY [VALUE] with --project")
    .option("-p, --project", "the project document instead of a job's")
    .option("-d, --delete <key>", "remove KEY")
    .addHelpText(
      "after",
      examples(["cohort doc 3fa2", "cohort doc 3fa2 energy -1.5", "cohort doc 3fa2 --delete energy", "cohort doc --project stage '\"prod\"'"]),
    )
    .action(lazy(() => import("./commands/doc.js")));

  program
    .command("find")
    .description(
      "print the ids of jobs matching a filter: JSON, or KEY VALUE pairs (VALUE is JSON, /re/ a regex,\n" +
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
        "cohort find 'i.$lt' 100",
        `cohort find '{"$or": [{"T": 1.0}, {"N": {"$gt": 100}}]}'`,
        "cohort find doc.prepared true --sp T N",
        "cohort find model /^w/ --json",
      ]),
    )
    .action(lazy(() => import("./commands/find.js")));

  program
    .command("schema")
    .description("print each state-point key with its types and value ranges")
    .argument("[filter...]", "only jobs matching this filter")
    .option("--json", "print JSON")
    .option("--max-values <n>", "values listed per key", "5")
    .addHelpText("after", examples(["cohort schema", "cohort schema model lj --json"]))
    .action(lazy(() => import("./commands/schema.js")));

  program
    .command("check")
    .description(
      "verify the workspace: every job directory's state point must exist, parse, and hash to its name;\n" +
        "entries that are not job directories are reported. Exit code 1 when anything was found.",
    )
    .option("--json", "print JSON")
    .addHelpText("after", examples(["cohort check", "cohort check --json"]))
    .action(lazy(() => import("./commands/check.js")));

  program
    .command("status")
    .description(
      "show where the campaign stands: per operation and group, how many aggregates are eligible, complete\n" +
        "and waiting (and what they wait for); label ratios; -d a table per job. Exit code 1 when a label or\n" +
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

  program
    .command("run")
    .description(
      "run eligible operations in passes until nothing is eligible: each pass finds every eligible\n" +
        "(operation, job) of the selected groups, then runs them. Without -o, every operation runs as its\n" +
        "own group. Exit code 1 when an operation failed.",
    )
    .argument("[names...]", "operations or groups to run (full regular expressions, as -o)")
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
    .addHelpText(
      "after",
      examples([
        "cohort run",
        "cohort run -o ex --num-passes 2",
        "cohort run -o 'prep.*' -f T 1.0 --pretend",
        "cohort run simulate -j 3fa2 81bc --keep-going",
        "cohort run -o ex --parallel 8 --quiet",
      ]),
    )
    .action(lazy(() => import("./commands/run.js")));

  program
    .command("exec")
    .description("run an operation on the given jobs (all when none are given), ignoring its conditions")
    .argument("<operation>", "the operation")
    .argument("[ids...]", "job or aggregate ids or unique prefixes")
    .option("--timeout <seconds>", "stop an operation that runs longer and mark its run terminated")
    .option("--parallel [n]", "run on several jobs at once on up to N CPU slots (default: every core)")
    .option("-q, --quiet", "show only the summary, not the operation's output")
    .addHelpText("after", examples(["cohort exec prepare", "cohort exec simulate 3fa2", "cohort exec simulate --parallel 4"]))
    .action(lazy(() => import("./commands/exec.js")));

  program
    .command("next")
    .description("print the ids of the jobs (or aggregates) on which an operation is eligible")
    .argument("<operation>", "the operation")
    .addHelpText("after", examples(["cohort next simulate", "cohort next simulate | head -1"]))
    .action(lazy(() => import("./commands/next.js")));

  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `cohort find | head` closes the pipe early: that ends the output, it is not an error.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
  const program = buildProgram();
  program.exitOverride();
  program.configureOutput({
    outputError: () => {
      // reported below in cohort's one-line format
    },
  });
  for (const cmd of allCommands(program)) {
    cmd.exitOverride();
    cmd.configureOutput({ outputError: () => {} });
  }
  program.hook("preAction", (thisCommand) => {
    const opts = thisCommand.opts<{ directory?: string; debug?: boolean }>();
    setDebug(Boolean(opts.debug));
    if (opts.directory) {
      try {
        process.chdir(opts.directory);
      } catch (err) {
        throw new UserError(`cannot enter ${opts.directory}: ${errorText(err)}`, "-C takes an existing directory");
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
      fail(new UserError(err.message.replace(/^error: /, ""), "see 'cohort --help'"));
      return;
    }
    fail(err);
  }
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}
