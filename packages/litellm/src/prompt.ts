import type { LiteLLMMessage, StandardLoggingPayload } from "./types.ts";

/** What LiteLLM puts in place of the messages when message logging is turned off. */
export const LITELLM_REDACTED = "redacted-by-litellm";

export interface PromptText {
  /** `system` and `developer` messages, joined; null when there are none (or all are empty). */
  system: string | null;
  /** Every other message's text, in order: the conversation the caller sent. */
  user: string;
  /** LiteLLM redacted the messages: the text is gone and fingerprints carry no information. */
  redacted: boolean;
  /** The last user message's text: the question the answer answers ("" when there is none). */
  question: string;
}

const SYSTEM_ROLES = new Set(["system", "developer"]);

/**
 * The prompt as the two texts fingerprinting takes. Only text is kept: image, audio and file
 * parts have no `text` and are skipped, so the same words with another picture fingerprint
 * alike.
 */
export function extractPrompt(
  messages: StandardLoggingPayload["messages"],
  instructions: string | null = null,
): PromptText {
  // Responses API instructions are the system prompt, given beside the input.
  const given = instructions !== null && instructions !== "" ? instructions : null;
  if (messages === null || messages === undefined) {
    return { system: given, user: "", redacted: false, question: "" };
  }
  if (typeof messages === "string") {
    return messages === LITELLM_REDACTED
      ? { system: null, user: "", redacted: true, question: "" }
      : { system: given, user: messages, redacted: false, question: messages };
  }
  const list = Array.isArray(messages) ? messages : [messages];
  if (list.length === 1 && list[0]?.content === LITELLM_REDACTED) {
    return { system: null, user: "", redacted: true, question: "" };
  }
  const system: string[] = given !== null ? [given] : [];
  const user: string[] = [];
  let question = "";
  for (const m of list) {
    const text = messageText(m);
    if (text === "") continue;
    const role = m.role ?? "user";
    (SYSTEM_ROLES.has(role) ? system : user).push(text);
    if (role === "user") question = text;
  }
  return {
    system: system.length > 0 ? system.join("\n") : null,
    user: user.join("\n"),
    redacted: false,
    question,
  };
}

function messageText(m: LiteLLMMessage): string {
  const c = m.content;
  if (typeof c === "string") return c;
  if (!Array.isArray(c)) return "";
  const texts: string[] = [];
  for (const part of c) if (typeof part.text === "string" && part.text !== "") texts.push(part.text);
  return texts.join("\n");
}
