/**
 * Live pages (SPEC §15): the journal directory is watched (one `fs.watch` on the directory: a journal
 * that gains an event and an output segment that gains bytes both change a file in it), and each
 * burst of changes, after a short quiet, is one `change` server-sent event to every open page, which
 * then asks again for what it shows. Nothing reads the files until a page asks.
 */
import fs from "node:fs";
import type http from "node:http";
import { journalDir } from "../runs/journal.js";

/** How long the directory must be quiet before pages are told: a run's burst of events is one message. */
const DEBOUNCE_MS = 150;
/** A comment now and then keeps proxies and SSH tunnels from closing a quiet stream. */
const KEEPALIVE_MS = 20_000;

export class LiveUpdates {
  private readonly clients = new Set<http.ServerResponse>();
  private watcher: fs.FSWatcher | undefined;
  private waiting: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly keepalive: NodeJS.Timeout;

  constructor(
    private readonly root: string,
    /** Called once per burst of changes, before pages are told. */
    private readonly onChange: () => number,
  ) {
    this.watch();
    this.keepalive = setInterval(() => this.clients.forEach((res) => res.write(": keepalive\n\n")), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /** Watches the journal directory; until it exists (no run yet), looks for it once a second. */
  private watch(): void {
    try {
      this.watcher = fs.watch(journalDir(this.root), () => this.changed());
      this.watcher.on("error", () => this.rewatch());
      this.changed();
    } catch {
      this.waiting = setTimeout(() => this.watch(), 1000);
      this.waiting.unref();
    }
  }

  private rewatch(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.watch();
  }

  private changed(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.send("change", this.onChange());
    }, DEBOUNCE_MS);
  }

  /** Tells every open page: `change` (the runs changed) or `status` (a new status was computed). */
  send(event: "change" | "status", data: number): void {
    for (const res of this.clients) res.write(`event: ${event}\ndata: ${data}\n\n`);
  }

  /** `GET /api/events`: a stream of server-sent events for one page. */
  subscribe(res: http.ServerResponse): void {
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store", Connection: "keep-alive" });
    res.write("retry: 1000\n\n");
    this.clients.add(res);
    res.on("close", () => this.clients.delete(res));
  }

  close(): void {
    this.watcher?.close();
    clearTimeout(this.waiting);
    clearTimeout(this.timer);
    clearInterval(this.keepalive);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
