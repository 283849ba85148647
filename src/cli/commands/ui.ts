import { projectRootOf } from "../../dataspace/root.js";
import { startDashboard } from "../../dashboard/server.js";
import { UserError } from "../../util/errors.js";
import { warn } from "../context.js";

export interface UiOptions {
  port: string;
  host: string;
}

/** `cohort ui`: serves the dashboard until interrupted, and prints the URL to open (with its token). */
export default async function ui(opts: UiOptions): Promise<void> {
  const port = Number(opts.port);
  if (!/^\d+$/.test(opts.port) || port > 65535) throw new UserError(`--port ${opts.port} is not a port number`, "0 to 65535; 0 picks a free one");
  // (an empty host would listen on every address)
  if (opts.host.trim() === "") throw new UserError("--host is empty", "127.0.0.1, or 0.0.0.0 for every address");
  const root = projectRootOf(process.cwd());
  const dashboard = await startDashboard({ root, host: opts.host, port }).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new UserError(`port ${port} is in use`, "give another with --port, or --port 0 for a free one");
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") throw new UserError(`--host ${opts.host} is not an address of this machine`, "127.0.0.1, or 0.0.0.0 for every address");
    throw err;
  });
  if (opts.host !== "127.0.0.1" && opts.host !== "localhost" && opts.host !== "::1") {
    warn(`--host ${opts.host}: the dashboard is reachable from other machines; anyone who gets the URL's token can read the project and change labels, tags and comments`);
  }
  // Listening for Ctrl-C before the URL is out: whoever reads it may stop the server at once.
  const stopped = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  process.stdout.write(`cohort ui: serving ${root}\n  open ${dashboard.url}\n  (Ctrl-C stops it)\n`);
  await stopped;
  await dashboard.close();
}
