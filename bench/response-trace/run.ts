// How the response-trace score (packages/fingerprint/src/response.ts) reads real answers.
// Tune sources (the weights were set on these): GSM8K train solutions and Dolly answers, first
// halves. Every other source is held out: real model outputs (GPT-3 GSM8K solutions, Codex
// BBH chains of thought, GPT-4 MT-Bench answers by category), MGSM's worked exemplars in 11
// languages, and answers with no derivation (Dolly second half, XQuAD, HumanEval code).
//
//   node --import tsx bench/response-trace/run.ts [--threshold=0.5] [--speed]
//
// --speed: cost per answer of responseTrace, and of the ingest's whole translation of a real
// captured LiteLLM payload carrying that answer, against JSON.parse of the same bytes (same
// process, same run), for answers of 1 KB to 1.6 MB.

import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { responseTrace } from "@distillguard/fingerprint";
import { decodeStandardLoggingPayload, toApiRequest } from "@distillguard/litellm";
import { asModelAnswer } from "../../services/simulator/src/corpora.ts";
import { capturedLiteLLMPayloads, sharedDataPath } from "../../test/harness/shared-data.ts";

interface Source {
  name: string;
  split: "tune" | "test";
  /** Whether its answers are worked reasoning (what a campaign harvests). */
  trace: boolean;
  texts: string[];
}

const jsonl = (...p: string[]) =>
  readFileSync(sharedDataPath("prompts", ...p), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** GSM8K's working without the dataset's artefacts, as the simulator's campaigns harvest it. */
function modelAnswer(solution: string): string {
  const { working, answer } = asModelAnswer(solution);
  return `${working}\nThe answer is ${answer}.`;
}

function sources(): Source[] {
  const gsmTrain = jsonl("gsm8k", "train.jsonl").map((r) => modelAnswer(String(r.answer)));
  const dolly = jsonl("dolly_open_qa", "dolly_open_qa.jsonl").map((r) => String(r.response));
  const half = <T>(xs: T[], side: 0 | 1) => xs.filter((_, i) => i % 2 === side);
  const models = jsonl("gsm8k", "example_model_solutions.jsonl").flatMap((r) =>
    ["6b_finetuning", "175b_verification"].map((k) =>
      modelAnswer(String((r[k] as { solution: string }).solution)),
    ),
  );
  const bbh = jsonl("bbh", "codex_cot_responses.jsonl")
    .filter((r) => typeof r.response === "string")
    .map((r) => String(r.response));
  const exemplars = JSON.parse(readFileSync(sharedDataPath("prompts", "mgsm", "exemplars.json"), "utf8"))
    .MGSM_EXEMPLARS as Record<string, Record<string, { a: string }>>;
  const mgsm = Object.entries(exemplars).map(
    ([lang, ex]): Source => ({
      name: `mgsm exemplars ${lang}`,
      split: "test",
      trace: true,
      texts: Object.values(ex).map((e) => e.a),
    }),
  );
  const categories = new Map(
    jsonl("mt_bench", "mt_bench_question.jsonl").map((q) => [q.question_id, String(q.category)]),
  );
  const mtBench = new Map<string, string[]>();
  for (const r of jsonl("mt_bench", "mt_bench_reference_answer_gpt-4.jsonl")) {
    const cat = categories.get(r.question_id) ?? "other";
    const turns = (r.choices as { turns: string[] }[])[0]?.turns ?? [];
    mtBench.set(cat, [...(mtBench.get(cat) ?? []), ...turns]);
  }
  const xquad = (
    JSON.parse(readFileSync(sharedDataPath("prompts", "xquad", "xquad.en.json"), "utf8")) as {
      data: { paragraphs: { qas: { answers: { text: string }[] }[] }[] }[];
    }
  ).data.flatMap((d) => d.paragraphs.flatMap((p) => p.qas.map((q) => q.answers[0]?.text ?? "")));
  const humaneval = gunzipSync(readFileSync(sharedDataPath("prompts", "humaneval", "HumanEval.jsonl.gz")))
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => String((JSON.parse(l) as { canonical_solution: string }).canonical_solution));
  return [
    { name: "gsm8k train solutions (½)", split: "tune", trace: true, texts: half(gsmTrain, 0) },
    { name: "dolly answers (½)", split: "tune", trace: false, texts: half(dolly, 0) },
    { name: "gpt-3 gsm8k solutions", split: "test", trace: true, texts: models },
    { name: "codex bbh chains of thought", split: "test", trace: true, texts: bbh },
    ...mgsm,
    ...[...mtBench].map(
      ([cat, texts]): Source => ({
        name: `gpt-4 mt-bench ${cat}`,
        split: "test",
        trace: cat === "math" || cat === "reasoning",
        texts,
      }),
    ),
    { name: "dolly answers (other ½)", split: "test", trace: false, texts: half(dolly, 1) },
    { name: "xquad answers (en)", split: "test", trace: false, texts: xquad },
    { name: "humaneval solutions (code)", split: "test", trace: false, texts: humaneval },
  ];
}

/** Mean µs per call of `fn` over at least `ms` milliseconds (after a warm-up). */
function timeIt(fn: () => unknown, ms = 400): number {
  for (let i = 0; i < 20; i++) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
    now = performance.now();
  }
  return ((now - start) * 1000) / n;
}

function speed() {
  const gsm = jsonl("gsm8k", "train.jsonl").map((r) => modelAnswer(String(r.answer)));
  const payload = JSON.parse(capturedLiteLLMPayloads()[0] ?? "{}");
  console.log(
    "| answer | responseTrace µs | JSON.parse µs | translate µs | translate / JSON.parse | translate, elicitation model, / JSON.parse |",
  );
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const size of [1_024, 16_384, 102_400, 1_638_400]) {
    let answer = "";
    for (let i = 0; answer.length < size; i++) answer += `${gsm[i % gsm.length]}\n`;
    answer = answer.slice(0, size);
    const bytes = Buffer.from(
      JSON.stringify({
        ...payload,
        response: {
          ...payload.response,
          choices: [{ ...payload.response.choices[0], message: { role: "assistant", content: answer } }],
        },
      }),
    );
    const trace = timeIt(() => responseTrace(answer));
    const parse = timeIt(() => JSON.parse(bytes.toString("utf8")));
    const translate = timeIt(() => toApiRequest(decodeStandardLoggingPayload(bytes)));
    const withModel = timeIt(() =>
      toApiRequest(decodeStandardLoggingPayload(bytes), undefined, { elicitation: "model" }),
    );
    const kb = size >= 1_048_576 ? `${(size / 1_048_576).toFixed(1)} MB` : `${size / 1024} KB`;
    console.log(
      `| ${kb} | ${trace.toFixed(1)} | ${parse.toFixed(1)} | ${translate.toFixed(1)} | ${(translate / parse).toFixed(2)} | ${(withModel / parse).toFixed(2)} |`,
    );
  }
}

function main() {
  if (process.argv.includes("--speed")) {
    speed();
    return;
  }
  const threshold = Number(
    process.argv.find((a) => a.startsWith("--threshold="))?.slice("--threshold=".length) ?? 0.5,
  );
  console.log(
    `| source | split | worked reasoning | answers | share with trace ≥ ${threshold} | median trace |`,
  );
  console.log("| --- | --- | --- | ---: | ---: | ---: |");
  for (const s of sources()) {
    const scores = s.texts.map((t) => responseTrace(t).trace).sort((a, b) => a - b);
    const hit = scores.filter((x) => x >= threshold).length;
    const med = scores[scores.length >> 1] ?? 0;
    console.log(
      `| ${s.name} | ${s.split} | ${s.trace ? "yes" : "no"} | ${scores.length} | ${((100 * hit) / scores.length).toFixed(1)}% | ${med.toFixed(2)} |`,
    );
  }
}

main();
