import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isUnspacedScript, UNSPACED_CLASS, UNSPACED_RANGES } from "./script.ts";

describe("unspaced scripts", () => {
  it("cover Han, kana and 々 but not Hangul, Latin or CJK punctuation", () => {
    for (const c of ["中", "語", "ひ", "カ", "ー", "々", "𠀀"])
      expect(isUnspacedScript(c.codePointAt(0) ?? 0)).toBe(true);
    for (const c of ["한", "a", "я", "。", "，", "「"])
      expect(isUnspacedScript(c.codePointAt(0) ?? 0)).toBe(false);
  });

  it("give the regex class used by templates the same ranges", () => {
    const inClass = new RegExp(`^[${UNSPACED_CLASS}]$`, "u");
    const edges = UNSPACED_RANGES.flatMap(([lo, hi]) => [lo - 1, lo, hi, hi + 1]);
    for (const cp of edges)
      expect(inClass.test(String.fromCodePoint(cp)), cp.toString(16)).toBe(isUnspacedScript(cp));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x4ffff }), (cp) => {
        fc.pre(cp < 0xd800 || cp > 0xdfff);
        expect(inClass.test(String.fromCodePoint(cp))).toBe(isUnspacedScript(cp));
      }),
      { seed: 42, numRuns: 5000 },
    );
  });
});
