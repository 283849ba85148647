import Table from "cli-table3";

/** A borderless table with a header row, columns padded to their widest cell. */
export function renderTable(head: string[], rows: string[][]): string {
  const table = new Table({
    head,
    chars: {
      top: "", "top-mid": "", "top-left": "", "top-right": "",
      bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
      left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: "  ",
    },
    style: { head: process.stdout.isTTY && !process.env.NO_COLOR ? ["bold"] : [], border: [], "padding-left": 0, "padding-right": 0 },
  });
  table.push(...rows);
  return table
    .toString()
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n");
}
