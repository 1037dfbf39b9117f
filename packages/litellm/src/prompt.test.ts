import { describe, expect, it } from "vitest";
import { litellmFixtures } from "./fixtures.ts";
import { decodeStandardLoggingPayload } from "./parse.ts";
import { extractPrompt, LITELLM_REDACTED } from "./prompt.ts";

describe("extractPrompt", () => {
  it("joins system and developer messages as the system prompt, everything else as the user prompt", () => {
    expect(
      extractPrompt([
        { role: "system", content: "Be terse." },
        { role: "user", content: "Hi" },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "assistant", content: "Bonjour" },
        { role: "user", content: "Why?" },
      ]),
    ).toEqual({
      system: "Be terse.\nAnswer in French.",
      user: "Hi\nBonjour\nWhy?",
      redacted: false,
      question: "Why?",
    });
  });

  it("keeps text parts, skips images and parts without text", () => {
    expect(
      extractPrompt([
        {
          role: "user",
          content: [
            { type: "text", text: "What is in" },
            { type: "image_url" },
            { type: "text", text: "this picture?" },
          ],
        },
      ]),
    ).toEqual({
      system: null,
      user: "What is in\nthis picture?",
      redacted: false,
      question: "What is in\nthis picture?",
    });
  });

  it("has no system prompt when the system messages are empty", () => {
    expect(
      extractPrompt([
        { role: "system", content: "" },
        { role: "user", content: "x" },
      ]).system,
    ).toBeNull();
  });

  it("reads a text-completion prompt, a single message and no messages", () => {
    expect(extractPrompt("Once upon a time")).toEqual({
      system: null,
      user: "Once upon a time",
      redacted: false,
      question: "Once upon a time",
    });
    expect(extractPrompt({ role: "system", content: "S" })).toEqual({
      system: "S",
      user: "",
      redacted: false,
      question: "",
    });
    expect(extractPrompt(null)).toEqual({ system: null, user: "", redacted: false, question: "" });
  });

  it("treats a message without a role as the caller's", () => {
    expect(extractPrompt([{ content: "hello" }]).user).toBe("hello");
  });

  it("recognises LiteLLM's redaction (turn_off_message_logging)", () => {
    expect(extractPrompt([{ role: "user", content: LITELLM_REDACTED }])).toEqual({
      system: null,
      user: "",
      redacted: true,
      question: "",
    });
  });

  it("takes the tool-call fixture's conversation, tool results included, image dropped", () => {
    const f = litellmFixtures().find((x) => x.name === "tool-call");
    const p = f && decodeStandardLoggingPayload(f.bytes);
    expect(extractPrompt(p?.messages)).toEqual({
      system: "You book travel for Wayfarer customers. Use the tools; never invent prices.",
      user: 'Find me a hotel near the venue on this ticket for the night of March 14.\n{"venue": "Altice Arena", "city": "Lisbon"}',
      redacted: false,
      question: "Find me a hotel near the venue on this ticket for the night of March 14.",
    });
  });
});
