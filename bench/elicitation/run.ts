/**
 * Trains the reasoning-elicitation model and reports how it generalizes:
 *
 *   node --import tsx bench/elicitation/run.ts [--write] [--docs] [--quick]
 *
 * The production model trains on the tune phrasing families (every language) and the training
 * side of the real corpora. Reported, all on held-out text: leave-one-family-out recall (tune
 * families retrained without the family; test families are never trained on), leave-one-
 * language-out recall and false-positive rate (retrained without any text of the language), the
 * false-positive rate on real prompts per corpus and on the learner families (students, parents,
 * tutors asking for explanations), and the keyword list's figures beside the model's.
 * --write stores the weights in packages/fingerprint/src/elicitation/weights.ts.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { cotElicitationScore, normalizeText } from "@distillguard/fingerprint";
import {
  DEFAULT_TRAINING,
  type ElicitationWeights,
  elicitationModelScoreNormalized,
  elicitationProbability,
  trainElicitation,
} from "@distillguard/fingerprint/training";
import { FAMILIES, LANGUAGES, PHRASINGS } from "@distillguard/phrasings";
import { buildDataSet, DEFAULT_DATA, type Prompt, trainingText } from "./dataset.ts";
import { encodeWeights } from "./weights-file.ts";

const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");
const THRESHOLD = 0.5;
// --set key=value overrides a training option (exploring on the tune families only).
const overrides: Record<string, number> = {};
for (const a of process.argv.slice(2)) {
  const m = /^--set=(\w+)=([-\d.e]+)$/.exec(a);
  if (m) overrides[m[1] as string] = Number(m[2]);
}
const sections = new Set(
  (process.argv.find((a) => a.startsWith("--sections="))?.slice(11) ?? "lofo,lolo,fp,speed").split(","),
);

const log = (msg: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);

const t0 = Date.now();
const data = buildDataSet(
  quick ? { ...DEFAULT_DATA, trainProblems: 4, heldoutProblems: 4, perSource: 300 } : DEFAULT_DATA,
);
log(
  `data: ${data.phrased.length} phrased prompts, ${data.ordinary.length} real prompts, ${data.evaluationOnly.length} evaluation-only (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
);

const tuneFamily = new Set(FAMILIES.filter((f) => f.split === "tune").map((f) => f.id));
const isTrainable = (p: Prompt) =>
  p.side === "train" && (p.family.startsWith("benign:") || tuneFamily.has(p.family));
const heldout = [...data.phrased, ...data.ordinary, ...data.evaluationOnly].filter(
  (p) => p.side === "heldout",
);

function train(label: string, keep: (p: Prompt) => boolean): ElicitationWeights {
  const texts = [...data.phrased, ...data.ordinary]
    .filter((p) => isTrainable(p) && keep(p))
    .map(trainingText);
  const started = Date.now();
  const m = trainElicitation(
    texts,
    { ...DEFAULT_TRAINING, ...(quick ? { epochs: 3 } : {}), ...overrides },
    (e, loss) => log(`  ${label}: epoch ${e + 1} loss ${loss.toFixed(4)}`),
  );
  log(`trained ${label} on ${texts.length} texts in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return m;
}

interface Rate {
  hit: number;
  n: number;
}
const rate = (r: Rate) => (r.n === 0 ? "–" : `${((100 * r.hit) / r.n).toFixed(1)}% (${r.hit}/${r.n})`);
function tally(prompts: Prompt[], score: (p: Prompt) => number): Rate {
  let hit = 0;
  for (const p of prompts) if (score(p) >= THRESHOLD) hit++;
  return { hit, n: prompts.length };
}
const modelScore = (m: ElicitationWeights) => (p: Prompt) => elicitationProbability(p.text, m);
const keywordScore = (p: Prompt) => cotElicitationScore(p.text);
const eitherScore = (m: ElicitationWeights) => (p: Prompt) =>
  Math.max(elicitationProbability(p.text, m), keywordScore(p));

const production = train("production (tune families, all languages)", () => true);
const lines: string[] = [];
const out = (s = "") => lines.push(s);

if (sections.has("lofo")) {
  // Leave one family out.
  out("### Leave one phrasing family out (recall on held-out problems, every language)");
  out();
  out("| Family | Split | Elicits | Model | Keyword list | Either |");
  out("|---|---|---|---|---|---|");
  // Per language, every eliciting family scored by a model that never saw it (the family left
  // out for tune families, the production model for test ones).
  const byLanguage = new Map<string, Rate>(LANGUAGES.map((l) => [l, { hit: 0, n: 0 }]));
  const worstFamily = new Map<string, { family: string; rate: Rate }>();
  for (const f of FAMILIES) {
    const rows = heldout.filter((p) => p.family === f.id);
    const m = f.split === "tune" ? train(`without ${f.id}`, (p) => p.family !== f.id) : production;
    if (f.elicits) {
      for (const lang of LANGUAGES) {
        const r = tally(
          rows.filter((p) => p.lang === lang),
          modelScore(m),
        );
        const total = byLanguage.get(lang) as Rate;
        total.hit += r.hit;
        total.n += r.n;
        const worst = worstFamily.get(lang);
        if (r.n > 0 && (!worst || r.hit / r.n < worst.rate.hit / worst.rate.n))
          worstFamily.set(lang, { family: f.id, rate: r });
      }
    }
    const what = f.elicits ? "recall" : "flagged (false positives)";
    out(
      `| ${f.id} | ${f.split} | ${f.elicits ? "yes" : "no"} | ${what} ${rate(tally(rows, modelScore(m)))} | ${rate(tally(rows, keywordScore))} | ${rate(tally(rows, eitherScore(m)))} |`,
    );
  }
  // A published trigger also written into a tune phrasing is not unseen: scored apart.
  const tunePhrasings = LANGUAGES.flatMap((l) =>
    FAMILIES.filter((f) => f.split === "tune").flatMap((f) => PHRASINGS[l][f.id] ?? []),
  ).map((v) => normalizeText(v));
  const inTune = (p: Prompt) => {
    const [a, b] = p.spans.at(-1) ?? [0, 0];
    const trigger = p.text.slice(a, b);
    return tunePhrasings.some((v) => v.includes(trigger));
  };
  const published = heldout.filter((p) => p.family === "published_trigger" && !inTune(p));
  const publishedSeen = heldout.filter((p) => p.family === "published_trigger" && inTune(p));
  out(
    `| published CoT triggers (cot_triggers/), not in any tune phrasing | never trained | yes | recall ${rate(tally(published, modelScore(production)))} | ${rate(tally(published, keywordScore))} | ${rate(tally(published, eitherScore(production)))} |`,
  );
  out(
    `| published CoT triggers also written in a tune phrasing | tune | yes | recall ${rate(tally(publishedSeen, modelScore(production)))} | ${rate(tally(publishedSeen, keywordScore))} | ${rate(tally(publishedSeen, eitherScore(production)))} |`,
  );
  out();
  out("### Leave one phrasing family out, per language (each family scored by a model that never saw it)");
  out();
  out("| Language | Recall, eliciting families | Weakest family in the language |");
  out("|---|---|---|");
  for (const lang of LANGUAGES) {
    const worst = worstFamily.get(lang);
    out(
      `| ${lang} | ${rate(byLanguage.get(lang) as Rate)} | ${worst ? `${worst.family} ${rate(worst.rate)}` : "–"} |`,
    );
  }
  out();
}
if (sections.has("lolo")) {
  // Leave one language out.
  out("### Leave one language out (retrained without any text of the language)");
  out();
  out(
    "| Language | Recall, all eliciting families | False positives, real prompts | False positives, learners | Production model recall |",
  );
  out("|---|---|---|---|---|");
  for (const lang of LANGUAGES) {
    const m = train(`without ${lang}`, (p) => p.lang !== lang);
    const mine = heldout.filter((p) => p.lang === lang);
    const eliciting = mine.filter((p) => p.elicits && p.family !== "published_trigger");
    const real = mine.filter((p) => p.family.startsWith("benign:"));
    const learners = mine.filter((p) => !p.elicits && !p.family.startsWith("benign:"));
    out(
      `| ${lang} | ${rate(tally(eliciting, modelScore(m)))} | ${rate(tally(real, modelScore(m)))} | ${rate(tally(learners, modelScore(m)))} | ${rate(tally(eliciting, modelScore(production)))} |`,
    );
  }
  out();
}
if (sections.has("fp")) {
  // False positives on real prompts, per corpus.
  out("### False positives of the production model on held-out real prompts");
  out();
  out("| Corpus | Model | Keyword list | Either |");
  out("|---|---|---|---|");
  const corpora = [
    ...new Set(heldout.filter((p) => p.family.startsWith("benign:")).map((p) => p.family)),
  ].sort();
  let allReal: Prompt[] = [];
  for (const c of corpora) {
    const rows = heldout.filter((p) => p.family === c);
    allReal = allReal.concat(rows);
    out(
      `| ${c.slice("benign:".length)} | ${rate(tally(rows, modelScore(production)))} | ${rate(tally(rows, keywordScore))} | ${rate(tally(rows, eitherScore(production)))} |`,
    );
  }
  out(
    `| **all real prompts** | ${rate(tally(allReal, modelScore(production)))} | ${rate(tally(allReal, keywordScore))} | ${rate(tally(allReal, eitherScore(production)))} |`,
  );
  const learners = heldout.filter(
    (p) => !p.elicits && !p.family.startsWith("benign:") && p.family !== "published_trigger",
  );
  out(
    `| learner families (students, parents, tutors) | ${rate(tally(learners, modelScore(production)))} | ${rate(tally(learners, keywordScore))} | ${rate(tally(learners, eitherScore(production)))} |`,
  );
  out(
    `| **real prompts and learners** | ${rate(tally([...allReal, ...learners], modelScore(production)))} | ${rate(tally([...allReal, ...learners], keywordScore))} | ${rate(tally([...allReal, ...learners], eitherScore(production)))} |`,
  );
  out();
}
if (sections.has("speed")) {
  // Cost per prompt beside the keyword list's, same process, same texts: held-out prompts as
  // they are, and 16 KiB texts (the bounded view's size, the most the ingest ever scores).
  const sample = heldout.slice(0, 4000).map((p) => p.text);
  const long = sample
    .slice(0, 200)
    .map((t) => t.repeat(Math.ceil(16_384 / Math.max(1, t.length))).slice(0, 16_384));
  const time = (texts: string[], f: (t: string) => number) => {
    let sink = 0;
    for (const t of texts.slice(0, 200)) sink += f(t); // warm-up
    let n = 0;
    let bytes = 0;
    const started = performance.now();
    while (performance.now() - started < 2000) {
      for (const t of texts) {
        sink += f(t);
        bytes += t.length;
      }
      n += texts.length;
    }
    const ms = performance.now() - started;
    return { us: (1000 * ms) / n, mbs: bytes / 1e6 / (ms / 1000), sink };
  };
  out("### Cost per prompt (one core, same process)");
  out();
  out("| Texts | Model µs/prompt | Model MB/s | Keyword list µs/prompt | Keyword list MB/s |");
  out("|---|---|---|---|---|");
  for (const [name, texts] of [
    [
      `held-out prompts (mean ${Math.round(sample.reduce((a, t) => a + t.length, 0) / sample.length)} units)`,
      sample,
    ],
    ["16 KiB texts", long],
  ] as const) {
    const m = time(texts, (t) => elicitationModelScoreNormalized(t, production));
    const k = time(texts, (t) => cotElicitationScore(t));
    out(`| ${name} | ${m.us.toFixed(1)} | ${m.mbs.toFixed(1)} | ${k.us.toFixed(1)} | ${k.mbs.toFixed(1)} |`);
  }
  out();
}

const report = lines.join("\n");
process.stdout.write(`${report}\n`);
if (args.has("--write")) {
  writeFileSync(
    new URL("../../packages/fingerprint/src/elicitation/weights.ts", import.meta.url),
    encodeWeights(production),
  );
  log("wrote packages/fingerprint/src/elicitation/weights.ts");
}
if (args.has("--docs")) {
  // The docs page keeps its prose; only the part between the markers is replaced.
  const page = new URL("../../docs/elicitation.md", import.meta.url);
  const begin = "<!-- bench:elicitation begin -->";
  const end = "<!-- bench:elicitation end -->";
  const text = readFileSync(page, "utf8");
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/elicitation.md lacks the markers ${begin} … ${end}`);
  const header = [
    `Run ${new Date().toISOString().slice(0, 10)}: \`node --import tsx bench/elicitation/run.ts --docs\` on ${cpus()[0]?.model ?? "?"} (${cpus().length} cores), Node ${process.version}.`,
    `Data: ${data.phrased.length} phrased prompts, ${data.ordinary.length} real prompts, ${data.evaluationOnly.length} published-trigger prompts; threshold ${THRESHOLD}.`,
    "",
  ].join("\n");
  writeFileSync(page, `${text.slice(0, from + begin.length)}\n\n${header}\n${report}\n${text.slice(to)}`);
  log("updated docs/elicitation.md");
}
log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
