import { describe, expect, it } from "vitest";
import { FingerprintTable } from "./fingerprints.ts";

/**
 * A seeded stream of touches over few admission slots, so that fingerprints compete for slots,
 * with accounts forgotten and fingerprints expiring on the way.
 */
function replay(shards: number) {
  const live = new Map<number, true>();
  for (let a = 0; a < 40; a++) live.set(a, true);
  const table = new FingerprintTable(64, live, shards);
  let x = 12345;
  const next = (n: number) => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return x % n;
  };
  const snapshots: unknown[] = [];
  for (let i = 0; i < 20_000; i++) {
    const t = i * 1_000;
    const key = next(500) - 250; // negative keys too, as system prompts and IPv6 networks have
    table.touchKey("ip_prefix", key, null, next(40), t, next(3) === 0, next(3) - 1, next(2) === 0);
    if (i % 997 === 0) live.delete(next(40));
    if (i % 2_000 === 1_999) {
      table.expire(t - 600_000);
      snapshots.push({
        order: [...table.inOrder()].map((f) => [f.key, f.requests, f.novel, f.cot, [...f.accounts]]),
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
    for (const shards of [2, 3, 7]) expect(replay(shards).snapshots).toEqual(one.snapshots);
  });

  it("restores a table's admission slots whatever the split", () => {
    const one = replay(1).table;
    const three = new FingerprintTable(64, new Map(), 3);
    three.restoreAdmission(one.admission());
    expect(three.admission()).toEqual(one.admission());
  });

  it("refuses a split it cannot make", () => {
    for (const shards of [0, 1.5, 65]) {
      expect(() => new FingerprintTable(64, new Map(), shards)).toThrow(/shards must be an integer from 1/);
    }
  });
});
