/**
 * Timers of any length. Node's setTimeout takes at most 2^31-1 ms (about 24.8 days): a longer delay
 * (a `--timeout` of 30 days) is taken as 1 ms, so the timer fires at once. A long timer here waits in
 * steps no longer than that, each re-armed until the time has come, on the monotonic clock (a change of
 * the wall clock neither shortens nor lengthens it).
 */

/** The longest delay setTimeout honours: 2^31-1 ms, about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  /** Stops the timer; calling it again, or after the timer fired, does nothing. */
  clear(): void;
}

/**
 * Calls `fn` once `ms` milliseconds have passed, for any delay: beyond MAX_TIMER_MS in steps.
 * `Infinity` never fires; a negative delay or NaN is a RangeError.
 */
export function setLongTimeout(fn: () => void, ms: number, max = MAX_TIMER_MS): LongTimer {
  if (typeof ms !== "number" || Number.isNaN(ms) || ms < 0) throw new RangeError(`a timer's delay must be a number of milliseconds of at least 0, not ${String(ms)}`);
  let handle: NodeJS.Timeout | undefined;
  let cleared = false;
  if (ms !== Infinity) {
    const deadline = performance.now() + ms;
    const arm = () => {
      if (cleared) return;
      const left = deadline - performance.now();
      if (left < 1) {
        cleared = true;
        fn();
      } else handle = setTimeout(arm, Math.min(left, max));
    };
    handle = setTimeout(arm, Math.min(ms, max));
  }
  return {
    clear: () => {
      cleared = true;
      clearTimeout(handle);
    },
  };
}
