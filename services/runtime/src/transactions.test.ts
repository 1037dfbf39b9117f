import { describe, expect, it } from "vitest";
import {
  isConcurrentTransactions,
  isFencedError,
  retryConcurrentTransactions,
  transactionalId,
} from "./transactions.ts";

describe("isFencedError", () => {
  it("knows the broker's fencing answers, by code or by kafkajs type, wrapped or not", () => {
    expect(isFencedError({ code: 47 })).toBe(true);
    expect(isFencedError({ type: "PRODUCER_FENCED" })).toBe(true);
    expect(
      isFencedError(new Error("send failed", { cause: { type: "INVALID_PRODUCER_EPOCH", code: 47 } })),
    ).toBe(true);
    // A rebalance or a timeout is not a fence: the partition may still be this member's.
    expect(isFencedError({ code: 27, type: "REBALANCE_IN_PROGRESS" })).toBe(false);
    expect(isFencedError(new Error("Request timed out"))).toBe(false);
    expect(isFencedError(undefined)).toBe(false);
  });
});

describe("transactionalId", () => {
  it("is one per group and input partition, so a partition's next owner fences its last", () => {
    expect(transactionalId("g", "t", 0)).toBe(transactionalId("g", "t", 0));
    expect(
      new Set([transactionalId("g", "t", 0), transactionalId("g", "t", 1), transactionalId("h", "t", 0)])
        .size,
    ).toBe(3);
  });
});

describe("retryConcurrentTransactions", () => {
  const concurrent = () =>
    Object.assign(new Error("concurrent"), { type: "CONCURRENT_TRANSACTIONS", code: 51 });

  it("retries while the broker answers CONCURRENT_TRANSACTIONS, pausing 10 ms and doubling", async () => {
    const pauses: number[] = [];
    let calls = 0;
    const got = await retryConcurrentTransactions(
      async () => {
        if (++calls <= 3) throw concurrent();
        return "done";
      },
      async (ms) => {
        pauses.push(ms);
      },
    );
    expect(got).toBe("done");
    expect(pauses).toEqual([10, 20, 40]);
  });

  it("throws any other error at once, and CONCURRENT_TRANSACTIONS after ~5 s of pauses", async () => {
    const pauses: number[] = [];
    const pause = async (ms: number) => {
      pauses.push(ms);
    };
    const fenced = Object.assign(new Error("fenced"), { code: 47 });
    await expect(retryConcurrentTransactions(() => Promise.reject(fenced), pause)).rejects.toBe(fenced);
    expect(pauses).toEqual([]);
    await expect(retryConcurrentTransactions(() => Promise.reject(concurrent()), pause)).rejects.toThrow(
      "concurrent",
    );
    const total = pauses.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(4_000);
    expect(total).toBeLessThan(6_000);
    expect(Math.max(...pauses)).toBe(500);
  });

  it("knows the answer by code or by kafkajs type", () => {
    expect(isConcurrentTransactions({ code: 51 })).toBe(true);
    expect(isConcurrentTransactions({ type: "CONCURRENT_TRANSACTIONS" })).toBe(true);
    expect(isConcurrentTransactions({ code: 47 })).toBe(false);
    expect(isConcurrentTransactions(null)).toBe(false);
  });
});
