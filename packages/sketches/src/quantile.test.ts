import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QuantileSketch } from "./quantile.ts";

const exact = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
const qs = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1];
const withinAlpha = (est: number, truth: number, alpha: number) =>
  truth === 0 ? est === 0 : Math.abs(est - truth) <= alpha * truth * (1 + 1e-12);

describe("QuantileSketch", () => {
  it("is within α of the exact quantile when the values span fewer than B bins", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0.01, 0.05, 0.1),
        fc.integer({ min: 2, max: 64 }),
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 500 }),
        fc.array(fc.boolean(), { maxLength: 50 }),
        (alpha, bins, scale, us, zeros) => {
          const s = new QuantileSketch(alpha, bins);
          const gamma = (1 + alpha) / (1 - alpha);
          // Values in [scale·γ^−(B−2), scale]: at most B keys.
          const values = us.map((u) => scale * gamma ** (-(bins - 2) * u));
          for (const z of zeros) if (z) values.push(0);
          for (const v of values) s.add(v);
          const sorted = [...values].sort((a, b) => a - b);
          expect(s.count).toBe(values.length);
          for (const q of qs) expect(withinAlpha(s.quantile(q), exact(sorted, q), alpha)).toBe(true);
        },
      ),
      { seed: 11, numRuns: 400 },
    );
  });

  it("keeps the top B bins exact and never underestimates collapsed quantiles", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 800 }),
        (values) => {
          const alpha = 0.1;
          const bins = 16;
          const s = new QuantileSketch(alpha, bins);
          for (const v of values) s.add(v);
          const sorted = [...values].sort((a, b) => a - b);
          const max = sorted[sorted.length - 1] ?? 0;
          const gamma = (1 + alpha) / (1 - alpha);
          const floor = max * gamma ** -(bins - 2);
          for (const q of qs) {
            const t = exact(sorted, q);
            const e = s.quantile(q);
            if (t === 0 || t >= floor) expect(withinAlpha(e, t, alpha)).toBe(true);
            else expect(e).toBeGreaterThanOrEqual(t * (1 - alpha));
          }
        },
      ),
      { seed: 12, numRuns: 400 },
    );
  });

  it("merge is byte-equal to the sketch of the union", () => {
    const values = fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-2, max: 1e7, noNaN: true })), {
      maxLength: 300,
    });
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 40 }), values, values, (bins, a, b) => {
        const sa = new QuantileSketch(0.05, bins);
        const sb = new QuantileSketch(0.05, bins);
        const su = new QuantileSketch(0.05, bins);
        for (const v of a) sa.add(v);
        for (const v of b) sb.add(v);
        for (const v of [...b, ...a]) su.add(v);
        sa.merge(sb);
        expect(Array.from(sa.serialize())).toEqual(Array.from(su.serialize()));
      }),
      { seed: 13, numRuns: 400 },
    );
  });

  it("serialises round trip, ignores NaN, and answers NaN when empty", () => {
    const s = new QuantileSketch(0.1, 16);
    expect(s.quantile(0.5)).toBeNaN();
    s.add(Number.NaN);
    expect(s.count).toBe(0);
    for (let i = 1; i <= 1000; i++) s.add(i);
    const back = QuantileSketch.deserialize(s.serialize());
    expect(Array.from(back.serialize())).toEqual(Array.from(s.serialize()));
    expect(back.quantile(0.9)).toBe(s.quantile(0.9));
    expect(s.serialize().length).toBe(11 + 8 + 4 * 16);
  });
});
