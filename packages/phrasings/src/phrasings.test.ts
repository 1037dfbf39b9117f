import { describe, expect, it } from "vitest";
import { FAMILIES, LANGUAGES, PHRASINGS, phrase } from "./index.ts";

describe("phrasing families", () => {
  it("are written in every language, four variants at least, one problem slot per variant", () => {
    for (const lang of LANGUAGES) {
      const table = PHRASINGS[lang];
      expect(Object.keys(table).sort()).toEqual(FAMILIES.map((f) => f.id).sort());
      for (const f of FAMILIES) {
        const variants = table[f.id] ?? [];
        expect(variants.length, `${lang}/${f.id}`).toBeGreaterThanOrEqual(4);
        expect(new Set(variants).size, `${lang}/${f.id} variants differ`).toBe(variants.length);
        for (const v of variants) {
          expect(v.split("{P}").length - 1, `${lang}/${f.id}: ${v}`).toBe(1);
          expect(/\{[A-Z]\}/.test(v.replace("{P}", "")), `${lang}/${f.id} has another slot`).toBe(false);
        }
      }
    }
  });

  it("split every kind of family into tune and test, learners included", () => {
    for (const elicits of [true, false]) {
      const splits = new Set(FAMILIES.filter((f) => f.elicits === elicits).map((f) => f.split));
      expect([...splits].sort()).toEqual(["test", "tune"]);
    }
    expect(new Set(FAMILIES.map((f) => f.id)).size).toBe(FAMILIES.length);
  });

  it("keep the keyword-free family free of the words a keyword list looks for (English)", () => {
    for (const v of PHRASINGS.en.keyword_free ?? []) {
      expect(v.replace("{P}", "")).not.toMatch(/step|reason|think|thought|chain|logic|explain|work/i);
    }
  });

  it("put the problem where the slot is, whatever the problem holds", () => {
    expect(phrase("Q: {P}\nA:", "costs $& and $1")).toBe("Q: costs $& and $1\nA:");
  });
});
