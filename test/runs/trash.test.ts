import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { changeFiles, writeChange } from "../../src/runs/attributes.js";
import { runsDir } from "../../src/runs/record.js";
import { deleteRun, moveDir, purgeRun, restoreRun, runWorkDir, trashState, userDir } from "../../src/runs/trash.js";
import { tempDir } from "../helpers.js";
import { makeRun } from "./make-runs.js";

describe("trash markers", () => {
  it("delete, restore, delete again: the last marker decides; the record is never touched", () => {
    const root = tempDir();
    const run = makeRun(root, "op");
    const before = fs.readdirSync(run.dir).sort();
    expect(trashState(root, run.id)).toBe("present");
    deleteRun(root, run.id);
    expect(trashState(root, run.id)).toBe("deleted");
    restoreRun(root, run.id);
    expect(trashState(root, run.id)).toBe("present");
    deleteRun(root, run.id);
    expect(trashState(root, run.id)).toBe("deleted");
    expect(fs.readdirSync(run.dir).sort()).toEqual(before);
    const markers = changeFiles(moveDir(root, run.id));
    expect(markers).toHaveLength(3);
    const last = JSON.parse(fs.readFileSync(path.join(moveDir(root, run.id), markers[2]), "utf8"));
    expect(last).toMatchObject({ action: "trash" });
    expect(typeof last.author).toBe("string");
    expect(Number.isSafeInteger(last.time)).toBe(true);
  });

  it("markers that do not parse are passed over", () => {
    const root = tempDir();
    const run = makeRun(root, "op");
    deleteRun(root, run.id);
    const dir = moveDir(root, run.id);
    fs.writeFileSync(path.join(dir, "ffffffff-ffff-7fff-bfff-fffffffffff0.json"), "garbage");
    fs.writeFileSync(path.join(dir, "ffffffff-ffff-7fff-bfff-fffffffffff1.json"), '{"action": "explode"}');
    fs.mkdirSync(path.join(dir, "ffffffff-ffff-7fff-bfff-fffffffffff2.json"));
    expect(trashState(root, run.id)).toBe("deleted");
  });

  it("purge removes the record, the attribute log and the run directory, and keeps its marker", () => {
    const root = tempDir();
    const run = makeRun(root, "op");
    const keep = makeRun(root, "op");
    writeChange(userDir(root, run.id), { set: { label: "x" } });
    fs.mkdirSync(runWorkDir(root, run.id));
    fs.writeFileSync(path.join(runWorkDir(root, run.id), "model.bin"), "data");
    purgeRun(root, run.id);
    expect(trashState(root, run.id)).toBe("purged");
    expect(fs.readdirSync(runsDir(root)).sort()).toEqual([keep.id + ".meta", run.id + ".move"].sort());
  });

  it("purge gets past the leftover of an interrupted purge", () => {
    const root = tempDir();
    const run = makeRun(root, "op");
    const leftover = path.join(runsDir(root), `.${run.id}.purge.${process.pid}.tmp`);
    fs.mkdirSync(leftover);
    fs.writeFileSync(path.join(leftover, "x"), "");
    purgeRun(root, run.id);
    expect(fs.existsSync(run.dir)).toBe(false);
    expect(fs.existsSync(leftover)).toBe(false);
  });

  it("the paths of a run's directories", () => {
    const root = tempDir();
    const id = "01900000-0000-7000-8000-000000000000";
    expect(moveDir(root, id)).toBe(path.join(runsDir(root), id + ".move"));
    expect(userDir(root, id)).toBe(path.join(runsDir(root), id + ".user"));
    expect(runWorkDir(root, id)).toBe(path.join(runsDir(root), id));
    expect(() => userDir(root, "../../x")).toThrow(/not a run id/);
  });
});
