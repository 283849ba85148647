/** The jobs table (paged by the server, filtered in the query language, sorted by a key) and a job's page. */
import { href, jsonText, useApi, useFollowing, type Route } from "./data.js";
import { Loading, Pager, Problem, RunsTable, type RunRow } from "./parts.js";

const LIMIT = 100;

interface JobsPage {
  total: number;
  offset: number;
  keys: string[];
  docKeys: string[];
  rows: { id: string; sp: Record<string, unknown>; doc: Record<string, unknown> }[];
}

function lookup(obj: Record<string, unknown>, dotted: string): unknown {
  let v: unknown = obj;
  for (const k of dotted.split(".")) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

export function Jobs({ route }: { route: Route }) {
  const q = route.query.get("q") ?? "";
  const sort = route.query.get("sort") ?? "id";
  const desc = route.query.get("desc") === "1";
  const offset = Number(route.query.get("offset") ?? "0") || 0;
  const [text, setText] = useFollowing(q);
  const go = (change: Record<string, string | number | undefined>) => (location.hash = href("jobs", "", { q, sort: sort === "id" ? undefined : sort, desc: desc ? 1 : undefined, offset, ...change }));
  const page = useApi<JobsPage>(`/api/jobs?${new URLSearchParams({ q, sort, desc: desc ? "1" : "0", offset: String(offset), limit: String(LIMIT) })}`);
  const d = page.data;
  const sortBy = (key: string) => go({ sort: key === "id" ? undefined : key, desc: key === sort && !desc ? 1 : undefined, offset: 0 });
  const head = (key: string, label = key) => (
    <th aria-sort={sort === key ? (desc ? "descending" : "ascending") : undefined}>
      <button type="button" class="sort" onClick={() => sortBy(key)}>
        {label}
        {sort === key ? (desc ? " ▼" : " ▲") : ""}
      </button>
    </th>
  );
  return (
    <section>
      <h1>Jobs</h1>
      <form
        class="filter"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          go({ q: text, offset: 0 });
        }}
      >
        <label>
          filter <input type="search" name="q" value={text} placeholder='T 1.0   or   {"N": {"$gt": 100}}   or   doc.done true' onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">find</button>
      </form>
      <Problem error={page.error} />
      <Loading when={page.loading} />
      {d && (
        <>
          <Pager offset={offset} limit={LIMIT} total={d.total} go={(o) => go({ offset: o })} />
          <div class="scroll">
            <table class="jobs">
              <thead>
                <tr>
                  {head("id")}
                  {d.keys.map((k) => head(k))}
                  {d.docKeys.map((k) => (
                    <th key={k}>doc.{k}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {d.rows.map((r) => (
                  <tr key={r.id}>
                    <td class="id">
                      <a href={href("job", r.id)}>{r.id.slice(0, 10)}</a>
                    </td>
                    {d.keys.map((k) => (
                      <td key={k}>{jsonText(lookup(r.sp, k) ?? "")}</td>
                    ))}
                    {d.docKeys.map((k) => (
                      <td key={k}>{jsonText(lookup(r.doc, k) ?? "")}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={LIMIT} total={d.total} go={(o) => go({ offset: o })} />
        </>
      )}
    </section>
  );
}

interface JobPage {
  id: string;
  sp: unknown;
  doc: unknown;
  path: string;
  files: { path: string; size: number; dir: boolean }[];
  runs: RunRow[];
}

export function Job({ id }: { id: string }) {
  const job = useApi<JobPage>(`/api/jobs/${encodeURIComponent(id)}`, true);
  const j = job.data;
  return (
    <section>
      <h1>Job {id.slice(0, 10)}</h1>
      <Problem error={job.error} />
      <Loading when={job.loading && !j} />
      {j && (
        <>
          <p class="meta">
            {j.id} · {j.path}
          </p>
          <div class="two">
            <div>
              <h2>State point</h2>
              <pre class="json">{JSON.stringify(j.sp, null, 2)}</pre>
            </div>
            <div>
              <h2>Document</h2>
              <pre class="json">{JSON.stringify(j.doc, null, 2)}</pre>
            </div>
          </div>
          <h2>Files</h2>
          <ul class="files">
            {j.files.map((f) => (
              <li key={f.path}>{f.dir ? `${f.path}/` : <a href={`/api/file?path=${encodeURIComponent(`${j.path}/${f.path}`)}`}>{f.path}</a>}{f.dir ? "" : ` (${f.size} bytes)`}</li>
            ))}
          </ul>
          <RunsTable rows={j.runs} caption={`Runs (${j.runs.length})`} />
        </>
      )}
    </section>
  );
}
