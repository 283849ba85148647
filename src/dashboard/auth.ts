/**
 * Who may use the dashboard (SPEC §15): whoever has the random token `cohort ui` printed, as Jupyter
 * does. The token comes once in the URL; the server answers with an HttpOnly, SameSite=Strict cookie
 * holding it, which the browser sends from then on and no other site's page can read or send. Writes
 * also need a same-origin request, so that a page elsewhere cannot make the browser post one.
 */
import crypto from "node:crypto";
import type http from "node:http";
import net from "node:net";

export interface Gate {
  token: string;
  /** The cookie's name: one per port, since cookies do not tell ports apart. */
  cookie: string;
}

export function newGate(port: number, token = crypto.randomBytes(24).toString("hex")): Gate {
  return { token, cookie: `cohort_ui_${port}` };
}

/** Whether `given` is the token, compared in constant time. */
export function isToken(gate: Gate, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(gate.token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** The token the request's cookie holds, if any. */
export function cookieToken(gate: Gate, req: http.IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === gate.cookie) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function setCookieHeader(gate: Gate): string {
  return `${gate.cookie}=${gate.token}; HttpOnly; SameSite=Strict; Path=/`;
}

/**
 * Whether a request comes from the dashboard's own pages: the browser's `Sec-Fetch-Site`, where it
 * sends one, says `same-origin`, and `Origin` names the host the request was sent to. A request
 * with neither is refused: every browser sends `Origin` with a POST.
 */
export function sameOrigin(req: http.IncomingMessage): boolean {
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin") return false;
  const origin = req.headers.origin;
  const host = req.headers.host;
  return origin !== undefined && host !== undefined && origin === `http://${host}`;
}

/**
 * Whether the request's Host header names this server, as `host` (what it listens on) is reached: a
 * loopback name, `host` itself, or, listening on every address, any IP address. A defence against DNS
 * rebinding, where a page of another site reaches the server under that site's own name (an address
 * cannot be rebound). Any port: an SSH tunnel may forward another local port to the server's.
 */
export function knownHost(req: http.IncomingMessage, host: string): boolean {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(:\d+)?$/.exec((req.headers.host ?? "").toLowerCase());
  if (!m) return false;
  const name = m[1];
  const given = host.includes(":") ? `[${host.toLowerCase()}]` : host.toLowerCase();
  if (name === "127.0.0.1" || name === "localhost" || name === "[::1]" || name === given) return true;
  return (host === "0.0.0.0" || host === "::") && net.isIP(name.replace(/^\[(.*)\]$/, "$1")) !== 0;
}
