/**
 * `cohort ui` in Chromium on a sweep as an ML engineer makes one: a batch of a flag operation with a
 * stepped metric, runs on jobs whose state points hold floats, runs with no metric at all. Moving
 * between pages, and the comparison's table and plots, against what the commands print.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { cohort, tempDir } from "../helpers.js";
import { haveChromium, launchChromium } from "./browser.js";
import { run, serveUi, stopUi } from "./fixture.js";

const TOML = String.raw`[project]
name = "sweep"

[operations.train]
command = "for e in 0 1 2; do echo \"epoch $e loss=$(awk -v e=$e -v lr={flags.lr} 'BEGIN { print lr / (e + 1) }')\"; done"
flags = { lr = 0.1, seed = 1 }
metrics = ["epoch (?<step>\\d+) loss=(?<loss>\\S+)"]

[operations.score]
command = "echo loss=0.05 acc=1.0"
flags = { lr = 0.1 }
metrics = ["loss=(?<loss>\\S+)", "acc=(?<acc>\\S+)"]

[operations.prep]
command = "echo prepared > init.dat"
post = [{ isfile = "init.dat" }]
`;

const ok = haveChromium();

describe.skipIf(!ok)("a sweep in cohort ui", () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof serveUi>>["server"];
  let url: string;
  let base: string;
  let browser: Browser;
  let page: Page;
  const cli = <T,>(...args: string[]) => JSON.parse(run(args, dir)) as T;

  beforeAll(async () => {
    dir = path.join(tempDir("cohort-ui-"), "sweep");
    fs.mkdirSync(dir);
    run(["init", "T={1.0,2.0}"], dir);
    fs.writeFileSync(path.join(dir, "cohort.toml"), TOML);
    run(["run", "prep"], dir);
    run(["run", "train", "lr={0.1,0.2}", "seed={1,2}"], dir);
    run(["run", "score", "lr=0.3"], dir);
    ({ server, url, base } = await serveUi(dir));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
  }, 120_000);

  afterAll(() => stopUi(browser, server));

  it("the label box shows the label of the run on the page, not of the one before", async () => {
    const [first, second] = cli<{ id: string; name: string }[]>("runs", "--json");
    run(["runs", "label", first.id, "--set", "best so far"], dir);
    await page.goto(`${base}/#/run/${first.id}`);
    await expect.poll(() => page.getByLabel("label").inputValue()).toBe("best so far");
    await page.getByLabel("new tag").fill("half-typed");
    // to the next run's page, as a link in the page goes (the page is not loaded again)
    await page.evaluate(`location.hash = "#/run/${second.id}"`);
    await page.getByRole("heading", { name: `Run ${second.name}` }).waitFor();
    await expect.poll(() => page.getByLabel("label").inputValue()).toBe("");
    expect(await page.getByLabel("new tag").inputValue()).toBe("");
    // a label set by the command line while the page is open shows in the box
    run(["runs", "label", second.id, "--set", "from the shell"], dir);
    await expect.poll(() => page.getByLabel("label").inputValue(), { timeout: 5000 }).toBe("from the shell");
  });

  it("a metric against a key shows the runs that have both, and over steps the runs that logged it at steps", async () => {
    const rows = cli<{ name: string; operation: string; config: Record<string, unknown>; metrics: Record<string, unknown> }[]>("runs", "compare", "--json");
    await page.goto(`${base}/#/compare`);
    await page.locator("table.compare tbody tr").first().waitFor();
    // the prep runs have T and no loss: nothing to plot against T
    await page.getByRole("combobox", { name: "against" }).selectOption("T");
    await page.getByRole("combobox", { name: "metric" }).selectOption("loss");
    await expect.poll(() => page.locator(".plot[aria-label^='loss against T']").count()).toBe(0);
    await page.getByRole("combobox", { name: "against" }).selectOption("lr");
    await expect.poll(() => page.locator(".plot[aria-label^='loss against lr']").count()).toBe(1);
    // loss over steps: the train runs, not score's one value without a step
    const stepped = rows.filter((r) => r.operation === "train").map((r) => r.name);
    const plot = page.locator(".plot[aria-label^='loss over steps']");
    await plot.waitFor();
    expect(await plot.getAttribute("aria-label")).toBe(`loss over steps: ${stepped.join(", ")} against step`);
  });

  it("a group's comparison leaves out its deleted and purged members, as the command does", async () => {
    const batch = cli<{ id: string; kind?: string }[]>("runs", "-g", "--json").find((g) => g.kind === "batch")!;
    const members = cli<{ id: string }[]>("runs", "compare", "-g", batch.id, "--json");
    run(["runs", "delete", members[0].id], dir);
    run(["runs", "purge", members[1].id], dir);
    const names = cli<{ name: string }[]>("runs", "compare", "-g", batch.id, "--json").map((r) => r.name);
    expect(names).toHaveLength(members.length - 2);
    await page.goto(`${base}/#/compare?group=${batch.id}`);
    await expect.poll(() => page.locator("table.compare tbody tr td:first-child").allInnerTexts()).toEqual(names);
  });

  it("floats that are whole numbers show as the commands print them (1.0, not 1)", async () => {
    await page.goto(`${base}/#/jobs`);
    await page.locator("table.jobs tbody tr").first().waitFor();
    expect((await page.locator("table.jobs tbody tr td:nth-child(2)").allInnerTexts()).sort()).toEqual(["1.0", "2.0"]);
    const runs = cli<{ id: string; name: string; operation: string }[]>("runs", "--json");
    const prep = runs.find((r) => r.operation === "prep")!;
    const config = cli<{ config: { T: unknown } }>("runs", "show", prep.id, "--json").config;
    await page.goto(`${base}/#/run/${prep.id}`);
    await page.getByRole("heading", { name: `Run ${prep.name}` }).waitFor();
    const T = run(["runs", "show", prep.id], dir).match(/"T": (\S+)\}/)![1];
    expect(["1.0", "2.0"]).toContain(T);
    expect(await page.locator("dd code").first().innerText()).toBe(`{"T":${T}}`);
    expect(config).toBeDefined();
    const score = runs.find((r) => r.operation === "score")!;
    await page.goto(`${base}/#/run/${score.id}`);
    const acc = page.locator("table.metrics tr", { has: page.locator("th", { hasText: "acc" }) }).locator("td");
    await expect.poll(() => acc.allInnerTexts()).toEqual(["1.0", "1.0", "1.0", "1.0", "1"]);
    await page.goto(`${base}/#/compare?runs=${runs.filter((r) => r.operation === "prep").map((r) => r.name).join(",")}`);
    await page.locator("table.compare tbody tr").first().waitFor();
    const cells = await page.locator("table.compare tbody tr td:nth-child(6)").allInnerTexts();
    expect(cells.sort()).toEqual(["1.0", "2.0"]);
  });

  it("the comparison shows start times as the other pages do, and durations as the command does", async () => {
    const batch = cli<{ id: string; kind?: string }[]>("runs", "-g", "--json").find((g) => g.kind === "batch")!;
    const names = cli<{ name: string }[]>("runs", "compare", "-g", batch.id, "--json").map((r) => r.name);
    await page.goto(`${base}/#/compare?group=${batch.id}`);
    const column = (n: number) => page.locator(`table.compare tbody tr td:nth-child(${n})`).allInnerTexts();
    // (until the group's comparison arrives, the page shows the one before)
    await expect.poll(() => column(1)).toEqual(names);
    for (const started of await column(4)) expect(started).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    for (const duration of await column(5)) expect(duration).toMatch(/^\d+\.\ds$/);
    // the first member's start, as its own page shows it
    const first = (await column(4))[0];
    await page.locator("table.compare tbody a").first().click();
    const started = page.locator("dt:text-is('started') + dd");
    await started.waitFor();
    expect(await started.innerText()).toBe(first);
  });

  it("a batch's page shows its flags, and how many of its planned runs a batch stopped half-way made", async () => {
    fs.appendFileSync(path.join(dir, "cohort.toml"), `\n[operations.fails_at_2]\ncommand = "test {flags.lr} != 2"\nflags = { lr = 1 }\n`);
    expect(cohort(["run", "fails_at_2", "lr={1,2,3}"], { cwd: dir }).code).toBe(1);
    const shown = cli<{ id: string; name: string; details: { flags: string[] }; planned: number; members: string[] }>("group", "show", "1", "--json");
    expect(shown).toMatchObject({ details: { flags: ["lr={1,2,3}"] }, planned: 3, members: [expect.any(String), expect.any(String)] });
    await page.goto(`${base}/#/group/${shown.id}`);
    await page.getByRole("heading", { name: `Group ${shown.name}` }).waitFor();
    expect(await page.locator("dt:text-is('flags') + dd").innerText()).toBe("lr={1,2,3}");
    await page.getByText("Members (2 of 3 planned)").waitFor();
  });
});
