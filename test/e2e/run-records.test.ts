/**
 * Every kind of execution leaves a complete run record (SPEC §6): a job operation and an aggregate,
 * each as a shell command and as a TypeScript function, and a flag operation.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cohort, tempDir } from "../helpers.js";

const TOML = `[project]
name = "records"

[operations.cmd_job]
command = "echo job {sp.i}"

[operations.cmd_agg]
command = "echo pair"
aggregator = { groups_of = 2 }

[operations.train]
command = "echo lr={flags.lr}"
flags = { lr = 0.5 }
`;

const MODULE = `import { FlowProject, groupsOf } from "cohort";
const project = new FlowProject();
project.operation(function fn_job(job) { console.log("fn", job.sp.i); });
project.operation(groupsOf(2), function fn_agg(...jobs) { console.log("fn pair", jobs.length); });
export default project;
`;

const ALWAYS = ["id", "opref", "config.json", "directives.json", "cmd.json", "initialized", "staged", "started", "stopped", "proc/exit", "output"];

interface Record {
  files: Set<string>;
  read(name: string): string;
}

function records(dir: string): Map<string, Record> {
  const root = path.join(dir, ".cohort", "runs");
  const out = new Map<string, Record>();
  for (const d of fs.readdirSync(root).filter((n) => n.endsWith(".meta"))) {
    const meta = path.join(root, d);
    const files = new Set<string>([...fs.readdirSync(meta), ...fs.readdirSync(path.join(meta, "proc")).map((f) => `proc/${f}`)]);
    const read = (name: string) => fs.readFileSync(path.join(meta, name), "utf8");
    out.set(JSON.parse(read("opref")).operation, { files, read });
  }
  return out;
}

describe("run records of every kind of execution", () => {
  const dir = tempDir();
  expect(cohort(["init", "i={1,2}"], { cwd: dir }).code).toBe(0);
  fs.writeFileSync(path.join(dir, "cohort.toml"), TOML);
  fs.writeFileSync(path.join(dir, "project.mjs"), MODULE);
  const ran = cohort(["run", "-o", "cmd_job", "cmd_agg", "fn_job", "fn_agg", "train"], { cwd: dir });
  const byOp = records(dir);

  it("ran one of each", () => {
    expect(ran.code, ran.stderr).toBe(0);
    expect([...byOp.keys()].sort()).toEqual(["cmd_agg", "cmd_job", "fn_agg", "fn_job", "train"]);
  });

  it.each([
    ["cmd_job", "job", "shell"],
    ["cmd_agg", "aggregate", "shell"],
    ["fn_job", "job", "function"],
    ["fn_agg", "aggregate", "function"],
    ["train", "flags", "shell"],
  ] as const)("%s (%s, %s): every file, and what it holds", (op, kind, body) => {
    const r = byOp.get(op)!;
    for (const f of ALWAYS) expect(r.files, `${op}: ${f}`).toContain(f);
    expect(r.files.has("proc/lock"), "the lock is gone once the run ended").toBe(false);
    expect(r.read("proc/exit").trim()).toBe("0");
    expect(JSON.parse(r.read("opref"))).toEqual({ project: "records", operation: op });
    const times = ["initialized", "staged", "started", "stopped"].map((f) => Number(r.read(f)));
    expect(times.every((t, i) => Number.isSafeInteger(t) && (i === 0 || t > times[i - 1]))).toBe(true);
    const cmd = JSON.parse(r.read("cmd.json"));
    if (body === "shell") expect(typeof cmd.shell).toBe("string");
    else expect(cmd).toEqual({ function: op });
    expect(JSON.parse(r.read("directives.json")).np).toBe(1);
    const config = JSON.parse(r.read("config.json"));
    if (kind === "flags") {
      expect(r.files.has("jobs")).toBe(false);
      expect(config).toEqual({ lr: 0.5 });
      expect(r.read("output")).toBe("lr=0.5\n");
    } else if (kind === "aggregate") {
      expect(r.read("jobs").trim().split("\n")).toHaveLength(2);
      expect(config.jobs.map((sp: { i: number }) => sp.i).sort()).toEqual([1, 2]);
    } else {
      expect(r.read("jobs").trim()).toMatch(/^[0-9a-f]{32}$/);
      expect([1, 2]).toContain(config.i);
    }
    if (body === "function" && kind === "job") expect(r.read("output")).toBe(`fn ${config.i}\n`);
  });
});
