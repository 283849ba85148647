/**
 * Debian's Chromium, driven by playwright-core (the browser cannot be downloaded here). Where it is
 * not installed, the browser tests are skipped with a note, unless COHORT_REQUIRE_CHROMIUM=1 (CI,
 * which installs it), which makes that a failure.
 */
import fs from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.COHORT_CHROMIUM ?? "/usr/bin/chromium";

/** Whether the browser tests can run; says why not on stderr, or throws when CI requires them. */
export function haveChromium(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.env.COHORT_REQUIRE_CHROMIUM === "1") throw new Error(`the browser tests need Chromium at ${CHROMIUM} (apt-get install chromium)`);
  process.stderr.write(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium; COHORT_REQUIRE_CHROMIUM=1 makes this a failure)\n`);
  return false;
}

/** Without the flags that stop background networking, this machine refuses Chromium's connections. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** How many pixels of the canvases under `selector` are drawn (not transparent). */
export const DRAWN_PIXELS = (selector: string) => `
  [...document.querySelectorAll(${JSON.stringify(selector)})].reduce((n, c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
    return n;
  }, 0)`;
