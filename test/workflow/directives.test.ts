import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Job } from "../../src/dataspace/job.js";
import { initProject } from "../../src/dataspace/project.js";
import { Float } from "../../src/dataspace/value.js";
import { UserError } from "../../src/util/errors.js";
import {
  combineParallel,
  combineSerial,
  directivesFor,
  parseMemory,
  parseWalltime,
  resolveDirectives,
  validateDirectives,
  type ResolvedDirectives,
} from "../../src/workflow/directives.js";
import type { GroupDefinition, OperationDefinition } from "../../src/workflow/model.js";
import { tempDir } from "../helpers.js";

function thrown(f: () => unknown): UserError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error("expected a UserError");
}

describe("parseWalltime", () => {
  it.each<[unknown, number]>([
    [0.5, 1800],
    [2, 7200],
    [new Float(1), 3600],
    [2n, 7200],
    [1 / 3, 1200],
    [0.1, 360],
    [24, 86400],
    ["0:30:00", 1800],
    ["1:30:00", 5400],
    ["01:02:03", 3723],
    ["48:00:00", 172800],
    ["0:0:1", 1],
    ["2h", 7200],
    ["2H", 7200],
    ["30m", 1800],
    ["90s", 90],
    ["1d", 86400],
    ["1h30m", 5400],
    ["1h 30m", 5400],
    ["1d12h", 129600],
    ["1d2h3m4s", 93784],
    ["1.5h", 5400],
    [".5h", 1800],
    [" 2h ", 7200],
    ["2-00:00:00", 172800],
    ["1-12:30:15", 131415],
    ["1-12", 129600],
    ["1-12:30", 131400],
    ["0-0:0:1", 1],
  ])("%s → %i s", (v, seconds) => {
    expect(parseWalltime(v)).toBe(seconds);
  });

  it("rounds to whole seconds", () => {
    expect(parseWalltime("1.6s")).toBe(2);
    expect(parseWalltime(1 / 7200)).toBe(1); // half a second rounds up to one
  });

  it.each<[unknown, RegExp]>([
    ["2x", /must be a duration/],
    ["", /must be a duration/],
    ["h", /must be a duration/],
    ["abc", /must be a duration/],
    ["30m1h", /must be a duration/],
    ["1h1h", /must be a duration/],
    ["-1h", /must be a duration/],
    ["2", /a number of hours, not a string/],
    ["0.5", /a number of hours, not a string/],
    ["30:00", /not MM:SS or H:MM/],
    ["1:60:00", /below 60/],
    ["1:00:60", /below 60/],
    ["1-1:60", /below 60/],
    ["1:2:3:4", /must be a duration/],
    [0, /at least one second/],
    [-1, /at least one second/],
    ["0s", /at least one second/],
    ["0:00:00", /at least one second/],
    [1 / 36000, /at least one second/],
    ["0.4s", /at least one second/],
    [Infinity, /must be a duration/],
    [NaN, /must be a duration/],
    [true, /must be a duration/],
    [null, /must be a duration/],
    [[1], /must be a duration/],
    [{ h: 1 }, /must be a duration/],
  ])("%s is refused", (v, message) => {
    const err = thrown(() => parseWalltime(v, "operation op"));
    expect(err.message).toMatch(message);
    expect(err.message).toMatch(/^operation op: directive walltime must be/);
    expect(err.hint).toMatch(/H:MM:SS/);
    expect(err.hint).toMatch(/2h/);
  });

  it("names the value in the message", () => {
    expect(thrown(() => parseWalltime("2x")).message).toBe(
      'directive walltime must be a duration of at least one second, got "2x"',
    );
  });

  it("throws nothing but UserError on any string", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9dhms:. -]{0,12}$/)), (s) => {
        try {
          const seconds = parseWalltime(s);
          expect(Number.isSafeInteger(seconds) && seconds >= 1).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(UserError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("reads H:MM:SS made from any h, m, s", () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(59), fc.nat(59), fc.boolean(), (h, m, s, pad) => {
        fc.pre(h + m + s > 0);
        const two = (n: number) => (pad ? String(n).padStart(2, "0") : String(n));
        expect(parseWalltime(`${h}:${two(m)}:${two(s)}`)).toBe(h * 3600 + m * 60 + s);
      }),
    );
  });

  it("reads unit forms made from any d, h, m, s", () => {
    fc.assert(
      fc.property(fc.nat(30), fc.nat(100), fc.nat(1000), fc.nat(1000), (d, h, m, s) => {
        fc.pre(d + h + m + s > 0);
        const text = [d && `${d}d`, h && `${h}h`, m && `${m}m`, s && `${s}s`].filter(Boolean).join("");
        expect(parseWalltime(text)).toBe(d * 86400 + h * 3600 + m * 60 + s);
      }),
    );
  });
});

describe("parseMemory", () => {
  it.each<[unknown, number]>([
    [4, 4],
    [0.5, 0.5],
    [new Float(2), 2],
    [3n, 3],
    ["4", 4],
    ["1.5", 1.5],
    ["4g", 4],
    ["4G", 4],
    ["4gb", 4],
    ["4GB", 4],
    ["4GiB", 4],
    ["1.5g", 1.5],
    ["512m", 0.5],
    ["512M", 0.5],
    ["512MB", 0.5],
    ["2048 m", 2],
    ["2t", 2048],
    ["2T", 2048],
    ["1048576k", 1],
    ["100k", 100 / 1024 / 1024],
    [" 8g ", 8],
    ["1e3m", 1000 / 1024],
  ])("%s → %d GB", (v, gb) => {
    expect(parseMemory(v)).toBeCloseTo(gb, 12);
  });

  it.each<unknown>(["2x", "", "g", "-1g", "0", "0g", "0.0m", "4 gigabytes", "4gg", "1,5g", 0, -4, Infinity, NaN, true, null, [4], {}])(
    "%s is refused",
    (v) => {
      const err = thrown(() => parseMemory(v, "group ex, operation op"));
      expect(err.message).toMatch(/^group ex, operation op: directive memory must be a size above zero, got /);
      expect(err.hint).toMatch(/512m/);
    },
  );

  it("names the value in the message", () => {
    expect(thrown(() => parseMemory("2x")).message).toBe('directive memory must be a size above zero, got "2x"');
  });

  it("throws nothing but UserError on any string", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9kmgtbiKMGTB. e+-]{0,10}$/)), (s) => {
        try {
          const gb = parseMemory(s);
          expect(gb > 0 && Number.isFinite(gb)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(UserError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("validateDirectives", () => {
  it("accepts the vocabulary and user keys", () => {
    expect(() =>
      validateDirectives(
        {
          np: 4,
          ngpu: 0,
          nranks: 2,
          omp_num_threads: new Float(2),
          memory: "4g",
          walltime: "1:00:00",
          executable: "/usr/bin/python3",
          fork: true,
          processor_fraction: 0.5,
          partition: "gpu",
          anything: { nested: [1, 2] },
        },
        "operation op",
      ),
    ).not.toThrow();
    expect(() => validateDirectives({ nranks: null, omp_num_threads: null, memory: null, walltime: null }, "x")).not.toThrow();
  });

  it("skips functions (checked when evaluated)", () => {
    expect(() => validateDirectives({ np: () => -1 }, "x")).not.toThrow();
  });

  it.each<[string, unknown, string]>([
    ["ngpu", -1, "directive ngpu must be a non-negative integer, got -1"],
    ["ngpu", 1.5, "directive ngpu must be a non-negative integer, got 1.5"],
    ["ngpu", "2", 'directive ngpu must be a non-negative integer, got "2"'],
    ["ngpu", null, "directive ngpu must be a non-negative integer, got null"],
    ["np", 0, "directive np must be a positive integer, got 0"],
    ["np", 2.5, "directive np must be a positive integer, got 2.5"],
    ["np", true, "directive np must be a positive integer, got true"],
    ["np", 2n ** 60n, "directive np must be a positive integer, got 1152921504606846976"],
    ["nranks", -2, "directive nranks must be a non-negative integer, got -2"],
    ["omp_num_threads", new Float(1.5), "directive omp_num_threads must be a non-negative integer, got 1.5"],
    ["memory", "lots", 'directive memory must be a size above zero, got "lots"'],
    ["walltime", -1, "directive walltime must be a duration of at least one second, got -1"],
    ["executable", "", 'directive executable must be a non-empty string, got ""'],
    ["executable", 3, "directive executable must be a non-empty string, got 3"],
    ["fork", "yes", 'directive fork must be true or false, got "yes"'],
    ["fork", 1, "directive fork must be true or false, got 1"],
    ["processor_fraction", 0, "directive processor_fraction must be a number above 0 and at most 1, got 0"],
    ["processor_fraction", 1.5, "directive processor_fraction must be a number above 0 and at most 1, got 1.5"],
    ["processor_fraction", "0.5", 'directive processor_fraction must be a number above 0 and at most 1, got "0.5"'],
  ])("%s = %s is refused", (key, value, message) => {
    const err = thrown(() => validateDirectives({ [key]: value as never }, "operation op (cohort.toml:3)"));
    expect(err.message).toBe(`operation op (cohort.toml:3): ${message}`);
  });
});

describe("validateDirectives: a key like a standard directive's", () => {
  // (they were kept as user keys: ngpus = 2 asked for no GPU, without a word)
  it.each([
    ["ngpus", "ngpu"],
    ["walltme", "walltime"],
    ["Memory", "memory"],
    ["omp_num_thread", "omp_num_threads"],
    ["procesor_fraction", "processor_fraction"],
    ["frok", "fork"],
  ])("%s is refused, naming %s", (key, standard) => {
    const err = thrown(() => validateDirectives({ [key]: 1 }, "operation op (project.ts:3)"));
    expect(err.message).toBe(`operation op (project.ts:3): unknown directive ${key}`);
    expect(err.hint).toMatch(new RegExp(`^did you mean ${standard}\\?`));
  });

  it("leaves keys of the user's own that are not like one", () => {
    expect(() => validateDirectives({ constraint: "x", mem: 1, gpus: 2, partition: "p", exclusive: true, omp_threads: 2 }, "x")).not.toThrow();
  });
});

describe("resolveDirectives", () => {
  const project = initProject(tempDir());
  const a = project.openJob({ n: 2 });
  const b = project.openJob({ n: 3 });

  const defaults: ResolvedDirectives = {
    np: 1,
    ngpu: 0,
    nranks: null,
    omp_num_threads: null,
    memory: null,
    walltime: null,
    executable: process.execPath,
    fork: false,
    processor_fraction: 1,
  };

  it("applies defaults", () => {
    expect(resolveDirectives({}, [a], "op")).toEqual(defaults);
  });

  it("converts memory and walltime, keeps user keys in order after the standard ones", () => {
    const r = resolveDirectives({ partition: "gpu", memory: "512m", walltime: "2h", np: 4, extra: [1] }, [a], "op");
    expect(r).toEqual({ ...defaults, np: 4, memory: 0.5, walltime: 7200, partition: "gpu", extra: [1] });
    expect(Object.keys(r)).toEqual([...Object.keys(defaults), "partition", "extra"]);
  });

  it.each<[Record<string, number>, number]>([
    [{}, 1],
    [{ nranks: 4 }, 4],
    [{ omp_num_threads: 3 }, 3],
    [{ nranks: 4, omp_num_threads: 3 }, 12],
    [{ nranks: 0, omp_num_threads: 3 }, 3],
    [{ nranks: 4, omp_num_threads: 3, np: 2 }, 2],
    [{ nranks: 4, omp_num_threads: 3, np: 24 }, 24],
    [{ nranks: 4, np: 1 }, 4], // signac-flow raises an np equal to its default of 1
  ])("np of %o is %i", (d, np) => {
    expect(resolveDirectives(d, [a], "op").np).toBe(np);
  });

  it("evaluates functions with the aggregate's jobs, user keys too", () => {
    const r = resolveDirectives(
      {
        np: (...jobs: Job[]) => jobs.reduce((s, j) => s + (j.sp.n as number), 0),
        walltime: (job: Job) => `${job.sp.n as number}h`,
        label: (...jobs: Job[]) => jobs.map((j) => j.id.slice(0, 4)).join("+"),
      },
      [a, b],
      "op",
    );
    expect(r.np).toBe(5);
    expect(r.walltime).toBe(7200);
    expect(r.label).toBe(`${a.id.slice(0, 4)}+${b.id.slice(0, 4)}`);
  });

  it("checks what functions return", () => {
    const err = thrown(() => resolveDirectives({ ngpu: () => -1 }, [a], "operation op"));
    expect(err.message).toBe("operation op: directive ngpu must be a non-negative integer, got -1");
  });

  it("reports a function that throws, naming the directive and where", () => {
    function gpus(): number {
      throw new Error("boom");
    }
    const err = thrown(() => resolveDirectives({ ngpu: gpus }, [a], "operation op"));
    expect(err.message).toBe(`operation op: directive ngpu (gpus) failed on job ${a.id}: boom`);
  });

  it("refuses a function that returns a Promise", () => {
    const err = thrown(() => resolveDirectives({ np: (async () => 2) as never }, [a], "operation op"));
    expect(err.message).toMatch(/directive np .* returned a Promise/);
  });

  it("keeps a user key named __proto__ as a plain key", () => {
    const d = JSON.parse('{"__proto__": 5}') as Record<string, number>;
    const r = resolveDirectives(d, [a], "op");
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.hasOwn(r, "__proto__")).toBe(true);
  });
});

describe("directivesFor", () => {
  const op: OperationDefinition = {
    name: "op1",
    body: { kind: "command", command: "true" },
    pre: [],
    post: [],
    directives: { ngpu: 1, np: 4 },
    aggregator: { kind: "single" },
    hooks: {},
    origin: "test",
  };
  const group = (directives: GroupDefinition["directives"]): GroupDefinition => ({
    name: "ex",
    operations: ["op1", "op2"],
    directives,
    origin: "test",
  });

  it("uses the operation's own outside a group", () => {
    expect(directivesFor(op, undefined)).toBe(op.directives);
  });

  it("uses the operation's own in a group that gives it none", () => {
    expect(directivesFor(op, group({ op2: { ngpu: 3 } }))).toBe(op.directives);
  });

  it("replaces the operation's own with the group's, without merging", () => {
    expect(directivesFor(op, group({ op1: { ngpu: 2 } }))).toEqual({ ngpu: 2 });
    expect(directivesFor(op, group({ op1: {} }))).toEqual({});
  });
});

describe("combineSerial and combineParallel", () => {
  const base: ResolvedDirectives = {
    np: 1,
    ngpu: 0,
    nranks: null,
    omp_num_threads: null,
    memory: null,
    walltime: null,
    executable: "node",
    fork: false,
    processor_fraction: 1,
  };
  const x: ResolvedDirectives = { ...base, np: 4, ngpu: 1, nranks: 4, memory: 2, walltime: 3600, user: "x" };
  const y: ResolvedDirectives = {
    ...base,
    np: 2,
    ngpu: 2,
    omp_num_threads: 8,
    memory: 8,
    walltime: 1800,
    executable: "other",
    fork: true,
    processor_fraction: 0.5,
    user: "y",
    more: 1,
  };
  const z: ResolvedDirectives = { ...base };

  it("serial: max of counts and memory, sum of walltime", () => {
    expect(combineSerial([x, y, z])).toEqual({
      np: 4,
      ngpu: 2,
      nranks: 4,
      omp_num_threads: 8,
      memory: 8,
      walltime: 5400,
      executable: "node",
      fork: true,
      processor_fraction: 1,
      user: "x",
      more: 1,
    });
  });

  it("parallel: sum of counts and memory, max of walltime; np counts processor_fraction", () => {
    expect(combineParallel([x, y, z])).toEqual({
      np: 6, // 4 + 2 × 0.5 + 1
      ngpu: 3,
      nranks: 4,
      omp_num_threads: 8,
      memory: 10,
      walltime: 3600,
      executable: "node",
      fork: true,
      processor_fraction: 1,
      user: "x",
      more: 1,
    });
  });

  it("parallel: operations of a fraction of a processor share processors, rounded up", () => {
    const quarter = { ...base, processor_fraction: 0.25 };
    expect(combineParallel([quarter, quarter, quarter, quarter]).np).toBe(1);
    expect(combineParallel([quarter, quarter, quarter, quarter, quarter]).np).toBe(2);
    expect(combineParallel(Array.from({ length: 10 }, () => ({ ...base, processor_fraction: 0.1 }))).np).toBe(1);
    expect(combineParallel([{ ...base, np: 3, processor_fraction: 0.5 }]).np).toBe(2);
    // run one after another, each holds its processors: a fraction changes nothing
    expect(combineSerial([quarter, quarter]).np).toBe(1);
  });

  it("leaves values not set as null", () => {
    expect(combineSerial([z, z]).walltime).toBeNull();
    expect(combineParallel([z, z]).memory).toBeNull();
    expect(combineSerial([z])).toEqual(z);
  });

  it("refuses an empty list", () => {
    expect(() => combineSerial([])).toThrow();
  });
});
