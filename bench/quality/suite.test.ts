import { loadAzureTrace } from "@distillguard/simulator";
import { describe, expect, it } from "vitest";
import { precision, recall } from "./metrics.ts";
import { inProcessBackend } from "./runner.ts";
import { detectorMethods, runOne, tinySuite } from "./suite.ts";

describe("the tiny suite end to end", () => {
  const backend = inProcessBackend({ evaluateEveryMs: 5 * 60_000 });
  const calibration = loadAzureTrace();

  for (const entry of tinySuite.entries) {
    it(`scores every method consistently on ${entry.scenario}`, async () => {
      const run = await runOne(entry, entry.seeds[0] ?? 1, tinySuite, backend, calibration);
      expect(Object.keys(run.methods)).toEqual([
        ...detectorMethods.map((m) => m.key),
        ...tinySuite.limits.map((l) => l.key),
      ]);
      for (const score of Object.values(run.methods)) {
        const benign = Object.values(score.benign).reduce((n, g) => n + g.accounts, 0);
        const positives = score.accounts.tp + score.accounts.fn;
        // Every active account is either a campaign account or benign, once.
        expect(benign + positives).toBe(run.active_accounts);
        expect(positives).toBe(score.campaigns.reduce((n, c) => n + c.active_accounts, 0));
        for (const x of [precision(score.accounts), recall(score.accounts)]) {
          if (x !== null) expect(x).toBeGreaterThanOrEqual(0);
          if (x !== null) expect(x).toBeLessThanOrEqual(1);
        }
      }
      const detector = run.methods.detector;
      const accountsOnly = run.methods.detector_no_linking;
      // Linking only adds flags: account alerts are common to both views.
      expect(detector?.accounts.tp).toBeGreaterThanOrEqual(accountsOnly?.accounts.tp ?? 0);
      expect(detector?.alerts).toBe(
        run.detector_output.account_alerts + run.detector_output.campaign_alert_chains,
      );
    });
  }
});
