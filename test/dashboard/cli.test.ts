/** `cohort ui` on the command line: where it listens, what it prints and warns, and bad options. */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cohortInBackground, tempDir } from "../helpers.js";
import { run } from "./fixture.js";

/** Starts `cohort ui ARGS` in a fresh project, and gives its URL and stderr once it prints the URL. */
async function serve(args: string[]) {
  const dir = tempDir();
  run(["init"], dir);
  const ui = cohortInBackground(["ui", "--port", "0", ...args], { cwd: dir });
  let stderr = "";
  ui.child.stderr!.on("data", (d: Buffer) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    ui.child.stdout!.on("data", (d: Buffer) => {
      out += d;
      const m = /open (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    ui.child.on("close", () => reject(new Error(`cohort ui ended: ${out}`)));
  });
  return { url, stderr: () => stderr, stop: async () => (ui.child.kill("SIGINT"), (await ui.done).code) };
}

/** `cohort ui ARGS` in `dir` until it ends, or killed after 10 s (a server that should have ended). */
async function ended(args: string[], dir: string) {
  const ui = cohortInBackground(["ui", ...args], { cwd: dir });
  const timer = setTimeout(() => ui.child.kill("SIGKILL"), 10_000);
  const r = await ui.done;
  clearTimeout(timer);
  return r;
}

/** Whether a TCP connection to host:port is accepted. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port }, () => (s.destroy(), resolve(true)));
    s.on("error", () => resolve(false));
  });
}

/** An address of this machine other than loopback, if it has one. */
const outside = Object.values(os.networkInterfaces())
  .flat()
  .find((a) => a && a.family === "IPv4" && !a.internal)?.address;

describe("cohort ui", () => {
  it("listens on 127.0.0.1 only, prints a URL with a 48-digit random token, and ends at Ctrl-C", async () => {
    const a = await serve([]);
    const b = await serve([]);
    const m = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{48})$/.exec(a.url)!;
    expect(m).not.toBeNull();
    expect(b.url).not.toContain(m[2]);
    expect(await connects("127.0.0.1", Number(m[1]))).toBe(true);
    if (outside) expect(await connects(outside, Number(m[1]))).toBe(false);
    expect(a.stderr()).toBe("");
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
  });

  it("--host 0.0.0.0 warns that other machines can reach it", async () => {
    const a = await serve(["--host", "0.0.0.0"]);
    expect(a.stderr()).toMatch(/^cohort: warning: --host 0\.0\.0\.0: the dashboard is reachable from other machines/);
    const port = Number(/:(\d+)\//.exec(a.url)![1]);
    if (outside) expect(await connects(outside, port)).toBe(true);
    expect(await a.stop()).toBe(0);
  });

  it("ends with exit code 2 when it cannot listen, in a project with runs (a journal directory watched)", async () => {
    const dir = tempDir();
    run(["init"], dir);
    fs.writeFileSync(path.join(dir, "cohort.toml"), '[operations.hello]\ncommand = "echo hello"\nflags = { n = 1 }\n');
    run(["run", "hello"], dir);
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = String((taken.address() as net.AddressInfo).port);
    try {
      for (const args of [["--port", port], ["--host", "192.0.2.1", "--port", "0"]]) {
        const r = await ended(args, dir);
        expect(r.code, args.join(" ")).toBe(2);
        expect(r.stderr).toMatch(/^cohort: error: [^\n]+\n$/);
      }
    } finally {
      taken.close();
    }
  });

  it("refuses a bad port or host in one line", async () => {
    const dir = tempDir();
    run(["init"], dir);
    for (const args of [["--port", "http"], ["--port", "70000"], ["--host", "192.0.2.1"], ["--host", ""], ["--host", " "]]) {
      const r = await ended(args, dir);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/^cohort: error: [^\n]+\n$/);
    }
  });
});
