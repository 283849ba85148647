import { describe, expect, it } from "vitest";
import { humanTime, isoTime } from "../../src/cli/when.js";

describe("humanTime: relative within 24 hours, else the local date and time", () => {
  const now = new Date(2026, 10, 29, 12, 0, 0).getTime(); // local time
  const at = (msAgo: number) => (now - msAgo) * 1000;
  const table: [string, number | undefined, string][] = [
    ["not started", undefined, ""],
    ["under a second", at(400), "just now"],
    ["one second", at(1000), "1 second ago"],
    ["seconds", at(59_999), "59 seconds ago"],
    ["one minute", at(60_000), "1 minute ago"],
    ["minutes", at(3 * 60_000 + 5000), "3 minutes ago"],
    ["one hour", at(3_600_000), "1 hour ago"],
    ["hours", at(23 * 3_600_000 + 59 * 60_000), "23 hours ago"],
    ["a day or more: the date", at(24 * 3_600_000), "2026-11-28 12:00"],
    ["long ago", new Date(2025, 0, 2, 3, 4, 59).getTime() * 1000, "2025-01-02 03:04"],
    ["in the future (another clock): the date", at(-90_000), "2026-11-29 12:01"],
  ];
  it.each(table)("%s", (_name, micros, expected) => {
    expect(humanTime(micros, now)).toBe(expected);
  });
});

describe("isoTime", () => {
  it("epoch microseconds as ISO 8601 in UTC; null when absent", () => {
    expect(isoTime(1_700_000_000_123_456)).toBe("2023-11-14T22:13:20.123Z");
    expect(isoTime(undefined)).toBeNull();
  });
});
