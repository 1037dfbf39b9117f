import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sharedDataPath } from "../../../test/harness/shared-data.ts";
import { AnchoredRules, anchorsOf } from "./anchors.ts";
import { COT_SIGNALS } from "./cot.ts";
import { normalizeText } from "./normalize.ts";
import { TOPIC_RULES } from "./topic.ts";

const show = (source: string) => anchorsOf(source)?.map((a) => (a.wordStart ? `^${a.text}` : a.text)) ?? null;

describe("anchorsOf", () => {
  it.each([
    [String.raw`\bstep[\s-]*by[\s-]*step\b`, ["^step"]],
    [String.raw`\b(?:python|c\+\+|node\.js)\b`, ["^python", "^c++", "^node.js"]],
    [String.raw`\blet'?s (?:think|reason)\b`, ["^let"]],
    [String.raw`\beigen\w*`, ["^eigen"]],
    [String.raw`<\/?\s*(?:thinking|think)\s*>`, ["<"]],
    [String.raw`\b(?:(?:your|its)\s+|(?:the|all)\s+)x`, ["^your", "^its", "^the", "^all"]],
    [String.raw`代码|код(?:а|е)?(?!\p{L})`, ["代码", "код"]],
    [String.raw`\btranslat(?:e|ed)\b|\b(?:into|to) english\b`, ["^translat", "^into", "^to"]],
    // \b before a non-word unit means "after a word", not a word start.
    [String.raw`\b"name"`, ['"name"']],
    ["ab+c", ["ab"]],
    ["ab{0,3}c", ["a"]],
    [String.raw`a\.?b`, ["a"]],
    ["(?:ab)+c", ["ab"]],
    ["x𠀀y", ["x𠀀y"]],
    ["x𠀀?y", ["x"]],
  ])("%s → %j", (source, expected) => {
    expect(show(source)).toEqual(expected);
  });

  it.each([
    String.raw`\d\s*[+*]\s*\d`,
    String.raw`x|\d`,
    "(?:ab)?c",
    "(?:ab)*c",
    "(?:ab){0,2}c",
    "(?!a)b",
    "(?<=a)b",
    "(?:a|)b",
    "a?b",
    ".a",
    "[ab]c",
    String.raw`\b\w+\(\)`,
    "^a",
    "𠀀?x",
    "\udc00a",
  ])("%s has no anchors (always run)", (source) => {
    expect(anchorsOf(source)).toBeNull();
  });
});

const RULE_SOURCES = [
  ...COT_SIGNALS.map((s) => s.pattern.source),
  ...TOPIC_RULES.map((r) => r.pattern.source),
];

/** What AnchoredRules must equal: each expression run over the whole text. */
function expectSameAsExpressions(rules: AnchoredRules, sources: readonly string[], texts: Iterable<string>) {
  const whole = sources.map((s) => new RegExp(s, "u"));
  const out = new Uint8Array(sources.length);
  let checked = 0;
  let matches = 0;
  for (const text of texts) {
    rules.match(text, out);
    whole.forEach((re, i) => {
      const expected = re.test(text) ? 1 : 0;
      matches += expected;
      if (out[i] !== expected) {
        throw new Error(
          `rule ${i} (${sources[i]}) gives ${out[i]}, expression ${expected} on ${JSON.stringify(text)}`,
        );
      }
    });
    checked++;
  }
  return { checked, matches };
}

// Every anchor of every rule, the phrases the rules look for, and what sits around them:
// word and non-word units, \b's ASCII edge (é, ß), a surrogate pair and a lone one.
const PIECES = [
  ...new Set(RULE_SOURCES.flatMap((s) => anchorsOf(s)?.map((a) => a.text) ?? [])),
  "step by step",
  "step-by-step",
  "stepby step",
  "think",
  "thinking",
  "reasoning",
  "your reasoning",
  "the full reasoning",
  " process",
  " tags",
  "by",
  " ",
  " ",
  "\n",
  ".",
  "?",
  "_",
  "a",
  "x",
  "1",
  "2",
  " + ",
  "é",
  "ß",
  "-",
  "'",
  "()",
  "(",
  "=>",
  "}",
  ";",
  "$",
  "<",
  ">",
  "/",
  "中文",
  "地",
  "思考",
  "推理过程",
  "рассуждени",
  "𠀀",
  "\ud800",
  "\udc00",
];

describe("AnchoredRules", () => {
  const rules = new AnchoredRules(RULE_SOURCES);

  it("matches exactly as the cot and topic expressions on generated text (fast-check, 20,000 runs)", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 30 }), (pieces) => {
        expectSameAsExpressions(rules, RULE_SOURCES, [pieces.join("")]);
      }),
      { seed: 16, numRuns: 20_000 },
    );
  });

  it("matches exactly as them on real prompts in 11 languages, code and answers", () => {
    const texts = realTexts();
    const { checked, matches } = expectSameAsExpressions(rules, RULE_SOURCES, texts);
    expect(checked).toBeGreaterThan(5_000);
    // The comparison means something only if the rules fire on real text.
    expect(matches).toBeGreaterThan(5_000);
  });

  it("matches exactly as them on long texts, where a rule's anchor first occurs late", () => {
    const texts = realTexts();
    const long: string[] = [];
    for (let i = 0; i + 40 < texts.length && long.length < 200; i += 37) {
      long.push(texts.slice(i, i + 40).join("\n"));
    }
    expectSameAsExpressions(rules, RULE_SOURCES, long);
  });

  it("runs rules without anchors, and finds an anchor at the very end of the text", () => {
    const sources = [String.raw`\d\s*\+\s*\d`, String.raw`\bfoo\b`, "尾"];
    const r = new AnchoredRules(sources);
    const out = new Uint8Array(3);
    r.match("1 + 2 and foo", out);
    expect([...out]).toEqual([1, 1, 0]);
    r.match("xfoo 尾", out);
    expect([...out]).toEqual([0, 0, 1]);
    r.match("", out);
    expect([...out]).toEqual([0, 0, 0]);
  });
});

function realTexts(): string[] {
  const root = sharedDataPath("prompts");
  const lines = (path: string) =>
    readFileSync(`${root}/${path}`, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
  const out: string[] = [];
  for (const l of lines("gsm8k/train.jsonl").slice(0, 1_500)) {
    const r = JSON.parse(l);
    out.push(r.question, r.answer);
  }
  for (const l of gunzipSync(readFileSync(`${root}/humaneval/HumanEval.jsonl.gz`))
    .toString("utf8")
    .split("\n")) {
    if (l.trim() === "") continue;
    const r = JSON.parse(l);
    out.push(r.prompt + r.canonical_solution);
  }
  for (const lang of ["bn", "de", "en", "es", "fr", "ja", "ru", "sw", "te", "th", "zh"]) {
    for (const l of lines(`mgsm/mgsm_${lang}.tsv`)) out.push(l.split("\t")[0] ?? "");
  }
  for (const l of lines("dolly_open_qa/dolly_open_qa.jsonl").slice(0, 1_500)) {
    const r = JSON.parse(l);
    out.push(r.instruction, r.response);
  }
  for (const l of lines("cot_triggers/cot_triggers.jsonl")) out.push(JSON.parse(l).phrase);
  for (const l of lines("japanese_mt_bench/question.jsonl")) out.push(...JSON.parse(l).turns);
  for (const l of lines("mt_bench/mt_bench_question.jsonl")) out.push(...JSON.parse(l).turns);
  for (const r of JSON.parse(readFileSync(`${root}/awesome_chatgpt_prompts_zh/prompts-zh.json`, "utf8"))) {
    out.push(r.prompt);
  }
  return out.map((t) => normalizeText(t));
}
