import { describe, expect, it } from "vitest";
import { Job } from "../../src/dataspace/job.js";
import { UserError } from "../../src/util/errors.js";
import { allJobs, cmd, directives, FlowProject, groupBy, groupsOf, hooks, post, pre } from "../../src/workflow/flow-project.js";
import type { Condition, HookFn } from "../../src/workflow/model.js";
import * as api from "../../src/index.js";

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error("expected a UserError");
}

describe("FlowProject: the seed examples", () => {
  it("(a) a group ex holding op1 and op2, wrapper form", () => {
    const project = new FlowProject();
    const ex = project.makeGroup({ name: "ex" });
    project.operation(ex, post.isFile("a.txt"), function op1(_job) {});
    project.operation(ex, pre.after("op1"), function op2(_job) {});
    const def = project.definition();
    expect(def.operations.map((o) => o.name)).toEqual(["op1", "op2"]);
    expect(def.groups).toHaveLength(1);
    expect(def.groups[0]).toMatchObject({ name: "ex", operations: ["op1", "op2"], directives: {} });
    expect(def.operations[1].pre).toEqual([{ kind: "after", operations: ["op1"] }]);
  });

  it("(a) a group ex holding op1 and op2, options form", () => {
    const project = new FlowProject();
    const ex = project.makeGroup({ name: "ex" });
    project.operation("op1", { groups: [ex], post: [post.isFile("a.txt")] }, () => {});
    project.operation("op2", { groups: [ex], pre: [pre.after("op1")] }, () => {});
    const def = project.definition();
    expect(def.groups[0]).toMatchObject({ name: "ex", operations: ["op1", "op2"], directives: {} });
    expect(def.operations[0].post).toEqual([{ kind: "isfile", file: "a.txt" }]);
  });

  it("(b) op1 asks for 1 GPU alone and 2 GPUs through ex, wrapper form", () => {
    const project = new FlowProject();
    const ex = project.makeGroup({ name: "ex" });
    project.operation(
      ex.withDirectives({ ngpu: 2 }),
      directives({ ngpu: 1 }),
      post.isFile("out.txt"),
      async function op1(job) {
        await job.writeFile("out.txt", String(job.sp.T));
      },
    );
    const def = project.definition();
    expect(def.operations[0]).toMatchObject({ name: "op1", directives: { ngpu: 1 }, post: [{ kind: "isfile", file: "out.txt" }], aggregator: { kind: "single" } });
    expect(def.operations[0].body).toMatchObject({ kind: "function", cmd: false });
    expect(def.groups[0]).toMatchObject({ name: "ex", operations: ["op1"], directives: { op1: { ngpu: 2 } } });
  });

  it("(b) op1 asks for 1 GPU alone and 2 GPUs through ex, options form", () => {
    const project = new FlowProject();
    const ex = project.makeGroup({ name: "ex" });
    project.operation("op1", { directives: { ngpu: 1 }, groups: [{ group: ex, directives: { ngpu: 2 } }], post: [post.isFile("out.txt")] }, async (job) => {
      await job.writeFile("out.txt", String(job.sp.T));
    });
    const def = project.definition();
    expect(def.operations[0]).toMatchObject({ name: "op1", directives: { ngpu: 1 } });
    expect(def.groups[0]).toMatchObject({ name: "ex", operations: ["op1"], directives: { op1: { ngpu: 2 } } });
  });
});

describe("FlowProject.operation", () => {
  it("returns the function, still callable, and runs it as the body", async () => {
    const project = new FlowProject();
    const op = project.operation(function double(job: Job) {
      return job.id + job.id;
    });
    const job = new Job("ab", {}, "/nowhere");
    expect(op(job)).toBe("abab");
    const body = project.definition().operations[0].body;
    expect(body.kind === "function" && body.fn === op).toBe(true);
  });

  it("keeps conditions in the order written", () => {
    const project = new FlowProject();
    const ready = (job: Job) => job.isFile("ready");
    project.operation(
      pre.isFile("in.txt"),
      pre.true("go"),
      post.false("bad"),
      pre.false("stop"),
      pre.not(post.isFile("x")),
      pre(ready),
      pre((_job) => true),
      post.never,
      function op(_job) {},
    );
    const op = project.definition().operations[0];
    expect(op.pre).toEqual([
      { kind: "isfile", file: "in.txt" },
      { kind: "true", key: "go" },
      { kind: "false", key: "stop" },
      { kind: "not", condition: { kind: "isfile", file: "x" } },
      { kind: "fn", name: "ready", fn: ready },
      { kind: "fn", name: "", fn: expect.any(Function) },
    ]);
    expect(op.post).toEqual([{ kind: "false", key: "bad" }, { kind: "never" }]);
  });

  it("resolves pre.after(function) to the name it was registered under, even when written first", () => {
    const project = new FlowProject();
    const prepare = () => {};
    project.operation(pre.after(prepare, "other"), function simulate(_job) {});
    project.operation("prepare-step", {}, prepare);
    project.operation(function other(_job) {});
    expect(project.definition().operations[0].pre).toEqual([{ kind: "after", operations: ["prepare-step", "other"] }]);
  });

  it("copies conditions with copyFrom, in place", () => {
    const project = new FlowProject();
    const a = project.operation(pre.isFile("a"), post.isFile("a.out"), function a(_job) {});
    project.operation(pre.true("b"), pre.copyFrom(a), post.copyFrom("a"), post.isFile("b.out"), function b(_job) {});
    const b = project.definition().operations[1];
    expect(b.pre).toEqual([{ kind: "true", key: "b" }, { kind: "isfile", file: "a" }]);
    expect(b.post).toEqual([{ kind: "isfile", file: "a.out" }, { kind: "isfile", file: "b.out" }]);
  });

  it("copyFrom of an unknown operation or a cycle is an error", () => {
    const p1 = new FlowProject();
    p1.operation(pre.copyFrom("nope"), function a(_job) {});
    expect(errorOf(() => p1.definition()).message).toMatch(/pre\.copyFrom of operation a .* unknown operation nope/);
    const p2 = new FlowProject();
    p2.operation(pre.copyFrom("b"), function a(_job) {});
    p2.operation(pre.copyFrom("a"), function b(_job) {});
    expect(errorOf(() => p2.definition()).message).toMatch(/cycle/);
  });

  it("takes hooks, aggregators and cmd as wrappers and as options", () => {
    const project = new FlowProject();
    const h1: HookFn = () => {};
    const h2: HookFn = () => {};
    project.operation(hooks.onStart(h1), hooks.onSuccess(h2), hooks.onException(h1), hooks.onExit("echo done"), groupsOf(2), cmd, function a(..._jobs) {
      return "echo hi";
    });
    project.operation("b", { hooks: { onStart: [h1, h2], on_exit: h2 }, aggregator: groupBy("T"), cmd: true }, () => "echo b");
    project.operation(allJobs(), function c(..._jobs) {});
    project.operation("d", { aggregator: { kind: "groupsOf", n: 3 } }, () => {});
    const [a, b, c, d] = project.definition().operations;
    expect(a.hooks).toEqual({ on_start: [h1], on_success: [h2], on_exception: [h1], on_exit: [{ command: "echo done" }] });
    expect(a.aggregator).toEqual({ kind: "groupsOf", n: 2 });
    expect(a.body).toMatchObject({ kind: "function", cmd: true });
    expect(b.hooks).toEqual({ on_start: [h1, h2], on_exit: [h2] });
    expect(b.aggregator).toEqual({ kind: "groupBy", key: "T" });
    expect(b.body).toMatchObject({ cmd: true });
    expect(c.aggregator).toEqual({ kind: "all" });
    expect(c.body).toMatchObject({ cmd: false });
    expect(d.aggregator).toEqual({ kind: "groupsOf", n: 3 });
  });

  it("keeps callable directives as functions and merges directives given twice", () => {
    const project = new FlowProject();
    const np = (...jobs: Job[]) => jobs.length * 2;
    project.operation(directives({ np }), directives({ walltime: "2h" }), function a(_job) {});
    expect(project.definition().operations[0].directives).toEqual({ np, walltime: "2h" });
  });

  it("records where each operation was defined", () => {
    const project = new FlowProject();
    project.operation(function a(_job) {});
    expect(project.definition().operations[0].origin).toMatch(/^flow-project\.test\.ts:\d+$/);
  });

  it("lets a group list members by name and give them directives", () => {
    const project = new FlowProject();
    const g = project.makeGroup({ name: "g", operations: ["fromToml"], directives: { fromToml: { np: 2 } }, submitOptions: "--num-passes=2", runOptions: "--order cyclic" });
    project.operation(g, function a(_job) {});
    expect(project.definition().groups[0]).toMatchObject({
      name: "g",
      operations: ["fromToml", "a"],
      directives: { fromToml: { np: 2 } },
      submitOptions: "--num-passes=2",
      runOptions: "--order cyclic",
    });
    expect(new FlowProject().makeGroup("h").name).toBe("h");
  });
});

describe("FlowProject: labels and project hooks", () => {
  it("defines labels from functions and conditions", () => {
    const project = new FlowProject({ name: "demo" });
    const prepared = (job: Job) => job.isFile("init.dat");
    project.label("prepared", prepared);
    project.label(function phase(job: Job) {
      return String(job.sp.phase);
    });
    project.label("done", post.isFile("out.txt"));
    const def = project.definition();
    expect(def.name).toBe("demo");
    expect(def.labels.map((l) => l.name)).toEqual(["prepared", "phase", "done"]);
    expect(def.labels[0].fn).toBe(prepared);
    expect(def.labels[2].condition).toEqual<Condition>({ kind: "isfile", file: "out.txt" });
    expect(errorOf(() => project.label("prepared", prepared)).message).toMatch(/label prepared is defined twice/);
    expect(errorOf(() => project.label(() => true)).message).toMatch(/has no name/);
  });

  it("collects project-level hooks", () => {
    const project = new FlowProject();
    const h: HookFn = () => {};
    project.hooks.onStart(h);
    project.hooks.onSuccess(h);
    project.hooks.onException(h);
    project.hooks.onExit("echo bye");
    expect(project.definition().hooks).toEqual({ on_start: [h], on_success: [h], on_exception: [h], on_exit: [{ command: "echo bye" }] });
  });
});

describe("FlowProject: bad usage", () => {
  const bad = (fn: (p: FlowProject) => unknown) => errorOf(() => fn(new FlowProject()));

  it("refuses an empty project name, as cohort.toml does", () => {
    const err = errorOf(() => new FlowProject({ name: "" }));
    expect(err.message).toBe('new FlowProject: expected a project name, got ""');
    expect(err.hint).toBe('new FlowProject({ name: "demo" }), or leave the name out');
  });

  it("refuses an anonymous function without a name", () => {
    expect(bad((p) => p.operation(post.isFile("x"), () => {})).message).toMatch(/anonymous function and no name/);
  });

  it("refuses a last argument that is not a function", () => {
    const err = bad((p) => (p.operation as (...a: unknown[]) => unknown)("op", post.isFile("x")));
    expect(err.message).toMatch(/^operation op .*the last argument must be the operation's function/);
  });

  it("refuses a wrapper that is not one, naming the operation", () => {
    expect(bad((p) => p.operation(42 as never, function op(_job) {})).message).toMatch(/^operation op .*42 is not a wrapper/);
    expect(bad((p) => p.operation({ wrapper: "bogus" } as never, function op(_job) {})).message).toMatch(/^operation op .*is not a wrapper/);
    expect(bad((p) => p.operation({ pre: [42] } as never, function op(_job) {})).message).toMatch(/^operation op .*pre: 42 is not a condition/);
  });

  it("refuses two aggregators", () => {
    expect(bad((p) => p.operation(groupsOf(2), allJobs(), function op(..._jobs) {})).message).toMatch(/^operation op .*has two aggregators/);
    expect(errorOf(() => groupsOf(0)).message).toBe("groupsOf(0): groups_of must be a positive integer");
  });

  it("refuses directives that are not an object", () => {
    expect(bad((p) => p.operation("op", { directives: [1] as never }, () => {})).message).toMatch(/^operation op .*directives must be an object/);
    expect(errorOf(() => directives("np=2" as never)).message).toMatch(/directives must be an object/);
    expect(bad((p) => p.operation(directives({ np: 1 }), directives({ np: 2 }), function op(_job) {})).message).toMatch(/directive np is given twice/);
  });

  it("refuses unknown options, naming the key", () => {
    expect(bad((p) => p.operation("op", { directive: { np: 1 } } as never, () => {})).message).toMatch(/^operation op .*unknown option directive/);
    const group = bad((p) => p.makeGroup({ name: "g", submit_options: "x" } as never));
    expect(group.message).toMatch(/^group g \(flow-project\.test\.ts:\d+\): unknown option submit_options$/);
    expect(group.hint).toBe("options are name, operations, directives, runOptions, submitOptions");
    const hook = bad((p) => p.operation("op", { hooks: { onStrat: "echo" } } as never, () => {}));
    expect(hook.message).toMatch(/^operation op \(flow-project\.test\.ts:\d+\): hooks: unknown option onStrat$/);
    // (a project's options were not checked: new FlowProject({ nmae: "demo" }) was a project without a name)
    const project = errorOf(() => new FlowProject({ nmae: "demo" } as never));
    expect(project.message).toBe("new FlowProject(...): unknown option nmae");
    expect(project.hint).toBe("options are name");
  });

  it("refuses a group made twice and an operation defined twice", () => {
    expect(
      bad((p) => {
        p.makeGroup({ name: "ex" });
        p.makeGroup({ name: "ex" });
      }).message,
    ).toMatch(/^group ex is made twice: flow-project\.test\.ts:\d+ and flow-project\.test\.ts:\d+$/);
    expect(
      bad((p) => {
        p.operation(function op(_job) {});
        p.operation(function op(_job) {});
      }).message,
    ).toMatch(/^operation op is defined twice: flow-project\.test\.ts:\d+ and flow-project\.test\.ts:\d+$/);
  });

  it("refuses an operation's function given as a condition or a label, naming both places and pre.after", () => {
    // The types refuse a function returning void as a condition; esbuild, which loads project.ts, does not check them.
    const asPre = bad((p) => {
      const prepare = p.operation(post.isFile("a"), function prepare(_job) {});
      p.operation(pre(prepare as never), function simulate(_job) {});
      p.definition();
    });
    expect(asPre.message).toMatch(/^operation simulate \(flow-project\.test\.ts:\d+\) has the operation prepare \(flow-project\.test\.ts:\d+\) as a pre-condition/);
    expect(asPre.hint).toBe("to wait until prepare is complete: pre.after(prepare)");
    // Registered after the condition names it, in the options form, inside not, as a post-condition.
    function later(_job: Job) {}
    const written = bad((p) => {
      p.operation("simulate", { post: [pre.not(later as never)] }, () => {});
      p.operation(later);
      p.definition();
    });
    expect(written.message).toMatch(/^operation simulate .* has the operation later .* as a post-condition/);
    expect(written.hint).toMatch(/post\.after\(later\)$/);
    const label = bad((p) => {
      p.operation(post.isFile("a"), later);
      p.label("prepared", later as never);
      p.definition();
    });
    expect(label.message).toMatch(/^label prepared \(flow-project\.test\.ts:\d+\) is the operation later/);
    // An operation's function where a wrapper goes.
    const wrapper = bad((p) => {
      const prepare = p.operation(post.isFile("a"), function prepare(_job) {});
      p.operation(prepare as never, function simulate(_job) {});
    });
    expect(wrapper.message).toMatch(/^operation simulate .*: the operation prepare \(flow-project\.test\.ts:\d+\) is passed where a wrapper goes$/);
    expect(wrapper.hint).toBe("to run after it: pre.after(prepare)");
  });

  it("refuses a condition in the operation function's place, naming the condition", () => {
    const err = bad((p) => (p.operation as (...a: unknown[]) => unknown)(post.isFile("x")));
    expect(err.message).toMatch(/^operation \(unnamed\) \(flow-project\.test\.ts:\d+\): the last argument must be the operation's function, not post\.isFile\("x"\)$/);
    expect(err.hint).toBe(`end with the function: project.operation(post.isFile("x"), function name(job) { ... })`);
    expect(bad((p) => (p.operation as (...a: unknown[]) => unknown)(post.isFile("x"), pre.after("a"))).message).toMatch(/not pre\.after\("a"\)$/);
    // the function given first is named, not "(unnamed)"
    const first = bad((p) => (p.operation as (...a: unknown[]) => unknown)(function simulate(_job: unknown) {}, post.isFile("x")));
    expect(first.message).toMatch(/^operation simulate \(flow-project\.test\.ts:\d+\): the last argument must be the operation's function, not post\.isFile\("x"\)$/);
  });

  it("refuses a group given twice, another project's group, and directives for a non-member", () => {
    expect(
      bad((p) => {
        const ex = p.makeGroup({ name: "ex" });
        p.operation(ex, ex.withDirectives({ np: 2 }), function op(_job) {});
      }).message,
    ).toMatch(/operation op .*is added to group ex twice/);
    const other = new FlowProject().makeGroup({ name: "ex" });
    expect(bad((p) => p.operation(other, function op(_job) {})).message).toMatch(/belongs to another FlowProject/);
    expect(
      bad((p) => {
        p.makeGroup({ name: "ex", directives: { ghost: { np: 1 } } });
        p.definition();
      }).message,
    ).toMatch(/group ex .*directives for ghost, which is not a member/);
  });

  it("checks what it is given as cohort.toml checks the same keys, naming the call", () => {
    const said = (fn: (p: FlowProject) => unknown) => bad(fn).message.replace(/flow-project\.test\.ts:\d+/, "LINE");
    expect(said((p) => p.operation("op", { flags: { lr: () => 1 } } as never, () => {}))).toBe("operation op (LINE): flags.lr must be a string, number, boolean, list or table");
    expect(said((p) => p.operation("op", { flags: { lr: NaN } }, () => {}))).toBe("operation op (LINE): flags.lr must be a string, number, boolean, list or table");
    const both = bad((p) => p.operation("op", { flags: { lr: 1 }, aggregator: allJobs() }, () => {}));
    expect(both.message).toMatch(/^operation op \(flow-project\.test\.ts:\d+\): aggregator: a flag operation has no jobs to aggregate$/);
    expect(both.hint).toBe("remove aggregator or flags");
    expect(said((p) => p.operation("op", { aggregator: { kind: "groupsOf", n: 1.5 } }, () => {}))).toBe("operation op (LINE): aggregator.groups_of must be a positive integer");
    expect(said((p) => p.operation("op", { aggregator: { kind: "some" } } as never, () => {}))).toBe("operation op (LINE): an object is not an aggregator");
    expect(errorOf(() => directives({ np: undefined } as never)).message).toBe("directives(...): directives.np must be a string, number, boolean, list or table");
    expect(errorOf(() => groupBy("")).message).toBe('groupBy(""): group_by must be a key (a non-empty string)');
    expect(errorOf(() => hooks.onStart(3 as never)).message).toBe("hooks.onStart: 3 must be a shell command or a function");
    expect(errorOf(() => hooks.onExit({ command: "" })).message).toBe('hooks.onExit: "" must not be empty');
    // a condition written as an object is checked as the condition itself
    expect(said((p) => p.operation("op", { pre: [{ kind: "isfile", file: 3 }] } as never, () => {}))).toBe("operation op (LINE): pre: isfile must be a file name (a string)");
    expect(said((p) => p.operation("op", { post: [{ kind: "not", condition: { kind: "after", operations: [] } }] }, () => {}))).toBe(
      "operation op (LINE): post: not.after must name at least one operation",
    );
    expect(said((p) => p.makeGroup({ name: "g", runOptions: 2 } as never))).toBe("group g (LINE): runOptions must be a string of options");
  });

  it("refuses bad condition arguments", () => {
    expect(errorOf(() => pre.isFile("")).message).toBe('pre.isFile(""): isfile must not be empty');
    expect(errorOf(() => post.true(1 as never)).message).toBe("post.true(1): true must be a document key (a string)");
    expect(errorOf(() => post.after()).message).toMatch(/post\.after\(\) needs at least one operation/);
    expect(errorOf(() => pre.not(3 as never)).message).toMatch(/pre\.not: 3 is not a condition/);
    expect(errorOf(() => pre("x" as never)).message).toMatch(/takes a function/);
  });
});

describe("the public API", () => {
  it("exports the FlowProject API from cohort's index", () => {
    for (const name of ["FlowProject", "directives", "pre", "post", "hooks", "groupsOf", "groupBy", "allJobs", "cmd"]) {
      expect(api).toHaveProperty(name);
    }
    expect(api.FlowProject).toBe(FlowProject);
  });
});
