import { AnchoredRules } from "./anchors.ts";
import { normalizeText } from "./normalize.ts";
import { boundedView } from "./view.ts";

/** One signal that a prompt asks for chain-of-thought; `id` is safe to log, the text is not. */
export interface CotSignal {
  readonly id: string;
  readonly weight: number;
  readonly pattern: RegExp;
}

// Gaps inside patterns stop at sentence ends so that two unrelated sentences do not combine.
// Every repetition that can follow another over the same characters is bounded ({0,30},
// word endings {0,4}): an unbounded one is quadratic on a repeated stem (issue 12), which
// regex-safety.timing.test.ts would catch.
const GAP = String.raw`[^.?!。？！\n]`;

// "the reasoning behind the ruling" is about the topic; "the full reasoning" is a trace.
const REASONING_ADJECTIVE =
  "(?:full|complete|detailed|internal|underlying|hidden|entire|whole|raw|intermediate|step-by-step|private|own)";
const REASONING_NOUN =
  "(?:reasoning|thought process|thinking process|thinking|rationale|derivation|chain of reasoning)";

const signal = (id: string, weight: number, source: string): CotSignal => ({
  id,
  weight,
  pattern: new RegExp(source, "u"),
});

/**
 * Matched against `normalizeText(prompt)` (NFKC, lower case, whitespace collapsed). Weights
 * are the probability-like strength of one signal alone; several combine as 1 − Π(1 − w).
 * Every pattern here must stay silent on ordinary prompts: cot.test.ts checks a corpus of
 * them scores exactly 0.
 */
export const COT_SIGNALS: readonly CotSignal[] = [
  // English
  signal(
    "en.think_step_by_step",
    0.85,
    String.raw`\b(?:think|reason|work|go|solve|break|figure)\b${GAP}{0,30}?\bstep[\s-]*by[\s-]*step\b`,
  ),
  signal("en.step_by_step", 0.5, String.raw`\bstep[\s-]*by[\s-]*step\b`),
  signal("en.lets_think", 0.5, String.raw`\blet'?s (?:think|reason)\b`),
  signal("en.chain_of_thought", 0.85, String.raw`\bchain[\s-]*of[\s-]*thoughts?\b`),
  signal(
    "en.reasoning_trace",
    0.75,
    String.raw`\breasoning[\s-]*(?:trace|traces|process|steps|chain|path|tokens)\b`,
  ),
  signal(
    "en.explain_your_reasoning",
    0.75,
    String.raw`\b(?:explain|show|describe|detail|outline|write|give|provide|include|output|present|reveal|lay out|spell out|articulate|document|print|dump)\b${GAP}{0,40}?\b(?:(?:your|its)\s+(?:${REASONING_ADJECTIVE}\s+)*|(?:the|all|all of the|all the)\s+(?:${REASONING_ADJECTIVE}\s+)+)${REASONING_NOUN}\b`,
  ),
  signal(
    "en.internal_reasoning",
    0.75,
    String.raw`\b(?:internal|hidden|private|raw|verbatim|underlying|inner)\s+(?:reasoning|thoughts|thinking|monologue|chain of thought|thought process|deliberation)\b`,
  ),
  signal(
    "en.reasoning_behind",
    0.6,
    String.raw`\breasoning behind (?:this|that|the|your) (?:answer|solution|response|conclusion|result|choice)\b`,
  ),
  signal(
    "en.show_your_work",
    0.7,
    String.raw`\bshow (?:all )?(?:of )?(?:your|the|all|every|each) (?:work|working|workings|steps|calculations|derivations)\b`,
  ),
  signal(
    "en.walk_through_thinking",
    0.75,
    String.raw`\bwalk (?:me|us) through (?:your|the) (?:thought process|reasoning|thinking|logic|derivation)\b`,
  ),
  signal(
    "en.before_answering",
    0.7,
    String.raw`\bbefore (?:you )?(?:answer|answering|respond|responding|reply|replying|giving (?:your|the|a) (?:final )?answer)\b${GAP}{0,30}?\b(?:think|reason|reflect|deliberate|analy[sz]e|work through|plan)\b`,
  ),
  signal(
    "en.first_think",
    0.5,
    String.raw`\b(?:first|then),? (?:think|reason) (?:about|through|carefully|it|this)\b`,
  ),
  signal(
    "en.intermediate_steps",
    0.6,
    String.raw`\bintermediate (?:steps|results|calculations|reasoning|computations|thoughts)\b`,
  ),
  signal("en.explain_each_step", 0.6, String.raw`\bexplain (?:each|every|all(?: the)?|your) steps?\b`),
  signal("en.think_aloud", 0.7, String.raw`\bthink (?:out loud|aloud)\b`),
  signal("en.your_thought_process", 0.6, String.raw`\byour (?:thought|thinking|reasoning) process\b`),
  signal("en.scratchpad", 0.5, String.raw`\bscratch[\s-]?pad\b`),
  signal(
    "en.how_did_you_arrive",
    0.5,
    String.raw`\bhow (?:did )?you (?:arrive|arrived|got|get|came|come) (?:at|to) (?:this|that|the|your) (?:answer|conclusion|result|solution)\b`,
  ),
  signal("en.reason_it_out", 0.6, String.raw`\breason (?:it|this|that|things) (?:out|through)\b`),
  signal(
    "xml.thinking_tag",
    0.8,
    String.raw`<\/?\s*(?:thinking|think|reasoning|scratchpad|thoughts?|inner[_-]?monologue|reflection|cot)\s*>`,
  ),
  // Chinese
  signal(
    "zh.step_by_step_think",
    0.85,
    "(?:一步一步|一步步|逐步|分步|逐一步骤)地?(?:思考|推理|分析|推导|解答|求解|计算|解释|说明|想)",
  ),
  signal("zh.step_by_step", 0.55, "一步一步|一步步"),
  signal(
    "zh.explain_reasoning",
    0.8,
    `(?:写出|写下|给出|展示|说明|解释|列出|输出|描述|呈现|展现|告诉我|阐述|分享|详细)${GAP}{0,12}?(?:推理过程|思考过程|思维过程|解题过程|推导过程|推理步骤|解题步骤|思考步骤|计算过程|解题思路|你的思路)`,
  ),
  signal("zh.reasoning_process", 0.5, "推理过程|思考过程|思维过程|推導過程|推理過程|思考過程"),
  signal("zh.chain_of_thought", 0.85, "思维链|思考链|推理链|思維鏈"),
  signal(
    "zh.before_answering",
    0.7,
    `(?:回答|作答|答复|回覆|回答问题)(?:之前|前)${GAP}{0,10}?(?:思考|推理|分析|想一想|想想)`,
  ),
  signal("zh.think_then_answer", 0.7, `先(?:思考|推理|分析|想一想|想清楚)${GAP}{0,8}?(?:再|然后)`),
  signal(
    "zh.every_step",
    0.65,
    `(?:写出|列出|给出|展示|说明|解释)${GAP}{0,6}?(?:每一步|每个步骤|所有步骤|详细步骤|完整步骤|中间步骤)`,
  ),
  signal("zh.intermediate_steps", 0.5, "中间步骤|中间过程"),
  // Japanese
  signal("ja.step_by_step", 0.7, "ステップバイステップ|一歩ずつ|段階的に(?:考え|説明|推論|解)"),
  signal("ja.reasoning_process", 0.6, "思考過程|推論過程|思考プロセス|考え方を(?:説明|示)"),
  // Russian (JS \b is ASCII-only, so these rely on the phrases themselves)
  signal("ru.step_by_step", 0.7, "шаг за шагом|пошагово"),
  signal(
    "ru.explain_reasoning",
    0.7,
    String.raw`(?:объясни|покажи|опиши|распиши|изложи)\p{L}{0,4}${GAP}{0,30}?(?:рассуждени|ход (?:своих |твоих )?мысл)`,
  ),
  signal("ru.chain_of_thought", 0.8, String.raw`цепочк\p{L}{0,3} (?:рассуждений|мыслей)`),
  // Spanish
  signal("es.step_by_step", 0.7, String.raw`\bpaso a paso\b`),
  signal(
    "es.explain_reasoning",
    0.7,
    String.raw`\b(?:explica|muestra|describe|detalla|escribe)\p{L}{0,4}${GAP}{0,30}?\b(?:razonamiento|proceso de pensamiento)`,
  ),
  signal("es.chain_of_thought", 0.8, String.raw`\bcadena de (?:pensamiento|razonamiento)s?\b`),
];

const scan = new AnchoredRules(COT_SIGNALS.map((s) => s.pattern.source));
const matched = new Uint8Array(COT_SIGNALS.length);

/** Ids of the signals found in text already passed through `normalizeText`. */
export function cotSignalsNormalized(normalized: string): string[] {
  scan.match(normalized, matched);
  return COT_SIGNALS.filter((_, i) => matched[i] === 1).map((s) => s.id);
}

/** cotElicitationScore of text already passed through `normalizeText`. */
export function cotScoreNormalized(normalized: string): number {
  scan.match(normalized, matched);
  let miss = 1;
  for (let i = 0; i < COT_SIGNALS.length; i++) {
    if (matched[i] === 1) miss *= 1 - (COT_SIGNALS[i] as CotSignal).weight;
  }
  return Math.min(1, Math.max(0, 1 - miss));
}

/**
 * 0..1: how strongly the prompt asks for chain-of-thought or a reasoning trace, as
 * 1 − Π(1 − wᵢ) over the distinct signals it matches. 0 when none match.
 */
export function cotElicitationScore(text: string): number {
  return cotScoreNormalized(normalizeText(boundedView(text)));
}

/** Which signals matched, for explaining a score without exposing prompt text. */
export function cotElicitationSignals(text: string): string[] {
  return cotSignalsNormalized(normalizeText(boundedView(text)));
}
