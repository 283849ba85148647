/** Runs and run groups (`cohort runs [-g]`, paged and filtered), and a group's page. */
import { Fragment } from "preact";
import { Attributes, type Comment } from "./attributes.js";
import { href, timeText, useApi, useFollowing, type Route } from "./data.js";
import { Loading, Pager, Problem, RunsTable, Status, type RunRow } from "./parts.js";

const LIMIT = 100;
const FILTERS = [
  ["o", "operation"],
  ["s", "status"],
  ["l", "label"],
  ["t", "tag"],
  ["j", "job"],
] as const;

export function Runs({ route, groups }: { route: Route; groups: boolean }) {
  const offset = Number(route.query.get("offset") ?? "0") || 0;
  const filters = Object.fromEntries(FILTERS.map(([k]) => [k, route.query.get(k) ?? ""]));
  const [form, setForm] = useFollowing(filters, route.query.toString());
  const view = groups ? "groups" : "runs";
  const go = (change: Record<string, string | number | undefined>) => (location.hash = href(view, "", { ...filters, offset, ...change }));
  const q = new URLSearchParams({ offset: String(offset), limit: String(LIMIT), ...(groups ? { group: "1" } : {}) });
  for (const [k] of FILTERS) if (filters[k]) q.set(k, filters[k]);
  const page = useApi<{ total: number; rows: RunRow[] }>(`/api/runs?${q}`, true);
  return (
    <section>
      <h1>{groups ? "Runs and groups" : "Runs"}</h1>
      <p class="meta">
        {groups ? (
          <>
            each group in place of its members (<code>cohort runs -g</code>) · <a href={href("runs")}>runs one by one</a>
          </>
        ) : (
          <>
            newest first (<code>cohort runs</code>) · <a href={href("groups")}>with groups folded</a>
          </>
        )}
      </p>
      <form
        class="filter"
        onSubmit={(e) => {
          e.preventDefault();
          go({ ...form, offset: 0 });
        }}
      >
        {FILTERS.map(([k, name]) => (
          <label key={k}>
            {name} <input name={k} value={form[k]} size={10} onInput={(e) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value })} />
          </label>
        ))}
        <button type="submit">filter</button>
      </form>
      <Problem error={page.error} />
      <Loading when={page.loading && !page.data} />
      {page.data && (
        <>
          <RunsTable rows={page.data.rows} />
          <Pager offset={offset} limit={LIMIT} total={page.data.total} go={(o) => go({ offset: o })} />
        </>
      )}
    </section>
  );
}

interface GroupPage extends RunRow {
  kind: string;
  members: string[];
  /** What its kind says of it, on one line each (a batch's flags). */
  details: Record<string, string>;
  /** How many runs a batch or pipeline planned (null: not said). */
  planned: number | null;
  /** How many runs its runner made, when it planned some. */
  made: number | null;
  comments: Comment[];
  rows: RunRow[];
}

export function Group({ id }: { id: string }) {
  const g = useApi<GroupPage>(`/api/groups/${encodeURIComponent(id)}`, true);
  const d = g.data;
  return (
    <section>
      <h1>Group {d?.name ?? id}</h1>
      <Problem error={g.error} />
      <Loading when={g.loading && !d} />
      {d && (
        <>
          <dl class="fields">
            <dt>id</dt>
            <dd>{d.id}</dd>
            <dt>kind</dt>
            <dd>{d.kind}</dd>
            <dt>operation</dt>
            <dd>{d.operation}</dd>
            <dt>started</dt>
            <dd>{timeText(d.started)}</dd>
            <dt>status</dt>
            <dd>
              <Status status={d.status} />
            </dd>
            {Object.entries(d.details).map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd>
                  <code>{v}</code>
                </dd>
              </Fragment>
            ))}
          </dl>
          <Attributes key={d.id} noun="groups" id={d.id} label={d.label} tags={d.tags} comments={d.comments} changed={g.reload} />
          <p>
            <a href={href("compare", "", { group: d.id })}>compare its members</a>
          </p>
          <RunsTable rows={d.rows} caption={`Members (${d.rows.length}${d.planned !== null && d.made !== null && d.planned > d.made ? ` of ${d.planned} planned` : ""})`} />
        </>
      )}
    </section>
  );
}
