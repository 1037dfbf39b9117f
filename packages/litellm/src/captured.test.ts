import { fingerprintPrompt, isNoPrompt } from "@distillguard/fingerprint";
import { describe, expect, it } from "vitest";
import { capturedLiteLLMPayloads } from "../../../test/harness/shared-data.ts";
import { toApiRequest } from "./map.ts";
import { parseStandardLoggingPayload } from "./parse.ts";

/**
 * Payloads captured from a real LiteLLM 1.108.7 proxy (shared/data/litellm-1.108.7, read in
 * place): the Responses API and Anthropic Messages shapes map like chat completions (issue 14).
 * Lines as in captured_index.tsv.
 */
const captured = capturedLiteLLMPayloads();
const mapped = (line: number) =>
  toApiRequest(parseStandardLoggingPayload(JSON.parse(captured[line - 1] ?? "")));
const hashOf = (system: string) =>
  Buffer.from((fingerprintPrompt({ system, user: "x" }).systemPromptHash as Uint8Array).subarray(0, 8));

describe("captured Responses API and Anthropic Messages payloads", () => {
  it("read the Responses API's instructions as the system prompt (E:responses_instructions)", () => {
    const r = mapped(33);
    expect(r.endpoint).toBe("/v1/responses");
    expect(r.system_prompt_hash).toEqual(hashOf("INSTRUCTIONS-MARKER be brief."));
    expect(r.request_max_tokens).toBe(77);
    expect(r.request_temperature).toBe(0.1);
    expect(r.response_finish_reason).toBe("stop");
    expect(r.usage_reasoning_tokens).toBe(1);
  });

  it("keep a system message sent as Responses input (E:responses_system_msg)", () => {
    const r = mapped(34);
    expect(r.system_prompt_hash).toEqual(hashOf("SYSMSG-MARKER you are terse."));
    expect(r.response_finish_reason).toBe("stop");
  });

  it("give a Responses API call with no parameters a finish reason too (A:responses_api)", () => {
    const r = mapped(14);
    expect(r.system_prompt_hash).toBeNull();
    expect(r.request_max_tokens).toBeNull();
    expect(r.response_finish_reason).toBe("stop");
  });

  it("map /v1/messages bridged to an OpenAI model like the native one (E:anthropic_to_openai)", () => {
    const bridged = mapped(32);
    const native = mapped(31);
    expect(bridged.endpoint).toBe("/v1/messages");
    // The same system prompt and limit, logged as Responses instructions on the bridge.
    expect(bridged.system_prompt_hash).toEqual(native.system_prompt_hash);
    expect(bridged.request_max_tokens).toBe(123);
    expect(native.request_max_tokens).toBe(123);
    expect(bridged.tools_count).toBe(1);
    expect(native.tools_count).toBe(1);
    expect(bridged.response_finish_reason).toBe("stop");
  });

  it("map a Responses API status the chat way: cut off, filtered, ending in a tool call", () => {
    const base = JSON.parse(captured[32] ?? "");
    const variant = (response: Record<string, unknown>) =>
      toApiRequest(parseStandardLoggingPayload({ ...base, response: { ...base.response, ...response } }));
    expect(
      variant({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } })
        .response_finish_reason,
    ).toBe("length");
    expect(
      variant({ status: "incomplete", incomplete_details: { reason: "content_filter" } })
        .response_finish_reason,
    ).toBe("content_filter");
    expect(
      variant({ output: [{ type: "reasoning" }, { type: "function_call" }] }).response_finish_reason,
    ).toBe("tool_calls");
    expect(variant({ status: "failed" }).response_finish_reason).toBeNull();
  });

  it("read instructions given as input items, and reject instructions of another type by path", () => {
    const base = JSON.parse(captured[32] ?? "");
    const items = [
      { role: "developer", content: [{ type: "input_text", text: "INSTRUCTIONS-MARKER be brief." }] },
    ];
    const r = toApiRequest(
      parseStandardLoggingPayload({
        ...base,
        model_parameters: { ...base.model_parameters, instructions: items },
      }),
    );
    expect(r.system_prompt_hash).toEqual(hashOf("INSTRUCTIONS-MARKER be brief."));
    expect(() =>
      parseStandardLoggingPayload({
        ...base,
        model_parameters: { ...base.model_parameters, instructions: 42 },
      }),
    ).toThrow(/model_parameters\.instructions/);
  });
});

describe("captured identities, answers, cache hits and redaction (issue 15 item 3, issue 14 item 3)", () => {
  it("a master-key proxy's placeholder user is no account: the end user, else the key (A)", () => {
    const bare = mapped(1);
    expect([bare.account_id, bare.account_source]).toEqual(["litellm_proxy_master_key", "key"]);
    const reseller = mapped(3);
    expect([reseller.account_id, reseller.account_source]).toEqual(["customer-42", "end_user"]);
  });

  it("a key logged raw is stored hashed (B: no master key)", () => {
    const r = mapped(18);
    expect(r.api_key_id).toMatch(/^[0-9a-f]{64}$/);
    expect(captured[17]).toContain('"user_api_key_hash": "anything"');
    expect(JSON.stringify(r)).not.toContain('"anything"');
  });

  it("custom_auth's team, user and org become team account with the org (C)", () => {
    const r = mapped(23);
    expect([r.account_id, r.account_source, r.org_id]).toEqual(["team-acme", "team", "org-acme"]);
  });

  it("reads the answer of chat, tool-call, Responses and Messages payloads", () => {
    expect(mapped(1)).toMatchObject({
      response_chars: "Fake upstream answer number 1.".length,
      response_tool_calls: 0,
    });
    expect(mapped(4)).toMatchObject({ response_chars: 0, response_tool_calls: 1, response_trace: 0 });
    expect(mapped(33)).toMatchObject({ response_chars: "Tokyo.".length, response_tool_calls: 0 });
    expect(mapped(31).response_chars).toBe("Fake claude answer.".length);
    expect(mapped(1).question_chars).toBeGreaterThan(0);
  });

  it("failures and redacted logs carry no answer: absent, not zero (A:upstream_429, D)", () => {
    for (const line of [9, 17, 29, 30]) {
      const r = mapped(line);
      expect([r.response_chars, r.response_trace, r.response_tool_calls], `line ${line}`).toEqual([
        null,
        null,
        null,
      ]);
    }
    expect(mapped(29).question_chars).toBeNull();
    expect(mapped(29).prompt_language).toBeNull();
  });

  it("redacted text has absent fingerprints, not the hash of nothing (D: turn_off_message_logging)", () => {
    for (const line of [29, 30]) {
      expect(captured[line - 1], `line ${line}`).toContain("redacted-by-litellm");
      const r = mapped(line);
      expect(isNoPrompt(r.prompt_simhash), `line ${line}`).toBe(true);
      expect(isNoPrompt(r.prompt_template_hash), `line ${line}`).toBe(true);
      expect([r.system_prompt_hash, r.prompt_topic, r.cot_elicitation]).toEqual([null, null, 0]);
    }
    // A logged prompt never hashes to the absent value.
    expect(isNoPrompt(mapped(17).prompt_template_hash)).toBe(false);
    expect(isNoPrompt(mapped(17).prompt_simhash)).toBe(false);
  });

  it("flags cache hits (H)", () => {
    expect(mapped(43).cache_hit).toBe(true);
    expect(mapped(42).cache_hit).toBeNull();
    expect(mapped(17).cache_hit).toBe(false);
  });
});
