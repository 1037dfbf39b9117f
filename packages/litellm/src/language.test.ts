import { describe, expect, it } from "vitest";
import { guessPromptLanguage } from "./language.ts";

describe("guessPromptLanguage", () => {
  it.each([
    ["English", "Explain the difference between a mutex and a semaphore.", "en"],
    ["other Latin-script text reads as en", "Explique la différence entre un mutex et un sémaphore.", "en"],
    ["Chinese", "请一步一步地思考，并写出完整的推理过程。", "zh"],
    ["Japanese (kanji with kana)", "次の文章を要約してください。重要な点を三つ挙げてください。", "ja"],
    ["Japanese in katakana only", "プログラミング", "ja"],
    ["Korean", "다음 문장을 요약해 주세요.", "ko"],
    ["Russian", "Объясни разницу между мьютексом и семафором.", "ru"],
    [
      "a Chinese question around English code",
      "请解释这段代码的作用：function add(a, b) { return a + b; }",
      "zh",
    ],
    ["English with a Chinese word", "Translate the word 你好 into English and explain its usage.", "en"],
    ["digits and punctuation only", "1 + 1 = ? 42!", null],
    ["empty", "", null],
  ])("%s", (_what, text, lang) => {
    expect(guessPromptLanguage(text)).toBe(lang);
  });

  it("decides on the opening of very long prompts", () => {
    expect(guessPromptLanguage(`${"русский текст ".repeat(400)}${"english ".repeat(10_000)}`)).toBe("ru");
  });

  it("returns null on an exact tie", () => {
    expect(guessPromptLanguage("abc где")).toBeNull();
  });
});
