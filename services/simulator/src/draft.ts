import type { ApiRequest } from "@distillguard/contract";
import type { Topic } from "./catalog.ts";

/**
 * What a source says about the prompt of one request. Renderers turn it into fingerprints
 * (fingerprint mode) or into real text that is then fingerprinted (text mode), so sources
 * describe prompts once for both modes.
 */
export interface PromptSpec {
  /** Template family id from the world's registry, or -1 for free-form text. */
  family: number;
  /** Paraphrase of the family's frame: changes the template hash, keeps the simhash close. */
  variant: number;
  /** Slot content; equal instances give identical prompts (e.g. a CI suite's fixed prompts). */
  instance: number;
  /** Free-form conversation id (turns of one conversation are near-duplicates), or -1. */
  conversation: number;
  turn: number;
  /** Target chain-of-thought elicitation score, 0 when the prompt does not ask for reasoning. */
  cot: number;
  topic: Topic;
  language: string;
  /** System prompt id from the world's registry, or -1. */
  system: number;
}

/** One simulated request: the record producers would write, plus its ground truth. */
export interface Draft {
  record: ApiRequest;
  prompt: PromptSpec;
  /** Ground truth, never written to the event stream. */
  truth: { accountIndex: number; campaignIndex: number; extraction: boolean };
}

export function newDraft(): Draft {
  return {
    record: {
      request_id: "",
      event_time_ms: 0,
      account_id: "",
      org_id: null,
      api_key_id: "",
      end_user_id: null,
      endpoint: "/v1/chat/completions",
      request_model: "",
      stream: false,
      request_choice_count: 1,
      request_temperature: null,
      request_max_tokens: null,
      logprobs: false,
      top_logprobs: null,
      tools_count: 0,
      usage_input_tokens: 0,
      usage_output_tokens: 0,
      usage_reasoning_tokens: null,
      usage_cached_input_tokens: null,
      status_code: 200,
      latency_ms: 0,
      response_finish_reason: "stop",
      client_address: "",
      client_asn: null,
      client_country: null,
      user_agent: null,
      tls_fingerprint: null,
      prompt_simhash: Buffer.alloc(8),
      prompt_template_hash: Buffer.alloc(8),
      system_prompt_hash: null,
      cot_elicitation: 0,
      prompt_topic: null,
      prompt_language: null,
      account_source: null,
      cache_hit: null,
      question_chars: null,
      response_chars: null,
      response_trace: null,
      response_tool_calls: null,
      question_head_hash: null,
      question_tail_hash: null,
      account_spend_usd: null,
    },
    prompt: {
      family: -1,
      variant: 0,
      instance: 0,
      conversation: -1,
      turn: 0,
      cot: 0,
      topic: "general",
      language: "en",
      system: -1,
    },
    truth: { accountIndex: -1, campaignIndex: -1, extraction: false },
  };
}
