import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fmix32 } from "./hash.ts";
import { entropyBits, SpaceSaving } from "./topk.ts";

function exactCounts(xs: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const x of xs) m.set(fmix32(x), (m.get(fmix32(x)) ?? 0) + 1);
  return m;
}

describe("SpaceSaving", () => {
  it("is exact with at most k distinct items", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.nat(), { maxLength: 300 }), (k, raw) => {
        const xs = raw.map((x) => x % k);
        const s = new SpaceSaving(k);
        for (const x of xs) s.addHash32(x);
        const truth = exactCounts(xs);
        for (const { hash, count } of s.top()) expect(count).toBe(truth.get(hash));
        expect(s.top().length).toBe(truth.size);
        const shares = [...truth.values()];
        expect(s.entropyBits()).toBeCloseTo(entropyBits(shares, shares.length), 12);
      }),
      { seed: 21, numRuns: 300 },
    );
  });

  it("keeps the space-saving bounds: 0 ≤ count − true ≤ N/k, untracked ≤ min, Σ counts = N", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 500 }),
        (k, xs) => {
          const s = new SpaceSaving(k);
          for (const x of xs) s.addHash32(x);
          const truth = exactCounts(xs);
          const top = s.top();
          expect(s.total).toBe(xs.length);
          const tracked = new Set(top.map((t) => t.hash));
          for (const { hash, count } of top) {
            const t = truth.get(hash) ?? 0;
            expect(count).toBeGreaterThanOrEqual(t);
            expect(count - t).toBeLessThanOrEqual(xs.length / k);
          }
          const min = top.length === k ? Math.min(...top.map((t) => t.count)) : 0;
          for (const [h, c] of truth) if (!tracked.has(h)) expect(c).toBeLessThanOrEqual(min);
          if (xs.length > 0) {
            const trueTop = Math.max(...truth.values()) / xs.length;
            expect(s.topShare()).toBeGreaterThanOrEqual(trueTop);
            expect(s.topShare() - trueTop).toBeLessThanOrEqual(1 / k + 1e-12);
          }
        },
      ),
      { seed: 22, numRuns: 400 },
    );
  });

  it("merge conserves the total and is exact with at most k distinct items overall", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 })),
        fc.array(fc.integer({ min: 0, max: 5 })),
        (a, b) => {
          const sa = new SpaceSaving(6);
          const sb = new SpaceSaving(6);
          for (const x of a) sa.addHash32(x);
          for (const x of b) sb.addHash32(x);
          sa.merge(sb);
          expect(sa.total).toBe(a.length + b.length);
          const truth = exactCounts([...a, ...b]);
          for (const { hash, count } of sa.top()) expect(count).toBe(truth.get(hash));
        },
      ),
      { seed: 23, numRuns: 200 },
    );
  });

  it("serialises round trip", () => {
    const s = new SpaceSaving(4);
    for (let i = 0; i < 100; i++) s.add(i % 7, i % 3);
    const back = SpaceSaving.deserialize(s.serialize());
    expect(back.top()).toEqual(s.top());
    expect(s.serialize().length).toBe(2 + 32);
  });
});
