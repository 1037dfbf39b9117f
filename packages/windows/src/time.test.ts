import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bucketOf, isLate, readTimesCovering, windowBuckets, windowRange, windowsFor } from "./time.ts";

describe("window assignment", () => {
  const ring = { bucketMs: 300_000, buckets: 12 }; // 1 h as 12 × 5 min

  it("puts an event in the bucket containing it, negative times included", () => {
    expect(bucketOf(0, 10)).toBe(0);
    expect(bucketOf(9, 10)).toBe(0);
    expect(bucketOf(10, 10)).toBe(1);
    expect(bucketOf(-1, 10)).toBe(-1);
  });

  it("reads at T the n buckets whose start lies in (T − H, T]", () => {
    const t = Date.parse("2026-03-02T10:07:00Z");
    expect(windowRange(t, ring)).toEqual({
      start: Date.parse("2026-03-02T09:10:00Z"),
      end: Date.parse("2026-03-02T10:10:00Z"),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e13 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 50 }),
        (t, w, n) => {
          const r = { bucketMs: w, buckets: n };
          const { first, last } = windowBuckets(t, r);
          expect(last - first + 1).toBe(n);
          for (const b of [first, last]) expect(b * w > t - n * w && b * w <= t).toBe(true);
          expect((first - 1) * w > t - n * w).toBe(false);
        },
      ),
      { seed: 31 },
    );
  });

  it("windowsFor, readTimesCovering and windowBuckets agree", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.integer({ min: -1e6, max: 1e6 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 30 }),
        (t, dt, w, n) => {
          const r = { bucketMs: w, buckets: n };
          const reader = t + dt;
          const { first, last } = windowBuckets(reader, r);
          const inWindow = bucketOf(t, w) >= first && bucketOf(t, w) <= last;
          const cover = readTimesCovering(t, r);
          expect(reader >= cover.start && reader < cover.end).toBe(inWindow);
          const ws = windowsFor(t, r);
          expect(ws.length).toBe(n);
          for (const x of ws) expect(t >= x.start && t < x.end && x.end - x.start === n * w).toBe(true);
          const own = windowRange(reader, r);
          expect(ws.some((x) => x.start === own.start)).toBe(inWindow);
        },
      ),
      { seed: 32 },
    );
  });

  it("calls an event late only strictly before max event time − allowed lateness", () => {
    expect(isLate(70, 100, 30)).toBe(false);
    expect(isLate(69, 100, 30)).toBe(true);
    expect(isLate(-1e15, Number.NEGATIVE_INFINITY, 30)).toBe(false);
  });
});
