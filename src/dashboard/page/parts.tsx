/** Pieces the views share: paging, statuses, run rows, errors. */
import type { ComponentChildren } from "preact";
import { href, timeText } from "./data.js";

export function Status({ status }: { status: string }) {
  return <span class={`status status-${status.split(" ")[0]}`}>{status}</span>;
}

export function Problem({ error }: { error?: string }) {
  return error ? <p class="error" role="alert">{error}</p> : null;
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p class="loading" aria-live="polite">loading…</p> : null;
}

/** Rows `offset+1`–`offset+shown` of `total`, and buttons to the first, previous, next and last pages. */
export function Pager({ offset, limit, total, go }: { offset: number; limit: number; total: number; go: (offset: number) => void }) {
  const last = Math.max(0, Math.floor((total - 1) / limit) * limit);
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  return (
    <nav class="pager" aria-label="pages">
      <button type="button" disabled={offset === 0} onClick={() => go(0)} aria-label="first page">«</button>
      <button type="button" disabled={offset === 0} onClick={() => go(Math.max(0, offset - limit))} aria-label="previous page">‹</button>
      <span>
        {total === 0 ? "none" : `${offset + 1}–${Math.min(total, offset + limit)} of ${total}`}
        {" · page "}
        <input
          type="number"
          min={1}
          max={pages}
          value={page}
          aria-label="page number"
          onChange={(e) => go(Math.min(pages - 1, Math.max(0, Number((e.target as HTMLInputElement).value) - 1)) * limit)}
        />
        {` of ${pages}`}
      </span>
      <button type="button" disabled={offset >= last} onClick={() => go(offset + limit)} aria-label="next page">›</button>
      <button type="button" disabled={offset >= last} onClick={() => go(last)} aria-label="last page">»</button>
    </nav>
  );
}

/** A row of `cohort runs --json` (a run, or with -g a group). */
export interface RunRow {
  index: number | null;
  type: "run" | "group";
  id: string;
  name: string;
  operation: string;
  kind?: string;
  started: number | null;
  status: string;
  label: string;
  tags: string[];
  jobs: string[];
  deleted?: boolean;
}

export function RunsTable({ rows, caption }: { rows: RunRow[]; caption?: ComponentChildren }) {
  return (
    <div class="scroll">
      <table class="runs">
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            <th>#</th>
            <th>name</th>
            <th>operation</th>
            <th>started</th>
            <th>status</th>
            <th>label</th>
            <th>tags</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td class="num">{r.index ?? ""}</td>
              <td>
                <a href={href(r.type === "group" ? "group" : "run", r.id)}>{r.name}</a>
                {r.type === "group" && <span class="kind"> {r.kind}</span>}
              </td>
              <td>{r.operation}</td>
              <td>{timeText(r.started)}</td>
              <td>
                <Status status={r.status} />
              </td>
              <td>{r.label}</td>
              <td>{r.tags.join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
