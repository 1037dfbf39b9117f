import { describe, expect, it } from "vitest";
import { signalIndex, signalNames } from "./features.ts";
import { AccountScorer } from "./scorer.ts";

function vector(values: Partial<Record<(typeof signalNames)[number], number>>): Float64Array {
  const v = new Float64Array(signalNames.length);
  for (const [k, x] of Object.entries(values)) v[signalIndex[k as keyof typeof signalIndex]] = x;
  return v;
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

  it("does not score accounts with too little evidence", () => {
    const s = new AccountScorer();
    expect(s.scorable(vector({ requests_24h: 99 }))).toBe(false);
    expect(s.scorable(vector({ requests_24h: 100 }))).toBe(true);
  });
});
