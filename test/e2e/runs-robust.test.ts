import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cohort, cohortInBackground, fakeSqueue, journalDirOf, lines, readJournals, tempDir } from "../helpers.js";

function project(toml: string, ...grid: string[]): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "cohort.toml"), toml);
  const r = cohort(["init", ...grid], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

const background = (args: string[], cwd: string) => cohortInBackground(args, { cwd });

/** Waits until `check` gives a value; gives up (failing the test) after a generous bound. */
async function until<T>(what: string, check: () => T | undefined): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

interface Listed {
  id: string;
  name: string;
  status: string;
  tags: string[];
  jobs: string[];
}

const listed = (dir: string, env: NodeJS.ProcessEnv = {}): Listed[] => {
  const r = cohort(["runs", "-a", "--json"], { cwd: dir, env });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

/** The pid of a process that has ended. */
const deadPid = () => Number(spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).stdout.trim());

/** A journal file with its first line, the writer's, replaced: the same events as if another process had written them. */
function rewriteWriter(file: string, change: (writer: Record<string, unknown>) => Record<string, unknown>): void {
  const [head, ...rest] = fs.readFileSync(file, "utf8").split("\n");
  fs.writeFileSync(file, [JSON.stringify(change(JSON.parse(head))), ...rest].join("\n"));
}

describe("run status when the runner is gone", () => {
  it("kill -9 of the runner leaves its run terminated; a writer of another host reads running, until its cluster job is gone", async () => {
    const dir = project(`[project]\nname = "k"\n\n[operations.long]\ncommand = "echo $$ > sleep.pid; exec sleep 300"\n`, "T=1");
    const job = lines(cohort(["find"], { cwd: dir }).stdout)[0];
    const pidFile = path.join(dir, "workspace", job, "sleep.pid");
    const runner = background(["exec", "long"], dir);
    let sleeper: number | undefined;
    try {
      const journal = await until("the run's start in the journal", () => readJournals(dir, true).find((j) => j.events.some((e) => e.e === "run" && e.slot !== undefined)));
      expect(journal.writer.pid).toBe(runner.child.pid);
      sleeper = await until("the command's pid", () => {
        const text = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, "utf8").trim() : "";
        return text ? Number(text) : undefined;
      });
      expect(listed(dir).map((r) => r.status)).toEqual(["running"]);
      runner.child.kill("SIGKILL");
      const ended = await runner.done;
      expect(ended.code).toBeNull(); // killed, not exited
      // its journal says the run started and nothing more: the writer is gone, so the run is over
      expect(readJournals(dir).find((j) => j.file === journal.file)!.events.map((e) => e.e)).not.toContain("end");
      expect(listed(dir).map((r) => r.status)).toEqual(["terminated"]);
      expect(cohort(["runs", "show", "1"], { cwd: dir }).stdout).toMatch(/^status +terminated$/m);

      // the same journal written on another host: cohort cannot look at that process, so it is running
      rewriteWriter(journal.file, (w) => ({ ...w, host: "otherhost", pid: 12345 }));
      expect(listed(dir).map((r) => r.status)).toEqual(["running"]);
      expect(JSON.parse(cohort(["runs", "-s", "running", "--json"], { cwd: dir }).stdout)).toHaveLength(1);

      // ... inside a cluster job: running while the scheduler holds the job, terminated once it is gone
      rewriteWriter(journal.file, (w) => ({ ...w, cluster: { scheduler: "slurm", job_id: "77" } }));
      const squeue = fakeSqueue();
      const fake = squeue.env;
      squeue.queue("77|x|RUNNING|None\n");
      expect(listed(dir, fake).map((r) => r.status)).toEqual(["running"]);
      squeue.queue("78|y|RUNNING|None\n");
      expect(listed(dir, fake).map((r) => r.status)).toEqual(["terminated"]);
      // another user's cluster job: the scheduler is asked about this user's jobs only (squeue -u)
      let mine: unknown;
      rewriteWriter(journal.file, (w) => ((mine = w.user), { ...w, user: "someone-else" }));
      expect(listed(dir, fake).map((r) => r.status)).toEqual(["running"]);
      rewriteWriter(journal.file, (w) => ({ ...w, user: mine }));
      // a scheduler that cannot be asked proves nothing: the run still counts as running
      squeue.remove();
      const unasked = cohort(["runs", "-a", "--json"], { cwd: dir, env: fake });
      expect(JSON.parse(unasked.stdout).map((r: Listed) => r.status)).toEqual(["running"]);
      expect(unasked.stderr).toMatch(/cannot ask the slurm scheduler/);
    } finally {
      runner.child.kill("SIGKILL");
      // the command runs in a process group of its own: it outlives the killed runner
      if (sleeper !== undefined) {
        try {
          process.kill(-sleeper, "SIGKILL");
        } catch {
          // gone already
        }
      }
    }
  });
});

describe("concurrent writers", () => {
  it("two cohort run processes and cohort runs tag at once: every run and every tag is there", async () => {
    const dir = project(`[project]\nname = "c"\n\n[operations.work]\ncommand = "sleep 0.05; echo working {sp.i}"\n`, "i={0..19}");
    const jobs = lines(cohort(["find"], { cwd: dir }).stdout);
    expect(jobs).toHaveLength(20);
    expect(cohort(["exec", "work", jobs[0]], { cwd: dir }).code).toBe(0);
    const finished = listed(dir)[0];
    const a = background(["run", "-o", "work", "-j", ...jobs.slice(0, 10)], dir);
    const b = background(["run", "-o", "work", "-j", ...jobs.slice(10)], dir);
    // tag the finished run while both run
    const tags = ["t0", "t1", "t2", "t3", "t4", "k=v"];
    for (const t of tags) {
      const r = cohort(["runs", "tag", finished.name, "--add", t], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
    }
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    const all = listed(dir);
    expect(all).toHaveLength(21);
    expect(all.every((r) => r.status === "completed")).toBe(true);
    // each job ran once in the two runners, job 0 once more before
    const perJob = new Map<string, number>();
    for (const r of all) perJob.set(r.jobs[0], (perJob.get(r.jobs[0]) ?? 0) + 1);
    expect([...perJob.keys()].sort()).toEqual([...jobs].sort());
    expect(perJob.get(jobs[0])).toBe(2);
    expect(all.find((r) => r.id === finished.id)!.tags).toEqual([...tags].sort());

    // Each process wrote its own journal, whole lines only (readJournals checks), its writer line first
    // and only there: the exec, the two runners and the six tag commands.
    const journals = readJournals(dir);
    expect(journals).toHaveLength(1 + 2 + tags.length);
    expect(new Set(journals.map((j) => j.writer.pid)).size).toBe(journals.length);
    for (const j of journals) {
      expect(j.writer.e).toBe("writer");
      expect(j.events.some((e) => e.e === "writer")).toBe(false);
    }
    const runsPer = journals.map((j) => j.events.filter((e) => e.e === "run").length).sort((x, y) => x - y);
    expect(runsPer).toEqual([0, 0, 0, 0, 0, 0, 1, 10, 10]);
    // every tag is one attr event, each in the journal of the command that added it
    const changes = journals.map((j) => j.events.filter((e) => e.e === "attr" && e.of === finished.id));
    expect(changes.filter((c) => c.length > 0).map((c) => c.length)).toEqual(tags.map(() => 1));
    expect(changes.flat().map((e) => Object.keys(e.set as object)[0]).sort()).toEqual(tags.map((t) => `tag:${t}`).sort());
    // nothing half-made is left: only journals and output segments, no claim lock
    for (const name of fs.readdirSync(journalDirOf(dir))) expect(name).toMatch(/^[0-9a-f-]{36}\.(jsonl|\d+\.out)$/);
  });

  it("runs show and group show skip a damaged journal line with a warning: not JSON, or JSON with missing or ill-typed fields", () => {
    const dir = project(`[project]\nname = "h"\n\n[operations.op]\ncommand = "echo hi"\n`, "i={1,2}");
    expect(cohort(["exec", "op"], { cwd: dir }).code).toBe(0);
    const runs = listed(dir);
    expect(cohort(["group", "create", "1", "2", "--label", "g"], { cwd: dir }).code).toBe(0);
    const gid = (JSON.parse(cohort(["runs", "-g", "--json"], { cwd: dir }).stdout) as { id: string; type: string }[]).find((x) => x.type === "group")!.id;
    expect(cohort(["runs", "comment", "1", "-m", "fine"], { cwd: dir }).code).toBe(0);
    const jd = journalDirOf(dir);
    const w = "01900000-0000-7000-8000-0000000000f1";
    const t = Date.now() * 1000 - 60_000_000;
    const line = (o: object) => JSON.stringify(o) + "\n";
    fs.writeFileSync(
      path.join(jd, `${w}.jsonl`),
      line({ e: "writer", id: w, t, host: os.hostname(), pid: deadPid(), cohort: "0", user: "x", v: 1 }) +
        "not json\n" +
        line({ e: "attr", t: t + 1, of: gid, set: { "comment:a": { msg: 5, author: 7, time: "x" } } }) +
        line({ e: "attr", t: t + 1, of: runs[0].id, set: { "comment:b": { msg: "m", author: "x", time: 1e300 } } }) +
        line({ e: "attr", t: t + 1, of: runs[1].id, set: { "comment:c": "text" } }) +
        line({ e: "attr", t: t + 1, of: runs[1].id, set: { label: { a: 1 } } }) +
        line({ e: "attr", of: gid, set: { label: "no time" } }) +
        line({ e: "start", t: 1e300, id: runs[0].id, slot: 0, off: 0 }),
    );
    for (const args of [["group", "show", gid], ["group", "show", gid, "--json"], ["runs", "show", runs[0].id], ["runs", "show", runs[1].id, "--json"], ["runs", "show", runs[0].id, "--output"]]) {
      const r = cohort(args, { cwd: dir });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(r.stderr, args.join(" ")).toMatch(/^cohort: warning: 7 damaged journal lines were skipped \(.*\)\n$/);
    }
    // what was well formed still shows
    const group = JSON.parse(cohort(["group", "show", gid, "--json"], { cwd: dir }).stdout) as { label: string; comments: unknown[] };
    expect(group).toMatchObject({ label: "g", comments: [] });
    const run = JSON.parse(cohort(["runs", "show", runs[1].id, "--json"], { cwd: dir }).stdout) as { label: string; comments: { msg: string }[] };
    expect(run.label).toBe("");
    const first = JSON.parse(cohort(["runs", "show", runs[0].id, "--json"], { cwd: dir }).stdout) as { comments: { msg: string }[]; status: string };
    expect(first.comments.map((c) => c.msg)).toEqual(["fine"]);
    expect(first.status).toBe("completed");
    // listings stay quiet
    expect(cohort(["runs"], { cwd: dir }).stderr).toBe("");
  });

  it("damaged journals never break cohort runs: a torn last line, garbage lines, a truncated file; it lists the rest", () => {
    const dir = project(`[project]\nname = "h"\n\n[operations.op]\ncommand = "echo hi"\n`, "i={1,2}");
    expect(cohort(["exec", "op"], { cwd: dir }).code).toBe(0);
    const good = listed(dir);
    expect(good).toHaveLength(2);
    const jd = journalDirOf(dir);
    const here = { host: os.hostname(), pid: deadPid(), cohort: "0", user: "x", v: 1 };
    const line = (o: object) => JSON.stringify(o) + "\n";
    const id = (n: number) => `01900000-0000-7000-8000-00000000000${n}`;
    const w = (n: number) => `01900000-0000-7000-8000-0000000000f${n}`;
    const t = Date.now() * 1000 - 60_000_000;
    // a run whose runner died writing its end: the torn line is not read, the run was terminated
    fs.writeFileSync(
      path.join(jd, `${w(1)}.jsonl`),
      line({ e: "writer", id: w(1), t, ...here }) +
        line({ e: "run", t: t + 1, id: id(1), op: "torn", config: "{}" }) +
        line({ e: "start", t: t + 2, id: id(1), slot: 0, off: 0 }) +
        '{"e":"end","t":' + (t + 3) + ',"id":"' + id(1) + '","ex',
    );
    fs.writeFileSync(path.join(jd, `${w(1)}.0.out`), "torn output\n");
    // garbage, wrong shapes and foreign events among good lines; a damaged config
    fs.writeFileSync(
      path.join(jd, `${w(2)}.jsonl`),
      line({ e: "writer", id: w(2), t, ...here }) +
        "garbage\n\n[1, 2]\n\x00\x00\x00\n" +
        line({ e: "run", t: t + 1, id: id(2), op: "damaged", config: '{"T": 1.', jobs: "not a list" }) +
        line({ e: "attr", t: t + 2, of: good[0].id, delete: "label", author: "x" }) +
        line({ e: "attr", t: t + 2, of: good[1].id, set: { "tag:ok": "" }, delete: { x: 1 }, author: "x" }) +
        line({ e: "claim", t: t + 3, items: "all of them" }) +
        line({ e: "start", t: t + 3, id: id(2), slot: "../../../../x", off: 0 }) +
        line({ e: "run", t: t + 3, id: id(6), op: "escaping", config: "{}", slot: "../../../../x", off: 0 }) +
        line({ e: "metric", t: t + 4, id: id(2), loss: 0.5 }) +
        line({ e: "end", t: t + 5, id: id(2), exit: 0, len: 999 }),
    );
    // a journal truncated to nothing, one cut inside its writer line, and a file that is no journal
    fs.writeFileSync(path.join(jd, `${w(3)}.jsonl`), "");
    fs.writeFileSync(path.join(jd, `${w(4)}.jsonl`), '{"e":"writer","id":"' + w(4));
    fs.writeFileSync(path.join(jd, "notes.txt"), line({ e: "run", t, id: id(5), op: "foreign", config: "{}" }));
    // a segment cut shorter than the output its runs' events name
    const seg = fs.readdirSync(jd).find((n) => n.endsWith(".out") && !n.startsWith(w(1)))!;
    fs.truncateSync(path.join(jd, seg), 4);

    for (const args of [["runs"], ["runs", "-g"], ["runs", "show", "1"], ["runs", "show", id(1)], ["runs", "show", id(2), "--json"], ["runs", "show", good[1].id]]) {
      const r = cohort(args, { cwd: dir });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      // Listings skip damaged lines quietly; showing one run says that some were skipped.
      if (args[1] === "show") expect(r.stderr, args.join(" ")).toMatch(/^cohort: warning: 8 damaged journal lines were skipped \(.*\)\n$/);
      else expect(r.stderr, args.join(" ")).toBe("");
    }
    const now = listed(dir);
    expect(now.map((r) => r.id).sort()).toEqual([...good.map((r) => r.id), id(1), id(2)].sort());
    expect(now.filter((r) => good.some((g) => g.id === r.id)).every((r) => r.status === "completed")).toBe(true);
    expect(now.find((r) => r.id === id(1))).toMatchObject({ status: "terminated" });
    expect(now.find((r) => r.id === id(2))).toMatchObject({ status: "completed", jobs: [] });
    const shown = JSON.parse(cohort(["runs", "show", id(1), "--json"], { cwd: dir }).stdout);
    expect(shown).toMatchObject({ status: "terminated", exit_code: null, output: ["torn output"] });
    // the start with a slot that is no number is skipped: the run has no output, rather than another file's
    expect(JSON.parse(cohort(["runs", "show", id(2), "--json"], { cwd: dir }).stdout)).toMatchObject({ config: null, output: [] });
    // a wrong-shaped change is passed over whole; the good ones apply
    expect(now.find((r) => r.id === good[1].id)!.tags).toEqual([]);
    // and changes still work
    expect(cohort(["runs", "tag", good[0].name, "--add", "ok"], { cwd: dir }).code).toBe(0);
    expect(listed(dir).find((r) => r.id === good[0].id)!.tags).toEqual(["ok"]);
  });
});
