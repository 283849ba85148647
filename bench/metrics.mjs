// The metrics scenarios of `npm run bench` (--only metrics): `cohort runs compare` over 10,000 runs that
// each recorded 3 metrics over 100 steps (3 million values), and what recording one metric costs a
// TypeScript function operation.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const RUNS = 10000;
const STEPS = 100;
/** Values a function logs in the recording scenario. */
const LOGGED = 300000;

/** A batch of `RUNS` flag runs of a function operation, each logging 3 metrics over `STEPS` steps: made by cohort itself. */
function comparedProject(dir, cohort) {
  fs.mkdirSync(dir);
  execFileSync(cohort, ["init"], { cwd: dir, stdio: "ignore" });
  fs.writeFileSync(
    path.join(dir, "project.ts"),
    `import { FlowProject } from "cohort";
const project = new FlowProject();
project.operation({ flags: { lr: 0.01, seed: 0 } }, function train(flags) {
  for (let step = 0; step < ${STEPS}; step++) {
    this.log({ loss: Math.exp(-step * flags.lr) + (flags.seed % 13) / 1000, acc: 1 - Math.exp(-step / 30), lr: flags.lr * (1 - step / ${STEPS}) }, { step });
  }
});
export default project;
`,
  );
  execFileSync(cohort, ["run", "train", `seed={0..${RUNS - 1}}`, "--quiet"], { cwd: dir, stdio: "ignore" });
}

/** A project of one job whose function operation logs `count` values (none: the same loop without logging). */
function loggingProject(dir, cohort, count) {
  fs.mkdirSync(dir);
  execFileSync(cohort, ["init", "i=1"], { cwd: dir, stdio: "ignore" });
  const body = count > 0 ? "this.log({ loss: 1 / (s + 1) }, { step: s });" : "sink += 1 / (s + 1);";
  fs.writeFileSync(
    path.join(dir, "project.ts"),
    `import { FlowProject } from "cohort";\nconst project = new FlowProject();\nlet sink = 0;\nproject.operation(function learn(job) { for (let s = 0; s < ${LOGGED}; s++) { ${body} } });\nexport default project;\n`,
  );
}

export async function metrics({ cohort, base, measure, median, row, counts, settle }) {
  const dir = path.join(base, "compare");
  comparedProject(dir, cohort);
  settle();
  row(`runs compare, ${RUNS} runs x 3 metrics x ${STEPS} steps (cold: no cache)`, measure(cohort, ["runs", "compare"], dir), 3);
  row(`runs compare, ${RUNS} runs x 3 metrics x ${STEPS} steps (nothing changed)`, median([0, 1, 2].map(() => measure(cohort, ["runs", "compare"], dir))), 1);

  const logged = path.join(base, "logged");
  const plain = path.join(base, "plain");
  loggingProject(logged, cohort, LOGGED);
  loggingProject(plain, cohort, 0);
  settle();
  const times = (d) => median([0, 1, 2].map(() => (fs.rmSync(path.join(d, ".cohort", "journal"), { recursive: true, force: true }), measure(cohort, ["run", "-o", "learn", "--quiet"], d))));
  const withLog = times(logged);
  const without = times(plain);
  row(`a function logging ${LOGGED} metric values`, withLog);
  row("the same function, not logging", without);
  counts.push({ name: "microseconds to record one metric in a function operation", value: ((withLog.seconds - without.seconds) / LOGGED) * 1e6, aim: 5 });
}
