/**
 * `cohort ui` in a real browser (Debian's Chromium): each view on the fixture project, the numbers
 * it shows equal to the commands', a label set in the page seen by `cohort runs`, plots drawn, and a
 * run started while the page is open showing up, printing and ending without a reload.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { cohortInBackground } from "../helpers.js";
import { DRAWN_PIXELS, haveChromium, launchChromium } from "./browser.js";
import { makeProject, run, serveUi, stopUi } from "./fixture.js";

const ok = haveChromium();

describe.skipIf(!ok)("cohort ui in Chromium", () => {
  let dir: string;
  let server: ReturnType<typeof cohortInBackground>;
  let url: string;
  let base: string;
  let browser: Browser;
  let page: Page;
  /** Errors the page logged (a script that failed, a style or request the Content-Security-Policy refused). */
  const problems: string[] = [];
  const cli = <T,>(...args: string[]) => JSON.parse(run(args, dir)) as T;

  beforeAll(async () => {
    dir = makeProject();
    ({ server, url, base } = await serveUi(dir));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
    page.on("pageerror", (e) => void problems.push(e.message));
    await page.goto(url);
  }, 120_000);

  afterAll(() => stopUi(browser, server));

  it("the overview shows what cohort status shows", async () => {
    const status = cli<{ jobs: number; operations: { name: string; eligible: number; complete: number; waiting: number }[] }>("status", "--json");
    await page.locator("table.entries").first().waitFor();
    expect(page.url()).toBe(base + "/"); // the token left the address bar
    for (const op of status.operations) {
      const cells = await page.locator("table.entries tr", { has: page.locator(`th:text-is("${op.name}")`) }).first().locator("td").allInnerTexts();
      expect(cells.slice(1, 4).map(Number), op.name).toEqual([op.eligible, op.complete, op.waiting]);
    }
    await expect(page.locator(`a:text-is("${status.jobs} jobs")`).count()).resolves.toBe(1);
  });

  it("the jobs table filters in the query language, and opens a job", async () => {
    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.locator("table.jobs tbody tr").first().waitFor();
    expect(await page.locator("table.jobs tbody tr").count()).toBe(6);
    await page.getByRole("searchbox").fill('{"T": 1.0}');
    await page.getByRole("button", { name: "find" }).click();
    await expect.poll(() => page.locator("table.jobs tbody tr").count()).toBe(2);
    const ids = run(["find", "T", "1.0"], dir).trim().split("\n");
    expect((await page.locator("table.jobs tbody td.id").allInnerTexts()).map((t) => t.trim())).toEqual(ids.map((id) => id.slice(0, 10)));
    // sorted by N, descending (a second click)
    await page.getByRole("button", { name: "N", exact: true }).click();
    await page.getByRole("button", { name: "N ▲" }).click();
    await expect.poll(() => page.locator("table.jobs tbody tr td:nth-child(2)").allInnerTexts()).toEqual(["128", "64"]);
    await page.locator("table.jobs tbody a").first().click();
    await page.getByRole("heading", { name: "State point" }).waitFor();
    expect(JSON.parse(await page.locator("pre.json").first().innerText())).toEqual({ T: 1.0, N: 128 });
  });

  it("a run's page shows its output and draws its metric over steps", async () => {
    const curve = cli<{ id: string; name: string; operation: string }[]>("runs", "--json").find((r) => r.operation === "curve")!;
    await page.goto(`${base}/#/runs`);
    await page.getByRole("link", { name: curve.name }).click();
    await page.locator("pre.output", { hasText: "curve done" }).waitFor();
    expect((await page.locator("pre.output").innerText()).trimEnd()).toBe(run(["runs", "show", curve.id, "--output"], dir).trimEnd());
    await page.locator(".plot canvas").first().waitFor();
    expect(await page.evaluate(DRAWN_PIXELS(".plot canvas"))).toBeGreaterThan(200);
    // the metric's last, min, max, avg and count, as cohort runs show --json gives them
    const m = cli<{ metrics: { loss: Record<string, number> } }>("runs", "show", curve.id, "--json").metrics.loss;
    expect((await page.locator("table.metrics tbody td").allInnerTexts()).map(Number)).toEqual([m.last, m.min, m.max, m.avg, m.count]);
  });

  it("a label set in the page is what cohort runs shows", async () => {
    const target = cli<{ id: string; name: string }[]>("runs", "--json")[2];
    await page.goto(`${base}/#/run/${target.id}`);
    // (until its run arrives, the page shows the run before it, whose label box this is not)
    await page.getByRole("heading", { name: `Run ${target.name}` }).waitFor();
    await page.getByLabel("label").fill("chosen in the page");
    await page.getByRole("button", { name: "set label" }).click();
    await page.getByLabel("new tag").fill("good");
    await page.getByRole("button", { name: "add tag" }).click();
    await page.locator(".tag", { hasText: "good" }).waitFor();
    const row = cli<{ id: string; label: string; tags: string[] }[]>("runs", "--json").find((r) => r.id === target.id)!;
    expect(row.label).toBe("chosen in the page");
    expect(row.tags).toEqual(["good"]);
  });

  it("a label typed the moment the box appears is kept", async () => {
    const target = cli<{ id: string; name: string }[]>("runs", "--json")[3];
    await page.goto(`${base}/#/jobs`);
    await page.locator("table.jobs tbody tr").first().waitFor();
    // Types into the new box as soon as it is in the page, before the next frame: what a quick
    // hand (or a test) does, and what a box reset one frame after it was made would wipe.
    const typed = page.evaluate(`new Promise((done) => {
      const watch = new MutationObserver(() => {
        const box = document.querySelector('.attributes input[name="label"]');
        if (!box) return;
        watch.disconnect();
        box.value = "typed at once";
        box.dispatchEvent(new Event("input", { bubbles: true }));
        done();
      });
      watch.observe(document.body, { childList: true, subtree: true });
    })`);
    await page.evaluate(`location.hash = "#/run/${target.id}"`);
    await typed;
    await page.waitForTimeout(300); // a few frames
    expect(await page.getByLabel("label").inputValue()).toBe("typed at once");
  });

  it("runs and groups, a group's page and its comparison with plots", async () => {
    const groups = cli<{ id: string; name: string; kind?: string; type: string }[]>("runs", "-g", "--json");
    const batch = groups.find((g) => g.kind === "batch")!;
    await page.goto(`${base}/#/groups`);
    await page.locator("table.runs tbody tr").first().waitFor();
    // the rows of cohort runs -g: #, name, operation, status, label
    const rows = await page.locator("table.runs tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent!.trim())));
    const listed = cli<{ index: number; name: string; kind?: string; operation: string; status: string; label: string }[]>("runs", "-g", "--json");
    expect(rows.map((r) => [r[0], r[1], r[2], r[4], r[5]])).toEqual(listed.map((g) => [String(g.index), g.name + (g.kind ? ` ${g.kind}` : ""), g.operation, g.status, g.label]));
    await page.getByRole("link", { name: batch.name }).click();
    await page.getByText("compare its members").click();
    await page.locator("table.compare tbody tr").first().waitFor();
    const cmp = cli<{ name: string; metrics: { loss: number } }[]>("runs", "compare", "-g", batch.id, "--json");
    const names = await page.locator("table.compare tbody tr td:first-child").allInnerTexts();
    expect(names).toEqual(cmp.map((r) => r.name));
    // loss against lr; no plot over steps, for train prints its loss once, without a step
    await expect.poll(() => page.locator(".plot canvas").count()).toBe(1);
    await page.locator(".plot[aria-label^='loss against lr']").waitFor();
    expect(await page.evaluate(DRAWN_PIXELS(".plot canvas"))).toBeGreaterThan(100);
  });

  it("works by keyboard and at phone width", async () => {
    await page.goto(`${base}/#/runs`);
    const first = page.locator("table.runs tbody a").first();
    await first.waitFor();
    const name = await first.innerText();
    await first.focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: `Run ${name}` }).waitFor();
    await page.setViewportSize({ width: 380, height: 800 });
    for (const view of ["", "jobs", "runs", `run/${name}`]) {
      await page.goto(`${base}/#/${view}`);
      await page.locator("main h1").waitFor();
      // wide tables scroll in their own box; the page itself does not scroll sideways
      expect(await page.evaluate("document.documentElement.scrollWidth"), view).toBeLessThanOrEqual(380);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("a run started while the page is open shows up, prints and ends without a reload", async () => {
    await page.goto(`${base}/#/runs`);
    await page.locator("table.runs tbody tr").first().waitFor();
    const before = await page.locator("table.runs tbody tr").count();
    const child = cohortInBackground(["exec", "curve", "steps=40"], { cwd: dir, env: { CURVE_SLEEP: "1" } });
    const started = Date.now();
    await expect.poll(() => page.locator("table.runs tbody tr").count(), { timeout: 5000, interval: 50 }).toBeGreaterThan(before);
    // (the 5 s include starting cohort; the server's own test times the 2 s from the journal's change)
    expect(Date.now() - started).toBeLessThan(5000);
    await page.locator("table.runs tbody tr").first().getByText("running").waitFor({ timeout: 3000 });
    await page.locator("table.runs tbody a").first().click();
    await page.locator("pre.output", { hasText: "step 10" }).waitFor({ timeout: 3000 });
    expect(await page.locator("pre.output").innerText()).not.toContain("curve done");
    expect((await child.done).code).toBe(0);
    await page.locator("pre.output", { hasText: "curve done" }).waitFor({ timeout: 2500 });
    await page.locator(".status-completed").first().waitFor({ timeout: 2500 });
  });

  it("a hidden tab lets go of its event stream, and catches up when shown", async () => {
    const other = await browser.newPage();
    await other.goto(url);
    await other.goto(`${base}/#/runs`);
    // (the overview has a table of runs too, and asks for the status when it changes)
    await other.getByRole("heading", { name: "Runs", exact: true }).waitFor();
    await other.locator("table.runs tbody tr").first().waitFor();
    const before = await other.locator("table.runs tbody tr").count();
    const hide = (hidden: boolean) => other.evaluate(`Object.defineProperty(document, "hidden", { configurable: true, get: () => ${hidden} }); document.dispatchEvent(new Event("visibilitychange"))`);
    await hide(true);
    const asked: string[] = [];
    other.on("request", (r) => void asked.push(r.url()));
    run(["exec", "train", "lr=0.5"], dir);
    // open pages hear of the run within 2 s; the hidden one asks for nothing
    await new Promise((r) => setTimeout(r, 2000));
    expect(asked.filter((u) => u.includes("/api/"))).toEqual([]);
    expect(await other.locator("table.runs tbody tr").count()).toBe(before);
    await hide(false);
    await expect.poll(() => other.locator("table.runs tbody tr").count(), { timeout: 3000 }).toBe(before + 1);
    await other.close();
  });

  it("a route changed before the page's first effects ran is still shown", async () => {
    // As on a loaded machine: preact runs effects after a frame, or 100 ms without one. Here no frame
    // comes and that wait is 1.5 s, so the address changes before the page listens for changes.
    const slow = await browser.newPage();
    await slow.addInitScript(`
      const wait = window.setTimeout;
      window.requestAnimationFrame = () => 0;
      window.setTimeout = (f, ms, ...rest) => wait(f, ms === 100 ? 1500 : ms, ...rest);
    `);
    await slow.goto(url);
    await slow.goto(`${base}/#/runs`);
    await slow.getByRole("heading", { name: "Runs", exact: true }).waitFor({ timeout: 5000 });
    await slow.close();
  });

  it("a run's page stops asking for output when the server says there is more but gives none", async () => {
    const other = await browser.newPage();
    await other.goto(url);
    let asked = 0;
    await other.route("**/api/runs/*/output*", (route) => {
      asked++;
      return route.fulfill({ contentType: "application/json", body: JSON.stringify({ text: asked === 1 ? "start\n" : "", next: 6, more: true, running: false }) });
    });
    await other.goto(`${base}/#/run/1`);
    await other.locator("pre.output", { hasText: "start" }).waitFor();
    await new Promise((r) => setTimeout(r, 1000));
    // (the first answer and the one that gave nothing; a change of the runs meanwhile may ask again)
    expect(asked).toBeGreaterThanOrEqual(2);
    expect(asked).toBeLessThanOrEqual(4);
    await other.close();
  });

  it("logged no error on the way (nothing refused by its Content-Security-Policy)", () => {
    expect(problems).toEqual([]);
  });
});
