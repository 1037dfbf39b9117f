import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCodec } from "./codec.ts";
import { alertCodec, apiRequestCodec, apiRequestV1Codec } from "./codecs.ts";
import { ContractError } from "./errors.ts";
import type { ApiRequest, ApiRequestV1 } from "./generated/types.ts";
import { allSchemaVersions, type Subject } from "./registry.ts";
import { loadSchemaFiles, schemasDir } from "./schema-files.ts";
import { generateTypes } from "./typegen.ts";

const read = (p: string) => readFileSync(new URL(p, schemasDir));
/** Buffers as hex, the form fixtures use for fixed(8) hashes. */
const plain = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v, (_k, x) => (x?.type === "Buffer" ? Buffer.from(x.data).toString("hex") : x)));

describe("schema identity", () => {
  it("computes the same CRC-64-AVRO fingerprints as Apache Avro Java", () => {
    const recorded = Object.fromEntries(
      read("fingerprints.txt")
        .toString()
        .trim()
        .split("\n")
        .map((l) => l.split(" ") as [string, string]),
    );
    const ours = Object.fromEntries(
      allSchemaVersions().map((v) => [`${v.subject}/v${v.version}.avsc`, v.fingerprintHex]),
    );
    expect(ours).toEqual(recorded);
  });

  it("keeps the generated TypeScript types in step with the schemas", () => {
    const onDisk = readFileSync(new URL("./generated/types.ts", import.meta.url), "utf8");
    expect(onDisk, "run: node --import tsx packages/contract/scripts/generate-types.ts").toBe(
      generateTypes(loadSchemaFiles()),
    );
  });
});

describe("recorded fixtures (written by Avro Java's BinaryMessageEncoder)", () => {
  for (const f of loadSchemaFiles()) {
    const name = `${f.subject}/v${f.version}`;
    it(`${name}: decodes to the fixture value and re-encodes byte for byte`, () => {
      const codec = createCodec<unknown>(f.subject as Subject, f.version);
      const bin = read(`${name}.fixture.bin`);
      const decoded = codec.decode(bin);
      expect(plain(decoded)).toEqual(JSON.parse(read(`${name}.fixture.json`).toString()));
      expect(codec.encode(decoded)).toEqual(bin);
    });
  }
});

describe("schema evolution: ApiRequest v1 ↔ v2 (v2 adds optional prompt_language)", () => {
  const v2bytes = read("api-request/v2.fixture.bin");
  const v1bytes = read("api-request/v1.fixture.bin");

  it("a v1 reader reads v2 records, dropping the new field", () => {
    const r = apiRequestV1Codec.decode(v2bytes);
    expect(r).not.toHaveProperty("prompt_language");
    expect(r.request_id).toBe("req-01JD8Z6Q4N");
    expect(r.system_prompt_hash?.toString("hex")).toBe("1234567890abcdef");
  });

  it("a v2 reader reads v1 records, filling the default", () => {
    const r = apiRequestCodec.decode(v1bytes);
    expect(r.prompt_language).toBeNull();
    expect(r.usage_reasoning_tokens).toBe(1200);
  });
});

describe("schema evolution: ApiRequest v2 → v3 (v3 adds the answer's evidence, account_source, cache_hit)", () => {
  it("a v3 reader reads v2 records (the simulator's fast path), filling nulls", () => {
    const r = apiRequestCodec.decode(read("api-request/v2.fixture.bin"));
    expect(r.prompt_language).not.toBeNull();
    for (const f of [
      "account_source",
      "cache_hit",
      "question_chars",
      "response_chars",
      "response_trace",
      "response_tool_calls",
    ] as const) {
      expect(r[f], f).toBeNull();
    }
  });

  it("a v2 reader reads v3 records, dropping the new fields", () => {
    const v2 = createCodec<Record<string, unknown>>("api-request", 2);
    const r = v2.decode(read("api-request/v3.fixture.bin"));
    expect(r).not.toHaveProperty("response_trace");
    expect(r.request_id).toBe("req-01JD8Z6Q4N");
  });
});

describe("schema evolution: ApiRequest v3 → v4 (v4 adds the question's frame)", () => {
  it("a v4 reader reads v3 records, the frame absent", () => {
    const r = apiRequestCodec.decode(read("api-request/v3.fixture.bin"));
    expect(r.response_trace).toBe(0.625);
    expect(r.question_head_hash).toBeNull();
    expect(r.question_tail_hash).toBeNull();
  });

  it("a v3 reader reads v4 records, dropping the frame", () => {
    const v3 = createCodec<Record<string, unknown>>("api-request", 3);
    const r = v3.decode(read("api-request/v4.fixture.bin"));
    expect(r).not.toHaveProperty("question_head_hash");
    expect(r.response_trace).toBe(0.625);
  });
});

describe("schema evolution: ApiRequest v4 → v5 (v5 adds the account's spend)", () => {
  it("a v5 reader reads v4 records, the spend absent", () => {
    const r = apiRequestCodec.decode(read("api-request/v4.fixture.bin"));
    expect(r.question_head_hash?.toString("hex")).toBe("5c1e0b9a7d3f2468");
    expect(r.account_spend_usd).toBeNull();
  });

  it("a v4 reader reads v5 records, dropping the spend", () => {
    const v4 = createCodec<Record<string, unknown>>("api-request", 4);
    const r = v4.decode(read("api-request/v5.fixture.bin"));
    expect(r).not.toHaveProperty("account_spend_usd");
    expect((r.question_head_hash as Buffer).toString("hex")).toBe("5c1e0b9a7d3f2468");
  });
});

describe("bad input", () => {
  const good = read("api-request/v2.fixture.bin");
  const kindOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      if (e instanceof ContractError) return e.kind;
      throw e;
    }
    return "no error";
  };

  it("classifies every way a record can be wrong", () => {
    expect(kindOf(() => apiRequestCodec.decode(Buffer.alloc(0)))).toBe("empty");
    expect(kindOf(() => apiRequestCodec.decode(Buffer.from('{"json":true}')))).toBe("not-single-object");
    const unknown = Buffer.from(good);
    unknown.writeBigUInt64LE(0x0123456789abcdefn, 2);
    expect(kindOf(() => apiRequestCodec.decode(unknown))).toBe("unknown-schema");
    expect(kindOf(() => apiRequestCodec.decode(read("alert/v1.fixture.bin")))).toBe("incompatible-schema");
    expect(kindOf(() => apiRequestCodec.decode(good.subarray(0, good.length - 5)))).toBe("undecodable");
    expect(kindOf(() => apiRequestCodec.decode(Buffer.concat([good, Buffer.from([0])])))).toBe("undecodable");
    expect(kindOf(() => alertCodec.decode(good))).toBe("incompatible-schema");
  });

  it("names the invalid fields when encoding", () => {
    const value = {
      ...apiRequestCodec.decode(good),
      usage_input_tokens: "many",
      prompt_simhash: Buffer.alloc(3),
    };
    expect(() => apiRequestCodec.encode(value as unknown as ApiRequest)).toThrow(
      /usage_input_tokens, prompt_simhash/,
    );
  });
});

describe("round trip", () => {
  const hash = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((a) => Buffer.from(a));
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
  const i32 = fc.integer({ min: 0, max: 2_000_000_000 });
  const request: fc.Arbitrary<ApiRequest> = fc.record({
    request_id: fc.string(),
    event_time_ms: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    account_id: fc.string(),
    org_id: opt(fc.string()),
    api_key_id: fc.string(),
    end_user_id: opt(fc.string()),
    endpoint: fc.constantFrom("/v1/chat/completions", "/v1/messages", "/v1/responses"),
    request_model: fc.string(),
    stream: fc.boolean(),
    request_choice_count: fc.integer({ min: 1, max: 16 }),
    request_temperature: opt(fc.float({ noNaN: true, min: 0, max: 2 })),
    request_max_tokens: opt(i32),
    logprobs: fc.boolean(),
    top_logprobs: opt(fc.integer({ min: 0, max: 20 })),
    tools_count: fc.integer({ min: 0, max: 128 }),
    usage_input_tokens: i32,
    usage_output_tokens: i32,
    usage_reasoning_tokens: opt(i32),
    usage_cached_input_tokens: opt(i32),
    status_code: fc.constantFrom(200, 400, 429, 500),
    latency_ms: i32,
    response_finish_reason: opt(fc.constantFrom("stop", "length", "tool_calls")),
    client_address: fc.oneof(fc.ipV4(), fc.ipV6()),
    client_asn: opt(fc.integer({ min: 0, max: 4_294_967_295 })),
    client_country: opt(fc.constantFrom("US", "SG", "CN", "DE")),
    user_agent: opt(fc.string()),
    tls_fingerprint: opt(fc.string()),
    prompt_simhash: hash,
    prompt_template_hash: hash,
    system_prompt_hash: opt(hash),
    cot_elicitation: fc.float({ noNaN: true, min: 0, max: 1 }),
    prompt_topic: opt(fc.string()),
    prompt_language: opt(fc.constantFrom("en", "zh", "ru")),
    account_source: opt(fc.constantFrom("team", "user", "org", "end_user", "key")),
    cache_hit: opt(fc.boolean()),
    question_chars: opt(i32),
    response_chars: opt(i32),
    response_trace: opt(fc.float({ noNaN: true, min: 0, max: 1 })),
    response_tool_calls: opt(fc.integer({ min: 0, max: 64 })),
    question_head_hash: opt(hash),
    question_tail_hash: opt(hash),
    account_spend_usd: opt(fc.double({ noNaN: true, min: 0, max: 1e9 })),
  });

  it("decode(encode(x)) equals x for any valid ApiRequest, and v1 readers see the rest", () => {
    fc.assert(
      fc.property(request, (r) => {
        const bytes = apiRequestCodec.encode(r);
        expect(apiRequestCodec.decode(bytes)).toEqual(r);
        const {
          prompt_language: _dropped,
          account_source: _a,
          cache_hit: _c,
          question_chars: _q,
          response_chars: _r,
          response_trace: _t,
          response_tool_calls: _u,
          question_head_hash: _h,
          question_tail_hash: _l,
          account_spend_usd: _s,
          ...v1
        } = r;
        expect(apiRequestV1Codec.decode(bytes)).toEqual(v1 as ApiRequestV1);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
