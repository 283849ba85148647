#!/usr/bin/env node
// `npm run screenshots`: a PNG of each view of `cohort ui` in docs/images/, taken in Debian's Chromium
// (playwright-core) on the example campaign of `npm start` (examples/campaign.mjs), made afresh.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium, startUi } from "./ui-browser.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const cohort = path.join(root, "bin", "cohort");
const images = path.join(root, "docs", "images");

const made = execFileSync(process.execPath, [path.join(root, "examples", "campaign.mjs")], { encoding: "utf8" });
const dir = /^Example campaign in (.+)$/m.exec(made)[1];
const json = (...args) => JSON.parse(execFileSync(process.execPath, [cohort, ...args, "--json"], { cwd: dir, encoding: "utf8" }));

const ui = startUi(cohort, dir);
const url = await ui.url;
const origin = url.replace(/\/\?token=.*/, "");
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await page.goto(url);
  const batch = json("runs", "-g").find((r) => r.kind === "batch");
  const fit = json("runs", "-o", "fit").find((r) => r.label === "" && r.operation === "fit");
  const job = json("find", "doc.analyzed", "true")[0];
  const shots = [
    ["overview", "", "table.entries"],
    ["jobs", "jobs?q=" + encodeURIComponent("T.$gte 1.5"), "table.jobs tbody tr"],
    ["job", `job/${job.id}`, "table.runs"],
    ["runs", "groups", "table.runs tbody tr"],
    ["run", `run/${fit.id}`, ".plot canvas"],
    ["compare", `compare?group=${batch.id}`, ".plot canvas"],
  ];
  fs.mkdirSync(images, { recursive: true });
  for (const [name, hash, selector] of shots) {
    await page.goto(`${origin}/#/${hash}`);
    await page.locator(selector).first().waitFor();
    // (plots and the status arrive after the first rows)
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(images, `ui-${name}.png`), fullPage: true });
    console.log(`docs/images/ui-${name}.png`);
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${origin}/#/run/${fit.id}`);
  await page.locator(".plot canvas").first().waitFor();
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(images, "ui-phone.png") });
  console.log("docs/images/ui-phone.png");
} finally {
  await browser.close();
  ui.child.kill("SIGINT");
  fs.rmSync(dir, { recursive: true, force: true });
}
