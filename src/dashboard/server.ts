/**
 * `cohort ui`'s web server (SPEC §15): the page (built into dist/dashboard/page/ with the package, so
 * nothing is fetched from elsewhere), the JSON of api.ts, live updates (live.ts) and files of the
 * project. Nothing is served without the token (auth.ts); labels, tags and comments are the only
 * writes, and need a same-origin request too.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { pipeline } from "node:stream";
import { dumpJson } from "../dataspace/json.js";
import type { JsonValue } from "../dataspace/value.js";
import { errorText, UserError } from "../util/errors.js";
import { packageFile } from "../util/package-file.js";
import { changeAttributesOf, comparePage, groupPage, jobPage, jobsPage, runOutput, runPage, runsPage } from "./api.js";
import { cookieToken, isToken, knownHost, newGate, sameOrigin, setCookieHeader } from "./auth.js";
import { NotFound, projectFile } from "./files.js";
import { LiveUpdates } from "./live.js";
import { DashboardState } from "./state.js";

export interface DashboardOptions {
  root: string;
  host: string;
  /** 0: any free port. */
  port: number;
  /** The token (tests give one); a random one otherwise. */
  token?: string;
  /** Where the built page is (default: dist/dashboard/page/ of the package). */
  pageDir?: string;
}

export interface Dashboard {
  /** The URL to open, with the token. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The largest request body accepted (a label, tags, a comment). */
const MAX_BODY = 64 * 1024;

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".map": "application/json" };

/** Headers of every answer: no framing by other sites, no referrer (the first URL holds the token), no guessing of types. */
const SAFE_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
};

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const pageDir = opts.pageDir ?? packageFile("dist/dashboard/page");
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  // Only once listening: the journal directory's watcher would keep a process whose start failed alive.
  // (each tells the other: live.ts counts the runs' changes in the state, the state says when a status is new)
  const live: LiveUpdates = new LiveUpdates(opts.root, () => ++state.version);
  let statuses = 0;
  const state: DashboardState = new DashboardState(opts.root, () => live.send("status", ++statuses));
  const gate = newGate(port, opts.token);
  // Read now what the first pages will ask for: the runs, the job index, the status (in the background).
  void state.runs().catch(() => {});
  state.refreshStatus();
  server.on("request", (req, res) => {
    handle(req, res).catch((err: unknown) => sendError(res, err));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!knownHost(req, opts.host)) return sendText(res, 403, "cohort ui: open the address cohort ui printed (this one names another host)\n");
    const url = new URL(req.url ?? "/", "http://localhost");
    const given = url.searchParams.get("token");
    if (given !== null) {
      if (!isToken(gate, given)) return sendText(res, 403, "cohort ui: the token is wrong (open the URL cohort ui printed)\n");
      // The token goes into a cookie, and out of the address bar and the history.
      url.searchParams.delete("token");
      res.writeHead(303, { ...SAFE_HEADERS, "Set-Cookie": setCookieHeader(gate), Location: url.pathname + url.search });
      return void res.end();
    }
    if (!isToken(gate, cookieToken(gate, req))) return sendText(res, 403, "cohort ui: open the URL cohort ui printed, with its token\n");
    const p = url.pathname;
    if (req.method === "POST") {
      const m = /^\/api\/(runs|groups)\/([^/]+)\/attributes$/.exec(p);
      if (!m) return sendText(res, 404, "not found\n");
      if (!sameOrigin(req)) return sendText(res, 403, "cohort ui: changes are accepted only from the dashboard's own pages\n");
      if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return sendText(res, 415, "cohort ui: send JSON\n");
      const body = await readBody(req);
      return sendJson(res, await changeAttributesOf(state, m[1] === "runs" ? "run" : "group", decodeURIComponent(m[2]), body));
    }
    if (req.method !== "GET" && req.method !== "HEAD") return sendText(res, 405, "method not allowed\n");
    if (p === "/api/events") return live.subscribe(res);
    if (p === "/api/status") {
      const s = state.statusSnapshot();
      return sendJson(res, { status: s.report ?? null, at: s.at ?? null, error: s.error ?? null, root: opts.root, jobs: state.openProject().index.jobIds.length });
    }
    if (p === "/api/jobs") return sendJson(res, jobsPage(state, url.searchParams));
    if (p === "/api/runs") return sendJson(res, await runsPage(state, url.searchParams));
    if (p === "/api/compare") return sendJson(res, await comparePage(state, url.searchParams));
    if (p === "/api/file") return sendFile(res, projectFile(opts.root, url.searchParams.get("path") ?? ""), true);
    let m: RegExpExecArray | null;
    if ((m = /^\/api\/jobs\/([^/]+)$/.exec(p))) return sendJson(res, await jobPage(state, decodeURIComponent(m[1])));
    if ((m = /^\/api\/runs\/([^/]+)\/output$/.exec(p))) return sendJson(res, await runOutput(state, decodeURIComponent(m[1]), url.searchParams));
    if ((m = /^\/api\/runs\/([^/]+)$/.exec(p))) return sendJson(res, await runPage(state, decodeURIComponent(m[1])));
    if ((m = /^\/api\/groups\/([^/]+)$/.exec(p))) return sendJson(res, await groupPage(state, decodeURIComponent(m[1])));
    if (p === "/") return sendFile(res, path.join(pageDir, "index.html"));
    // The page's own files: a plain name of dist/dashboard/page/, nothing below or above it.
    if (/^\/[A-Za-z0-9_-]+\.(js|css|map)$/.test(p)) return sendFile(res, path.join(pageDir, p.slice(1)));
    sendText(res, 404, "not found\n");
  }

  return {
    url: `http://${urlHost(opts.host)}:${port}/?token=${gate.token}`,
    port,
    close: async () => {
      live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The host as a URL names it: 0.0.0.0 and :: are reached at this machine's loopback address, IPv6 in brackets. */
function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (d: Buffer) => {
      size += d.length;
      if (size > MAX_BODY) {
        reject(new UserError("the request's body is too large"));
        req.destroy();
      } else parts.push(d);
    });
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(parts).toString("utf8")));
      } catch {
        reject(new UserError("the request's body is not JSON"));
      }
    });
    req.on("error", reject);
  });
}

/** JSON: a value, or the text of one. */
function sendJson(res: http.ServerResponse, body: unknown, status = 200): void {
  const text = typeof body === "string" ? body : dumpJson(body as JsonValue);
  res.writeHead(status, { ...SAFE_HEADERS, "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(text);
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...SAFE_HEADERS, "Content-Type": "text/plain; charset=utf-8" });
  res.end(text);
}

/**
 * A file; a project's file as plain text (or bytes), never as a page the browser would run. Streamed:
 * a project's files can be larger than the server's memory.
 */
function sendFile(res: http.ServerResponse, file: string, projectFile = false): void {
  let fd: number;
  let size: number;
  const head = Buffer.alloc(8000);
  let headLength: number;
  try {
    // (stat before opening: opening a FIFO would wait for a writer)
    if (!fs.statSync(file).isFile()) throw new NotFound(`${path.basename(file)} is not a file`);
    fd = fs.openSync(file, "r");
  } catch (err) {
    return sendError(res, err instanceof NotFound ? err : new NotFound("not found"));
  }
  try {
    size = fs.fstatSync(fd).size;
    headLength = fs.readSync(fd, head, 0, head.length, 0);
  } catch (err) {
    fs.closeSync(fd);
    return sendError(res, err);
  }
  const type = projectFile ? (head.subarray(0, headLength).includes(0) ? "application/octet-stream" : "text/plain; charset=utf-8") : (TYPES[path.extname(file)] ?? "application/octet-stream");
  res.writeHead(200, { ...SAFE_HEADERS, "Content-Type": type, "Content-Length": size, "Cache-Control": "no-store" });
  if (size === 0 || res.req.method === "HEAD") {
    fs.closeSync(fd);
    return void res.end();
  }
  // The bytes the length announced, no more; an error once the head is sent can only cut the answer short.
  pipeline(fs.createReadStream(file, { fd, start: 0, end: size - 1 }), res, (err) => {
    if (err) res.destroy();
  });
}

function sendError(res: http.ServerResponse, err: unknown): void {
  if (res.headersSent) return void res.end();
  if (err instanceof UserError) return sendJson(res, { error: err.message, hint: err.hint ?? null }, 400);
  if (err instanceof NotFound) return sendJson(res, { error: err.message }, 404);
  sendJson(res, { error: errorText(err) }, 500);
}
