import { describe, expect, it } from "vitest";
import { AccountRows, AccountState, AccountTable, MAX_DISTINCT, Opened } from "./accounts.ts";

const T0 = 1_780_000_000_000;

/** Every number an account keeps, as a plain object. */
function numbers(a: AccountState) {
  return {
    requests: a.requests,
    cot: a.cot,
    answered: a.answered,
    traced: a.traced,
    output: a.output,
    reasoning: a.reasoning,
    first: a.first,
    last: a.last,
    newcomer: a.newcomer,
    opened: a.opened,
    cameFor: [a.cameFor0, a.cameFor1, a.cameFor2],
    prefixes: Array.from({ length: a.prefixCount }, (_, i) => a.prefix(i)),
    asns: Array.from({ length: a.asnCount }, (_, i) => a.asn(i)),
    switches: [a.addressed, a.prefixSwitches, a.lastPrefix, a.asnSeen, a.asnSwitches, a.lastAsn],
  };
}

/** A few requests that set every number to something of its own for account `k`. */
function use(a: AccountState, k: number): void {
  a.took(T0 + k * 1000, k % 2 === 0, 100 + k, k, k % 3 === 0 ? -1 : 1);
  a.took(T0 + k * 1000 + 5, true, 7, 0, 0);
  a.seenFrom(1000 + k);
  a.seenFrom(-(2 ** 40) - k);
  a.seenAsn(4_200_000_000 + k);
  a.newcomer = k % 2 === 1;
  a.opened = Opened.FRESH;
  a.cameFor1 = 2 ** 52 + k;
}

describe("AccountTable rows", () => {
  it("starts an account with nothing counted and no networks", () => {
    const a = new AccountTable().add("a", T0);
    expect(numbers(a)).toEqual({
      requests: 0,
      cot: 0,
      answered: 0,
      traced: 0,
      output: 0,
      reasoning: 0,
      first: T0,
      last: T0,
      newcomer: false,
      opened: Opened.UNKNOWN,
      cameFor: [Number.NaN, Number.NaN, Number.NaN],
      prefixes: [],
      asns: [],
      switches: [0, 0, Number.NaN, 0, 0, Number.NaN],
    });
  });

  it("counts a request's totals as the fields did one by one", () => {
    const a = new AccountTable().add("a", T0);
    a.took(T0 + 10, true, 300, 40, 1);
    a.took(T0 + 5, false, 20, 0, -1);
    a.took(T0 + 20, true, 1, 2, 0);
    expect([a.requests, a.cot, a.output, a.reasoning, a.answered, a.traced, a.last]).toEqual([
      3,
      2,
      321,
      42,
      2,
      1,
      T0 + 20,
    ]);
  });

  it("keeps 64-bit values whole: IPv6 /48 keys, 32-bit ASNs, event times", () => {
    const a = new AccountTable().add("a", T0);
    use(a, 3);
    expect(a.prefix(1)).toBe(-(2 ** 40) - 3);
    expect(a.asn(0)).toBe(4_200_000_003);
    expect(a.cameFor1).toBe(2 ** 52 + 3);
    expect(a.last).toBe(T0 + 3005);
  });

  it("keeps every account's numbers when the rows grow", () => {
    const table = new AccountTable();
    const n = 5000;
    const accounts = Array.from({ length: n }, (_, k) => {
      const a = table.add(`acct${k}`, T0 + k);
      use(a, k);
      return a;
    });
    expect(table.rows.live).toBe(n);
    for (let k = 0; k < n; k++) {
      const fresh = new AccountState(0, "x", T0 + k);
      use(fresh, k);
      expect(numbers(accounts[k] as AccountState)).toEqual(numbers(fresh));
    }
  });

  it("a removed account keeps its numbers for whoever holds it, and its row is reused", () => {
    const table = new AccountTable();
    const gone = table.add("gone", T0);
    use(gone, 7);
    const before = numbers(gone);
    table.remove(gone);
    expect(table.rows.live).toBe(0);
    const next = table.add("next", T0 + 1);
    expect(table.rows.live).toBe(1);
    use(next, 8);
    expect(numbers(gone)).toEqual(before);
    expect(numbers(next).requests).toBe(2);
    expect(numbers(next).cameFor[1]).toBe(2 ** 52 + 8);
  });

  it("an account built outside the table moves into it with its numbers", () => {
    const table = new AccountTable();
    const a = new AccountState(64 * 3 + 5, "built", T0);
    use(a, 11);
    const before = numbers(a);
    table.adopt(a);
    expect(table.rows.live).toBe(1);
    expect(numbers(a)).toEqual(before);
    a.took(T0 + 99_000, false, 1, 0, -1);
    expect(table.bySlot.get(64 * 3 + 5)?.requests).toBe(3);
  });

  it("keeps at most MAX_DISTINCT networks, first seen first, and counts every switch", () => {
    const a = new AccountTable().add("pool", T0);
    for (let k = 0; k < 3 * MAX_DISTINCT; k++) a.seenFrom(500 + k);
    expect(a.prefixCount).toBe(MAX_DISTINCT);
    expect(Array.from({ length: MAX_DISTINCT }, (_, i) => a.prefix(i))).toEqual(
      Array.from({ length: MAX_DISTINCT }, (_, i) => 500 + i),
    );
    expect([a.addressed, a.prefixSwitches, a.lastPrefix]).toEqual([24, 23, 523]);
    expect(a.rotatesPrefix()).toBe(true);
  });

  it("a row released and drawn again starts empty", () => {
    const rows = new AccountRows(2);
    const a = new AccountState(1, "a", T0, rows);
    use(a, 1);
    a.moveTo(null);
    const b = new AccountState(2, "b", T0, rows);
    expect(numbers(b).requests).toBe(0);
    expect(numbers(b).prefixes).toEqual([]);
    expect(rows.live).toBe(1);
  });
});
