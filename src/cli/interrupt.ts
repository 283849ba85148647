/**
 * Lets a long loop stop cleanly on Ctrl-C or SIGTERM: the loop polls `stopRequested()` between two
 * units of work, finishes the one in hand and writes what it must. A second signal exits at once.
 */
let requested = false;

export function catchInterrupts(): () => boolean {
  const onSignal = (signal: NodeJS.Signals) => {
    if (requested) process.exit(signal === "SIGINT" ? 130 : 143);
    requested = true;
    process.stderr.write(`\ncohort: stopping after the current step (${signal} again to abort)\n`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return () => requested;
}
