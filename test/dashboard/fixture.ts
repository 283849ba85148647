/**
 * The project the dashboard's tests look at, made by bin/cohort as users make one: the README's
 * workflow (prepare, simulate, the pipeline group, the flag operation train and its loss metric) on a
 * grid of six jobs, and `curve`, a flag operation that logs a stepped metric through $COHORT_METRICS.
 * Runs (8): the pipeline on T 1.5 (four), a batch of train (three), one curve run.
 */
import fs from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { expect } from "vitest";
import { cohort, cohortInBackground, tempDir } from "../helpers.js";

const TOML = String.raw`[project]
name = "demo"

[operations.prepare]
command = "echo {sp.N} > init.dat"
post = [{ isfile = "init.dat" }]

[operations.simulate]
command = "awk -v T={sp.T} '{ print $1 * T }' init.dat > traj.tmp && mv traj.tmp traj.dat"
pre = [{ after = ["prepare"] }]
post = [{ isfile = "traj.dat" }]

[groups.pipeline]
operations = ["prepare", "simulate"]

[operations.train]
command = "echo lr={flags.lr} epochs={flags.epochs} > model.txt && awk -v lr={flags.lr} 'BEGIN {{ print \"loss=\" (lr - 0.001) ^ 2 * 1000 + 0.1 }}'"
flags = { lr = 0.01, epochs = 10 }
metrics = ["loss=(?<loss>\\S+)"]

[operations.curve]
command = "sh ../../../curve.sh {flags.steps}"
flags = { steps = 50 }
`;

/** Logs loss over N steps (1/step), one line of output per ten steps; sleeps $CURVE_SLEEP seconds between lines. */
const CURVE = `n=$1; i=1
while [ $i -le $n ]; do
  echo "{\\"step\\": $i, \\"loss\\": $(awk "BEGIN { print 1 / $i }")}" >> "$COHORT_METRICS"
  if [ $((i % 10)) -eq 0 ]; then echo "step $i"; [ -n "$CURVE_SLEEP" ] && sleep "$CURVE_SLEEP"; fi
  i=$((i + 1))
done
echo "curve done"
`;

export function run(args: string[], cwd: string): string {
  const r = cohort(args, { cwd });
  expect(r.code, `cohort ${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

export function makeProject(): string {
  const dir = path.join(tempDir("cohort-ui-"), "demo");
  fs.mkdirSync(dir);
  run(["init", "T={1.0,1.5,2.0}", "N={64,128}"], dir);
  fs.writeFileSync(path.join(dir, "cohort.toml"), TOML);
  fs.writeFileSync(path.join(dir, "curve.sh"), CURVE);
  run(["run", "-o", "pipeline", "-f", "T", "1.5"], dir);
  run(["run", "train", "lr={1e-4,1e-3,1e-2}"], dir);
  run(["run", "curve"], dir);
  return dir;
}

/** `cohort ui --port 0` in `dir`, once it has printed its address: the address with its token, and without. */
export async function serveUi(dir: string): Promise<{ server: ReturnType<typeof cohortInBackground>; url: string; base: string }> {
  const server = cohortInBackground(["ui", "--port", "0"], { cwd: dir });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    server.child.stdout!.on("data", (d: Buffer) => {
      out += d;
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.child.on("close", () => reject(new Error(`cohort ui ended: ${out}`)));
  });
  return { server, url, base: url.replace(/\/\?token=.*/, "") };
}

/** Closes the browser, and stops the server as Ctrl-C does: it ends with exit code 0. */
export async function stopUi(browser: Browser | undefined, server: Awaited<ReturnType<typeof serveUi>>["server"] | undefined): Promise<void> {
  await browser?.close();
  server?.child.kill("SIGINT");
  if (server) expect((await server.done).code).toBe(0);
}
