/**
 * Times in run lists. One rule: a time within the last 24 hours is relative ("just now",
 * "5 seconds ago", "3 minutes ago", "2 hours ago"); anything older, or in the future (another
 * host's clock), is the local date and time to the minute, "2026-11-29 10:04".
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function ago(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"} ago`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `micros` (epoch microseconds) as a person reads it next to `now` (epoch milliseconds); "" when undefined. */
export function humanTime(micros: number | undefined, now: number = Date.now()): string {
  if (micros === undefined) return "";
  const t = micros / 1000;
  const d = now - t;
  if (d >= 0 && d < DAY) {
    if (d < 1000) return "just now";
    if (d < MINUTE) return ago(Math.floor(d / 1000), "second");
    if (d < HOUR) return ago(Math.floor(d / MINUTE), "minute");
    return ago(Math.floor(d / HOUR), "hour");
  }
  const x = new Date(t);
  return `${x.getFullYear()}-${pad(x.getMonth() + 1)}-${pad(x.getDate())} ${pad(x.getHours())}:${pad(x.getMinutes())}`;
}

/** `micros` as ISO 8601 in UTC (`2026-11-29T10:04:05.123Z`); null when undefined. */
export function isoTime(micros: number | undefined): string | null {
  return micros === undefined ? null : new Date(Math.floor(micros / 1000)).toISOString();
}
