#!/usr/bin/env node
// `npm run bench [-- --jobs N] [--only dataspace|workflow|submit|runs|metrics|ui] [--full]`: builds the scale
// scenarios and prints a table of seconds and peak memory. Executing the workflow runs at 10,000 jobs (and also at
// N with --full, which takes minutes).
// "cold" means cohort's cache (.cohort/cache) is absent. Projects are made under BENCH_DIR (default: the
// system's temporary directory): on a real disk, not a tmpfs, where the numbers mean what users see.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { metrics } from "./metrics.mjs";
import { ui } from "./ui.mjs";

const args = process.argv.slice(2);
const jobs = args.includes("--jobs") ? Number(args[args.indexOf("--jobs") + 1]) : 100000;
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const full = args.includes("--full");
// Each command runs as users run it: bin/cohort itself.
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

/** A row whose target is `ratio` times another row's seconds (a floor measured in the same run). */
function ratioRow(name, m, of, ratio) {
  rows.push({ name: `${name} [${(m.seconds / of.seconds).toFixed(2)}x ${of.label}; aim <= ${ratio}x]`, seconds: m.seconds, mb: m.mb, target: of.seconds * ratio });
  process.stderr.write(`${name}: ${m.seconds.toFixed(2)} s, ${(m.seconds / of.seconds).toFixed(2)}x ${of.label}\n`);
}

/** Counts that are not seconds: each with its aim, printed under the table. */
const counts = [];

/** The environment without NODE_EXTRA_CA_CERTS, when it is set (node parses that bundle at every start). */
const withoutExtraCerts = process.env.NODE_EXTRA_CA_CERTS ? Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== "NODE_EXTRA_CA_CERTS")) : undefined;

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
const project = new FlowProject();
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

/** A small node program doing what the TypeScript operations do to each job: the same files, written the same way (temporary file, rename). */
function operationsFloorScript() {
  return `const fs=require("fs");const ws="workspace";const w=(f,x)=>{fs.writeFileSync(f+".tmp",x);fs.renameSync(f+".tmp",f)};
for(const id of fs.readdirSync(ws))w(ws+"/"+id+"/signac_job_document.json",'{"prepared": true}');
for(const id of fs.readdirSync(ws))w(ws+"/"+id+"/out.dat","x");`;
}

/**
 * A small node program doing what `run -o prep_and_sim` must do to the file system, and nothing else:
 * read each job's state point once (SPEC §12), in each of the three passes read each job's document
 * and look for out.dat (SPEC §4: every pass evaluates every condition again), and for each of the 2n
 * runs append a `run` and an `end` line to a journal, make the operation's writes (temporary file,
 * rename) and look for a summary.json (SPEC §6, §14). What cohort takes beyond this is its own cost.
 */
function passesFloorScript() {
  return `const fs=require("fs");const ws="workspace";const ids=fs.readdirSync(ws);
const j=fs.openSync(".cohort-floor.jsonl","a");const line=(o)=>fs.writeSync(j,JSON.stringify(o)+"\\n");
const read=(f)=>{try{return fs.readFileSync(f,"utf8")}catch{return undefined}};
const w=(f,x)=>{fs.writeFileSync(f+".tmp",x);fs.renameSync(f+".tmp",f)};
const run=(id,op,body)=>{line({e:"run",t:Date.now(),op,jobs:[id]});body();fs.statSync(ws+"/"+id+"/summary.json",{throwIfNoEntry:false});line({e:"end",t:Date.now(),exit:0})};
for(const id of ids)read(ws+"/"+id+"/signac_statepoint.json");
for(const id of ids.filter((id)=>read(ws+"/"+id+"/signac_job_document.json")===undefined))run(id,"prepare",()=>{const d=JSON.parse(read(ws+"/"+id+"/signac_job_document.json")??"{}");d.prepared=true;w(ws+"/"+id+"/signac_job_document.json",JSON.stringify(d))});
for(const id of ids.filter((id)=>read(ws+"/"+id+"/signac_job_document.json")!==undefined&&!fs.existsSync(ws+"/"+id+"/out.dat")))run(id,"simulate",()=>w(ws+"/"+id+"/out.dat","x"));
for(const id of ids){read(ws+"/"+id+"/signac_job_document.json");fs.existsSync(ws+"/"+id+"/out.dat")}`;
}

/**
 * A small node program spawning `sh -c` commands one after another, each in its job's directory, output
 * piped to it; with `lanes` 2, two such programs at once, each over half the jobs. (Two processes, as
 * `--parallel 2` has a launcher per slot: within one node process, spawns do not overlap.)
 */
function spawnFloorScript(commands, lanes = 1) {
  const lane = (k) => `const {spawn}=require("child_process");const fs=require("fs");const ws="workspace";const ids=fs.readdirSync(ws).filter((_,i)=>i%${lanes}===${k});
const one=(cmd,cwd)=>new Promise((r)=>{const c=spawn("/bin/sh",["-c",cmd],{cwd,stdio:["ignore","pipe","pipe"]});c.stdout.resume();c.stderr.resume();c.on("close",r)});
(async()=>{for(const cmd of ${JSON.stringify(commands)})for(const id of ids)await one(cmd,ws+"/"+id)})();`;
  return lanes === 1 ? lane(0) : inProcesses(Array.from({ length: lanes }, (_, k) => lane(k)));
}

/** A node program running each of `scripts` in a node process of its own, all at once; it fails if one does. */
function inProcesses(scripts) {
  return `const {spawn}=require("child_process");
for(const s of ${JSON.stringify(scripts)})spawn(process.execPath,["-e",s],{stdio:"inherit"}).on("close",(code)=>{if(code!==0)process.exitCode=1});`;
}

/**
 * A small node program doing the least a listing of the journals must: read every journal, parse each
 * line, keep each run (its id, operation, times, jobs and configuration) with its end, and print the
 * newest 20. What `cohort runs` takes beyond this, with no cache, is its own cost.
 */
function listingFloorScript() {
  return `const fs=require("fs");const dir=".cohort/journal";const runs=new Map();
for(const f of fs.readdirSync(dir).sort()){if(!f.endsWith(".jsonl"))continue;const text=fs.readFileSync(dir+"/"+f,"utf8");let at=0;
while(at<text.length){let nl=text.indexOf("\\n",at);if(nl<0)nl=text.length;if(nl>at){const ev=JSON.parse(text.slice(at,nl));
if(ev.e==="run")runs.set(ev.id,{id:ev.id,op:ev.op,t:ev.t,jobs:ev.jobs,config:ev.config,ended:undefined,exit:undefined});
else if(ev.e==="end"){const r=runs.get(ev.id);if(r){r.ended=ev.t;r.exit=ev.exit}}}at=nl+1}}
const newest=[...runs.values()].sort((a,b)=>b.t-a.t||(a.id<b.id?1:-1)).slice(0,20);
for(const r of newest)console.log(r.id,r.op,r.t,r.ended===undefined?"running":r.exit===0?"completed":"failed");`;
}

/** Files under a directory, recursively. */
function countFiles(dir) {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(path.join(dir, e.name)) : 1;
  return n;
}

async function workflow() {
  for (const n of [...new Set([10000, jobs])].sort((a, b) => a - b)) {
    const k = n >= 1000 ? `${n / 1000}k` : String(n);
    const reference = n === 10000 ? { status: 2.4, pretend: undefined, exec: 8.9 } : n === 100000 ? { status: 34.8, pretend: 53, exec: 193 } : {};
    const dir = workflowProject(`toml-${n}`, n, { "cohort.toml": TOML });
    markProgress(dir);
    settle();
    fs.rmSync(path.join(dir, ".cohort", "cache"), { recursive: true, force: true });
    row(`${k}: status (cold)`, measure(cohort, ["status"], dir), n === 100000 ? 3 : undefined, reference.status);
    await new Promise((r) => setTimeout(r, 2100));
    measure(cohort, ["status"], dir);
    row(`${k}: status (warm)`, median([0, 1, 2].map(() => measure(cohort, ["status"], dir))), n === 100000 ? 1 : undefined, reference.status);
    row(`${k}: run -o prep_and_sim --pretend`, measure(cohort, ["run", "-o", "prep_and_sim", "--pretend"], dir), n === 100000 ? 3 : undefined, reference.pretend);
    if (n !== 10000 && !full) continue;
    // Executing, from nothing done: 2 operations per job, 2n runs. Every project is made first, and each
    // floor and each measured run gets one of its own: on a file system where many files were just
    // deleted, making new ones is slower (ext4 skips recently freed inodes), which would weigh on
    // whatever ran after a deletion.
    const tsFloorDir = workflowProject(`ts-floor-${n}`, n, { "project.ts": MODULE });
    const passesFloorDir = workflowProject(`passes-floor-${n}`, n, { "project.ts": MODULE });
    // Serial and --parallel 2 alternate, three of each: one pair alone says little on a machine whose
    // speed drifts from minute to minute.
    const ts = [1, 2, 3].map((i) => workflowProject(`ts-${n}-${i}`, n, { "project.ts": MODULE }));
    const tsp = [1, 2, 3].map((i) => workflowProject(`tsp-${n}-${i}`, n, { "project.ts": MODULE }));
    const shFloorDir = workflowProject(`sh-floor-${n}`, n, { "cohort.toml": TOML });
    const shFloor2Dir = workflowProject(`sh-floor2-${n}`, n, { "cohort.toml": TOML });
    const sh = workflowProject(`sh-${n}`, n, { "cohort.toml": TOML });
    const shp = workflowProject(`shp-${n}`, n, { "cohort.toml": TOML });
    settle();
    const tsFloor = { ...measure(process.execPath, ["-e", operationsFloorScript()], tsFloorDir), label: "floor" };
    row(`${k}: floor: the TypeScript operations' file writes from a small process`, tsFloor);
    const passesFloor = measure(process.execPath, ["-e", passesFloorScript()], passesFloorDir);
    row(`${k}: floor: the reads and writes of the three passes and 2n runs from a small process`, passesFloor);
    const serials = [];
    const parallels = [];
    for (let i = 0; i < 3; i++) {
      serials.push(measure(cohort, ["run", "-o", "prep_and_sim", "--quiet"], ts[i]));
      parallels.push(measure(cohort, ["run", "-o", "prep_and_sim", "--parallel", "2", "--quiet"], tsp[i]));
    }
    const range = (runs) => `${Math.min(...runs.map((r) => r.seconds)).toFixed(2)}-${Math.max(...runs.map((r) => r.seconds)).toFixed(2)} s`;
    const serial = median([...serials]);
    const floors = `${(serial.seconds / tsFloor.seconds).toFixed(2)}x floor, ${(serial.seconds / passesFloor.seconds).toFixed(2)}x passes floor`;
    row(`${k}: run -o prep_and_sim (TypeScript functions, serial; median of ${range(serials)}) [${floors}]`, serial, n === 10000 ? 2.3 : undefined, reference.exec);
    const journal = path.join(ts[0], ".cohort");
    const made = countFiles(journal) - (fs.existsSync(path.join(journal, "cache")) ? countFiles(path.join(journal, "cache")) : 0);
    const journalBytes = fs.readdirSync(path.join(journal, "journal")).filter((f) => f.endsWith(".jsonl")).reduce((a, f) => a + fs.statSync(path.join(journal, "journal", f)).size, 0);
    counts.push({ name: `${k}: files made under .cohort (cache aside) per job run`, value: made / (2 * n), aim: 0.01 });
    counts.push({ name: `${k}: journal bytes per run (output aside)`, value: journalBytes / (2 * n), aim: 1000 });
    ratioRow(`${k}: run -o prep_and_sim (TypeScript functions, --parallel 2; median of ${range(parallels)})`, median([...parallels]), { ...serial, label: "serial" }, 1);

    const shFloor = { ...measure(process.execPath, ["-e", spawnFloorScript([`echo '{"prepared": true}' > signac_job_document.json`, "echo x > out.dat"])], shFloorDir), label: "floor" };
    row(`${k}: floor: the same ${2 * n} sh -c commands spawned one after another from a small process`, shFloor);
    const shSerial = { ...measure(cohort, ["run", "-o", "prep_and_sim", "--quiet"], sh), label: "serial" };
    ratioRow(`${k}: run -o prep_and_sim (shell commands, serial)`, shSerial, shFloor, 1.3);
    // What two lanes of spawning gain on this machine by themselves: the bound of --parallel 2's ratio.
    const shFloor2 = measure(process.execPath, ["-e", spawnFloorScript([`echo '{"prepared": true}' > signac_job_document.json`, "echo x > out.dat"], 2)], shFloor2Dir);
    row(`${k}: floor: the same commands spawned from two small processes at once, half each [${(shFloor2.seconds / shFloor.seconds).toFixed(2)}x one]`, shFloor2);
    ratioRow(`${k}: run -o prep_and_sim (shell commands, --parallel 2)`, measure(cohort, ["run", "-o", "prep_and_sim", "--parallel", "2", "--quiet"], shp), shSerial, 0.65);
  }
}

/**
 * Run tracking: `cohort runs` and `cohort runs -g` over N runs (100,000 by default) in N/100 groups,
 * with the page cache dropped (where this process may: root on Linux) and when nothing changed; a
 * batch of 1,000 trivial flag runs against the same number of `sh -c true` spawned one after another.
 */
async function runTracking() {
  const { makeRunsProject } = await import("./runs-journal.mjs");
  const n = jobs;
  const k = n >= 1000 ? `${n / 1000}k` : String(n);
  const dir = path.join(base, "runs");
  fs.mkdirSync(dir);
  execFileSync(cohort, ["init"], { cwd: dir, stdio: "ignore" });
  makeRunsProject(dir, { runs: n, groups: Math.max(1, Math.round(n / 100)) });
  settle();
  const dropCaches = () => {
    settle();
    try {
      fs.writeFileSync("/proc/sys/vm/drop_caches", "3");
      return true;
    } catch {
      return false;
    }
  };
  // What any listing of the journals must do, from a small process: the cold rows' floor.
  let floorDropped = true;
  const listFloor = median([0, 1, 2].map(() => {
    floorDropped = dropCaches() && floorDropped;
    return measure(process.execPath, ["-e", listingFloorScript()], dir);
  }));
  row(`${k} runs: floor: read every journal, parse each line, keep each run and its end, print the newest 20 (${floorDropped ? "page cache dropped" : "page cache warm"})`, listFloor);
  for (const args of [["runs"], ["runs", "-g"]]) {
    let dropped = true;
    const cold = [0, 1, 2].map(() => {
      fs.rmSync(path.join(dir, ".cohort", "cache"), { recursive: true, force: true });
      dropped = dropCaches() && dropped;
      return measure(cohort, [...args], dir);
    });
    const c = median(cold);
    row(`${k} runs: cohort ${args.join(" ")} (no cache${dropped ? ", page cache dropped" : ", page cache warm: could not drop it"}) [${(c.seconds / listFloor.seconds).toFixed(2)}x floor]`, c, 1);
    measure(cohort, [...args], dir);
    row(`${k} runs: cohort ${args.join(" ")} (nothing changed)`, median([0, 1, 2].map(() => measure(cohort, [...args], dir))), 0.2);
    // What a machine without this environment's certificate bundle sees (node's start, "floor" rows above).
    if (withoutExtraCerts) row(`${k} runs: cohort ${args.join(" ")} (nothing changed, without NODE_EXTRA_CA_CERTS)`, median([0, 1, 2].map(() => measure(cohort, [...args], dir, withoutExtraCerts))));
  }

  const members = 1000;
  const batch = path.join(base, "batch");
  fs.mkdirSync(batch);
  execFileSync(cohort, ["init"], { cwd: batch, stdio: "ignore" });
  fs.writeFileSync(path.join(batch, "cohort.toml"), '[project]\nname = "batch"\n\n[operations.noop]\ncommand = "true"\nflags = { i = 0 }\n');
  const floor = { ...measure(process.execPath, ["-e", `const {spawn}=require("child_process");(async()=>{for(let i=0;i<${members};i++)await new Promise((r)=>{const c=spawn("/bin/sh",["-c","true"],{stdio:["ignore","pipe","pipe"]});c.stdout.resume();c.stderr.resume();c.on("close",r)})})()`], base), label: "floor" };
  row(`floor: ${members} x sh -c true spawned one after another from a small process`, floor);
  ratioRow(`batch of ${members} trivial flag runs`, measure(cohort, ["run", "noop", `i={1..${members}}`, "--quiet"], batch), floor, 1.5);
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
if (withoutExtraCerts) row("floor: node start-up without NODE_EXTRA_CA_CERTS", median([0, 1, 2, 3, 4].map(() => measure(process.execPath, ["-e", "0"], base, withoutExtraCerts))));

if (!only || only === "dataspace") await dataspace();
if (!only || only === "workflow") await workflow();
if (!only || only === "submit") await submission();
if (!only || only === "runs") await runTracking();
if (!only || only === "metrics") await metrics({ cohort, base, measure, median, row, counts, settle });
if (!only || only === "ui") await ui({ cohort, base, row, counts, median, settle, jobs, toml: TOML });

fs.rmSync(base, { recursive: true, force: true });
// so that what runs next (another bench) is not slowed by the removal's writes
settle();

const fmt = (x, d = 2) => (x === undefined || Number.isNaN(x) ? "" : x.toFixed(d));
const table = [["scenario", "seconds", "peak MB", "target s", "met", "signac s", "vs signac"]];
for (const r of rows) {
  const met = r.target === undefined ? "" : r.seconds <= r.target ? "yes" : "NO";
  table.push([r.name, fmt(r.seconds), fmt(r.mb, 0), fmt(r.target, 1), met, fmt(r.reference, 1), r.reference ? (r.reference >= r.seconds ? `${(r.reference / r.seconds).toFixed(1)}x faster` : `${(r.seconds / r.reference).toFixed(1)}x slower`) : ""]);
}
const targeted = [...rows.filter((r) => r.target !== undefined), ...counts.map((c) => ({ name: c.name, seconds: c.value, target: c.aim }))];
const missed = targeted.filter((r) => r.seconds > r.target);
const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
console.log(`\ncohort bench: ${jobs} jobs, ${os.cpus().length} cores, node ${process.version}`);
for (const r of table) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
for (const c of counts) console.log(`${c.name}: ${c.value < 1 ? c.value.toFixed(4) : c.value.toFixed(0)} (aim: under ${c.aim}) ${c.value < c.aim ? "met" : "NOT MET"}`);
// Node 20 parses this bundle of certificates at start-up, before any of cohort runs (tens of ms here).
if (process.env.NODE_EXTRA_CA_CERTS)
  console.log(
    `note: NODE_EXTRA_CA_CERTS is set (${process.env.NODE_EXTRA_CA_CERTS}); node parses it at every start, in the first floor row too. ` +
      "the floor rows pay it too",
  );
console.log(`${targeted.length - missed.length} of ${targeted.length} targets met${missed.length ? `; missed: ${missed.map((r) => r.name).join("; ")}` : ""}`);
// A missed target fails the bench, as a failed test fails the suite.
if (missed.length > 0) process.exitCode = 1;
