import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonRows, listing, type RunsListOptions } from "../../src/cli/commands/runs-list.js";
import { changeAttributes } from "../../src/runs/attributes.js";
import { endGroup, makeGroup } from "../../src/runs/groups.js";
import { bootId, journalDir, nowMicros } from "../../src/runs/journal.js";
import { processStart } from "../../src/util/process.js";
import { JournalTail } from "../../src/runs/ledger.js";
import { CACHED_ROWS } from "../../src/runs/listing-cache.js";
import { newRunId } from "../../src/runs/run-id.js";
import { deleteRun } from "../../src/runs/trash.js";
import { tempDir } from "../helpers.js";
import { deadPid, foreignJournal, makeRun, nextProcess } from "./make-runs.js";

const cacheDir = (root: string) => path.join(root, ".cohort", "cache");

/** A listing as `cohort runs [-g] --json` gives it, and whether it came from the cache; the cache is kept, as the command does. */
async function list(root: string, opts: RunsListOptions = {}, limit = CACHED_ROWS) {
  const l = await listing(root, opts, limit);
  const shown = { matched: l.matched, rows: jsonRows(l.view, l.shown) };
  l.save();
  return { ...shown, cached: l.cached };
}

/** The listing read from the journals alone, as if there were no cache (which is left as it was). */
async function fresh(root: string, opts: RunsListOptions = {}, limit = CACHED_ROWS) {
  const saved = path.join(root, ".cohort", "cache-aside");
  fs.rmSync(saved, { recursive: true, force: true });
  if (fs.existsSync(cacheDir(root))) fs.renameSync(cacheDir(root), saved);
  try {
    const l = await listing(root, opts, limit);
    expect(l.cached).toBe(false);
    return { matched: l.matched, rows: jsonRows(l.view, l.shown) };
  } finally {
    fs.rmSync(cacheDir(root), { recursive: true, force: true });
    if (fs.existsSync(saved)) fs.renameSync(saved, cacheDir(root));
  }
}

/** Both lists, from the cache where it holds them, equal to what the journals alone give. */
async function expectListsAsJournalsSay(root: string, cached: boolean) {
  for (const opts of [{}, { group: true as const }]) {
    const want = await fresh(root, opts);
    const got = await list(root, opts);
    expect(got.cached, `cached ${JSON.stringify(opts)}`).toBe(cached);
    expect({ matched: got.matched, rows: got.rows }).toEqual(want);
    // kept now: the next listing comes from the cache, and says the same
    const again = await list(root, opts);
    expect(again.cached).toBe(true);
    expect({ matched: again.matched, rows: again.rows }).toEqual(want);
  }
}

/** A project with 30 runs in this process's journal, a batch of 5 of them, and a foreign journal with a group and two runs. */
function project() {
  const root = tempDir();
  const t0 = nowMicros() - 3_600_000_000;
  const batch = makeGroup(root, { kind: "batch", planned: 5, label: "sweep" });
  const runs = [];
  for (let i = 0; i < 30; i++) {
    const state = i % 7 === 3 ? "error" : "completed";
    runs.push(makeRun(root, i % 2 ? "simulate" : "prepare", state, { made: t0 + i * 1000, started: t0 + i * 1000 + 10, jobs: [`${i}`.padStart(32, "0")], groups: i >= 25 ? [batch.id] : undefined }));
  }
  endGroup(root, batch.id);
  const other = newRunId();
  const g = newRunId();
  const [x, y] = [newRunId(), newRunId()];
  const foreign = foreignJournal(root, other, [
    { e: "group", t: t0 + 50_000, id: g, kind: "manual", set: { label: "by hand", [`run:${runs[29].id}`]: "" } },
    { e: "run", t: t0 + 60_000, id: x, op: "train", config: "{}", in: [g] },
    { e: "start", t: t0 + 60_001, id: x, slot: 0, off: 0 },
    { e: "end", t: t0 + 60_002, id: x, exit: -15, len: 0 },
    { e: "run", t: t0 + 70_000, id: y, op: "train", config: "{}" },
  ]);
  return { root, runs, batch, foreign, group: g, x, y };
}

afterEach(() => {
  // the next test's runs go to a journal of their own
  for (const root of roots) nextProcess(root);
  roots.length = 0;
  for (const child of children.splice(0)) child.kill("SIGKILL");
});
const children: ChildProcess[] = [];

/** A journal of `events` whose writer is a live process of this host (a `sleep`), until `kill` ends it. */
async function liveJournal(root: string, events: object[]): Promise<{ kill(): Promise<void> }> {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  children.push(child);
  await new Promise((r) => child.once("spawn", r));
  foreignJournal(root, newRunId(), events, { host: os.hostname(), pid: child.pid, pstart: processStart(child.pid!), boot: bootId() });
  return {
    kill: async () => {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
    },
  };
}
const roots: string[] = [];
function made<T extends { root: string }>(p: T): T {
  roots.push(p.root);
  return p;
}

describe("the listing cache", () => {
  it("gives the first rows of both lists as the journals do, and is used while nothing changed", async () => {
    const { root, batch } = made(project());
    await expectListsAsJournalsSay(root, false);
    expect(fs.readdirSync(cacheDir(root)).sort()).toEqual(["runs-groups.v8", "runs-list.v8"]);
    await expectListsAsJournalsSay(root, true);
    // -n below the rows kept: from the cache; more rows, -a, filters, --deleted, -g GROUP: from the journals
    expect(await list(root, {}, 5)).toMatchObject({ cached: true, matched: 32 });
    expect((await list(root, {}, 5)).rows).toEqual((await fresh(root, {}, 5)).rows);
    expect((await list(root, {}, CACHED_ROWS + 1)).cached).toBe(false);
    expect((await list(root, {}, Infinity)).cached).toBe(false);
    for (const opts of [{ operation: ["train"] }, { status: ["error"] }, { label: ["x"] }, { tag: ["t"] }, { job: ["0".repeat(32)] }, { deleted: true }, { group: batch.name }]) {
      expect((await list(root, opts)).cached, JSON.stringify(opts)).toBe(false);
    }
  });

  it("reads the journals again when one was appended to, made, removed, truncated or rewritten", async () => {
    const p = made(project());
    const { root } = p;
    await expectListsAsJournalsSay(root, false);
    // appended to: a new run of this process's journal, joining the batch
    makeRun(root, "analyze", "running", { groups: [p.batch.id] });
    await expectListsAsJournalsSay(root, false);
    // a new journal: another process labels a run shown and deletes another
    nextProcess(root);
    changeAttributes(root, p.runs[28].id, { set: { label: "look", "tag:keep": "" } });
    deleteRun(root, p.runs[27].id);
    await expectListsAsJournalsSay(root, false);
    // an attribute change of a group in another journal, older than the last one read
    foreignJournal(root, "ffffffff-ffff-7fff-bfff-ffffffffffff", [{ e: "attr", t: 5, of: p.batch.id, set: { label: "older" }, author: "x" }]);
    await expectListsAsJournalsSay(root, false);
    expect((await list(root, { group: true })).rows.find((r) => r.id === p.batch.id)?.label).toBe("sweep");
    // a journal removed
    fs.rmSync(path.join(journalDir(root), "ffffffff-ffff-7fff-bfff-ffffffffffff.jsonl"));
    await expectListsAsJournalsSay(root, false);
    // truncated: the foreign journal loses its last run
    const text = fs.readFileSync(p.foreign, "utf8");
    fs.writeFileSync(p.foreign, text.slice(0, text.lastIndexOf('{"e":"run"')));
    await expectListsAsJournalsSay(root, false);
    // rewritten in place, same size: told by its modification time
    const before = fs.statSync(p.foreign);
    fs.writeFileSync(p.foreign, fs.readFileSync(p.foreign, "utf8").replace('"exit":-15', '"exit": 15'));
    fs.utimesSync(p.foreign, before.atime, new Date(before.mtimeMs + 5000));
    expect(fs.statSync(p.foreign).size).toBe(before.size);
    await expectListsAsJournalsSay(root, false);
  });

  it("reads no journal while nothing changed", async () => {
    const { root } = made(project());
    const want = await list(root);
    const reads = vi.spyOn(JournalTail.prototype, "read");
    try {
      expect(await list(root)).toEqual({ ...want, cached: true });
      expect(reads).not.toHaveBeenCalled();
      // (without the cache, the journals are read)
      fs.rmSync(cacheDir(root), { recursive: true });
      expect((await list(root)).cached).toBe(false);
      expect(reads).toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
  });

  it("opens only the journals whose writer may still append: an ended writer's of this host is stat-ed, and still seen to change", async () => {
    const { root, foreign } = made(project());
    const t0 = nowMicros() - 1_000_000;
    const ended = foreignJournal(root, newRunId(), [{ e: "run", t: t0, id: newRunId(), op: "cleanup", config: "{}" }], { host: os.hostname(), pid: deadPid() });
    const own = path.join(journalDir(root), fs.readdirSync(journalDir(root)).find((n) => n.endsWith(".jsonl") && ![foreign, ended].includes(path.join(journalDir(root), n)))!);
    await list(root);
    const opened = vi.spyOn(fs, "openSync");
    try {
      expect((await list(root)).cached).toBe(true);
      const journals = opened.mock.calls.map((c) => String(c[0])).filter((f) => f.endsWith(".jsonl"));
      // this process's journal (alive) and the other host's are opened; the dead process's is not
      expect(journals.sort()).toEqual([own, foreign].sort());
    } finally {
      opened.mockRestore();
    }
    // its file grows anyway (a copy of the project brought over again): the stat sees it
    fs.appendFileSync(ended, JSON.stringify({ e: "run", t: t0 + 1, id: newRunId(), op: "cleanup", config: "{}" }) + "\n");
    const got = await list(root);
    expect(got.cached).toBe(false);
    expect(got.matched).toBe((await fresh(root)).matched);
  });

  it("sees a journal rewritten with its size and modification time kept: its change time moved", async () => {
    const { root, foreign, x } = made(project());
    // (a time the file system keeps exactly, to set it back to)
    fs.utimesSync(foreign, 1e9, 1e9);
    const want = await list(root);
    expect(want.rows.find((r) => r.id === x)?.status).toBe("terminated");
    // run x's exit code -15 becomes 15 (error), in the same number of bytes, at the same time
    const st = fs.statSync(foreign);
    fs.writeFileSync(foreign, fs.readFileSync(foreign, "utf8").replace('"exit":-15', '"exit": 15'));
    fs.utimesSync(foreign, 1e9, 1e9);
    expect(fs.statSync(foreign)).toMatchObject({ size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
    const got = await list(root);
    expect(got.cached).toBe(false);
    expect(got.rows.find((r) => r.id === x)?.status).toBe("error");
  });

  it("a damaged, truncated, foreign or unreadable cache file is read past, and replaced", async () => {
    const { root } = made(project());
    await expectListsAsJournalsSay(root, false);
    const file = path.join(cacheDir(root), "runs-list.v8");
    const good = fs.readFileSync(file);
    const damaged = Buffer.from(good);
    damaged[damaged.length - 10] ^= 0x55;
    for (const bytes of [damaged, good.subarray(0, good.length >> 1), Buffer.from("not a cache\n"), Buffer.alloc(0)]) {
      fs.writeFileSync(file, bytes);
      const got = await list(root);
      expect(got.cached).toBe(false);
      expect({ matched: got.matched, rows: got.rows }).toEqual((await fresh(root)));
      expect(fs.readFileSync(file)).toEqual(good);
    }
    // a directory where the file should be: nothing is kept, nothing fails
    fs.rmSync(file);
    fs.mkdirSync(file);
    expect((await list(root)).cached).toBe(false);
    expect((await list(root)).cached).toBe(false);
    // the cache directory not writable (a file in its place): the same
    fs.rmSync(cacheDir(root), { recursive: true });
    fs.writeFileSync(cacheDir(root), "");
    expect(await list(root)).toMatchObject({ cached: false, ...(await fresh(root)) });
    fs.rmSync(cacheDir(root));
  });

  it("keeps a running run's events, not its status: it shows terminated once its writer dies, with the cache still valid", async () => {
    const root = made({ root: tempDir() }).root;
    makeRun(root, "prepare");
    const id = newRunId();
    const t = nowMicros();
    const writer = await liveJournal(root, [{ e: "run", t, id, op: "train", config: "{}" }, { e: "start", t: t + 1, id, slot: 0, off: 0 }]);
    for (const opts of [{}, { group: true as const }]) {
      expect((await list(root, opts)).rows[0]).toMatchObject({ id, status: "running" });
    }
    expect((await list(root)).cached).toBe(true);
    await writer.kill();
    for (const opts of [{}, { group: true as const }]) {
      const got = await list(root, opts);
      expect(got.cached).toBe(true);
      expect(got.rows[0]).toMatchObject({ id, status: "terminated" });
      expect({ matched: got.matched, rows: got.rows }).toEqual(await fresh(root, opts));
    }
  });

  it("a group's row from the cache has its columns and members: operation, status, jobs, members deleted or not", async () => {
    const p = made(project());
    deleteRun(p.root, p.runs[26].id);
    const want = await fresh(p.root, { group: true });
    (await list(p.root, { group: true }));
    const got = await list(p.root, { group: true });
    expect(got.cached).toBe(true);
    expect(got.rows).toEqual(want.rows);
    const batch = got.rows.find((r) => r.id === p.batch.id)!;
    expect(batch).toMatchObject({ kind: "batch", operation: "simulate...prepare", status: "completed", label: "sweep" });
    expect(batch.members).toHaveLength(5);
    expect(batch.jobs).toHaveLength(4);
  });

  it("keeps a settled group as its row shows it, without its member runs", async () => {
    const p = made(project());
    await list(p.root, { group: true });
    const l = await listing(p.root, { group: true }, CACHED_ROWS);
    expect(l.cached).toBe(true);
    // the batch and the foreign group: every member ended, their runners done
    for (const g of [p.batch.id, p.group]) {
      const members = l.view.members(l.view.ledger.groups.get(g)!);
      expect(members.length).toBeGreaterThan(0);
      expect(members.filter((id) => l.view.ledger.runs.has(id)), g).toEqual([]);
    }
    expect(jsonRows(l.view, l.shown)).toEqual((await fresh(p.root, { group: true })).rows);
  });

  it("derives a cached group's status while a member runs: running, then terminated once its writer dies", async () => {
    const root = made({ root: tempDir() }).root;
    makeRun(root, "prepare");
    const [g, id] = [newRunId(), newRunId()];
    const t = nowMicros();
    const writer = await liveJournal(root, [{ e: "group", t, id: g, kind: "manual" }, { e: "run", t, id, op: "train", config: "{}", in: [g] }, { e: "start", t: t + 1, id, slot: 0, off: 0 }]);
    expect((await list(root, { group: true })).rows[0]).toMatchObject({ id: g, status: "running" });
    expect((await list(root, { group: true })).cached).toBe(true);
    await writer.kill();
    const got = await list(root, { group: true });
    expect(got.cached).toBe(true);
    expect(got.rows[0]).toMatchObject({ id: g, status: "terminated", members: [id] });
    expect({ matched: got.matched, rows: got.rows }).toEqual(await fresh(root, { group: true }));
  });

  it("a project without journals lists nothing, from the cache too", async () => {
    const root = made({ root: tempDir() }).root;
    fs.writeFileSync(path.join(root, "cohort.toml"), "");
    expect(await list(root)).toEqual({ matched: 0, rows: [], cached: false });
    expect(await list(root)).toEqual({ matched: 0, rows: [], cached: true });
    expect(fs.existsSync(journalDir(root))).toBe(false);
  });
});
