import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cohort, cohortInBackground, readJournals, readRuns, tempDir, waitFor } from "../helpers.js";

// Each operation marks its start in $MARKS (outside the project) and waits there for `go`.
const WAIT = `touch \\"$MARKS/$COHORT_RUN_ID\\"; while [ ! -e \\"$MARKS/go\\" ]; do sleep 0.05; done; echo done > out.txt`;

const FUNCTION_TS = `
import { FlowProject } from "cohort";
import fs from "node:fs";
const project = new FlowProject();
project.operation("work", {}, async () => {
  const marks = process.env.MARKS!;
  fs.writeFileSync(marks + "/" + process.env.COHORT_RUN_ID, "");
  while (!fs.existsSync(marks + "/go")) await new Promise((r) => setTimeout(r, 50));
  console.log("done");
});
export default project;
`;

describe("moving a project while cohort runs in it", () => {
  for (const kind of ["shell", "function"] as const) {
    for (const parallel of [[], ["--parallel", "2"]]) {
      it(`ends the runs going on, starts nothing more, and says so in one line: a ${kind} operation ${parallel.join(" ") || "(serial)"}`, async () => {
        const base = tempDir();
        const dir = path.join(base, "project");
        const marks = path.join(base, "marks");
        fs.mkdirSync(dir);
        fs.mkdirSync(marks);
        if (kind === "shell") fs.writeFileSync(path.join(dir, "cohort.toml"), `[operations.work]\ncommand = "${WAIT}"\n`);
        else fs.writeFileSync(path.join(dir, "project.ts"), FUNCTION_TS);
        expect(cohort(["init", "i={1..4}"], { cwd: dir }).code).toBe(0);
        const going = parallel.length > 0 ? 2 : 1;

        const run = cohortInBackground(["run", ...parallel], { cwd: dir, env: { MARKS: marks } });
        await waitFor("the runs to start", () => fs.readdirSync(marks).length === going);
        const moved = path.join(base, "moved");
        fs.renameSync(dir, moved);
        fs.writeFileSync(path.join(marks, "go"), "");
        const r = await run.done;

        expect(r.code, r.stderr).toBe(2);
        const errors = r.stderr.split("\n").filter((l) => l.startsWith("cohort: error:"));
        expect(errors).toEqual([
          `cohort: error: the project ${dir} was moved or removed while cohort ran: nothing more was started, and the runs that ` +
            "had started are recorded in it (run cohort again where the project is now)",
        ]);
        expect(r.stderr).not.toContain("ENOENT");
        expect(fs.existsSync(dir)).toBe(false); // not made again
        // The runs going on ended in the moved project's journal (through its open file); none more was made.
        readJournals(moved); // whole lines
        const runs = readRuns(moved);
        expect(runs.map((m) => m.exit)).toEqual(Array(going).fill(0));
        const listed = JSON.parse(cohort(["runs", "--json"], { cwd: moved }).stdout) as { status: string }[];
        expect(listed.map((x) => x.status)).toEqual(Array(going).fill("completed"));
      });
    }
  }
});
