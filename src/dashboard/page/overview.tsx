/** The status overview: `cohort status` (operations and groups, label bars) and the newest runs. */
import { href, timeText, useApi } from "./data.js";
import { Loading, Problem, RunsTable, type RunRow } from "./parts.js";

interface Entry {
  name: string;
  operations?: string[];
  total: number;
  eligible: number;
  complete: number;
  waiting: number;
  errors: number;
  blockedBy: { condition: string; count: number }[];
  scheduler: { queued: number; held: number; running: number } | null;
}
interface Label {
  name: string;
  count: number;
  values: { value: string; count: number }[];
  errors: number;
}
interface Status {
  project: string | null;
  jobs: number;
  operations: Entry[];
  groups: Entry[];
  labels: Label[];
  problems: { kind: string; name: string; job: string; message: string }[];
}

function Entries({ title, entries }: { title: string; entries: Entry[] }) {
  if (entries.length === 0) return null;
  return (
    <div class="scroll">
      <table class="entries">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th>name</th>
            <th class="num">total</th>
            <th class="num">eligible</th>
            <th class="num">complete</th>
            <th class="num">waiting</th>
            <th class="num">queued</th>
            <th class="num">running</th>
            <th class="num">errors</th>
            <th>waiting for</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.name}>
              <th scope="row">{e.name}</th>
              <td class="num">{e.total}</td>
              <td class="num">{e.eligible}</td>
              <td class="num">{e.complete}</td>
              <td class="num">{e.waiting}</td>
              <td class="num">{e.scheduler ? e.scheduler.queued + e.scheduler.held : ""}</td>
              <td class="num">{e.scheduler ? e.scheduler.running : ""}</td>
              <td class="num">{e.errors}</td>
              <td>{e.blockedBy.map((b) => `${b.condition} (${b.count})`).join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Bar({ part, whole }: { part: number; whole: number }) {
  const pct = whole > 0 ? (100 * part) / whole : 0;
  return (
    <span class="bar" role="meter" aria-valuemin={0} aria-valuemax={whole} aria-valuenow={part}>
      <span style={{ width: `${pct}%` }} />
    </span>
  );
}

export function Overview() {
  const status = useApi<{ status: Status | null; at: number | null; error: string | null; root: string; jobs: number }>("/api/status", "status");
  const runs = useApi<{ total: number; rows: RunRow[] }>("/api/runs?limit=10", true);
  const s = status.data?.status;
  return (
    <section>
      <h1>{s?.project ?? "Overview"}</h1>
      <Loading when={status.loading && !status.data} />
      <Problem error={status.error ?? status.data?.error ?? undefined} />
      {status.data && !s && !status.data.error && (
        <p class="loading" aria-live="polite">
          computing the status of {status.data.jobs} jobs (<code>cohort status</code>)…
        </p>
      )}
      {s && (
        <>
          <p class="meta">
            {status.data!.root} · <a href={href("jobs")}>{s.jobs} jobs</a> · status as of {timeText((status.data!.at ?? 0) * 1000)}
          </p>
          <Entries title="Operations" entries={s.operations} />
          <Entries title="Groups" entries={s.groups} />
          {s.labels.length > 0 && (
            <table class="labels">
              <caption>Labels</caption>
              <tbody>
                {s.labels.map((l) => (
                  <tr key={l.name}>
                    <th scope="row">{l.name}</th>
                    <td>
                      {l.values.length > 0 ? (
                        l.values.map((v) => `${v.value} (${v.count})`).join(", ")
                      ) : (
                        <>
                          <Bar part={l.count} whole={s.jobs} /> {l.count} / {s.jobs}
                        </>
                      )}
                      {l.errors > 0 && <span class="error-text"> {l.errors} failed</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {s.problems.length > 0 && (
            <details>
              <summary>{s.problems.length} problems</summary>
              <ul>
                {s.problems.slice(0, 100).map((p, i) => (
                  <li key={i}>
                    {p.kind} {p.name} on {p.job}: {p.message}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
      {runs.data && (
        <RunsTable
          rows={runs.data.rows}
          caption={
            <>
              Newest runs (<a href={href("runs")}>all {runs.data.total}</a>)
            </>
          }
        />
      )}
    </section>
  );
}
