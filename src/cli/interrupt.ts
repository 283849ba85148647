/**
 * Lets long work stop cleanly on Ctrl-C or SIGTERM: the returned signal is aborted at the first one,
 * the work finishes the unit in hand and writes what it must. A second signal exits at once.
 */
export function catchInterrupts(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signal === "SIGINT" ? 130 : 143);
    controller.abort();
    process.stderr.write(`\ncohort: stopping after the current step (${signal} again to abort)\n`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return controller.signal;
}
