import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Claims } from "../../src/runs/claims.js";
import { bootId, currentAuthor, journalDir, JournalWriter, nowMicros, segmentFile, type JournalEvent } from "../../src/runs/journal.js";
import { claimKey, JournalTail, Ledger, readLedger } from "../../src/runs/ledger.js";
import { newRunId } from "../../src/runs/run-id.js";
import { groupColumns, Liveness, runStatus } from "../../src/runs/run-status.js";
import { processStart } from "../../src/util/process.js";
import { tempDir } from "../helpers.js";

function project(): string {
  const root = tempDir();
  fs.mkdirSync(path.join(root, ".cohort"));
  return root;
}

/** A journal as another (dead) process left it: its writer line, then the given events. */
function foreignJournal(root: string, writer: string, events: object[], header: object = {}): string {
  fs.mkdirSync(journalDir(root), { recursive: true });
  const file = path.join(journalDir(root), `${writer}.jsonl`);
  const head = { e: "writer", v: 1, id: writer, t: 1, host: "elsewhere", pid: 1, cohort: "0", user: "x", ...header };
  fs.writeFileSync(file, [head, ...events].map((e) => JSON.stringify(e) + "\n").join(""));
  return file;
}

/** The pid of a process that has ended. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).stdout.trim());
}

describe("the journal", () => {
  it("writes its writer line first, one event per line, and nothing before the first event", () => {
    const root = project();
    const w = JournalWriter.of(root);
    expect(fs.existsSync(w.file)).toBe(false);
    const id = newRunId();
    w.append({ e: "run", t: nowMicros(), id, op: "prepare", jobs: ["a".repeat(32)], config: '{"T": 1.0}' });
    w.append({ e: "start", t: nowMicros(), id, slot: 0, off: 0 });
    w.append({ e: "end", t: nowMicros(), id, exit: 0, len: 0 });
    const lines = fs.readFileSync(w.file, "utf8").split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.map((l) => JSON.parse(l).e)).toEqual(["writer", "run", "start", "end"]);
    const head = JSON.parse(lines[0]);
    expect(head).toMatchObject({ e: "writer", id: w.id, pid: process.pid });
    expect(path.basename(w.file)).toBe(`${w.id}.jsonl`);
  });

  it("writes a directive set or command template once and refers to it", () => {
    const root = project();
    const w = JournalWriter.of(root);
    const d1 = w.define("directives", { np: 1 });
    const d2 = w.define("directives", { np: 1 });
    const c = w.define("command", "echo {sp.N}");
    expect(d2).toBe(d1);
    expect(c).not.toBe(d1);
    for (let i = 0; i < 3; i++) w.append({ e: "run", t: nowMicros(), id: newRunId(), op: "p", config: "{}", d: d1, c });
    const text = fs.readFileSync(w.file, "utf8");
    expect(text.match(/"np"/g)).toHaveLength(1);
    const runs = [...readLedger(root).runs.values()];
    expect(runs).toHaveLength(3);
    expect(runs.every((r) => r.command === "echo {sp.N}" && r.directives?.np === 1)).toBe(true);
  });

  it("a reader ignores a torn last line, and reads it once it is whole", () => {
    const root = project();
    const writer = newRunId();
    const id = newRunId();
    const file = foreignJournal(root, writer, [{ e: "run", t: 5, id, op: "p", config: "{}" }]);
    const tail = new JournalTail(root);
    fs.appendFileSync(file, JSON.stringify({ e: "end", t: 6, id, exit: 0 }).slice(0, 12));
    let ledger = tail.read();
    expect(ledger.runs.get(id)?.exit).toBeUndefined();
    expect(ledger.skipped).toBe(0);
    fs.appendFileSync(file, JSON.stringify({ e: "end", t: 6, id, exit: 0 }).slice(12) + "\n");
    ledger = tail.read();
    expect(ledger.runs.get(id)?.exit).toBe(0);
  });

  it("skips damaged lines and keeps the rest", () => {
    const root = project();
    const id = newRunId();
    const file = foreignJournal(root, newRunId(), [{ e: "run", t: 5, id, op: "p", config: "{}" }]);
    fs.appendFileSync(file, "garbage\n[1]\n" + JSON.stringify({ e: "end", t: 6, id, exit: 3 }) + "\n");
    const ledger = readLedger(root);
    expect(ledger.skipped).toBe(2);
    expect(ledger.runs.get(id)?.exit).toBe(3);
  });

  it("ends a line a failed write left torn before writing the next", () => {
    const root = project();
    const w = JournalWriter.of(root);
    w.append({ e: "attr", t: nowMicros(), of: newRunId(), set: { label: "a" }, author: "me" });
    // What a write cut short by a full disk leaves:
    fs.appendFileSync(w.file, '{"e":"attr","t":');
    (w as unknown as { torn: { torn: boolean } }).torn.torn = true;
    const run = newRunId();
    w.append({ e: "run", t: nowMicros(), id: run, op: "p", config: "{}" });
    const ledger = readLedger(root);
    expect(ledger.runs.has(run)).toBe(true);
    expect(ledger.skipped).toBe(1);
  });

  it("output segments hold each run's bytes back to back, with offsets", () => {
    const root = project();
    const w = JournalWriter.of(root);
    const seg = w.segment(0);
    seg.open();
    const a = seg.position();
    seg.write("first\n");
    const b = seg.position();
    seg.write(Buffer.from([0xff, 0x00, 0x0a]));
    const bytes = fs.readFileSync(segmentFile(root, w.id, 0));
    expect(bytes.subarray(a, b).toString()).toBe("first\n");
    expect([...bytes.subarray(b)]).toEqual([0xff, 0x00, 0x0a]);
  });

  it("a project moved away is never made again at its old path; what is open goes on in the moved one", async () => {
    const root = project();
    const w = JournalWriter.of(root);
    w.segment(0).open();
    w.append({ e: "end", t: nowMicros(), id: newRunId() });
    const moved = root + "-moved";
    fs.renameSync(root, moved);
    // Open files: still written, in the moved project.
    w.append({ e: "end", t: nowMicros(), id: newRunId() });
    w.segment(0).write("still\n");
    // What has to be made by its path fails, and makes nothing there.
    expect(() => w.segment(1).open()).toThrow(/ENOENT/);
    await expect(new Claims(w).take([["op", "agg"]])).rejects.toThrow(/ENOENT/);
    const other = JournalWriter.of(root + "-other");
    expect(() => other.append({ e: "end", t: nowMicros(), id: newRunId() })).toThrow(/ENOENT/);
    expect(fs.existsSync(root)).toBe(false);
    expect(fs.existsSync(root + "-other")).toBe(false);
    const text = fs.readFileSync(path.join(journalDir(moved), `${w.id}.jsonl`), "utf8");
    expect(text.split("\n").filter((l) => l.includes('"e":"end"'))).toHaveLength(2);
    expect(fs.readFileSync(segmentFile(moved, w.id, 0), "utf8")).toBe("still\n");
    fs.renameSync(moved, root); // for the exit cleanup
  });
});

describe("status from the journal", () => {
  it("a run without end is running while its writer lives, terminated when it died on this host", () => {
    const root = project();
    const id = newRunId();
    const w = JournalWriter.of(root);
    w.append({ e: "run", t: nowMicros(), id, op: "p", config: "{}" });
    let ledger = readLedger(root);
    expect(runStatus(ledger.runs.get(id)!, ledger, new Liveness())).toBe("pending");
    w.append({ e: "start", t: nowMicros(), id, slot: 0, off: 0 });
    ledger = readLedger(root);
    expect(runStatus(ledger.runs.get(id)!, ledger, new Liveness())).toBe("running");

    // A writer of this host whose process is gone.
    const dead = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
    const deadRun = newRunId();
    foreignJournal(root, newRunId(), [{ e: "run", t: 2, id: deadRun, op: "p", config: "{}" }, { e: "start", t: 3, id: deadRun, slot: 0, off: 0 }], {
      host: os.hostname(),
      pid: Number(dead.stdout.trim()),
    });
    ledger = readLedger(root);
    expect(runStatus(ledger.runs.get(deadRun)!, ledger, new Liveness())).toBe("terminated");

    // A writer whose pid now belongs to another process (this one): the start time tells them apart.
    const mine = processStart(process.pid)!;
    const [reused, same] = [newRunId(), newRunId()];
    for (const [run, pstart] of [[reused, mine + 1], [same, mine]] as const) {
      foreignJournal(root, newRunId(), [{ e: "run", t: 2, id: run, op: "p", config: "{}" }, { e: "start", t: 3, id: run, slot: 0, off: 0 }], { host: os.hostname(), pid: process.pid, pstart, boot: bootId() });
    }
    ledger = readLedger(root);
    expect(runStatus(ledger.runs.get(reused)!, ledger, new Liveness())).toBe("terminated");
    expect(runStatus(ledger.runs.get(same)!, ledger, new Liveness())).toBe("running");
  });

  it("a writer on another host: running until its cluster job is gone", () => {
    const root = project();
    const id = newRunId();
    const theirs = newRunId();
    foreignJournal(root, newRunId(), [{ e: "run", t: 2, id, op: "p", config: "{}" }, { e: "start", t: 3, id, slot: 0, off: 0 }], { cluster: { scheduler: "slurm", job_id: "7" }, user: currentAuthor() });
    foreignJournal(root, newRunId(), [{ e: "run", t: 2, id: theirs, op: "p", config: "{}" }, { e: "start", t: 3, id: theirs, slot: 0, off: 0 }], { cluster: { scheduler: "slurm", job_id: "8" }, user: "someone-else" });
    const ledger = readLedger(root);
    const run = ledger.runs.get(id)!;
    expect(runStatus(run, ledger, new Liveness())).toBe("running");
    expect(runStatus(run, ledger, new Liveness({ clusterJobLive: () => true }))).toBe("running");
    expect(runStatus(run, ledger, new Liveness({ clusterJobLive: () => false }))).toBe("terminated");
    // the scheduler is asked about this user's jobs only: another user's run stays running
    expect(runStatus(ledger.runs.get(theirs)!, ledger, new Liveness({ clusterJobLive: () => false }))).toBe("running");
  });

  it("exit codes: 0 completed, > 0 error, < 0 terminated", () => {
    const root = project();
    const ids = [newRunId(), newRunId(), newRunId()];
    foreignJournal(
      root,
      newRunId(),
      ids.flatMap((id, i) => [
        { e: "run", t: 2, id, op: "p", config: "{}" },
        { e: "end", t: 3, id, exit: [0, 2, -9][i] },
      ]),
    );
    const ledger = readLedger(root);
    expect(ids.map((id) => runStatus(ledger.runs.get(id)!, ledger, new Liveness()))).toEqual(["completed", "error", "terminated"]);
  });

  it("attributes from several journals apply in time order, deletes after sets", () => {
    const root = project();
    const id = newRunId();
    foreignJournal(root, newRunId(), [
      { e: "run", t: 1, id, op: "p", config: "{}" },
      { e: "attr", t: 30, of: id, set: { label: "late" }, author: "a" },
    ]);
    foreignJournal(root, newRunId(), [
      { e: "attr", t: 20, of: id, set: { label: "early", "tag:x": "" }, author: "b" },
      { e: "attr", t: 20, of: id, set: { "tag:y": "" }, delete: ["tag:y"], author: "b" },
    ]);
    const run = readLedger(root).runs.get(id)!;
    expect(run.attrs.get("label")).toBe("late");
    expect([...run.attrs.keys()].sort()).toEqual(["label", "tag:x"]);
  });

  it("a batch whose runner died before making every run reads terminated; a finished one completed", () => {
    const root = project();
    const g1 = newRunId();
    const g2 = newRunId();
    const runs = [newRunId(), newRunId()];
    const third = newRunId();
    foreignJournal(root, newRunId(), [
      { e: "group", t: 1, id: g1, kind: "batch", op: "p", planned: 3 },
      ...runs.flatMap((id) => [
        { e: "run", t: 2, id, op: "p", config: "{}", in: [g1] },
        { e: "end", t: 3, id, exit: 0 },
      ]),
      { e: "group", t: 4, id: g2, kind: "batch", op: "p", planned: 1 },
      { e: "run", t: 5, id: third, op: "p", config: "{}", in: [g2] },
      { e: "end", t: 6, id: third, exit: 0 },
      { e: "end", t: 7, id: g2 },
    ], { host: os.hostname(), pid: deadPid() });
    const ledger = readLedger(root);
    const live = new Liveness();
    expect(groupColumns(ledger.groups.get(g1)!, ledger, live).status).toBe("terminated");
    expect(groupColumns(ledger.groups.get(g2)!, ledger, live).status).toBe("completed");
  });
});

describe("claims", () => {
  it("a pair claimed by a live runner is refused to another; a run's end gives it back", async () => {
    const root = project();
    const a = JournalWriter.of(root);
    const claimsA = new Claims(a);
    expect(await claimsA.take([["prepare", "j1"], ["prepare", "j2"]])).toEqual([]);
    // Another writer in the same process stands for a second runner.
    const b = (JournalWriter as unknown as { writers: Map<string, JournalWriter> }).writers;
    b.delete(root);
    const second = JournalWriter.of(root);
    const claimsB = new Claims(second);
    expect(await claimsB.take([["prepare", "j1"], ["prepare", "j3"]])).toEqual([["prepare", "j1"]]);
    expect(claimsB.holds("prepare", "j3")).toBe(true);
  });

  it("a claim is consumed by the end of a run of its pair made after it, in any journal, read in any order", () => {
    // A --parallel runner claims; its worker records the run in a journal of its own.
    const claim = { e: "claim", t: 10, items: [["op", "j1"], ["op", "j2"]] };
    const worker = [
      { e: "run", t: 20, id: "r1", op: "op", jobs: ["j1"] },
      { e: "end", t: 30, id: "r1", exit: 0 },
    ];
    const holders = (ledger: Ledger, job: string) => [...(ledger.claims.get(claimKey("op", job))?.keys() ?? [])];
    for (const workerFirst of [false, true]) {
      const ledger = new Ledger({ claims: true });
      if (!workerFirst) ledger.apply("runner", claim as JournalEvent);
      for (const ev of worker) ledger.apply("worker", ev as JournalEvent);
      if (workerFirst) ledger.apply("runner", claim as JournalEvent);
      expect(holders(ledger, "j1")).toEqual([]);
      expect(holders(ledger, "j2")).toEqual(["runner"]);
    }
    // A claim taken after the pair's last run ended stands.
    const later = new Ledger({ claims: true });
    for (const ev of worker) later.apply("worker", ev as JournalEvent);
    later.apply("runner", { e: "claim", t: 40, items: [["op", "j1"]] } as JournalEvent);
    expect(holders(later, "j1")).toEqual(["runner"]);
  });

  it("claims of a dead writer are stale and taken over", async () => {
    const root = project();
    const dead = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
    foreignJournal(root, newRunId(), [{ e: "claim", t: 1, items: [["prepare", "j1"]] }], { host: os.hostname(), pid: Number(dead.stdout.trim()) });
    const claims = new Claims(JournalWriter.of(root));
    expect(await claims.take([["prepare", "j1"]])).toEqual([]);
  });

  it("claims of a cluster job of another host count until the scheduler no longer holds the job", async () => {
    const root = project();
    foreignJournal(root, newRunId(), [{ e: "claim", t: nowMicros(), items: [["prepare", "j1"]] }], { cluster: { scheduler: "slurm", job_id: "77" }, user: currentAuthor() });
    // Another user's cluster job: the scheduler is asked about this user's jobs only, so its claim holds.
    foreignJournal(root, newRunId(), [{ e: "claim", t: nowMicros(), items: [["prepare", "j3"]] }], { cluster: { scheduler: "slurm", job_id: "79" }, user: "someone-else" });
    const asked: string[] = [];
    const claimsWith = async (ids: string[] | undefined, wanted?: (aggregate: string) => boolean) => {
      const claims = new Claims(JournalWriter.of(root));
      await claims.askScheduler(async (scheduler) => {
        asked.push(scheduler);
        return ids && new Set(ids);
      }, wanted);
      return claims;
    };
    // not asked, held, or a scheduler that cannot be asked: the claim holds
    expect(await new Claims(JournalWriter.of(root)).take([["prepare", "j1"]])).toEqual([["prepare", "j1"]]);
    expect(await (await claimsWith(["77"])).take([["prepare", "j1"]])).toEqual([["prepare", "j1"]]);
    expect(await (await claimsWith(undefined)).take([["prepare", "j1"]])).toEqual([["prepare", "j1"]]);
    // the job has left the queue: stale
    expect(await (await claimsWith(["78"])).take([["prepare", "j1"], ["prepare", "j3"]])).toEqual([["prepare", "j3"]]);
    expect(asked).toEqual(["slurm", "slurm", "slurm"]);
    // a runner that will not run j1 (another aggregate's cluster job, say) does not ask
    expect(await (await claimsWith(["78"], (agg) => agg === "j2")).take([["prepare", "j2"]])).toEqual([]);
    expect(asked).toHaveLength(3);
    // no claim of another host's writer: the scheduler is not asked
    const quiet = project();
    const claims = new Claims(JournalWriter.of(quiet));
    await claims.askScheduler(async () => {
      throw new Error("asked");
    });
    expect(await claims.take([["prepare", "j1"]])).toEqual([]);
  });

  it("a stale lock file of a dead process is broken", async () => {
    const root = project();
    const dead = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
    fs.mkdirSync(journalDir(root), { recursive: true });
    fs.writeFileSync(path.join(journalDir(root), "claims.lock"), `w ${os.hostname()} ${dead.stdout.trim()}\n`);
    const claims = new Claims(JournalWriter.of(root));
    expect(await claims.take([["p", "j"]])).toEqual([]);
    expect(fs.existsSync(path.join(journalDir(root), "claims.lock"))).toBe(false);
  });
});
