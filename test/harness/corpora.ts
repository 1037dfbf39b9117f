import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "csv-parse/sync";
import { sharedDataPath } from "./shared-data.ts";

/** One text of the real corpora in shared/data/prompts (see its README for sources and licences). */
export interface CorpusText {
  /** Corpus folder and file, e.g. "gsm8k/test". */
  source: string;
  /** ISO 639-1 where the corpus says, else "en". */
  lang: string;
  role: "prompt" | "system" | "response";
  text: string;
}

const dir = (...parts: string[]) => sharedDataPath("prompts", ...parts);
const text = (...parts: string[]) => readFileSync(dir(...parts), "utf8");
const jsonl = (raw: string): Record<string, unknown>[] =>
  raw
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/**
 * Every prompt, system prompt and response of every corpus, read in place. Order is fixed
 * (corpus by corpus, file by file), so a failure names the same text on every run.
 */
export function corpusTexts(): CorpusText[] {
  const out: CorpusText[] = [];
  const add = (source: string, lang: string, role: CorpusText["role"], t: unknown) => {
    if (typeof t === "string" && t.trim() !== "") out.push({ source, lang, role, text: t });
  };

  for (const r of jsonl(text("dolly_open_qa", "dolly_open_qa.jsonl"))) {
    add("dolly_open_qa", "en", "prompt", r.instruction);
    add("dolly_open_qa", "en", "response", r.response);
  }
  for (const f of ["train", "test", "test_socratic"]) {
    for (const r of jsonl(text("gsm8k", `${f}.jsonl`))) {
      add(`gsm8k/${f}`, "en", "prompt", r.question);
      add(`gsm8k/${f}`, "en", "response", r.answer);
    }
  }
  for (const r of jsonl(text("gsm8k", "example_model_solutions.jsonl"))) {
    add("gsm8k/example_model_solutions", "en", "prompt", r.question);
    for (const v of Object.values(r)) {
      if (v && typeof v === "object" && "solution" in v)
        add("gsm8k/example_model_solutions", "en", "response", v.solution);
    }
  }
  for (const f of readdirSync(dir("mgsm"))
    .filter((x) => x.endsWith(".tsv"))
    .sort()) {
    const lang = f.slice("mgsm_".length, -".tsv".length);
    for (const line of text("mgsm", f).split("\n")) add(`mgsm/${f}`, lang, "prompt", line.split("\t")[0]);
  }
  const exemplars = JSON.parse(text("mgsm", "exemplars.json")).MGSM_EXEMPLARS as Record<
    string,
    Record<string, { q: string; a: string }>
  >;
  for (const [lang, byNumber] of Object.entries(exemplars)) {
    for (const e of Object.values(byNumber)) {
      add("mgsm/exemplars", lang, "prompt", e.q);
      add("mgsm/exemplars", lang, "response", e.a);
    }
  }
  for (const r of jsonl(gunzipSync(readFileSync(dir("humaneval", "HumanEval.jsonl.gz"))).toString("utf8"))) {
    add("humaneval", "en", "prompt", r.prompt);
    add("humaneval", "en", "response", `${str(r.prompt)}${str(r.canonical_solution)}`);
    add("humaneval", "en", "prompt", r.test);
  }
  for (const [folder, lang] of [
    ["mt_bench", "en"],
    ["japanese_mt_bench", "ja"],
  ] as const) {
    for (const f of readdirSync(dir(folder))
      .filter((x) => x.endsWith(".jsonl"))
      .sort()) {
      for (const r of jsonl(text(folder, f))) {
        for (const t of (r.turns as unknown[] | undefined) ?? []) add(`${folder}/${f}`, lang, "prompt", t);
        for (const c of (r.choices as { turns?: unknown[] }[] | undefined) ?? []) {
          for (const t of c.turns ?? []) add(`${folder}/${f}`, lang, "response", t);
        }
        add(`${folder}/${f}`, lang, "system", r.system_prompt);
        add(`${folder}/${f}`, lang, "prompt", r.prompt_template);
      }
    }
  }
  const awesome = parse(text("awesome_chatgpt_prompts", "prompts.csv"), {
    columns: true,
    relax_quotes: true,
  });
  for (const r of awesome as Record<string, string>[])
    add("awesome_chatgpt_prompts", "en", "system", r.prompt);
  for (const f of ["prompts-zh.json", "prompts-zh-TW.json"]) {
    for (const r of JSON.parse(text("awesome_chatgpt_prompts_zh", f)) as { prompt: string }[]) {
      add(`awesome_chatgpt_prompts_zh/${f}`, "zh", "system", r.prompt);
    }
  }
  for (const f of readdirSync(dir("bbh", "bbh"))
    .filter((x) => x.endsWith(".json"))
    .sort()) {
    for (const e of JSON.parse(text("bbh", "bbh", f)).examples as { input: string }[]) {
      add(`bbh/${f}`, "en", "prompt", e.input);
    }
  }
  for (const f of readdirSync(dir("bbh", "cot-prompts")).sort())
    add(`bbh/cot-prompts/${f}`, "en", "prompt", text("bbh", "cot-prompts", f));
  for (const r of jsonl(text("bbh", "codex_cot_responses.jsonl"))) {
    add("bbh/codex_cot_responses", "en", "prompt", r.question);
    add("bbh/codex_cot_responses", "en", "response", r.response);
  }
  for (const f of readdirSync(dir("xquad"))
    .filter((x) => x.endsWith(".json"))
    .sort()) {
    const lang = f.split(".")[1] ?? "en";
    for (const d of JSON.parse(text("xquad", f)).data as {
      paragraphs: { context: string; qas: { question: string }[] }[];
    }[]) {
      for (const p of d.paragraphs) {
        add(`xquad/${f}`, lang, "prompt", p.context);
        for (const q of p.qas) add(`xquad/${f}`, lang, "prompt", `${p.context}\n\nQuestion: ${q.question}`);
      }
    }
  }
  for (const r of jsonl(text("cot_triggers", "cot_triggers.jsonl")))
    add("cot_triggers", str(r.lang) || "en", "prompt", r.phrase);
  return out;
}

/** Where the corpora are read from, for messages. */
export const CORPORA_DIR = join("shared", "data", "prompts");
