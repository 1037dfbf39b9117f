// What the ingest costs per record as prompts grow, against JSON.parse of the same bytes (issue
// 16 items 1 and 5). A real captured LiteLLM 1.108.7 payload whose user message is replaced by
// real text of 1 KB to 4 MB (HumanEval code and GSM8K questions, as a coding agent or a batch of
// problems sends them); per size, in one process: JSON.parse of the record, and the ingest
// service's own `translateRecord` (decode, mapping, every fingerprint, IP enrichment from the
// installed tables, Avro encoding). Targets: translate ≤ 2× JSON.parse at every size, and the
// work beyond parsing ≤ 1 ms per record.
//
// `--text emoji`: the prompt is chat with emoji instead (astral code points, each a surrogate
// pair: the slow case of per-character Unicode classes).
//
//   node --import tsx bench/ingest/run.ts [--runs 3] [--text code|emoji] [--docs docs/benchmarks]

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { loadNetworkTables, networkEnricher, translateRecord } from "@distillguard/ingest";
import { renderSvg } from "@distillguard/plots";
import type * as vl from "vega-lite";
import { capturedLiteLLMPayloads, sharedDataPath } from "../../test/harness/shared-data.ts";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    out: { type: "string", default: "reports/ingest-cost" },
    docs: { type: "string", default: "" },
    text: { type: "string", default: "code" },
  },
});
if (args.text !== "code" && args.text !== "emoji")
  throw new Error(`--text: code or emoji, not '${args.text}'`);
const suffix = args.text === "code" ? "" : `-${args.text}`;
const runs = Number(args.runs);
const SIZES = [1_024, 16_384, 102_400, 409_600, 1_638_400, 4_194_304];

/** Mean µs per call over at least `ms` milliseconds, after a warm-up. */
function timeIt(fn: () => unknown, ms = 500): number {
  for (let i = 0; i < 3; i++) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    fn();
    n++;
    now = performance.now();
  }
  return ((now - start) * 1000) / n;
}

const humaneval = gunzipSync(readFileSync(sharedDataPath("prompts", "humaneval", "HumanEval.jsonl.gz")))
  .toString("utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as { prompt: string; canonical_solution: string })
  .map((r) => r.prompt + r.canonical_solution);
const gsm = readFileSync(sharedDataPath("prompts", "gsm8k", "train.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => String((JSON.parse(l) as { question: string }).question));

const EMOJI_CHAT = "ok 😀🎉 see you at 8 👍🏽 thanks!! 🙏 ";

function promptOf(size: number): string {
  if (args.text === "emoji") return EMOJI_CHAT.repeat(Math.ceil(size / EMOJI_CHAT.length)).slice(0, size);
  let text = "Review this repository and answer the questions after it.\n\n";
  for (let i = 0; text.length < size; i++)
    text += `${i % 3 === 2 ? gsm[i % gsm.length] : humaneval[i % humaneval.length]}\n\n`;
  return text.slice(0, size);
}

const payload = JSON.parse(capturedLiteLLMPayloads()[0] ?? "{}") as {
  messages: { role: string; content: string }[];
};
const enrich = networkEnricher(loadNetworkTables());

interface Row {
  size: number;
  bytes: number;
  parse: number[];
  translate: number[];
}
const rows: Row[] = [];
for (const size of SIZES) {
  const messages = payload.messages.map((m) => (m.role === "user" ? { ...m, content: promptOf(size) } : m));
  const bytes = Buffer.from(JSON.stringify({ ...payload, messages }));
  const check = translateRecord(bytes, enrich);
  if (!check.ok) throw new Error(`the ingest refused the ${size}-byte prompt: ${check.reason.message}`);
  const row: Row = { size, bytes: bytes.length, parse: [], translate: [] };
  for (let r = 0; r < runs; r++) {
    row.parse.push(timeIt(() => JSON.parse(bytes.toString("utf8"))));
    row.translate.push(timeIt(() => translateRecord(bytes, enrich)));
  }
  rows.push(row);
  process.stderr.write(`  ${size} bytes done\n`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const label = (n: number) =>
  n >= 1_048_576 ? `${(n / 1_048_576).toFixed(1)} MB` : `${Math.round(n / 1024)} KB`;
console.log(
  `| prompt | record | JSON.parse µs | translate µs | translate ÷ JSON.parse (median; runs) | beyond parsing µs |`,
);
console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  const ratios = r.translate.map((t, i) => t / (r.parse[i] as number));
  console.log(
    `| ${label(r.size)} | ${label(r.bytes)} | ${median(r.parse).toFixed(0)} | ${median(r.translate).toFixed(0)} | ${median(ratios).toFixed(2)} (${ratios.map((x) => x.toFixed(2)).join(", ")}) | ${(median(r.translate) - median(r.parse)).toFixed(0)} |`,
  );
}

const values = rows.flatMap((r) => [
  { kb: r.bytes / 1024, what: "JSON.parse", ms: median(r.parse) / 1000 },
  { kb: r.bytes / 1024, what: "ingest translateRecord", ms: median(r.translate) / 1000 },
  { kb: r.bytes / 1024, what: "2× JSON.parse (target)", ms: (2 * median(r.parse)) / 1000 },
]);
const spec: vl.TopLevelSpec = {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  title: `Cost per record against record size (real LiteLLM payload, prompt of ${args.text === "code" ? "real code and questions" : "chat with emoji"})`,
  width: 520,
  height: 300,
  data: { values },
  mark: { type: "line", point: true },
  encoding: {
    x: { field: "kb", type: "quantitative", scale: { type: "log" }, title: "record size (KiB, log)" },
    y: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "ms per record (log)" },
    color: { field: "what", type: "nominal", title: null, legend: { orient: "bottom", labelLimit: 400 } },
    strokeDash: {
      field: "what",
      type: "nominal",
      scale: { domain: ["2× JSON.parse (target)"], range: [[4, 4]] },
      legend: null,
    },
  },
};
const svg = await renderSvg(spec, "Ingest cost per record against record size");
mkdirSync(args.out, { recursive: true });
writeFileSync(`${args.out}/ingest-cost${suffix}.svg`, svg);
writeFileSync(`${args.out}/ingest-cost${suffix}.json`, `${JSON.stringify(rows, null, 2)}\n`);
if (args.docs) {
  mkdirSync(args.docs, { recursive: true });
  writeFileSync(`${args.docs}/ingest-cost${suffix}.svg`, svg);
}
console.log(
  `wrote ${args.out}/ingest-cost${suffix}.svg and ingest-cost${suffix}.json${args.docs ? ` (and to ${args.docs})` : ""}`,
);
