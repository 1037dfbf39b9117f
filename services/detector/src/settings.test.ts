import { ConfigError, parseConfig } from "@distillguard/config";
import { describe, expect, it } from "vitest";
import { detectorSettings } from "./settings.ts";

const parse = (env: Record<string, string>) => parseConfig(detectorSettings, env, { prefix: "DG_DETECTOR_" });

describe("detectorSettings", () => {
  it("keeps a batch's transaction open up to the broker's own limit, 60 s unless told", () => {
    expect(parse({}).transactionTimeout).toBe(60_000);
    expect(parse({ DG_DETECTOR_TRANSACTION_TIMEOUT: "5m" }).transactionTimeout).toBe(300_000);
    // The broker refuses more than transaction.max.timeout.ms (15 min by default) at the claim.
    expect(() => parse({ DG_DETECTOR_TRANSACTION_TIMEOUT: "1h" })).toThrow(ConfigError);
    expect(() => parse({ DG_DETECTOR_TRANSACTION_TIMEOUT: "1h" })).toThrow(/DG_DETECTOR_TRANSACTION_TIMEOUT/);
  });
});
