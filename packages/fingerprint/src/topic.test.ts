import { describe, expect, it } from "vitest";
import { classifyTopic, TOPICS } from "./topic.ts";

describe("classifyTopic", () => {
  it.each([
    ["Write a Python function that reverses a linked list.", "coding"],
    ["Why does this throw a NullPointerException?\n```java\nString s = null; s.length();\n```", "coding"],
    ["帮我调试这段代码，它一直报错", "coding"],
    ["Solve for x: 3x + 7 = 22", "math"],
    ["What is the derivative of sin(x) * x^2?", "math"],
    ["求解方程 x^2 - 4 = 0", "math"],
    ["You have access to the following tools. Call the get_weather tool with JSON arguments.", "tool_use"],
    ["请调用工具查询明天的天气", "tool_use"],
    ["Here is a logic puzzle: three boxes are all labelled wrong. Which box do you open?", "reasoning"],
    ["以下哪个选项是正确的？请用逻辑推理判断", "reasoning"],
    ["Write a short story about a lighthouse keeper.", "writing"],
    ["写一首关于秋天的诗", "writing"],
    ["Translate 'good night' into Japanese.", "translation"],
    ["请把这段话翻译成英文", "translation"],
    ["Summarize this article in three bullet points.", "summarization"],
    ["总结一下这篇文章的要点", "summarization"],
    ["What is the capital of Australia?", "general"],
    ["今天天气怎么样？", "general"],
    ["Write a swift reply to my landlord's letter.", "writing"],
    ["Meet me on 2026-05-01 with 3-5 people.", "general"],
  ])("classifies %j as %s", (prompt, topic) => {
    expect(classifyTopic(prompt)).toBe(topic);
  });

  it("returns null when there is nothing to classify", () => {
    expect(classifyTopic("")).toBeNull();
    expect(classifyTopic("  ?! …  ")).toBeNull();
  });

  it("answers only with listed topics", () => {
    expect(TOPICS).toContain(classifyTopic("hello"));
  });
});
