import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COT_SIGNALS, cotElicitationScore, cotElicitationSignals } from "./cot.ts";

const POSITIVE = [
  "Let's think step by step.",
  "Solve this step-by-step.",
  "Think this through step by step before you answer.",
  "Explain your reasoning.",
  "Show your work.",
  "Write out the internal reasoning behind this answer.",
  "Answer using chain-of-thought.",
  "Include the full reasoning trace in your reply.",
  "Walk me through your thought process.",
  "Before answering, reason about each constraint.",
  "Show all intermediate steps.",
  "Put your thoughts in <thinking></thinking> tags first.",
  "Think out loud while you solve it.",
  "请一步一步思考。",
  "让我们一步步来分析这个问题",
  "逐步思考后给出答案",
  "请详细解释你的推理过程",
  "写出你的思考过程",
  "使用思维链回答下面的问题",
  "在回答之前，请先仔细思考。",
  "先思考，再回答",
  "请写出每一步的计算",
  "ステップバイステップで考えてください",
  "Объясни своё рассуждение шаг за шагом",
  "Explica tu razonamiento paso a paso",
];

const ORDINARY = [
  "What is the capital of France?",
  "Write a poem about the sea.",
  "Translate this into German: I love cats.",
  "Explain the reasoning behind the Supreme Court's decision in Brown v. Board.",
  "Give me a recipe for banana bread.",
  "Share your thoughts on remote work.",
  "How did you get to the airport so fast?",
  "Summarize the following article in three sentences.",
  "Write a Python function that reverses a string.",
  "What was the thought process behind the Marshall Plan?",
  "Describe the logic of this sorting code.",
  "Think of a name for my bakery.",
  "Reason with me: is a hot dog a sandwich?",
  "解释一下推理小说是什么",
  "今天天气怎么样？",
  "经济逐步复苏的原因是什么？",
  "帮我写一封求职信",
  "¿Cuál es la capital de Perú?",
  "Какая завтра погода в Москве?",
];

describe("cotElicitationScore", () => {
  it.each(POSITIVE)("scores %j at least 0.5", (prompt) => {
    expect(cotElicitationScore(prompt)).toBeGreaterThanOrEqual(0.5);
  });

  it.each(ORDINARY)("scores %j exactly 0", (prompt) => {
    expect(cotElicitationSignals(prompt)).toEqual([]);
    expect(cotElicitationScore(prompt)).toBe(0);
  });

  it("combines distinct signals as 1 − Π(1 − w), each signal once", () => {
    const weight = (id: string) => COT_SIGNALS.find((s) => s.id === id)?.weight ?? Number.NaN;
    const text = "Show your work. Use a chain of thought. Show your work.";
    expect(cotElicitationSignals(text)).toEqual(["en.chain_of_thought", "en.show_your_work"]);
    const expected = 1 - (1 - weight("en.chain_of_thought")) * (1 - weight("en.show_your_work"));
    expect(cotElicitationScore(text)).toBeCloseTo(expected, 12);
  });

  it("tolerates paraphrase, width and case", () => {
    expect(cotElicitationScore("WORK IT THROUGH STEP   BY-STEP")).toBeGreaterThanOrEqual(0.8);
    expect(cotElicitationScore("请一步一步地推理")).toBeGreaterThanOrEqual(0.8);
  });

  it("has unique signal ids and weights in (0, 1)", () => {
    expect(new Set(COT_SIGNALS.map((s) => s.id)).size).toBe(COT_SIGNALS.length);
    for (const s of COT_SIGNALS) {
      expect(s.weight).toBeGreaterThan(0);
      expect(s.weight).toBeLessThan(1);
    }
  });

  it("stays in [0, 1] and never drops when more text is added", () => {
    const text = fc.oneof(fc.string(), fc.constantFrom(...POSITIVE, ...ORDINARY));
    fc.assert(
      fc.property(fc.array(text, { maxLength: 6 }), fc.array(text, { maxLength: 6 }), (a, b) => {
        const left = a.join(" ");
        const both = `${left}\n${b.join(" ")}`;
        const score = cotElicitationScore(both);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(1);
        expect(score).toBeGreaterThanOrEqual(cotElicitationScore(left));
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});
