/**
 * Comparison: `cohort runs compare` of the runs named (or a group's members, or the newest runs), a
 * metric against a flag or state-point key, and one metric of every run over steps on one plot.
 */
import { useMemo, useState } from "preact/hooks";
import { runDurationText } from "../../util/run-duration.js";
import { href, jsonText, numberOf, timeText, useApi, useFollowing, type Route } from "./data.js";
import { joinSeries, Plot } from "./plot.js";
import { Loading, Problem, Status } from "./parts.js";

interface Column {
  heading: string;
  kind: string;
  key?: string;
}
interface Row {
  id: string;
  name: string;
  operation: string;
  status: string;
  /** Epoch microseconds. */
  started: number | null;
  duration: number | null;
  config: Record<string, unknown>;
  metrics: Record<string, unknown>;
}
interface Comparison {
  columns: Column[];
  rows: Row[];
  series?: { id: string; name: string; steps: (number | null)[]; values: (number | null)[] }[];
}

function cell(c: Column, r: Row): unknown {
  if (c.kind === "key") return r.config[c.key!];
  if (c.kind === "metric") return r.metrics[c.heading];
  return (r as unknown as Record<string, unknown>)[c.kind];
}

/** A cell as the table shows it: times as the other pages show them, durations as the command does. */
function cellText(c: Column, r: Row): string {
  if (c.kind === "started") return timeText(r.started);
  if (c.kind === "duration") return r.duration === null ? "" : runDurationText(r.duration);
  return jsonText(cell(c, r) ?? "");
}

/** Points of a metric against a key: numbers as they are, other values as categories in order met. */
function scatter(rows: Row[], key: Column, metric: Column): { data: [number[], (number | null)[]]; ticks?: string[] } {
  // (a run without the metric has null there, which Number() would make a 0)
  const pairs = rows.flatMap((r) => {
    const k = cell(key, r);
    const m = numberOf(cell(metric, r));
    return k !== undefined && k !== null && m !== undefined && Number.isFinite(m) ? [[k, m] as const] : [];
  });
  const numeric = pairs.every(([k]) => numberOf(k) !== undefined);
  const ticks: string[] = [];
  const xOf = (k: unknown) => {
    if (numeric) return numberOf(k)!;
    const t = jsonText(k);
    const i = ticks.indexOf(t);
    return i >= 0 ? i : ticks.push(t) - 1;
  };
  const points = pairs.map(([k, m]) => [xOf(k), m] as [number, number]).sort((a, b) => a[0] - b[0]);
  return { data: [points.map((p) => p[0]), points.map((p) => p[1])], ticks: numeric ? undefined : ticks };
}

export function Compare({ route }: { route: Route }) {
  const runs = route.query.get("runs") ?? "";
  const group = route.query.get("group") ?? "";
  const all = route.query.get("all") === "1";
  const [text, setText] = useFollowing(runs);
  const [metric, setMetric] = useState("");
  const [key, setKey] = useState("");
  const q = new URLSearchParams();
  for (const r of runs.split(/[\s,]+/).filter(Boolean)) q.append("run", r);
  if (group) q.set("group", group);
  if (all) q.set("all", "1");
  const cmp = useApi<Comparison>(`/api/compare?${q}`, true);
  const metricColumns = cmp.data?.columns.filter((c) => c.kind === "metric") ?? [];
  const keyColumns = cmp.data?.columns.filter((c) => c.kind === "key") ?? [];
  const m = metricColumns.find((c) => c.heading === metric) ?? metricColumns[0];
  const k = keyColumns.find((c) => c.heading === key) ?? keyColumns[0];
  const metricName = m?.heading.replace(/^(last|first|min|max|avg|count):/, "");
  const seriesQ = new URLSearchParams(q);
  if (metricName) seriesQ.set("series", metricName);
  const series = useApi<Comparison>(metricName ? `/api/compare?${seriesQ}` : undefined, true);
  const points = useMemo(() => (cmp.data && m && k ? scatter(cmp.data.rows, k, m) : undefined), [cmp.data, m?.heading, k?.heading]);
  const lines = useMemo(() => {
    // runs that logged the metric at steps, or several times (plotted at their positions): one value
    // without a step makes no line, and standing at step 0 it would say what was not logged
    const s = series.data?.series?.filter((x) => x.values.length > 1 || x.steps.some((step) => step !== null));
    return s && s.length > 0 ? { data: joinSeries(s), names: s.map((x) => x.name) } : undefined;
  }, [series.data]);
  return (
    <section>
      <h1>Compare</h1>
      <form
        class="filter"
        onSubmit={(e) => {
          e.preventDefault();
          location.hash = href("compare", "", { runs: text, group, all: all ? 1 : undefined });
        }}
      >
        <label>
          runs <input name="runs" value={text} placeholder="names, ids or # (empty: the newest 20)" onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">compare</button>
        {group && (
          <span>
            {" "}
            members of group <a href={href("group", group)}>{group.slice(0, 13)}</a>
          </span>
        )}{" "}
        <a href={href("compare", "", { runs, group, all: all ? undefined : 1 })}>{all ? "only keys that differ" : "every key"}</a>
      </form>
      <Problem error={cmp.error} />
      <Loading when={cmp.loading && !cmp.data} />
      {cmp.data && (
        <>
          <div class="scroll">
            <table class="compare">
              <thead>
                <tr>
                  {cmp.data.columns.map((c) => (
                    <th key={c.heading} class={c.kind === "metric" || c.kind === "duration" ? "num" : ""}>
                      {c.heading}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {cmp.data.rows.map((r) => (
                  <tr key={r.id}>
                    {cmp.data!.columns.map((c) => (
                      <td key={c.heading} class={c.kind === "metric" || c.kind === "duration" ? "num" : ""}>
                        {c.kind === "name" ? <a href={href("run", r.id)}>{r.name}</a> : c.kind === "status" ? <Status status={r.status} /> : cellText(c, r)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {metricColumns.length > 0 && (
            <form class="filter" onSubmit={(e) => e.preventDefault()}>
              <label>
                metric{" "}
                <select value={m?.heading} onChange={(e) => setMetric((e.target as HTMLSelectElement).value)}>
                  {metricColumns.map((c) => (
                    <option key={c.heading}>{c.heading}</option>
                  ))}
                </select>
              </label>
              {keyColumns.length > 0 && (
                <label>
                  against{" "}
                  <select value={k?.heading} onChange={(e) => setKey((e.target as HTMLSelectElement).value)}>
                    {keyColumns.map((c) => (
                      <option key={c.heading}>{c.heading}</option>
                    ))}
                  </select>
                </label>
              )}
            </form>
          )}
          {points && points.data[0].length > 0 && <Plot title={`${m!.heading} against ${k!.heading}`} xLabel={k!.heading} data={points.data} names={[m!.heading]} points xTicks={points.ticks} />}
          {lines && <Plot title={`${metricName} over steps`} xLabel="step" data={lines.data} names={lines.names} />}
        </>
      )}
    </section>
  );
}
