import { describe, expect, it } from "vitest";
import { renderTable } from "../../src/cli/table.js";

describe("renderTable", () => {
  it("pads each column to its widest cell, two spaces apart, without trailing spaces", () => {
    expect(renderTable(["#", "name", "status"], [["1", "lusab-babad", "completed"], ["10", "x", ""]])).toBe(
      ["#   name         status", "1   lusab-babad  completed", "10  x"].join("\n"),
    );
  });

  it("counts wide characters twice, so that columns stay aligned", () => {
    const lines = renderTable(["label", "n"], [["日本", "1"], ["ab", "2"]]).split("\n");
    expect(lines).toEqual(["label  n", "日本   1", "ab     2"]);
  });

  it("gives a cell with line breaks as many lines, the other cells empty there", () => {
    expect(renderTable(["a", "b", "c"], [["x", "one\ntwo", "z"]])).toBe(["a  b    c", "x  one  z", "   two"].join("\n"));
  });

  it("fills a short row with empty cells", () => {
    expect(renderTable(["a", "b"], [["long value"]])).toBe(["a           b", "long value"].join("\n"));
  });

  it("renders 200,000 rows (a spread of that many arguments overflows the stack)", () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => [String(i + 1), "x"]);
    const lines = renderTable(["#", "name"], rows).split("\n");
    expect(lines).toHaveLength(200_001);
    expect(lines[1]).toBe("1       x");
    expect(lines[200_000]).toBe("200000  x");
  });
});
