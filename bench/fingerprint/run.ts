/**
 * How fast does one core fingerprint prompts? Method and results: README.md beside this file.
 *
 *   node --import tsx bench/fingerprint/run.ts [--seconds 5] [--prompts 4000] [--seed 1]
 */
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import {
  classifyTopic,
  cotElicitationScore,
  fingerprintPrompt,
  foldText,
  simhash64,
  templateHash,
} from "@distillguard/fingerprint";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    prompts: { type: "string", default: "4000" },
    seed: { type: "string", default: "1" },
  },
});
const seconds = Number(values.seconds);
const count = Number(values.prompts);
const seed = Number(values.seed);

/** mulberry32: tiny, seeded, good enough to pick words. */
function prng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(seed);
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;

const EN =
  "the a of to and in is for on with that this as it be by from at or are an which can how what why when data model system user value time number first new use make work good small large simple train city river market price energy policy history science music language network memory process report customer product service design team project budget risk growth health school student teacher problem answer question result method analysis table list file record event image".split(
    " ",
  );
const ZH =
  "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严".split(
    "",
  );
const LANGS = ["French", "German", "Spanish", "Japanese", "English", "Korean"];
const COT = [
  "Think step by step.",
  "Explain your reasoning before giving the final answer.",
  "Show all intermediate steps.",
  "请一步一步思考，并写出你的推理过程。",
  "Put your reasoning inside <thinking> tags.",
  "",
  "",
  "",
];

const words = (n: number) => Array.from({ length: n }, () => pick(EN)).join(" ");
const sentence = () => {
  const w = words(int(6, 18));
  return `${w.charAt(0).toUpperCase()}${w.slice(1)}.`;
};
const paragraph = (n: number) => Array.from({ length: n }, sentence).join(" ");
const zh = (n: number) => Array.from({ length: n }, () => pick(ZH)).join("");
const code = () =>
  Array.from(
    { length: int(4, 30) },
    (_, i) => `    value_${i} = compute(${int(0, 999)}, "${pick(EN)}")`,
  ).join("\n");

const KINDS: readonly (() => { system: string | null; user: string })[] = [
  () => ({ system: null, user: `${sentence()} ${sentence()}?` }),
  () => ({ system: null, user: `${zh(int(10, 60))}？` }),
  () => ({
    system: "You are a careful math tutor.",
    user: `Problem: A ${pick(EN)} costs ${int(2, 900)}.${int(0, 99)} and rises ${int(1, 40)}% per year. ${sentence()}\n\n${pick(COT)}`,
  }),
  () => ({
    system: null,
    user: `Fix the bug in \`run_${int(1, 99)}()\`:\n\`\`\`python\ndef run():\n${code()}\n\`\`\`\n${pick(COT)}`,
  }),
  () => ({
    system: "You are a helpful assistant. Answer in the user's language.",
    user: `问题：${zh(int(20, 120))}\n\n${pick(COT)}`,
  }),
  () => ({ system: null, user: `Translate "${sentence()}" into ${pick(LANGS)}.` }),
  () => ({
    system: `Today is 2026-0${int(1, 9)}-1${int(0, 9)}. You are an expert analyst.`,
    user: `<document>\n${paragraph(int(10, 40))}\n</document>\nSummarize the document in ${int(2, 6)} bullet points.`,
  }),
  () => ({
    system: null,
    user: `### Instruction:\n${sentence()}\n\n### Input:\n${paragraph(int(1, 6))}\n\n### Response:\n${pick(COT)}`,
  }),
];

const prompts = Array.from({ length: count }, () => pick(KINDS)());
const bytes = prompts.reduce(
  (n, p) => n + Buffer.byteLength(p.user) + (p.system === null ? 0 : Buffer.byteLength(p.system)),
  0,
);

let sink = 0; // keeps results alive so the JIT cannot drop the work

function measure(
  name: string,
  budgetSeconds: number,
  each: (p: { system: string | null; user: string }) => void,
) {
  for (const p of prompts) each(p); // warm-up pass
  let done = 0;
  let passes = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetSeconds * 1000) {
    for (const p of prompts) each(p);
    done += prompts.length;
    passes++;
    elapsed = performance.now() - start;
  }
  const perSecond = done / (elapsed / 1000);
  const mbPerSecond = (bytes * passes) / (elapsed / 1000) / 1e6;
  const micros = (elapsed * 1000) / done;
  console.log(
    `${name.padEnd(28)} ${perSecond.toFixed(0).padStart(9)} prompts/s ${mbPerSecond.toFixed(1).padStart(7)} MB/s ${micros.toFixed(1).padStart(7)} µs/prompt`,
  );
}

console.log(
  `${prompts.length} prompts, ${(bytes / 1e6).toFixed(2)} MB UTF-8 (mean ${(bytes / prompts.length).toFixed(0)} B), seed ${seed}`,
);
console.log(`node ${process.version}, ${cpus()[0]?.model ?? "unknown cpu"}, one thread\n`);
measure("fingerprintPrompt", seconds, (p) => {
  const f = fingerprintPrompt(p);
  sink += (f.simhash[0] ?? 0) + f.cotElicitation;
});
const part = Math.max(1, seconds / 5);
measure("  simhash64(user)", part, (p) => {
  sink += simhash64(p.user)[0] ?? 0;
});
measure("  templateHash(user)", part, (p) => {
  sink += templateHash(p.user)[0] ?? 0;
});
measure("  cotElicitationScore(user)", part, (p) => {
  sink += cotElicitationScore(p.user);
});
measure("  classifyTopic(user)", part, (p) => {
  sink += classifyTopic(p.user)?.length ?? 0;
});
measure("baseline: foldText(user)", part, (p) => {
  sink += foldText(p.user).length;
});
if (sink === -1) console.log(sink);
