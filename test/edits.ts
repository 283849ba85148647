/** Texts with small edits, for property tests of parsers: each text with a few characters inserted, deleted or replaced. */
import fc from "fast-check";

/** `texts`, each with `minEdits` to `maxEdits` edits, each a character of `noise` inserted, or one deleted or replaced. */
export function editedTexts(texts: fc.Arbitrary<string>, noise: string, { minEdits = 0, maxEdits = 3 } = {}): fc.Arbitrary<string> {
  const edit = fc.record({ at: fc.nat(), op: fc.constantFrom("insert", "delete", "replace"), ch: fc.constantFrom(...noise.split("")) });
  return fc.tuple(texts, fc.array(edit, { minLength: minEdits, maxLength: maxEdits })).map(([text, edits]) => {
    let t = text;
    for (const { at, op, ch } of edits) {
      const i = t.length ? at % (t.length + 1) : 0;
      if (op === "insert") t = t.slice(0, i) + ch + t.slice(i);
      else if (op === "delete") t = t.slice(0, i) + t.slice(i + 1);
      else t = t.slice(0, i) + ch + t.slice(i + 1);
    }
    return t;
  });
}
