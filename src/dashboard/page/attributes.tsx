/** Label, tags and comments of a run or group: the only changes the dashboard makes. */
import { useState } from "preact/hooks";
import { changeAttributes, timeText, useFollowing } from "./data.js";
import { Problem } from "./parts.js";

export interface Comment {
  id: string;
  msg: string;
  author: string;
  time: number;
}

export function Attributes({ noun, id, label, tags, comments, changed }: { noun: "runs" | "groups"; id: string; label: string; tags: string[]; comments: Comment[]; changed: () => void }) {
  // The box follows the label shown: a label changed elsewhere (the callers key this by id, so that
  // on another run's page a half-typed label, tag or comment is gone too).
  const [newLabel, setLabel] = useFollowing(label);
  const [tag, setTag] = useState("");
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string>();
  const send = (change: Parameters<typeof changeAttributes>[2]) =>
    changeAttributes(noun, id, change).then(
      () => {
        setError(undefined);
        changed();
      },
      (err: Error) => setError(err.message),
    );
  const input = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);
  return (
    <div class="attributes">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void send({ label: newLabel.trim() === "" ? null : newLabel });
        }}
      >
        <label>
          label <input name="label" value={newLabel} onInput={input(setLabel)} />
        </label>
        <button type="submit">set label</button>
      </form>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (tag.trim()) void send({ addTags: [tag.trim()] }).then(() => setTag(""));
        }}
      >
        <span class="tags">
          tags:{" "}
          {tags.map((t) => (
            <span class="tag" key={t}>
              {t}{" "}
              <button type="button" aria-label={`remove tag ${t}`} onClick={() => void send({ removeTags: [t] })}>
                ×
              </button>
            </span>
          ))}
        </span>
        <label>
          new tag <input name="tag" value={tag} onInput={input(setTag)} />
        </label>
        <button type="submit">add tag</button>
      </form>
      {comments.length > 0 && (
        <ul class="comments">
          {comments.map((c) => (
            <li key={c.id}>
              <span class="meta">
                {timeText(c.time)} {c.author}:
              </span>{" "}
              {c.msg}
            </li>
          ))}
        </ul>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (comment.trim()) void send({ comment }).then(() => setComment(""));
        }}
      >
        <label>
          comment <input name="comment" value={comment} onInput={input(setComment)} />
        </label>
        <button type="submit">add comment</button>
      </form>
      <Problem error={error} />
    </div>
  );
}
