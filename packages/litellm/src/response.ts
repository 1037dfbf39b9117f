import { LITELLM_REDACTED } from "./prompt.ts";
import { isObject } from "./read.ts";
import type { ResponseText } from "./types.ts";

/**
 * The answer in a logged `response` object, or null when there is none to read: failures
 * (`response: {}`), embeddings, and redacted logs (`turn_off_message_logging`), whose text is
 * gone — absent, not an empty answer. Lenient: an answer of an unexpected shape is absent
 * evidence, never a reason to dead-letter the record.
 */
export function readAnswer(r: Record<string, unknown>): ResponseText | null {
  const choice: unknown = Array.isArray(r.choices) ? r.choices[0] : undefined;
  if (isObject(choice)) {
    // Chat completion (and /v1/messages, which LiteLLM logs in the chat shape) or text completion.
    const message = isObject(choice.message) ? choice.message : null;
    const raw = message ? contentText(message.content) : str(choice.text);
    if (raw === LITELLM_REDACTED) return null;
    const calls = message?.tool_calls;
    return {
      text: raw,
      reasoning: message ? reasoningOf(message) : null,
      toolCalls: (Array.isArray(calls) ? calls.length : 0) + (isObject(message?.function_call) ? 1 : 0),
    };
  }
  if (Array.isArray(r.output)) {
    // Responses API: message items carry output_text parts, reasoning items their summaries.
    const texts: string[] = [];
    const reasoning: string[] = [];
    let toolCalls = 0;
    for (const item of r.output as unknown[]) {
      if (!isObject(item)) continue;
      if (item.type === "message") texts.push(contentText(item.content));
      else if (item.type === "reasoning") {
        reasoning.push(contentText(item.summary), contentText(item.content));
      } else if (item.type === "function_call" || item.type === "custom_tool_call") toolCalls++;
    }
    const text = texts.filter((t) => t !== "").join("\n");
    if (text === LITELLM_REDACTED) return null;
    const thought = reasoning.filter((t) => t !== "").join("\n");
    return { text, reasoning: thought === "" ? null : thought, toolCalls };
  }
  return null;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** A string, or the text of typed parts (output_text, text, summary_text, thinking). */
function contentText(c: unknown): string {
  if (typeof c === "string") return c;
  if (!Array.isArray(c)) return "";
  const texts: string[] = [];
  for (const part of c) {
    if (!isObject(part)) continue;
    const t =
      typeof part.text === "string" ? part.text : typeof part.thinking === "string" ? part.thinking : "";
    if (t !== "") texts.push(t);
  }
  return texts.join("\n");
}

function reasoningOf(message: Record<string, unknown>): string | null {
  const parts: string[] = [];
  const content = str(message.reasoning_content);
  if (content !== "" && content !== LITELLM_REDACTED) parts.push(content);
  const blocks = contentText(message.thinking_blocks);
  if (blocks !== "") parts.push(blocks);
  return parts.length > 0 ? parts.join("\n") : null;
}
