/*
 * Issue 12, item 2: every per-record stage runs in time linear in its input. The public
 * functions work on a bounded view (view.test.ts), but a quadratic stage inside a 16K view is
 * still 2.7e8 steps; so the stages are tested here on their own, unbounded, with text built to
 * make them backtrack (testing/adversarial.ts). Measured by ratio, t(2n) / t(n) ≤ 2.5, never by
 * a wall-clock limit.
 */
import { describe, expect, it } from "vitest";
import { cotScoreNormalized } from "./cot.ts";
import { frameOfMasked } from "./frame.ts";
import { collapseWhitespace, foldText } from "./normalize.ts";
import { simhashFolded } from "./simhash.ts";
import { labelLineHead, maskFolded } from "./template.ts";
import { ADVERSARIES, growthRatio } from "./testing/index.ts";
import { classifyNormalized } from "./topic.ts";
import { boundedView } from "./view.ts";

const STAGES: readonly [name: string, run: (text: string) => unknown][] = [
  ["foldText", foldText],
  ["collapseWhitespace", collapseWhitespace],
  ["boundedView", boundedView],
  ["maskFolded", maskFolded],
  ["frameOfMasked", frameOfMasked],
  ["labelLineHead", labelLineHead],
  ["simhashFolded", simhashFolded],
  ["cotScoreNormalized", cotScoreNormalized],
  ["classifyNormalized", classifyNormalized],
];

describe("per-record stages are linear on adversarial text (t(2n) / t(n) ≤ 2.5)", () => {
  // Each stage gets its input in the form the pipeline gives it: folded, or normalized.
  const prepare = (name: string, text: string) =>
    name === "cotScoreNormalized" || name === "classifyNormalized"
      ? collapseWhitespace(foldText(text))
      : name === "foldText" || name === "boundedView"
        ? text
        : foldText(text);

  for (const [name, run] of STAGES) {
    // 128K and up: V8 changes how it allocates strings below that, which shows as a one-off
    // 2.8x step in foldText between 64K and 128K that is not the code's growth.
    it(`${name}, 128K → 256K characters`, () => {
      const slow: string[] = [];
      for (const a of ADVERSARIES) {
        const ratio = growthRatio(run, (n) => prepare(name, a.make(n)), 131_072);
        if (ratio > 2.5) slow.push(`${a.name}: ${ratio.toFixed(2)}x`);
      }
      expect(slow).toEqual([]);
    }, 120_000);
  }

  it("the measure flags a quadratic stage (so a pass means linear, not an insensitive test)", () => {
    // Quadratic in the text, thinned by 64 in each loop so that 1M characters stay fast.
    const quadratic = (text: string) => {
      let h = 0;
      for (let i = 0; i < text.length; i += 64) {
        for (let j = i; j < text.length; j += 64) h = (h + text.charCodeAt(j)) | 0;
      }
      return h;
    };
    expect(growthRatio(quadratic, (n) => "=".repeat(n), 131_072)).toBeGreaterThan(3);
    expect(growthRatio(foldText, (n) => "=".repeat(n), 131_072)).toBeLessThan(2.5);
  }, 120_000);

  it("maskFolded, 512K → 1M characters, on the lines the outage was made of", { timeout: 120_000 }, () => {
    const slow: string[] = [];
    for (const a of ADVERSARIES.filter((x) => x.name.startsWith("a line of"))) {
      const ratio = growthRatio(maskFolded, (n) => foldText(a.make(n)), 524_288, 2);
      if (ratio > 2.5) slow.push(`${a.name}: ${ratio.toFixed(2)}x`);
    }
    expect(slow).toEqual([]);
  });
});
