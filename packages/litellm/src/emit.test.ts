import type { ApiRequest } from "@distillguard/contract";
import { fingerprintPrompt, responseTrace } from "@distillguard/fingerprint";
import { describe, expect, it } from "vitest";
import { type SimulatedExchange, toStandardLoggingPayload } from "./emit.ts";
import { toApiRequest } from "./map.ts";
import { decodeStandardLoggingPayload } from "./parse.ts";

const SYSTEM = "You are a meticulous math tutor. Always reason step by step before answering.";
const USER = "Problem 2291: how many positive divisors does 3600 have? Show every step of your reasoning.";

const COMPLETION = "3600 = 2^4 · 3^2 · 5^2, so it has 5·3·3 = 45 divisors.";

const exchange: SimulatedExchange = {
  request_id: "chatcmpl-sim-000042",
  event_time_ms: 1_767_225_600_250,
  latency_ms: 12_480,
  key: {
    hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    team_id: "team-sim-7",
    org_id: "org-sim",
    team_spend: 18.4,
  },
  model: "model-large-2026-02",
  deployment_model: "model-large-2026-02-eu",
  params: { temperature: 0.6, max_tokens: 4096, n: 1 },
  messages: [
    { role: "system", content: SYSTEM },
    { role: "user", content: USER },
  ],
  usage: { input_tokens: 96, output_tokens: 1711, reasoning_tokens: null, cached_input_tokens: 32 },
  outcome: {
    status: "success",
    finish_reason: "stop",
    completion: COMPLETION,
  },
  client_address: "203.0.113.45",
  user_agent: "python-httpx/0.28.1",
};

function fingerprints(system: string | null, user: string) {
  const fp = fingerprintPrompt({ system, user });
  return {
    prompt_simhash: Buffer.from(fp.simhash),
    prompt_template_hash: Buffer.from(fp.templateHash),
    system_prompt_hash: fp.systemPromptHash && Buffer.from(fp.systemPromptHash),
    cot_elicitation: fp.cotElicitation,
    prompt_topic: fp.topic,
  };
}

const expected: ApiRequest = {
  request_id: "chatcmpl-sim-000042",
  event_time_ms: 1_767_225_600_250,
  account_id: "team-sim-7",
  org_id: "org-sim",
  api_key_id: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  end_user_id: null,
  endpoint: "/v1/chat/completions",
  request_model: "model-large-2026-02",
  stream: false,
  request_choice_count: 1,
  request_temperature: 0.6,
  request_max_tokens: 4096,
  logprobs: false,
  top_logprobs: null,
  tools_count: 0,
  usage_input_tokens: 96,
  usage_output_tokens: 1711,
  usage_reasoning_tokens: null,
  usage_cached_input_tokens: 32,
  status_code: 200,
  latency_ms: 12_480,
  response_finish_reason: "stop",
  client_address: "203.0.113.45",
  client_asn: null,
  client_country: null,
  user_agent: "python-httpx/0.28.1",
  tls_fingerprint: null,
  ...fingerprints(SYSTEM, USER),
  prompt_language: "en",
  account_source: "team",
  cache_hit: null,
  question_chars: USER.length,
  response_chars: COMPLETION.length,
  response_trace: responseTrace(COMPLETION).trace,
  response_tool_calls: 0,
  question_head_hash: null,
  question_tail_hash: null,
  account_spend_usd: 18.4,
};

/** simulated → LiteLLM payload → JSON bytes → parse → ApiRequest, as the ingest would see it. */
function roundTrip(x: SimulatedExchange): ApiRequest {
  const bytes = Buffer.from(JSON.stringify(toStandardLoggingPayload(x)));
  return toApiRequest(decodeStandardLoggingPayload(bytes));
}

describe("toStandardLoggingPayload → JSON → parse → toApiRequest", () => {
  it("a chat completion with a system prompt", () => {
    expect(roundTrip(exchange)).toEqual(expected);
  });

  it("a stream from a user-level key with an end user", () => {
    const x: SimulatedExchange = {
      ...exchange,
      key: { hash: exchange.key.hash, user_id: "user-sim-3", spend: 0.5, user_spend: 2.25 },
      end_user_id: "reseller-customer-9",
      stream: true,
      time_to_first_token_ms: 380,
    };
    expect(roundTrip(x)).toEqual({
      ...expected,
      account_id: "user-sim-3",
      account_source: "user",
      account_spend_usd: 2.25,
      org_id: null,
      end_user_id: "reseller-customer-9",
      stream: true,
    });
  });

  it("a rate-limited failure", () => {
    const x: SimulatedExchange = {
      ...exchange,
      usage: { input_tokens: 0, output_tokens: 0 },
      outcome: { status: "failure", status_code: 429, message: "Rate limit reached for requests" },
      latency_ms: 41,
    };
    expect(roundTrip(x)).toEqual({
      ...expected,
      usage_input_tokens: 0,
      usage_output_tokens: 0,
      usage_cached_input_tokens: null,
      status_code: 429,
      latency_ms: 41,
      response_finish_reason: null,
      response_chars: null,
      response_trace: null,
      response_tool_calls: null,
    });
  });

  it("a tool call from a reasoning model, with logprobs and no user agent or address", () => {
    const tools = [{ type: "function", function: { name: "calculator", parameters: { type: "object" } } }];
    const x: SimulatedExchange = {
      ...exchange,
      key: { hash: exchange.key.hash, spend: 0 },
      endpoint: "/chat/completions",
      params: { max_completion_tokens: 16_000, logprobs: true, top_logprobs: 20, tools },
      messages: [{ role: "user", content: [{ type: "text", text: USER }] }],
      usage: { input_tokens: 80, output_tokens: 3000, reasoning_tokens: 2900, cached_input_tokens: 0 },
      outcome: { status: "success", finish_reason: "tool_calls" },
      client_address: "",
      user_agent: null,
    };
    expect(roundTrip(x)).toEqual({
      ...expected,
      ...fingerprints(null, USER),
      account_id: exchange.key.hash,
      account_source: "key",
      account_spend_usd: 0,
      org_id: null,
      endpoint: "/chat/completions",
      request_temperature: null,
      request_max_tokens: 16_000,
      logprobs: true,
      top_logprobs: 20,
      tools_count: 1,
      usage_input_tokens: 80,
      usage_output_tokens: 3000,
      usage_reasoning_tokens: 2900,
      usage_cached_input_tokens: 0,
      response_finish_reason: "tool_calls",
      client_address: "",
      user_agent: null,
      response_chars: 0,
      response_trace: 0,
      response_tool_calls: 1,
    });
  });
});

describe("toStandardLoggingPayload looks like what LiteLLM logs", () => {
  const p = toStandardLoggingPayload(exchange);

  it("writes LiteLLM's unset values: stream null, end_user '', failure response {}", () => {
    expect(p.stream).toBeNull();
    expect(p.end_user).toBe("");
    expect(p.status_fields).toEqual({ llm_api_status: "success", guardrail_status: "not_run" });
    const failed = toStandardLoggingPayload({
      ...exchange,
      outcome: { status: "failure", status_code: 429 },
    });
    expect(failed.response).toEqual({});
    expect(failed.error_information).toMatchObject({ error_code: "429", error_class: "RateLimitError" });
    expect(failed.error_str).toMatch(/^litellm\.RateLimitError: /);
  });

  it("logs epoch seconds, the prompt verbatim, and the user agent as request tags", () => {
    expect(p.startTime).toBe(1_767_225_600.25);
    expect(p.endTime).toBeCloseTo(1_767_225_612.73, 6);
    expect(p.messages).toEqual(exchange.messages);
    expect(p.request_tags).toEqual(["User-Agent: python-httpx", "User-Agent: python-httpx/0.28.1"]);
    expect(p.metadata.requester_ip_address).toBe("203.0.113.45");
  });

  it("is deterministic", () => {
    expect(JSON.stringify(toStandardLoggingPayload(exchange))).toBe(JSON.stringify(p));
    expect(p.trace_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
