#!/usr/bin/env node
// `npm run bench [-- --jobs N]`: builds the scale scenarios and prints a table of seconds and peak memory.
// "cold" means cohort's cache (.cohort/cache) is absent; the operating system's file cache is warm in
// every row, the floor row included, so that rows compare the programs and not the disk.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const jobs = Number(args[args.indexOf("--jobs") + 1] || 100000) || 100000;
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

fs.rmSync(base, { recursive: true, force: true });

const fmt = (x, d = 2) => (x === undefined || Number.isNaN(x) ? "" : x.toFixed(d));
const table = [["scenario", "seconds", "peak MB", "target s", "signac s", "vs signac"]];
for (const r of rows) {
  table.push([r.name, fmt(r.seconds), fmt(r.mb, 0), fmt(r.target, 1), fmt(r.reference, 1), r.reference ? `${(r.reference / r.seconds).toFixed(1)}x faster` : ""]);
}
const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
console.log(`\ncohort bench: ${jobs} jobs, ${os.cpus().length} cores, node ${process.version}`);
for (const r of table) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
