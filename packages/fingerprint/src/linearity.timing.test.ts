/*
 * Issue 12, item 2: every per-record stage runs in time linear in its input. The public
 * functions work on a bounded view (view.test.ts), but a quadratic stage inside a 16K view is
 * still 2.7e8 steps; so the stages are tested here on their own, unbounded, with text built to
 * make them backtrack (testing/adversarial.ts). Measured by the cost per doubling of the
 * input, ≤ 2.5 (linear 2, quadratic 4) over three doublings, never by a wall-clock limit.
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

describe("per-record stages are linear on adversarial text (≤ 2.5x per doubling)", () => {
  // Each stage gets its input in the form the pipeline gives it: folded, or normalized.
  const prepare = (name: string, text: string) =>
    name === "cotScoreNormalized" || name === "classifyNormalized"
      ? collapseWhitespace(foldText(text))
      : name === "foldText" || name === "boundedView"
        ? text
        : foldText(text);

  for (const [name, run] of STAGES) {
    // V8 changes how it allocates strings at 64K–128K, a one-off 2.8x step in foldText that
    // is not the code's growth; over three doublings it is one of three.
    it(`${name}, 64K → 512K characters`, () => {
      const slow: string[] = [];
      for (const a of ADVERSARIES) {
        const ratio = growthRatio(run, (n) => prepare(name, a.make(n)), 65_536);
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
    expect(growthRatio(quadratic, (n) => "=".repeat(n), 65_536)).toBeGreaterThan(3);
    expect(growthRatio(foldText, (n) => "=".repeat(n), 65_536)).toBeLessThan(2.5);
  }, 120_000);

  it("maskFolded, 512K → 4M characters, on the lines the outage was made of", { timeout: 120_000 }, () => {
    const slow: string[] = [];
    for (const a of ADVERSARIES.filter((x) => x.name.startsWith("a line of"))) {
      const ratio = growthRatio(maskFolded, (n) => foldText(a.make(n)), 524_288, 2);
      if (ratio > 2.5) slow.push(`${a.name}: ${ratio.toFixed(2)}x`);
    }
    expect(slow).toEqual([]);
  });
});
