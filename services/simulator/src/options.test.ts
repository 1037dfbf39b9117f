import { describe, expect, it } from "vitest";
import { parseAzureTrace } from "./calibration.ts";
import { parseDuration, toScenarioOptions } from "./options.ts";

describe("options", () => {
  it("parses durations", () => {
    expect(parseDuration("90m")).toBe(5_400_000);
    expect(parseDuration("6h")).toBe(21_600_000);
    expect(parseDuration("14d")).toBe(1_209_600_000);
    expect(() => parseDuration("6 hours")).toThrow(/ms, s, m, h or d/);
  });

  it("names every bad option at once", () => {
    expect(() =>
      toScenarioOptions({
        scenario: "nope",
        seed: "-1",
        duration: "x",
        start: "yesterday",
        accounts: "0",
        releaseAt: "2",
        campaignScale: "0",
      }),
    ).toThrow(
      /--scenario 'nope'[\s\S]*--seed[\s\S]*--duration[\s\S]*--start[\s\S]*--accounts[\s\S]*--release-at[\s\S]*--campaign-scale/,
    );
  });

  it("reads a warm-up shorter than the run, and names a bad one", () => {
    const o = {
      scenario: "hydra",
      seed: "1",
      duration: "18h",
      start: "2026-03-02T00:00:00Z",
      accounts: "10",
      releaseAt: "0.25",
      campaignScale: "1",
    };
    expect(toScenarioOptions({ ...o, warmup: "6h" }).warmupMs).toBe(21_600_000);
    expect(toScenarioOptions({ ...o, warmup: "0" })).not.toHaveProperty("warmupMs");
    expect(() => toScenarioOptions({ ...o, warmup: "18h" })).toThrow(/--warmup '18h' must be shorter/);
    expect(() => toScenarioOptions({ ...o, warmup: "soon" })).toThrow(/--warmup: 'soon' is not a duration/);
  });

  it("takes the campaigns' test split, leaves tune out of the options, and names another", () => {
    const o = {
      scenario: "hydra",
      seed: "1",
      duration: "1h",
      start: "2026-03-02T00:00:00Z",
      accounts: "10",
      releaseAt: "0.25",
      campaignScale: "1",
    };
    expect(toScenarioOptions({ ...o, split: "test" }).split).toBe("test");
    expect(toScenarioOptions({ ...o, split: "tune" })).not.toHaveProperty("split");
    expect(() => toScenarioOptions({ ...o, split: "holdout" })).toThrow(
      /--split 'holdout' must be tune or test/,
    );
  });
});

describe("calibration trace", () => {
  it("reads token pairs and normalised gaps", () => {
    const c = parseAzureTrace(
      "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.0000000,374,44\n2023-11-16 18:15:47.0000000,396,109\n2023-11-16 18:15:50.0000000,879,55\n",
    );
    expect([...c.input]).toEqual([374, 396, 879]);
    expect([...c.output]).toEqual([44, 109, 55]);
    expect([...c.gapShape]).toEqual([0.5, 1.5]);
  });

  it("refuses a file that is not the trace", () => {
    expect(() => parseAzureTrace("a,b,c\n1,2,3\n")).toThrow(/unexpected trace header/);
  });
});
