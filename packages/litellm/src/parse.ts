import { LiteLLMPayloadError } from "./errors.ts";
import {
  child,
  expectObject,
  invalid,
  isObject,
  type JsonObject,
  optionalArray,
  optionalBoolean,
  optionalCount,
  optionalNumber,
  optionalObject,
  optionalString,
  requiredCount,
  requiredNumber,
  requiredObject,
  requiredString,
  wrongType,
} from "./read.ts";
import { readAnswer } from "./response.ts";
import type {
  LiteLLMContentPart,
  LiteLLMMessage,
  LiteLLMResponse,
  LiteLLMUsage,
  ModelParameters,
  StandardLoggingMetadata,
  StandardLoggingPayload,
  StandardLoggingPayloadErrorInformation,
} from "./types.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

// Year 5138 in epoch seconds: anything larger was written in milliseconds by mistake, and
// reading it as seconds would put the event 1000x too far in the future.
const MAX_EPOCH_SECONDS = 1e11;

/**
 * Bytes of one Kafka record → the validated payload. Each failure is a LiteLLMPayloadError
 * whose kind says which layer broke (empty, invalid-utf8, json-parse, schema, missing-field).
 */
export function decodeStandardLoggingPayload(bytes: Uint8Array | null | undefined): StandardLoggingPayload {
  if (!bytes || bytes.length === 0) throw new LiteLLMPayloadError("empty", "$", "empty record");
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (cause) {
    throw new LiteLLMPayloadError("invalid-utf8", "$", `record is not valid UTF-8 (${bytes.length} bytes)`, {
      cause,
    });
  }
  return parseStandardLoggingPayload(parseJson(text));
}

/** JSON.parse with an error that never quotes the input (V8 quotes a snippet of it). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const at = /position (\d+)/.exec(cause instanceof Error ? cause.message : "");
    const where = at ? ` at position ${at[1]}` : text.trim() === "" ? ": blank" : "";
    throw new LiteLLMPayloadError("json-parse", "$", `record is not valid JSON${where}`, { cause });
  }
}

/**
 * Validates the fields the mapping reads and returns them typed; fields it does not read are
 * dropped. Throws LiteLLMPayloadError naming the first bad field.
 */
export function parseStandardLoggingPayload(json: unknown): StandardLoggingPayload {
  const root = expectObject(json, "$");
  const $ = "$";
  const metadata = parseMetadata(requiredObject(root, "metadata", $), child($, "metadata"));
  const startTime = epochSeconds(root, "startTime");
  const endTime = epochSeconds(root, "endTime");
  const completionStartTime = optionalNumber(root, "completionStartTime", $);
  const model = requiredString(root, "model", $);
  const modelGroup = optionalString(root, "model_group", $);
  if (model === "" && modelGroup === null) {
    throw new LiteLLMPayloadError(
      "missing-field",
      "$.model",
      "missing required field $.model (non-empty string)",
    );
  }
  const status = requiredString(root, "status", $, true);
  if (status !== "success" && status !== "failure") {
    throw invalid("$.status", "must be one of success, failure");
  }
  const responseValue = root.response;
  return {
    id: requiredString(root, "id", $, true),
    trace_id: optionalString(root, "trace_id", $),
    call_type: requiredString(root, "call_type", $),
    stream: optionalBoolean(root, "stream", $),
    status,
    prompt_tokens: requiredCount(root, "prompt_tokens", $),
    completion_tokens: requiredCount(root, "completion_tokens", $),
    total_tokens: optionalCount(root, "total_tokens", $),
    startTime,
    endTime,
    completionStartTime,
    model,
    model_id: optionalString(root, "model_id", $),
    model_group: modelGroup,
    metadata,
    request_tags: (optionalArray(root, "request_tags", $) ?? []).filter(
      (t): t is string => typeof t === "string",
    ),
    end_user: optionalString(root, "end_user", $),
    cache_hit: optionalBoolean(root, "cache_hit", $),
    requester_ip_address: optionalString(root, "requester_ip_address", $),
    user_agent: optionalString(root, "user_agent", $),
    messages: parseMessages(root.messages, "$.messages"),
    response: isObject(responseValue)
      ? parseResponse(responseValue, "$.response")
      : parseOtherResponse(responseValue),
    error_str: optionalString(root, "error_str", $),
    error_information: parseErrorInformation(optionalObject(root, "error_information", $)),
    model_parameters: parseModelParameters(
      optionalObject(root, "model_parameters", $) ?? {},
      "$.model_parameters",
    ),
  };
}

function epochSeconds(root: JsonObject, key: string): number {
  const v = requiredNumber(root, key, "$");
  if (v <= 0 || v >= MAX_EPOCH_SECONDS) {
    throw invalid(
      `$.${key}`,
      "must be epoch seconds (a positive float below 1e11; milliseconds are not accepted)",
    );
  }
  return v;
}

function parseMetadata(o: JsonObject, path: string): StandardLoggingMetadata {
  const hash = requiredString(o, "user_api_key_hash", path, true);
  // LiteLLM writes hash_token(key) here; a value shaped like a key means a misconfigured
  // logger, and carrying it downstream would spread a live credential.
  if (/^sk-/i.test(hash)) {
    throw invalid(child(path, "user_api_key_hash"), "looks like a raw API key (sk-…), not its hash");
  }
  const usage = optionalObject(o, "usage_object", path);
  return {
    user_api_key_hash: hash,
    user_api_key_alias: optionalString(o, "user_api_key_alias", path),
    user_api_key_org_id: optionalString(o, "user_api_key_org_id", path),
    user_api_key_team_id: optionalString(o, "user_api_key_team_id", path),
    user_api_key_team_alias: optionalString(o, "user_api_key_team_alias", path),
    user_api_key_user_id: optionalString(o, "user_api_key_user_id", path),
    user_api_key_end_user_id: optionalString(o, "user_api_key_end_user_id", path),
    user_api_key_spend: optionalNumber(o, "user_api_key_spend", path),
    user_api_key_user_spend: optionalNumber(o, "user_api_key_user_spend", path),
    user_api_key_team_spend: optionalNumber(o, "user_api_key_team_spend", path),
    user_api_key_request_route: optionalString(o, "user_api_key_request_route", path),
    requester_ip_address: optionalString(o, "requester_ip_address", path),
    user_agent: optionalString(o, "user_agent", path),
    requester_metadata: optionalObject(o, "requester_metadata", path),
    usage_object: usage ? parseUsage(usage, child(path, "usage_object")) : null,
  };
}

function parseUsage(o: JsonObject, path: string): LiteLLMUsage {
  const usage: LiteLLMUsage = {};
  for (const key of [
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "cache_read_input_tokens",
  ] as const) {
    const v = optionalCount(o, key, path);
    if (v !== null) usage[key] = v;
  }
  const prompt = optionalObject(o, "prompt_tokens_details", path);
  if (prompt) {
    usage.prompt_tokens_details = {
      cached_tokens: optionalCount(prompt, "cached_tokens", child(path, "prompt_tokens_details")),
    };
  }
  const completion = optionalObject(o, "completion_tokens_details", path);
  if (completion) {
    usage.completion_tokens_details = {
      reasoning_tokens: optionalCount(
        completion,
        "reasoning_tokens",
        child(path, "completion_tokens_details"),
      ),
    };
  }
  return usage;
}

function parseModelParameters(o: JsonObject, path: string): ModelParameters {
  const params: ModelParameters = {
    temperature: optionalNumber(o, "temperature", path),
    max_tokens: optionalCount(o, "max_tokens", path),
    max_completion_tokens: optionalCount(o, "max_completion_tokens", path),
    n: optionalCount(o, "n", path),
    logprobs: optionalBoolean(o, "logprobs", path),
    top_logprobs: optionalCount(o, "top_logprobs", path),
    tools: optionalArray(o, "tools", path),
    functions: optionalArray(o, "functions", path),
    stream: optionalBoolean(o, "stream", path),
    max_output_tokens: optionalCount(o, "max_output_tokens", path),
    instructions: instructionsOf(o, path),
  };
  return params;
}

/**
 * Responses API `instructions`: a string, or (when a stored prompt is reused) a list of input
 * items whose text parts are the system prompt. Anything else carries no text: null.
 */
function instructionsOf(o: JsonObject, path: string): string | null {
  const v = o.instructions;
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return v;
  if (!Array.isArray(v))
    throw wrongType(child(path, "instructions"), "a string, a list of input items or null", v);
  const texts: string[] = [];
  for (const item of v) {
    if (item === null || typeof item !== "object") continue;
    const content = (item as { content?: unknown }).content;
    if (typeof content === "string") texts.push(content);
    else if (Array.isArray(content))
      for (const part of content)
        if (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string")
          texts.push((part as { text: string }).text);
  }
  return texts.length > 0 ? texts.join("\n") : null;
}

function parseErrorInformation(o: JsonObject | null): StandardLoggingPayloadErrorInformation | null {
  if (!o) return null;
  const path = "$.error_information";
  const code = o.error_code;
  // Older releases wrote the status as an int; current ones write str(status).
  let errorCode: string | null;
  if (code === undefined || code === null || code === "") errorCode = null;
  else if (typeof code === "string") errorCode = code;
  else if (typeof code === "number" && Number.isInteger(code)) errorCode = String(code);
  else throw wrongType(child(path, "error_code"), "a string, an integer or null", code);
  return {
    error_code: errorCode,
    error_class: optionalString(o, "error_class", path),
    llm_provider: optionalString(o, "llm_provider", path),
  };
}

function parseResponse(o: JsonObject, path: string): LiteLLMResponse {
  const response: LiteLLMResponse = { answer: readAnswer(o) };
  const choices = optionalArray(o, "choices", path);
  if (choices) {
    response.choices = choices.map((c, i) => {
      const p = child(child(path, "choices"), i);
      const choice = expectObject(c, p);
      return { finish_reason: optionalString(choice, "finish_reason", p) };
    });
  }
  const usage = optionalObject(o, "usage", path);
  if (usage) response.usage = parseUsage(usage, child(path, "usage"));
  if (o.object === "response") {
    response.status = optionalString(o, "status", path);
    const incomplete = optionalObject(o, "incomplete_details", path);
    if (incomplete)
      response.incomplete_details = {
        reason: optionalString(incomplete, "reason", child(path, "incomplete_details")),
      };
    const output = optionalArray(o, "output", path);
    if (output) {
      response.output = output.map((item, i) => {
        const p = child(child(path, "output"), i);
        return { type: optionalString(expectObject(item, p), "type", p) };
      });
    }
  }
  return response;
}

/** Non-object responses (strings, lists, absent) carry nothing the mapping reads. */
function parseOtherResponse(v: unknown): null {
  if (v === undefined || v === null || typeof v === "string" || Array.isArray(v)) return null;
  throw wrongType("$.response", "an object, a string, an array or null", v);
}

/**
 * LiteLLM logs chat messages as given, text completions as a string, and a single message
 * object for some call types. Content shapes are checked, their text is not read here.
 */
function parseMessages(v: unknown, path: string): StandardLoggingPayload["messages"] {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map((m, i) => parseMessage(m, child(path, i)));
  if (isObject(v)) return parseMessage(v, path);
  throw wrongType(path, "a string, an array of messages, an object or null", v);
}

function parseMessage(v: unknown, path: string): LiteLLMMessage {
  // Text-completion prompt lists arrive as bare strings.
  if (typeof v === "string") return { role: "user", content: v };
  const o = expectObject(v, path);
  const role = optionalString(o, "role", path);
  const content = o.content;
  const p = child(path, "content");
  let parsed: LiteLLMMessage["content"];
  if (content === undefined || content === null) parsed = null;
  else if (typeof content === "string") parsed = content;
  else if (Array.isArray(content)) parsed = content.map((part, i) => parsePart(part, child(p, i)));
  else throw wrongType(p, "a string, an array of content parts or null", content);
  return role === null ? { content: parsed } : { role, content: parsed };
}

function parsePart(v: unknown, path: string): LiteLLMContentPart {
  if (typeof v === "string") return { type: "text", text: v };
  const o = expectObject(v, path);
  const type = optionalString(o, "type", path);
  const text = o.text;
  if (text !== undefined && text !== null && typeof text !== "string") {
    throw wrongType(child(path, "text"), "a string or null", text);
  }
  const part: LiteLLMContentPart = {};
  if (type !== null) part.type = type;
  if (typeof text === "string") part.text = text;
  return part;
}
