import { KafkaJSNonRetriableError, KafkaJSProtocolError } from "kafkajs";
import { describe, expect, it } from "vitest";
import { isRebalanceError } from "./processor.ts";

const protocol = (type: string, code: number) =>
  new KafkaJSProtocolError({ message: type, type, code, retriable: false } as unknown as Error);
/** As kafkajs's retrier rejects (src/retry/index.js): the protocol error is the cause. */
const wrapped = (e: Error) =>
  new (KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error)(e, { cause: e });

describe("isRebalanceError", () => {
  it("knows a commit the group refused after a rebalance, as kafkajs throws it", () => {
    // What a member stopping while another joined or left got in CI: the retrier's wrapper.
    expect(isRebalanceError(wrapped(protocol("ILLEGAL_GENERATION", 22)))).toBe(true);
    expect(isRebalanceError(protocol("UNKNOWN_MEMBER_ID", 25))).toBe(true);
    expect(isRebalanceError(protocol("REBALANCE_IN_PROGRESS", 27))).toBe(true);
  });

  it("leaves every other failure to the caller", () => {
    expect(isRebalanceError(protocol("TOPIC_AUTHORIZATION_FAILED", 29))).toBe(false);
    expect(isRebalanceError(wrapped(new Error("connection refused")))).toBe(false);
    expect(isRebalanceError(new Error("boom"))).toBe(false);
    expect(isRebalanceError(null)).toBe(false);
  });
});
