/**
 * Lets long work stop cleanly on Ctrl-C or SIGTERM: the returned signal is aborted at the first one,
 * and the work stops as `stopping` tells the user (what it finishes, what it stops). A second signal
 * exits at once.
 */
export function catchInterrupts(stopping: string): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signal === "SIGINT" ? 130 : 143);
    controller.abort();
    process.stderr.write(`\ncohort: ${stopping} (${signal} again to exit at once)\n`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return controller.signal;
}

/** What Ctrl-C does to `run` and `exec` (docs/execution.md, "Stopping"). */
export const STOPPING_RUNS = "stopping the running operations; nothing new starts";
