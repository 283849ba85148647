/**
 * The dashboard's server: what it serves equals what the commands print (--json), nothing is served
 * without the token, writes need a same-origin request (CSRF), files never come from outside the
 * project, and open pages hear of a run that starts, prints or ends.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard, type Dashboard } from "../../src/dashboard/server.js";
import { cohortInBackground, tempDir } from "../helpers.js";
import { makeProject, run } from "./fixture.js";

const TOKEN = "a".repeat(48);
let dir: string;
let ui: Dashboard;
let base: string;
const COOKIE = () => `cohort_ui_${ui.port}=${TOKEN}`;

beforeAll(async () => {
  dir = makeProject();
  ui = await startDashboard({ root: dir, host: "127.0.0.1", port: 0, token: TOKEN, pageDir: tempDir() });
  base = `http://127.0.0.1:${ui.port}`;
}, 120_000);
afterAll(() => ui?.close());

const get = (p: string, headers: Record<string, string> = { cookie: COOKIE() }) => fetch(base + p, { headers, redirect: "manual" });
async function json(p: string): Promise<unknown> {
  const r = await get(p);
  expect(r.status, await r.clone().text()).toBe(200);
  return r.json();
}
const cli = (...args: string[]) => JSON.parse(run(args, dir)) as unknown;

describe("the token", () => {
  it("nothing is served without it, or with a wrong one", async () => {
    for (const p of ["/", "/api/runs", "/api/jobs", "/api/status", "/api/events", "/page.js", "/api/file?path=cohort.toml"]) {
      expect((await get(p, {})).status, p).toBe(403);
      expect((await get(p, { cookie: `cohort_ui_${ui.port}=${"b".repeat(48)}` })).status, p).toBe(403);
    }
    expect((await get(`/?token=${"b".repeat(48)}`, {})).status).toBe(403);
    expect((await get(`/?token=${TOKEN.slice(1)}`, {})).status).toBe(403);
  });

  it("nothing is served to a request naming another host, token or not (DNS rebinding)", async () => {
    const status = (p: string, host: string) =>
      new Promise<number | undefined>((resolve, reject) => {
        http.get(`${base}${p}`, { headers: { host, cookie: COOKIE() } }, (res) => (res.resume(), resolve(res.statusCode))).on("error", reject);
      });
    for (const p of ["/", "/api/runs", `/?token=${TOKEN}`, "/api/file?path=cohort.toml"]) {
      expect(await status(p, `evil.example:${ui.port}`), p).toBe(403);
      expect(await status(p, `localhost:${ui.port}`), p).not.toBe(403);
    }
  });

  it("in the URL, it sets an HttpOnly SameSite=Strict cookie and leaves the address", async () => {
    const r = await get(`/?token=${TOKEN}`, {});
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe("/");
    const cookie = r.headers.get("set-cookie")!;
    expect(cookie).toContain(`cohort_ui_${ui.port}=${TOKEN}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect((await get("/api/runs", { cookie: cookie.split(";")[0] })).status).toBe(200);
  });
});

describe("the API answers as the commands do", () => {
  it("status: cohort status --json, computed in the background when the server starts", async () => {
    let s = (await json("/api/status")) as { status: unknown; jobs: number };
    expect(s.jobs).toBe(6);
    for (let i = 0; s.status === null && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = (await json("/api/status")) as { status: unknown; jobs: number };
    }
    expect(s.status).toEqual(cli("status", "--json"));
  });

  it("runs and groups: cohort runs [-g] -a --json, paged, filtered", async () => {
    const runs = (await json("/api/runs?limit=500")) as { total: number; rows: unknown[] };
    expect(runs.rows).toEqual(cli("runs", "-a", "--json"));
    expect(runs.total).toBe(8);
    const page = (await json("/api/runs?offset=2&limit=2")) as { rows: unknown[] };
    expect(page.rows).toEqual((cli("runs", "-a", "--json") as unknown[]).slice(2, 4));
    expect(((await json("/api/runs?group=1")) as { rows: unknown[] }).rows).toEqual(cli("runs", "-g", "-a", "--json"));
    expect(((await json("/api/runs?o=train&s=completed")) as { rows: unknown[] }).rows).toEqual(cli("runs", "-o", "train", "-s", "completed", "--json"));
    expect(((await json("/api/runs?group=2")) as { rows: unknown[] }).rows).toEqual(cli("runs", "-g", "2", "--json"));
  });

  it("a group: what cohort group show --json says of it, with the runs a batch planned and made", async () => {
    const batch = (cli("runs", "-g", "-a", "--json") as { kind?: string; id: string }[]).find((r) => r.kind === "batch")!;
    const shown = cli("group", "show", batch.id, "--json") as Record<string, unknown>;
    const page = (await json(`/api/groups/${batch.id}`)) as Record<string, unknown>;
    expect(page).toMatchObject({ id: batch.id, planned: 3, made: 3 });
    expect([page.planned, page.made]).toEqual([shown.planned, shown.made]);
  });

  it("a run: cohort runs show --json, with its metrics over steps and its output", async () => {
    const shown = cli("runs", "show", "1", "--json") as Record<string, unknown>;
    const page = (await json("/api/runs/1")) as Record<string, unknown>;
    const { output: _o, ...rest } = shown;
    const { series, running: _r, ...same } = page;
    expect(same).toEqual(rest);
    const loss = (series as Record<string, { steps: number[]; values: number[] }>).loss;
    expect(loss.steps).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(loss.values[3]).toBeCloseTo(0.25);
    const out = (await json("/api/runs/1/output")) as { text: string; next: number };
    expect(out.text).toBe(run(["runs", "show", "1", "--output"], dir));
    expect(((await json(`/api/runs/1/output?from=${out.next}`)) as { text: string }).text).toBe("");
  });

  it("a run's output ends at its recorded end, though the next run's output follows in the same segment", async () => {
    // the runs of one `cohort run` (the batch of train, the pipeline) print into one segment, one after the other
    for (let i = 1; i <= 8; i++) {
      const out = (await json(`/api/runs/${i}/output`)) as { text: string; next: number; more: boolean };
      expect(out.text, `#${i}`).toBe(run(["runs", "show", String(i), "--output"], dir));
      expect(out.more, `#${i}`).toBe(false);
      expect(await json(`/api/runs/${i}/output?from=${out.next}`), `#${i}`).toMatchObject({ text: "", next: out.next, more: false });
    }
  });

  it("a run's output comes in chunks that never split a character", async () => {
    const own = tempDir();
    run(["init"], own);
    // 1 MiB less one byte of "a", then a two-byte character across the first chunk's end
    fs.writeFileSync(path.join(own, "cohort.toml"), `[operations.big]\ncommand = "head -c 1048575 /dev/zero | tr '\\\\0' a; printf '\\\\303\\\\251\\\\n'"\nflags = { n = 1 }\n`);
    run(["run", "big", "-q"], own);
    const other = await startDashboard({ root: own, host: "127.0.0.1", port: 0, token: TOKEN, pageDir: tempDir() });
    try {
      const ask = async (from?: number) => (await (await fetch(`http://127.0.0.1:${other.port}/api/runs/1/output${from === undefined ? "" : `?from=${from}`}`, { headers: { cookie: `cohort_ui_${other.port}=${TOKEN}` } })).json()) as { text: string; next: number; more: boolean };
      const first = await ask();
      expect([first.text.length, /^a+$/.test(first.text), first.more]).toEqual([1048575, true, true]);
      const second = await ask(first.next);
      expect([second.text, second.more]).toEqual(["\u00e9\n", false]);
    } finally {
      other.close();
    }
  });

  it("compare: cohort runs compare --json", async () => {
    const cmp = (await json("/api/compare?group=2&series=loss")) as { rows: Record<string, unknown>[]; series: { values: number[] }[] };
    expect(cmp.rows).toEqual(cli("runs", "compare", "-g", "2", "--json"));
    expect(cmp.series.map((s) => s.values.length)).toEqual([1, 1, 1]);
  });

  it("jobs: what cohort find matches, sorted, paged, with documents", async () => {
    run(["doc", "8ecc", "energy", "-1.25"], dir);
    const all = (await json("/api/jobs")) as { total: number; keys: string[]; rows: { id: string }[] };
    expect(all.total).toBe(6);
    expect(all.keys).toEqual(["N", "T"]);
    expect(all.rows.map((r) => r.id)).toEqual(run(["find"], dir).trim().split("\n"));
    const t1 = (await json(`/api/jobs?q=${encodeURIComponent("T 1.0")}`)) as { rows: { id: string }[] };
    expect(t1.rows.map((r) => r.id)).toEqual(run(["find", "T", "1.0"], dir).trim().split("\n"));
    const json2 = (await json(`/api/jobs?q=${encodeURIComponent('{"N": {"$gt": 100}}')}&sort=T&desc=1&limit=2&offset=1`)) as { total: number; rows: { sp: { T: number } }[] };
    expect(json2.total).toBe(3);
    expect(json2.rows.map((r) => r.sp.T)).toEqual([1.5, 1.0]);
    const doc = (await json(`/api/jobs?q=${encodeURIComponent("doc.energy -1.25")}`)) as { rows: { id: string; doc: unknown }[]; docKeys: string[] };
    expect(doc.rows).toHaveLength(1);
    expect(doc.rows[0].doc).toEqual({ energy: -1.25 });
    expect(doc.docKeys).toEqual(["energy"]);
    const bad = await get(`/api/jobs?q=${encodeURIComponent("T {")}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/./);
  });

  it("a job: its state point, files and runs", async () => {
    const id = run(["find", "T", "1.5", "N", "64"], dir).trim();
    const job = (await json(`/api/jobs/${id.slice(0, 6)}`)) as { id: string; sp: unknown; files: { path: string }[]; runs: unknown[] };
    expect(job.id).toBe(id);
    expect(job.sp).toEqual({ T: 1.5, N: 64 });
    expect(job.files.map((f) => f.path)).toEqual(["init.dat", "signac_statepoint.json", "traj.dat"]);
    expect(job.runs).toEqual(cli("runs", "-j", id, "-a", "--json"));
    expect((await get("/api/jobs/ffff")).status).toBe(400);
  });
});

describe("writes", () => {
  const post = (p: string, body: string, headers: Record<string, string>) => fetch(base + p, { method: "POST", body, headers: { "content-type": "application/json", cookie: COOKIE(), ...headers } });
  const origin = () => ({ origin: base, "sec-fetch-site": "same-origin" });

  it("label, tag and comment a run from a same-origin request; the commands see them", async () => {
    const r = await post("/api/runs/2/attributes", JSON.stringify({ label: "from the page", addTags: ["good"], comment: "looks fine" }), origin());
    expect(r.status, await r.clone().text()).toBe(200);
    const row = (cli("runs", "-a", "--json") as { label: string; tags: string[] }[])[1];
    expect(row.label).toBe("from the page");
    expect(row.tags).toEqual(["good"]);
    expect((cli("runs", "show", "2", "--json") as { comments: { msg: string }[] }).comments.map((c) => c.msg)).toEqual(["looks fine"]);
    const g = await post("/api/groups/2/attributes", JSON.stringify({ label: "batch of three" }), { origin: base });
    expect(g.status).toBe(200);
    expect((cli("runs", "-g", "--json") as { label: string }[])[1].label).toBe("batch of three");
  });

  it("refuses cross-site requests (CSRF), requests without the token, and bad bodies", async () => {
    const body = JSON.stringify({ label: "csrf" });
    const refused: [Record<string, string>, number][] = [
      [{}, 403], // no Origin
      [{ origin: "http://evil.example" }, 403],
      [{ origin: base, "sec-fetch-site": "cross-site" }, 403],
      [{ origin: base, "sec-fetch-site": "same-site" }, 403],
      [{ origin: "null" }, 403],
      [{ ...origin(), cookie: "" }, 403],
      [{ ...origin(), "content-type": "text/plain" }, 415],
    ];
    for (const [headers, status] of refused) expect((await post("/api/runs/3/attributes", body, headers)).status, JSON.stringify(headers)).toBe(status);
    expect((await post("/api/runs/3/attributes", "{", origin())).status).toBe(400);
    expect((await post("/api/runs/3/attributes", JSON.stringify({ addTags: ["two words"] }), origin())).status).toBe(400);
    // control characters, as the CLI refuses them (a comment may span lines)
    for (const change of [{ label: "\u001b[2Jx" }, { label: "a\nb" }, { addTags: ["\u001b]0;t\u0007"] }, { comment: "x\u001b[31m" }]) {
      expect((await post("/api/runs/3/attributes", JSON.stringify(change), origin())).status, JSON.stringify(change)).toBe(400);
    }
    const unknown = await post("/api/runs/3/attributes", JSON.stringify({ label: "kept?", trash: true }), origin());
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/^[^\n]*"trash"[^\n]*$/);
    expect((await post("/api/runs/3/delete", body, origin())).status).toBe(404);
    expect((cli("runs", "-a", "--json") as { label: string }[])[2].label).toBe("");
  });
});

describe("files", () => {
  it("serves a file of the project", async () => {
    const id = run(["find", "T", "1.5", "N", "64"], dir).trim();
    const r = await get(`/api/file?path=workspace/${id}/init.dat`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe("64\n");
  });

  it("streams a file larger than memory would hold: its length announced, its bytes read as they are sent", async () => {
    const big = path.join(dir, "big.bin");
    fs.writeFileSync(big, "");
    fs.truncateSync(big, 3 * 2 ** 30); // sparse: 3 GB of zeros that take no disk
    try {
      const before = process.memoryUsage().rss;
      // the head of the answer and its first bytes, then the connection is dropped
      const got = await new Promise<{ status?: number; length?: string; first: Buffer }>((resolve, reject) => {
        const req = http.get(`${base}/api/file?path=big.bin`, { headers: { cookie: COOKIE() } }, (res) => {
          res.on("error", () => {});
          res.once("data", (first: Buffer) => {
            resolve({ status: res.statusCode, length: res.headers["content-length"], first });
            req.destroy();
          });
        });
        req.on("error", reject);
      });
      expect(got.status).toBe(200);
      expect(got.length).toBe(String(3 * 2 ** 30));
      expect(got.first.every((b) => b === 0)).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(process.memoryUsage().rss - before).toBeLessThan(256 * 2 ** 20);
      // and the server goes on serving
      expect(((await json("/api/runs?limit=1")) as { total: number }).total).toBeGreaterThan(0);
    } finally {
      fs.rmSync(big);
    }
  });

  it("refuses paths that go up, in any encoding, and symlinks that lead out", async () => {
    const outside = path.join(path.dirname(dir), "secret.txt");
    fs.writeFileSync(outside, "secret\n");
    const id = run(["find", "T", "1.0", "N", "64"], dir).trim();
    fs.symlinkSync(outside, path.join(dir, "workspace", id, "link.txt"));
    fs.symlinkSync(path.dirname(dir), path.join(dir, "up"));
    const paths = [
      "../secret.txt",
      "workspace/../../secret.txt",
      "%2e%2e/secret.txt",
      "%2E%2E%2Fsecret.txt",
      "..%2fsecret.txt",
      "..\\secret.txt",
      `workspace/${id}/link.txt`,
      "up/secret.txt",
      "/etc/passwd",
    ];
    for (const p of paths) {
      const r = await get(`/api/file?path=${p}`);
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(await r.text(), p).not.toContain("secret\n");
    }
    // the page's own files: a plain name only
    for (const p of ["/..%2f..%2fpackage.json", "/%2e%2e/package.json", "/../package.json"]) expect((await get(p)).status, p).toBe(404);
  });
});

describe("live", () => {
  /** The `change` events the server sends, as they come. */
  function listen(): { events: number[]; close(): void } {
    const events: number[] = [];
    const req = http.get(`${base}/api/events`, { headers: { cookie: COOKIE() } }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        for (const _ of d.matchAll(/event: change\n/g)) events.push(Date.now());
      });
    });
    return { events, close: () => req.destroy() };
  }

  it("a run that starts, prints and ends is told to open pages within 2 s", async () => {
    const sse = listen();
    await new Promise((r) => setTimeout(r, 500));
    const before = sse.events.length;
    const started = Date.now();
    const child = cohortInBackground(["exec", "curve", "steps=30"], { cwd: dir, env: { CURVE_SLEEP: "1" } });
    await waitUntil(() => sse.events.length > before, 2000);
    expect(sse.events[before] - started).toBeLessThan(2000);
    // it prints a line a second: pages hear of each
    const n = sse.events.length;
    await waitUntil(() => sse.events.length > n, 2000);
    expect((await child.done).code).toBe(0);
    const ended = Date.now();
    await waitUntil(() => sse.events.some((t) => t >= ended), 2000);
    const runs = (await json("/api/runs?limit=1")) as { rows: { status: string; operation: string }[] };
    expect(runs.rows[0]).toMatchObject({ operation: "curve", status: "completed" });
    sse.close();
  });
});

async function waitUntil(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
