import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { collapseWhitespace, foldText, normalizeText } from "./normalize.ts";

// Every character JavaScript's \s matches, and neighbours that it does not (U+0085, U+180E,
// U+200B are not whitespace in ECMAScript).
const SPACES = [..."\t\n\v\f\r \u00a0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"];
const NOT_SPACES = ["\u0085", "\u180e", "\u200b", "\u001f", "\u0021", "\u009f", "\u00a1", "\u1fff", "\u200c"];
const PIECES = [...SPACES, ...NOT_SPACES, "a", "word", "中文", "𠀀", "\ud800", "\udc00", "  ", "\n    "];

const byRegex = (t: string) => t.replace(/\s+/g, " ").trim();

describe("collapseWhitespace", () => {
  it("equals replace(/\\s+/g, ' ').trim() on generated text (fast-check, 20,000 runs)", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), (pieces) => {
        const t = pieces.join("");
        expect(collapseWhitespace(t)).toBe(byRegex(t));
      }),
      { seed: 11, numRuns: 20_000 },
    );
  });

  it("equals it on every single UTF-16 unit between two words", () => {
    for (let c = 0; c < 0x10000; c++) {
      const t = `a${String.fromCharCode(c)}b ${String.fromCharCode(c)}`;
      expect(collapseWhitespace(t)).toBe(byRegex(t));
    }
  });

  it.each([
    ["", ""],
    ["   ", ""],
    ["one", "one"],
    [" a  b\n\tc ", "a b c"],
    ["def f(x):\n    return x\n", "def f(x): return x"],
  ])("%j → %j", (input, expected) => {
    expect(collapseWhitespace(input)).toBe(expected);
  });
});

describe("normalizeText", () => {
  it("folds full-width text, lower-cases it and collapses whitespace", () => {
    expect(normalizeText("  ＡＢＣ１２３：\r\n Next\u3000Line ")).toBe("abc123: next line");
    expect(foldText("A\r\nB\rC")).toBe("a\nb\nc");
  });
});
