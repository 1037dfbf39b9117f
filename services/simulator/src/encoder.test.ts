import { type ApiRequestV2, schemaVersion } from "@distillguard/contract";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiRequestEncoder } from "./encoder.ts";

const avroType = schemaVersion("api-request", 2).type;

describe("ApiRequestEncoder", () => {
  const hash = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((a) => Buffer.from(a));
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
  const str = fc.oneof(
    fc.string(),
    fc.constantFrom("acct_1", "model-large-2025-10", "用户", "é"),
    fc.string({ unit: "grapheme", maxLength: 300 }),
  );
  const int = fc.oneof(
    fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    fc.constantFrom(0, 63, 64, 127, 128, 8191, 8192),
  );
  const record: fc.Arbitrary<ApiRequestV2> = fc.record({
    request_id: str,
    event_time_ms: fc.oneof(
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      fc.constant(1_772_409_600_023),
    ),
    account_id: str,
    org_id: opt(str),
    api_key_id: str,
    end_user_id: opt(str),
    endpoint: str,
    request_model: str,
    stream: fc.boolean(),
    request_choice_count: int,
    request_temperature: opt(fc.float({ noNaN: true })),
    request_max_tokens: opt(int),
    logprobs: fc.boolean(),
    top_logprobs: opt(int),
    tools_count: int,
    usage_input_tokens: int,
    usage_output_tokens: int,
    usage_reasoning_tokens: opt(int),
    usage_cached_input_tokens: opt(int),
    status_code: int,
    latency_ms: int,
    response_finish_reason: opt(str),
    client_address: str,
    client_asn: opt(fc.integer({ min: 0, max: 4_294_967_295 })),
    client_country: opt(str),
    user_agent: opt(str),
    tls_fingerprint: opt(str),
    prompt_simhash: hash,
    prompt_template_hash: hash,
    system_prompt_hash: opt(hash),
    cot_elicitation: fc.float({ noNaN: true }),
    prompt_topic: opt(str),
    prompt_language: opt(str),
  });

  it("writes exactly the bytes avsc writes, cache hits and misses alike", () => {
    const enc = new ApiRequestEncoder();
    const buf = Buffer.alloc(1 << 16);
    fc.assert(
      fc.property(record, (r) => {
        for (let round = 0; round < 2; round++) {
          const end = enc.encode(r, buf, 3);
          expect(end).toBeGreaterThan(3);
          expect(buf.subarray(3, end)).toEqual(avroType.toBuffer(r));
        }
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it("asks for a bigger buffer instead of overflowing", () => {
    const enc = new ApiRequestEncoder();
    expect(enc.encode({ request_id: "x" } as ApiRequestV2, Buffer.alloc(100), 0)).toBe(-1);
  });
});
