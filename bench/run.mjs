#!/usr/bin/env node
// `npm run bench [-- --jobs N] [--only dataspace|workflow|submit|runs] [--full]`: builds the scale
// scenarios and prints a table of seconds and peak memory. Executing the workflow runs at 10,000 jobs (and also at
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
// Each command runs as users run it: bin/cohort itself, which decides how node starts (see the note at the end).
const cohort = fileURLToPath(new URL("../bin/cohort", import.meta.url));
const base = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), "cohort-bench-"));
const hasTime = fs.existsSync("/usr/bin/time");
const rows = [];

/** Runs a command, returns [seconds, peak MB]. */
function measure(cmd, argv, cwd, env = process.env) {
  const timeFile = path.join(base, "time.txt");
  const t0 = performance.now();
  const r = hasTime
    ? spawnSync("/usr/bin/time", ["-f", "%M", "-o", timeFile, cmd, ...argv], { cwd, env, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 })
    : spawnSync(cmd, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
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
  execFileSync(cohort, ["init"], { cwd: project, stdio: "ignore" });
  row(`init i={0..${jobs - 1}}`, measure(cohort, ["init", `i={0..${jobs - 1}}`], project), 8 * scale, 25.9 * scale);

  // The file system's own cost of making the jobs, measured now: mkdir + exclusive create per job.
  const rawDir = path.join(base, "raw");
  fs.mkdirSync(rawDir);
  const rawScript = `const fs=require("fs");for(let i=0;i<${jobs};i++){const d=${JSON.stringify(rawDir)}+"/"+i.toString(16).padStart(32,"0");fs.mkdirSync(d);fs.writeFileSync(d+"/signac_statepoint.json",'{"i": '+i+'}',{flag:"wx"});}`;
  row("floor: mkdir + create every job's file", measure(process.execPath, ["-e", rawScript], base));

  const floor = measure("bash", ["-c", "find workspace -name signac_statepoint.json -print0 | xargs -0 cat > /dev/null"], project);
  row("floor: cat every state-point file", floor);

  const findArgs = ["find", "i.$lt", "100"];
  const cold = [];
  for (let i = 0; i < 3; i++) {
    fs.rmSync(path.join(project, ".cohort", "cache"), { recursive: true, force: true });
    cold.push(measure(cohort, findArgs, project));
  }
  const coldRun = median(cold);
  const found = coldRun.stdout.trim().split("\n").length;
  if (found !== Math.min(100, jobs)) throw new Error(`find returned ${found} ids, expected ${Math.min(100, jobs)}`);
  row("find i.$lt 100 (cold: no cache)", coldRun, 1.5);
  // A command more than two seconds after the last change confirms the cache; later ones trust it.
  await new Promise((r) => setTimeout(r, 2100));
  measure(cohort, findArgs, project);
  row("find i.$lt 100 (warm: nothing changed)", median([0, 1, 2].map(() => measure(cohort, findArgs, project))), 0.3);
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
  execFileSync(cohort, ["init", `i={0..${n - 1}}`], { cwd: dir, stdio: "ignore" });
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  settle();
  return dir;
}

/**
 * Waits until what a scenario's set-up wrote is on the disk: the kernel writes a new 100,000-job
 * project back for minutes otherwise, and that slows whatever is timed meanwhile.
 */
function settle() {
  spawnSync("sync", { stdio: "ignore" });
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
  const parallel = execFileSync(cohort, ["run", "--help"], { encoding: "utf8" }).includes("--parallel");
  const hasStatus = /^ {2}status\b/m.test(execFileSync(cohort, ["--help"], { encoding: "utf8" }));
  for (const n of [...new Set([10000, jobs])].sort((a, b) => a - b)) {
    const k = n >= 1000 ? `${n / 1000}k` : String(n);
    const reference = n === 10000 ? { status: 2.4, pretend: undefined, exec: 8.9 } : n === 100000 ? { status: 34.8, pretend: 53, exec: 193 } : {};
    const dir = workflowProject(`toml-${n}`, n, { "cohort.toml": TOML });
    markProgress(dir);
    settle();
    if (hasStatus) {
      fs.rmSync(path.join(dir, ".cohort", "cache"), { recursive: true, force: true });
      row(`${k}: status (cold)`, measure(cohort, ["status"], dir), n === 100000 ? 3 : undefined, reference.status);
      await new Promise((r) => setTimeout(r, 2100));
      measure(cohort, ["status"], dir);
      row(`${k}: status (warm)`, median([0, 1, 2].map(() => measure(cohort, ["status"], dir))), n === 100000 ? 1 : undefined, reference.status);
    }
    row(`${k}: run -o prep_and_sim --pretend`, measure(cohort, ["run", "-o", "prep_and_sim", "--pretend"], dir), n === 100000 ? 3 : undefined, reference.pretend);
    if (n !== 10000 && !full) continue;
    // What the run records alone cost on this disk: SPEC §6's files for 2 runs per job, nothing executed.
    row(`${k}: floor: write ${2 * n} run records (SPEC §6 files, no operation)`, measure(process.execPath, ["-e", recordFloorScript(path.join(base, `records-${n}`), 2 * n)], base));
    // Execution starts from nothing done, as signac-flow's reference does: 2 operations per job.
    const sh = workflowProject(`sh-${n}`, n, { "cohort.toml": TOML });
    row(`${k}: run -o prep_and_sim (shell commands${parallel ? ", --parallel" : ""})`, measure(cohort, ["run", "-o", "prep_and_sim", ...(parallel ? ["--parallel", "--quiet"] : [])], sh), undefined, reference.exec);
    const ts = workflowProject(`ts-${n}`, n, { "project.ts": MODULE });
    row(`${k}: run -o prep_and_sim (TypeScript functions, serial)`, measure(cohort, ["run", "-o", "prep_and_sim"], ts), undefined, reference.exec);
    if (parallel) {
      const tsp = workflowProject(`tsp-${n}`, n, { "project.ts": MODULE });
      row(`${k}: run -o prep_and_sim (TypeScript functions, --parallel)`, measure(cohort, ["run", "-o", "prep_and_sim", "--parallel", "--quiet"], tsp), undefined, reference.exec);
    }
  }
}

/**
 * Run tracking (issue 5): `cohort runs` and `cohort runs -g` over 100,000 runs in 1,000 groups (scaled
 * with --jobs), cold and when nothing changed; a 1,000-member batch of a trivial command with --parallel
 * against the same number of bare `sh -c true` on as many processes.
 */
async function runTracking() {
  const { makeRunsProject } = await import("./runs-catalog.mjs");
  const n = jobs;
  const k = n >= 1000 ? `${n / 1000}k` : String(n);
  const dir = path.join(base, "runs");
  fs.mkdirSync(dir);
  execFileSync(cohort, ["init"], { cwd: dir, stdio: "ignore" });
  makeRunsProject(dir, { runs: n, groups: Math.max(1, Math.round(n / 100)) });
  settle();
  // Floors: list .cohort/runs and read, split over the machine's cores and nothing else, the three
  // files that give every run's operation, start and status (SPEC §6); or only the start, which is
  // what a cold listing reads of the runs it does not show (docs/runs.md).
  const slots = os.availableParallelism();
  const floorScript = (part, files) =>
    `const fs=require("fs");const d=".cohort/runs/";const b=Buffer.alloc(4096);` +
    `const n=fs.readdirSync(d).filter((x)=>x.endsWith(".meta"));` +
    `for(let i=${part};i<n.length;i+=${slots})for(const f of ${JSON.stringify(files)}){try{const fd=fs.openSync(d+n[i]+"/"+f,"r");fs.readSync(fd,b,0,4096,0);fs.closeSync(fd)}catch{}}`;
  for (const files of [["opref", "started", "proc/exit"], ["started"]]) {
    const floorCmd = Array.from({ length: slots }, (_, p) => `${JSON.stringify(process.execPath)} -e ${JSON.stringify(floorScript(p, files)).replace(/\$/g, "\\$")} &`).join(" ") + " wait";
    row(`floor: list ${k} runs and read ${files.join(", ")} of each on ${slots} processes`, median([0, 1, 2].map(() => measure("bash", ["-c", floorCmd], dir))), undefined);
  }
  for (const args of [["runs"], ["runs", "-g"]]) {
    const cold = [0, 1, 2].map(() => {
      fs.rmSync(path.join(dir, ".cohort", "cache"), { recursive: true, force: true });
      return measure(cohort, [...args], dir);
    });
    row(`${k} runs: cohort ${args.join(" ")} (cold)`, median(cold), 2);
    await new Promise((r) => setTimeout(r, 2100));
    measure(cohort, [...args], dir);
    row(`${k} runs: cohort ${args.join(" ")} (warm)`, median([0, 1, 2].map(() => measure(cohort, [...args], dir))), 0.3);
  }

  const members = 1000;
  const batch = path.join(base, "batch");
  fs.mkdirSync(batch);
  execFileSync(cohort, ["init"], { cwd: batch, stdio: "ignore" });
  fs.writeFileSync(path.join(batch, "cohort.toml"), '[project]\nname = "batch"\n\n[operations.noop]\ncommand = "true"\nflags = { i = 0 }\n');
  const m = measure(cohort, ["run", "noop", `i={1..${members}}`, "--parallel", "--quiet"], batch);
  const floor = measure("bash", ["-c", `seq ${members} | xargs -P ${slots} -n 1 sh -c true`], base);
  row(`batch of ${members} (--parallel): ${(members / m.seconds).toFixed(0)} runs/s, ${(((m.seconds - floor.seconds) / members) * slots * 1000).toFixed(1)} ms per run over sh -c true`, m);
  row(`floor: ${members} x sh -c true on ${slots} processes`, floor);
}

/**
 * Submission (issue 6): `submit --pretend` for 10,000 and N (group, job) pairs, and how many times one
 * `cohort status` and one `cohort runs -g` call the scheduler while submissions are open.
 */
async function submission() {
  // No scheduler on the PATH: --pretend renders without asking one. The PATH holds node and sh alone,
  // since /bin can be /usr/bin, where a machine with SLURM installed has squeue.
  const noSchedulerBin = path.join(base, "no-scheduler-bin");
  fs.mkdirSync(noSchedulerBin);
  fs.symlinkSync(process.execPath, path.join(noSchedulerBin, "node"));
  fs.symlinkSync("/bin/sh", path.join(noSchedulerBin, "sh"));
  const noScheduler = { ...process.env, PATH: noSchedulerBin };
  for (const n of [...new Set([10000, jobs])].sort((a, b) => a - b)) {
    const k = n >= 1000 ? `${n / 1000}k` : String(n);
    const dir = fs.existsSync(path.join(base, `toml-${n}`)) ? path.join(base, `toml-${n}`) : workflowProject(`submit-${n}`, n, { "cohort.toml": TOML });
    // The median of three: on a shared machine one run can be a third slower than the next.
    const m = median([0, 1, 2].map(() => measure(cohort, ["submit", "-o", "prep_and_sim", "--pretend", "--scheduler", "slurm"], dir, noScheduler)));
    const scripts = (m.stdout.match(/^#!\/bin\/bash$/gm) ?? []).length;
    row(`${k}: submit -o prep_and_sim --pretend (${scripts} scripts)`, m, n === 10000 ? 1 : n === 100000 ? 8 : undefined, n === 10000 ? 6.8 : n === 100000 ? 105 : undefined);
  }
  // A scheduler that counts its calls: three open submissions, then one status and one runs -g.
  const bin = path.join(base, "fake-bin");
  fs.mkdirSync(bin);
  const calls = path.join(bin, "calls");
  for (const [cmd, body] of [["sbatch", 'n=$(($(cat "$0.n" 2>/dev/null || echo 0)+1)); echo $n > "$0.n"; echo $n'], ["squeue", 'for i in 1 2 3; do echo "$i|x|PENDING|None"; done'], ["sacct", "true"], ["scontrol", "true"], ["sinfo", "exit 1"]]) {
    fs.writeFileSync(path.join(bin, cmd), `#!/bin/sh\necho ${cmd} >> "${calls}"\n${body}\n`, { mode: 0o755 });
  }
  // (node's own directory too: bin/cohort starts the node it finds on the PATH)
  const fake = { ...process.env, PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin` };
  const dir = workflowProject("submit-calls", 3, { "cohort.toml": TOML });
  measure(cohort, ["submit", "-o", "prep_and_sim"], dir, fake);
  for (const args of [["status"], ["runs", "-g"]]) {
    fs.writeFileSync(calls, "");
    const m = measure(cohort, [...args], dir, fake);
    const n = fs.readFileSync(calls, "utf8").split("\n").filter(Boolean).length;
    row(`cohort ${args.join(" ")} with 3 jobs queued: ${n} scheduler call${n === 1 ? "" : "s"}`, m);
  }
}

// Every cohort command pays node's own start-up first; its environment can make that slower (below).
row("floor: node start-up (node -e 0)", median([0, 1, 2, 3, 4].map(() => measure(process.execPath, ["-e", "0"], base))));
if (process.env.NODE_EXTRA_CA_CERTS) {
  const without = { ...process.env };
  delete without.NODE_EXTRA_CA_CERTS;
  row("floor: node start-up without NODE_EXTRA_CA_CERTS", median([0, 1, 2, 3, 4].map(() => measure(process.execPath, ["-e", "0"], base, without))));
}

if (!only || only === "dataspace") await dataspace();
if (!only || only === "workflow") await workflow();
if (!only || only === "submit") await submission();
if (!only || only === "runs") await runTracking();

fs.rmSync(base, { recursive: true, force: true });
// so that what runs next (another bench) is not slowed by the removal's writes
settle();

const fmt = (x, d = 2) => (x === undefined || Number.isNaN(x) ? "" : x.toFixed(d));
const table = [["scenario", "seconds", "peak MB", "target s", "met", "signac s", "vs signac"]];
for (const r of rows) {
  const met = r.target === undefined ? "" : r.seconds <= r.target ? "yes" : "NO";
  table.push([r.name, fmt(r.seconds), fmt(r.mb, 0), fmt(r.target, 1), met, fmt(r.reference, 1), r.reference ? (r.reference >= r.seconds ? `${(r.reference / r.seconds).toFixed(1)}x faster` : `${(r.seconds / r.reference).toFixed(1)}x slower`) : ""]);
}
const targeted = rows.filter((r) => r.target !== undefined);
const missed = targeted.filter((r) => r.seconds > r.target);
const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
console.log(`\ncohort bench: ${jobs} jobs, ${os.cpus().length} cores, node ${process.version}`);
for (const r of table) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
// Node 20 parses this bundle of certificates at start-up, before any of cohort runs (tens of ms here).
if (process.env.NODE_EXTRA_CA_CERTS)
  console.log(
    `note: NODE_EXTRA_CA_CERTS is set (${process.env.NODE_EXTRA_CA_CERTS}); node parses it at every start, in the first floor row too. ` +
      "bin/cohort starts node without it for the commands that load no project code (init, job, doc, find, schema, check, runs, group, template): docs/development.md",
  );
console.log(`${targeted.length - missed.length} of ${targeted.length} targets met${missed.length ? `; missed: ${missed.map((r) => r.name).join("; ")}` : ""}`);
// A missed target fails the bench, as a failed test fails the suite.
if (missed.length > 0) process.exitCode = 1;
