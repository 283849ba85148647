import stringWidth from "string-width";

/**
 * A borderless table with a header row, columns padded to their widest cell (by display width: wide
 * characters count twice) and parted by two spaces; lines end without trailing spaces. A cell with
 * line breaks spans as many lines. The header is bold on a terminal.
 */
export function renderTable(head: string[], rows: string[][]): string {
  const bold = process.stdout.isTTY && !process.env.NO_COLOR;
  const cells = [head, ...rows].map((row) => head.map((_, c) => String(row[c] ?? "").split("\n")));
  const widths = head.map((_, c) => Math.max(...cells.map((row) => Math.max(...row[c].map(stringWidth)))));
  const out: string[] = [];
  cells.forEach((row, r) => {
    const height = Math.max(...row.map((lines) => lines.length));
    for (let l = 0; l < height; l++) {
      const parts = row.map((lines, c) => {
        const text = lines[l] ?? "";
        const pad = " ".repeat(widths[c] - stringWidth(text));
        return r === 0 && bold && text !== "" ? `\u001b[1m${text}\u001b[22m${pad}` : text + pad;
      });
      out.push(parts.join("  ").trimEnd());
    }
  });
  return out.join("\n");
}
