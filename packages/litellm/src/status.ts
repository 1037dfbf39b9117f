import type { StandardLoggingPayload } from "./types.ts";

/**
 * LiteLLM's exception classes and the status each carries (docs.litellm.ai exception_mapping,
 * litellm/exceptions.py). Consulted when error_information.error_code is missing, as in
 * releases before error_information existed.
 */
const STATUS_BY_ERROR_CLASS: Readonly<Record<string, number>> = {
  BadRequestError: 400,
  UnsupportedParamsError: 400,
  ContextWindowExceededError: 400,
  ContentPolicyViolationError: 400,
  ImageFetchError: 400,
  InvalidRequestError: 400,
  AuthenticationError: 401,
  PermissionDeniedError: 403,
  NotFoundError: 404,
  Timeout: 408,
  APITimeoutError: 408,
  UnprocessableEntityError: 422,
  RateLimitError: 429,
  APIConnectionError: 500,
  APIError: 500,
  InternalServerError: 500,
  BadGatewayError: 502,
  ServiceUnavailableError: 503,
};

const CLASS_IN_TEXT = new RegExp(`\\b(${Object.keys(STATUS_BY_ERROR_CLASS).join("|")})\\b`);
// Only numbers explicitly labelled as a status: free text also holds token limits and ids.
const STATUS_IN_TEXT = /\b(?:status[_ ]?code|error[_ ]?code|http)\W{0,3}([1-5]\d\d)\b/i;

/**
 * HTTP status the caller got: 200 for a success; for a failure the logged error code, else
 * the one implied by the exception class, else a labelled status in error_str, else 500.
 */
export function statusCodeOf(p: StandardLoggingPayload): number {
  if (p.status === "success") return 200;
  const info = p.error_information;
  const code = asStatus(info?.error_code);
  if (code !== null) return code;
  const byClass = info?.error_class ? STATUS_BY_ERROR_CLASS[info.error_class] : undefined;
  if (byClass !== undefined) return byClass;
  const text = p.error_str ?? "";
  const named = CLASS_IN_TEXT.exec(text)?.[1];
  if (named !== undefined) return STATUS_BY_ERROR_CLASS[named] ?? 500;
  return asStatus(STATUS_IN_TEXT.exec(text)?.[1]) ?? 500;
}

function asStatus(s: string | null | undefined): number | null {
  if (!s || !/^\d{3}$/.test(s.trim())) return null;
  const n = Number(s.trim());
  return n >= 100 && n <= 599 ? n : null;
}

/** LiteLLM call types and the OpenAI-compatible route each one serves. */
const ROUTE_BY_CALL_TYPE: Readonly<Record<string, string>> = {
  completion: "/v1/chat/completions",
  acompletion: "/v1/chat/completions",
  text_completion: "/v1/completions",
  atext_completion: "/v1/completions",
  embedding: "/v1/embeddings",
  aembedding: "/v1/embeddings",
  responses: "/v1/responses",
  aresponses: "/v1/responses",
  anthropic_messages: "/v1/messages",
  aanthropic_messages: "/v1/messages",
  moderation: "/v1/moderations",
  amoderation: "/v1/moderations",
  image_generation: "/v1/images/generations",
  aimage_generation: "/v1/images/generations",
  rerank: "/v1/rerank",
  arerank: "/v1/rerank",
};

/**
 * The route the proxy served when it logged one (metadata.user_api_key_request_route), else
 * the route the call type implies, else `call_type:<name>` so an unknown type stays visible.
 */
export function endpointOf(p: StandardLoggingPayload): string {
  const route = p.metadata.user_api_key_request_route;
  if (route) return route;
  return ROUTE_BY_CALL_TYPE[p.call_type] ?? `call_type:${p.call_type || "unknown"}`;
}
