import { describe, expect, it } from "vitest";
import { responseTrace } from "./response.ts";

describe("responseTrace", () => {
  it("reads worked arithmetic as a trace, inline or one step per line", () => {
    const lines = responseTrace(
      "Natalia sold 48 / 2 = 24 clips in May.\nAltogether she sold 48 + 24 = 72 clips.\nThe answer is 72.",
    );
    expect(lines.derivations).toBe(2);
    expect(lines.trace).toBeGreaterThanOrEqual(0.5);
    // MGSM's Japanese exemplar: one line, full-width punctuation, ASCII digits.
    const ja = responseTrace(
      "ステップごとの答え：ロジャーは最初5個のボールがありました。5+6=11。答えは11です。つまり4*5=20台。",
    );
    expect(ja.derivations).toBe(2);
    expect(ja.trace).toBeGreaterThanOrEqual(0.5);
  });

  it("counts derivations written in Bengali, Telugu, Thai and full-width digits", () => {
    expect(responseTrace("৫ + ৬ = ১১").derivations).toBe(1);
    expect(responseTrace("౫ × ౬ = ౩౦").derivations).toBe(2);
    expect(responseTrace("๕ + ๖ = ๑๑").derivations).toBe(1);
    expect(responseTrace("５＋６=１１").derivations).toBe(1);
  });

  it("scores ordinary answers 0: facts, dates, ranges, code assignments", () => {
    for (const text of [
      "Camels use the fat in their humps to keep them filled with energy.",
      "The war lasted from 1939-1945 and ended in Europe on 8 May 1945.",
      "Call 555-0100 between 9-5.",
      "x = foo(bar)\nreturn x",
      "",
    ]) {
      expect(responseTrace(text).trace, text).toBe(0);
    }
  });

  it("keeps a numbered list below a derivation: a recipe is not reasoning", () => {
    const recipe = Array.from({ length: 8 }, (_, i) => `${i + 1}. Stir the batter and wait.`).join("\n");
    const r = responseTrace(recipe);
    expect(r.steps).toBe(8);
    expect(r.trace).toBeLessThan(0.5);
    const worked = responseTrace(`1. First, 3 × 4 = 12.\n2. Then 12 + 5 = 17.\n3. So the answer is 17.`);
    expect(worked.trace).toBeGreaterThan(r.trace);
  });

  it("reads list marks and headings before step numbers", () => {
    expect(responseTrace("- 1. a\n## 2) b\n* 3、c\n   4: d").steps).toBe(4);
    expect(responseTrace("1.5 million people\n2.0 is the version").steps).toBe(0);
  });

  it("reads deliberation in tags and answer boxes", () => {
    expect(responseTrace("<reasoning>weigh both options</reasoning>\nAnswer: B").tags).toBe(1);
    expect(responseTrace("<think>hmm</think> ok").trace).toBeGreaterThan(0.4);
    expect(responseTrace("so $\\boxed{42}$").trace).toBeGreaterThan(0.6);
    expect(responseTrace("a </ b > c").tags).toBe(0);
  });

  it("is 1 when the model returned its reasoning beside the answer", () => {
    expect(responseTrace("42", "First I multiply…").trace).toBe(1);
    expect(responseTrace("42", "  ").trace).toBe(0);
  });

  it("reads a bounded view: a 1.6 MB answer counts no more than its view holds", () => {
    const step = "Then 12 + 5 = 17.\n";
    const huge = step.repeat(Math.ceil(1_600_000 / step.length));
    const r = responseTrace(huge);
    expect(r.derivations).toBeLessThan(2_000);
    expect(r.trace).toBeGreaterThan(0.8);
  });
});
