// What `npm run screenshots` and the bench's ui scenario share: `cohort ui` started in a project, and
// Debian's Chromium driven by playwright-core (test/dashboard/browser.ts does the same for the tests).
import { spawn } from "node:child_process";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.COHORT_CHROMIUM ?? "/usr/bin/chromium";

/** Without the flags that stop background networking, this machine refuses Chromium's connections. */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Starts `cohort ui --port 0` in `dir`: the process, and the URL it prints (a promise). */
export function startUi(cohort, dir) {
  const child = spawn(process.execPath, [cohort, "ui", "--port", "0"], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
  const url = new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /open (http\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on("close", () => reject(new Error(`cohort ui ended: ${out}`)));
  });
  return { child, url };
}
