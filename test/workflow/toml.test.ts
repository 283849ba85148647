import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Float, float, type JsonObject, type JsonValue } from "../../src/dataspace/value.js";
import { UserError } from "../../src/util/errors.js";
import type { Condition, Directives, GroupDefinition, Hooks, OperationDefinition, WorkflowDefinition } from "../../src/workflow/model.js";
import { closeNames } from "../../src/util/names.js";
import { showPath } from "../../src/workflow/definition-schema.js";
import { parseProjectToml } from "../../src/workflow/toml.js";

/** The error `parseProjectToml` throws for `text`; fails the test when it throws none or another kind. */
function errorOf(text: string): UserError {
  try {
    parseProjectToml(text);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error(`no error for:\n${text}`);
}

const EXAMPLE = `[project]
name = "demo"
# project-level hooks, shell commands run in the job directory (or the project dir when no job):
on_start = "echo start"     # also on_success, on_exception, on_exit; a string or a list of strings

[operations.prepare]
command = "python prepare.py"          # shell command; runs with the job directory as working directory
pre = [{ isfile = "in.dat" }]
post = [{ isfile = "init.dat" }]
directives = { np = 1, walltime = "0:30:00" }
aggregator = { groups_of = 2 }         # or { group_by = "key" } (dotted path, \`doc.\` prefix allowed) or "all"; default: one job
on_success = "echo ok"                 # per-operation hooks, as above

[operations.simulate]
command = "python simulate.py --T {sp.T} --out {job.path}/traj.dat"
pre = [{ after = ["prepare"] }]
post = [{ isfile = "traj.dat" }]
directives = { np = 4, ngpu = 1, walltime = "2h" }

[groups.ex]
operations = ["prepare", "simulate"]
directives = { simulate = { ngpu = 2 } } # group-specific directives, per member operation
submit_options = "--num-passes=2"
run_options = "--num-passes=2"

[operations.train]                     # a flag operation: no job, a fresh run directory per run
command = "python train.py --lr {flags.lr} --epochs {flags.epochs}"
flags = { lr = 0.01, epochs = 10 }

[labels]
prepared = { isfile = "init.dat" }     # a label is a condition
`;

describe("parseProjectToml: the format", () => {
  it("parses the full example", () => {
    const expected: WorkflowDefinition = {
      name: "demo",
      nameOrigin: "cohort.toml:2",
      hooks: { on_start: [{ command: "echo start" }] },
      operations: [
        {
          name: "prepare",
          body: { kind: "command", command: "python prepare.py" },
          pre: [{ kind: "isfile", file: "in.dat", origin: "cohort.toml:8" }],
          post: [{ kind: "isfile", file: "init.dat", origin: "cohort.toml:9" }],
          directives: { np: 1, walltime: "0:30:00" },
          aggregator: { kind: "groupsOf", n: 2 },
          hooks: { on_success: [{ command: "echo ok" }] },
          origin: "cohort.toml:6",
        },
        {
          name: "simulate",
          body: { kind: "command", command: "python simulate.py --T {sp.T} --out {job.path}/traj.dat" },
          pre: [{ kind: "after", operations: ["prepare"], origin: "cohort.toml:16" }],
          post: [{ kind: "isfile", file: "traj.dat", origin: "cohort.toml:17" }],
          directives: { np: 4, ngpu: 1, walltime: "2h" },
          aggregator: { kind: "single" },
          hooks: {},
          origin: "cohort.toml:14",
        },
        {
          name: "train",
          body: { kind: "command", command: "python train.py --lr {flags.lr} --epochs {flags.epochs}" },
          pre: [],
          post: [],
          directives: {},
          aggregator: { kind: "single" },
          hooks: {},
          flags: { lr: 0.01, epochs: 10 },
          origin: "cohort.toml:26",
        },
      ],
      groups: [
        {
          name: "ex",
          operations: ["prepare", "simulate"],
          directives: { simulate: { ngpu: 2 } },
          submitOptions: "--num-passes=2",
          runOptions: "--num-passes=2",
          origin: "cohort.toml:20",
        },
      ],
      labels: [
        {
          name: "prepared",
          condition: { kind: "isfile", file: "init.dat", origin: "cohort.toml:31" },
          origin: "cohort.toml:31",
        },
      ],
    };
    expect(parseProjectToml(EXAMPLE)).toStrictEqual(expected);
  });

  it("parses an empty file and a bare [project]", () => {
    expect(parseProjectToml("")).toStrictEqual({ operations: [], groups: [], labels: [], hooks: {} });
    expect(parseProjectToml('[project]\nname = "x"\n')).toStrictEqual({ name: "x", nameOrigin: "cohort.toml:2", operations: [], groups: [], labels: [], hooks: {} });
  });

  it("uses the file name given in origins", () => {
    const def = parseProjectToml('\n[operations.a]\ncommand = "x"\n', "other.toml");
    expect(def.operations[0].origin).toBe("other.toml:2");
    expect(() => parseProjectToml("[operations.a]\n", "other.toml")).toThrow(/^other\.toml:1: operations\.a needs a command$/);
  });

  const conditions: [string, string, Condition][] = [
    ["isfile", '{ isfile = "out.dat" }', { kind: "isfile", file: "out.dat", origin: "cohort.toml:3" }],
    ["true", '{ true = "done" }', { kind: "true", key: "done", origin: "cohort.toml:3" }],
    ["false", '{ false = "a.b" }', { kind: "false", key: "a.b", origin: "cohort.toml:3" }],
    ["after (list)", '{ after = ["a", "b"] }', { kind: "after", operations: ["a", "b"], origin: "cohort.toml:3" }],
    ["after (string)", '{ after = "a" }', { kind: "after", operations: ["a"], origin: "cohort.toml:3" }],
    ["never", "{ never = true }", { kind: "never", origin: "cohort.toml:3" }],
    [
      "not",
      '{ not = { isfile = "x" } }',
      { kind: "not", condition: { kind: "isfile", file: "x", origin: "cohort.toml:3" }, origin: "cohort.toml:3" },
    ],
    [
      "not not",
      "{ not = { not = { never = true } } }",
      {
        kind: "not",
        condition: { kind: "not", condition: { kind: "never", origin: "cohort.toml:3" }, origin: "cohort.toml:3" },
        origin: "cohort.toml:3",
      },
    ],
    ["command", "{ command = 'test -s out.dat' }", { kind: "command", command: "test -s out.dat", origin: "cohort.toml:3" }],
  ];
  it.each(conditions)("parses the condition %s", (_name, text, expected) => {
    const def = parseProjectToml(`[operations.op]\ncommand = "x"\npost = [${text}]\n[labels]\nl = ${text}\n`);
    expect(def.operations[0].post).toStrictEqual([expected]);
    const atLine5 = JSON.parse(JSON.stringify(expected).replaceAll("cohort.toml:3", "cohort.toml:5")) as Condition;
    expect(def.labels).toStrictEqual([{ name: "l", condition: atLine5, origin: "cohort.toml:5" }]);
  });

  it("gives each condition of a multi-line list its own line", () => {
    const def = parseProjectToml(
      ["[operations.op]", 'command = "x"', "pre = [", '  { isfile = "a" },  # one', "", '  { not = {', '    true = "k" } },', "]"].join("\n"),
    );
    expect(def.operations[0].pre.map((c) => c.origin)).toEqual(["cohort.toml:4", "cohort.toml:6"]);
    expect(def.operations[0].pre[1]).toMatchObject({ condition: { origin: "cohort.toml:6" } });
  });

  it("accepts conditions as an array of tables", () => {
    const def = parseProjectToml('[operations.op]\ncommand = "x"\n[[operations.op.post]]\nisfile = "a"\n[[operations.op.post]]\nnever = true\n');
    expect(def.operations[0].post).toStrictEqual([
      { kind: "isfile", file: "a", origin: "cohort.toml:3" },
      { kind: "never", origin: "cohort.toml:5" },
    ]);
  });

  it("parses aggregators", () => {
    const agg = (text: string) => parseProjectToml(`[operations.op]\ncommand = "x"\naggregator = ${text}\n`).operations[0].aggregator;
    expect(agg('"all"')).toStrictEqual({ kind: "all" });
    expect(agg("{ groups_of = 3 }")).toStrictEqual({ kind: "groupsOf", n: 3 });
    expect(agg('{ group_by = "doc.phase" }')).toStrictEqual({ kind: "groupBy", key: "doc.phase" });
  });

  it("parses hooks given as a string or a list, and drops empty lists", () => {
    const def = parseProjectToml(
      '[project]\non_exit = ["a", "b"]\non_exception = []\n[operations.op]\ncommand = "x"\non_start = "s"\non_exception = ["e"]\n',
    );
    expect(def.hooks).toStrictEqual({ on_exit: [{ command: "a" }, { command: "b" }] } satisfies Hooks);
    expect(def.operations[0].hooks).toStrictEqual({ on_start: [{ command: "s" }], on_exception: [{ command: "e" }] } satisfies Hooks);
  });

  it("finds operations defined with dotted keys, inline tables and quoted names", () => {
    const def = parseProjectToml(
      ["[operations]", 'a.command = "x"', "", 'b = { command = "y" }', '"c.d" = { command = "z" }', '[operations."e-f"]', 'command = "w"'].join("\n"),
    );
    expect(def.operations.map((op) => [op.name, op.origin])).toEqual([
      ["a", "cohort.toml:2"],
      ["b", "cohort.toml:4"],
      ["c.d", "cohort.toml:5"],
      ["e-f", "cohort.toml:6"],
    ]);
  });

  it("finds an operation defined by a top-level dotted key", () => {
    expect(errorOf('[project]\noperations.a.command = "x"\n').message).toBe("cohort.toml:2: unknown key project.operations");
    const def = parseProjectToml('project.name = "x"\noperations.a.command = "x"\n\noperations.b = { command = "y", post = [{ never = true }] }\n');
    expect(def.operations.map((op) => [op.name, op.origin, op.post.map((c) => c.origin)])).toEqual([
      ["a", "cohort.toml:2", []],
      ["b", "cohort.toml:4", ["cohort.toml:4"]],
    ]);
  });

  it("skips a byte order mark", () => {
    expect(errorOf("\ufeff[operations.a]\ncommand = 1\n").message).toBe("cohort.toml:2: operations.a.command must be a shell command (a string)");
    expect(errorOf("\ufeff[operations.a]\n").message).toBe("cohort.toml:1: operations.a needs a command");
  });

  it("handles CRLF line ends and multi-line strings before the key", () => {
    const text = '[operations.a]\r\ncommand = """\r\nline one\r\n[not.a.header]\r\n"""\r\npost = [{ isfile = "x" }]\r\n';
    expect(parseProjectToml(text).operations[0].post[0].origin).toBe("cohort.toml:6");
    expect(errorOf(text.replace("isfile", "isfle")).message).toBe("cohort.toml:6: unknown key operations.a.post[0].isfle");
  });
});

describe("parseProjectToml: values", () => {
  const values: [string, string, JsonValue][] = [
    ["an integer", "10", 10],
    ["an integer-valued float", "10.0", new Float(10)],
    ["a float in exponent form", "1e3", new Float(1000)],
    ["negative zero", "-0.0", new Float(-0)],
    ["a fractional float", "0.5", 0.5],
    ["a big integer", "9007199254740993", 9007199254740993n],
    ["the largest safe integer", "9007199254740991", 9007199254740991],
    ["a hex integer", "0xff", 255],
    ["a string", '"10"', "10"],
    ["a boolean", "false", false],
    ["a list", "[1, 1.0]", [1, new Float(1)]],
    ["a table", "{ a = 2.0 }", { a: new Float(2) }],
  ];
  it.each(values)("keeps %s in flags and directives", (_name, text, expected) => {
    const def = parseProjectToml(
      `[operations.op]\ncommand = "x"\nflags = { v = ${text} }\ndirectives = { v = ${text} }\n[groups.g]\noperations = ["op"]\ndirectives = { op = { v = ${text} } }\n`,
    );
    expect(def.operations[0].flags).toStrictEqual({ v: expected });
    expect(def.operations[0].directives).toStrictEqual({ v: expected });
    expect(def.groups[0].directives).toStrictEqual({ op: { v: expected } });
  });

  it("tells 10 from 10.0", () => {
    const flags = parseProjectToml('[operations.t]\ncommand = "x"\nflags = { a = 10, b = 10.0 }\n').operations[0].flags as JsonObject;
    expect(flags.a).toBe(10);
    expect(flags.b).toBeInstanceOf(Float);
    expect(String(flags.b)).toBe("10.0");
  });
});

describe("parseProjectToml: errors", () => {
  /** [case, TOML text, expected message, expected hint (a substring) or undefined] */
  const cases: [string, string, string, string | undefined][] = [
    ["unknown top-level section", '[project]\nname = "x"\n\n[operation.a]\ncommand = "x"\n', "cohort.toml:4: unknown key operation", "did you mean operations?"],
    ["unknown top-level key", 'name = "x"\n', "cohort.toml:1: unknown key name", "known keys: project, operations, groups, labels"],
    ["unknown key in [project]", '[project]\nnmae = "x"\n', "cohort.toml:2: unknown key project.nmae", "did you mean name?"],
    // It begins every cluster job's name: an empty one would begin them with a dot.
    ["empty project name", '[project]\nname = ""\n', "cohort.toml:2: project.name must not be empty", 'name = "demo", or leave the name out'],
    [
      "unknown key in an operation",
      '[project]\n\n[operations.prepare]\ncommand = "x"\n\n# note\ncomand = "y"\n',
      "cohort.toml:7: unknown key operations.prepare.comand",
      "did you mean command?",
    ],
    ["unknown hook", '[operations.a]\ncommand = "x"\non_succes = "y"\n', "cohort.toml:3: unknown key operations.a.on_succes", "did you mean on_success?"],
    [
      "unknown key in a group",
      '[groups.ex]\noperations = ["a"]\nsubmit_option = "-x"\n',
      "cohort.toml:3: unknown key groups.ex.submit_option",
      "did you mean submit_options?",
    ],
    [
      "unknown key in a condition",
      '[operations.a]\ncommand = "x"\npre = [\n  { isfile = "a" },\n  { is_file = "b" },\n]\n',
      "cohort.toml:5: unknown key operations.a.pre[1].is_file",
      "did you mean isfile?",
    ],
    [
      "unknown key in a nested condition",
      '[operations.a]\ncommand = "x"\npost = [{ not = { nevr = true } }]\n',
      "cohort.toml:3: unknown key operations.a.post[0].not.nevr",
      "did you mean never?",
    ],
    ["unknown key in a label", "[labels]\n\nok = { isfiles = 'x' }\n", "cohort.toml:3: unknown key labels.ok.isfiles", "did you mean isfile?"],
    ["unknown key far from all", '[operations.a]\ncommand = "x"\nzzzzzz = 1\n', "cohort.toml:3: unknown key operations.a.zzzzzz", "known keys: command, pre,"],
    [
      "unknown key in an aggregator",
      '[operations.a]\ncommand = "x"\naggregator = { group_of = 2 }\n',
      "cohort.toml:3: unknown key operations.a.aggregator.group_of",
      "did you mean groups_of?",
    ],
    ["missing command", '[project]\n\n[operations.x]\npost = []\n', "cohort.toml:3: operations.x needs a command", 'command = "python run.py"'],
    ["empty command", '[operations.x]\ncommand = ""\n', "cohort.toml:2: operations.x.command must not be empty", undefined],
    ["command not a string", "[operations.x]\ncommand = 5\n", "cohort.toml:2: operations.x.command must be a shell command (a string)", undefined],
    [
      "unknown placeholder in a command",
      '[operations.x]\n\ncommand = "echo {foo.x}"\n',
      'cohort.toml:3: operations.x.command: unknown placeholder {foo.x} in command "echo {foo.x}"',
      "placeholders are {job.id}",
    ],
    ["unclosed placeholder in a command", '[operations.x]\ncommand = "echo {sp.x"\n', 'cohort.toml:2: operations.x.command: unclosed placeholder {sp.x in command "echo {sp.x"', "write {{ and }}"],
    [
      "not a condition",
      '[operations.simulate]\ncommand = "x"\n\n\n\n\npre = [{ isfile = "a" }, "b"]\n',
      'cohort.toml:7: operations.simulate.pre[1] must be a condition such as { isfile = "out.dat" }',
      "conditions: isfile",
    ],
    [
      "empty condition",
      '[operations.a]\ncommand = "x"\npost = [{}]\n',
      'cohort.toml:3: operations.a.post[0] must be a condition such as { isfile = "out.dat" }',
      undefined,
    ],
    [
      "two keys in a condition",
      '[operations.a]\ncommand = "x"\npost = [{ isfile = "a", never = true }]\n',
      "cohort.toml:3: operations.a.post[0] must have exactly one key, not isfile and never",
      undefined,
    ],
    ["pre not a list", '[operations.a]\ncommand = "x"\npre = { isfile = "a" }\n', "cohort.toml:3: operations.a.pre must be a list of conditions", "[{ isfile"],
    ["isfile not a string", '[operations.a]\ncommand = "x"\npre = [{ isfile = 1 }]\n', "cohort.toml:3: operations.a.pre[0].isfile must be a file name (a string)", undefined],
    ["never = false", '[operations.a]\ncommand = "x"\npost = [{ never = false }]\n', "cohort.toml:3: operations.a.post[0].never must be true", undefined],
    ["after empty", '[operations.a]\ncommand = "x"\npre = [{ after = [] }]\n', "cohort.toml:3: operations.a.pre[0].after must name at least one operation", undefined],
    ["after empty string", '[operations.a]\ncommand = "x"\npre = [{ after = "" }]\n', "cohort.toml:3: operations.a.pre[0].after must not be empty", undefined],
    ["group_by not a string", '[operations.a]\ncommand = "x"\naggregator = { group_by = 1 }\n', "cohort.toml:3: operations.a.aggregator.group_by must be a key", undefined],
    ["after of numbers", '[operations.a]\ncommand = "x"\npre = [{ after = [1] }]\n', "cohort.toml:3: operations.a.pre[0].after must be an operation name", undefined],
    ["label not a condition", "[labels]\nok = true\n", 'cohort.toml:2: labels.ok must be a condition such as { isfile = "out.dat" }', undefined],
    ["directives not a table", '[operations.a]\ncommand = "x"\ndirectives = 4\n', "cohort.toml:3: operations.a.directives must be a table of directives", "np = 4"],
    ["flags not a table", '[operations.a]\ncommand = "x"\nflags = [1]\n', "cohort.toml:3: operations.a.flags must be a table of flag values", undefined],
    ["bad aggregator string", '[operations.a]\ncommand = "x"\naggregator = "one"\n', 'cohort.toml:3: operations.a.aggregator must be "all"', undefined],
    ["groups_of zero", '[operations.a]\ncommand = "x"\naggregator = { groups_of = 0 }\n', "cohort.toml:3: operations.a.aggregator.groups_of must be a positive integer", undefined],
    ["groups_of float", '[operations.a]\ncommand = "x"\naggregator = { groups_of = 2.0 }\n', "cohort.toml:3: operations.a.aggregator.groups_of must be a positive integer", undefined],
    ["aggregator with two keys", '[operations.a]\ncommand = "x"\naggregator = { groups_of = 2, group_by = "k" }\n', "cohort.toml:3: operations.a.aggregator must have exactly one key", undefined],
    ["aggregator of a flag operation", '[operations.a]\ncommand = "x"\nflags = {}\naggregator = "all"\n', "cohort.toml:4: operations.a.aggregator: a flag operation has no jobs to aggregate", undefined],
    ["hook of a number", '[project]\non_exit = 3\n', "cohort.toml:2: project.on_exit must be a shell command or a list of shell commands", undefined],
    ["hook list with a number", '[operations.a]\ncommand = "x"\non_start = ["a", 1]\n', "cohort.toml:3: operations.a.on_start must be a shell command", undefined],
    ["project name not a string", "[project]\nname = 1\n", "cohort.toml:2: project.name must be a string", undefined],
    ["project not a table", 'project = "x"\n', "cohort.toml:1: project must be a table", undefined],
    ["operations not a table", "operations = 5\n", "cohort.toml:1: operations must be a table of operations", undefined],
    ["operation not a table", 'operations = { a = "x" }\n', "cohort.toml:1: operations.a must be a table with a command", undefined],
    ["bad operation name", '[operations."1st"]\ncommand = "x"\n', 'cohort.toml:1: operations.1st: "1st" is not a valid operation name', "starts with a letter"],
    ["operation name with a space", '\n[operations."my op"]\ncommand = "x"\n', 'cohort.toml:2: operations."my op": "my op" is not a valid operation name', undefined],
    ["bad group name", '[groups."a/b"]\noperations = ["x"]\n', 'cohort.toml:1: groups."a/b": "a/b" is not a valid group name', undefined],
    ["empty operations list", "[groups.g]\noperations = []\n", "cohort.toml:2: groups.g.operations must list at least one operation", undefined],
    ["missing operations list", "[groups.g]\nrun_options = ''\n", "cohort.toml:1: groups.g needs operations, the list of its members", undefined],
    ["operations list of numbers", "[groups.g]\noperations = [1]\n", "cohort.toml:2: groups.g.operations[0] must be an operation name (a string)", undefined],
    ["operations not a list", '[groups.g]\noperations = "a"\n', "cohort.toml:2: groups.g.operations must be a list of operation names", undefined],
    [
      "directives for a non-member",
      '[groups.ex]\noperations = ["prepare", "simulate"]\ndirectives = { prepare = {}, simulat = { ngpu = 2 } }\n',
      "cohort.toml:3: groups.ex.directives.simulat: simulat is not a member of group ex",
      "did you mean simulate?",
    ],
    [
      "directives for a non-member, no close name",
      '[groups.ex]\noperations = ["prepare"]\n[groups.ex.directives.other]\nnp = 1\n',
      "cohort.toml:3: groups.ex.directives.other: other is not a member of group ex",
      "members: prepare",
    ],
    ["group directives not tables", '[groups.ex]\noperations = ["a"]\ndirectives = { a = 1 }\n', "cohort.toml:3: groups.ex.directives.a must be a table of directives", undefined],
    ["run_options not a string", '[groups.ex]\noperations = ["a"]\nrun_options = ["-n", "1"]\n', "cohort.toml:3: groups.ex.run_options must be a string of options", undefined],
    [
      "datetime in flags",
      '[operations.a]\ncommand = "x"\nflags = { when = 1979-05-27T07:32:00Z }\n',
      "cohort.toml:3: operations.a.flags.when is a date/time value",
      "quote it",
    ],
    [
      "datetime in directives",
      '[operations.a]\ncommand = "x"\n[operations.a.directives]\nnp = 1\nwalltime = 07:32:00\n',
      "cohort.toml:5: operations.a.directives.walltime is a date/time value",
      undefined,
    ],
    ["inf in flags", '[operations.a]\ncommand = "x"\nflags = { lr = inf }\n', "cohort.toml:3: operations.a.flags.lr is infinite (inf, or a float beyond a double's range), which cohort does not store", undefined],
    ["1e999 in flags", '[operations.a]\ncommand = "x"\nflags = { lr = -1e999 }\n', "cohort.toml:3: operations.a.flags.lr is infinite", undefined],
    ["nan in a directive", '[operations.a]\ncommand = "x"\ndirectives = { np = nan }\n', "cohort.toml:3: operations.a.directives.np is nan, which cohort does not store", undefined],
    ["datetime in a list", '[operations.a]\ncommand = "x"\nflags = { d = [1, 1979-05-27] }\n', "cohort.toml:3: operations.a.flags.d[1] is a date/time value", undefined],
    ["__proto__ key", '[operations.a]\ncommand = "x"\nflags = { __proto__ = 1 }\n', "cohort.toml:3: operations.a.flags.__proto__ is a reserved key", undefined],
    ["malformed value", '[project]\nname = \n', "cohort.toml:2:8: malformed TOML: ", "name ="],
    ["unterminated string", '[project]\n\nname = "demo\n', "cohort.toml:3:", undefined],
    ["duplicate table", '[operations.a]\ncommand = "x"\n[operations.a]\n', "cohort.toml:3:", undefined],
    ["duplicate key", '[operations.a]\ncommand = "x"\ncommand = "y"\n', "cohort.toml:3:", undefined],
  ];

  it.each(cases)("%s", (_name, text, message, hint) => {
    const err = errorOf(text);
    expect(err.message.startsWith(message), `${err.message} should start with ${message}`).toBe(true);
    expect(err.message).not.toContain("\n");
    if (hint !== undefined) expect(err.hint).toContain(hint);
  });

  it("reports malformed TOML with line, column and a one-line message", () => {
    const err = errorOf('[project]\nname = "x"\n[operations.a\n');
    expect(err.message).toMatch(/^cohort\.toml:3:\d+: malformed TOML: \S/);
    // what is missing at the end of a line is shown there, not at the next line the parser reached
    expect(errorOf('[operations.a\ncommand = "x"\n').message).toMatch(/^cohort\.toml:1:14: /);
    expect(errorOf('[project]\nname = \n\n[operations.a]\n').message).toMatch(/^cohort\.toml:2:8: /);
    expect(errorOf("[project]\nname = { a = 1\n  [x]\n").message).toMatch(/^cohort\.toml:2:15: /);
    // what is wrong with the token itself is shown at the token
    expect(errorOf('[project]\nname = "x"\nname = "y"\n').message).toMatch(/^cohort\.toml:3:1: /);
  });

  it("reports an unknown key first, then the first problem in the file", () => {
    const err = errorOf('[operations.b]\ncomand = "x"\n[operations.a]\ncommand = 1\n[groups."!"]\noperations = []\n');
    expect(err.message).toBe("cohort.toml:2: unknown key operations.b.comand");
    expect(err.hint).toBe("did you mean command?");
    const noTypo = errorOf('[operations.b]\npost = []\n[operations.a]\ncommand = 1\n');
    expect(noTypo.message).toBe("cohort.toml:1: operations.b needs a command");
  });

  it("prefers the unknown key to what follows from it", () => {
    expect(errorOf('[operations.a]\ncommand = "x"\npost = [{ isfil = "x" }]\n').message).toBe("cohort.toml:3: unknown key operations.a.post[0].isfil");
  });

  it("leaves cross-references to the merger", () => {
    const def = parseProjectToml('[operations.a]\ncommand = "x"\npre = [{ after = "nope" }]\n[groups.g]\noperations = ["missing", "a"]\n');
    expect(def.groups[0].operations).toEqual(["missing", "a"]);
    expect(def.operations[0].pre[0]).toEqual({ kind: "after", operations: ["nope"], origin: "cohort.toml:3" });
  });
});

describe("helpers", () => {
  it("suggests close names", () => {
    expect(closeNames("comand", ["command", "pre", "post"])).toEqual(["command"]);
    expect(closeNames("Post", ["command", "pre", "post"])).toEqual(["post"]);
    expect(closeNames("prost", ["pre", "post"])).toEqual(["post"]);
    expect(closeNames("b", ["a"])).toEqual([]);
    expect(closeNames("xyz", ["command"])).toEqual([]);
  });

  it("shows key paths", () => {
    expect(showPath(["operations", "a", "pre", 1, "isfile"])).toBe("operations.a.pre[1].isfile");
    expect(showPath(["groups", "a b"])).toBe('groups."a b"');
    expect(showPath(["operations", "a.b"])).toBe('operations."a.b"');
  });

  it("names the line where a key was written, however its table is written", () => {
    // a date is refused wherever it is, with the line of its key (or list element)
    const lineOf = (text: string) => {
      const message = errorOf(`[operations.op]\ncommand = "x"\n${text}`).message;
      expect(message).toMatch(/ is a date\/time value/);
      return Number(/^cohort\.toml:(\d+):/.exec(message)?.[1]);
    };
    const D = "1979-05-27";
    expect(lineOf(`flags.a = ${D} # [not.a.table]\n`)).toBe(3);
    expect(lineOf(`[operations.op.flags."b.c"]\nx.y = { z = [1,\n  { w = ${D} }] }\n`)).toBe(5);
    expect(lineOf(`[operations.op.flags]\ns = '''\nq = 1\n'''\nt = ${D}\n`)).toBe(7);
    expect(lineOf(`[[operations.op.flags.arr]]\nk = 1\n[[operations.op.flags.arr]]\n[operations.op.flags.arr.sub]\nk = ${D}\n`)).toBe(7);
    expect(lineOf(`[operations.op.flags]\n"quoted \\" key" = [\n  1,\n  ${D},\n]\n`)).toBe(6);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties

const TOKENS = [
  "[", "]", "[[", "]]", "{", "}", ",", ".", "=", " ", "\n", "#", '"', "'", '"""', "'''", "\\",
  "project", "operations", "groups", "labels", "command", "pre", "post", "isfile", "after", "not", "never",
  "directives", "flags", "aggregator", "operations.a", "x", "1", "1.0", "1e3", "true", "1979-05-27", "__proto__", "-",
];

describe("properties", () => {
  it("throws nothing but a one-line UserError on garbage", () => {
    const garbage = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => t.join("")),
      fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((t) => `[operations.a]\ncommand = "x"\n${t.join("")}`),
    );
    fc.assert(
      fc.property(garbage, (text) => {
        try {
          parseProjectToml(text);
        } catch (err) {
          expect(err).toBeInstanceOf(UserError);
          expect((err as UserError).message).toMatch(/^cohort\.toml(:\d+)*: [^\n]+$/);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("names the line of a refused value, however its table is written", () => {
    fc.assert(
      fc.property(layoutArb, ({ text, line, path }) => {
        expect(errorOf(text).message).toBe(`cohort.toml:${line}: ${showPath(path)} is a date/time value, which cohort.toml does not accept`);
      }),
      { numRuns: 300 },
    );
  });

  it("round-trips random definitions written as TOML", () => {
    fc.assert(fc.property(definitionArb, ({ text, expected }) => {
      expect(parseProjectToml(text)).toStrictEqual(expected);
    }), { numRuns: 300 });
  });
});

/** A TOML basic string. */
function str(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (code < 0x20 || code === 0x7f) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

type Scalar = { text: string; value: JsonValue };
const scalarArb: fc.Arbitrary<Scalar> = fc.oneof(
  fc.integer().map((n) => ({ text: String(n), value: n })),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 70n }).map((n) => ({ text: String(n), value: n })),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => ({
    text: Object.is(x, -0) ? "-0.0" : Number.isInteger(x) && Math.abs(x) < 1e21 ? x.toFixed(1) : String(x),
    value: float(x),
  })),
  fc.string({ unit: "binary", maxLength: 10 }).map((s) => ({ text: str(s), value: s })),
  fc.boolean().map((b) => ({ text: String(b), value: b })),
);
const tableArb = fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== "__proto__"), scalarArb, { maxKeys: 4 });
function inlineTable(t: Record<string, Scalar>): string {
  return `{ ${Object.entries(t).map(([k, v]) => `${str(k)} = ${v.text}`).join(", ")} }`;
}
function tableValue(t: Record<string, Scalar>): JsonObject {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.value]));
}

const nameArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,6}$/);
const textArb = fc.string({ unit: "binary", minLength: 1, maxLength: 12 });

/** A condition as TOML text and as the model (origin filled in later, with the line). */
type RawCond = { text: string; make: (origin: string) => Condition };
const conditionArb: fc.Arbitrary<RawCond> = fc.letrec<{ cond: RawCond }>((tie) => ({
  cond: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    textArb.map((f): RawCond => ({ text: `{ isfile = ${str(f)} }`, make: (origin) => ({ kind: "isfile", file: f, origin }) })),
    fc.tuple(fc.constantFrom("true" as const, "false" as const), textArb).map(([kind, key]): RawCond => ({
      text: `{ ${kind} = ${str(key)} }`,
      make: (origin) => ({ kind, key, origin }),
    })),
    fc.tuple(fc.array(nameArb, { minLength: 1, maxLength: 3 }), fc.boolean()).map(([ops, asString]): RawCond => ({
      text: asString && ops.length === 1 ? `{ after = ${str(ops[0])} }` : `{ after = [${ops.map(str).join(", ")}] }`,
      make: (origin) => ({ kind: "after", operations: ops, origin }),
    })),
    fc.constant<RawCond>({ text: "{ never = true }", make: (origin) => ({ kind: "never", origin }) }),
    textArb.map((c): RawCond => ({ text: `{ command = ${str(c)} }`, make: (origin) => ({ kind: "command", command: c, origin }) })),
    tie("cond").map((inner): RawCond => ({
      text: `{ not = ${inner.text} }`,
      make: (origin) => ({ kind: "not", condition: inner.make(origin), origin }),
    })),
  ),
})).cond;

/** A group's run_options or submit_options: options a group may carry (test/workflow/group-options.test.ts checks the rest). */
const groupOptionsArb = fc.constantFrom("", "--num-passes=2", "--order 'cyclic' --keep-going", '--timeout "60"');
const hookArb = fc.option(fc.oneof(textArb, fc.array(textArb, { maxLength: 2 })), { nil: undefined });
const hooksArb = fc.record({ on_start: hookArb, on_success: hookArb, on_exception: hookArb, on_exit: hookArb });

const operationArb = fc.record({
  command: textArb,
  pre: fc.array(conditionArb, { maxLength: 3 }),
  post: fc.array(conditionArb, { maxLength: 3 }),
  multiline: fc.boolean(),
  directives: fc.option(tableArb, { nil: undefined }),
  flags: fc.option(tableArb, { nil: undefined }),
  aggregator: fc.option(fc.oneof(fc.constant("all" as const), fc.integer({ min: 1, max: 9 }), nameArb), { nil: undefined }),
  hooks: hooksArb,
});

const definitionArb = fc
  .record({
    projectName: fc.option(textArb, { nil: undefined }),
    projectHooks: hooksArb,
    names: fc.uniqueArray(nameArb, { minLength: 1, maxLength: 4 }),
    labels: fc.uniqueArray(fc.tuple(nameArb, conditionArb), { maxLength: 3, selector: ([n]) => n }),
  })
  .chain((base) =>
    fc.record({
      base: fc.constant(base),
      ops: fc.array(operationArb, { minLength: base.names.length, maxLength: base.names.length }),
      groups: fc.uniqueArray(
        fc.tuple(
          nameArb,
          fc.subarray(base.names, { minLength: 1 }),
          fc.option(groupOptionsArb, { nil: undefined }),
          fc.option(groupOptionsArb, { nil: undefined }),
          tableArb,
        ),
        { maxLength: 2, selector: ([n]) => n },
      ),
    }),
  )
  .map(({ base, ops, groups }) => {
    const lines: string[] = [];
    const push = (line: string) => lines.push(line);
    const origin = () => `cohort.toml:${lines.length}`;
    const expected: WorkflowDefinition = { operations: [], groups: [], labels: [], hooks: {} };
    const writeHooks = (hooks: Record<string, string | string[] | undefined>): Hooks => {
      const out: Hooks = {};
      for (const [name, value] of Object.entries(hooks)) {
        if (value === undefined) continue;
        push(`${name} = ${typeof value === "string" ? str(value) : `[${value.map(str).join(", ")}]`}`);
        const list = typeof value === "string" ? [value] : value;
        if (list.length) out[name as keyof Hooks] = list.map((command) => ({ command }));
      }
      return out;
    };
    push("# generated");
    push("[project]");
    if (base.projectName !== undefined) {
      push(`name = ${str(base.projectName)}`);
      expected.name = base.projectName;
      expected.nameOrigin = origin();
    }
    expected.hooks = writeHooks(base.projectHooks);
    base.names.forEach((name, i) => {
      const op = ops[i];
      push("");
      push(`[operations.${str(name)}]`);
      const def: OperationDefinition = {
        name,
        body: { kind: "command", command: op.command },
        pre: [],
        post: [],
        directives: {},
        aggregator: { kind: "single" },
        hooks: {},
        origin: origin(),
      };
      push(`command = ${str(op.command)}`);
      for (const key of ["pre", "post"] as const) {
        if (op.multiline) {
          push(`${key} = [  # ${key}-conditions`);
          for (const c of op[key]) {
            push(`  ${c.text},`);
            def[key].push(c.make(origin()));
          }
          push("]");
        } else {
          push(`${key} = [${op[key].map((c) => c.text).join(", ")}]`);
          def[key] = op[key].map((c) => c.make(origin()));
        }
      }
      if (op.directives) {
        push(`directives = ${inlineTable(op.directives)}`);
        def.directives = tableValue(op.directives) as Directives;
      }
      if (op.flags) {
        push(`flags = ${inlineTable(op.flags)}`);
        def.flags = tableValue(op.flags);
      } else if (op.aggregator !== undefined) {
        if (op.aggregator === "all") {
          push('aggregator = "all"');
          def.aggregator = { kind: "all" };
        } else if (typeof op.aggregator === "number") {
          push(`aggregator = { groups_of = ${op.aggregator} }`);
          def.aggregator = { kind: "groupsOf", n: op.aggregator };
        } else {
          push(`aggregator = { group_by = ${str(op.aggregator)} }`);
          def.aggregator = { kind: "groupBy", key: op.aggregator };
        }
      }
      def.hooks = writeHooks(op.hooks);
      expected.operations.push(def);
    });
    for (const [name, members, runOptions, submitOptions, directives] of groups) {
      push(`[groups.${str(name)}]`);
      const group: GroupDefinition = { name, operations: members, directives: {}, origin: origin() };
      push(`operations = [${members.map(str).join(", ")}]`);
      push(`directives = { ${str(members[0])} = ${inlineTable(directives)} }`);
      group.directives[members[0]] = tableValue(directives) as Directives;
      if (runOptions !== undefined) {
        push(`run_options = ${str(runOptions)}`);
        group.runOptions = runOptions;
      }
      if (submitOptions !== undefined) {
        push(`submit_options = ${str(submitOptions)}`);
        group.submitOptions = submitOptions;
      }
      expected.groups.push(group);
    }
    if (base.labels.length) push("[labels]");
    for (const [name, c] of base.labels) {
      push(`${str(name)} = ${c.text}`);
      expected.labels.push({ name, condition: c.make(origin()), origin: origin() });
    }
    return { text: lines.join("\n") + "\n", expected };
  });

/**
 * Flags written as tables, arrays of tables, dotted keys and inline tables, with one of their values a
 * date: the text, and the line and key path of the date.
 */
const keyArb = fc.string({ minLength: 1, maxLength: 5 }).filter((k) => k !== "__proto__");
const layoutArb = fc
  .tuple(
    fc.uniqueArray(
      fc.record({
        name: keyArb,
        form: fc.constantFrom("header" as const, "array" as const, "dotted" as const, "inline" as const),
        entries: fc.uniqueArray(fc.tuple(keyArb, fc.array(scalarArb, { minLength: 1, maxLength: 3 }), fc.boolean()), {
          minLength: 1,
          maxLength: 4,
          selector: ([k]) => k,
        }),
        comments: fc.nat({ max: 2 }),
      }),
      { minLength: 1, maxLength: 5, selector: (t) => t.name },
    ),
    fc.nat(),
  )
  .map(([tables, pick]) => {
    const slots = tables.reduce((n, t) => n + t.entries.reduce((m, [, list]) => m + list.length, 0), 0);
    const bad = pick % slots;
    let slot = 0;
    let found: { line: number; path: (string | number)[] } | undefined;
    const lines = ['[operations.op]', 'command = "x"', "[operations.op.flags]"];
    const FLAGS = ["operations", "op", "flags"];
    // the text of each value of a list, the date in the one picked
    const texts = (path: (string | number)[], list: Scalar[], line: (i: number) => number) =>
      list.map((v, i) => {
        if (slot++ !== bad) return v.text;
        found = { line: line(i), path: [...path, i] };
        return "1979-05-27";
      });
    // keys of the table [operations.op.flags] (dotted, inline tables) come before any header
    const topLevel = (t: (typeof tables)[number]) => t.form === "dotted" || t.form === "inline";
    for (const t of [...tables.filter(topLevel), ...tables.filter((t) => !topLevel(t))]) {
      for (let i = 0; i < t.comments; i++) lines.push("# a comment, [not.a.header]");
      const base = t.form === "array" ? [...FLAGS, t.name, 0] : [...FLAGS, t.name];
      if (t.form === "inline") {
        const line = lines.length + 1;
        const inline = t.entries.map(([k, list]) => `${str(k)} = [${texts([...base, k], list, () => line).join(", ")}]`);
        lines.push(`${str(t.name)} = { ${inline.join(", ")} }`);
        continue;
      }
      if (t.form === "header") lines.push(`[operations.op.flags.${str(t.name)}]`);
      if (t.form === "array") lines.push(`[[operations.op.flags.${str(t.name)}]]`);
      for (const [k, list, multiline] of t.entries) {
        const key = t.form === "dotted" ? `${str(t.name)}.${str(k)}` : str(k);
        if (!multiline) {
          const line = lines.length + 1;
          lines.push(`${key} = [${texts([...base, k], list, () => line).join(", ")}]`);
          continue;
        }
        const first = lines.length + 2;
        lines.push(`${key} = [`, ...texts([...base, k], list, (i) => first + i).map((text) => `  ${text},`), "]");
      }
    }
    return { text: lines.join("\n") + "\n", ...found! };
  });
