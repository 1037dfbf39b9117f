import { readFileSync } from "node:fs";
import { normalizeText } from "@distillguard/fingerprint";
import {
  type TrainingText,
  type TrainingWindow,
  windowCount,
  windowEnd,
  windowStart,
} from "@distillguard/fingerprint/training";
import { FAMILIES, type FamilySpec, LANGUAGES, PHRASINGS } from "@distillguard/phrasings";
import { type CorpusText, corpusTexts } from "../../test/harness/corpora.ts";
import { sharedDataPath } from "../../test/harness/shared-data.ts";

/** The chain-of-thought triggers of cot_triggers/ (their answer-extraction and prefix rows are not). */
function triggers(): { phrase: string; lang: string }[] {
  return readFileSync(sharedDataPath("prompts", "cot_triggers", "cot_triggers.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { phrase: string; lang: string; kind: string })
    .filter((r) => r.kind === "cot_trigger");
}

/**
 * The elicitation model's data, from the real corpora in shared/data/prompts and the phrasing
 * families. Every real text is in the training part or the held-out part (a fifth, by a hash of
 * its text) for good; problems are wrapped in phrasings on the side they belong to, so no
 * held-out prompt shares its problem with a trained one. BIG-Bench Hard and the published CoT
 * triggers are never trained on (BBH's canary asks so; the triggers are evaluation material).
 */

export type Side = "train" | "heldout";

/** A prompt of the data set, normalized, with what it is and where it came from. */
export interface Prompt {
  text: string;
  /** Instruction spans [start, end) in `text`; empty for ordinary prompts. */
  spans: [number, number][];
  elicits: boolean;
  /** Phrasing family id, or the corpus of an ordinary prompt ("benign:<source>"). */
  family: string;
  lang: string;
  side: Side;
}

export function sideOf(text: string): Side {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) % 5 === 0 ? "heldout" : "train";
}

const NEVER_TRAINED = /^(bbh|cot_triggers)/;

/** The prompt `phrasing` makes of `problem`, normalized, with its instruction spans. */
export function compose(phrasing: string, problem: string): { text: string; spans: [number, number][] } {
  const at = phrasing.indexOf("{P}");
  if (at < 0 || phrasing.indexOf("{P}", at + 1) >= 0) throw new Error(`phrasing needs one {P}: ${phrasing}`);
  const pre = normalizeText(phrasing.slice(0, at));
  const post = normalizeText(phrasing.slice(at + 3));
  const text = normalizeText(phrasing.replace("{P}", () => problem));
  const spans: [number, number][] = [];
  if (pre !== "" && text.startsWith(pre)) spans.push([0, pre.length]);
  if (post !== "" && text.endsWith(post)) spans.push([text.length - post.length, text.length]);
  if (spans.length === 0 && (pre !== "" || post !== ""))
    throw new Error(`could not place the instruction of: ${phrasing}`);
  return { text, spans };
}

/**
 * Windows of one prompt as examples: a window is an instruction (1) when it holds a whole
 * instruction span or 32 units of one, ordinary (0) when it holds none of an eliciting prompt's
 * instruction (or is in an ordinary prompt), and left out when it holds a sliver. At most
 * `maxNegative` ordinary windows per prompt, evenly spaced, so a long document does not outweigh
 * the rest.
 */
export function windowsOf(p: Prompt, maxNegative = 6): TrainingWindow[] {
  const len = p.text.length;
  const n = windowCount(len);
  const pos: TrainingWindow[] = [];
  const neg: TrainingWindow[] = [];
  for (let k = 0; k < n; k++) {
    const start = windowStart(len, k);
    const end = windowEnd(len, k);
    let label: 0 | 1 | -1 = 0;
    if (p.elicits) {
      for (const [a, b] of p.spans) {
        const overlap = Math.max(0, Math.min(b, end) - Math.max(a, start));
        if (overlap >= Math.min(b - a, 32) && b - a >= 8) label = 1;
        else if (overlap > 0 && label === 0) label = -1;
      }
    }
    if (label === 1) pos.push({ start, end, label });
    else if (label === 0) neg.push({ start, end, label });
  }
  const step = Math.max(1, neg.length / maxNegative);
  const kept: TrainingWindow[] = [];
  for (let i = 0; i < neg.length && kept.length < maxNegative; i += step)
    kept.push(neg[Math.floor(i)] as TrainingWindow);
  return [...pos, ...kept];
}

export const trainingText = (p: Prompt): TrainingText => ({ text: p.text, windows: windowsOf(p) });

export interface DataSet {
  /** Wrapped problems: every family × language × variant × problems on each side. */
  phrased: Prompt[];
  /** Real prompts and system prompts of the corpora, and bare problems. */
  ordinary: Prompt[];
  /** Corpus texts that are never trained on but scored (BBH questions wrapped, the triggers). */
  evaluationOnly: Prompt[];
}

export interface DataOptions {
  /** Problems per family × language × variant, on the training side and on the held-out side. */
  trainProblems: number;
  heldoutProblems: number;
  /** Cap on ordinary prompts per corpus file, per side. */
  perSource: number;
}

export const DEFAULT_DATA: DataOptions = { trainProblems: 12, heldoutProblems: 10, perSource: 1500 };

/** Deterministic pick of `k` of `xs`, spread over the list. */
function spread<T>(xs: readonly T[], k: number, offset: number): T[] {
  if (xs.length === 0) return [];
  const out: T[] = [];
  const step = xs.length / k;
  for (let i = 0; i < k; i++) out.push(xs[Math.floor((i * step + offset) % xs.length)] as T);
  return out;
}

export function buildDataSet(
  options: DataOptions = DEFAULT_DATA,
  corpus: CorpusText[] = corpusTexts(),
): DataSet {
  const problems = new Map<string, { train: string[]; heldout: string[] }>();
  for (const lang of LANGUAGES) problems.set(lang, { train: [], heldout: [] });
  for (const c of corpus) {
    if (c.role !== "prompt") continue;
    const isMgsm = c.source.startsWith("mgsm/mgsm_");
    if (!isMgsm && c.source !== "gsm8k/test") continue;
    const bucket = problems.get(c.lang);
    if (bucket) bucket[sideOf(c.text)].push(c.text.trim());
  }
  const phrased: Prompt[] = [];
  for (const lang of LANGUAGES) {
    const byFamily = PHRASINGS[lang];
    const probs = problems.get(lang) as { train: string[]; heldout: string[] };
    for (const fam of FAMILIES) {
      const variants = byFamily[fam.id] ?? [];
      variants.forEach((v, vi) => {
        for (const side of ["train", "heldout"] as const) {
          const k = side === "train" ? options.trainProblems : options.heldoutProblems;
          for (const problem of spread(probs[side], k, vi * 7 + fam.id.length)) {
            const { text, spans } = compose(v, problem);
            phrased.push({ text, spans, elicits: fam.elicits, family: fam.id, lang, side });
          }
        }
      });
    }
  }
  const ordinary: Prompt[] = [];
  const evaluationOnly: Prompt[] = [];
  const perSource = new Map<string, number>();
  for (const c of corpus) {
    if (c.role === "response") continue;
    const text = normalizeText(c.text);
    if (text === "") continue;
    if (NEVER_TRAINED.test(c.source)) continue;
    const side = sideOf(c.text);
    const key = `${c.source}/${side}`;
    const seen = perSource.get(key) ?? 0;
    if (seen >= options.perSource) continue;
    perSource.set(key, seen + 1);
    ordinary.push({
      text,
      spans: [],
      elicits: false,
      family: `benign:${c.source.split("/")[0]}`,
      lang: c.lang,
      side,
    });
  }
  // Published triggers (cot_triggers/, never trained on) after held-out problems of their language.
  for (const t of triggers()) {
    const probs = problems.get(t.lang)?.heldout ?? [];
    for (const problem of spread(probs, options.heldoutProblems, t.phrase.length)) {
      const { text, spans } = compose(`{P}\n\n${t.phrase}`, problem);
      evaluationOnly.push({
        text,
        spans,
        elicits: true,
        family: "published_trigger",
        lang: t.lang,
        side: "heldout",
      });
    }
  }
  return { phrased, ordinary, evaluationOnly };
}

export const familySpec = (id: string): FamilySpec | undefined => FAMILIES.find((f) => f.id === id);
