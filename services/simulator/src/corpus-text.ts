import { FAMILIES, LANGUAGES, PHRASINGS, phrase, type Split } from "@distillguard/phrasings";
import type { Corpora, Exchange, Problem } from "./corpora.ts";
import type { Draft } from "./draft.ts";
import { mix32 } from "./mix.ts";
import { Rng } from "./random.ts";
import type { PromptText } from "./text.ts";
import type { FamilyKind, World } from "./world.ts";

/**
 * Text mode from real corpora: what a gateway would log for each simulated request — real
 * questions in the user's language, whole conversations with the assistant's earlier answers,
 * real role prompts as system prompts, and the answer itself. Extraction campaigns wrap real
 * benchmark problems in the eliciting phrasing families of one split (tune or test) and harvest
 * worked solutions; ordinary people who ask for reasoning use the learner families of that split.
 * Deterministic: every choice is a function of the request's PromptSpec and the world's seed.
 */

/** Campaign families whose prompts carry a harvested problem. */
const HARVEST: ReadonlySet<FamilyKind> = new Set([
  "cot_problem",
  "cot_rubric",
  "coding_task",
  "tool_use_task",
]);

/** Languages a benign user writes in: English most, then the corpora's others (XQuAD, MGSM). */
const USER_LANGUAGE_WEIGHTS: readonly [string, number][] = [
  ["en", 0.55],
  ["zh", 0.08],
  ["es", 0.06],
  ["de", 0.05],
  ["ja", 0.04],
  ["ru", 0.04],
  ["vi", 0.03],
  ["ar", 0.03],
  ["hi", 0.03],
  ["tr", 0.03],
  ["th", 0.02],
  ["el", 0.02],
  ["ro", 0.02],
];

/** Most turns of a conversation logged in full; older ones are what a client trims. */
const MAX_HISTORY_TURNS = 6;

export class CorpusTextRenderer {
  private readonly eliciting: string[];
  private readonly learning: string[];

  constructor(
    private readonly world: World,
    private readonly corpora: Corpora,
    split: Split,
  ) {
    this.eliciting = FAMILIES.filter((f) => f.elicits && f.split === split).map((f) => f.id);
    this.learning = FAMILIES.filter((f) => !f.elicits && f.split === split).map((f) => f.id);
  }

  text(d: Draft): PromptText {
    const p = d.prompt;
    const seed = this.world.seed;
    const rng = new Rng(mix32(p.instance, p.family + 17), `${p.conversation}/${p.turn}`);
    const fam = p.family >= 0 ? this.world.families[p.family] : undefined;
    const kind = fam?.kind;
    if (kind && HARVEST.has(kind)) return this.harvest(d, kind);
    if (kind === "assignment") return this.assignment(d, fam?.language ?? "en");

    // Ordinary traffic: one person (conversation) keeps one language and one thread.
    const who = p.conversation >= 0 ? p.conversation : p.instance;
    const lang = this.userLanguage(mix32(who, seed));
    let user: string;
    let response: string | null;
    const history: NonNullable<PromptText["history"]> = [];
    if (kind === "eval_cot" || kind === "eval_mcq") {
      // An eval harness runs a public benchmark: GSM8K with the textbook trigger.
      const problem = pick(this.problems("en"), p.instance);
      user =
        kind === "eval_cot"
          ? `Q: ${problem.question}\nA: Let's think step by step.`
          : `${problem.question}\nAnswer with the number only.`;
      response = kind === "eval_cot" ? problem.solution : problem.answer;
    } else if (kind) {
      const ex = pick(this.benign(lang), p.instance);
      user = templated(kind, ex, pick(this.passages(lang), mix32(p.instance, 3)), p.instance);
      response = ex.answer;
    } else if (p.conversation >= 0) {
      const base = new Rng(mix32(p.conversation, seed), "conversation");
      const turns = this.thread(lang, base, p.turn);
      for (let t = Math.max(0, p.turn - MAX_HISTORY_TURNS); t < p.turn; t++) {
        history.push({ role: "user", content: turns[t]?.prompt ?? "" });
        history.push({ role: "assistant", content: turns[t]?.answer ?? "" });
      }
      const now = turns[p.turn] as Exchange;
      user = now.prompt;
      response = now.answer;
    } else {
      const ex = pick(this.benign(lang), p.instance);
      user = ex.prompt;
      response = ex.answer;
    }
    if (p.cot > 0 && d.truth.extraction) {
      user = this.wrap(this.eliciting, p, lang, user).text;
    } else if (p.cot > 0 && (kind === undefined || kind === "chat_app")) {
      // A student with homework: a real problem in a learner phrasing of their language, and the
      // worked solution back (people type those; an app's template or an eval harness does not).
      const problem = pick(this.problems(lang), mix32(p.instance, 11));
      user = this.wrap(this.learning, p, lang, problem.question).text;
      response = problem.solution;
    }
    const system = p.system >= 0 ? pick(this.corpora.systems, mix32(p.system, seed)) : null;
    return { system, user, history, response: response ?? shortAnswer(rng) };
  }

  /** A campaign request: a real problem in an eliciting phrasing, answered with its working. */
  private harvest(d: Draft, kind: FamilyKind): PromptText {
    const p = d.prompt;
    const fam = this.world.families[p.family];
    const lang = (LANGUAGES as readonly string[]).includes(fam?.language ?? "")
      ? (fam?.language as string)
      : (LANGUAGES[mix32(p.family, this.world.seed) % LANGUAGES.length] ?? "en");
    const problem =
      kind === "coding_task" ? pick(this.corpora.coding, p.instance) : pick(this.problems(lang), p.instance);
    if (p.cot <= 0) return { system: null, user: problem.question, history: [], response: problem.solution };
    const asked = this.wrap(this.eliciting, p, lang, problem.question);
    return { system: null, user: asked.text, history: [], response: answerAsAsked(asked, problem) };
  }

  /**
   * A student working through the class's handout: one of its problems, in the learner
   * phrasing the teacher suggested (variant 0, the same words for the whole class) or in the
   * student's own (another variant), and the worked solution back.
   */
  private assignment(d: Draft, lang: string): PromptText {
    const p = d.prompt;
    const problem = pick(this.problems(lang), p.instance);
    const asked = this.wrap(this.learning, p, lang, problem.question);
    return { system: null, user: asked.text, history: [], response: problem.solution };
  }

  /**
   * The prompt in one variant of one family: fixed per template (family, variant), so a
   * campaign's prompts share their wording the way a script's do.
   */
  private wrap(
    families: readonly string[],
    p: Draft["prompt"],
    lang: string,
    problem: string,
  ): { text: string; family: string | null; template: string } {
    if (families.length === 0) return { text: problem, family: null, template: "" };
    const table =
      PHRASINGS[
        (LANGUAGES as readonly string[]).includes(lang) ? (lang as (typeof LANGUAGES)[number]) : "en"
      ];
    const key = mix32(p.family + 1, p.variant + 7919);
    const family = families[key % families.length] as string;
    const variants = table[family] ?? [];
    if (variants.length === 0) return { text: problem, family: null, template: "" };
    const template = variants[(key >>> 8) % variants.length] as string;
    return { text: phrase(template, problem), family, template };
  }

  /** Turns 0..turn of one conversation: an opening, its follow-up if the corpus has one, then more questions. */
  private thread(lang: string, base: Rng, turn: number): Exchange[] {
    const out: Exchange[] = [];
    const convs = this.corpora.conversations.get(lang);
    if (convs && convs.length > 0 && base.next() < 0.5) {
      const [a, b] = convs[base.int(convs.length)] as readonly [string, string];
      out.push({ prompt: a, answer: null }, { prompt: b, answer: null });
    }
    const pool = this.benign(lang);
    while (out.length <= turn) out.push(pool[base.int(pool.length)] as Exchange);
    // Answers the corpus lacks are short replies of the right kind.
    return out.map((e) => (e.answer === null ? { prompt: e.prompt, answer: shortAnswer(base) } : e));
  }

  private userLanguage(h: number): string {
    let x = (h >>> 0) / 2 ** 32;
    for (const [lang, w] of USER_LANGUAGE_WEIGHTS) {
      if (x < w) return this.corpora.benign.has(lang) ? lang : "en";
      x -= w;
    }
    return "en";
  }

  private benign(lang: string): readonly Exchange[] {
    return this.corpora.benign.get(lang) ?? (this.corpora.benign.get("en") as Exchange[]);
  }

  private passages(lang: string): readonly string[] {
    return this.corpora.passages.get(lang) ?? (this.corpora.passages.get("en") as string[]);
  }

  private problems(lang: string): readonly Problem[] {
    return this.corpora.problems.get(lang) ?? (this.corpora.problems.get("en") as Problem[]);
  }
}

function pick<T>(xs: readonly T[], h: number): T {
  return xs[(h >>> 0) % xs.length] as T;
}

/** Templates ordinary apps wrap around a user's text (support, summaries, extraction). */
function templated(kind: FamilyKind, ex: Exchange, passage: string, instance: number): string {
  switch (kind) {
    case "summarize":
      return `Summarize the document below in three bullet points.\n\nDocument: ${passage}`;
    case "classify":
      return `Classify the support ticket into one of: billing, bug, feature, other. Reply with the label.\n\nText: ${ex.prompt}`;
    case "extract":
      return `Extract every person, place and date from the text as JSON.\n\nText: ${passage}`;
    case "saas_support":
      return `Customer message: ${ex.prompt}\n\nWrite a friendly reply that resolves the issue.`;
    case "agent_turn":
      return `Tool result for \`read_file\`:\n\`\`\`\n${passage}\n\`\`\`\nContinue with the task: ${ex.prompt}`;
    case "ci_check":
      return `Return exactly the JSON object {"status": "ok", "id": ${instance % 100_000}} and nothing else.`;
    default:
      return ex.prompt;
  }
}

const SHORT = [
  "Sure — here is what I found.",
  "That depends on the context, but in most cases yes.",
  "Here are a few options you could consider.",
  "The short answer is no; the longer answer follows.",
];

function shortAnswer(rng: Rng): string {
  return SHORT[rng.int(SHORT.length)] as string;
}

/**
 * The answer in the shape the prompt demanded, as an obliging model writes it: working in the
 * tags a tag format names, a JSON object for a JSON demand, else the working itself.
 */
function answerAsAsked(asked: { family: string | null; template: string }, problem: Problem): string {
  if (asked.family === "format_tags") {
    const tags = [...asked.template.matchAll(/<([a-z_]+)>/g)].map((m) => m[1] as string);
    const work = tags.find((t) => t !== "answer" && t !== "final") ?? "reasoning";
    const last = tags.find((t) => t === "answer" || t === "final") ?? "answer";
    return `<${work}>\n${problem.solution}\n</${work}>\n<${last}>${problem.answer}</${last}>`;
  }
  if (asked.family === "json_trace") {
    const steps = problem.solution.split("\n").filter((l) => l.trim() !== "");
    return JSON.stringify({ steps, answer: problem.answer }, null, 2);
  }
  return problem.solution;
}
