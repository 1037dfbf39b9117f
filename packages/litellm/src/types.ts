// The parts of LiteLLM's StandardLoggingPayload that Distillguard reads, as LiteLLM writes them.
//
// Sources (BerriAI/litellm on GitHub, read 2026):
// - litellm/types/utils.py: TypedDicts StandardLoggingPayload, StandardLoggingMetadata,
//   StandardLoggingUserAPIKeyMetadata, StandardLoggingHiddenParams,
//   StandardLoggingModelInformation, StandardLoggingPayloadErrorInformation.
// - litellm/litellm_core_utils/litellm_logging.py: get_standard_logging_object_payload and
//   StandardLoggingPayloadSetup (how each field is filled: `stream` is true or null, `end_user`
//   and `model_id` default to "", `error_information.error_code` is the HTTP status as a string).
// - litellm/proxy/litellm_pre_call_utils.py: metadata.requester_ip_address (client host, or the
//   raw X-Forwarded-For header when use_x_forwarded_for is on) and metadata.user_agent.
// - litellm/litellm_core_utils/model_param_helper.py: model_parameters holds the OpenAI request
//   params minus the prompt-carrying ones (messages, prompt, input, system).
// - docs.litellm.ai/docs/proxy/logging_spec: the published field table.
//
// Every TypedDict key is always written by current LiteLLM, but older releases lack some
// (trace_id, user_agent, error_information, ...), so the reader treats the ones it can do
// without as optional.

export type StandardLoggingPayloadStatus = "success" | "failure";

/** StandardLoggingUserAPIKeyMetadata + StandardLoggingMetadata (fields read here). */
export interface StandardLoggingMetadata {
  /** SHA-256 of the LiteLLM virtual key (hash_token), never the key itself. */
  user_api_key_hash: string;
  user_api_key_alias?: string | null;
  user_api_key_org_id?: string | null;
  user_api_key_team_id?: string | null;
  user_api_key_team_alias?: string | null;
  user_api_key_user_id?: string | null;
  user_api_key_end_user_id?: string | null;
  /**
   * What the key, its user and its team had spent (USD) when the proxy authorised the request,
   * from the proxy's cached key record (litellm_pre_call_utils.py: user_api_key_dict.spend,
   * .user_spend, .team_spend): a new key shows 0. A master-key proxy without a database logs
   * 0.0 for every caller.
   */
  user_api_key_spend?: number | null;
  user_api_key_user_spend?: number | null;
  user_api_key_team_spend?: number | null;
  /** Route the proxy served, e.g. /chat/completions or /v1/chat/completions. */
  user_api_key_request_route?: string | null;
  /** "" when the proxy did not record it. May be a comma-separated X-Forwarded-For chain. */
  requester_ip_address?: string | null;
  /** The caller's User-Agent header; "" when absent. Newer releases only. */
  user_agent?: string | null;
  requester_metadata?: Record<string, unknown> | null;
  /** Usage dict of the response (same shape as `response.usage`). */
  usage_object?: LiteLLMUsage | null;
}

/** OpenAI-style usage as LiteLLM's `Usage` model dumps it. */
export interface LiteLLMUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
  /** Anthropic-style cache read count, which LiteLLM passes through. */
  cache_read_input_tokens?: number | null;
}

/** One request message: OpenAI chat shape; content is a string or typed parts. */
export interface LiteLLMMessage {
  role?: string;
  content?: string | LiteLLMContentPart[] | null;
  [key: string]: unknown;
}

export interface LiteLLMContentPart {
  type?: string;
  text?: string;
  [key: string]: unknown;
}

/** The answer as response-side fingerprinting takes it (read by the parser, response.ts). */
export interface ResponseText {
  /** The answer's visible text (first choice, or the Responses API's message items). */
  text: string;
  /** Reasoning the model returned beside the answer (reasoning_content, thinking, summaries). */
  reasoning: string | null;
  /** Tool / function calls the answer made. */
  toolCalls: number;
}

/** `response` for chat completions: the ModelResponse dump; `{}` on failures. */
export interface LiteLLMResponse {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  choices?: Array<{ index?: number; finish_reason?: string | null; message?: LiteLLMMessage | null }>;
  usage?: LiteLLMUsage | null;
  /** Responses API (`object: "response"`): completed, incomplete, failed, … */
  status?: string | null;
  /** Responses API: why an incomplete response stopped (max_output_tokens, content_filter). */
  incomplete_details?: { reason?: string | null } | null;
  /** Responses API: the output items' types (message, function_call, reasoning, …). */
  output?: Array<{ type?: string | null }>;
  /** The answer's text, reasoning and tool calls; null when the log carries none (or redacted). */
  answer?: ResponseText | null;
  [key: string]: unknown;
}

/** OpenAI request params LiteLLM logs (ModelParamHelper.get_standard_logging_model_parameters). */
export interface ModelParameters {
  temperature?: number | null;
  max_tokens?: number | null;
  /** What reasoning models take instead of max_tokens. */
  max_completion_tokens?: number | null;
  n?: number | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  tools?: unknown[] | null;
  /** Legacy OpenAI function calling. */
  functions?: unknown[] | null;
  stream?: boolean | null;
  /** Responses API: the output limit, in place of max_tokens. */
  max_output_tokens?: number | null;
  /** Responses API: the system prompt, given apart from the input messages. */
  instructions?: string | null;
  [key: string]: unknown;
}

export interface StandardLoggingPayloadErrorInformation {
  /** `str(exception.code or exception.status_code)`, e.g. "429"; "" when unknown. */
  error_code?: string | null;
  /** Exception class, e.g. RateLimitError. */
  error_class?: string | null;
  llm_provider?: string | null;
  error_message?: string | null;
}

/** The record LiteLLM hands every logging callback as kwargs["standard_logging_object"]. */
export interface StandardLoggingPayload {
  /** Response id (chatcmpl-…) or, failing that, the litellm_call_id. */
  id: string;
  trace_id?: string | null;
  /** acompletion, completion, aembedding, atext_completion, aresponses, … */
  call_type: string;
  /** true for a completed stream, otherwise null (never false). */
  stream?: boolean | null;
  status: StandardLoggingPayloadStatus;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number | null;
  /** Epoch seconds, floats. */
  startTime: number;
  endTime: number;
  completionStartTime?: number | null;
  /** Deployment model LiteLLM called, possibly provider-prefixed. */
  model: string;
  model_id?: string | null;
  /** The model name the client asked for (the proxy's model alias). */
  model_group?: string | null;
  metadata: StandardLoggingMetadata;
  request_tags?: string[];
  /** "" when the caller named no end user. */
  end_user?: string | null;
  /** true when the proxy answered from its cache (tokens are still logged as if billed). */
  cache_hit?: boolean | null;
  /** Copies of metadata.requester_ip_address / metadata.user_agent in newer releases. */
  requester_ip_address?: string | null;
  user_agent?: string | null;
  /** The prompt. A string for text completions, a message list for chat, or a redaction note. */
  messages?: string | LiteLLMMessage[] | LiteLLMMessage | null;
  response?: LiteLLMResponse | string | unknown[] | null;
  error_str?: string | null;
  error_information?: StandardLoggingPayloadErrorInformation | null;
  model_parameters: ModelParameters;
}

/**
 * Fields LiteLLM also writes that the mapping ignores; the emitter fills them so simulated
 * records look like the real thing to anything else reading the topic.
 */
export interface StandardLoggingPayloadExtras {
  trace_id: string;
  litellm_call_id: string;
  response_cost: number;
  custom_llm_provider: string | null;
  response_time: number;
  api_base: string;
  cache_hit: boolean | null;
  cache_key: string | null;
  saved_cache_cost: number;
  model_map_information: { model_map_key: string; model_map_value: null };
  hidden_params: {
    model_id: string | null;
    cache_key: string | null;
    api_base: string | null;
    response_cost: number | null;
    litellm_overhead_time_ms: number | null;
    additional_headers: Record<string, number | string> | null;
    batch_models: string[] | null;
    litellm_model_name: string | null;
    usage_object: LiteLLMUsage | null;
  };
  status_fields: { llm_api_status: StandardLoggingPayloadStatus; guardrail_status: "not_run" };
  guardrail_information: null;
  response_cost_failure_debug_info: null;
  standard_built_in_tools_params: null;
}

/** What LiteLLM writes in full (as far as the emitter reproduces it). */
export type LoggedStandardLoggingPayload = StandardLoggingPayload & StandardLoggingPayloadExtras;
