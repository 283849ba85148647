/**
 * A chart drawn by uPlot (a canvas, fast with 100,000 points). Lines over steps, or points alone
 * (`points`) for a metric against a key.
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const COLORS = ["#1f5fbf", "#c0392b", "#1e8449", "#8e44ad", "#b9770e", "#117a8b", "#6c3483", "#7b7d7d"];

export interface PlotProps {
  title: string;
  xLabel: string;
  /** x values (ascending), then one array of y values per series, aligned with x (null: none). */
  data: [number[], ...(number | null)[][]];
  names: string[];
  points?: boolean;
  /** Labels for x values that stand for texts (a key whose values are not numbers). */
  xTicks?: string[];
}

export function Plot({ title, xLabel, data, names, points, xTicks }: PlotProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current!;
    const width = Math.max(280, Math.min(900, el.clientWidth || 600));
    const opts: uPlot.Options = {
      title,
      width,
      height: 300,
      scales: { x: { time: false } },
      axes: [{ label: xLabel, values: xTicks ? (_u, vals) => vals.map((v) => xTicks[v] ?? "") : undefined }, {}],
      series: [
        { label: xLabel },
        ...names.map((name, i) => ({
          label: name,
          stroke: COLORS[i % COLORS.length],
          width: 1.5,
          spanGaps: true,
          ...(points ? { paths: () => null, points: { show: true, size: 7, fill: COLORS[i % COLORS.length] } } : { points: { show: false } }),
        })),
      ],
    };
    const plot = new uPlot(opts, data as uPlot.AlignedData, el);
    return () => plot.destroy();
  }, [data, names.join("\u0000"), title, xLabel, points, xTicks]);
  return <div class="plot" ref={box} role="img" aria-label={`${title}: ${names.join(", ")} against ${xLabel}`} />;
}

/** Several series of (step, value) on one x axis: the union of their steps, in order. */
export function joinSeries(series: { steps: (number | null)[]; values: (number | null)[] }[]): [number[], ...(number | null)[][]] {
  const tables = series.map((s) => {
    // values without a step are plotted at their position
    // (Number: a value the server wrote as `1e+21` arrives as a WholeFloat)
    const pairs = s.values.map((v, i) => [Number(s.steps[i] ?? i), v === null ? null : Number(v)] as [number, number | null]).sort((a, b) => a[0] - b[0]);
    return [pairs.map((p) => p[0]), pairs.map((p) => p[1])] as uPlot.AlignedData;
  });
  if (tables.length === 1) return tables[0] as [number[], ...(number | null)[][]];
  return uPlot.join(tables) as unknown as [number[], ...(number | null)[][]];
}
