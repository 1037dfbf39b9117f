import { createHash } from "node:crypto";
import { decodeStandardLoggingPayload, extractPrompt } from "@distillguard/litellm";
import { FAMILIES, LANGUAGES, PHRASINGS } from "@distillguard/phrasings";
import { beforeAll, describe, expect, it } from "vitest";
import { loadAzureTrace } from "./calibration.ts";
import { loadCorpora } from "./corpora.ts";
import { litellmSink } from "./litellm-sink.ts";
import { simulate } from "./run.ts";
import type { ScenarioOptions } from "./scenario.ts";

const calibration = loadAzureTrace();
const corpora = loadCorpora();
const base: ScenarioOptions = {
  scenario: "all",
  seed: 11,
  startMs: Date.parse("2026-03-02T00:00:00Z"),
  durationMs: 3_600_000,
  accounts: 1_500,
  releaseAt: 0.25,
  campaignScale: 1,
};

interface Row {
  json: string;
  extraction: boolean;
  cot: number;
}

async function run(seed: number, split: "tune" | "test"): Promise<Row[]> {
  const rows: Row[] = [];
  const sink = litellmSink((_k, json) => rows.push({ json, extraction: false, cot: 0 }));
  await simulate(
    { ...base, seed },
    calibration,
    [
      {
        write(d, text) {
          sink.write(d, text);
          const last = rows[rows.length - 1] as Row;
          last.extraction = d.truth.extraction;
          last.cot = d.prompt.cot;
        },
        close: () => {},
      },
    ],
    { mode: "text", corpora: { corpora, split } },
  );
  return rows;
}

const variantsOf = (split: "tune" | "test", elicits: boolean) =>
  LANGUAGES.flatMap((l) =>
    FAMILIES.filter((f) => f.split === split && f.elicits === elicits).flatMap(
      (f) => PHRASINGS[l][f.id] ?? [],
    ),
  ).map((v) => v.split("{P}").map((part) => part.trim()));
const wraps = (text: string, variants: string[][]) =>
  variants.some(
    ([pre = "", post = ""]) => (pre === "" || text.includes(pre)) && (post === "" || text.includes(post)),
  );

describe("text from the real corpora", () => {
  let tune: Row[];
  beforeAll(async () => {
    tune = await run(11, "tune");
  }, 120_000);

  it("is byte-identical for a seed and differs for another", async () => {
    const digest = (rows: Row[]) =>
      createHash("sha256")
        .update(rows.map((r) => r.json).join("\n"))
        .digest("hex");
    expect(digest(await run(11, "tune"))).toBe(digest(tune));
    expect(digest(await run(12, "tune"))).not.toBe(digest(tune));
  }, 120_000);

  it("logs real conversations in several scripts, with system prompts, earlier turns and answers", () => {
    const payloads = tune.map((r) => decodeStandardLoggingPayload(Buffer.from(r.json)));
    const scripts = new Set<string>();
    const probes: [string, RegExp][] = [
      ["cjk", /[\u4e00-\u9fff]/],
      ["kana", /[\u3040-\u30ff]/],
      ["cyrillic", /[\u0400-\u04ff]/],
      ["thai", /[\u0e00-\u0e7f]/],
      ["devanagari", /[\u0900-\u097f]/],
      ["arabic", /[\u0600-\u06ff]/],
      ["greek", /[\u0370-\u03ff]/],
    ];
    let withHistory = 0;
    let withSystem = 0;
    let withAnswer = 0;
    for (const [i, p] of payloads.entries()) {
      const prompt = extractPrompt(p.messages);
      for (const [name, re] of probes) if (re.test(prompt.user)) scripts.add(name);
      if (Array.isArray(p.messages) && p.messages.some((m) => m.role === "assistant")) withHistory++;
      if (prompt.system) withSystem++;
      // The raw JSON: the parser keeps only what the mapping reads of the response.
      const raw = JSON.parse((tune[i] as Row).json) as {
        response?: { choices?: { message?: { content?: string } }[] };
      };
      const content = raw.response?.choices?.[0]?.message?.content;
      if (content && content.length > 20) withAnswer++;
    }
    expect(scripts.size).toBeGreaterThanOrEqual(5);
    expect(withHistory).toBeGreaterThan(0);
    expect(withSystem).toBeGreaterThan(0);
    expect(withAnswer / payloads.length).toBeGreaterThan(0.5);
  });

  it("wraps campaigns' problems in eliciting phrasings of the run's split only, and learners in learner phrasings", async () => {
    const userText = (r: Row) =>
      extractPrompt(decodeStandardLoggingPayload(Buffer.from(r.json)).messages).user;
    const eliciting = tune.filter((r) => r.extraction && r.cot > 0).map(userText);
    const learning = tune.filter((r) => !r.extraction && r.cot > 0).map(userText);
    expect(eliciting.length).toBeGreaterThan(50);
    expect(learning.length).toBeGreaterThan(10);
    const tuneEliciting = variantsOf("tune", true);
    const testEliciting = variantsOf("test", true);
    expect(eliciting.filter((t) => wraps(t, tuneEliciting)).length / eliciting.length).toBeGreaterThan(0.95);
    expect(eliciting.filter((t) => wraps(t, testEliciting) && !wraps(t, tuneEliciting))).toHaveLength(0);
    // People type learner phrasings; apps' templates and eval harnesses that ask for working
    // keep their own wording. No benign prompt carries a family of the other split.
    const learned = learning.filter((t) => wraps(t, variantsOf("tune", false)));
    expect(learned.length / learning.length).toBeGreaterThan(0.5);
    expect(
      learning.filter((t) => wraps(t, variantsOf("test", false)) && !wraps(t, variantsOf("tune", false))),
    ).toHaveLength(0);
    expect(
      learning.filter((t) => wraps(t, tuneEliciting) && !wraps(t, variantsOf("tune", false))),
    ).toHaveLength(0);
    const test = await run(11, "test");
    const testTexts = test.filter((r) => r.extraction && r.cot > 0).map(userText);
    expect(testTexts.filter((t) => wraps(t, testEliciting)).length / testTexts.length).toBeGreaterThan(0.95);
  }, 120_000);
});
