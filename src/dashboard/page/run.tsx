/** A run's page: `cohort runs show` (config, directives, command, times), its output (live while it runs) and its metrics plotted over steps. */
import { useContext, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Attributes, type Comment } from "./attributes.js";
import { api, href, LiveVersion, timeText, useApi } from "./data.js";
import { joinSeries, Plot } from "./plot.js";
import { Loading, Problem, Status } from "./parts.js";

interface Metric {
  stepped: boolean;
  last: unknown;
  first: unknown;
  min: unknown;
  max: unknown;
  avg: unknown;
  count: number;
}

interface RunPage {
  id: string;
  name: string;
  operation: string;
  flowgroup: string | null;
  status: string;
  deleted: boolean;
  config: unknown;
  jobs: string[];
  directives: unknown;
  cmd: { shell?: string; function?: string };
  exit_code: number | null;
  label: string;
  tags: string[];
  groups: { id: string; name: string; kind: string }[];
  comments: Comment[];
  metrics: Record<string, Metric>;
  series: Record<string, { steps: (number | null)[]; values: (number | null)[] }>;
  created: number | null;
  started: number | null;
  stopped: number | null;
}

/** The run's output: all of it at first, then what it appends whenever the runs change. */
function Output({ id }: { id: string }) {
  const version = useContext(LiveVersion).runs;
  const [text, setText] = useState("");
  const [error, setError] = useState<string>();
  const next = useRef<number | undefined>(undefined);
  const done = useRef(false);
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    next.current = undefined;
    done.current = false;
    setText("");
  }, [id]);
  useEffect(() => {
    if (done.current) return;
    let current = true;
    const more = async () => {
      for (;;) {
        const at = next.current;
        const o = await api<{ text: string; next: number; more: boolean; running: boolean }>(`/api/runs/${encodeURIComponent(id)}/output${at === undefined ? "" : `?from=${at}`}`);
        if (!current) return;
        next.current = o.next;
        if (o.text) setText((t) => t + o.text);
        if (!o.more) {
          done.current = !o.running;
          return;
        }
        // "more" without progress: asking again at once would loop; the next change of the runs asks again.
        if (o.text === "" && o.next === at) return;
      }
    };
    more().catch((err: Error) => setError(err.message));
    return () => {
      current = false;
    };
  }, [id, version]);
  useEffect(() => {
    const el = pre.current;
    if (el && !done.current) el.scrollTop = el.scrollHeight;
  }, [text]);
  return (
    <>
      <Problem error={error} />
      <pre class="output" ref={pre} tabIndex={0} aria-label="output">
        {text}
      </pre>
    </>
  );
}

export function Run({ id }: { id: string }) {
  const r = useApi<RunPage>(`/api/runs/${encodeURIComponent(id)}`, true);
  const d = r.data;
  const plots = useMemo(() => (d ? Object.entries(d.series).filter(([, s]) => s.values.length > 1) : []).map(([name, s]) => ({ name, data: joinSeries([s]), names: [name] })), [d]);
  return (
    <section>
      <h1>Run {d?.name ?? id}</h1>
      <Problem error={r.error} />
      <Loading when={r.loading && !d} />
      {d && (
        <>
          <dl class="fields">
            <dt>id</dt>
            <dd>{d.id}</dd>
            <dt>operation</dt>
            <dd>
              {d.operation}
              {d.flowgroup ? ` (in group ${d.flowgroup})` : ""}
            </dd>
            <dt>status</dt>
            <dd>
              <Status status={d.status + (d.deleted ? " (deleted)" : "")} />
              {d.exit_code !== null ? ` exit code ${d.exit_code}` : ""}
            </dd>
            <dt>{d.jobs.length === 0 ? "flags" : "state point"}</dt>
            <dd>
              <code>{JSON.stringify(d.config)}</code>
            </dd>
            {d.jobs.length > 0 && (
              <>
                <dt>jobs</dt>
                <dd>
                  {d.jobs.map((j) => (
                    <a key={j} href={href("job", j)}>
                      {j.slice(0, 10)}{" "}
                    </a>
                  ))}
                </dd>
              </>
            )}
            <dt>directives</dt>
            <dd>
              <code>{d.directives === null ? "" : JSON.stringify(d.directives)}</code>
            </dd>
            <dt>command</dt>
            <dd>
              <code>{d.cmd.function !== undefined ? `${d.cmd.function}()  [function]${d.cmd.shell !== undefined ? `, which returned: ${d.cmd.shell}` : ""}` : d.cmd.shell}</code>
            </dd>
            <dt>created</dt>
            <dd>{timeText(d.created)}</dd>
            <dt>started</dt>
            <dd>{timeText(d.started)}</dd>
            <dt>stopped</dt>
            <dd>{timeText(d.stopped)}</dd>
            {d.groups.length > 0 && (
              <>
                <dt>groups</dt>
                <dd>
                  {d.groups.map((g) => (
                    <a key={g.id} href={href("group", g.id)}>
                      {g.name} ({g.kind}){" "}
                    </a>
                  ))}
                </dd>
              </>
            )}
          </dl>
          <Attributes key={d.id} noun="runs" id={d.id} label={d.label} tags={d.tags} comments={d.comments} changed={r.reload} />
          {Object.keys(d.metrics).length > 0 && (
            <>
              <h2>Metrics</h2>
              <div class="scroll">
                <table class="metrics">
                  <thead>
                    <tr>
                      <th>metric</th>
                      <th class="num">last</th>
                      <th class="num">min</th>
                      <th class="num">max</th>
                      <th class="num">avg</th>
                      <th class="num">count</th>
                    </tr>
                  </thead>
                  <tbody>
                    {Object.entries(d.metrics).map(([name, m]) => (
                      <tr key={name}>
                        <th scope="row">{name}</th>
                        {[m.last, m.min, m.max, m.avg, m.count].map((v, i) => (
                          <td class="num" key={i}>
                            {v === null ? "" : String(v)}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {plots.map((p) => (
                <Plot key={p.name} title={p.name} xLabel="step" data={p.data} names={p.names} />
              ))}
            </>
          )}
          <h2>Output</h2>
          <Output id={d.id} />
        </>
      )}
    </section>
  );
}
