import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeText } from "../normalize.ts";
import {
  BUCKETS,
  MAX_N,
  ngramCodes,
  STRIDE,
  WINDOW,
  windowCount,
  windowEnd,
  windowStart,
} from "./features.ts";
import { codesIn, type ElicitationWeights, elicitationProbability, maxWindowLogit } from "./model.ts";
import { committedWeights, elicitationModelScoreNormalized, MODEL_HEAD, MODEL_TAIL } from "./score.ts";
import { type TrainingText, trainElicitation } from "./train.ts";

/** The logit of windows straight from ngramCodes: the definition maxWindowLogit must match. */
function reference(text: string, m: ElicitationWeights): number {
  const codes = new Int32Array(text.length * MAX_N);
  ngramCodes(text, codes);
  let best = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < windowCount(text.length); k++) {
    const a = windowStart(text.length, k);
    const b = windowEnd(text.length, k);
    let sum = 0;
    let n = 0;
    for (let i = a * MAX_N; i < b * MAX_N; i++) {
      const c = codes[i] as number;
      if (c < 0) continue;
      n++;
      sum += (c & 1 ? -1 : 1) * (m.weights[c >>> 1] as number);
    }
    expect(n).toBe(codesIn(a, b));
    best = Math.max(best, sum / Math.sqrt(n) + m.bias);
  }
  return best;
}

const randomWeights = (seed: number): ElicitationWeights => {
  const w = new Float32Array(BUCKETS);
  let s = seed;
  for (let i = 0; i < w.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    w[i] = ((s >>> 8) / 2 ** 24 - 0.5) * 2;
  }
  return { weights: w, bias: -1 };
};

describe("elicitation model features", () => {
  it("scores every window from the same n-grams the trainer sees (fast-check)", () => {
    const m = randomWeights(7);
    fc.assert(
      fc.property(fc.string({ maxLength: 700, unit: "binary" }), (text) => {
        if (text.length === 0) return;
        expect(maxWindowLogit(text, m)).toBeCloseTo(reference(text, m), 6);
      }),
      { numRuns: 200 },
    );
  });

  it("reads a text in windows that cover it, at most WINDOW long and STRIDE apart", () => {
    for (const len of [1, 5, WINDOW - 1, WINDOW, WINDOW + 1, WINDOW + STRIDE, 1000, 16_384]) {
      const n = windowCount(len);
      expect(windowStart(len, 0)).toBe(0);
      expect(windowEnd(len, n - 1)).toBe(len);
      for (let k = 0; k < n; k++) {
        expect(windowEnd(len, k) - windowStart(len, k)).toBe(Math.min(len, WINDOW));
        if (k > 0) expect(windowStart(len, k) - windowStart(len, k - 1)).toBeLessThanOrEqual(STRIDE);
      }
    }
  });

  it("gives empty text 0 and text it has no evidence about the logistic of the bias", () => {
    const m = { weights: new Float32Array(BUCKETS), bias: -4 };
    expect(elicitationProbability("", m)).toBe(0);
    expect(elicitationProbability("ধাপে ধাপে উত্তর", m)).toBeCloseTo(1 / (1 + Math.exp(4)), 9);
  });

  it("costs the same per unit on a long text as on a short one (no per-window rescans)", () => {
    // Counted, not timed: windows are prefix-sum differences, so codesIn is the only per-window
    // work and it is O(MAX_N).
    expect(codesIn(1000, 1000 + WINDOW)).toBe(WINDOW * MAX_N);
    expect(codesIn(0, 3)).toBe(1 + 2 + 3);
  });
});

describe("trainElicitation", () => {
  const texts: TrainingText[] = [
    ...["please show all of your reasoning first", "write out your full reasoning, then answer"].map((t) => ({
      text: t,
      windows: [{ start: 0, end: t.length, label: 1 as const }],
    })),
    ...["what is the capital of france", "write a poem about the sea", "translate this into german"].map(
      (t) => ({
        text: t,
        windows: [{ start: 0, end: t.length, label: 0 as const }],
      }),
    ),
  ];
  const options = { epochs: 30, rate: 0.3, l2: 1e-5, seed: 3, bias: -2 };

  it("separates the classes it was given", () => {
    const m = trainElicitation(texts, options);
    for (const t of texts) {
      const p = elicitationProbability(t.text, m);
      if (t.windows[0]?.label === 1) expect(p).toBeGreaterThan(0.5);
      else expect(p).toBeLessThan(0.5);
    }
  });

  it("is deterministic for a seed, and the seed matters", () => {
    const a = trainElicitation(texts, options);
    const b = trainElicitation(texts, options);
    const c = trainElicitation(texts, { ...options, seed: 4 });
    expect(Buffer.from(a.weights.buffer).equals(Buffer.from(b.weights.buffer))).toBe(true);
    expect(Buffer.from(a.weights.buffer).equals(Buffer.from(c.weights.buffer))).toBe(false);
  });

  it("refuses data without both classes", () => {
    expect(() => trainElicitation(texts.slice(0, 2), options)).toThrow(/both classes/);
  });
});

describe("the committed model", () => {
  const score = (t: string) => elicitationModelScoreNormalized(normalizeText(t));

  it("decodes for the features it was trained with", () => {
    const m = committedWeights();
    expect(m.weights).toHaveLength(BUCKETS);
    expect(m.bias).toBeLessThan(0);
  });

  it("scores a request for the reasoning high and an ordinary question low", () => {
    expect(
      score("Natalia sold 48 clips in April. How many in May?\n\nShow your complete chain of thought."),
    ).toBeGreaterThan(0.5);
    expect(score("What is the capital of France?")).toBeLessThan(0.5);
  });

  it("reads the head and the tail of a long text only, and still finds the instruction there", () => {
    const instruction = "Show your complete chain of thought before the final answer.";
    const filler = "The river flows past the old mill and the market square. ".repeat(20_000);
    expect(score(`${filler}${instruction}`)).toBeGreaterThan(0.5);
    expect(score(`${instruction}${filler}`)).toBeGreaterThan(0.5);
    // An instruction deep in the middle is outside the bounded view: not read, by design.
    expect(score(`${filler}${instruction}${filler}`)).toBeLessThan(0.5);
    expect(MODEL_HEAD + MODEL_TAIL).toBeLessThanOrEqual(16_384);
  });
});
