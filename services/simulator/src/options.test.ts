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
