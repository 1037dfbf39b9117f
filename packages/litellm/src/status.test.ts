import { describe, expect, it } from "vitest";
import { litellmFixtures } from "./fixtures.ts";
import { decodeStandardLoggingPayload } from "./parse.ts";
import { endpointOf, statusCodeOf } from "./status.ts";
import type { StandardLoggingPayload } from "./types.ts";

const f = litellmFixtures().find((x) => x.name === "failure-429");
if (!f) throw new Error("failure-429 fixture missing");
const failed = decodeStandardLoggingPayload(f.bytes);

function failure(patch: Partial<StandardLoggingPayload>): StandardLoggingPayload {
  return { ...failed, error_information: null, error_str: null, ...patch };
}

describe("statusCodeOf", () => {
  it("is 200 for a success", () => {
    expect(statusCodeOf({ ...failed, status: "success" })).toBe(200);
  });

  it("takes the logged error code first", () => {
    expect(statusCodeOf(failed)).toBe(429);
    expect(
      statusCodeOf(failure({ error_information: { error_code: "401", error_class: "RateLimitError" } })),
    ).toBe(401);
  });

  it("falls back to the exception class when the code is missing or not a status", () => {
    expect(
      statusCodeOf(failure({ error_information: { error_code: null, error_class: "RateLimitError" } })),
    ).toBe(429);
    expect(
      statusCodeOf(failure({ error_information: { error_code: "rate_limit", error_class: "Timeout" } })),
    ).toBe(408);
  });

  it("then reads error_str: a LiteLLM exception name, or a labelled status", () => {
    expect(statusCodeOf(failure({ error_str: "litellm.ContextWindowExceededError: too long" }))).toBe(400);
    expect(statusCodeOf(failure({ error_str: "upstream said: Error code: 503 - overloaded" }))).toBe(503);
    expect(statusCodeOf(failure({ error_str: "status_code=404" }))).toBe(404);
  });

  it("does not mistake other numbers in the text for a status", () => {
    expect(statusCodeOf(failure({ error_str: "prompt is 4096 tokens, limit 400 per minute" }))).toBe(500);
  });

  it("is 500 when nothing says more", () => {
    expect(statusCodeOf(failure({}))).toBe(500);
  });
});

describe("endpointOf", () => {
  it("uses the route the proxy logged", () => {
    expect(endpointOf(failed)).toBe("/v1/chat/completions");
  });

  it.each([
    ["acompletion", "/v1/chat/completions"],
    ["atext_completion", "/v1/completions"],
    ["aembedding", "/v1/embeddings"],
    ["aresponses", "/v1/responses"],
    ["anthropic_messages", "/v1/messages"],
    ["pass_through_endpoint", "call_type:pass_through_endpoint"],
    ["", "call_type:unknown"],
  ])("derives the route from call_type %s when none was logged", (callType, route) => {
    const p = {
      ...failed,
      call_type: callType,
      metadata: { ...failed.metadata, user_api_key_request_route: null },
    };
    expect(endpointOf(p)).toBe(route);
  });
});
