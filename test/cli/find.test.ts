import fs from "node:fs";
import { describe, expect, it, vi } from "vitest";
import find from "../../src/cli/commands/find.js";
import { initProject } from "../../src/dataspace/project.js";
import { tempDir } from "../helpers.js";

describe("cohort find", () => {
  it("reads each job document once when a doc. filter and --doc both need it", async () => {
    const dir = tempDir();
    const project = initProject(dir);
    await project.initJobs([1, 2, 3].map((i) => ({ i })));
    for (const job of project.jobs()) job.doc.set("e", Number(job.sp.i));
    const cwd = vi.spyOn(process, "cwd").mockReturnValue(dir);
    const written: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((s) => (written.push(String(s)), true));
    const opened = vi.spyOn(fs, "openSync");
    try {
      await find(["doc.e.$gt", "1"], { doc: ["e"] });
      const documents = opened.mock.calls.map((c) => String(c[0])).filter((f) => f.endsWith("signac_job_document.json"));
      expect(documents.length).toBe(3);
      expect(new Set(documents).size).toBe(3);
    } finally {
      opened.mockRestore();
      write.mockRestore();
      cwd.mockRestore();
    }
    expect(written.join("").trim().split("\n").slice(1).map((l) => l.split(/\s+/)[1])).toEqual(expect.arrayContaining(["2", "3"]));
  });
});
