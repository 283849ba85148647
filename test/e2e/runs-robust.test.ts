import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COHORT, cohort, lines, tempDir, type Result } from "../helpers.js";

function project(toml: string, ...grid: string[]): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "cohort.toml"), toml);
  const r = cohort(["init", ...grid], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

function background(args: string[], cwd: string) {
  const child = spawn(process.execPath, [COHORT, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise<Result>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

/** Waits until `check` gives a value; gives up (failing the test) after a generous bound. */
async function until<T>(what: string, check: () => T | undefined): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const runsDir = (dir: string) => path.join(dir, ".cohort", "runs");

interface Listed {
  id: string;
  name: string;
  status: string;
  tags: string[];
  jobs: string[];
}

const listed = (dir: string): Listed[] => {
  const r = cohort(["runs", "-a", "--json"], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe("run status when the runner is gone", () => {
  it("kill -9 of the runner leaves its run terminated; a lock of another host reads running", async () => {
    const dir = project(`[project]\nname = "k"\n\n[operations.long]\ncommand = "echo $$ > sleep.pid; exec sleep 300"\n`, "T=1");
    const job = lines(cohort(["find"], { cwd: dir }).stdout)[0];
    const pidFile = path.join(dir, "workspace", job, "sleep.pid");
    const runner = background(["exec", "long"], dir);
    let sleeper: number | undefined;
    try {
      const lock = await until("the run's lock", () => {
        const meta = fs.existsSync(runsDir(dir)) ? fs.readdirSync(runsDir(dir)).find((n) => n.endsWith(".meta")) : undefined;
        const file = meta && path.join(runsDir(dir), meta, "proc", "lock");
        return file && fs.existsSync(file) && fs.readFileSync(file, "utf8").trim() ? file : undefined;
      });
      sleeper = await until("the command's pid", () => {
        const text = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, "utf8").trim() : "";
        return text ? Number(text) : undefined;
      });
      expect(listed(dir).map((r) => r.status)).toEqual(["running"]);
      runner.child.kill("SIGKILL");
      const ended = await runner.done;
      expect(ended.code).toBeNull(); // killed, not exited
      // its lock is still there, naming a process that is gone
      expect(fs.readFileSync(lock, "utf8")).toBe(`${fs.readFileSync(lock, "utf8").split(" ")[0]} ${runner.child.pid}\n`);
      expect(listed(dir).map((r) => r.status)).toEqual(["terminated"]);
      expect(cohort(["runs", "show", "1"], { cwd: dir }).stdout).toMatch(/^status +terminated$/m);
      // the same lock written on another host: cohort cannot look at that process, so it is running
      fs.writeFileSync(lock, "otherhost 12345\n");
      expect(listed(dir).map((r) => r.status)).toEqual(["running"]);
      expect(JSON.parse(cohort(["runs", "-s", "running", "--json"], { cwd: dir }).stdout)).toHaveLength(1);
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
    expect(fs.readdirSync(path.join(runsDir(dir), finished.id + ".user"))).toHaveLength(tags.length);
    // nothing half-made is left
    expect(fs.readdirSync(runsDir(dir)).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("half-made or damaged records never break cohort runs: it lists the rest", () => {
    const dir = project(`[project]\nname = "h"\n\n[operations.op]\ncommand = "echo hi"\n`, "i={1,2}");
    expect(cohort(["exec", "op"], { cwd: dir }).code).toBe(0);
    const good = listed(dir);
    expect(good).toHaveLength(2);
    const rd = runsDir(dir);
    // a record still being assembled
    fs.mkdirSync(path.join(rd, `.01900000-0000-7000-8000-000000000001.meta.4242.tmp`, "proc"), { recursive: true });
    fs.writeFileSync(path.join(rd, `.01900000-0000-7000-8000-000000000001.meta.4242.tmp`, "id"), "01900000-0000-7000-8000-000000000001\n");
    // a record with empty files, and one with none
    const empty = "01900000-0000-7000-8000-000000000002";
    fs.mkdirSync(path.join(rd, empty + ".meta", "proc"), { recursive: true });
    fs.writeFileSync(path.join(rd, empty + ".meta", "id"), empty + "\n");
    for (const f of ["opref", "config.json", "jobs", "cmd.json", "initialized", "started", "proc/lock", "proc/exit"]) fs.writeFileSync(path.join(rd, empty + ".meta", f), "");
    fs.mkdirSync(path.join(rd, "01900000-0000-7000-8000-000000000003.meta"));
    // garbage in an attribute log, a trash log and a group
    const user = path.join(rd, good[0].id + ".user");
    fs.mkdirSync(user);
    fs.writeFileSync(path.join(user, "01900000-0000-7000-8000-00000000000a.json"), "{{{ not json");
    fs.writeFileSync(path.join(user, "garbage"), "x");
    fs.mkdirSync(path.join(rd, good[1].id + ".move"));
    fs.writeFileSync(path.join(rd, good[1].id + ".move", "01900000-0000-7000-8000-00000000000b.json"), "[]");
    fs.mkdirSync(path.join(rd, "01900000-0000-7000-8000-000000000004.group"));
    fs.writeFileSync(path.join(rd, "notes.txt"), "mine");

    for (const args of [["runs"], ["runs", "-g"], ["runs", "show", "1"], ["runs", "show", empty], ["runs", "show", empty, "--json"]]) {
      const r = cohort(args, { cwd: dir });
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
    }
    const now = listed(dir);
    expect(now.map((r) => r.id)).toEqual(expect.arrayContaining(good.map((r) => r.id)));
    expect(now.filter((r) => good.some((g) => g.id === r.id)).every((r) => r.status === "completed")).toBe(true);
    // the record with empty files is listed as far as it can be read; the one without files is not
    expect(now.map((r) => r.id).sort()).toEqual([...good.map((r) => r.id), empty].sort());
    expect(now.find((r) => r.id === empty)).toMatchObject({ status: "unknown" });
    // and changes still work on the damaged logs
    expect(cohort(["runs", "tag", good[0].name, "--add", "ok"], { cwd: dir }).code).toBe(0);
    expect(listed(dir).find((r) => r.id === good[0].id)!.tags).toEqual(["ok"]);
  });
});
