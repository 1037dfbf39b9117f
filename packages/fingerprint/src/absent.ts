import type { Hash64 } from "./hash.ts";

/**
 * The fingerprint of a prompt with no text: redacted logs (LiteLLM's turn_off_message_logging),
 * a request whose messages carry only images, a log without messages. All zero bytes, because
 * the wire field is a non-null fixed(8) that older readers must still decode: zero is the
 * "absent" value, and readers test it with isNoPrompt instead of treating it as one more
 * prompt that every redacted caller shares. fingerprintPrompt returns fresh copies (a typed
 * array cannot be frozen), so callers may keep what they get.
 */
export const NO_PROMPT: Hash64 = new Uint8Array(8);

/** True for NO_PROMPT (all eight bytes zero): the request's logs carried no prompt text. */
export function isNoPrompt(h: Uint8Array): boolean {
  return (
    h.length === 0 ||
    ((h[0] as number) |
      (h[1] as number) |
      (h[2] as number) |
      (h[3] as number) |
      (h[4] as number) |
      (h[5] as number) |
      (h[6] as number) |
      (h[7] as number)) ===
      0
  );
}
