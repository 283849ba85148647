#!/usr/bin/env node
// `npm run bench [-- --jobs N] [--only dataspace|workflow] [--full]`: builds the scale scenarios and
// prints a table of seconds and peak memory. Executing the workflow runs at 10,000 jobs (and also at
// N with --full, which takes minutes).
// "cold" means cohort's cache (.cohort/cache) is absent; the operating system's file cache is warm in
// every row, the floor row included, so that rows compare the programs and not the disk.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const jobs = args.includes("--jobs") ? Number(args[args.indexOf("--jobs") + 1]) : 100000;
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const full = args.includes("--full");
const cohort = fileURLToPath(new URL("../bin/cohort", import.meta.url));
const base = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), "cohort-bench-"));
const hasTime = fs.existsSync("/usr/bin/time");
const rows = [];

/** Runs a command, returns [seconds, peak MB]. */
function measure(cmd, argv, cwd) {
  const timeFile = path.join(base, "time.txt");
  const t0 = performance.now();
  const r = hasTime
    ? spawnSync("/usr/bin/time", ["-f", "%M", "-o", timeFile, cmd, ...argv], { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 })
    : spawnSync(cmd, argv, { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")} failed: ${r.stderr}`);
  const mb = hasTime ? Number(fs.readFileSync(timeFile, "utf8").trim().split("\n").pop()) / 1024 : NaN;
  return { seconds, mb, stdout: r.stdout.toString() };
}

function row(name, m, target, reference) {
  rows.push({ name, seconds: m.seconds, mb: m.mb, target, reference });
  process.stderr.write(`${name}: ${m.seconds.toFixed(2)} s\n`);
}

const median = (runs) => runs.sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];
const scale = jobs / 100000;

async function dataspace() {
  const project = path.join(base, "project");
  fs.mkdirSync(project);
  execFileSync(process.execPath, [cohort, "init"], { cwd: project, stdio: "ignore" });
  row(`init i={0..${jobs - 1}}`, measure(process.execPath, [cohort, "init", `i={0..${jobs - 1}}`], project), 8 * scale, 25.9 * scale);

  // The file system's own cost of making the jobs, measured now: mkdir + exclusive create per job.
  const rawDir = path.join(base, "raw");
  fs.mkdirSync(rawDir);
  const rawScript = `const fs=require("fs");for(let i=0;i<${jobs};i++){const d=${JSON.stringify(rawDir)}+"/"+i.toString(16).padStart(32,"0");fs.mkdirSync(d);fs.writeFileSync(d+"/signac_statepoint.json",'{"i": '+i+'}',{flag:"wx"});}`;
  row("floor: mkdir + create every job's file", measure(process.execPath, ["-e", rawScript], base));

  const floor = measure("bash", ["-c", "find workspace -name signac_statepoint.json -print0 | xargs -0 cat > /dev/null"], project);
  row("floor: cat every state-point file", floor);

  const findArgs = [cohort, "find", "i.$lt", "100"];
  const cold = [];
  for (let i = 0; i < 3; i++) {
    fs.rmSync(path.join(project, ".cohort", "cache"), { recursive: true, force: true });
    cold.push(measure(process.execPath, findArgs, project));
  }
  const coldRun = median(cold);
  const found = coldRun.stdout.trim().split("\n").length;
  if (found !== Math.min(100, jobs)) throw new Error(`find returned ${found} ids, expected ${Math.min(100, jobs)}`);
  row("find i.$lt 100 (cold: no cache)", coldRun, 1.5);
  // A command more than two seconds after the last change confirms the cache; later ones trust it.
  await new Promise((r) => setTimeout(r, 2100));
  measure(process.execPath, findArgs, project);
  row("find i.$lt 100 (warm: nothing changed)", median([0, 1, 2].map(() => measure(process.execPath, findArgs, project))), 0.3);
}

const TOML = `[project]
name = "bench"

[operations.prepare]
command = "echo '{\\"prepared\\": true}' > signac_job_document.json"
post = [{ true = "prepared" }]

[operations.simulate]
command = "echo x > out.dat"
pre = [{ after = ["prepare"] }]
post = [{ isfile = "out.dat" }]

[operations.analyze]
command = "echo '{\\"prepared\\": true, \\"analyzed\\": true}' > signac_job_document.json"
pre = [{ after = ["simulate"] }]
post = [{ true = "analyzed" }]

[groups.prep_and_sim]
operations = ["prepare", "simulate"]
`;

const MODULE = `import { FlowProject, post, pre } from "cohort";
const project = new FlowProject({ name: "bench" });
const group = project.makeGroup({ name: "prep_and_sim" });
project.operation(group, post.true("prepared"), function prepare(job) { job.doc.set("prepared", true); });
project.operation(group, pre.after("prepare"), post.isFile("out.dat"), async function simulate(job) { await job.writeFile("out.dat", "x"); });
project.operation(pre.after("simulate"), post.true("analyzed"), function analyze(job) { job.doc.set("analyzed", true); });
export default project;
`;

/** A project of n jobs with a workflow; half the jobs prepared, a quarter simulated. */
function workflowProject(name, n, files) {
  const dir = path.join(base, name);
  fs.mkdirSync(dir);
  execFileSync(process.execPath, [cohort, "init", `i={0..${n - 1}}`], { cwd: dir, stdio: "ignore" });
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

function markProgress(dir) {
  const ws = path.join(dir, "workspace");
  fs.readdirSync(ws).forEach((id, k) => {
    if (k % 2 === 0) fs.writeFileSync(path.join(ws, id, "signac_job_document.json"), '{"prepared": true}');
    if (k % 4 === 0) fs.writeFileSync(path.join(ws, id, "out.dat"), "x");
  });
}

/** A script that writes `count` run records as SPEC §6 lays them out, by plain synchronous writes. */
function recordFloorScript(dir, count) {
  return `const fs=require("fs");const d=${JSON.stringify(dir)};fs.mkdirSync(d);
for(let i=0;i<${count};i++){const t=d+"/."+i+".tmp",m=d+"/"+i+".meta",w=(f,x)=>fs.writeFileSync(f,x);
fs.mkdirSync(t);fs.mkdirSync(t+"/proc");
for(const f of ["id","opref","config.json","jobs","directives.json","cmd.json","output","initialized"])w(t+"/"+f,f+"\\n");
fs.renameSync(t,m);for(const f of ["staged","proc/lock","started","stopped","proc/exit"])w(m+"/"+f,"1\\n");
fs.unlinkSync(m+"/proc/lock");}`;
}

async function workflow() {
  const parallel = execFileSync(process.execPath, [cohort, "run", "--help"], { encoding: "utf8" }).includes("--parallel");
  const hasStatus = /^ {2}status\b/m.test(execFileSync(process.execPath, [cohort, "--help"], { encoding: "utf8" }));
  for (const n of [...new Set([10000, jobs])].sort((a, b) => a - b)) {
    const k = n >= 1000 ? `${n / 1000}k` : String(n);
    const reference = n === 10000 ? { status: 2.4, pretend: undefined, exec: 8.9 } : n === 100000 ? { status: 34.8, pretend: 53, exec: 193 } : {};
    const dir = workflowProject(`toml-${n}`, n, { "cohort.toml": TOML });
    markProgress(dir);
    if (hasStatus) {
      fs.rmSync(path.join(dir, ".cohort", "cache"), { recursive: true, force: true });
      row(`${k}: status (cold)`, measure(process.execPath, [cohort, "status"], dir), n === 100000 ? 3 : undefined, reference.status);
      await new Promise((r) => setTimeout(r, 2100));
      measure(process.execPath, [cohort, "status"], dir);
      row(`${k}: status (warm)`, median([0, 1, 2].map(() => measure(process.execPath, [cohort, "status"], dir))), n === 100000 ? 1 : undefined, reference.status);
    }
    row(`${k}: run -o prep_and_sim --pretend`, measure(process.execPath, [cohort, "run", "-o", "prep_and_sim", "--pretend"], dir), n === 100000 ? 3 : undefined, reference.pretend);
    if (n !== 10000 && !full) continue;
    // What the run records alone cost on this disk: SPEC §6's files for 2 runs per job, nothing executed.
    row(`${k}: floor: write ${2 * n} run records (SPEC §6 files, no operation)`, measure(process.execPath, ["-e", recordFloorScript(path.join(base, `records-${n}`), 2 * n)], base));
    // Execution starts from nothing done, as signac-flow's reference does: 2 operations per job.
    const sh = workflowProject(`sh-${n}`, n, { "cohort.toml": TOML });
    row(`${k}: run -o prep_and_sim (shell commands${parallel ? ", --parallel" : ""})`, measure(process.execPath, [cohort, "run", "-o", "prep_and_sim", ...(parallel ? ["--parallel", "--quiet"] : [])], sh), undefined, reference.exec);
    const ts = workflowProject(`ts-${n}`, n, { "project.ts": MODULE });
    row(`${k}: run -o prep_and_sim (TypeScript functions, serial)`, measure(process.execPath, [cohort, "run", "-o", "prep_and_sim"], ts), undefined, reference.exec);
    if (parallel) {
      const tsp = workflowProject(`tsp-${n}`, n, { "project.ts": MODULE });
      row(`${k}: run -o prep_and_sim (TypeScript functions, --parallel)`, measure(process.execPath, [cohort, "run", "-o", "prep_and_sim", "--parallel", "--quiet"], tsp), undefined, reference.exec);
    }
  }
}

if (!only || only === "dataspace") await dataspace();
if (!only || only === "workflow") await workflow();

fs.rmSync(base, { recursive: true, force: true });

const fmt = (x, d = 2) => (x === undefined || Number.isNaN(x) ? "" : x.toFixed(d));
const table = [["scenario", "seconds", "peak MB", "target s", "signac s", "vs signac"]];
for (const r of rows) {
  table.push([r.name, fmt(r.seconds), fmt(r.mb, 0), fmt(r.target, 1), fmt(r.reference, 1), r.reference ? (r.reference >= r.seconds ? `${(r.reference / r.seconds).toFixed(1)}x faster` : `${(r.seconds / r.reference).toFixed(1)}x slower`) : ""]);
}
const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
console.log(`\ncohort bench: ${jobs} jobs, ${os.cpus().length} cores, node ${process.version}`);
for (const r of table) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
