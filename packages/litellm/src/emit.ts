import { createHash } from "node:crypto";
import type { LiteLLMMessage, LiteLLMUsage, LoggedStandardLoggingPayload, ModelParameters } from "./types.ts";

/** One simulated exchange, in the simulator's terms; `toStandardLoggingPayload` logs it as LiteLLM would. */
export interface SimulatedExchange {
  /** Becomes `id`: LiteLLM logs the provider's response id, e.g. chatcmpl-…. */
  request_id: string;
  event_time_ms: number;
  latency_ms: number;
  /** Streams only: time to the first token (defaults to latency_ms). */
  time_to_first_token_ms?: number;
  key: {
    /** The virtual key's hash, as LiteLLM logs it. */
    hash: string;
    alias?: string | null;
    team_id?: string | null;
    team_alias?: string | null;
    user_id?: string | null;
    org_id?: string | null;
    /** What the key, its user and its team had spent (USD) before this request; absent when unset. */
    spend?: number | null;
    user_spend?: number | null;
    team_spend?: number | null;
  };
  end_user_id?: string | null;
  /** Route the client called; default /v1/chat/completions. */
  endpoint?: string;
  /** Default acompletion (what the proxy uses for chat). */
  call_type?: string;
  /** The model name the client asked for (LiteLLM's model_group). */
  model: string;
  /** The deployment LiteLLM routed to; default `model`. */
  deployment_model?: string;
  /** custom_llm_provider; default openai. */
  provider?: string;
  stream?: boolean;
  params?: {
    temperature?: number | null;
    max_tokens?: number | null;
    max_completion_tokens?: number | null;
    n?: number | null;
    logprobs?: boolean | null;
    top_logprobs?: number | null;
    tools?: unknown[] | null;
  };
  /** The prompt, with its real text: LiteLLM logs it verbatim. */
  messages: LiteLLMMessage[];
  usage: {
    input_tokens: number;
    output_tokens: number;
    reasoning_tokens?: number | null;
    cached_input_tokens?: number | null;
  };
  outcome:
    | { status: "success"; finish_reason: string; completion?: string | null }
    | { status: "failure"; status_code: number; error_class?: string; message?: string };
  /** What LiteLLM logs as requester_ip_address ("" when it recorded none). */
  client_address: string;
  user_agent?: string | null;
  response_cost?: number;
}

/** The exception LiteLLM raises for each status (docs.litellm.ai exception_mapping). */
const ERROR_CLASS_BY_STATUS: Readonly<Record<number, string>> = {
  400: "BadRequestError",
  401: "AuthenticationError",
  403: "PermissionDeniedError",
  404: "NotFoundError",
  408: "Timeout",
  422: "UnprocessableEntityError",
  429: "RateLimitError",
  500: "InternalServerError",
  502: "BadGatewayError",
  503: "ServiceUnavailableError",
};

/**
 * The StandardLoggingPayload LiteLLM's proxy would log for `x`, shaped like
 * get_standard_logging_object_payload (litellm/litellm_core_utils/litellm_logging.py):
 * `stream` true or null, "" for unset end_user/model_id, usage repeated in metadata,
 * `{}` as the response of a failure. Deterministic: ids derive from request_id.
 */
export function toStandardLoggingPayload(x: SimulatedExchange): LoggedStandardLoggingPayload {
  const provider = x.provider ?? "openai";
  const deployment = x.deployment_model ?? x.model;
  const start = x.event_time_ms / 1000;
  const end = (x.event_time_ms + x.latency_ms) / 1000;
  const stream = x.stream === true;
  const firstToken = stream ? (x.event_time_ms + (x.time_to_first_token_ms ?? x.latency_ms)) / 1000 : end;
  const ok = x.outcome.status === "success";
  const usage = usageOf(x);
  const apiBase = `https://api.${provider}.com/v1`;
  const modelId = uuidFrom(`${provider}/${deployment}`).replaceAll("-", "");
  const callId = uuidFrom(`call:${x.request_id}`);
  const cost = x.response_cost ?? 0;

  return {
    id: x.request_id,
    trace_id: uuidFrom(`trace:${x.request_id}`),
    litellm_call_id: callId,
    call_type: x.call_type ?? "acompletion",
    stream: stream ? true : null,
    status: x.outcome.status,
    response_cost: cost,
    custom_llm_provider: provider,
    total_tokens: x.usage.input_tokens + x.usage.output_tokens,
    prompt_tokens: x.usage.input_tokens,
    completion_tokens: x.usage.output_tokens,
    startTime: start,
    endTime: end,
    completionStartTime: firstToken,
    response_time: stream ? firstToken - start : end - start,
    model_map_information: { model_map_key: deployment, model_map_value: null },
    model: deployment,
    model_id: modelId,
    model_group: x.model,
    api_base: apiBase,
    metadata: {
      user_api_key_hash: x.key.hash,
      user_api_key_alias: x.key.alias ?? null,
      user_api_key_org_id: x.key.org_id ?? null,
      user_api_key_team_id: x.key.team_id ?? null,
      user_api_key_team_alias: x.key.team_alias ?? null,
      user_api_key_user_id: x.key.user_id ?? null,
      user_api_key_end_user_id: x.end_user_id ?? null,
      user_api_key_spend: x.key.spend ?? null,
      user_api_key_user_spend: x.key.user_spend ?? null,
      user_api_key_team_spend: x.key.team_spend ?? null,
      user_api_key_request_route: x.endpoint ?? "/v1/chat/completions",
      requester_ip_address: x.client_address,
      user_agent: x.user_agent ?? "",
      requester_metadata: {},
      usage_object: usage,
    },
    cache_hit: null,
    cache_key: null,
    saved_cache_cost: 0,
    request_tags: userAgentTags(x.user_agent ?? null),
    end_user: x.end_user_id ?? "",
    requester_ip_address: x.client_address,
    user_agent: x.user_agent ?? "",
    messages: x.messages,
    response: ok ? responseOf(x, deployment, usage, Math.floor(end)) : {},
    error_str: x.outcome.status === "failure" ? errorStr(x.outcome, provider) : null,
    error_information: x.outcome.status === "failure" ? errorInformation(x.outcome, provider) : null,
    model_parameters: modelParameters(x),
    hidden_params: {
      model_id: modelId,
      cache_key: null,
      api_base: apiBase,
      response_cost: ok ? cost : null,
      litellm_overhead_time_ms: null,
      additional_headers: null,
      batch_models: null,
      litellm_model_name: deployment,
      usage_object: null,
    },
    status_fields: { llm_api_status: x.outcome.status, guardrail_status: "not_run" },
    guardrail_information: null,
    response_cost_failure_debug_info: null,
    standard_built_in_tools_params: null,
  };
}

function usageOf(x: SimulatedExchange): LiteLLMUsage {
  const cached = x.usage.cached_input_tokens ?? null;
  const reasoning = x.usage.reasoning_tokens ?? null;
  return {
    prompt_tokens: x.usage.input_tokens,
    completion_tokens: x.usage.output_tokens,
    total_tokens: x.usage.input_tokens + x.usage.output_tokens,
    prompt_tokens_details: cached === null ? null : { cached_tokens: cached },
    completion_tokens_details: reasoning === null ? null : { reasoning_tokens: reasoning },
  };
}

function responseOf(x: SimulatedExchange, model: string, usage: LiteLLMUsage, created: number) {
  if (x.outcome.status !== "success") return {};
  const toolCall = x.outcome.finish_reason === "tool_calls" ? firstToolCall(x) : null;
  return {
    id: x.request_id,
    object: "chat.completion",
    created,
    model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        finish_reason: x.outcome.finish_reason,
        message: {
          role: "assistant",
          content: toolCall ? null : (x.outcome.completion ?? ""),
          tool_calls: toolCall ? [toolCall] : null,
          function_call: null,
        },
      },
    ],
    usage,
  };
}

function firstToolCall(x: SimulatedExchange) {
  const tool = x.params?.tools?.[0] as { function?: { name?: unknown } } | undefined;
  const name = typeof tool?.function?.name === "string" ? tool.function.name : "tool";
  return {
    id: `call_${uuidFrom(`tool:${x.request_id}`).slice(0, 8)}`,
    type: "function",
    function: { name, arguments: "{}" },
  };
}

function modelParameters(x: SimulatedExchange): ModelParameters {
  const out: ModelParameters = {};
  for (const [k, v] of Object.entries(x.params ?? {})) if (v !== undefined && v !== null) out[k] = v;
  if (x.stream) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

function errorStr(o: { status_code: number; error_class?: string; message?: string }, provider: string) {
  const cls = o.error_class ?? ERROR_CLASS_BY_STATUS[o.status_code] ?? "APIError";
  return `litellm.${cls}: ${providerLabel(provider)}Exception - ${o.message ?? "request failed"}`;
}

function errorInformation(
  o: { status_code: number; error_class?: string; message?: string },
  provider: string,
) {
  return {
    error_code: String(o.status_code),
    error_class: o.error_class ?? ERROR_CLASS_BY_STATUS[o.status_code] ?? "APIError",
    llm_provider: provider,
    traceback: "",
    error_message: errorStr(o, provider),
  };
}

function providerLabel(provider: string): string {
  return provider === "openai" ? "OpenAI" : provider.charAt(0).toUpperCase() + provider.slice(1);
}

/** LiteLLM's _get_user_agent_tags: the product token, then the full header. */
function userAgentTags(ua: string | null): string[] {
  if (!ua) return [];
  const tags: string[] = [];
  if (ua.includes("/")) tags.push(`User-Agent: ${ua.split("/")[0]}`);
  tags.push(`User-Agent: ${ua}`);
  return tags;
}

/** A UUID-shaped id derived from `seed`, so simulated runs are reproducible. */
function uuidFrom(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
