#!/usr/bin/env node
// `npm start`: a small campaign end to end in a fresh temporary directory, through the CLI.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const cohort = fileURLToPath(new URL("../bin/cohort", import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cohort-example-"));

function run(...args) {
  console.log(`\n$ cohort ${args.map((a) => (/[\s{}$"'*]/.test(a) ? `'${a}'` : a)).join(" ")}`);
  const text = execFileSync(process.execPath, [cohort, ...args], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  process.stdout.write(text);
  return text.trim();
}

console.log(`Example campaign in ${dir}`);
// The workflow: two shell operations in cohort.toml, grouped as "pipeline", and a flag operation "fit"
// whose output gives a metric;
// a TypeScript operation in project.ts.
fs.writeFileSync(
  path.join(dir, "cohort.toml"),
  `[project]
name = "example"

[operations.prepare]
command = "echo preparing T={sp.T} N={sp.N} && echo {sp.N} > init.dat"
post = [{ isfile = "init.dat" }]
directives = { np = 1, walltime = "0:10:00" }

[operations.simulate]
command = "echo simulating {job.id} && echo done > traj.dat"
pre = [{ after = ["prepare"] }]
post = [{ isfile = "traj.dat" }]
directives = { np = 2, walltime = "1h" }

[groups.pipeline]
operations = ["prepare", "simulate"]
directives = { simulate = { np = 1, walltime = "0:30:00" } }

[operations.fit]
# a stand-in for training: the loss it prints at each step, which the pattern below records as a metric
# over steps, ends lowest at lr = 0.01
command = "echo fitting with lr={flags.lr} steps={flags.steps} && awk -v lr={flags.lr} -v n={flags.steps} 'BEGIN {{ for (s = 1; s <= n; s++) printf \\"step %d loss=%.4f\\\\n\\", s, (lr - 0.01) ^ 2 * 100 + 0.05 + 0.5 * (1 / s - 1 / n) }}'"
flags = { lr = 0.01, steps = 100 }
metrics = ["step (?<step>\\\\d+) loss=(?<loss>\\\\S+)"]
`,
);
fs.writeFileSync(
  path.join(dir, "project.ts"),
  `import { FlowProject, post, pre } from "cohort";
import type { Job } from "cohort";

const project = new FlowProject();
project.operation(
  pre.after("simulate"),
  post.true("analyzed"),
  function analyze(job: Job) {
    job.doc.update({ analyzed: true, energy: -Number(job.sp.T) * Number(job.sp.N) / 100 });
    console.log("analyzed", job.id.slice(0, 8));
  },
);
export default project;
`,
);
run("init", "T={1.0,1.5,2.0}", "N={64,128}", "model=lj");
run("schema");
run("run", "-o", "pipeline", "--pretend");
// The cluster script one (group, job) pair would get; --pretend needs no scheduler.
run("submit", "-o", "pipeline", "-n", "1", "--pretend", "--scheduler", "slurm");
run("run", "-o", "pipeline");
run("next", "analyze");
run("run", "-o", "analyze", "-f", "T.$gte", "1.5");
const ids = run("find", "doc.analyzed", "true").split("\n");
run("find", "doc.energy.$lt", "-2", "--sp", "T", "N", "--doc", "energy");
run("job", "show", ids[0].slice(0, 8));
run("check");
// A batch of the flag operation: one run per flag set, each in its own directory, recorded as one group.
run("run", "fit", "lr={1e-3,1e-2,1e-1}", "steps=10", "--print-runs");
run("run", "fit", "lr={1e-3,1e-2,1e-1}", "steps=10");
run("runs", "-g", "--best", "min:loss");
// Which learning rate did best: the batch's runs side by side, by their metric.
run("runs", "compare", "-g", "1", "--sort", "loss");
console.log(`\nDone. The project stays in ${dir}; remove it with: rm -r ${dir}`);
// The same campaign in a browser (docs/dashboard.md): the command prints the address to open.
console.log(`To look at it in a browser: cd ${dir} && ${cohort} ui`);
