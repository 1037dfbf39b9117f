import { describe, expect, it } from "vitest";
import { isFencedError, transactionalId } from "./transactions.ts";

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
