// The metrics scenarios of `npm run bench` (--only metrics): `cohort runs compare` over 10,000 runs that
// each recorded 3 metrics over 100 steps (3 million values), and what recording one metric costs a
// TypeScript function operation.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { metricLine } from "../dist/runs/metric-events.js";
import { newRunId } from "../dist/runs/run-id.js";

const RUNS = 10000;
const STEPS = 100;
/** Values a function logs in the recording scenario. */
const LOGGED = 300000;

/** A project whose journal holds `RUNS` finished flag runs of `train`, each with its metric events as cohort writes them. */
function comparedProject(dir) {
  fs.mkdirSync(path.join(dir, ".cohort", "journal"), { recursive: true });
  fs.writeFileSync(path.join(dir, "cohort.toml"), '[project]\nname = "metrics"\n\n[operations.train]\ncommand = "true"\nflags = { lr = 0.1, seed = 1 }\n');
  const writer = newRunId();
  const lines = [JSON.stringify({ e: "writer", v: 1, id: writer, t: 1, host: "bench", pid: 1, cohort: "0.1.0", user: "bench" }) + "\n", '{"e":"def","n":1,"command":"true"}\n'];
  let t = Date.now() * 1000 - RUNS * 1e6;
  for (let i = 0; i < RUNS; i++) {
    const id = newRunId();
    const lr = [0.1, 0.01, 0.001][i % 3];
    lines.push(JSON.stringify({ e: "run", t, id, op: "train", config: `{"lr": ${lr}, "seed": ${i}}`, c: 1, slot: 0, off: 0 }) + "\n");
    const rows = [];
    for (let s = 0; s < STEPS; s++) rows.push({ step: s, values: { loss: Math.exp(-s / (30 * lr * 10)) + ((i * 7 + s) % 13) / 1000, acc: 1 - Math.exp(-s / 30), lr: lr * (1 - s / STEPS) } });
    lines.push(metricLine(id, rows, t + 500));
    lines.push(JSON.stringify({ e: "end", t: t + 900000, id, exit: 0, len: 0 }) + "\n");
    t += 1e6;
  }
  fs.writeFileSync(path.join(dir, ".cohort", "journal", `${writer}.jsonl`), lines.join(""));
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
  comparedProject(dir);
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
