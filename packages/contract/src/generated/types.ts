// Generated from packages/contract/schemas/*/v*.avsc by `npm run gen:types`. Do not edit.
/* biome-ignore-all format: generated */

/** One explainable contribution to a score. */
export interface Signal {
  /** e.g. cot_rate_1h, template_concentration_24h. */
  name: string;
  value: number;
  /** Population median the value is compared with. */
  baseline: number;
  /** Robust z-score (value - median) / (1.4826 * MAD). */
  z: number;
  /** Share of the score this signal accounts for. */
  contribution: number;
}

/** The detector's score for one account at the end of a window, with the signals that produced it. */
export interface AccountScoreV1 {
  account_id: string;
  /** Event time the score refers to. */
  window_end_ms: number;
  /** Combined extraction score; higher is more suspicious. */
  score: number;
  /** Whether the score crossed the alerting threshold. */
  flagged: boolean;
  signals: Array<Signal>;
  /** Campaign the account is linked to, if any. */
  campaign_id: null | string;
  detector_version: string;
}

export type SubjectKind = "account" | "campaign";

export type AlertState = "open" | "update" | "resolved";

export type Severity = "low" | "medium" | "high" | "critical";

export type FingerprintKind = "ip_prefix" | "asn" | "asn_user_agent" | "tls" | "user_agent" | "template" | "system_prompt";

export interface SharedFingerprint {
  kind: FingerprintKind;
  value: string;
  weight: number;
  member_count: number;
}

/** An alert on an account or a campaign. One alert per subject moves open -> update -> resolved; replays carry the same alert_id and revision. */
export interface AlertV1 {
  /** Stable id: same subject and opening time give the same id. */
  alert_id: string;
  /** Increases with every update of this alert. */
  revision: number;
  subject_kind: SubjectKind;
  subject_id: string;
  state: AlertState;
  severity: Severity;
  score: number;
  opened_at_ms: number;
  event_time_ms: number;
  /** Accounts involved: 1 for account alerts. */
  member_count: number;
  top_signals: Array<Signal>;
  shared_fingerprints: Array<SharedFingerprint>;
  /** One-line human explanation. Never contains prompt text. */
  summary: string;
}

/** One LLM API request as the provider's gateway logged it. Carries fingerprints of the prompt, never its text. Field names follow the OpenTelemetry GenAI semantic conventions (without the gen_ai. prefix) where one exists; the otel property names the attribute. */
export interface ApiRequestV1 {
  /** Gateway's unique id for the request. */
  request_id: string;
  /** When the gateway received the request (event time), ms since the Unix epoch. */
  event_time_ms: number;
  /** Billing account the API key belongs to. */
  account_id: string;
  /** Organisation owning the account, when the provider has one. */
  org_id: null | string;
  /** Id (never the secret) of the API key used. */
  api_key_id: string;
  /** End-user id the caller passed (resellers and apps pass their own customer's id). */
  end_user_id: null | string;
  /** API route, e.g. /v1/chat/completions. */
  endpoint: string;
  /** Model the request asked for. */
  request_model: string;
  /** Whether the response was streamed. */
  stream: boolean;
  /** Completions requested (OpenAI n). */
  request_choice_count: number;
  request_temperature: null | number;
  request_max_tokens: null | number;
  /** Whether token log-probabilities were requested. */
  logprobs: boolean;
  /** Alternatives per token requested with logprobs. */
  top_logprobs: null | number;
  /** Tool/function definitions sent with the request. */
  tools_count: number;
  usage_input_tokens: number;
  usage_output_tokens: number;
  /** Hidden reasoning tokens billed, for reasoning models. */
  usage_reasoning_tokens: null | number;
  /** Input tokens served from the prompt cache. */
  usage_cached_input_tokens: null | number;
  /** HTTP status returned to the caller. */
  status_code: number;
  /** Time from request received to last byte sent. */
  latency_ms: number;
  /** Why generation stopped (first choice): stop, length, tool_calls, content_filter. */
  response_finish_reason: null | string;
  /** Caller IP as the gateway saw it (IPv4 dotted or IPv6). */
  client_address: string;
  /** Autonomous system number of client_address. */
  client_asn: null | number;
  /** ISO 3166-1 alpha-2 country of client_address. */
  client_country: null | string;
  user_agent: null | string;
  /** JA4 fingerprint of the client's TLS hello. */
  tls_fingerprint: null | string;
  /** 64-bit simhash of the normalised prompt (packages/fingerprint): near-duplicates differ in few bits. */
  prompt_simhash: Buffer;
  /** Hash of the prompt with variable slots masked: the same template with other values gives the same hash. */
  prompt_template_hash: Buffer;
  /** Hash of the system prompt, when there is one. */
  system_prompt_hash: null | Buffer;
  /** 0..1: how strongly the prompt asks for chain-of-thought / reasoning traces. */
  cot_elicitation: number;
  /** Coarse topic of the prompt (coding, math, tool_use, ...). */
  prompt_topic: null | string;
}

/** One LLM API request as the provider's gateway logged it. Carries fingerprints of the prompt, never its text. Field names follow the OpenTelemetry GenAI semantic conventions (without the gen_ai. prefix) where one exists; the otel property names the attribute. v2 adds prompt_language. */
export interface ApiRequestV2 {
  /** Gateway's unique id for the request. */
  request_id: string;
  /** When the gateway received the request (event time), ms since the Unix epoch. */
  event_time_ms: number;
  /** Billing account the API key belongs to. */
  account_id: string;
  /** Organisation owning the account, when the provider has one. */
  org_id: null | string;
  /** Id (never the secret) of the API key used. */
  api_key_id: string;
  /** End-user id the caller passed (resellers and apps pass their own customer's id). */
  end_user_id: null | string;
  /** API route, e.g. /v1/chat/completions. */
  endpoint: string;
  /** Model the request asked for. */
  request_model: string;
  /** Whether the response was streamed. */
  stream: boolean;
  /** Completions requested (OpenAI n). */
  request_choice_count: number;
  request_temperature: null | number;
  request_max_tokens: null | number;
  /** Whether token log-probabilities were requested. */
  logprobs: boolean;
  /** Alternatives per token requested with logprobs. */
  top_logprobs: null | number;
  /** Tool/function definitions sent with the request. */
  tools_count: number;
  usage_input_tokens: number;
  usage_output_tokens: number;
  /** Hidden reasoning tokens billed, for reasoning models. */
  usage_reasoning_tokens: null | number;
  /** Input tokens served from the prompt cache. */
  usage_cached_input_tokens: null | number;
  /** HTTP status returned to the caller. */
  status_code: number;
  /** Time from request received to last byte sent. */
  latency_ms: number;
  /** Why generation stopped (first choice): stop, length, tool_calls, content_filter. */
  response_finish_reason: null | string;
  /** Caller IP as the gateway saw it (IPv4 dotted or IPv6). */
  client_address: string;
  /** Autonomous system number of client_address. */
  client_asn: null | number;
  /** ISO 3166-1 alpha-2 country of client_address. */
  client_country: null | string;
  user_agent: null | string;
  /** JA4 fingerprint of the client's TLS hello. */
  tls_fingerprint: null | string;
  /** 64-bit simhash of the normalised prompt (packages/fingerprint): near-duplicates differ in few bits. */
  prompt_simhash: Buffer;
  /** Hash of the prompt with variable slots masked: the same template with other values gives the same hash. */
  prompt_template_hash: Buffer;
  /** Hash of the system prompt, when there is one. */
  system_prompt_hash: null | Buffer;
  /** 0..1: how strongly the prompt asks for chain-of-thought / reasoning traces. */
  cot_elicitation: number;
  /** Coarse topic of the prompt (coding, math, tool_use, ...). */
  prompt_topic: null | string;
  /** Dominant language of the prompt (ISO 639-1), when detected. */
  prompt_language: null | string;
}

/** One LLM API request as the provider's gateway logged it. Carries fingerprints of the prompt, never its text. Field names follow the OpenTelemetry GenAI semantic conventions (without the gen_ai. prefix) where one exists; the otel property names the attribute. v2 adds prompt_language. v3 adds what the answer carries (response_chars, response_trace, response_tool_calls, question_chars), where account_id came from (account_source) and cache hits (cache_hit). */
export interface ApiRequestV3 {
  /** Gateway's unique id for the request. */
  request_id: string;
  /** When the gateway received the request (event time), ms since the Unix epoch. */
  event_time_ms: number;
  /** Billing account the API key belongs to. */
  account_id: string;
  /** Organisation owning the account, when the provider has one. */
  org_id: null | string;
  /** Id (never the secret) of the API key used. */
  api_key_id: string;
  /** End-user id the caller passed (resellers and apps pass their own customer's id). */
  end_user_id: null | string;
  /** API route, e.g. /v1/chat/completions. */
  endpoint: string;
  /** Model the request asked for. */
  request_model: string;
  /** Whether the response was streamed. */
  stream: boolean;
  /** Completions requested (OpenAI n). */
  request_choice_count: number;
  request_temperature: null | number;
  request_max_tokens: null | number;
  /** Whether token log-probabilities were requested. */
  logprobs: boolean;
  /** Alternatives per token requested with logprobs. */
  top_logprobs: null | number;
  /** Tool/function definitions sent with the request. */
  tools_count: number;
  usage_input_tokens: number;
  usage_output_tokens: number;
  /** Hidden reasoning tokens billed, for reasoning models. */
  usage_reasoning_tokens: null | number;
  /** Input tokens served from the prompt cache. */
  usage_cached_input_tokens: null | number;
  /** HTTP status returned to the caller. */
  status_code: number;
  /** Time from request received to last byte sent. */
  latency_ms: number;
  /** Why generation stopped (first choice): stop, length, tool_calls, content_filter. */
  response_finish_reason: null | string;
  /** Caller IP as the gateway saw it (IPv4 dotted or IPv6). */
  client_address: string;
  /** Autonomous system number of client_address. */
  client_asn: null | number;
  /** ISO 3166-1 alpha-2 country of client_address. */
  client_country: null | string;
  user_agent: null | string;
  /** JA4 fingerprint of the client's TLS hello. */
  tls_fingerprint: null | string;
  /** 64-bit simhash of the normalised prompt (packages/fingerprint): near-duplicates differ in few bits. */
  prompt_simhash: Buffer;
  /** Hash of the prompt with variable slots masked: the same template with other values gives the same hash. */
  prompt_template_hash: Buffer;
  /** Hash of the system prompt, when there is one. */
  system_prompt_hash: null | Buffer;
  /** 0..1: how strongly the prompt asks for chain-of-thought / reasoning traces. */
  cot_elicitation: number;
  /** Coarse topic of the prompt (coding, math, tool_use, ...). */
  prompt_topic: null | string;
  /** Dominant language of the prompt (ISO 639-1), when detected. */
  prompt_language: null | string;
  /** Which identity account_id is: team, user, org, end_user or key (the proxy's placeholder identities, such as a master key's default_user_id, are never an account). */
  account_source: null | string;
  /** The gateway answered from its cache (tokens are logged as if billed). */
  cache_hit: null | boolean;
  /** Length of the last user message (UTF-16 code units): what the answer answers. Null when the log carries no message text. */
  question_chars: null | number;
  /** Length of the answer's visible text (UTF-16 code units). Null when the log carries no answer (failures, embeddings, redacted logs). */
  response_chars: null | number;
  /** 0..1: how much of an explicit reasoning trace the answer carries (derivations, enumerated steps, tags; 1 when the model returned its reasoning). Null without an answer. */
  response_trace: null | number;
  /** Tool or function calls the answer made. Null without an answer. */
  response_tool_calls: null | number;
}

/** One LLM API request as the provider's gateway logged it. Carries fingerprints of the prompt, never its text. Field names follow the OpenTelemetry GenAI semantic conventions (without the gen_ai. prefix) where one exists; the otel property names the attribute. v2 adds prompt_language. v3 adds what the answer carries (response_chars, response_trace, response_tool_calls, question_chars), where account_id came from (account_source) and cache hits (cache_hit). v4 adds the question's frame (question_head_hash, question_tail_hash): the template hashes of its first and last paragraphs, where a campaign's wrapper around a varying payload repeats. */
export interface ApiRequestV4 {
  /** Gateway's unique id for the request. */
  request_id: string;
  /** When the gateway received the request (event time), ms since the Unix epoch. */
  event_time_ms: number;
  /** Billing account the API key belongs to. */
  account_id: string;
  /** Organisation owning the account, when the provider has one. */
  org_id: null | string;
  /** Id (never the secret) of the API key used. */
  api_key_id: string;
  /** End-user id the caller passed (resellers and apps pass their own customer's id). */
  end_user_id: null | string;
  /** API route, e.g. /v1/chat/completions. */
  endpoint: string;
  /** Model the request asked for. */
  request_model: string;
  /** Whether the response was streamed. */
  stream: boolean;
  /** Completions requested (OpenAI n). */
  request_choice_count: number;
  request_temperature: null | number;
  request_max_tokens: null | number;
  /** Whether token log-probabilities were requested. */
  logprobs: boolean;
  /** Alternatives per token requested with logprobs. */
  top_logprobs: null | number;
  /** Tool/function definitions sent with the request. */
  tools_count: number;
  usage_input_tokens: number;
  usage_output_tokens: number;
  /** Hidden reasoning tokens billed, for reasoning models. */
  usage_reasoning_tokens: null | number;
  /** Input tokens served from the prompt cache. */
  usage_cached_input_tokens: null | number;
  /** HTTP status returned to the caller. */
  status_code: number;
  /** Time from request received to last byte sent. */
  latency_ms: number;
  /** Why generation stopped (first choice): stop, length, tool_calls, content_filter. */
  response_finish_reason: null | string;
  /** Caller IP as the gateway saw it (IPv4 dotted or IPv6). */
  client_address: string;
  /** Autonomous system number of client_address. */
  client_asn: null | number;
  /** ISO 3166-1 alpha-2 country of client_address. */
  client_country: null | string;
  user_agent: null | string;
  /** JA4 fingerprint of the client's TLS hello. */
  tls_fingerprint: null | string;
  /** 64-bit simhash of the normalised prompt (packages/fingerprint): near-duplicates differ in few bits. */
  prompt_simhash: Buffer;
  /** Hash of the prompt with variable slots masked: the same template with other values gives the same hash. */
  prompt_template_hash: Buffer;
  /** Hash of the system prompt, when there is one. */
  system_prompt_hash: null | Buffer;
  /** 0..1: how strongly the prompt asks for chain-of-thought / reasoning traces. */
  cot_elicitation: number;
  /** Coarse topic of the prompt (coding, math, tool_use, ...). */
  prompt_topic: null | string;
  /** Dominant language of the prompt (ISO 639-1), when detected. */
  prompt_language: null | string;
  /** Which identity account_id is: team, user, org, end_user or key (the proxy's placeholder identities, such as a master key's default_user_id, are never an account). */
  account_source: null | string;
  /** The gateway answered from its cache (tokens are logged as if billed). */
  cache_hit: null | boolean;
  /** Length of the last user message (UTF-16 code units): what the answer answers. Null when the log carries no message text. */
  question_chars: null | number;
  /** Length of the answer's visible text (UTF-16 code units). Null when the log carries no answer (failures, embeddings, redacted logs). */
  response_chars: null | number;
  /** 0..1: how much of an explicit reasoning trace the answer carries (derivations, enumerated steps, tags; 1 when the model returned its reasoning). Null without an answer. */
  response_trace: null | number;
  /** Tool or function calls the answer made. Null without an answer. */
  response_tool_calls: null | number;
  /** Template hash of the first paragraph (split at blank lines) of the last user message, when it has at least two paragraphs: a wrapper a campaign keeps while the payload varies hashes equal here, whatever the payload. */
  question_head_hash: null | Buffer;
  /** Template hash of the last paragraph (split at blank lines) of the last user message, when it has at least two paragraphs: a wrapper a campaign keeps while the payload varies hashes equal here, whatever the payload. */
  question_tail_hash: null | Buffer;
}

/** One LLM API request as the provider's gateway logged it. Carries fingerprints of the prompt, never its text. Field names follow the OpenTelemetry GenAI semantic conventions (without the gen_ai. prefix) where one exists; the otel property names the attribute. v2 adds prompt_language. v3 adds what the answer carries (response_chars, response_trace, response_tool_calls, question_chars), where account_id came from (account_source) and cache hits (cache_hit). v4 adds the question's frame (question_head_hash, question_tail_hash): the template hashes of its first and last paragraphs, where a campaign's wrapper around a varying payload repeats. v5 adds what the account had spent before the request (account_spend_usd), as the gateway logged it: the account's tenure. */
export interface ApiRequestV5 {
  /** Gateway's unique id for the request. */
  request_id: string;
  /** When the gateway received the request (event time), ms since the Unix epoch. */
  event_time_ms: number;
  /** Billing account the API key belongs to. */
  account_id: string;
  /** Organisation owning the account, when the provider has one. */
  org_id: null | string;
  /** Id (never the secret) of the API key used. */
  api_key_id: string;
  /** End-user id the caller passed (resellers and apps pass their own customer's id). */
  end_user_id: null | string;
  /** API route, e.g. /v1/chat/completions. */
  endpoint: string;
  /** Model the request asked for. */
  request_model: string;
  /** Whether the response was streamed. */
  stream: boolean;
  /** Completions requested (OpenAI n). */
  request_choice_count: number;
  request_temperature: null | number;
  request_max_tokens: null | number;
  /** Whether token log-probabilities were requested. */
  logprobs: boolean;
  /** Alternatives per token requested with logprobs. */
  top_logprobs: null | number;
  /** Tool/function definitions sent with the request. */
  tools_count: number;
  usage_input_tokens: number;
  usage_output_tokens: number;
  /** Hidden reasoning tokens billed, for reasoning models. */
  usage_reasoning_tokens: null | number;
  /** Input tokens served from the prompt cache. */
  usage_cached_input_tokens: null | number;
  /** HTTP status returned to the caller. */
  status_code: number;
  /** Time from request received to last byte sent. */
  latency_ms: number;
  /** Why generation stopped (first choice): stop, length, tool_calls, content_filter. */
  response_finish_reason: null | string;
  /** Caller IP as the gateway saw it (IPv4 dotted or IPv6). */
  client_address: string;
  /** Autonomous system number of client_address. */
  client_asn: null | number;
  /** ISO 3166-1 alpha-2 country of client_address. */
  client_country: null | string;
  user_agent: null | string;
  /** JA4 fingerprint of the client's TLS hello. */
  tls_fingerprint: null | string;
  /** 64-bit simhash of the normalised prompt (packages/fingerprint): near-duplicates differ in few bits. */
  prompt_simhash: Buffer;
  /** Hash of the prompt with variable slots masked: the same template with other values gives the same hash. */
  prompt_template_hash: Buffer;
  /** Hash of the system prompt, when there is one. */
  system_prompt_hash: null | Buffer;
  /** 0..1: how strongly the prompt asks for chain-of-thought / reasoning traces. */
  cot_elicitation: number;
  /** Coarse topic of the prompt (coding, math, tool_use, ...). */
  prompt_topic: null | string;
  /** Dominant language of the prompt (ISO 639-1), when detected. */
  prompt_language: null | string;
  /** Which identity account_id is: team, user, org, end_user or key (the proxy's placeholder identities, such as a master key's default_user_id, are never an account). */
  account_source: null | string;
  /** The gateway answered from its cache (tokens are logged as if billed). */
  cache_hit: null | boolean;
  /** Length of the last user message (UTF-16 code units): what the answer answers. Null when the log carries no message text. */
  question_chars: null | number;
  /** Length of the answer's visible text (UTF-16 code units). Null when the log carries no answer (failures, embeddings, redacted logs). */
  response_chars: null | number;
  /** 0..1: how much of an explicit reasoning trace the answer carries (derivations, enumerated steps, tags; 1 when the model returned its reasoning). Null without an answer. */
  response_trace: null | number;
  /** Tool or function calls the answer made. Null without an answer. */
  response_tool_calls: null | number;
  /** Template hash of the first paragraph (split at blank lines) of the last user message, when it has at least two paragraphs: a wrapper a campaign keeps while the payload varies hashes equal here, whatever the payload. */
  question_head_hash: null | Buffer;
  /** Template hash of the last paragraph (split at blank lines) of the last user message, when it has at least two paragraphs: a wrapper a campaign keeps while the payload varies hashes equal here, whatever the payload. */
  question_tail_hash: null | Buffer;
  /** What the account had spent (USD) before this request, as the gateway logged it: LiteLLM's user_api_key_team_spend, user_api_key_user_spend or user_api_key_spend, whichever belongs to the team, user or key the account is. Null when the gateway logs none or the spend is not the account's own (end users, organisations, a master key). Read as the account's tenure: a key opened minutes ago has spent nothing. */
  account_spend_usd: null | number;
}

export type CampaignStatus = "forming" | "active" | "dormant" | "closed";

/** State of one campaign (accounts linked through shared fingerprints) after the linker processed more traffic. */
export interface CampaignUpdateV1 {
  campaign_id: string;
  event_time_ms: number;
  status: CampaignStatus;
  member_count: number;
  /** Member account ids, heaviest first, at most 1000. */
  members: Array<string>;
  members_truncated: boolean;
  shared_fingerprints: Array<SharedFingerprint>;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  /** Exchanges harvested before the campaign's first alert (all of them while none has fired). */
  requests_before_first_alert: number;
  output_tokens_before_first_alert: number;
  /** Share of requests on the campaign's top template. */
  template_concentration: number;
  /** Share of requests eliciting chain-of-thought. */
  cot_rate: number;
  score: number;
  signals: Array<Signal>;
}

// The version producers write today.
/** account-score, v1. */
export type AccountScore = AccountScoreV1;
/** alert, v1. */
export type Alert = AlertV1;
/** api-request, v5. */
export type ApiRequest = ApiRequestV5;
/** campaign-update, v1. */
export type CampaignUpdate = CampaignUpdateV1;
