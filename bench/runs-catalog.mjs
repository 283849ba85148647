#!/usr/bin/env node
// `node bench/runs-catalog.mjs [--runs N] [--groups G]` (after `npm run build`): builds a project of N
// run records (default 100,000) in G groups (default 1,000) and times readCatalog (dist/runs/catalog.js)
// cold (no .cohort/cache) and warm (nothing changed), each in a fresh node process so that no run
// profits from the previous one's memory; "with groups" adds the first read of catalog.groups, whose
// rows are derived then. Set BENCH_DIR to build the project on a disk rather than a tmpfs.
// `makeRunsProject` is exported for other benchmarks.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const T0_MS = Date.UTC(2026, 0, 1);
const OPERATIONS = [
  { project: "bench", operation: "prepare", group: "prep_and_sim" },
  { project: "bench", operation: "simulate", group: "prep_and_sim" },
  { project: "bench", operation: "analyze" },
  { project: "bench", operation: "train" },
];

/** A deterministic pseudo-random generator (mulberry32), so that every project built is the same. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (rand, n) => {
  let s = "";
  for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(rand() * 16)];
  return s;
};

/** A UUID v7 for the moment `ms` (ids made in order sort in order). */
function uuid7(ms, rand) {
  const t = ms.toString(16).padStart(12, "0");
  return `${t.slice(0, 8)}-${t.slice(8)}-7${hex(rand, 3)}-${"89ab"[Math.floor(rand() * 4)]}${hex(rand, 3)}-${hex(rand, 12)}`;
}

const json = (v) => JSON.stringify(v).replace(/":/g, '": ').replace(/,"/g, ', "');

/**
 * Writes a project with `runs` run records (SPEC §6 files, written directly) and `groups` batch groups
 * sharing the runs evenly (100 members each at the defaults). Of the runs: every 10th is a flag run (no
 * `jobs`); about 3 % failed, 1 % were killed; the last 0.5 % have not ended (a lock of a dead process, or
 * only staged); every 20th has a label and a tag; every 200th is deleted and every 1,000th purged; every
 * 10th group has a label. Returns the run ids, oldest first.
 */
export function makeRunsProject(dir, { runs = 100000, groups = 1000 } = {}) {
  const rand = random(42);
  const root = path.join(dir, ".cohort", "runs");
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(dir, "cohort.toml"), '[project]\nname = "bench"\n');
  const ids = [];
  const unfinishedFrom = runs - Math.ceil(runs / 200);
  for (let i = 0; i < runs; i++) {
    const ms = T0_MS + i * 1000;
    const id = uuid7(ms, rand);
    ids.push(id);
    const micros = ms * 1000;
    const op = OPERATIONS[i % OPERATIONS.length];
    const flagRun = i % 10 === 9;
    const meta = path.join(root, id + ".meta");
    fs.mkdirSync(path.join(meta, "proc"), { recursive: true });
    const put = (name, text) => fs.writeFileSync(path.join(meta, name), text);
    put("id", id + "\n");
    put("opref", json(op) + "\n");
    put("config.json", flagRun ? json({ lr: 0.001 * (i % 7) }) + "\n" : json({ i }) + "\n");
    if (!flagRun) put("jobs", hex(rand, 32) + "\n");
    put("directives.json", json({ np: 1 }) + "\n");
    put("cmd.json", json({ shell: `echo ${i}` }) + "\n");
    put("output", `run ${i}\n`);
    put("initialized", micros + "\n");
    if (i >= unfinishedFrom) {
      // not ended: half staged, half "running" under a lock whose process is gone (terminated)
      put("staged", micros + 100 + "\n");
      if (i % 2 === 0) {
        put("proc/lock", `${os.hostname()} 999999999\n`);
        put("started", micros + 200 + "\n");
      }
      continue;
    }
    put("staged", micros + 100 + "\n");
    put("started", micros + 200 + "\n");
    put("stopped", micros + 900000 + "\n");
    const exit = i % 100 === 7 ? -15 : i % 33 === 5 ? 1 : 0;
    put("proc/exit", exit + "\n");
    if (i % 20 === 3) writeChange(path.join(root, id + ".user"), rand, ms + 2000, { label: `label ${i % 13}`, [`tag:t${i % 5}`]: "" });
    if (i % 200 === 11) writeMarker(root, id, rand, ms + 3000, "trash");
    if (i % 1000 === 17) {
      writeMarker(root, id, rand, ms + 4000, "purge");
      fs.rmSync(meta, { recursive: true });
    }
  }
  const per = Math.max(1, Math.ceil(runs / Math.max(1, groups)));
  for (let g = 0; g < groups; g++) {
    const members = ids.slice(g * per, (g + 1) * per);
    const gid = uuid7(T0_MS + g * per * 1000 + 500, rand);
    const gdir = path.join(root, gid + ".group");
    fs.mkdirSync(gdir);
    fs.writeFileSync(path.join(gdir, "id"), gid + "\n");
    const set = { kind: "batch", operation: "train", flags: "lr={1..100}" };
    if (g % 10 === 0) set.label = `batch ${g}`;
    for (const m of members) set["run:" + m] = "";
    writeChange(gdir, rand, T0_MS + (g + 1) * per * 1000, set);
  }
  return ids;
}

function writeChange(dir, rand, ms, set) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, uuid7(ms, rand) + ".json"), json({ author: "bench", set }) + "\n");
}

function writeMarker(root, id, rand, ms, action) {
  const dir = path.join(root, id + ".move");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, uuid7(ms, rand) + ".json"), json({ action, author: "bench", time: ms * 1000 }) + "\n");
}

/**
 * Seconds one readCatalog call takes in a fresh node process (`seconds`), then the first read of its
 * groups, whose rows are derived then (`withGroups`: both), and what it found.
 */
function timeCatalog(dir) {
  const catalog = pathToFileURL(fileURLToPath(new URL("../dist/runs/catalog.js", import.meta.url))).href;
  const script = `const { readCatalog } = await import(${JSON.stringify(catalog)});
const t = performance.now();
const c = readCatalog(${JSON.stringify(dir)});
const seconds = (performance.now() - t) / 1000;
const groups = c.groups.length;
const withGroups = (performance.now() - t) / 1000;
console.log(JSON.stringify({ seconds, withGroups, runs: c.runs.length, groups, purged: c.purged.size }));`;
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }));
}

const medianOf = (xs, key) => xs.map((x) => x[key]).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const show = (xs) =>
  `${medianOf(xs, "seconds").toFixed(3)} s, with groups ${medianOf(xs, "withGroups").toFixed(3)} s  (each: ${xs.map((x) => `${x.seconds.toFixed(3)}/${x.withGroups.toFixed(3)}`).join(", ")})`;


async function main() {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
  const runs = opt("--runs", 100000);
  const groups = opt("--groups", 1000);
  const base = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), "cohort-runs-bench-"));
  try {
    const dir = path.join(base, "project");
    let t = performance.now();
    makeRunsProject(dir, { runs, groups });
    process.stderr.write(`built ${runs} runs in ${groups} groups: ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    // Older than the cache's trust margin, as a project that was not just written is.
    await new Promise((r) => setTimeout(r, 2100));
    const cache = path.join(dir, ".cohort", "cache");
    const cold = [];
    for (let i = 0; i < 3; i++) {
      fs.rmSync(cache, { recursive: true, force: true });
      cold.push(timeCatalog(dir));
    }
    const warm = [0, 1, 2].map(() => timeCatalog(dir));
    // One label added: the next read re-reads that run's attributes only.
    const some = fs.readdirSync(path.join(dir, ".cohort", "runs")).find((n) => n.endsWith(".meta"));
    t = Date.now();
    writeChange(path.join(dir, ".cohort", "runs", some.replace(/\.meta$/, ".user")), random(t), t, { label: "changed" });
    const changed = timeCatalog(dir);
    const c = cold[0];
    console.log(`readCatalog, ${runs} runs in ${groups} groups (${c.runs} listed, ${c.groups} groups, ${c.purged} purged), ${os.cpus().length} cores, node ${process.version}`);
    console.log(`cold (no cache):        ${show(cold)}`);
    console.log(`warm (nothing changed): ${show(warm)}`);
    console.log(`warm (one label added): ${show([changed])}`);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
