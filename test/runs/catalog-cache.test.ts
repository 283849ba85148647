import { createHash } from "node:crypto";
import fc from "fast-check";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Float } from "../../src/dataspace/value.js";
import { readAttributes, writeChange } from "../../src/runs/attributes.js";
import { cacheFile } from "../../src/runs/catalog-cache.js";
import { CatalogFiles, isStartOnly, RUN_TEXT, SAME, startOfText, type ReadMode, type RunRead, type RunTexts } from "../../src/runs/catalog-worker.js";
import { readCatalog, type Catalog, type GroupSummary } from "../../src/runs/catalog.js";
import { RunGroup } from "../../src/runs/groups.js";
import { foldedRows, listedRows } from "../../src/runs/listing.js";
import { parseMicros, runsDir } from "../../src/runs/record.js";
import { deleteRun, purgeRun, restoreRun, userDir } from "../../src/runs/trash.js";
import { tempDir } from "../helpers.js";
import { makeRun, type Made } from "./make-runs.js";
import { UNREAD } from "../../src/runs/run-table.js";

/** Puts the times of `.cohort/runs`, of every directory in it and of records' `proc/` ten seconds back, past the trust margin. */
function age(root: string): void {
  const dir = runsDir(root);
  const past = new Date(Date.now() - 10_000);
  for (const name of fs.readdirSync(dir)) {
    fs.utimesSync(path.join(dir, name), past, past);
    const proc = path.join(dir, name, "proc");
    if (fs.existsSync(proc)) fs.utimesSync(proc, past, past);
  }
  fs.utimesSync(dir, past, past);
}

/** A read through the cache, checked against a read of every file: the runs, the groups, and the order lists show them in. */
function read(root: string): Catalog {
  const cached = readCatalog(root);
  const fresh = readCatalog(root, { cache: false });
  // Group rows work out their columns when read: compared column by column.
  const columns = (g: GroupSummary) => ({ id: g.id, name: g.name, kind: g.kind, operation: g.operation, started: g.started, status: g.status, label: g.label, tags: g.tags, members: g.members, attributes: g.attributes });
  // and each member's row, by the id of its run (null: none)
  const memberRows = (cat: Catalog) => cat.groups.map((g) => Array.from(g.rows, (r) => (r === -1 ? null : cat.table.id(r))));
  const plain = (cat: Catalog) => ({ runs: cat.runs, purged: cat.purged, groups: cat.groups.map(columns), rows: memberRows(cat) });
  expect(plain(cached)).toEqual(plain(fresh));
  const ids = (cat: Catalog, rows: number[]) => rows.map((r) => cat.table.id(r));
  for (const deleted of [false, true]) expect(ids(cached, listedRows(cached, deleted))).toEqual(ids(fresh, listedRows(fresh, deleted)));
  const folded = (cat: Catalog) => foldedRows(cat).map((row) => (row.type === "run" ? cat.table.id(row.row) : row.group.id));
  expect(folded(cached)).toEqual(folded(fresh));
  // as a listing does when done: keep what was read since (the logs read for labels)
  cached.save();
  return cached;
}

/** A project whose cache holds everything, trusted: made, aged, read once. */
function settled(states: Made[] = ["completed"]) {
  const root = tempDir();
  const runs = states.map((s, i) => makeRun(root, `op${i}`, s, { jobs: [String(i).repeat(32)] }));
  writeChange(userDir(root, runs[0].id), { set: { label: "first", "tag:a": "" } });
  const group = RunGroup.create(root, { kind: "manual", members: [runs[0].id], label: "G" });
  age(root);
  read(root);
  expect(fs.existsSync(cacheFile(root))).toBe(true);
  return { root, runs, group };
}

const runOf = (cat: Catalog, id: string) => cat.runs.find((r) => r.id === id);

const MAGIC = "cohort run catalog\n";
/** Where the header's length is: after the magic line and the digest. */
const AT = MAGIC.length + 32;

/**
 * A cache file's header (JSON) and the bytes after it (runs' columns, then groups' members). The
 * attribute logs' entries, which follow the header in the file, are its `users` here (their JSON).
 */
function splitCache(file: Buffer): { header: Record<string, unknown>; body: Buffer } {
  const length = file.readUInt32LE(AT);
  const end = AT + 4 + length;
  const { usersBytes, ...header } = JSON.parse(file.toString("utf8", AT + 4, end)) as Record<string, unknown>;
  const usersEnd = end + (usersBytes as number);
  return { header: { ...header, users: JSON.parse(file.toString("utf8", end, usersEnd)) }, body: file.subarray((usersEnd + 7) & ~7) };
}

/**
 * A cache file from its parts; its digest made right when `digest`, else left as zeros (a damaged
 * file). `users` as text: written as it is; `usersBytes`: as given, else their length.
 */
function joinCache({ users, usersBytes, ...header }: Record<string, unknown>, body: Buffer, digest = false): Buffer {
  const usersText = Buffer.from(typeof users === "string" ? users : JSON.stringify(users));
  const text = Buffer.from(JSON.stringify({ ...header, usersBytes: usersBytes ?? usersText.length }));
  const start = (AT + 4 + text.length + usersText.length + 7) & ~7;
  const out = Buffer.alloc(start + body.length);
  out.write(MAGIC, 0, "latin1");
  out.writeUInt32LE(text.length, AT);
  text.copy(out, AT + 4);
  usersText.copy(out, AT + 4 + text.length);
  body.copy(out, start);
  if (digest) createHash("sha256").update(out.subarray(AT)).digest().copy(out, MAGIC.length);
  return out;
}

/** A cache file with its header changed by `change`; `digest`: as if cohort had written it so. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const editHeader = (file: Buffer, change: (d: any) => void, digest = false) => {
  const { header, body } = splitCache(file);
  change(header);
  return joinCache(header, body, digest);
};

/** A cache file with the bytes after its header changed by `change` (on a copy). */
const editBody = (file: Buffer, change: (body: Buffer) => void, digest = false) => {
  const { header, body } = splitCache(file);
  const copy = Buffer.from(body);
  change(copy);
  return joinCache(header, copy, digest);
};

describe("the run catalog's cache", () => {
  it("is used: an ended run's record and a quiet log are not read again", () => {
    const { root, runs } = settled();
    const [run] = runs;
    // behind cohort's back, files rewritten in place (their directories' times do not move)
    fs.writeFileSync(path.join(run.dir, "opref"), '{"project": "p", "operation": "rewritten"}\n');
    const change = fs.readdirSync(userDir(root, run.id))[0];
    fs.writeFileSync(path.join(userDir(root, run.id), change), '{"author": "x", "set": {"label": "rewritten"}}\n');
    expect(runOf(readCatalog(root), run.id)).toMatchObject({ operation: "op0", label: "first", tags: ["a"] });
    fs.rmSync(cacheFile(root));
    expect(runOf(readCatalog(root), run.id)).toMatchObject({ operation: "rewritten", label: "rewritten", tags: [] });
  });

  it("is not written again when nothing changed", () => {
    const { root } = settled(["completed", "error"]);
    const before = fs.statSync(cacheFile(root));
    read(root);
    const after = fs.statSync(cacheFile(root));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it("holds the same catalog as a read of every file", () => {
    const { root, runs } = settled(["completed", "error", "terminated", "running", "staged", "pending"]);
    const cat = read(root);
    expect(cat.runs.map((r) => r.status)).toEqual(["completed", "error", "terminated", "running", "staged", "pending"]);
    expect(cat.runs.map((r) => r.jobs)).toEqual(runs.map((_, i) => [String(i).repeat(32)]));
    expect(cat.groups).toHaveLength(1);
    expect(cat.groups[0]).toMatchObject({ label: "G", members: [runs[0].id], kind: "manual" });
  });

  it("re-reads a log changed less than two seconds before it was read", () => {
    const root = tempDir();
    const run = makeRun(root, "op");
    writeChange(userDir(root, run.id), { set: { label: "one" } });
    expect(runOf(read(root), run.id)!.label).toBe("one");
    // rewritten in place: only a read of the file sees it, and the log was too fresh to be trusted
    const change = fs.readdirSync(userDir(root, run.id))[0];
    fs.writeFileSync(path.join(userDir(root, run.id), change), '{"author": "x", "set": {"label": "two"}}\n');
    expect(runOf(read(root), run.id)!.label).toBe("two");
  });

  describe("shows in the next read", () => {
    it("a new run", () => {
      const { root } = settled();
      const added = makeRun(root, "later");
      expect(runOf(read(root), added.id)).toMatchObject({ operation: "later", status: "completed" });
    });

    it("the end of a run that was running when cached", () => {
      const { root, runs } = settled(["completed", "running"]);
      const running = runs[1];
      expect(runOf(read(root), running.id)!.status).toBe("running");
      age(root);
      expect(runOf(read(root), running.id)!.status).toBe("running");
      running.finish(3);
      expect(runOf(read(root), running.id)).toMatchObject({ status: "error", started: running.started });
      // and once ended it is cached like any other
      age(root);
      read(root);
      fs.writeFileSync(path.join(running.dir, "proc", "exit"), "0\n");
      expect(runOf(readCatalog(root), running.id)!.status).toBe("error");
    });

    it("the end of a group's member, and members that come and go", () => {
      const { root, runs, group } = settled(["completed", "running"]);
      group.addMembers([runs[1].id]);
      const statusOf = () => read(root).groups[0].status;
      expect(statusOf()).toBe("running");
      age(root);
      expect(statusOf()).toBe("running");
      runs[1].finish(0);
      expect(statusOf()).toBe("completed");
      age(root);
      expect(statusOf()).toBe("completed");
      const earlier = makeRun(root, "late", "error", { id: "00000000-0000-7000-8000-000000000001" });
      group.addMembers([earlier.id]);
      expect(read(root).groups[0]).toMatchObject({ status: "error", members: [earlier.id, runs[0].id, runs[1].id] });
      age(root);
      read(root);
      deleteRun(root, earlier.id);
      expect(read(root).groups[0]).toMatchObject({ status: "completed", operation: "op0...op1" });
    });

    it("a purged member of a group that also has members the cache holds apart (runs that have not ended)", () => {
      const { root, runs, group } = settled(["completed", "running"]);
      group.addMembers([runs[1].id]);
      age(root);
      read(root);
      // the group's entry is used as cached: its ended member by index, its running one by id
      purgeRun(root, runs[0].id);
      const cat = read(root);
      expect(Array.from(cat.groups[0].rows, (r) => (r === -1 ? null : cat.table.id(r)))).toEqual([null, runs[1].id]);
      expect(cat.groups[0]).toMatchObject({ status: "running", members: [runs[0].id, runs[1].id] });
    });

    it("runs in the list's order when a run that has not ended, the newest by id, started before a cached one", () => {
      const root = tempDir();
      const ids = [3, 4, 9].map((n) => `0190000${n}-0000-7000-8000-00000000000${n}`);
      const [x, y] = ids.slice(0, 2).map((id) => makeRun(root, "op", "completed", { id }));
      const w = makeRun(root, "op", "running", { id: ids[2] });
      // as a runner writes it: a new file renamed into place (which moves the directory's times)
      const setStart = (dir: string, micros: number) => {
        fs.writeFileSync(path.join(dir, "started.tmp"), `${micros}\n`);
        fs.renameSync(path.join(dir, "started.tmp"), path.join(dir, "started"));
      };
      setStart(x.dir, 1_000_000);
      setStart(y.dir, 3_000_000);
      const order = (cat: Catalog) => listedRows(cat).map((r) => cat.table.id(r));
      age(root);
      expect(order(read(root))).toEqual([w.id, y.id, x.id]);
      age(root);
      expect(order(read(root))).toEqual([w.id, y.id, x.id]);
      setStart(w.dir, 2_000_000);
      expect(order(read(root))).toEqual([y.id, w.id, x.id]);
    });

    it("runs in the list's order: new ones placed among the cached by start time, not by id", () => {
      const root = tempDir();
      // ids and start times in opposite orders: a later id started earlier
      const ids = [5, 4, 3].map((n) => `0190000${n}-0000-7000-8000-00000000000${n}`);
      const made = ids.map((id) => makeRun(root, "op", "completed", { id }));
      age(root);
      read(root);
      const between = makeRun(root, "op", "completed", { id: "01900001-0000-7000-8000-000000000009" });
      const unstarted = makeRun(root, "op", "pending", { id: "01900002-0000-7000-8000-000000000008" });
      const cat = read(root);
      // newest first: started ones by start (made[2] started last), then the unstarted one by its id's time
      const order = listedRows(cat).map((r) => cat.table.id(r));
      expect(order.slice(0, 4)).toEqual([between.id, made[2].id, made[1].id, made[0].id]);
      expect(order).toContain(unstarted.id);
      deleteRun(root, made[1].id);
      expect(listedRows(read(root)).length).toBe(4);
    });

    it("labels and deletions of runs that have not ended, and of ended ones, as runs come and go", () => {
      const { root, runs } = settled(["completed", "running", "staged", "error"]);
      writeChange(userDir(root, runs[1].id), { set: { label: "live" } });
      deleteRun(root, runs[2].id);
      age(root);
      read(root);
      // a new first run shifts every cached run's index: the logs must still find theirs
      makeRun(root, "first", "completed", { id: "00000000-0000-7000-8000-000000000001" });
      writeChange(userDir(root, runs[3].id), { set: { label: "last" } });
      const cat = read(root);
      expect(runOf(cat, runs[0].id)).toMatchObject({ label: "first" });
      expect(runOf(cat, runs[1].id)).toMatchObject({ label: "live", status: "running" });
      expect(runOf(cat, runs[2].id)).toMatchObject({ trash: "deleted", status: "staged" });
      expect(runOf(cat, runs[3].id)).toMatchObject({ label: "last", status: "error" });
      age(root);
      read(root);
      runs[1].finish(0);
      expect(runOf(read(root), runs[1].id)).toMatchObject({ label: "live", status: "completed" });
    });

    it("a run that has not ended: its files are read again only when its directories change", () => {
      const { root, runs } = settled(["completed", "running"]);
      const running = runs[1];
      age(root);
      read(root);
      // rewritten in place, behind cohort's back: the directories' times do not move
      fs.writeFileSync(path.join(running.dir, "started"), "42\n");
      expect(runOf(readCatalog(root), running.id)).toMatchObject({ status: "running", started: running.started });
      // a step of the run creates a file: read again
      running.finish(0);
      expect(runOf(read(root), running.id)).toMatchObject({ status: "completed", started: 42 });
    });

    it("a group's members when runs are added before them in id order", () => {
      const { root, runs } = settled(["completed", "error"]);
      // the cached group names its member by its place among the cached runs, which a new first run shifts
      for (const n of [1, 2]) {
        makeRun(root, "first", "completed", { id: `00000000-0000-7000-8000-00000000000${n}` });
        expect(read(root).groups[0]).toMatchObject({ members: [runs[0].id], operation: "op0", status: "completed" });
      }
    });

    it("a run whose process died, or whose cluster job on another host ended", () => {
      const { root, runs } = settled(["running", "running"]);
      const [here, there] = runs;
      fs.writeFileSync(path.join(there.dir, "proc", "lock"), "node7 4242\n");
      fs.writeFileSync(path.join(there.dir, "scheduler.json"), '{"scheduler": "slurm", "job_id": "99"}\n');
      const asked: string[] = [];
      const status = (alive: boolean) => {
        const cat = readCatalog(root, { isAlive: () => alive, clusterJobLive: (job) => (asked.push(job.job_id), alive) });
        return [runOf(cat, here.id)!.status, runOf(cat, there.id)!.status];
      };
      expect(status(true)).toEqual(["running", "running"]);
      expect(status(false)).toEqual(["terminated", "terminated"]);
      expect(asked).toEqual(["99", "99"]);
    });

    it("a label or tag added to a run with a log, and to one without", () => {
      const { root, runs } = settled(["completed", "completed"]);
      writeChange(userDir(root, runs[0].id), { set: { label: "second", "tag:b": "" } });
      writeChange(userDir(root, runs[1].id), { set: { "tag:new": "" } });
      for (let i = 0; i < 2; i++) {
        // read afresh, then (once quiet) from the cache that reading wrote
        const cat = read(root);
        expect(runOf(cat, runs[0].id)).toMatchObject({ label: "second", tags: ["a", "b"] });
        expect(runOf(cat, runs[1].id)).toMatchObject({ label: "", tags: ["new"], operation: "op1", status: "completed" });
        age(root);
      }
    });

    it("a run deleted, restored, then purged", () => {
      const { root, runs } = settled(["completed", "completed"]);
      const [run] = runs;
      deleteRun(root, run.id);
      expect(runOf(read(root), run.id)!.trash).toBe("deleted");
      age(root);
      read(root);
      restoreRun(root, run.id);
      expect(runOf(read(root), run.id)!.trash).toBe("present");
      age(root);
      read(root);
      purgeRun(root, run.id);
      const cat = read(root);
      expect(runOf(cat, run.id)).toBeUndefined();
      expect(cat.purged).toEqual(new Set([run.id]));
      expect(cat.groups[0]).toMatchObject({ members: [run.id], status: "unknown" });
    });

    it("a record removed by hand", () => {
      const { root, runs } = settled(["completed", "running"]);
      for (const r of runs) fs.rmSync(r.dir, { recursive: true });
      expect(read(root).runs).toEqual([]);
    });

    it("a member added to a group, and a group deleted", () => {
      const { root, runs, group } = settled(["completed", "error"]);
      group.addMembers([runs[1].id]);
      expect(read(root).groups[0]).toMatchObject({ members: [runs[0].id, runs[1].id], status: "error" });
      age(root);
      read(root);
      group.delete();
      expect(read(root).groups).toEqual([]);
    });

    it("a record slipped in with the directory's modification time put back (its change time moved)", () => {
      const { root } = settled();
      const dir = runsDir(root);
      const { mtime } = fs.statSync(dir);
      const sneaky = makeRun(root, "sneaky");
      fs.utimesSync(dir, mtime, mtime);
      expect(runOf(read(root), sneaky.id)).toBeDefined();
    });

    it("group members found by id: a few searched for, many through one index of the rows", () => {
      const root = tempDir();
      const runs = Array.from({ length: 40 }, (_, i) => makeRun(root, `op${i % 3}`, i % 5 === 0 ? "error" : "completed"));
      const all = RunGroup.create(root, { kind: "manual", members: runs.map((r) => r.id) });
      age(root);
      // Without a cache every member is found by id: 40 of them, past the searches, go through the index.
      const cold = readCatalog(root, { cache: false }).groups.find((g) => g.id === all.id)!;
      expect(new Set(cold.members)).toEqual(new Set(runs.map((r) => r.id)));
      expect([...cold.rows].every((r) => r >= 0)).toBe(true);
      expect(cold.status).toBe("error");
      read(root);
      // Cached, then one new run in a new group: found by one search.
      const late = makeRun(root, "late", "completed");
      const one = RunGroup.create(root, { kind: "manual", members: [late.id, runs[3].id] });
      const cat = read(root);
      const g = cat.groups.find((x) => x.id === one.id)!;
      expect(new Set([...g.rows].map((r) => cat.table.id(r)))).toEqual(new Set([late.id, runs[3].id]));
    });
  });

  describe("is ignored and rebuilt when", () => {
    const cases: [string, (file: Buffer) => Buffer | string][] = [
      ["it is not one", () => "{garbage"],
      ["it is empty", () => ""],
      ["it is another program's JSON", () => JSON.stringify({ v: 1, runs: [1, 2, 3] })],
      ["it is of another version", (file) => editHeader(file, (d) => (d.v += 1), true)],
      ["a byte of it changed", (file) => Buffer.concat([file.subarray(0, file.length - 1), Buffer.from([file[file.length - 1] ^ 1])])],
      ["its header does not parse", (file) => Buffer.concat([file.subarray(0, AT + 4), Buffer.from("{not json"), file.subarray(AT + 13)])],
      ["it is cut short", (file) => file.subarray(0, file.length - 8)],
      ["a run's operation is not listed", (file) => editHeader(file, (d) => (d.operations = []))],
      ["its header is not this version's", (file) => editHeader(file, (d) => (d.moves = [["x", "y"]]), true)],
      ["its attribute logs' entries run past the file", (file) => editHeader(file, (d) => (d.usersBytes = 1 << 30), true)],
      ["an id is not one", (file) => editBody(file, (body) => body.write("z", 8, "latin1"))],
      ["a group's entry is not a pair", (file) => editHeader(file, (d) => (d.groups[0] = [d.groups[0][0]]), true)],
    ];
    it.each(cases)("%s", (_name, damage) => {
      const { root, runs } = settled(["completed", "error"]);
      fs.writeFileSync(path.join(runs[0].dir, "opref"), '{"project": "p", "operation": "rewritten"}\n');
      const file = cacheFile(root);
      fs.writeFileSync(file, damage(fs.readFileSync(file)));
      // read afresh: the rewritten opref shows
      expect(runOf(read(root), runs[0].id)!.operation).toBe("rewritten");
      expect(splitCache(fs.readFileSync(file)).header.format).toBe("cohort run catalog");
    });
  });

  it("reads groups when first asked for, once: a listing without groups does not read them", () => {
    const { root, runs, group } = settled(["completed", "error"]);
    const cat = readCatalog(root);
    group.addMembers([runs[1].id]);
    expect(cat.groups[0]).toMatchObject({ members: [runs[0].id, runs[1].id], status: "error" });
    group.removeMembers([runs[1].id]);
    expect(cat.groups).toBe(cat.groups);
    expect(cat.groups[0].members).toEqual([runs[0].id, runs[1].id]);
    expect(Object.keys(cat)).toContain("groups");
  });

  it("reads a log again when its entry in the cache is damaged, and uses the rest", () => {
    const { root, runs, group } = settled(["completed", "error"]);
    fs.writeFileSync(path.join(runs[0].dir, "opref"), '{"project": "p", "operation": "rewritten"}\n');
    const file = cacheFile(root);
    const damaged = editBody(
      editHeader(fs.readFileSync(file), (d) => (d.users[0][1] = "[1, 2]")),
      (body) => body.writeInt32LE(99, body.length - 4),
      true,
    );
    fs.writeFileSync(file, damaged);
    const cat = readCatalog(root);
    expect(runOf(cat, runs[0].id)).toMatchObject({ operation: "op0", label: "first", tags: ["a"] });
    expect(cat.groups.find((g) => g.id === group.id)).toMatchObject({ members: [runs[0].id], label: "G" });
  });

  it("gives a group's attributes that JSON cannot carry back as they were", () => {
    const { root, group } = settled(["completed"]);
    group.change({ set: { flags: "lr={1.0,2.0}", lr: new Float(2), seed: 12345678901234567890123n, nested: { at: [new Float(1), 2n ** 64n] } } });
    age(root);
    read(root);
    // from the cache now, checked by read against the files
    const attrs = read(root).groups[0].attributes;
    expect(attrs.get("lr")).toEqual(new Float(2));
    expect(attrs.get("seed")).toBe(12345678901234567890123n);
    expect(attrs.get("nested")).toEqual({ at: [new Float(1), 2n ** 64n] });
  });

  describe("reads a group's log again when its entry, written so by cohort, is damaged:", () => {
    // A group's entry: [mtimeMs, ctimeMs, ino, [attributes, first member entry, member count], typed].
    // Each damage also sets the cached label, which shows if the entry is wrongly used.
    type Entry = [unknown, unknown, unknown, [unknown, unknown, unknown] | unknown, unknown];
    const cases: [string, (e: Entry) => void, string][] = [
      ["none (the entry is used)", () => {}, "from cache"],
      ["a key that is not a number", (e) => (e[1] = "1"), "G"],
      ["attributes that are not pairs", (e) => (e[3] as unknown[])[0] = [...((e[3] as unknown[][])[0]), [1, 2]], "G"],
      ["an attribute of three parts", (e) => (e[3] as unknown[])[0] = [...((e[3] as unknown[][])[0]), ["a", 1, 2]], "G"],
      ["a negative first member", (e) => ((e[3] as unknown[])[1] = -1), "G"],
      ["more members than the file has", (e) => ((e[3] as unknown[])[2] = 1000), "G"],
      ["a member count that is not an integer", (e) => ((e[3] as unknown[])[2] = 0.5), "G"],
      ["a value not of three parts", (e) => (e[3] as unknown[]).push(0), "G"],
      ["typed values that are not a list", (e) => (e[4] = {}), "G"],
      ["no typed values", (e) => (e as unknown[]).pop(), "G"],
    ];
    it.each(cases)("%s", (_name, damage, label) => {
      const { root, group } = settled(["completed", "error"]);
      const file = cacheFile(root);
      const edited = editHeader(
        fs.readFileSync(file),
        (d: { groups: [string, string][] }) => {
          const e = JSON.parse(d.groups[0][1]) as Entry;
          (e[3] as [[string, unknown][] | string[], number, number])[0] = (e[3] as [unknown[]])[0].map((kv) => (Array.isArray(kv) && kv[0] === "label" ? ["label", "from cache"] : kv)) as [string, unknown][];
          damage(e);
          d.groups[0][1] = JSON.stringify(e);
        },
        true,
      );
      fs.writeFileSync(file, edited);
      const cat = readCatalog(root);
      expect(cat.groups.map((g) => [g.id, g.label, g.members])).toEqual([[group.id, label, group.members]]);
    });
  });

  it.each([
    ["not JSON", "[[\"x"],
    ["not a list of entries", JSON.stringify([["x", "y"]])],
  ])("reads attribute logs from their directories when the cache's entries of them are %s, and lists the directory again next time", (_name, users) => {
    const { root, runs, group } = settled(["completed", "error"]);
    // the cache is used all the same (the rewritten opref does not show)
    fs.writeFileSync(path.join(runs[0].dir, "opref"), '{"project": "p", "operation": "rewritten"}\n');
    const file = cacheFile(root);
    fs.writeFileSync(file, editHeader(fs.readFileSync(file), (d) => (d.users = users), true));
    const cat = readCatalog(root);
    expect(cat.groups.find((g) => g.id === group.id)).toMatchObject({ label: "G" });
    expect(runOf(cat, runs[0].id)).toMatchObject({ operation: "op0", label: "first", tags: ["a"] });
    cat.save();
    expect(splitCache(fs.readFileSync(file)).header.listing).toEqual([-1, -1, -1]);
    expect(runOf(readCatalog(root), runs[0].id)).toMatchObject({ operation: "op0", label: "first", tags: ["a"] });
  });

  it("keeps the attribute logs' entries when written again by a listing that asked for no label", () => {
    const { root, runs, group } = settled(["completed", "error"]);
    // behind cohort's back, a label rewritten in place: it shows only if the log is read again
    const change = fs.readdirSync(userDir(root, runs[0].id))[0];
    fs.writeFileSync(path.join(userDir(root, runs[0].id), change), '{"author": "x", "set": {"label": "rewritten"}}\n');
    group.addMembers([runs[1].id]);
    const before = splitCache(fs.readFileSync(cacheFile(root))).header;
    const cat = readCatalog(root, { saveLater: true });
    expect(cat.groups[0].members).toEqual([runs[0].id, runs[1].id]);
    cat.save();
    const after = splitCache(fs.readFileSync(cacheFile(root))).header;
    // written again (the group's entry changed), with the same entries of attribute logs
    expect(after.groups).not.toEqual(before.groups);
    expect(after.users).toEqual(before.users);
    expect(runOf(readCatalog(root), runs[0].id)).toMatchObject({ label: "first", tags: ["a"] });
  });

  it("keeps a label read again in the next cache", () => {
    const { root, runs } = settled(["completed", "error"]);
    writeChange(userDir(root, runs[0].id), { set: { label: "second" } });
    age(root);
    expect(runOf(read(root), runs[0].id)).toMatchObject({ label: "second" });
    const [, change] = fs.readdirSync(userDir(root, runs[0].id)).sort();
    fs.writeFileSync(path.join(userDir(root, runs[0].id), change), '{"author": "x", "set": {"label": "rewritten"}}\n');
    expect(runOf(readCatalog(root), runs[0].id)).toMatchObject({ label: "second" });
  });

  it("keeps a log listed whose entry does not decode, when the cache is written again without reading it", () => {
    const { root, runs } = settled(["completed", "error"]);
    const file = cacheFile(root);
    fs.writeFileSync(file, editHeader(fs.readFileSync(file), (d) => (d.users[0][1] = "[1, 2]"), true));
    // a new run: the cache is written again, with every entry decoded to renumber its run; no label is asked for
    makeRun(root, "later");
    age(root);
    readCatalog(root);
    // the next listing comes from the cache's listing: the log must still be in it
    const cat = readCatalog(root);
    expect(runOf(cat, runs[0].id)).toMatchObject({ label: "first", tags: ["a"] });
    expect(cat.groups[0].members).toEqual([runs[0].id]);
  });

  it("is neither read nor written with cache: false", () => {
    const root = tempDir();
    makeRun(root, "op");
    age(root);
    readCatalog(root, { cache: false });
    expect(fs.existsSync(cacheFile(root))).toBe(false);
  });
});

describe("records read for their start alone", () => {
  /** Every kind of record, in groups, with a label and a deleted run. */
  function mixed() {
    const root = tempDir();
    const states: Made[] = ["completed", "error", "terminated", "running", "staged", "pending"];
    const runs = states.flatMap((s, i) => [makeRun(root, `op${i % 3}`, s, { jobs: [String(i).repeat(32)] }), makeRun(root, "flag", s)]);
    // a record without opref that has started, and a directory with neither (not a record)
    const noOpref = makeRun(root, "lost", "completed");
    fs.rmSync(path.join(noOpref.dir, "opref"));
    const notRecord = makeRun(root, "never", "pending");
    fs.rmSync(path.join(notRecord.dir, "opref"));
    writeChange(userDir(root, runs[1].id), { set: { label: "L", "tag:t": "" } });
    deleteRun(root, runs[2].id);
    RunGroup.create(root, { kind: "batch", members: runs.slice(0, 6).map((r) => r.id), label: "B" });
    RunGroup.create(root, { kind: "manual", members: [runs[3].id, runs[7].id, noOpref.id] });
    return { root, runs, noOpref, notRecord };
  }

  /** What lists show of a catalog: every run, every group's columns, and both orders. */
  const shown = (cat: Catalog) => ({
    runs: cat.runs,
    groups: cat.groups.map((g) => ({ id: g.id, operation: g.operation, started: g.started, status: g.status, label: g.label, members: g.members })),
    listed: listedRows(cat).map((r) => cat.table.id(r)),
    folded: foldedRows(cat).map((row) => (row.type === "run" ? cat.table.id(row.row) : row.group.id)),
  });

  it("list as a read of every file does, each record read in full when first asked for", () => {
    const { root, runs, noOpref, notRecord } = mixed();
    const full = readCatalog(root, { cache: false });
    const lazy = readCatalog(root, { cache: false, startOnlyFrom: 1 });
    const unread = (cat: Catalog) => cat.table.ids.filter((_, r) => cat.table.columns.status[r] === UNREAD);
    // the started ones were read for their start alone; staged and pending ones in full
    const started = runs.filter((r) => r.started !== undefined).map((r) => r.id);
    expect(unread(lazy).sort()).toEqual([...started, noOpref.id].sort());
    expect(unread(full)).toEqual([]);
    // the order needs no more than the starts
    expect(listedRows(lazy).map((r) => lazy.table.id(r))).toEqual(listedRows(full).map((r) => full.table.id(r)));
    expect(unread(lazy)).toHaveLength(started.length + 1);
    expect(shown(lazy)).toEqual(shown(full));
    expect(unread(lazy)).toEqual([]);
    expect(runOf(full, noOpref.id)).toMatchObject({ operation: "?", status: "completed" });
    expect(runOf(full, notRecord.id)).toBeUndefined();
  });

  it("are cached as such, and read in full from their files when asked for, however long after", () => {
    const { root, runs } = mixed();
    age(root);
    readCatalog(root, { startOnlyFrom: 1 });
    // the running one ends, and a run that had not started starts, after the cache was written
    const running = runs.find((r) => r.status() === "running")!;
    running.finish(1);
    const staged = runs.find((r) => r.status() === "staged")!;
    staged.markStarted();
    const cat = read(root);
    expect(runOf(cat, running.id)).toMatchObject({ status: "error" });
    expect(runOf(cat, staged.id)).toMatchObject({ status: "running" });
  });

  it("once read in full, are cached as read", () => {
    const { root, runs } = mixed();
    age(root);
    const unread = (cat: Catalog, run: { id: string }) => cat.table.columns.status[cat.table.indexOf(run.id)] === UNREAD;
    // runs[0] read in full in the reading that found it, runs[4] in a later one, from the cache
    const first = readCatalog(root, { startOnlyFrom: 1, saveLater: true });
    expect([unread(first, runs[0]), unread(first, runs[4])]).toEqual([true, true]);
    expect(first.table.operation(first.table.indexOf(runs[0].id))).toBe("op0");
    first.save();
    const second = readCatalog(root, { saveLater: true });
    expect([unread(second, runs[0]), unread(second, runs[4])]).toEqual([false, true]);
    expect(second.table.operation(second.table.indexOf(runs[4].id))).toBe("op2");
    second.save();
    // behind cohort's back: an ended run's record does not change, so the cache's reading stands
    for (const run of [runs[0], runs[4], runs[3]]) fs.writeFileSync(path.join(run.dir, "opref"), '{"project": "p", "operation": "rewritten"}\n');
    const third = readCatalog(root);
    expect([unread(third, runs[0]), unread(third, runs[4]), unread(third, runs[3])]).toEqual([false, false, true]);
    expect([runs[0], runs[4], runs[3]].map((run) => runOf(third, run.id)?.operation)).toEqual(["op0", "op2", "rewritten"]);
    expect(runOf(third, runs[4].id)?.status).toBe("terminated");
  });

  it("whose record is gone when read in full list as damaged, then not at all", () => {
    const { root, runs } = mixed();
    const cat = readCatalog(root, { startOnlyFrom: 1, saveLater: true });
    fs.rmSync(runs[0].dir, { recursive: true });
    expect(runOf(cat, runs[0].id)).toMatchObject({ operation: "?", status: "unknown", jobs: [] });
    cat.save();
    expect(runOf(readCatalog(root), runs[0].id)).toBeUndefined();
  });
});

describe("the files of a reading, shared with a worker thread", () => {
  it("give what one thread finds, whichever thread looks", async () => {
    const root = tempDir();
    const states: Made[] = ["completed", "error", "terminated", "running", "staged", "pending"];
    const ids = Array.from({ length: 300 }, (_, i) => makeRun(root, `op${i % 3}`, states[i % states.length], { jobs: i % 4 === 0 ? [] : ["ab".repeat(16)] }).id);
    // a listed record that is gone
    const gone = makeRun(root, "gone");
    fs.rmSync(gone.dir, { recursive: true });
    ids.push(gone.id);
    // every fifth without opref and jobs; some for their start alone (taken only when they have started)
    const modes = ids.map((_, i): ReadMode => (i % 5 === 0 ? "status" : i % 7 === 2 ? "start" : "all"));
    writeChange(userDir(root, ids[0]), { set: { label: "x" } });
    const dirs = [...ids.map((id) => id + ".meta"), ids[0] + ".user", "no-such-dir"];
    const alone = new CatalogFiles(runsDir(root), { minForWorker: { records: Infinity, stats: Infinity } }).begin(ids, modes, dirs);
    const shared = new CatalogFiles(runsDir(root), { minForWorker: { records: 1, stats: 1 }, waitForWorker: true }).begin(ids, modes, dirs);
    // a worker started before its task is known
    const early = new CatalogFiles(runsDir(root), { waitForWorker: true }).start().begin(ids, modes, dirs);
    try {
      // (the records read for their start alone are numbers: looked at as such below)
      const texts = alone.readRecords() as RunTexts[];
      expect(shared.readRecords()).toEqual(texts);
      expect(early.readRecords()).toEqual(texts);
      // the worker read some of them (it waits for none: a broken worker would leave all to the caller)
      expect(shared.handedOver).toBeGreaterThan(0);
      expect(early.handedOver).toBeGreaterThan(0);
      await Promise.all([shared.statsDone(), early.statsDone()]);
      expect(dirs.map((_, k) => shared.stat(k))).toEqual(dirs.map((_, k) => alone.stat(k)));
      expect(dirs.map((_, k) => early.stat(k))).toEqual(dirs.map((_, k) => alone.stat(k)));
      expect(texts[1][RUN_TEXT.exit]).toBe("1\n");
      expect(texts[1][RUN_TEXT.opref]).toContain('"operation": "op1"');
      expect(texts[5][RUN_TEXT.opref]).toBeNull(); // not full: opref and jobs are not read
      expect(texts[3][RUN_TEXT.lock]).toMatch(/ \d+\n$/);
      // for its start: a terminated run (2) and a running one (9) give their start alone, a staged one (16) everything
      expect(texts[2]).toBe(Number(fs.readFileSync(path.join(runsDir(root), ids[2] + ".meta", "started"), "utf8")));
      expect(texts[9]).toBe(Number(fs.readFileSync(path.join(runsDir(root), ids[9] + ".meta", "started"), "utf8")));
      expect(texts[9]).toBeGreaterThan(0);
      expect(texts[16][RUN_TEXT.opref]).toContain('"operation": "op1"');
      expect(texts[16][RUN_TEXT.started]).toBeNull();
      expect(texts.at(-1)).toEqual([null, null, null, null, null, null, null, null, null]);
      // keys for runs that have not ended only; given back, their files are not read again
      const keys = texts.map((t: RunRead) => (t === SAME || isStartOnly(t) ? null : t[RUN_TEXT.keys]));
      const unended = ids.filter((_, i) => i < 300 && !["completed", "error", "terminated"].includes(states[i % 6]));
      const runningForStart = ids.filter((_, i) => i < 300 && states[i % 6] === "running" && modes[i] === "start");
      expect(runningForStart.length).toBeGreaterThan(0);
      expect(keys.filter((k) => k !== null)).toHaveLength(unended.length - runningForStart.length);
      const again = new CatalogFiles(runsDir(root), { minForWorker: { records: 1, stats: 1 }, waitForWorker: true }).begin(ids, modes, [], keys);
      try {
        expect(again.readRecords()).toEqual(texts.map((t, i) => (keys[i] === null ? t : SAME)));
        expect(again.handedOver).toBeGreaterThan(0);
      } finally {
        again.close();
      }
      expect(alone.stat(dirs.length - 2)).toMatchObject({ ino: fs.statSync(userDir(root, ids[0])).ino });
      expect(alone.stat(dirs.length - 1)).toBeUndefined();
    } finally {
      alone.close();
      shared.close();
      early.close();
    }
  });

  it("read a start as parseMicros does, in the reading that both threads compile", () => {
    const text = fc.oneof(fc.string(), fc.bigInt().map((n) => ` ${n}\n`), fc.constantFrom("", "\n", "12a", "-0", "1e3", "0x10", " 17 "));
    fc.assert(fc.property(text, (t) => Object.is(startOfText(t), parseMicros(t) ?? NaN)));
  });

  it("start a worker before the task when the directory's size says it lists enough records for one", () => {
    const root = tempDir();
    const ids = Array.from({ length: 50 }, (_, i) => makeRun(root, `op${i % 3}`).id);
    const modes = ids.map((): ReadMode => "all");
    const opts = { minForWorker: { records: 100, stats: 100 }, waitForWorker: true };
    // 64 bytes per entry: 100 records' worth starts one, though the task (50 records) is too small to
    const big = new CatalogFiles(runsDir(root), opts).startForListing(100 * 64).begin(ids, modes, []);
    const small = new CatalogFiles(runsDir(root), opts).startForListing(100 * 64 - 1).begin(ids, modes, []);
    try {
      expect(big.readRecords()).toEqual(small.readRecords());
      expect(big.handedOver).toBeGreaterThan(0);
      expect(small.handedOver).toBe(0);
    } finally {
      big.close();
      small.close();
    }
  });

  it("give the groups' logs one thread reads, whichever reads them, and the worker reads them while the caller does not", async () => {
    const root = tempDir();
    const runs = Array.from({ length: 3 }, (_, i) => makeRun(root, `op${i}`));
    const groups = Array.from({ length: 150 }, (_, i) => RunGroup.create(root, { kind: "manual", members: runs.slice(0, 1 + (i % 3)).map((r) => r.id), label: `g${i}` }));
    groups[7].change({ set: { note: "two changes" } });
    // a directory gone, and one that is not a group's log
    fs.rmSync(path.join(runsDir(root), groups[9].id + ".group"), { recursive: true });
    const dirs = groups.map((g) => g.id + ".group");
    const alone = new CatalogFiles(runsDir(root), { minForWorker: { records: Infinity, stats: Infinity } }).begin([], [], [], [], dirs);
    const shared = new CatalogFiles(runsDir(root), { minForWorker: { records: 0, stats: 0 } }).begin([], [], [], [], dirs);
    const meeting = new CatalogFiles(runsDir(root), { minForWorker: { records: 0, stats: 0 } }).begin([], [], [], [], dirs);
    try {
      const logs = dirs.map((_, k) => alone.group(k));
      expect(logs[9]).toBeNull();
      expect(logs[0]!.names).toContain("id");
      expect(Object.keys(logs[7]!.texts)).toHaveLength(2);
      expect(readAttributes(path.join(runsDir(root), dirs[7]), logs[7]!.names, logs[7]!.texts).get("note")).toBe("two changes");
      await shared.groupsDone();
      expect(dirs.map((_, k) => shared.group(k))).toEqual(logs);
      expect(shared.groupsHandedOver).toBe(dirs.length);
      // the caller reading from the first while the worker reads from the last
      expect(dirs.map((_, k) => meeting.group(k))).toEqual(logs);
      expect(alone.groupsHandedOver).toBe(0);
    } finally {
      alone.close();
      shared.close();
      meeting.close();
      shared.endGroups();
      meeting.endGroups();
    }
  });
});

