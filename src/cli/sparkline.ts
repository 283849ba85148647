/** Eighths of a block, low to high: a value's height in a sparkline. */
const BARS = "▁▂▃▄▅▆▇█";

/**
 * A line of block characters that draws `values` in order, at most `width` wide: when there are more
 * values, each character stands for the mean of a run of them. NaN and infinite values (or buckets
 * holding only those) show as a space; equal values as a middle bar.
 */
export function sparkline(values: readonly number[], width = 30): string {
  if (values.length === 0 || width < 1) return "";
  const n = Math.min(width, values.length);
  const points: number[] = [];
  for (let b = 0; b < n; b++) {
    const from = Math.floor((b * values.length) / n);
    const to = Math.floor(((b + 1) * values.length) / n);
    let sum = 0;
    let count = 0;
    for (let i = from; i < to; i++) {
      if (Number.isFinite(values[i])) {
        sum += values[i];
        count++;
      }
    }
    points.push(count === 0 ? NaN : sum / count);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    if (p < lo) lo = p;
    if (p > hi) hi = p;
  }
  return points
    .map((p) => {
      if (Number.isNaN(p)) return " ";
      if (hi === lo) return BARS[3];
      return BARS[Math.min(BARS.length - 1, Math.floor(((p - lo) / (hi - lo)) * BARS.length))];
    })
    .join("");
}
