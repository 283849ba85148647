#!/usr/bin/env node
// `node bench/runs-journal.mjs DIR [--runs N] [--groups G]`: writes into project DIR the journals of N
// runs (default 100,000) in G batch groups (default 1,000), as 100 runners would have left them.
// `makeRunsProject` is exported for bench/run.mjs.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const T0_MS = Date.UTC(2026, 0, 1);
const OPERATIONS = ["prepare", "simulate", "analyze", "train"];

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

/** A UUID v7 for the moment `ms`. */
function uuid7(ms, rand) {
  const t = ms.toString(16).padStart(12, "0");
  return `${t.slice(0, 8)}-${t.slice(8)}-7${hex(rand, 3)}-${"89ab"[Math.floor(rand() * 4)]}${hex(rand, 3)}-${hex(rand, 12)}`;
}

/**
 * Writes the journals of `runs` runs in `groups` batch groups (100 members each at the defaults), one
 * journal per group's runner (a dead process of this host). Of the runs: every 10th is a flag run;
 * about 3 % failed, 1 % were killed; the last group's runner died with its last runs unfinished; every
 * 20th has a label and a tag; every 200th is deleted and every 1,000th purged; every 10th group has a
 * label. Each run printed one line to its slot's segment.
 */
export function makeRunsProject(dir, { runs = 100000, groups = 1000 } = {}) {
  const rand = random(42);
  const journal = path.join(dir, ".cohort", "journal");
  fs.mkdirSync(journal, { recursive: true });
  if (!fs.existsSync(path.join(dir, "cohort.toml"))) fs.writeFileSync(path.join(dir, "cohort.toml"), '[project]\nname = "bench"\n');
  const per = Math.max(1, Math.ceil(runs / Math.max(1, groups)));
  let i = 0;
  for (let g = 0; i < runs; g++) {
    const ms0 = T0_MS + i * 1000;
    const writer = uuid7(ms0, rand);
    const gid = uuid7(ms0 + 1, rand);
    const lines = [{ e: "writer", v: 1, id: writer, t: ms0 * 1000, host: os.hostname(), pid: 999999999, cohort: "0.1.0", user: "bench" }];
    lines.push({ e: "def", n: 1, directives: { np: 1, ngpu: 0, memory: null, walltime: null } });
    lines.push({ e: "def", n: 2, command: "echo {sp.i}" });
    const set = { operation: "train", flags: ["lr={1..100}"] };
    if (g % 10 === 0) set.label = `batch ${g}`;
    lines.push({ e: "group", t: ms0 * 1000 + 1, id: gid, kind: "batch", planned: per, set });
    let out = "";
    const last = Math.min(runs, i + per);
    for (; i < last; i++) {
      const ms = T0_MS + i * 1000;
      const id = uuid7(ms, rand);
      const micros = ms * 1000;
      const flagRun = i % 10 === 9;
      const ev = { e: "run", t: micros, id, op: OPERATIONS[i % OPERATIONS.length], config: flagRun ? `{"lr": ${0.001 * (i % 7)}}` : `{"i": ${i}}`, d: 1, c: 2 };
      if (!flagRun) ev.jobs = [hex(rand, 32)];
      ev.in = [gid];
      // made as it starts, as cohort writes a run: the run event holds its start
      ev.slot = 0;
      ev.off = out.length;
      lines.push(ev);
      const text = `run ${i}\n`;
      out += text;
      if (i >= runs - Math.ceil(runs / 200)) continue; // the last runner died: these never ended
      lines.push({ e: "end", t: micros + 900000, id, exit: i % 100 === 7 ? -15 : i % 33 === 5 ? 1 : 0, len: text.length });
      const attr = (t, set) => lines.push({ e: "attr", t, of: id, set, author: "bench" });
      if (i % 20 === 3) attr(micros + 2000000, { label: `label ${i % 13}`, [`tag:t${i % 5}`]: "" });
      if (i % 200 === 11) attr(micros + 3000000, { trash: "" });
      if (i % 1000 === 17) attr(micros + 4000000, { purged: "" });
    }
    if (i < runs - Math.ceil(runs / 200)) lines.push({ e: "end", t: (T0_MS + i * 1000) * 1000, id: gid });
    fs.writeFileSync(path.join(journal, `${writer}.jsonl`), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    fs.writeFileSync(path.join(journal, `${writer}.0.out`), out);
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const args = process.argv.slice(2);
  const opt = (name, d) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : d);
  makeRunsProject(args[0], { runs: opt("--runs", 100000), groups: opt("--groups", 1000) });
}
