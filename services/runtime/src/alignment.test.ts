import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type PartitionClock, partitionsAhead } from "./alignment.ts";

const policy = { maxDriftMs: 10, staleAfterMs: 1_000 };
const clock = (watermarkMs: number | null, backlog: boolean, at = 0): PartitionClock => ({
  watermarkMs,
  backlog,
  at,
});

describe("partitionsAhead", () => {
  it("holds back partitions ahead of the slowest one with a backlog by more than the drift", () => {
    const clocks = new Map([
      [0, clock(100, true)],
      [1, clock(110, true)],
      [2, clock(111, true)],
      [3, clock(500, false)],
    ]);
    expect(partitionsAhead(clocks, policy, 0)).toEqual([2, 3]);
  });

  it("lets a caught-up partition hold nothing back, however far behind it is", () => {
    const clocks = new Map([
      [0, clock(0, false)],
      [1, clock(100, true)],
      [2, clock(200, true)],
    ]);
    expect(partitionsAhead(clocks, policy, 0)).toEqual([2]);
  });

  it("holds nothing back when no partition has a backlog", () => {
    const clocks = new Map([
      [0, clock(0, false)],
      [1, clock(1_000, false)],
    ]);
    expect(partitionsAhead(clocks, policy, 0)).toEqual([]);
  });

  it("ignores a backlog nobody refreshed for the stale time", () => {
    const clocks = new Map([
      [0, clock(0, true, 0)],
      [1, clock(100, true, 1_500)],
      [2, clock(200, true, 1_500)],
    ]);
    expect(partitionsAhead(clocks, policy, 999)).toEqual([1, 2]);
    expect(partitionsAhead(clocks, policy, 1_000)).toEqual([2]);
  });

  it("holds back every partition with a clock while one with input waiting has had no batch yet", () => {
    const clocks = new Map([
      [0, clock(100, true)],
      [1, clock(null, true)],
      [2, clock(50, false)],
      [3, clock(null, false)],
    ]);
    expect(partitionsAhead(clocks, policy, 0)).toEqual([0, 2]);
    // Its first batch places it: from then on only the drift counts.
    clocks.set(1, clock(95, true));
    expect(partitionsAhead(clocks, policy, 0)).toEqual([]);
  });

  it("stops waiting for a first batch that does not come within the stale time", () => {
    const clocks = new Map([
      [0, clock(100, true, 0)],
      [1, clock(null, true, 0)],
    ]);
    expect(partitionsAhead(clocks, policy, 999)).toEqual([0]);
    expect(partitionsAhead(clocks, policy, 1_000)).toEqual([]);
  });

  it("never holds back every partition with a backlog, nor one within the drift of the slowest", () => {
    const arb = fc.array(fc.record({ w: fc.integer({ min: 0, max: 1_000 }), backlog: fc.boolean() }), {
      maxLength: 12,
    });
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 100 }), (parts, drift) => {
        const clocks = new Map(parts.map((p, i) => [i, clock(p.w, p.backlog)]));
        const held = new Set(partitionsAhead(clocks, { maxDriftMs: drift, staleAfterMs: 1 }, 0));
        const withBacklog = parts.map((p, i) => [p, i] as const).filter(([p]) => p.backlog);
        if (withBacklog.length > 0) expect(withBacklog.some(([, i]) => !held.has(i))).toBe(true);
        const low = Math.min(...withBacklog.map(([p]) => p.w));
        for (const [p, i] of parts.map((p, i) => [p, i] as const))
          expect(held.has(i)).toBe(withBacklog.length > 0 && p.w > low + drift);
      }),
    );
  });
});
