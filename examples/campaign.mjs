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
run("init", "T={1.0,1.5,2.0}", "N={64,128}", "model=lj");
run("schema");
const ids = run("find", "T.$gte", "1.5").split("\n");
for (const [i, id] of ids.entries()) run("doc", id.slice(0, 8), "energy", String(-1.5 * (i + 1)));
run("find", "doc.energy.$lt", "-3", "--sp", "T", "N", "--doc", "energy");
run("job", "show", ids[0].slice(0, 8));
run("check");
console.log(`\nDone. The project stays in ${dir}; remove it with: rm -r ${dir}`);
