import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "csv-parse/sync";

/**
 * Real text for text mode, read in place from shared/data/prompts (never copied in; sources and
 * licences: its README and docs/dependencies.md). Loaded once per run, in a fixed order, so a
 * seed picks the same texts on every machine.
 */
export const defaultCorporaDir = new URL("../../../../shared/data/prompts/", import.meta.url).pathname;

/** A question people ask and an answer of realistic length (null: the corpus has none). */
export interface Exchange {
  prompt: string;
  answer: string | null;
}

/** A problem a campaign harvests, and the worked solution a model would give when asked. */
export interface Problem {
  question: string;
  /** Step-by-step solution (GSM8K's human-written working as a model writes it, HumanEval's code). */
  solution: string;
  /** The final answer alone ("" for coding problems). */
  answer: string;
}

/**
 * GSM8K's working as a model would write it: without the dataset's calculator annotations
 * (`<<48/2=24>>`) and its `#### 72` answer line, which no model emits and which a
 * response-side detector must not get to key on.
 */
export function asModelAnswer(solution: string): { working: string; answer: string } {
  const at = solution.lastIndexOf("####");
  const answer = at >= 0 ? solution.slice(at + 4).trim() : "";
  const working = (at >= 0 ? solution.slice(0, at) : solution).replace(/<<[^<>]*>>/g, "").trim();
  return { working, answer };
}

function mathProblem(question: string, solution: string): Problem {
  const { working, answer } = asModelAnswer(solution);
  return { question, solution: answer === "" ? working : `${working}\nThe answer is ${answer}.`, answer };
}

export interface Corpora {
  /** Ordinary questions by language (dolly, MT-Bench/Vicuna, Japanese MT-Bench, XQuAD). */
  benign: ReadonlyMap<string, readonly Exchange[]>;
  /** Two-turn conversations (MT-Bench, Japanese MT-Bench), by language. */
  conversations: ReadonlyMap<string, readonly (readonly [string, string])[]>;
  /** Role and system prompts (awesome-chatgpt-prompts, its Chinese edition). */
  systems: readonly string[];
  /** Math word problems by language (MGSM; English adds GSM8K train), with worked solutions. */
  problems: ReadonlyMap<string, readonly Problem[]>;
  /** Coding problems (HumanEval) with reference solutions. */
  coding: readonly Problem[];
  /** Passages for summarise/extract/rewrite templates (XQuAD contexts, dolly answers), by language. */
  passages: ReadonlyMap<string, readonly string[]>;
}

const jsonl = (raw: string): Record<string, unknown>[] =>
  raw
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** Reads the corpora under `dir`; a missing file fails with its path and what to do. */
export function loadCorpora(dir: string = process.env.DG_SIM_CORPORA ?? defaultCorporaDir): Corpora {
  const read = (...parts: string[]) => {
    const path = join(dir, ...parts);
    try {
      return readFileSync(path);
    } catch (e) {
      throw new Error(
        `cannot read ${path} (${(e as Error).message}); text mode reads shared/data/prompts beside the repository, or set DG_SIM_CORPORA`,
      );
    }
  };
  const text = (...parts: string[]) => read(...parts).toString("utf8");

  const benign = new Map<string, Exchange[]>();
  const conversations = new Map<string, (readonly [string, string])[]>();
  const passages = new Map<string, string[]>();
  const problems = new Map<string, Problem[]>();

  for (const r of jsonl(text("dolly_open_qa", "dolly_open_qa.jsonl"))) {
    const prompt = str(r.instruction);
    const answer = str(r.response);
    if (prompt === "") continue;
    push(benign, "en", { prompt, answer: answer || null });
    if (answer.length > 200) push(passages, "en", answer);
  }
  for (const [folder, questions, references, lang] of [
    ["mt_bench", "mt_bench_question.jsonl", "mt_bench_reference_answer_gpt-4.jsonl", "en"],
    ["mt_bench", "vicuna_bench_question.jsonl", "vicuna_bench_reference_answer_gpt-4.jsonl", "en"],
    ["japanese_mt_bench", "question.jsonl", "reference_answer_gpt-4.jsonl", "ja"],
  ] as const) {
    const answers = new Map<string, string>();
    for (const r of jsonl(text(folder, references))) {
      const turns = (r.choices as { turns?: unknown[] }[] | undefined)?.[0]?.turns ?? [];
      answers.set(String(r.question_id), str(turns[0]));
    }
    for (const r of jsonl(text(folder, questions))) {
      const turns = ((r.turns as unknown[] | undefined) ?? []).map(str).filter((t) => t !== "");
      if (turns.length === 0) continue;
      push(benign, lang, { prompt: turns[0] as string, answer: answers.get(String(r.question_id)) ?? null });
      if (turns.length >= 2) push(conversations, lang, [turns[0] as string, turns[1] as string] as const);
    }
  }
  for (const f of readdirSync(join(dir, "xquad"))
    .filter((x) => x.endsWith(".json"))
    .sort()) {
    const lang = f.split(".")[1] ?? "en";
    const data = JSON.parse(text("xquad", f)).data as {
      paragraphs: { context: string; qas: { question: string; answers: { text: string }[] }[] }[];
    }[];
    for (const d of data) {
      for (const p of d.paragraphs) {
        push(passages, lang, p.context);
        for (const q of p.qas) {
          const span = q.answers[0]?.text ?? "";
          push(benign, lang, {
            prompt: `${p.context}\n\n${q.question}`,
            answer: sentenceWith(p.context, span),
          });
        }
      }
    }
  }

  const systems: string[] = [];
  for (const r of parse(text("awesome_chatgpt_prompts", "prompts.csv"), {
    columns: true,
    relax_quotes: true,
  }) as Record<string, string>[]) {
    if (r.type === "TEXT" && r.prompt) systems.push(r.prompt);
  }
  for (const r of JSON.parse(text("awesome_chatgpt_prompts_zh", "prompts-zh.json")) as { prompt: string }[]) {
    systems.push(r.prompt);
  }

  // MGSM is GSM8K test's first 250 problems, translated: the English worked solution stands in
  // for the answer in every language (the corpora have no translated solutions).
  const gsmTest = jsonl(text("gsm8k", "test.jsonl"));
  for (const f of readdirSync(join(dir, "mgsm"))
    .filter((x) => x.endsWith(".tsv"))
    .sort()) {
    const lang = f.slice("mgsm_".length, -".tsv".length);
    text("mgsm", f)
      .split("\n")
      .filter((l) => l.trim() !== "")
      .forEach((line, i) => {
        const question = line.split("\t")[0] ?? "";
        push(problems, lang, mathProblem(question, str(gsmTest[i]?.answer)));
      });
  }
  for (const r of jsonl(text("gsm8k", "train.jsonl"))) {
    push(problems, "en", mathProblem(str(r.question), str(r.answer)));
  }
  const coding = jsonl(gunzipSync(read("humaneval", "HumanEval.jsonl.gz")).toString("utf8")).map((r) => ({
    question: str(r.prompt),
    solution: `${str(r.prompt)}${str(r.canonical_solution)}`,
    answer: "",
  }));
  return { benign, conversations, systems, problems, coding, passages };
}

/**
 * The passage's sentence holding `span`: a chat model answers a reading question with a
 * sentence, not the bare extractive span XQuAD records. null when the span is not found.
 */
function sentenceWith(context: string, span: string): string | null {
  const at = span === "" ? -1 : context.indexOf(span);
  if (at < 0) return span || null;
  const ends = /[.!?。！？]/g;
  let start = 0;
  let end = context.length;
  for (const m of context.matchAll(ends)) {
    const i = m.index ?? 0;
    if (i < at) start = i + 1;
    else if (i >= at + span.length) {
      end = i + 1;
      break;
    }
  }
  return context.slice(start, end).trim();
}
