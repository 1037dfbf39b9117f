import { describe, expect, it } from "vitest";
import { signalIndex, signalNames } from "./features.ts";
import { AccountScorer } from "./scorer.ts";

function vector(values: Partial<Record<(typeof signalNames)[number], number>>): Float64Array {
  const v = new Float64Array(signalNames.length);
  for (const [k, x] of Object.entries(values)) v[signalIndex[k as keyof typeof signalIndex]] = x;
  return v;
}

function fromVector(v: Float64Array): Partial<Record<(typeof signalNames)[number], number>> {
  return Object.fromEntries(signalNames.map((n, i) => [n, v[i] ?? 0]));
}

describe("AccountScorer", () => {
  const population = Array.from({ length: 200 }, (_, i) =>
    vector({
      requests_24h: 100 + (i % 50) * 10,
      cot_rate: 0.02 + (i % 7) * 0.01,
      output_per_request: 150 + (i % 11) * 10,
      reasoning_per_request: i % 3,
    }),
  );

  it("scores an account by robust z against the population and explains the top signals", () => {
    const s = new AccountScorer();
    s.updateBaselines(population);
    const typical = s.score(population[17] as Float64Array);
    const extractor = s.score(
      vector({
        requests_24h: 5_000,
        cot_rate: 0.9,
        output_per_request: 1_200,
        reasoning_per_request: 900,
        saturation_rate: 0.2,
      }),
    );
    expect(typical.score).toBeLessThan(1);
    expect(extractor.score).toBeGreaterThan(s.config.openScore);
    expect(extractor.signals[0]?.name).toBe("cot_rate");
    expect(extractor.signals[0]?.baseline).toBeCloseTo(0.05, 2);
  });

  it("will not flag without long reasoning-trace harvesting, whatever else stands out", () => {
    const s = new AccountScorer();
    s.updateBaselines(population);
    // An evaluation harness: all step-by-step, logprobs, one template, but short answers.
    const harness = s.score(
      vector({
        requests_24h: 5_000,
        cot_rate: 1,
        logprobs_rate: 0.6,
        template_top_share: 1,
        output_per_request: 120,
      }),
    );
    expect(harness.score).toBeLessThan(s.config.openScore);
    // A batch job: huge and 24/7, no reasoning traces.
    const batch = s.score(
      vector({ requests_24h: 80_000, active_hours: 24, cot_rate: 0.01, output_per_request: 900 }),
    );
    expect(batch.score).toBeLessThan(s.config.openScore);
  });

  it("sees harvesting in the answers when the prompts ask in words no list knows", () => {
    const s = new AccountScorer();
    s.updateBaselines(population.map((v, i) => vector({ ...fromVector(v), trace_rate: (i % 5) * 0.01 })));
    const keywordFree = {
      requests_24h: 5_000,
      cot_rate: 0,
      output_per_request: 1_200,
      reasoning_per_request: 900,
    };
    const harvesting = s.score(vector({ ...keywordFree, trace_rate: 0.9 }));
    expect(harvesting.score).toBeGreaterThan(s.config.openScore);
    expect(harvesting.signals.map((x) => x.name)).toContain("trace_rate");
    // No answers in the logs: trace_rate is absent, and nothing shows harvesting.
    const blind = s.score(vector({ ...keywordFree, trace_rate: Number.NaN }));
    expect(blind.absent).toContain("trace_rate");
    expect(blind.score).toBeLessThan(s.config.openScore);
  });

  it("sees a campaign mixed into a reseller's traffic by its harvest stream, not its overall rates", () => {
    const s = new AccountScorer();
    s.updateBaselines(
      population.map((v, i) =>
        vector({
          ...fromVector(v),
          trace_rate: (i % 5) * 0.01,
          harvest_output_per_request: 180 + (i % 9) * 5,
        }),
      ),
    );
    // A reseller: 40k requests a day, a fifth of them a campaign's wrappers (tune seed 1's router).
    const reseller = {
      requests_24h: 40_000,
      cot_rate: 0.13,
      trace_rate: 0.19,
      output_per_request: 360,
      harvest_output_per_request: 858,
    };
    const mixed = s.score(vector({ ...reseller, stream_harvest_rate: 0.86 }));
    expect(mixed.score).toBeGreaterThan(s.config.openScore);
    expect(mixed.signals[0]?.name).toBe("stream_harvest_rate");
    // The same account without the stream is not flagged: 0.19 is below the harvest gate.
    expect(s.score(vector({ ...reseller, stream_harvest_rate: 0 })).score).toBeLessThan(s.config.openScore);
  });

  it("sees a campaign in a reseller's traffic by how long its harvested answers are, not its customers' mean", () => {
    const s = new AccountScorer();
    s.updateBaselines(
      population.map((v, i) =>
        vector({
          ...fromVector(v),
          trace_rate: (i % 5) * 0.01,
          harvest_output_per_request: 180 + (i % 9) * 5,
        }),
      ),
    );
    // Tune seed 1's reseller: its output per request still that of its customers (254 tokens at
    // 90 min, 18 min into the campaign); the harvested answers are the campaign's long traces.
    const reseller = {
      requests_24h: 40_000,
      cot_rate: 0.13,
      trace_rate: 0.19,
      stream_harvest_rate: 0.86,
      output_per_request: 254,
    };
    const router = s.score(vector({ ...reseller, harvest_output_per_request: 611 }));
    expect(router.score).toBeGreaterThan(s.config.openScore);
    expect(router.signals.map((x) => x.name)).toContain("harvest_output_per_request");
    // The other reseller: a tutoring app's worked solutions, as long as anyone's.
    expect(s.score(vector({ ...reseller, harvest_output_per_request: 218 })).score).toBeLessThan(
      s.config.openScore,
    );
    // An eval harness: every request asks for steps; its worked answers run longer than an
    // ordinary answer, as anyone's do (tune heavy seed 3: 317 tokens), not a campaign's 3-4 times.
    const harness = {
      requests_24h: 100,
      cot_rate: 1,
      logprobs_rate: 0.43,
      template_top_share: 1,
      reasoning_per_request: 593,
      output_per_request: 291,
    };
    expect(s.score(vector({ ...harness, harvest_output_per_request: 317 })).score).toBeLessThan(
      s.config.openScore,
    );
    // Tune heavy seed 8's: GSM8K walked with "Let's think step by step", 363 tokens per answer
    // (1.8 times the population's), under both bars.
    expect(
      s.score(vector({ ...harness, output_per_request: 363, harvest_output_per_request: 363 })).score,
    ).toBeLessThan(s.config.openScore);
    // Logs without harvested answers to measure: the overall output decides, as before.
    expect(s.score(vector({ ...reseller, harvest_output_per_request: Number.NaN })).score).toBeLessThan(
      s.config.openScore,
    );
  });

  const extractor = () =>
    vector({
      requests_24h: 5_000,
      cot_rate: 0.9,
      output_per_request: 1_200,
      reasoning_per_request: 900,
      saturation_rate: 0.2,
    });

  it("compares with no one before a population exists: no baseline is zeros", () => {
    const s = new AccountScorer();
    // Cold start: the first evaluations see none, then a handful of heavy accounts.
    s.updateBaselines([]);
    s.updateBaselines(population.slice(0, s.config.minPopulation - 1));
    expect(s.hasPopulation).toBe(false);
    const early = s.score(extractor());
    expect(early.score).toBe(0);
    expect(early.signals).toEqual([]);
    expect(early.unbaselined).toContain("cot_rate");
    expect(early.unbaselined).toContain("output_per_request");
    // With a population the same account is an extractor.
    s.updateBaselines(population.slice(0, s.config.minPopulation));
    expect(s.hasPopulation).toBe(true);
    const later = s.score(extractor());
    expect(later.unbaselined).toEqual([]);
    expect(later.score).toBeGreaterThan(s.config.openScore);
  });

  it("keeps the last baseline when an evaluation sees too few accounts", () => {
    const s = new AccountScorer();
    s.updateBaselines(population);
    const before = s.baseline("output_per_request");
    const score = s.score(extractor()).score;
    // A quiet five minutes: three scorable accounts, all of them odd ones.
    s.updateBaselines([extractor(), extractor(), extractor()]);
    expect(s.baseline("output_per_request")).toEqual(before);
    expect(s.score(extractor()).score).toBe(score);
  });

  it("leaves out a signal that too few accounts' logs carry, until enough do", () => {
    const s = new AccountScorer();
    // Only five accounts report reasoning tokens: no population for that signal yet.
    s.updateBaselines(
      population.map((v, i) => {
        const w = Float64Array.from(v);
        w[signalIndex.reasoning_per_request] = i < 5 ? 500 : Number.NaN;
        return w;
      }),
    );
    expect(s.baseline("reasoning_per_request")).toBeUndefined();
    const r = s.score(extractor());
    expect(r.unbaselined).toEqual(["reasoning_per_request"]);
    expect(r.signals.map((x) => x.name)).not.toContain("reasoning_per_request");
  });

  it("does not score accounts with too little evidence", () => {
    const s = new AccountScorer();
    expect(s.scorable(vector({ requests_24h: 99 }))).toBe(false);
    expect(s.scorable(vector({ requests_24h: 100 }))).toBe(true);
    // ... unless its pace is evidence: 30 in the last hour. Only 100 a day make the population.
    expect(s.scorable(vector({ requests_24h: 40, requests_1h: 29 }))).toBe(false);
    expect(s.scorable(vector({ requests_24h: 40, requests_1h: 30 }))).toBe(true);
    expect(s.populates(vector({ requests_24h: 40, requests_1h: 30 }))).toBe(false);
    expect(s.populates(vector({ requests_24h: 100, requests_1h: 0 }))).toBe(true);
  });

  it("asks a smaller sample for longer answers: a harness's first 40 are not its mean", () => {
    const s = new AccountScorer();
    s.updateBaselines(population);
    // Tune heavy seed 8's eval harness: 443 tokens over its first 40 requests, 363 over 100.
    const harness = { cot_rate: 1, logprobs_rate: 0.53, template_top_share: 1, output_per_request: 270 };
    const at = (requests_24h: number, output_per_request: number) =>
      s.score(vector({ ...harness, requests_24h, requests_1h: 40, output_per_request })).score;
    // The same length, a little over the bar of a full sample (1.5 MADs): flagged at 100 requests,
    // not at 40, where the bar is √(100/40) times higher.
    const over = Math.expm1((s.baseline("output_per_request")?.median ?? 0) + 1.7 * 1.4826 * 0.3);
    const explained = s.score(vector({ ...harness, requests_24h: 100, output_per_request: over }));
    expect(explained.signals.find((x) => x.name === "output_per_request")?.z).toBeCloseTo(1.7, 5);
    expect(at(100, over)).toBeGreaterThan(s.config.openScore);
    expect(at(40, over)).toBeLessThan(s.config.openScore);
    // An extractor's answers, three times the population's and more, clear it at 30.
    expect(at(30, 900)).toBeGreaterThan(s.config.openScore);
  });

  it("scores over the signals an account's logs carry: absent is neither evidence nor zero", () => {
    const s = new AccountScorer();
    // Half the population's logs carry no reasoning-token counts: not part of that baseline.
    s.updateBaselines(
      population.map((v, i) => {
        const w = Float64Array.from(v);
        w[signalIndex.reasoning_per_request] = i % 2 === 0 ? Number.NaN : 500;
        return w;
      }),
    );
    // Compared on a log scale: the median of the accounts that report reasoning tokens.
    expect(s.baseline("reasoning_per_request")?.median).toBeCloseTo(Math.log1p(500), 5);
    const extractor = {
      requests_24h: 5_000,
      cot_rate: 0.9,
      output_per_request: 1_200,
      saturation_rate: 0.2,
    };
    const withZero = s.score(vector({ ...extractor, reasoning_per_request: 0, distinct_asns: 0 }));
    const withAbsent = s.score(
      vector({ ...extractor, reasoning_per_request: Number.NaN, distinct_asns: Number.NaN }),
    );
    expect(withAbsent.absent).toEqual(["reasoning_per_request", "distinct_asns"]);
    expect(withZero.absent).toEqual([]);
    // Counting the missing signals as zero dilutes the score; leaving them out does not.
    expect(withAbsent.score).toBeGreaterThan(withZero.score);
    expect(withAbsent.signals.map((x) => x.name)).not.toContain("reasoning_per_request");
    expect(withAbsent.signals.every((x) => Number.isFinite(x.value))).toBe(true);
  });
});
