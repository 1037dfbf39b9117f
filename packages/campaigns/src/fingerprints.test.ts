import { describe, expect, it } from "vitest";
import { FingerprintTable } from "./fingerprints.ts";

/**
 * A seeded stream of touches over few admission slots, so that fingerprints compete for slots,
 * with accounts forgotten and fingerprints expiring on the way.
 */
function replay(shards: number) {
  const table = new FingerprintTable(64, shards);
  // Forty users; one forgotten comes back, as in the linker, under a new slot.
  const slotOf = Array.from({ length: 40 }, (_, i) => i);
  let nextSlot = 40;
  let x = 12345;
  const next = (n: number) => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return x % n;
  };
  const snapshots: unknown[] = [];
  for (let i = 0; i < 20_000; i++) {
    const t = i * 1_000;
    const key = next(500) - 250; // negative keys too, as system prompts and IPv6 networks have
    const user = slotOf[next(40)] as number;
    table.touchKey("ip_prefix", key, null, user, t, next(3) === 0, next(3) - 1, next(2) === 0);
    if (i % 997 === 0) {
      const u = next(40);
      table.forget(slotOf[u] as number);
      slotOf[u] = nextSlot++;
    }
    if (i % 2_000 === 1_999) {
      table.expire(t - 600_000);
      snapshots.push({
        order: [...table.inOrder()].map((f) => [f.key, f.requests, f.novel, f.cot, [...f.accounts]]),
        candidates: [...table.candidates(3, 6)].map((f) => f.key),
        admission: table.admission(),
        size: table.size,
      });
    }
  }
  return { table, snapshots };
}

describe("FingerprintTable in shards", () => {
  it("admits, counts, expires and orders exactly as one table", () => {
    const one = replay(1);
    expect(one.table.size).toBeGreaterThan(10);
    expect(one.snapshots.some((x) => (x as { candidates: number[] }).candidates.length > 2)).toBe(true);
    for (const shards of [2, 3, 7]) expect(replay(shards).snapshots).toEqual(one.snapshots);
  });

  it("restores a table's admission slots whatever the split", () => {
    const one = replay(1).table;
    const three = new FingerprintTable(64, 3);
    three.restoreAdmission(one.admission());
    expect(three.admission()).toEqual(one.admission());
  });

  it("refuses a split it cannot make", () => {
    for (const shards of [0, 1.5, 65]) {
      expect(() => new FingerprintTable(64, shards)).toThrow(/shards must be an integer from 1/);
    }
  });
});
