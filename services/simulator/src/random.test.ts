import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventHeap } from "./heap.ts";
import { cumulative, Rng } from "./random.ts";

describe("Rng", () => {
  it("repeats a stream for the same seed and label, and separates labels", () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.u32()
      )(new Rng(7, "x")),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.u32()
      )(new Rng(7, "x")),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.u32()
      )(new Rng(7, "y")),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("draws from the distributions it names", () => {
    const r = new Rng(1);
    const n = 100_000;
    let u = 0;
    let e = 0;
    const counts = [0, 0, 0];
    const cum = cumulative([1, 2, 7]);
    for (let i = 0; i < n; i++) {
      u += r.next();
      e += r.exp(3);
      const k = r.weighted(cum);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    expect(u / n).toBeCloseTo(0.5, 2);
    expect(e / n).toBeGreaterThan(2.9);
    expect(e / n).toBeLessThan(3.1);
    expect((counts[2] ?? 0) / n).toBeCloseTo(0.7, 1);
    const ln = Array.from({ length: 20_001 }, () => r.lognormal(40, 1.5)).sort((x, y) => x - y);
    expect(ln[10_000]).toBeGreaterThan(36);
    expect(ln[10_000]).toBeLessThan(44);
  });
});

describe("EventHeap", () => {
  it("pops in time order, ties by source id, whatever the insertion order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.nat(1000)), { maxLength: 300 }),
        (entries) => {
          const h = new EventHeap(4);
          for (const [t, id] of entries) h.push(t, id);
          const out: [number, number][] = [];
          while (h.size > 0) {
            out.push([h.peekTime(), h.peekId()]);
            h.pop();
          }
          expect(out).toEqual([...entries].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
        },
      ),
      { seed: 3, numRuns: 200 },
    );
  });
});
