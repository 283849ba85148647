import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readCatalog } from "../../src/runs/catalog.js";
import { RunGroup } from "../../src/runs/groups.js";
import { foldedRows, groupMatches, listedRows, newestFirst, runMatches } from "../../src/runs/listing.js";
import { runName } from "../../src/runs/run-id.js";
import { idTime } from "../../src/runs/run-table.js";
import { resolveGroup, resolveJobRef, resolveRun, resolveRunId, resolveRuns } from "../../src/runs/select.js";
import { deleteRun, purgeRun } from "../../src/runs/trash.js";
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

/** A v7-shaped id made `ms` milliseconds from now. */
function idAt(ms: number, tail: string): string {
  const h = (Date.now() + ms).toString(16).padStart(12, "0");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7000-8000-${tail.padStart(12, "0")}`;
}

/** Four runs, oldest first: r1..r4; r2 deleted; r4 pending, made a minute later (no tie with r3's start). */
function project() {
  const root = tempDir();
  const runs = [makeRun(root, "prepare"), makeRun(root, "simulate", "error"), makeRun(root, "simulate"), makeRun(root, "train", "pending", { id: idAt(60_000, "4") })];
  deleteRun(root, runs[1].id);
  return { root, runs, ids: runs.map((r) => r.id) };
}

describe("run lists: order and index", () => {
  it("newest first by start; an unstarted run counts from its creation", () => {
    const { root, ids } = project();
    const cat = readCatalog(root);
    // r4 has not started: it was created after r3 started, so it is newest
    expect(listedRows(cat).map((r) => cat.table.id(r))).toEqual([ids[3], ids[2], ids[0]]);
    expect(listedRows(cat, true).map((r) => cat.table.id(r))).toEqual([ids[1]]);
  });

  it("-g: a group and a run that started at the same time go by id, the later first", () => {
    const root = tempDir();
    const member = makeRun(root, "prepare");
    const before = makeRun(root, "other");
    const group = RunGroup.create(root, { kind: "manual", members: [member.id] });
    const after = makeRun(root, "other");
    for (const r of [member, before, after]) fs.writeFileSync(path.join(r.dir, "started"), "1700000000000000\n");
    const cat = readCatalog(root);
    const ids = foldedRows(cat).map((row) => (row.type === "run" ? cat.table.id(row.row) : row.group.id));
    expect(ids).toEqual([after.id, group.id, before.id]);
  });

  it("newestFirst: start time, else the id's time; ties to the later id", () => {
    const a = { id: "01900000-0000-7000-8000-000000000001", started: 5 };
    const b = { id: "01900000-0000-7000-8000-000000000002", started: 5 };
    const c = { id: "01900000-0000-7000-8000-000000000003" };
    expect(idTime(c.id)).toBe(0x019000000000 * 1000);
    expect(newestFirst([a, b, c]).map((x) => x.id)).toEqual([c.id, b.id, a.id]);
  });
});

describe("resolveRun", () => {
  it("by index: the # of the plain listing (not deleted, newest first); with deleted, of --deleted", () => {
    const { root, ids } = project();
    const cat = readCatalog(root);
    expect(resolveRun(cat, "1").id).toBe(ids[3]);
    expect(resolveRun(cat, "2").id).toBe(ids[2]);
    expect(resolveRun(cat, "3").id).toBe(ids[0]);
    expect(userError(() => resolveRun(cat, "4"))).toBe("no run #4");
    expect(resolveRun(cat, "1", { deleted: true }).id).toBe(ids[1]);
    expect(userError(() => resolveRun(cat, "2", { deleted: true }))).toBe("no run #2");
  });

  it("by name, deleted runs included", () => {
    const { root, runs } = project();
    const cat = readCatalog(root);
    for (const r of runs) expect(resolveRun(cat, r.name).id).toBe(r.id);
    expect(resolveRun(cat, runs[0].name.toUpperCase()).id).toBe(runs[0].id);
  });

  it("by unique id prefix: 4 hex digits or more, or any prefix with a dash; the whole id", () => {
    const root = tempDir();
    const a = makeRun(root, "op", "completed", { id: "01900000-aaaa-7000-8000-000000000001" });
    const b = makeRun(root, "op", "completed", { id: "01900000-bbbb-7000-8000-000000000002" });
    const cat = readCatalog(root);
    expect(resolveRun(cat, "01900000-a").id).toBe(a.id);
    expect(resolveRun(cat, "01900000-BBBB").id).toBe(b.id);
    expect(resolveRun(cat, a.id).id).toBe(a.id);
    expect(userError(() => resolveRun(cat, "0190"))).toMatch(/^run id prefix 0190 is ambiguous: it names .*000000000001.*000000000002/);
    // fewer than 4 hex digits and no dash: not a prefix
    expect(userError(() => resolveRun(cat, "019"))).toBe("no run named 019");
    expect(userError(() => resolveRun(cat, "01900001"))).toBe("no run named 01900001");
  });

  it("two runs with the same name: ambiguous, both listed", () => {
    const root = tempDir();
    const a = makeRun(root, "op", "completed", { id: "01900000-0000-7000-8000-0000deadbeef" });
    const b = makeRun(root, "op", "completed", { id: "01900000-0001-7000-8000-0000deadbeef" });
    expect(a.name).toBe(b.name);
    const msg = userError(() => resolveRun(readCatalog(root), a.name));
    expect(msg).toContain(`run name ${a.name} is ambiguous`);
    expect(msg).toContain(a.id);
    expect(msg).toContain(b.id);
  });

  it("a purged run says so, by name or prefix; resolveRunId still gives its id", () => {
    const { root, runs } = project();
    purgeRun(root, runs[0].id);
    const cat = readCatalog(root);
    expect(userError(() => resolveRun(cat, runs[0].name))).toBe(`run ${runs[0].name} was purged`);
    expect(userError(() => resolveRun(cat, runs[0].id.slice(0, 36)))).toMatch(/was purged$/);
    expect(resolveRunId(cat, runs[0].name)).toBe(runs[0].id);
    // the index skips it: it is not listed any more
    expect(listedRows(cat).map((r) => cat.table.id(r))).not.toContain(runs[0].id);
  });

  it("an unknown reference is a UserError that says how runs are named", () => {
    const { root } = project();
    const cat = readCatalog(root);
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
    const cat = readCatalog(root);
    expect(resolveRuns(cat, ["3", runs[2].name, "1", runs[0].id]).map((r) => r.id)).toEqual([runs[0].id, runs[2].id, runs[3].id]);
  });
});

describe("groups: folding and resolveGroup", () => {
  function grouped() {
    const { root, runs, ids } = project();
    // g1 holds r1 and r3 (r3 also in g2); r4 is in no group; r2 is deleted
    const g1 = RunGroup.create(root, { kind: "pipeline", members: [ids[0], ids[2]] });
    const g2 = RunGroup.create(root, { kind: "manual", members: [ids[2]], label: "mine" });
    return { root, runs, ids, g1, g2 };
  }

  it("cohort runs -g: each group in place of its members, a run in several groups folded into each, newest first", () => {
    const { root, ids, g1, g2 } = grouped();
    const cat = readCatalog(root);
    const shown = foldedRows(cat).map((r) => (r.type === "run" ? `run ${cat.table.id(r.row)}` : `group ${r.group.id}`));
    // r4 was created last; g2 started when r3 did, g1 when r1 did
    expect(shown).toEqual([`run ${ids[3]}`, `group ${g2.id}`, `group ${g1.id}`]);
  });

  it("by index in the rows of cohort runs -g; a row that is a run is refused", () => {
    const { root, runs, g1, g2 } = grouped();
    const cat = readCatalog(root);
    expect(resolveGroup(cat, "2").id).toBe(g2.id);
    expect(resolveGroup(cat, "3").id).toBe(g1.id);
    expect(userError(() => resolveGroup(cat, "1"))).toBe(`row #1 of 'cohort runs -g' is run ${runs[3].name}, not a group`);
    expect(userError(() => resolveGroup(cat, "4"))).toBe("no group #4");
  });

  it("by name or id prefix; unknown is a UserError", () => {
    const { root, g1, g2 } = grouped();
    const cat = readCatalog(root);
    expect(resolveGroup(cat, g1.name).id).toBe(g1.id);
    expect(resolveGroup(cat, g2.id.slice(0, 30)).id).toBe(g2.id);
    expect(userError(() => resolveGroup(cat, "nope"))).toBe("no group named nope");
    expect(userError(() => resolveGroup(cat, runName("01900000-0000-7000-8000-000000000000")))).toMatch(/^no group named/);
  });

  it("filters: several values of one filter any, several filters all; group rows by their own columns", () => {
    const { root, ids, g2 } = grouped();
    const cat = readCatalog(root);
    const r1 = cat.table.indexOf(ids[0]);
    const t = cat.table;
    expect(runMatches(t, r1, {})).toBe(true);
    expect(runMatches(t, r1, { operations: [/^(?:prep.*)$/] })).toBe(true);
    expect(runMatches(t, r1, { operations: [/^(?:prep)$/] })).toBe(false);
    expect(runMatches(t, r1, { statuses: ["error", "completed"] })).toBe(true);
    expect(runMatches(t, r1, { statuses: ["completed"], operations: [/^(?:train)$/] })).toBe(false);
    expect(runMatches(t, r1, { jobs: [] })).toBe(false); // a -j that names no job matches nothing
    const g = cat.groups.find((x) => x.id === g2.id)!;
    expect(groupMatches(g, { labels: ["mi"] }, cat)).toBe(true);
    expect(groupMatches(g, { labels: ["other"] }, cat)).toBe(false);
    expect(groupMatches(g, { operations: [/^(?:simulate)$/], statuses: ["completed"] }, cat)).toBe(true);
  });
});

describe("resolveJobRef", () => {
  it("a prefix of one job of the runs; none; or ambiguous", () => {
    const root = tempDir();
    makeRun(root, "op", "completed", { jobs: ["ab" + "0".repeat(30)] });
    makeRun(root, "op", "completed", { jobs: ["ac" + "0".repeat(30), "ab" + "0".repeat(30)] });
    const cat = readCatalog(root);
    expect(resolveJobRef(cat, "AB")).toEqual(["ab" + "0".repeat(30)]);
    expect(resolveJobRef(cat, "ff")).toEqual([]);
    expect(userError(() => resolveJobRef(cat, "a"))).toMatch(/^job id prefix a is ambiguous/);
    expect(userError(() => resolveJobRef(cat, "xyz"))).toBe("-j xyz is not a job id or prefix");
  });
});
