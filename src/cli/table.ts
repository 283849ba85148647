import { displayWidth as width, printable } from "../util/text.js";

/**
 * A borderless table with a header row, columns padded to their widest cell (by display width: wide
 * characters count twice) and parted by two spaces; lines end without trailing spaces. A cell with
 * line breaks spans as many lines; other control characters show as escapes (`\u001b`). The header is
 * bold on a terminal.
 */
export function renderTable(head: string[], rows: string[][]): string {
  const bold = process.stdout.isTTY && !process.env.NO_COLOR;
  const cells = [head, ...rows].map((row) => head.map((_, c) => cellLines(String(row[c] ?? ""))));
  // Not Math.max(...cells): a spread of 200,000 rows overflows the stack.
  const widths = head.map((_, c) => cells.reduce((w, row) => row[c].reduce((v, line) => Math.max(v, width(line)), w), 0));
  const out: string[] = [];
  cells.forEach((row, r) => {
    const height = Math.max(...row.map((lines) => lines.length));
    for (let l = 0; l < height; l++) {
      const parts = row.map((lines, c) => {
        const text = lines[l] ?? "";
        const pad = " ".repeat(widths[c] - width(text));
        return r === 0 && bold && text !== "" ? `\u001b[1m${text}\u001b[22m${pad}` : text + pad;
      });
      out.push(parts.join("  ").trimEnd());
    }
  });
  return out.join("\n");
}

/** The lines a cell of a table takes (what others wrote, a label or a command, is shown with its control characters as escapes). */
function cellLines(text: string): string[] {
  return printable(text, true).split("\n");
}

/** How many columns of a terminal a cell of a table takes: its widest line, by display width. */
export function cellWidth(text: string): number {
  return cellLines(text).reduce((v, line) => Math.max(v, width(line)), 0);
}
