import { createHash } from "node:crypto";
import type { ApiRequest } from "@distillguard/contract";
import {
  type ElicitationScorer,
  fingerprintPrompt,
  type Hash64,
  responseTrace,
} from "@distillguard/fingerprint";
import { canonicalAddress } from "@distillguard/networks";
import { guessPromptLanguage } from "./language.ts";
import { extractPrompt } from "./prompt.ts";
import { invalid, isObject } from "./read.ts";
import { endpointOf, statusCodeOf } from "./status.ts";
import type { LiteLLMUsage, StandardLoggingPayload } from "./types.ts";

/** Network facts the gateway does not know; an edge log or GeoIP/ASN lookup supplies them. */
export interface Enrichment {
  client_asn?: number | null;
  client_country?: string | null;
  tls_fingerprint?: string | null;
}

export type Enricher = (request: {
  request_id: string;
  client_address: string;
  user_agent: string | null;
}) => Enrichment | null | undefined;

/** How the mapping fingerprints; the ingest's settings choose. */
export interface MappingOptions {
  /** What `cot_elicitation` is (default: the keyword list). */
  elicitation?: ElicitationScorer;
}

const INT32_MAX = 2 ** 31 - 1;
const USER_AGENT_TAG = "User-Agent: ";

/**
 * One LiteLLM log record → one ApiRequest. The prompt is reduced to fingerprints here and
 * its text goes no further: nothing in the result is prompt text.
 */
export function toApiRequest(
  p: StandardLoggingPayload,
  enrich?: Enricher,
  options: MappingOptions = {},
): ApiRequest {
  const m = p.metadata;
  const params = p.model_parameters;
  const startMs = Math.round(p.startTime * 1000);
  const latency = Math.max(0, Math.round(p.endTime * 1000) - startMs);
  if (latency > INT32_MAX) throw invalid("$.endTime", "is more than 24 days after $.startTime");
  const usage = usageDetails(p);
  const clientAddress = clientAddressOf(p);
  const userAgent = userAgentOf(p);
  const prompt = extractPrompt(p.messages, params.instructions);
  const fp = fingerprintPrompt(
    { system: prompt.system, user: prompt.user, question: prompt.question },
    options.elicitation,
  );
  const extra = enrich?.({ request_id: p.id, client_address: clientAddress, user_agent: userAgent }) ?? {};
  const apiKeyId = keyIdOf(m.user_api_key_hash);
  const account = accountOf(p, apiKeyId);
  const answer = isObject(p.response) ? (p.response.answer ?? null) : null;
  const trace = answer ? responseTrace(answer.text, answer.reasoning) : null;

  return {
    request_id: p.id,
    event_time_ms: startMs,
    account_id: account.id,
    org_id: m.user_api_key_org_id ?? null,
    api_key_id: apiKeyId,
    end_user_id: p.end_user ?? m.user_api_key_end_user_id ?? null,
    endpoint: endpointOf(p),
    // model_group is the name the client asked for; `model` is the deployment it was routed to.
    request_model: p.model_group ?? p.model,
    stream: p.stream === true || params.stream === true,
    request_choice_count: params.n ?? 1,
    request_temperature: params.temperature ?? null,
    request_max_tokens: params.max_tokens ?? params.max_completion_tokens ?? params.max_output_tokens ?? null,
    logprobs: params.logprobs === true,
    top_logprobs: params.top_logprobs ?? null,
    tools_count: params.tools?.length ?? params.functions?.length ?? 0,
    usage_input_tokens: p.prompt_tokens,
    usage_output_tokens: p.completion_tokens,
    usage_reasoning_tokens: usage?.completion_tokens_details?.reasoning_tokens ?? null,
    usage_cached_input_tokens:
      usage?.prompt_tokens_details?.cached_tokens ?? usage?.cache_read_input_tokens ?? null,
    status_code: statusCodeOf(p),
    latency_ms: latency,
    response_finish_reason: finishReasonOf(p),
    client_address: clientAddress,
    client_asn: extra.client_asn ?? null,
    client_country: extra.client_country ?? null,
    user_agent: userAgent,
    tls_fingerprint: extra.tls_fingerprint ?? null,
    prompt_simhash: toBuffer(fp.simhash),
    prompt_template_hash: toBuffer(fp.templateHash),
    system_prompt_hash: fp.systemPromptHash ? toBuffer(fp.systemPromptHash) : null,
    cot_elicitation: fp.cotElicitation,
    prompt_topic: fp.topic,
    prompt_language: prompt.redacted ? null : guessPromptLanguage(prompt.user),
    account_source: account.source,
    cache_hit: p.cache_hit === true ? true : p.cache_hit === false ? false : null,
    question_chars: prompt.redacted || p.messages == null ? null : prompt.question.length,
    response_chars: answer ? answer.text.length : null,
    response_trace: trace ? trace.trace : null,
    response_tool_calls: answer ? answer.toolCalls : null,
    question_head_hash: fp.frame.head ? toBuffer(fp.frame.head) : null,
    question_tail_hash: fp.frame.tail ? toBuffer(fp.frame.tail) : null,
    account_spend_usd: accountSpendOf(m, account.source, apiKeyId),
  };
}

/**
 * What the proxy logs in place of an identity, never an account: with only a master key every
 * caller is `default_user_id` with key `litellm_proxy_master_key` (captured from 1.108.7).
 */
const PLACEHOLDER_USERS = new Set(["default_user_id"]);
export const MASTER_KEY_PLACEHOLDER = "litellm_proxy_master_key";
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * LiteLLM logs the SHA-256 of a key; without a master key, a key not starting with `sk-` is
 * logged raw. A raw key is a secret: it is hashed here, so no secret reaches a topic.
 */
export function keyIdOf(logged: string): string {
  if (SHA256_HEX.test(logged) || logged === MASTER_KEY_PLACEHOLDER) return logged;
  return createHash("sha256").update(logged, "utf8").digest("hex");
}

/**
 * Who pays: the team (extraction campaigns spread over a team's many keys), then the user,
 * the organisation, the caller's own end user (a master-key proxy's only per-caller id), and
 * last the key itself; placeholder identities are skipped. `source` says which it is.
 */
function accountOf(p: StandardLoggingPayload, keyId: string): { id: string; source: string } {
  const m = p.metadata;
  if (m.user_api_key_team_id) return { id: m.user_api_key_team_id, source: "team" };
  const user = m.user_api_key_user_id;
  if (user && !PLACEHOLDER_USERS.has(user)) return { id: user, source: "user" };
  if (m.user_api_key_org_id) return { id: m.user_api_key_org_id, source: "org" };
  const endUser = p.end_user || m.user_api_key_end_user_id;
  if (endUser) return { id: endUser, source: "end_user" };
  return { id: keyId, source: "key" };
}

/**
 * What the account had spent before this request, when the proxy logged the spend of the very
 * identity the account is: its team's, its user's, or its key's own. A master key's spend is
 * every caller's, and an end user's or an organisation's is not logged: absent, not zero.
 */
function accountSpendOf(m: StandardLoggingPayload["metadata"], source: string, keyId: string): number | null {
  const spend =
    source === "team"
      ? m.user_api_key_team_spend
      : source === "user"
        ? m.user_api_key_user_spend
        : source === "key" && keyId !== MASTER_KEY_PLACEHOLDER
          ? m.user_api_key_spend
          : null;
  return spend != null && spend >= 0 ? spend : null;
}

/** Response usage first (what the provider billed), the copy in metadata for failures and streams. */
function usageDetails(p: StandardLoggingPayload): LiteLLMUsage | null {
  const fromResponse = isObject(p.response) ? p.response.usage : null;
  return fromResponse ?? p.metadata.usage_object ?? null;
}

/**
 * Chat completions say it in the first choice. The Responses API has a status instead, mapped to
 * the chat vocabulary so one column means one thing: completed → stop (tool_calls when it ends
 * in a function call), incomplete → length or content_filter; anything else → null.
 */
function finishReasonOf(p: StandardLoggingPayload): string | null {
  const r = p.response;
  if (!isObject(r)) return null;
  const fromChoice = r.choices?.[0]?.finish_reason;
  if (fromChoice) return fromChoice;
  if (r.status === "completed") {
    return r.output?.some((o) => o.type === "function_call") ? "tool_calls" : "stop";
  }
  if (r.status === "incomplete") {
    const why = r.incomplete_details?.reason;
    return why === "max_output_tokens" ? "length" : why === "content_filter" ? "content_filter" : null;
  }
  return null;
}

/**
 * The caller's address in its one canonical text (packages/networks `canonicalAddress`: dotted
 * IPv4, IPv4-mapped unwrapped, RFC 5952 IPv6 without brackets, port or zone), or "" (absent)
 * when LiteLLM recorded none or nothing in it is an address.
 *
 * With use_x_forwarded_for LiteLLM logs the raw header, "client, proxy1, proxy2". Trust choice:
 * the first entry that parses is the client, skipping placeholders proxies write for a hop
 * they could not see ("unknown", "_hidden"). The leftmost entry is whatever the client or its
 * first proxy sent, so a caller can forge it; the rightmost entries are the ones our own
 * balancers vouch for, but which of them is the last untrusted hop depends on a proxy count
 * this log does not carry. Forgery costs the forger: a fixed fake address hides rotation only
 * by making every account share one "network", which is itself pool evidence; a gateway that
 * knows its hop count should log the peer it trusts instead of the raw header.
 */
function clientAddressOf(p: StandardLoggingPayload): string {
  const raw = p.requester_ip_address ?? p.metadata.requester_ip_address ?? "";
  if (raw.indexOf(",") < 0) return canonicalAddress(raw);
  for (const hop of raw.split(",")) {
    const a = canonicalAddress(hop);
    if (a !== "") return a;
  }
  return "";
}

/**
 * Newer releases log the header (top level and metadata); older ones only as request tags,
 * "User-Agent: <product>" then "User-Agent: <full header>", so the last such tag is the header.
 */
function userAgentOf(p: StandardLoggingPayload): string | null {
  const logged = p.user_agent ?? p.metadata.user_agent;
  if (logged) return logged;
  const tags = p.request_tags ?? [];
  for (let i = tags.length - 1; i >= 0; i--) {
    const t = tags[i];
    if (t?.startsWith(USER_AGENT_TAG) && t.length > USER_AGENT_TAG.length)
      return t.slice(USER_AGENT_TAG.length);
  }
  return null;
}

/** A copy, not a view: the fingerprint package may reuse the memory behind its hashes. */
function toBuffer(h: Hash64): Buffer {
  return Buffer.from(h.subarray(0, 8));
}
