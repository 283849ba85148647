import { describe, expect, it, vi } from "vitest";
import { makeGroup } from "../../src/runs/groups.js";
import { nowMicros } from "../../src/runs/journal.js";
import { foldedRows, groupMatches, listedRuns, runMatches } from "../../src/runs/listing.js";
import { runName } from "../../src/runs/run-id.js";
import { resolveGroup, resolveJobRef, resolveRun, resolveRunId, resolveRuns } from "../../src/runs/select.js";
import { deleteRun, purgeRun } from "../../src/runs/trash.js";
import { RunsView } from "../../src/runs/view.js";
import { UserError } from "../../src/util/errors.js";
import { tempDir } from "../helpers.js";
import { makeRun } from "./make-runs.js";

/** The message of the UserError that `f` throws. */
function userError(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).message;
  }
  throw new Error("no error was thrown");
}

/** Four runs, oldest first: r1..r4; r2 deleted; r4 pending, made a minute later (no tie with r3's start). */
function project() {
  const root = tempDir();
  const runs = [makeRun(root, "prepare"), makeRun(root, "simulate", "error"), makeRun(root, "simulate"), makeRun(root, "train", "pending", { made: nowMicros() + 60_000_000 })];
  deleteRun(root, runs[1].id);
  return { root, runs, ids: runs.map((r) => r.id) };
}

const idsOf = (runs: { id: string }[]) => runs.map((r) => r.id);

describe("naming many runs at once", () => {
  it("lists the runs once for all the numbers, and finds names and id prefixes as one does", () => {
    const { root, runs, ids } = project();
    const view = RunsView.read(root);
    const listings = vi.spyOn(view, "runs", "get");
    try {
      const refs = ["1", "2", "3", runs[0].name, ids[2].toUpperCase(), "1"];
      expect(idsOf(resolveRuns(view, refs))).toEqual([ids[3], ids[2], ids[0]]);
      expect(listings.mock.calls.length).toBe(1);
    } finally {
      listings.mockRestore();
    }
    expect(userError(() => resolveRuns(view, ["1", ids[0].slice(0, 2)]))).toMatch(/^no run named/);
  });
});

describe("run lists: order and index", () => {
  it("newest first by start; an unstarted run counts from its creation", () => {
    const { root, ids: made } = project();
    const view = RunsView.read(root);
    // r4 has not started: it was created after r3 started, so it is newest
    expect(idsOf(listedRuns(view))).toEqual([made[3], made[2], made[0]]);
    expect(idsOf(listedRuns(view, true))).toEqual([made[1]]);
  });

  it("an unstarted run made before another started comes after it", () => {
    const root = tempDir();
    const t = nowMicros();
    const waiting = makeRun(root, "queued", "pending", { made: t });
    const started = makeRun(root, "busy", "running", { made: t - 10, started: t + 10 });
    expect(idsOf(listedRuns(RunsView.read(root)))).toEqual([started.id, waiting.id]);
  });

  it("-g: a group and a run that started at the same time go by id, the later first", () => {
    const root = tempDir();
    const at = 1_700_000_000_000_000;
    const member = makeRun(root, "prepare", "completed", { started: at });
    const before = makeRun(root, "other", "completed", { started: at });
    const group = makeGroup(root, { kind: "manual", members: [member.id] });
    const after = makeRun(root, "other", "completed", { started: at });
    const view = RunsView.read(root);
    expect(foldedRows(view).map((row) => (row.type === "run" ? row.run.id : row.group.id))).toEqual([after.id, group.id, before.id]);
    expect(idsOf(listedRuns(view))).toEqual([after.id, before.id, member.id]);
  });
});

describe("resolveRun", () => {
  it("by index: the # of the plain listing (not deleted, newest first); with deleted, of --deleted", () => {
    const { root, ids } = project();
    const cat = RunsView.read(root);
    expect(resolveRun(cat, "1").id).toBe(ids[3]);
    expect(resolveRun(cat, "2").id).toBe(ids[2]);
    expect(resolveRun(cat, "3").id).toBe(ids[0]);
    expect(userError(() => resolveRun(cat, "4"))).toBe("no run #4");
    expect(resolveRun(cat, "1", { deleted: true }).id).toBe(ids[1]);
    expect(userError(() => resolveRun(cat, "2", { deleted: true }))).toBe("no run #2");
  });

  it("by name, deleted runs included", () => {
    const { root, runs } = project();
    const cat = RunsView.read(root);
    for (const r of runs) expect(resolveRun(cat, r.name).id).toBe(r.id);
    expect(resolveRun(cat, runs[0].name.toUpperCase()).id).toBe(runs[0].id);
  });

  it("by unique id prefix: 4 hex digits or more, or any prefix with a dash; the whole id", () => {
    const root = tempDir();
    const a = makeRun(root, "op", "completed", { id: "01900000-aaaa-7000-8000-000000000001" });
    const b = makeRun(root, "op", "completed", { id: "01900000-bbbb-7000-8000-000000000002" });
    const cat = RunsView.read(root);
    expect(resolveRun(cat, "01900000-a").id).toBe(a.id);
    expect(resolveRun(cat, "01900000-BBBB").id).toBe(b.id);
    expect(resolveRun(cat, a.id).id).toBe(a.id);
    expect(userError(() => resolveRun(cat, "0190"))).toMatch(/^run id prefix 0190 is ambiguous: it names .*000000000001.*000000000002/);
    // fewer than 4 hex digits and no dash: not a prefix
    expect(userError(() => resolveRun(cat, "019"))).toBe("no run named 019");
    expect(userError(() => resolveRun(cat, "01900001"))).toBe("no run named 01900001");
  });

  it("a group's name or id is not a run's: the error says it names a group, and how to show it", () => {
    const { root, ids } = project();
    const group = makeGroup(root, { kind: "manual", members: [ids[0]] });
    const cat = RunsView.read(root);
    for (const ref of [runName(group.id), group.id]) {
      let err: UserError | undefined;
      try {
        resolveRun(cat, ref);
      } catch (e) {
        err = e as UserError;
      }
      expect(err?.message).toBe(`${ref} is a run group, not a run`);
      expect(err?.hint).toBe(`'cohort group show ${ref}' shows it and its runs`);
    }
  });

  it("two runs with the same name: ambiguous, both listed", () => {
    const root = tempDir();
    const a = makeRun(root, "op", "completed", { id: "01900000-0000-7000-8000-0000deadbeef" });
    const b = makeRun(root, "op", "completed", { id: "01900000-0001-7000-8000-0000deadbeef" });
    expect(a.name).toBe(b.name);
    const msg = userError(() => resolveRun(RunsView.read(root), a.name));
    expect(msg).toContain(`run name ${a.name} is ambiguous`);
    expect(msg).toContain(a.id);
    expect(msg).toContain(b.id);
  });

  it("a purged run says so, by name or prefix; resolveRunId still gives its id", () => {
    const { root, runs } = project();
    const before = RunsView.read(root);
    purgeRun(root, before.ledger.runs.get(runs[0].id)!, before.ledger);
    const cat = RunsView.read(root);
    expect(userError(() => resolveRun(cat, runs[0].name))).toBe(`run ${runs[0].name} was purged`);
    expect(userError(() => resolveRun(cat, runs[0].id.slice(0, 36)))).toMatch(/was purged$/);
    expect(resolveRunId(cat, runs[0].name)).toBe(runs[0].id);
    // the index skips it: it is not listed any more
    expect(idsOf(listedRuns(cat))).not.toContain(runs[0].id);
    expect(idsOf(listedRuns(cat, true))).not.toContain(runs[0].id);
  });

  it("an unknown reference is a UserError that says how runs are named", () => {
    const { root } = project();
    const cat = RunsView.read(root);
    for (const ref of ["nosuch", "babab-babab", "ffff", "0"]) {
      try {
        resolveRun(cat, ref);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(UserError);
        expect((err as UserError).message).toBe(`no run named ${ref}`);
        expect((err as UserError).hint).toContain("cohort runs -a");
      }
    }
  });

  it("resolveRuns gives each run once, in the order given", () => {
    const { root, runs } = project();
    const cat = RunsView.read(root);
    expect(resolveRuns(cat, ["3", runs[2].name, "1", runs[0].id]).map((r) => r.id)).toEqual([runs[0].id, runs[2].id, runs[3].id]);
  });
});

describe("groups: folding and resolveGroup", () => {
  function grouped() {
    const { root, runs, ids } = project();
    // g1 holds r1 and r3 (r3 also in g2); r4 is in no group; r2 is deleted
    const g1 = makeGroup(root, { kind: "pipeline", members: [ids[0], ids[2]] });
    const g2 = makeGroup(root, { kind: "manual", members: [ids[2]], label: "mine" });
    return { root, runs, ids, g1, g2 };
  }

  it("cohort runs -g: each group in place of its members, a run in several groups folded into each, newest first", () => {
    const { root, ids, g1, g2 } = grouped();
    const cat = RunsView.read(root);
    const shown = foldedRows(cat).map((r) => (r.type === "run" ? `run ${r.run.id}` : `group ${r.group.id}`));
    // r4 was created last; g2 started when r3 did, g1 when r1 did
    expect(shown).toEqual([`run ${ids[3]}`, `group ${g2.id}`, `group ${g1.id}`]);
  });

  it("by index in the rows of cohort runs -g; a row that is a run is refused", () => {
    const { root, runs, g1, g2 } = grouped();
    const cat = RunsView.read(root);
    expect(resolveGroup(cat, "2").id).toBe(g2.id);
    expect(resolveGroup(cat, "3").id).toBe(g1.id);
    expect(userError(() => resolveGroup(cat, "1"))).toBe(`row #1 of 'cohort runs -g' is run ${runs[3].name}, not a group`);
    expect(userError(() => resolveGroup(cat, "4"))).toBe("no group #4");
  });

  it("by name or id prefix; unknown is a UserError", () => {
    const { root, g1, g2 } = grouped();
    const cat = RunsView.read(root);
    expect(resolveGroup(cat, g1.name).id).toBe(g1.id);
    expect(resolveGroup(cat, g2.id.slice(0, 30)).id).toBe(g2.id);
    expect(userError(() => resolveGroup(cat, "nope"))).toBe("no group named nope");
    expect(userError(() => resolveGroup(cat, runName("01900000-0000-7000-8000-000000000000")))).toMatch(/^no group named/);
  });

  it("filters: several values of one filter any, several filters all; group rows by their own columns", () => {
    const { root, ids, g2 } = grouped();
    const cat = RunsView.read(root);
    const r1 = cat.ledger.runs.get(ids[0])!;
    expect(runMatches(cat, r1, {})).toBe(true);
    expect(runMatches(cat, r1, { operations: [/^(?:prep.*)$/] })).toBe(true);
    expect(runMatches(cat, r1, { operations: [/^(?:prep)$/] })).toBe(false);
    expect(runMatches(cat, r1, { statuses: ["error", "completed"] })).toBe(true);
    expect(runMatches(cat, r1, { statuses: ["completed"], operations: [/^(?:train)$/] })).toBe(false);
    expect(runMatches(cat, r1, { jobs: [] })).toBe(false); // a -j that names no job matches nothing
    const g = cat.groups().find((x) => x.id === g2.id)!;
    expect(groupMatches(cat, g, { labels: ["mi"] })).toBe(true);
    expect(groupMatches(cat, g, { labels: ["other"] })).toBe(false);
    expect(groupMatches(cat, g, { operations: [/^(?:simulate)$/], statuses: ["completed"] })).toBe(true);
    // a pipeline still being made (its runner, this process, lives) is running
    const p = cat.groups().find((x) => x.id !== g2.id)!;
    expect(groupMatches(cat, p, { statuses: ["running"] })).toBe(true);
  });
});

describe("resolveJobRef", () => {
  it("a prefix of one job of the runs; none; or ambiguous", () => {
    const root = tempDir();
    makeRun(root, "op", "completed", { jobs: ["ab" + "0".repeat(30)] });
    makeRun(root, "op", "completed", { jobs: ["ac" + "0".repeat(30), "ab" + "0".repeat(30)] });
    const cat = RunsView.read(root);
    expect(resolveJobRef(cat, "AB")).toEqual(["ab" + "0".repeat(30)]);
    expect(resolveJobRef(cat, "ff")).toEqual([]);
    expect(userError(() => resolveJobRef(cat, "a"))).toMatch(/^job id prefix a is ambiguous/);
    expect(userError(() => resolveJobRef(cat, "xyz"))).toBe("-j xyz is not a job id or prefix");
  });
});
