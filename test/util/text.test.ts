import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTROL, printable } from "../../src/util/text.js";

describe("printable", () => {
  it("writes control characters as escapes, line breaks too unless kept", () => {
    expect(printable("\u001b[2Jred\u0007")).toBe("\\u001b[2Jred\\u0007");
    expect(printable("a\u0000b\u007fc\u0085d\u2028e")).toBe("a\\u0000b\\u007fc\\u0085d\\u2028e");
    expect(printable("a\nb\tc")).toBe("a\\u000ab\\u0009c");
    expect(printable("a\nb\tc\r", true)).toBe("a\nb\\u0009c\\u000d");
    expect(printable("déjà vu 🎉 ≤ 3")).toBe("déjà vu 🎉 ≤ 3");
  });

  it("leaves no control character but kept line breaks, and changes nothing else (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.boolean(), (text, lines) => {
        const shown = printable(text, lines);
        expect(CONTROL.test(lines ? shown.replaceAll("\n", "") : shown)).toBe(false);
        if (!CONTROL.test(text)) expect(shown).toBe(text);
        // each escape stands for the character it replaced (told apart when the text has no backslash of its own)
        const unescape = (t: string) => t.replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
        if (!text.includes("\\")) expect(unescape(shown)).toBe(text);
      }),
    );
  });
});
