import { AnchoredRules } from "./anchors.ts";
import { normalizeText } from "./normalize.ts";
import { boundedView } from "./view.ts";

export const TOPICS = [
  "coding",
  "math",
  "tool_use",
  "reasoning",
  "writing",
  "translation",
  "summarization",
  "general",
] as const;

export type Topic = (typeof TOPICS)[number];

interface TopicSignal {
  readonly topic: Exclude<Topic, "general">;
  readonly weight: number;
  readonly pattern: RegExp;
}

const rule = (topic: TopicSignal["topic"], weight: number, source: string): TopicSignal => ({
  topic,
  weight,
  pattern: new RegExp(source, "u"),
});

/**
 * Keyword evidence per topic, matched against `normalizeText(prompt)`; each rule counts once.
 * A topic needs `MIN_EVIDENCE` to win, so one stray word ("function", "solve") is not
 * enough on its own, but one unambiguous phrase ("translate", a code fence) is.
 */
export const TOPIC_RULES: readonly TopicSignal[] = [
  rule("coding", 1, "```"),
  rule(
    "coding",
    1,
    String.raw`\b(?:python|javascript|typescript|c\+\+|golang|kotlin|php|scala|bash|sql|html|css|react|node\.js|numpy|pandas|regex|json|yaml)\b`,
  ),
  rule(
    "coding",
    1,
    String.raw`\b(?:debug|refactor|compile|compiler|stack trace|traceback|segfault|unit tests?|pull request|git|api endpoint|null pointer|runtime error|syntax error)\b`,
  ),
  rule(
    "coding",
    1,
    String.raw`\b(?:write|implement|create|fix|optimi[sz]e)\b[^.?!]{0,25}?\b(?:functions?|class(?:es)?|programs?|code|scripts?|query|regex|methods?|endpoints?|unit tests?)\b`,
  ),
  // Words that are code often but not always ("a swift reply", "rust on the car").
  rule(
    "coding",
    0.5,
    String.raw`\b(?:code|function|class|method|variable|script|program|algorithm|bug|implement|library|module|java|rust|swift|ruby|c#)\b`,
  ),
  rule(
    "coding",
    0.5,
    String.raw`(?:\bdef \w+\(|\bfunction \w*\(|=>|\bconst \w+ =|#include|\bimport \w+|;\s*\}|\b\w+\(\))`,
  ),
  rule(
    "coding",
    1,
    String.raw`代码|程式碼|编程|函数实现|调试|报错|コード|プログラム|код(?:а|е|ом|у)?(?!\p{L})|программ|código`,
  ),
  rule(
    "math",
    1,
    String.raw`\b(?:equation|integral|derivative|theorem|polynomial|probability|matrix|eigen\w*|logarithm|prime numbers?|arithmetic|algebra|geometry|calculus|triangle|hypotenuse|factorial|modulo|fraction)\b`,
  ),
  rule(
    "math",
    0.5,
    String.raw`\b(?:solve|calculate|compute|prove|sum|product|how many|how much|percent|average|ratio)\b`,
  ),
  // "-" and "/" only with spaces around them: 2024-05-01 and 3/4 cups are not arithmetic.
  rule(
    "math",
    1,
    String.raw`\d\s*[+*×÷^=<>]\s*\d|\d\s+[-/]\s+\d|\\frac|\\sqrt|\\int|\$[^$]+\$|\bx\s*\^\s*\d|\b\d+x\b`,
  ),
  rule("math", 1, "方程|积分|导数|微分|概率|矩阵|定理|几何|三角形|数学|求解|確率|уравнени|интеграл|ecuación"),
  rule("math", 0.5, "计算|計算|多少|证明|вычисли|calcula"),
  rule(
    "tool_use",
    1,
    String.raw`\b(?:function[\s_-]?call(?:ing|s)?|tool[\s_-]?calls?|tool[\s_-]?use|available tools|call the \w+ tool|use the \w+ tool|json schema|tool_choice|parameters schema)\b|<tool_call>|"name"\s*:|"arguments"\s*:`,
  ),
  rule("tool_use", 0.5, String.raw`\b(?:tools?|api|invoke|plugin|search the web|browse)\b`),
  rule(
    "tool_use",
    1,
    "工具调用|调用工具|函数调用|可用工具|ツール呼び出し|вызов инструмент|llamada a (?:la )?herramienta",
  ),
  rule(
    "reasoning",
    1,
    String.raw`\b(?:puzzle|riddle|brain ?teaser|syllogism|logic(?:al)? (?:puzzle|problem|question)|deduce|deduction|which of the following|true or false|knights and knaves|lateral thinking)\b`,
  ),
  rule(
    "reasoning",
    0.5,
    String.raw`\b(?:logic|logical|infer|inference|conclude|premises?|if all|therefore)\b`,
  ),
  rule(
    "reasoning",
    1,
    "逻辑|谜题|推理题|脑筋急转弯|以下哪|下列哪|判断(?:对错|真假|正误)|論理|パズル|загадк|логическ|acertijo|lógica",
  ),
  rule(
    "writing",
    1,
    String.raw`\b(?:write|compose|draft|create|pen)\b[^.?!]{0,25}?\b(?:story|poem|essay|email|letter|reply|message|blog|article|cover letter|speech|song|lyrics|haiku|limerick|novel|screenplay|tweet|post|slogan|caption|review|bio|toast|eulogy)\b`,
  ),
  rule(
    "writing",
    1,
    String.raw`\b(?:rewrite|paraphrase|proofread|copyedit|rephrase|reword|make (?:this|it) (?:sound|more)|improve (?:the|my) (?:writing|wording|essay|text))\b`,
  ),
  rule("writing", 0.5, String.raw`\b(?:story|poem|essay|tone|narrative|character|plot|stanza|rhyme)\b`),
  rule(
    "writing",
    1,
    "写一篇|写一首|写一个故事|作文|诗歌|润色|改写|仿写|文案|小说|物語|作文して|сочинени|напиши (?:стих|рассказ|письмо)|escribe un (?:poema|cuento|ensayo)",
  ),
  rule(
    "translation",
    1.5,
    String.raw`\btranslat(?:e|ed|ion|ing)\b|\b(?:into|to|in) (?:english|french|german|spanish|chinese|japanese|korean|russian|italian|portuguese|arabic|hindi|vietnamese|thai|turkish|dutch|polish|indonesian)\b`,
  ),
  rule("translation", 1.5, "翻译|翻譯|译成|譯成|翻訳|перевед|перевод|traduc"),
  rule(
    "summarization",
    1.5,
    String.raw`\b(?:summari[sz]e|summary|summarization|tl;?dr|key (?:points|takeaways)|condense|in (?:one|a few|\d+) sentences?)\b`,
  ),
  rule(
    "summarization",
    1.5,
    String.raw`总结|概括|摘要|归纳|總結|要約|まとめ|кратко изложи|резюмир|resum(?:e|ir|en)\b`,
  ),
];

const MIN_EVIDENCE = 1;

const scan = new AnchoredRules(TOPIC_RULES.map((r) => r.pattern.source));
const matched = new Uint8Array(TOPIC_RULES.length);

/** Topic of text already passed through `normalizeText`. */
export function classifyNormalized(normalized: string): Topic | null {
  if (!/[\p{L}\p{N}]/u.test(normalized)) return null;
  const scores = new Map<Topic, number>();
  scan.match(normalized, matched);
  for (let i = 0; i < TOPIC_RULES.length; i++) {
    const r = TOPIC_RULES[i] as TopicSignal;
    if (matched[i] === 1) scores.set(r.topic, (scores.get(r.topic) ?? 0) + r.weight);
  }
  let best: Topic = "general";
  let bestScore = 0;
  // Ties go to the topic listed first in TOPICS, so the answer never depends on rule order.
  for (const topic of TOPICS) {
    const score = scores.get(topic) ?? 0;
    if (score >= MIN_EVIDENCE && score > bestScore) {
      best = topic;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Coarse topic by keyword evidence (English, Chinese, some Japanese, Russian, Spanish).
 * `null` when the text has no letters or digits at all; `"general"` when no topic has
 * enough evidence.
 */
export function classifyTopic(text: string): Topic | null {
  return classifyNormalized(normalizeText(boundedView(text)));
}
