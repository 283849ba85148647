/** Talking to the server: JSON from /api (the cookie carries the token), and the live version. */
import { createContext } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";

export class ApiError extends Error {}

export async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, init);
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith("application/json")) throw new ApiError(`${res.status}: ${(await res.text()).trim()}`);
  const body = parseApiJson(await res.text()) as T & { error?: string; hint?: string | null };
  if (!res.ok) throw new ApiError(body.error + (body.hint ? ` (${body.hint})` : ""));
  return body;
}

/**
 * A float that is a whole number, as the server wrote it (`1.0`, `1e+16`): JSON.parse alone makes it
 * the integer 1, another value in a state point (`{"T": 1}` and `{"T": 1.0}` are two jobs). It prints
 * as written (`String`, and `JSON.stringify` through JSON.rawJSON) and counts as its number (`Number`).
 */
export class WholeFloat {
  constructor(
    readonly value: number,
    readonly text: string,
  ) {}
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return this.text;
  }
  toJSON(): unknown {
    return rawJSON!(this.text);
  }
}

const rawJSON = (JSON as { rawJSON?: (text: string) => unknown }).rawJSON;

/** JSON text, its whole floats kept as WholeFloat where the browser tells a number's text (JSON.parse's source text access); else as plain JSON.parse reads it. */
export function parseApiJson(text: string): unknown {
  if (!rawJSON) return JSON.parse(text);
  return JSON.parse(text, (_k, v: unknown, context?: { source?: string }) =>
    typeof v === "number" && Number.isInteger(v) && context?.source !== undefined && /[.eE]/.test(context.source) ? new WholeFloat(v, context.source) : v,
  );
}

/** A value as a number when it is one (a WholeFloat too), else undefined. */
export function numberOf(v: unknown): number | undefined {
  return typeof v === "number" ? v : v instanceof WholeFloat ? v.value : undefined;
}

/** Changes a run's or group's label, tags or comments: the dashboard's only write. */
export function changeAttributes(noun: "runs" | "groups", id: string, change: { label?: string | null; addTags?: string[]; removeTags?: string[]; comment?: string }): Promise<unknown> {
  return api(`/api/${noun}/${encodeURIComponent(id)}/attributes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(change) });
}

/**
 * How many times the server said the runs changed, and that a new status was computed (server-sent
 * events): views fetch again what they show when the count they follow moves.
 */
export interface Versions {
  runs: number;
  status: number;
}
export const LiveVersion = createContext<Versions>({ runs: 0, status: 0 });

export function useLiveVersion(): Versions {
  const [versions, setVersions] = useState<Versions>({ runs: 0, status: 0 });
  useEffect(() => {
    // A browser keeps at most six connections to one server, and each stream holds one: a tab that is
    // hidden closes its stream, and when shown again opens one and fetches what it shows anew.
    let source: EventSource | undefined;
    const open = () => {
      source = new EventSource("/api/events");
      source.addEventListener("change", () => setVersions((v) => ({ ...v, runs: v.runs + 1 })));
      source.addEventListener("status", () => setVersions((v) => ({ ...v, status: v.status + 1 })));
    };
    const shown = () => {
      if (document.hidden) {
        source?.close();
        source = undefined;
      } else if (!source) {
        open();
        setVersions((v) => ({ runs: v.runs + 1, status: v.status + 1 }));
      }
    };
    if (!document.hidden) open();
    document.addEventListener("visibilitychange", shown);
    return () => {
      source?.close();
      document.removeEventListener("visibilitychange", shown);
    };
  }, []);
  return versions;
}

export interface Fetched<T> {
  data?: T;
  error?: string;
  loading: boolean;
}

/** JSON of `path`, fetched again when the path changes, and with `live` when the runs change (or the status, with "status"). */
export function useApi<T>(path: string | undefined, live: boolean | "status" = false): Fetched<T> & { reload(): void } {
  const versions = useContext(LiveVersion);
  const version = live === "status" ? versions.status : live ? versions.runs : 0;
  const [state, setState] = useState<Fetched<T>>({ loading: true });
  const [nudge, setNudge] = useState(0);
  useEffect(() => {
    if (path === undefined) return;
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    api<T>(path).then(
      (data) => current && setState({ data, loading: false }),
      (err: Error) => current && setState({ error: err.message, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [path, version, nudge]);
  return { ...state, reload: () => setNudge((n) => n + 1) };
}

/**
 * A box's text: it starts as `value` and is set to it again when `key` (by default `value`) changes,
 * as on another page or after a change made elsewhere. Not on the first render: an effect runs a
 * frame after it, and would wipe what was typed into the new box at once.
 */
export function useFollowing<T>(value: T, key: string = String(value)): [T, (v: T) => void] {
  const [state, setState] = useState(value);
  const seen = useRef(key);
  useEffect(() => {
    if (seen.current === key) return;
    seen.current = key;
    setState(value);
  }, [key]);
  return [state, setState];
}

/** Epoch microseconds as a local date and time. */
export function timeText(micros: number | null | undefined): string {
  if (micros === null || micros === undefined) return "";
  const d = new Date(micros / 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function jsonText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The hash route: `#/view/arg?key=value`. */
export interface Route {
  view: string;
  arg: string;
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#\/?/, "");
  const q = h.indexOf("?");
  const [view = "", ...rest] = (q < 0 ? h : h.slice(0, q)).split("/");
  return { view, arg: decodeURIComponent(rest.join("/")), query: new URLSearchParams(q < 0 ? "" : h.slice(q + 1)) };
}

export function href(view: string, arg = "", query: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, String(v));
  const qs = q.toString();
  return `#/${view}${arg ? "/" + encodeURIComponent(arg) : ""}${qs ? "?" + qs : ""}`;
}
