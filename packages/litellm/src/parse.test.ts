import { describe, expect, it } from "vitest";
import { LiteLLMPayloadError, type LiteLLMPayloadErrorKind } from "./errors.ts";
import { litellmFixtures } from "./fixtures.ts";
import { decodeStandardLoggingPayload, parseStandardLoggingPayload } from "./parse.ts";

const base = litellmFixtures().find((f) => f.name === "chat-system");
if (!base) throw new Error("chat-system fixture missing");

// biome-ignore lint/suspicious/noExplicitAny: a JSON record broken one field at a time; typing every path would drown the cases.
type Rec = Record<string, any>;

/** A fresh, valid record to break one field of. */
function record(): Rec {
  return JSON.parse(base?.bytes.toString("utf8") ?? "{}");
}

function failure(f: () => unknown): LiteLLMPayloadError {
  try {
    f();
  } catch (e) {
    if (e instanceof LiteLLMPayloadError) return e;
    throw e;
  }
  throw new Error("expected a LiteLLMPayloadError, got success");
}

function rejects(mutate: (r: Rec) => void, kind: LiteLLMPayloadErrorKind, path: string) {
  const r = record();
  mutate(r);
  const e = failure(() => parseStandardLoggingPayload(r));
  expect({ kind: e.kind, path: e.path }).toEqual({ kind, path });
  expect(e.message).toContain(path);
  expect(e.retriable).toBe(false);
  return e;
}

describe("decodeStandardLoggingPayload: bytes that are not a JSON object", () => {
  it.each([
    ["no value", null, "empty"],
    ["zero bytes", Buffer.alloc(0), "empty"],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), "invalid-utf8"],
    ["a truncated UTF-8 sequence", Buffer.from([0x7b, 0x22, 0xe4, 0xb8]), "invalid-utf8"],
    ["not JSON", Buffer.from("{not json"), "json-parse"],
    ["whitespace", Buffer.from("  \n"), "json-parse"],
    ["a JSON array", Buffer.from("[]"), "schema"],
    ["a JSON number", Buffer.from("42"), "schema"],
    ["JSON null", Buffer.from("null"), "schema"],
  ] as const)("%s → %s", (_what, bytes, kind) => {
    expect(failure(() => decodeStandardLoggingPayload(bytes)).kind).toBe(kind);
  });

  it("never quotes the input in a JSON error (it may be prompt text)", () => {
    const e = failure(() =>
      decodeStandardLoggingPayload(Buffer.from('{"messages": "my secret plan", oops}')),
    );
    expect(e.kind).toBe("json-parse");
    expect(e.message).not.toContain("secret");
    expect(e.message).toMatch(/^record is not valid JSON at position \d+$/);
  });

  it("accepts a UTF-8 byte order mark", () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), base?.bytes ?? Buffer.alloc(0)]);
    expect(decodeStandardLoggingPayload(withBom).id).toBe("chatcmpl-BQ7xKp2mV9dLr4TnYc8sEa1Wf3Gh");
  });
});

describe("parseStandardLoggingPayload: missing required fields", () => {
  it.each([
    ["metadata", (r: Rec) => delete r.metadata, "$.metadata"],
    ["metadata: null", (r: Rec) => (r.metadata = null), "$.metadata"],
    ["the key hash", (r: Rec) => delete r.metadata.user_api_key_hash, "$.metadata.user_api_key_hash"],
    ["an empty key hash", (r: Rec) => (r.metadata.user_api_key_hash = ""), "$.metadata.user_api_key_hash"],
    ["id", (r: Rec) => delete r.id, "$.id"],
    ["an empty id", (r: Rec) => (r.id = ""), "$.id"],
    ["call_type", (r: Rec) => delete r.call_type, "$.call_type"],
    ["status", (r: Rec) => delete r.status, "$.status"],
    ["startTime", (r: Rec) => delete r.startTime, "$.startTime"],
    ["endTime", (r: Rec) => (r.endTime = null), "$.endTime"],
    ["prompt_tokens", (r: Rec) => delete r.prompt_tokens, "$.prompt_tokens"],
    ["completion_tokens", (r: Rec) => delete r.completion_tokens, "$.completion_tokens"],
    ["model", (r: Rec) => delete r.model, "$.model"],
    [
      "both model names empty",
      (r: Rec) => {
        r.model = "";
        r.model_group = "";
      },
      "$.model",
    ],
  ])("%s", (_what, mutate, path) => {
    rejects(mutate, "missing-field", path);
  });
});

describe("parseStandardLoggingPayload: wrong types and impossible values", () => {
  it.each([
    ["metadata is a string", (r: Rec) => (r.metadata = "team-a"), "$.metadata"],
    ["id is a number", (r: Rec) => (r.id = 123), "$.id"],
    ["startTime is a string", (r: Rec) => (r.startTime = "1767225600.123"), "$.startTime"],
    ["startTime is in milliseconds", (r: Rec) => (r.startTime = 1767225600123), "$.startTime"],
    ["endTime is negative", (r: Rec) => (r.endTime = -1), "$.endTime"],
    ["status is unknown", (r: Rec) => (r.status = "ok"), "$.status"],
    ["stream is a string", (r: Rec) => (r.stream = "yes"), "$.stream"],
    ["prompt_tokens is negative", (r: Rec) => (r.prompt_tokens = -1), "$.prompt_tokens"],
    ["prompt_tokens is fractional", (r: Rec) => (r.prompt_tokens = 1.5), "$.prompt_tokens"],
    ["completion_tokens exceeds int32", (r: Rec) => (r.completion_tokens = 3e9), "$.completion_tokens"],
    [
      "a key is logged instead of its hash",
      (r: Rec) => (r.metadata.user_api_key_hash = "sk-live-abcdef123456"),
      "$.metadata.user_api_key_hash",
    ],
    [
      "team id is a number",
      (r: Rec) => (r.metadata.user_api_key_team_id = 7),
      "$.metadata.user_api_key_team_id",
    ],
    [
      "client ip is an array",
      (r: Rec) => (r.metadata.requester_ip_address = ["1.2.3.4"]),
      "$.metadata.requester_ip_address",
    ],
    [
      "usage reasoning tokens is a string",
      (r: Rec) => (r.response.usage.completion_tokens_details.reasoning_tokens = "12"),
      "$.response.usage.completion_tokens_details.reasoning_tokens",
    ],
    [
      "temperature is a string",
      (r: Rec) => (r.model_parameters.temperature = "hot"),
      "$.model_parameters.temperature",
    ],
    [
      "max_tokens is fractional",
      (r: Rec) => (r.model_parameters.max_tokens = 10.5),
      "$.model_parameters.max_tokens",
    ],
    ["n is negative", (r: Rec) => (r.model_parameters.n = -2), "$.model_parameters.n"],
    ["logprobs is a number", (r: Rec) => (r.model_parameters.logprobs = 1), "$.model_parameters.logprobs"],
    ["tools is an object", (r: Rec) => (r.model_parameters.tools = {}), "$.model_parameters.tools"],
    ["model_parameters is a list", (r: Rec) => (r.model_parameters = []), "$.model_parameters"],
    ["messages is a number", (r: Rec) => (r.messages = 42), "$.messages"],
    ["a message is a number", (r: Rec) => (r.messages[1] = 5), "$.messages[1]"],
    ["a message content is a number", (r: Rec) => (r.messages[1].content = 7), "$.messages[1].content"],
    [
      "a content part's text is an object",
      (r: Rec) => (r.messages[1].content = [{ type: "text", text: {} }]),
      "$.messages[1].content[0].text",
    ],
    ["response is a number", (r: Rec) => (r.response = 5), "$.response"],
    ["a choice is a string", (r: Rec) => (r.response.choices = ["stop"]), "$.response.choices[0]"],
    [
      "finish_reason is a number",
      (r: Rec) => (r.response.choices[0].finish_reason = 3),
      "$.response.choices[0].finish_reason",
    ],
    [
      "error_code is a boolean",
      (r: Rec) => (r.error_information.error_code = true),
      "$.error_information.error_code",
    ],
  ])("%s", (_what, mutate, path) => {
    rejects(mutate, "schema", path);
  });

  it("names the field and the JSON type, never the value", () => {
    const e = rejects(
      (r) => (r.model_parameters.temperature = "scorching"),
      "schema",
      "$.model_parameters.temperature",
    );
    expect(e.message).toBe("$.model_parameters.temperature must be a finite number or null, got string");
    const key = rejects(
      (r) => (r.metadata.user_api_key_hash = "sk-live-abcdef123456"),
      "schema",
      "$.metadata.user_api_key_hash",
    );
    expect(key.message).not.toContain("abcdef");
    const content = rejects(
      (r) => (r.messages[0].content = { secret: "plan" }),
      "schema",
      "$.messages[0].content",
    );
    expect(content.message).not.toContain("plan");
  });
});

describe("parseStandardLoggingPayload: what LiteLLM writes for unset values", () => {
  it("reads '' ids as absent and keeps only the fields the mapping reads", () => {
    const r = record();
    r.end_user = "";
    r.model_id = "";
    r.metadata.requester_ip_address = "";
    r.error_information = { error_code: "", error_class: "", llm_provider: "" };
    const p = parseStandardLoggingPayload(r);
    expect(p.end_user).toBeNull();
    expect(p.model_id).toBeNull();
    expect(p.metadata.requester_ip_address).toBeNull();
    expect(p.error_information).toEqual({ error_code: null, error_class: null, llm_provider: null });
    expect(p).not.toHaveProperty("hidden_params");
    expect(p).not.toHaveProperty("response_cost");
  });

  it("accepts records from releases without the newer fields", () => {
    const r = record();
    for (const k of [
      "trace_id",
      "stream",
      "error_information",
      "requester_ip_address",
      "user_agent",
      "request_tags",
      "model_parameters",
      "response",
      "messages",
      "total_tokens",
      "completionStartTime",
      "model_group",
    ]) {
      delete r[k];
    }
    r.metadata = { user_api_key_hash: r.metadata.user_api_key_hash };
    const p = parseStandardLoggingPayload(r);
    expect(p.model_parameters).toEqual({
      temperature: null,
      max_tokens: null,
      max_completion_tokens: null,
      n: null,
      logprobs: null,
      top_logprobs: null,
      tools: null,
      functions: null,
      stream: null,
      max_output_tokens: null,
      instructions: null,
    });
    expect(p.messages).toBeNull();
    expect(p.request_tags).toEqual([]);
  });

  it("accepts an integer error_code, as older releases wrote it", () => {
    const r = record();
    r.status = "failure";
    r.error_information = { error_code: 429 };
    expect(parseStandardLoggingPayload(r).error_information?.error_code).toBe("429");
  });

  it("reads text-completion prompts given as strings or string lists", () => {
    const r = record();
    r.messages = "Once upon a time";
    expect(parseStandardLoggingPayload(r).messages).toBe("Once upon a time");
    r.messages = ["first", "second"];
    expect(parseStandardLoggingPayload(r).messages).toEqual([
      { role: "user", content: "first" },
      { role: "user", content: "second" },
    ]);
  });
});
