import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { canonicalJson, dumpJson } from "../../src/dataspace/json.js";
import { Float, pyType, type JsonObject } from "../../src/dataspace/value.js";
import {
  expandBatch,
  InvocationGroup,
  splitRunArgs,
  SUBMISSION_GROUP_ENV,
  withDefaults,
} from "../../src/runs/batch.js";
import { makeGroup } from "../../src/runs/groups.js";
import { journalDir } from "../../src/runs/journal.js";
import { readLedger } from "../../src/runs/ledger.js";
import { newRunId } from "../../src/runs/run-id.js";
import { groupColumns, Liveness } from "../../src/runs/run-status.js";
import { UserError } from "../../src/util/errors.js";
import { tempDir } from "../helpers.js";
import { makeRun, ownEvents } from "./make-runs.js";

/** Flag sets as text that tells ints, floats and strings apart: `{"lr": 1.0}` is not `{"lr": 1}`. */
const typed = (sets: JsonObject[]): string[] => sets.map((s) => Object.entries(s).map(([k, v]) => `${k}=${pyType(v)}:${canonicalJson(v)}`).join(" "));
const f = (x: number) => new Float(x);

function userError(fn: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(UserError);
  expect((caught as UserError).message).toMatch(message);
}

describe("splitRunArgs", () => {
  it("takes arguments with = as flag assignments and the rest as names, each in order", () => {
    expect(splitRunArgs(["train", "lr={1,2}", "eval", "x=a=b"])).toEqual({ names: ["train", "eval"], assignments: ["lr={1,2}", "x=a=b"] });
    expect(splitRunArgs([])).toEqual({ names: [], assignments: [] });
  });
});

describe("expandBatch", () => {
  it.each<[string, string[], JsonObject[], boolean]>([
    ["one plain value: one set, no batch", ["lr=0.1"], [{ lr: 0.1 }], false],
    ["plain values of several keys: one set, no batch", ["lr=0.1", "epochs=3"], [{ lr: 0.1, epochs: 3 }], false],
    ["a list", ["lr={1e-4,1e-3,1e-2}"], [{ lr: 1e-4 }, { lr: 1e-3 }, { lr: 1e-2 }], true],
    ["a list of one value is still a batch", ["lr={0.5}"], [{ lr: 0.5 }], true],
    ["an integer range", ["seed={1..5}"], [1, 2, 3, 4, 5].map((seed) => ({ seed })), true],
    ["a float range with a step", ["x={0..1..0.25}"], [0, 0.25, 0.5, 0.75, 1].map((x) => ({ x: x % 1 ? x : f(x) })), true],
    ["a descending range", ["n={3..1}"], [{ n: 3 }, { n: 2 }, { n: 1 }], true],
    ["key=a key=b is key={a,b}", ["model=lj", "model=wca"], [{ model: "lj" }, { model: "wca" }], true],
    [
      "a grid: cartesian, the first key outermost",
      ["a={1,2}", "b={x,y,z}"],
      [
        { a: 1, b: "x" },
        { a: 1, b: "y" },
        { a: 1, b: "z" },
        { a: 2, b: "x" },
        { a: 2, b: "y" },
        { a: 2, b: "z" },
      ],
      true,
    ],
    [
      "plain values join every point of the grid, in the position of their key",
      ["epochs=3", "lr={0.1,0.2}"],
      [
        { epochs: 3, lr: 0.1 },
        { epochs: 3, lr: 0.2 },
      ],
      true,
    ],
    [
      "typed values: int, float, bool, null, string; a quoted value stays a string",
      ["i=1", "x=1.0", "e=1e-4", "b=true", "n=null", "s=lj", "q='1'", 'd="true"'],
      [{ i: 1, x: f(1), e: 1e-4, b: true, n: null, s: "lj", q: "1", d: "true" }],
      false,
    ],
    ["typed values in a list", ["v={1,1.0,'1',true}"], [{ v: 1 }, { v: f(1) }, { v: "1" }, { v: true }], true],
  ])("%s", (_name, args, sets, isBatch) => {
    const batch = expandBatch(args);
    expect(typed(batch.sets)).toEqual(typed(sets));
    expect(batch.isBatch).toBe(isBatch);
    expect(batch.args).toEqual(args);
  });

  it("keeps the order of the keys as given in every set", () => {
    const { sets } = expandBatch(["z={1,2}", "a=0"]);
    for (const s of sets) expect(Object.keys(s)).toEqual(["z", "a"]);
  });

  it("draws random flags: 20 by default, --max-runs many otherwise, every one in its bounds", () => {
    const dflt = expandBatch(["lr=loguniform[1e-5:1e-1]", "momentum=uniform[0.5:0.9]"]);
    expect(dflt.isBatch).toBe(true);
    expect(dflt.sets).toHaveLength(20);
    const capped = expandBatch(["lr=loguniform[1e-5:1e-1]"], { maxRuns: 7 });
    expect(capped.sets).toHaveLength(7);
    for (const s of [...dflt.sets, ...capped.sets]) {
      expect(Number(s.lr)).toBeGreaterThanOrEqual(1e-5);
      expect(Number(s.lr)).toBeLessThan(1e-1);
      if (s.momentum !== undefined) expect(Number(s.momentum)).toBeGreaterThanOrEqual(0.5);
    }
  });

  it("repeats the same random draws with the same seed, and others with another", () => {
    const args = ["lr=uniform[0:1]", "opt={sgd,adam}"];
    const a = expandBatch(args, { maxRuns: 5, seed: 42 });
    const b = expandBatch(args, { maxRuns: 5, seed: 42 });
    const c = expandBatch(args, { maxRuns: 5, seed: 43 });
    expect(dumpJson(a.sets)).toBe(dumpJson(b.sets));
    expect(dumpJson(a.sets)).not.toBe(dumpJson(c.sets));
    for (const s of a.sets) expect(["sgd", "adam"]).toContain(s.opt);
  });

  it.each([
    [1, 1],
    [4, 4],
    [12, 12],
    [100, 12],
  ])("--max-runs %i samples a grid of 12 down to %i distinct points, in grid order", (maxRuns, count) => {
    const args = ["a={1..3}", "b={1..4}"];
    const full = dumpJsonAll(expandBatch(args).sets);
    const sampled = dumpJsonAll(expandBatch(args, { maxRuns, seed: 7 }).sets);
    expect(sampled).toHaveLength(count);
    expect(new Set(sampled).size).toBe(count);
    const positions = sampled.map((s) => full.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    expect(dumpJsonAll(expandBatch(args, { maxRuns, seed: 7 }).sets)).toEqual(sampled);
  });

  it.each<[string, string[], { maxRuns?: number }, RegExp]>([
    ["an unterminated list", ["lr={1,2"], {}, /\{1,2 is neither a JSON object nor a \{a,b,\.\.\.\} list/],
    ["an empty range", ["lr={1..}"], {}, /malformed range \{1\.\.\}/],
    ["a reversed range with a positive step", ["n={5..1..1}"], {}, /step of the range \{5\.\.1\.\.1\} goes away from its end/],
    ["reversed distribution bounds", ["lr=uniform[1:0]"], {}, /bounds of uniform\[1:0\] are not increasing/],
    ["no key", ["=1"], {}, /missing key/],
    ["a dotted key", ["a.b=1"], {}, /contains '\.'/],
    ["a random flag given twice", ["lr=uniform[0:1]", "lr=0.5"], {}, /more than once with a random distribution/],
    ["zero runs", ["lr={1,2}"], { maxRuns: 0 }, /positive integer/],
  ])("refuses %s", (_name, args, opts, message) => {
    userError(() => expandBatch(args, opts), message);
  });
});

function dumpJsonAll(sets: JsonObject[]): string[] {
  return sets.map((s) => dumpJson(s));
}

describe("withDefaults", () => {
  const defaults: JsonObject = { lr: 0.01, epochs: 10 };

  it("merges each flag set over the defaults, keeping the defaults' key order", () => {
    const sets = withDefaults("train", defaults, [{ epochs: 3 }, { epochs: 4, lr: 0.5 }, {}]);
    expect(sets).toEqual([
      { lr: 0.01, epochs: 3 },
      { lr: 0.5, epochs: 4 },
      { lr: 0.01, epochs: 10 },
    ]);
    expect(Object.keys(sets[1])).toEqual(["lr", "epochs"]);
    expect(defaults).toEqual({ lr: 0.01, epochs: 10 }); // not changed
  });

  it("refuses a flag the operation does not declare, naming the declared ones", () => {
    let caught: unknown;
    try {
      withDefaults("train", defaults, [{ lr: 1 }, { momentum: 0.9 }]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).message).toBe("operation train has no flag momentum");
    expect((caught as UserError).hint).toBe("its flags are lr, epochs");
  });
});

describe("InvocationGroup", () => {
  /** A run recorded as `cohort run` records one: joining the groups the invocation gives it. */
  const run = (root: string, group: InvocationGroup) => makeRun(root, "train", "completed", { groups: group.forNewRun() }).id;

  it("makes no group before the first run, then one group that each run joins as it is made", () => {
    const root = tempDir();
    const group = InvocationGroup.start(root, { kind: "batch", details: { operation: "train", flags: ["lr={1,2}"] }, planned: 2 }, {});
    expect(group.id).toBeUndefined();
    expect(fs.existsSync(journalDir(root))).toBe(false);
    const a = run(root, group);
    expect(group.id).toBeDefined();
    expect(group.forNewRun()).toEqual([group.id]); // asked again: the same group, not a new one
    const b = run(root, group);
    const ledger = readLedger(root);
    expect([...ledger.groups.keys()]).toEqual([group.id]);
    const made = ledger.groups.get(group.id!)!;
    expect(made.kind).toBe("batch");
    expect(made.planned).toBe(2);
    expect(made.attrs.get("operation")).toBe("train");
    expect(made.attrs.get("flags")).toEqual(["lr={1,2}"]);
    expect(ledger.members(made)).toEqual([a, b]);
    expect(group.kind).toBe("batch");
    expect(group.name).toBe(made.name);
    // each run names the group in its own event: no event of the group's per member
    expect(ownEvents(root).filter((e) => e.e === "attr")).toEqual([]);
  });

  it("is running until finished, then takes its status from its runs", () => {
    const root = tempDir();
    const group = InvocationGroup.start(root, { kind: "pipeline", details: { flowgroup: "ex" } }, {});
    run(root, group);
    const status = () => {
      const ledger = readLedger(root);
      return groupColumns(ledger.groups.get(group.id!)!, ledger, new Liveness()).status;
    };
    expect(status()).toBe("running"); // its runner may still make runs
    group.finish();
    expect(readLedger(root).groups.get(group.id!)!.ended).toBeDefined();
    expect(status()).toBe("completed");
  });

  it("makes nothing without a plan, and finishing it records nothing", () => {
    const root = tempDir();
    const group = InvocationGroup.start(root, undefined, {});
    expect(group.forNewRun()).toEqual([]);
    run(root, group);
    group.finish();
    expect(group.id).toBeUndefined();
    expect(readLedger(root).groups.size).toBe(0);
    expect(ownEvents(root).map((e) => e.e)).toEqual(["writer", "run", "start", "end"]);
  });

  it("an invocation that made no run makes no group, and finishing it records nothing", () => {
    const root = tempDir();
    InvocationGroup.start(root, { kind: "batch", details: { operation: "train", flags: [] }, planned: 3 }, {}).finish();
    expect(fs.existsSync(journalDir(root))).toBe(false);
  });

  it(`joins the group ${SUBMISSION_GROUP_ENV} names instead of making one`, () => {
    const root = tempDir();
    const submission = makeGroup(root, { kind: "submission", details: { flowgroup: "ex" } });
    const group = InvocationGroup.start(root, { kind: "pipeline", details: { flowgroup: "ex" } }, { [SUBMISSION_GROUP_ENV]: submission.id });
    const id = run(root, group);
    group.finish();
    const ledger = readLedger(root);
    expect([...ledger.groups.keys()]).toEqual([submission.id]);
    expect(ledger.members(ledger.groups.get(submission.id)!)).toEqual([id]);
    expect(ledger.groups.get(submission.id)!.ended).toBeUndefined(); // a submission is not this runner's to end
    expect(group.kind).toBe("submission");
  });

  it(`runs join the group ${SUBMISSION_GROUP_ENV} names even when its group event is read later`, () => {
    // The cluster job may start before the submitting process has recorded the group.
    const root = tempDir();
    const later = newRunId();
    const group = InvocationGroup.start(root, undefined, { [SUBMISSION_GROUP_ENV]: later });
    const id = run(root, group);
    expect(readLedger(root).groups.size).toBe(0);
    makeGroup(root, { kind: "submission", id: later, details: { flowgroup: "ex" } });
    const ledger = readLedger(root);
    expect(ledger.members(ledger.groups.get(later)!)).toEqual([id]);
  });

  it.each([["not-an-id"], ["01A22957-A14C-733C-BC9B-C3ACC87750D3/.."], ["../x"]])(`refuses ${SUBMISSION_GROUP_ENV}=%s, which is no group id`, (value) => {
    const root = tempDir();
    userError(() => InvocationGroup.start(root, undefined, { [SUBMISSION_GROUP_ENV]: value }), /is not a run group id/);
  });
});
