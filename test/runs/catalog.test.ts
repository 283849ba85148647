import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeChange } from "../../src/runs/attributes.js";
import { readCatalog, type GroupSummary } from "../../src/runs/catalog.js";
import { RunGroup } from "../../src/runs/groups.js";
import { runsDir } from "../../src/runs/record.js";
import { newRunId, runName } from "../../src/runs/run-id.js";
import { deleteRun, purgeRun, userDir } from "../../src/runs/trash.js";
import { tempDir } from "../helpers.js";
import { makeRun } from "./make-runs.js";

describe("the catalog of runs and groups", () => {
  it("is empty for a project without runs", () => {
    expect(readCatalog(tempDir())).toEqual({ runs: [], groups: [], purged: new Set() });
  });

  it("summarizes each run: operation, FlowGroup, jobs, start, status, label, tags, trash state", () => {
    const root = tempDir();
    const a = makeRun(root, "prepare", "completed", { jobs: ["aa".repeat(16)] });
    const b = makeRun(root, "simulate", "error");
    const c = makeRun(root, "train", "pending");
    writeChange(userDir(root, a.id), { set: { label: "best", "tag:x": "", "tag:lr=0.1": "" } });
    deleteRun(root, b.id);
    const { runs } = readCatalog(root);
    expect(runs.map((r) => r.id)).toEqual([a.id, b.id, c.id]);
    expect(runs[0]).toMatchObject({ name: a.name, operation: "prepare", jobs: ["aa".repeat(16)], status: "completed", label: "best", tags: ["lr=0.1", "x"], trash: "present" });
    expect(runs[0].started).toBe(a.started);
    expect(runs[1]).toMatchObject({ operation: "simulate", status: "error", label: "", tags: [], trash: "deleted", jobs: [] });
    expect(runs[2]).toMatchObject({ status: "pending", started: undefined });
  });

  it("a purged run has no summary, only its id in `purged`", () => {
    const root = tempDir();
    const a = makeRun(root, "op");
    const b = makeRun(root, "op");
    purgeRun(root, a.id);
    const cat = readCatalog(root);
    expect(cat.runs.map((r) => r.id)).toEqual([b.id]);
    expect(cat.purged).toEqual(new Set([a.id]));
  });

  it("a run's status follows its lock: a dead process of this host is terminated, another host's lock is running", () => {
    const root = tempDir();
    const dead = makeRun(root, "op", "running");
    const remote = makeRun(root, "op", "running");
    fs.writeFileSync(path.join(remote.dir, "proc", "lock"), "otherhost 12345\n");
    const cat = readCatalog(root, { isAlive: () => false });
    expect(cat.runs.find((r) => r.id === dead.id)!.status).toBe("terminated");
    expect(cat.runs.find((r) => r.id === remote.id)!.status).toBe("running");
  });

  it("deleted and purged members are not counted in a group's status, operation or start", () => {
    const root = tempDir();
    const early = makeRun(root, "prepare", "error"); // first to start, then deleted
    const purged = makeRun(root, "cleanup", "terminated"); // purged
    const a = makeRun(root, "simulate", "completed");
    const b = makeRun(root, "simulate", "completed");
    const g = RunGroup.create(root, { kind: "pipeline", members: [early.id, purged.id, a.id, b.id], label: "L", details: { flowgroup: "ex" } });
    writeChange(g.dir, { set: { "tag:t": "" } });
    const before = readCatalog(root).groups[0];
    expect(before).toMatchObject({ operation: "prepare...cleanup", status: "error", started: early.started });
    deleteRun(root, early.id);
    purgeRun(root, purged.id);
    const after = readCatalog(root).groups[0];
    expect(after).toMatchObject({ id: g.id, name: g.name, kind: "pipeline", operation: "simulate", status: "completed", label: "L", tags: ["t"] });
    expect(after.started).toBe(a.started);
    // the member list still names them
    expect(after.members).toEqual([early.id, purged.id, a.id, b.id].sort());
    expect(after.attributes.get("flowgroup")).toBe("ex");
  });

  it("a group whose members are all gone or unknown has status unknown and no operation", () => {
    const root = tempDir();
    const gone = makeRun(root, "op");
    deleteRun(root, gone.id);
    RunGroup.create(root, { kind: "manual", members: [gone.id, newRunId()] });
    expect(readCatalog(root).groups[0]).toMatchObject({ status: "unknown", operation: "", started: undefined });
  });

  it("a submission group counts its cluster job as one more member", () => {
    const root = tempDir();
    const done = makeRun(root, "simulate", "completed");
    const g = RunGroup.create(root, { kind: "submission", members: [done.id], details: { scheduler: "slurm", scheduler_job_id: "42" } });
    const status = (state: Parameters<typeof statusWith>[2]) => statusWith(root, g.id, state);
    expect(status(undefined)).toBe("completed");
    expect(status("running")).toBe("running");
    expect(status("queued")).toBe("queued");
    expect(status("COMPLETED")).toBe("completed");
    expect(status("TIMEOUT")).toBe("terminated");
    expect(status("OUT_OF_MEMORY")).toBe("error");
  });

  it("damaged or half-made entries never break it: the rest is listed", () => {
    const root = tempDir();
    const good = makeRun(root, "op");
    const dir = runsDir(root);
    // a record being assembled (hidden temporary directory)
    fs.mkdirSync(path.join(dir, `.${newRunId()}.meta.123.tmp`, "proc"), { recursive: true });
    // a .meta without an id file
    fs.mkdirSync(path.join(dir, newRunId() + ".meta"));
    // a .meta whose files are empty
    const empty = newRunId();
    fs.mkdirSync(path.join(dir, empty + ".meta", "proc"), { recursive: true });
    fs.writeFileSync(path.join(dir, empty + ".meta", "id"), empty + "\n");
    for (const f of ["opref", "config.json", "started", "initialized", "proc/lock", "proc/exit"]) fs.writeFileSync(path.join(dir, empty + ".meta", f), "");
    // garbage in an attribute log and in a trash log
    writeChange(userDir(root, good.id), { set: { label: "ok" } });
    fs.writeFileSync(path.join(userDir(root, good.id), "00000000-0000-7000-8000-000000000000.json"), "\u0000garbage");
    fs.mkdirSync(path.join(dir, good.id + ".move"));
    fs.writeFileSync(path.join(dir, good.id + ".move", "00000000-0000-7000-8000-000000000000.json"), "{");
    // a .group without an id file, and a stray file
    fs.mkdirSync(path.join(dir, newRunId() + ".group"));
    fs.writeFileSync(path.join(dir, "README"), "hello");
    const cat = readCatalog(root);
    expect(cat.runs.map((r) => r.id).sort()).toEqual([good.id, empty].sort());
    expect(cat.runs.find((r) => r.id === good.id)).toMatchObject({ label: "ok", trash: "present", status: "completed" });
    expect(cat.runs.find((r) => r.id === empty)).toMatchObject({ name: runName(empty), operation: "?", status: "unknown" });
    expect(cat.groups).toEqual([]);
  });
});

function statusWith(root: string, id: string, state: "queued" | "running" | "COMPLETED" | "TIMEOUT" | "OUT_OF_MEMORY" | undefined): string {
  const cat = readCatalog(root, { clusterJob: (g) => ((g as GroupSummary).id === id ? state : undefined) });
  return cat.groups[0].status;
}
