import { describe, expect, it, vi } from "vitest";
import type { Job } from "../../src/dataspace/job.js";
import { LIVE_FILES, type JobFiles } from "../../src/dataspace/job-files.js";
import { initProject } from "../../src/dataspace/project.js";
import { Float, type JsonValue } from "../../src/dataspace/value.js";
import { UserError } from "../../src/util/errors.js";
import {
  checkAfterReferences,
  ConditionError,
  describeCondition,
  evaluateConditionNow,
  evaluateConditions,
  findAfterCycle,
  isTruthy,
  type ConditionContext,
} from "../../src/workflow/conditions.js";
import type { Condition, OperationDefinition } from "../../src/workflow/model.js";

/** A condition's answer as a promise: what it raises, even at once, rejects it. */
const evaluateCondition = async (c: Condition, jobs: Job[], ctx: ConditionContext): Promise<boolean> => evaluateConditionNow(c, jobs, ctx);
import { tempDir } from "../helpers.js";

const project = initProject(tempDir());
let counter = 0;
/** A fresh job on disk. */
function newJob(): Job {
  return project.openJob({ n: counter++ }).init();
}

const noPost: ConditionContext = {
  files: LIVE_FILES,
  postHolds: () => Promise.reject(new Error("postHolds should not be called")),
};

function op(name: string, pre: Condition[] = [], post: Condition[] = [], origin = "cohort.toml:1"): OperationDefinition {
  return {
    name,
    body: { kind: "command", command: "true" },
    pre,
    post,
    directives: {},
    aggregator: { kind: "single" },
    hooks: {},
    origin,
  };
}

const after = (...operations: string[]): Condition => ({ kind: "after", operations });

describe("evaluateConditionNow", () => {
  it("isfile: every job has the file", async () => {
    const [a, b] = [newJob(), newJob()];
    const c: Condition = { kind: "isfile", file: "init.dat" };
    expect(await evaluateCondition(c, [a], noPost)).toBe(false);
    await a.writeFile("init.dat", "x");
    expect(await evaluateCondition(c, [a], noPost)).toBe(true);
    expect(await evaluateCondition(c, [a, b], noPost)).toBe(false);
    await b.writeFile("init.dat", "x");
    expect(await evaluateCondition(c, [a, b], noPost)).toBe(true);
  });

  it("isfile, true and false ask the command's JobFiles (a snapshot in status), not the job", async () => {
    const a = newJob();
    const files: JobFiles = { document: () => ({ done: 1 }), isFile: (_job, name) => name === "seen.dat" };
    const ctx: ConditionContext = { ...noPost, files };
    expect(await evaluateCondition({ kind: "isfile", file: "seen.dat" }, [a], ctx)).toBe(true);
    expect(await evaluateCondition({ kind: "true", key: "done" }, [a], ctx)).toBe(true);
    expect(await evaluateCondition({ kind: "false", key: "done" }, [a], ctx)).toBe(false);
    expect(await evaluateCondition({ kind: "true", key: "done" }, [a], noPost)).toBe(false);
  });

  it("true / false: document key truthy / falsy or absent, for every job", async () => {
    const [a, b] = [newJob(), newJob()];
    const t: Condition = { kind: "true", key: "done" };
    const f: Condition = { kind: "false", key: "done" };
    expect(await evaluateCondition(t, [a], noPost)).toBe(false);
    expect(await evaluateCondition(f, [a], noPost)).toBe(true); // absent
    a.doc.set("done", true);
    expect(await evaluateCondition(t, [a], noPost)).toBe(true);
    expect(await evaluateCondition(f, [a], noPost)).toBe(false);
    expect(await evaluateCondition(t, [a, b], noPost)).toBe(false);
    expect(await evaluateCondition(f, [a, b], noPost)).toBe(false);
    b.doc.set("done", 1);
    expect(await evaluateCondition(t, [a, b], noPost)).toBe(true);
    b.doc.set("done", new Float(0));
    expect(await evaluateCondition(f, [b], noPost)).toBe(true);
  });

  it("true reaches nested document keys with a dotted path", async () => {
    const a = newJob();
    a.doc.set("stage", { equilibrated: true });
    expect(await evaluateCondition({ kind: "true", key: "stage.equilibrated" }, [a], noPost)).toBe(true);
    expect(await evaluateCondition({ kind: "true", key: "stage.other" }, [a], noPost)).toBe(false);
  });

  it.each<[JsonValue | undefined, boolean]>([
    [undefined, false],
    [null, false],
    [false, false],
    [true, true],
    [0, false],
    [-0, false],
    [new Float(0), false],
    [new Float(-0), false],
    [0.5, true],
    [-1, true],
    [0n, false],
    [5n, true],
    ["", false],
    ["0", true],
    ["false", true],
    [[], false],
    [[0], true],
    [{}, false],
    [{ a: null }, true],
  ])("Python truthiness of %o is %s", (v, truthy) => {
    expect(isTruthy(v)).toBe(truthy);
  });

  it("after: postHolds of every named operation, short-circuiting", async () => {
    const a = newJob();
    const postHolds = vi.fn(async (name: string, jobs: Job[]) => {
      expect(jobs).toEqual([a]);
      return name !== "b";
    });
    const ctx: ConditionContext = { files: LIVE_FILES, postHolds };
    expect(await evaluateCondition(after("a"), [a], ctx)).toBe(true);
    expect(await evaluateCondition(after("a", "b", "c"), [a], ctx)).toBe(false);
    expect(postHolds.mock.calls.map((c) => c[0])).toEqual(["a", "a", "b"]);
  });

  it("never and not", async () => {
    const a = newJob();
    expect(await evaluateCondition({ kind: "never" }, [a], noPost)).toBe(false);
    expect(await evaluateCondition({ kind: "not", condition: { kind: "never" } }, [a], noPost)).toBe(true);
    expect(await evaluateCondition({ kind: "not", condition: { kind: "isfile", file: "x" } }, [a], noPost)).toBe(true);
  });

  it("fn: called with the aggregate's jobs, awaited, truthiness of the result", async () => {
    const [a, b] = [newJob(), newJob()];
    const fn = vi.fn((...jobs: Job[]) => jobs.length === 2);
    expect(await evaluateCondition({ kind: "fn", name: "pair", fn }, [a, b], noPost)).toBe(true);
    expect(fn).toHaveBeenCalledWith(a, b);
    expect(await evaluateCondition({ kind: "fn", name: "later", fn: async () => false }, [a], noPost)).toBe(false);
    const value = (v: unknown) => ({ kind: "fn", name: "v", fn: () => v }) as Condition;
    expect(await evaluateCondition(value(1), [a], noPost)).toBe(true);
    expect(await evaluateCondition(value(0), [a], noPost)).toBe(false);
    expect(await evaluateCondition(value(null), [a], noPost)).toBe(false);
    expect(await evaluateCondition(value("yes"), [a], noPost)).toBe(true);
  });

  it("fn returning undefined or a function is an error, not false", async () => {
    const a = newJob();
    const noReturn: Condition = { kind: "fn", name: "forgot", fn: (() => undefined) as never };
    await expect(evaluateCondition(noReturn, [a], noPost)).rejects.toThrow(/condition forgot failed: it returned undefined/);
    const fnValue: Condition = { kind: "fn", name: "curried", fn: (() => () => true) as never };
    await expect(evaluateCondition(fnValue, [a], noPost)).rejects.toThrow(/returned a function/);
    const mapValue: Condition = { kind: "fn", name: "m", fn: (() => new Map()) as never };
    await expect(evaluateCondition(mapValue, [a], noPost)).rejects.toThrow(/returned Map/);
  });

  it("command: runCommand's exit code 0 holds", async () => {
    const a = newJob();
    const runCommand = vi.fn(async (command: string) => (command === "ok" ? 0 : 1));
    const ctx: ConditionContext = { ...noPost, runCommand };
    expect(await evaluateCondition({ kind: "command", command: "ok" }, [a], ctx)).toBe(true);
    expect(await evaluateCondition({ kind: "command", command: "no" }, [a], ctx)).toBe(false);
    expect(runCommand).toHaveBeenCalledWith("ok", [a]);
    await expect(evaluateCondition({ kind: "command", command: "ok" }, [a], noPost)).rejects.toBeInstanceOf(ConditionError);
  });

  it("a condition that throws becomes a ConditionError with its description and the original error", async () => {
    const a = newJob();
    const boom = new Error("boom");
    function ready(): boolean {
      throw boom;
    }
    const c: Condition = { kind: "fn", name: "ready", fn: ready };
    const err = await evaluateCondition(c, [a], noPost).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConditionError);
    const ce = err as ConditionError;
    expect(ce.description).toBe("ready");
    expect(ce.condition).toBe(c);
    expect(ce.error).toBe(boom);
    expect(ce.cause).toBe(boom);
    expect(ce.message).toBe("condition ready failed: boom");
  });

  it("a rejected promise and a throw inside not are reported by the innermost condition", async () => {
    const a = newJob();
    const inner: Condition = { kind: "fn", name: "check", fn: () => Promise.reject(new Error("no")) };
    const err = await evaluateCondition({ kind: "not", condition: inner }, [a], noPost).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConditionError);
    expect((err as ConditionError).condition).toBe(inner);
  });

  it("after: a failure in postHolds is wrapped unless it is already a ConditionError", async () => {
    const a = newJob();
    const plain: ConditionContext = { files: LIVE_FILES, postHolds: () => Promise.reject(new Error("bad")) };
    const e1 = await evaluateCondition(after("x"), [a], plain).catch((e: unknown) => e);
    expect((e1 as ConditionError).description).toBe("after(x)");
    const innerCond: Condition = { kind: "isfile", file: "f" };
    const nested: ConditionContext = { files: LIVE_FILES, postHolds: () => Promise.reject(new ConditionError(innerCond, new Error("deep"))) };
    const e2 = await evaluateCondition(after("x"), [a], nested).catch((e: unknown) => e);
    expect((e2 as ConditionError).condition).toBe(innerCond);
  });

  it("a document that is not valid JSON is a ConditionError carrying the UserError", async () => {
    const a = newJob();
    await a.writeFile("signac_job_document.json", "{not json");
    const err = await evaluateCondition({ kind: "true", key: "done" }, [a], noPost).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConditionError);
    expect((err as ConditionError).error).toBeInstanceOf(UserError);
  });
});

describe("evaluateConditions", () => {
  it("holds for an empty list", async () => {
    expect(await evaluateConditions([], [newJob()], noPost)).toEqual({ holds: true });
  });

  it("evaluates in order and stops at the first that does not hold", async () => {
    const a = newJob();
    await a.writeFile("a.txt", "");
    const calls: string[] = [];
    const track = (name: string, result: boolean): Condition => ({
      kind: "fn",
      name,
      fn: () => {
        calls.push(name);
        return result;
      },
    });
    const second: Condition = { kind: "isfile", file: "b.txt" };
    const list = [track("one", true), { kind: "isfile", file: "a.txt" } as Condition, second, track("never-called", true)];
    expect(await evaluateConditions(list, [a], noPost)).toEqual({ holds: false, failed: second });
    expect(calls).toEqual(["one"]);
    await a.writeFile("b.txt", "");
    expect(await evaluateConditions(list, [a], noPost)).toEqual({ holds: true });
    expect(calls).toEqual(["one", "one", "never-called"]);
  });
});

describe("describeCondition", () => {
  function named(): boolean {
    return true;
  }
  it.each<[Condition, string]>([
    [{ kind: "isfile", file: "init.dat" }, 'isfile("init.dat")'],
    [{ kind: "true", key: "done" }, 'true("done")'],
    [{ kind: "false", key: "a.b" }, 'false("a.b")'],
    [after("prepare"), "after(prepare)"],
    [after("a", "b"), "after(a, b)"],
    [{ kind: "never" }, "never"],
    [{ kind: "not", condition: { kind: "isfile", file: "x" } }, 'not(isfile("x"))'],
    [{ kind: "not", condition: after("a") }, "not(after(a))"],
    [{ kind: "fn", name: "is_ready", fn: named }, "is_ready"],
    [{ kind: "fn", name: "", fn: named }, "named"],
    [{ kind: "fn", name: "", fn: (() => () => true)() }, "(anonymous)"],
    [{ kind: "command", command: "test -f x" }, 'command("test -f x")'],
  ])("%# → %s", (c, text) => {
    expect(describeCondition(c)).toBe(text);
  });
});

describe("findAfterCycle", () => {
  it("finds none in a DAG", () => {
    expect(findAfterCycle([op("a"), op("b", [after("a")]), op("c", [after("a", "b")])])).toBeUndefined();
    expect(findAfterCycle([])).toBeUndefined();
  });

  it("finds a self-loop", () => {
    expect(findAfterCycle([op("a", [after("a")])])).toEqual(["a", "a"]);
  });

  it("finds a two-cycle and a longer one", () => {
    expect(findAfterCycle([op("a", [after("b")]), op("b", [after("a")])])).toEqual(["a", "b", "a"]);
    const ops = [op("x"), op("a", [after("x", "b")]), op("b", [after("c")]), op("c", [after("a")])];
    expect(findAfterCycle(ops)).toEqual(["a", "b", "c", "a"]);
  });

  it("looks inside not, ignores post-conditions and unknown names", () => {
    expect(findAfterCycle([op("a", [{ kind: "not", condition: after("b") }]), op("b", [after("a")])])).toEqual(["a", "b", "a"]);
    expect(findAfterCycle([op("a", [], [after("b")]), op("b", [after("a")])])).toBeUndefined();
    expect(findAfterCycle([op("a", [after("zzz")])])).toBeUndefined();
  });

  it("returns only the cycle, not the path leading to it", () => {
    const ops = [op("start", [after("a")]), op("a", [after("b")]), op("b", [after("a")])];
    expect(findAfterCycle(ops)).toEqual(["a", "b", "a"]);
  });
});

describe("checkAfterReferences", () => {
  it("accepts known names", () => {
    expect(() => checkAfterReferences([op("a"), op("b", [after("a")], [{ kind: "not", condition: after("b") }])])).not.toThrow();
  });

  it("names the unknown operation and the origin, in pre, post and inside not", () => {
    for (const ops of [
      [op("a"), op("b", [after("a", "missing")], [], "cohort.toml:7")],
      [op("a"), op("b", [], [after("missing")], "cohort.toml:7")],
      [op("a"), op("b", [{ kind: "not", condition: after("missing") }], [], "cohort.toml:7")],
    ]) {
      let err: unknown;
      try {
        checkAfterReferences(ops);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).message).toMatch(/operation b \(cohort\.toml:7\) .*unknown operation missing/);
      expect((err as UserError).hint).toBe("known operations: a, b");
    }
  });

  it("prefers the condition's own origin", () => {
    const c: Condition = { kind: "after", operations: ["nope"], origin: "cohort.toml:12" };
    expect(() => checkAfterReferences([op("a", [c])])).toThrow(/\(cohort\.toml:12\)/);
  });
});
