import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isNoPrompt, NO_PROMPT } from "./absent.ts";
import { cotElicitationScore } from "./cot.ts";
import { fingerprintPrompt } from "./fingerprint.ts";
import { questionFrame } from "./frame.ts";
import { collapseWhitespace, foldText } from "./normalize.ts";
import { simhash64 } from "./simhash.ts";
import { templateHash } from "./template.ts";
import { classifyTopic } from "./topic.ts";

describe("fingerprintPrompt", () => {
  it("takes the frame of the question asked now, not of the whole conversation", () => {
    const question = "Show every step.\n\nWhat is 17 * 23?";
    const f = fingerprintPrompt({ user: `Earlier question\n\nEarlier answer\n${question}`, question });
    expect(f.frame).toEqual(questionFrame(question));
    expect(f.frame.head).not.toBeNull();
  });

  it("equals the single-purpose functions", () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.constantFrom(
        "Question: 2+2?\nThink step by step.",
        "请一步一步思考：1+1=？",
        "Write a poem",
        "Solve it.\n\nA train leaves at 3 pm.",
      ),
    );
    fc.assert(
      fc.property(text, fc.option(text, { nil: undefined }), (user, system) => {
        const f = fingerprintPrompt({ system, user });
        if (collapseWhitespace(foldText(user)) === "") {
          expect(f.simhash).toEqual(NO_PROMPT);
          expect(f.templateHash).toEqual(NO_PROMPT);
        } else {
          // Text without a word ("!") has no simhash bits set: it still is text, not NO_PROMPT.
          const sim = simhash64(user);
          expect(f.simhash).toEqual(isNoPrompt(sim) ? Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1) : sim);
          expect(f.templateHash).toEqual(templateHash(user));
          expect(isNoPrompt(f.templateHash)).toBe(false);
        }
        expect(f.topic).toBe(classifyTopic(user));
        expect(f.frame).toEqual(questionFrame(user));
        expect(f.cotElicitation).toBeGreaterThanOrEqual(cotElicitationScore(user));
        if (system === undefined || system.trim() === "") {
          expect(f.cotElicitation).toBe(cotElicitationScore(user));
        } else {
          expect(f.cotElicitation).toBeGreaterThanOrEqual(cotElicitationScore(system));
        }
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it("gives NO_PROMPT, not the hash of nothing, when the prompt has no text", () => {
    for (const user of ["", "  \n\t ", "\u200b"]) {
      const f = fingerprintPrompt({ system: "You are helpful.", user });
      if (collapseWhitespace(foldText(user)) !== "") continue;
      expect(isNoPrompt(f.simhash)).toBe(true);
      expect(isNoPrompt(f.templateHash)).toBe(true);
      expect(f.topic).toBeNull();
      // The system prompt still has a fingerprint of its own.
      expect(f.systemPromptHash).not.toBeNull();
      // Fresh bytes: a caller writing into one cannot change another's.
      f.simhash[0] = 1;
      expect(isNoPrompt(fingerprintPrompt({ user }).simhash)).toBe(true);
    }
    expect(isNoPrompt(NO_PROMPT)).toBe(true);
    expect(isNoPrompt(fingerprintPrompt({ user: "a" }).simhash)).toBe(false);
    expect(isNoPrompt(fingerprintPrompt({ user: "a" }).templateHash)).toBe(false);
    expect(isNoPrompt(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1))).toBe(false);
  });

  it("has a null systemPromptHash without a system prompt", () => {
    expect(fingerprintPrompt({ user: "hi" }).systemPromptHash).toBeNull();
    expect(fingerprintPrompt({ system: null, user: "hi" }).systemPromptHash).toBeNull();
    expect(fingerprintPrompt({ system: " \n\t", user: "hi" }).systemPromptHash).toBeNull();
  });

  it("hashes the system prompt's template, so injected dates and ids do not split it", () => {
    const a = fingerprintPrompt({ system: "Today is 2026-03-01. Session 8f3a91c2.", user: "hi" });
    const b = fingerprintPrompt({ system: "Today is 2026-03-02. Session 1b9e77d0.", user: "hi" });
    expect(a.systemPromptHash).toEqual(templateHash("Today is 2026-03-01. Session 8f3a91c2."));
    expect(a.systemPromptHash).toEqual(b.systemPromptHash);
  });

  it("counts chain-of-thought requests in the system prompt", () => {
    const f = fingerprintPrompt({ system: "Always think step by step.", user: "What is 17 * 23?" });
    expect(f.cotElicitation).toBeGreaterThanOrEqual(0.5);
    expect(f.topic).toBe("math");
  });

  it("returns hashes and numbers only, never prompt text", () => {
    const secret = "zanzibar-quokka-7731";
    const f = fingerprintPrompt({
      system: `Key ${secret}`,
      user: `Tell me about ${secret}\n\nand ${secret}`,
    });
    const serialized = JSON.stringify(f, (_, v) => (v instanceof Uint8Array ? Array.from(v) : v));
    expect(serialized).not.toContain("zanzibar");
    expect(Object.keys(f.frame).sort()).toEqual(["head", "tail"]);
    expect(f.frame.head).toBeInstanceOf(Uint8Array);
    expect(Object.keys(f).sort()).toEqual([
      "cotElicitation",
      "frame",
      "simhash",
      "systemPromptHash",
      "templateHash",
      "topic",
    ]);
  });
});

describe("fingerprintPrompt's elicitation scorer", () => {
  const unseen = {
    system: null,
    user: "Natalia sold 48 clips in April and half as many in May. How many in total?\n\nReconstruct the full deliberation that leads to the result, one inference per line, and only then state the result.",
  };

  it("is the keyword list by default, the model or the higher of the two on request", () => {
    const keywords = fingerprintPrompt(unseen).cotElicitation;
    expect(fingerprintPrompt(unseen, "keywords").cotElicitation).toBe(keywords);
    const model = fingerprintPrompt(unseen, "model").cotElicitation;
    expect(fingerprintPrompt(unseen, "either").cotElicitation).toBe(Math.max(keywords, model));
    // A paraphrase the list does not know: the model reads it, the list does not.
    expect(keywords).toBe(0);
    expect(model).toBeGreaterThan(0.5);
  });

  it("changes no hash, whatever the scorer", () => {
    const a = fingerprintPrompt(unseen, "keywords");
    const b = fingerprintPrompt(unseen, "either");
    expect([b.simhash, b.templateHash, b.systemPromptHash, b.topic]).toEqual([
      a.simhash,
      a.templateHash,
      a.systemPromptHash,
      a.topic,
    ]);
  });
});
