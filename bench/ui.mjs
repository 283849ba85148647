// The dashboard's scenario of `npm run bench` (--only ui): `cohort ui` on N jobs and N runs, one run with
// a metric of 100,000 steps, timed in Debian's Chromium (playwright-core) from the request to the first
// screen of each view, paging the jobs table, a filter, and the 100,000-point plot.
/* global window, document */ // (in the functions the page runs)
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { CHROMIUM, launchChromium, startUi } from "../scripts/ui-browser.mjs";
import { makeRunsProject } from "./runs-journal.mjs";
const POINTS = 100000;

/** Appends to the project's journal directory a metric `loss` of `POINTS` steps for run `id`, in events of 1,000 rows, as a runner writes them. */
function writeMetric(dir, id) {
  const lines = [];
  const t = Date.now() * 1000;
  for (let from = 0; from < POINTS; from += 1000) {
    const steps = Array.from({ length: 1000 }, (_, i) => from + i);
    const loss = steps.map((s) => Math.exp(-s / 20000) + 0.05 * Math.sin(s / 50));
    lines.push(JSON.stringify({ e: "metric", t: t + from, id, s: steps, m: { loss } }) + "\n");
  }
  fs.writeFileSync(path.join(dir, ".cohort", "journal", `${crypto.randomUUID()}.metrics.jsonl`), lines.join(""));
}

export async function ui({ cohort, base, row, counts, median, settle, jobs, toml }) {
  if (!fs.existsSync(CHROMIUM)) {
    process.stderr.write(`ui scenario skipped: no Chromium at ${CHROMIUM}\n`);
    return;
  }
  const k = jobs >= 1000 ? `${jobs / 1000}k` : String(jobs);
  const dir = path.join(base, "ui");
  fs.mkdirSync(dir);
  execFileSync(cohort, ["init", `i={0..${jobs - 1}}`], { cwd: dir, stdio: "ignore" });
  fs.writeFileSync(path.join(dir, "cohort.toml"), toml);
  makeRunsProject(dir, { runs: jobs, groups: Math.max(1, Math.round(jobs / 100)) });
  const newest = JSON.parse(execFileSync(cohort, ["runs", "-n", "1", "--json"], { cwd: dir, encoding: "utf8" }))[0];
  writeMetric(dir, newest.id);
  const someJob = execFileSync(cohort, ["find", "i", String(Math.floor(jobs / 2))], { cwd: dir, encoding: "utf8" }).trim();
  settle();

  const started = performance.now();
  const server = startUi(cohort, dir);
  const url = await server.url;
  const origin = url.replace(/\/\?token=.*/, "");
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // The longest task of the page's main thread (a frozen page is one long task).
    await page.addInitScript(() => {
      window.longestTask = 0;
      new PerformanceObserver((list) => list.getEntries().forEach((e) => (window.longestTask = Math.max(window.longestTask, e.duration)))).observe({ type: "longtask", buffered: true });
    });
    await page.goto(url);
    await page.locator("main h1").waitFor();
    await page.locator("table.entries").first().waitFor({ timeout: 600_000 });
    row(`${k} jobs: cohort ui, from start to the status computed (in the background)`, { seconds: (performance.now() - started) / 1000, mb: NaN });

    /** Seconds from a fresh load of the view to `selector` shown: the median of three. */
    const screen = async (name, hash, selector) => {
      const times = [];
      for (let i = 0; i < 3; i++) {
        await page.goto("about:blank");
        const t0 = performance.now();
        await page.goto(`${origin}/#/${hash}`);
        await page.locator(selector).first().waitFor({ timeout: 60_000 });
        times.push({ seconds: (performance.now() - t0) / 1000, mb: NaN });
      }
      row(`${k} jobs, ${k} runs: first screen of ${name}`, median(times), 1);
    };
    await screen("the overview", "", "table.entries");
    await screen("the jobs table", "jobs", "table.jobs tbody tr");
    await screen(`the jobs table's last page`, `jobs?offset=${Math.floor((jobs - 1) / 100) * 100}`, "table.jobs tbody tr");
    await screen("the jobs sorted by i, descending", "jobs?sort=i&desc=1", "table.jobs tbody tr");
    await screen("a job", `job/${someJob}`, "table.runs");
    await screen("the runs", "runs", "table.runs tbody tr");
    await screen("the runs with groups", "groups", "table.runs tbody tr");
    await screen("compare (the newest 20 runs)", "compare", "table.compare tbody tr");

    // Paging: the next page of the jobs table, from the click to its rows.
    await page.goto(`${origin}/#/jobs`);
    await page.locator("table.jobs tbody tr").first().waitFor();
    const pages = [];
    for (let i = 0; i < 3; i++) {
      const first = await page.locator("table.jobs tbody td.id").first().innerText();
      const t0 = performance.now();
      await page.getByRole("button", { name: "next page" }).first().click();
      await page.waitForFunction((was) => document.querySelector("table.jobs tbody td.id")?.textContent !== was, first);
      pages.push({ seconds: (performance.now() - t0) / 1000, mb: NaN });
    }
    row(`${k} jobs: the jobs table's next page`, median(pages), 1);

    // A filter typed in the box: each a new query of every job.
    const filters = [`{"i": {"$gte": ${Math.floor(jobs / 2)}, "$lt": ${Math.floor(jobs / 2) + 50}}}`, `i.$lt 100`, `{"i": {"$in": [1, 2, 3]}}`];
    const filtered = [];
    for (const f of filters) {
      await page.getByRole("searchbox").fill(f);
      const t0 = performance.now();
      await page.getByRole("button", { name: "find" }).click();
      await page.waitForFunction((want) => document.querySelector(".pager span")?.textContent?.includes(`of ${want}`), f.includes("$in") ? 3 : f.includes("$lt 100") ? 100 : 50);
      filtered.push({ seconds: (performance.now() - t0) / 1000, mb: NaN });
    }
    row(`${k} jobs: a filter in the jobs table`, median(filtered), 1);

    // The run with 100,000 points: from the request to the plot drawn, and the longest task meanwhile.
    await page.goto("about:blank");
    const t0 = performance.now();
    await page.goto(`${origin}/#/run/${newest.id}`);
    await page.locator(".plot canvas").first().waitFor({ timeout: 60_000 });
    row(`a run with a metric of ${POINTS} steps: its page with the plot drawn`, { seconds: (performance.now() - t0) / 1000, mb: NaN }, 2);
    const longest = await page.evaluate(() => window.longestTask);
    counts.push({ name: `the longest task of the page while it drew ${POINTS} points (ms)`, value: longest, aim: 1000 });
  } finally {
    await browser.close();
    server.child.kill("SIGINT");
  }
}
