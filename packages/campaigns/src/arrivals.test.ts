import { describe, expect, it } from "vitest";
import { Arrivals } from "./arrivals.ts";

const M = 60_000;

describe("Arrivals", () => {
  it("counts newcomers in whole minutes between two times, never fewer than arrived", () => {
    const a = new Arrivals();
    for (const t of [0, 30_000, M, 5 * M + 1, 5 * M + 59_999, 9 * M]) a.add(t);
    a.prepare();
    expect(a.total).toBe(6);
    expect(a.between(0, 0)).toBe(2);
    expect(a.between(M - 1, M)).toBe(3);
    expect(a.between(2 * M, 4 * M)).toBe(0);
    expect(a.between(5 * M + 30_000, 5 * M + 30_001)).toBe(2);
    expect(a.between(-M, 10 * M)).toBe(6);
  });

  it("forgets minutes before the horizon and survives a snapshot", () => {
    const a = new Arrivals();
    for (let i = 0; i < 10; i++) a.add(i * M);
    a.expire(4 * M);
    a.prepare();
    expect(a.total).toBe(6);
    const b = new Arrivals();
    b.restore(a.snapshot());
    b.prepare();
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(b.between(0, 5 * M)).toBe(2);
  });
});
