import { describe, expect, it } from "vitest";
import { runDetector } from "./run-detector.ts";

const base = {
  startMs: Date.parse("2026-03-02T00:00:00Z"),
  durationMs: 6 * 3_600_000,
  accounts: 10_000,
  releaseAt: 0.25,
  campaignScale: 1,
};

// Through the gateway path (LiteLLM JSON → the ingest's translation): minutes per scenario.
describe("account scoring on simulator scenarios", () => {
  for (const seed of [7, 9]) {
    it(`alerts on the heavy extractor and on no benign account (seed ${seed})`, async () => {
      const r = await runDetector({ ...base, seed, scenario: "all" });
      const label = new Map(r.labels.accounts.map((a) => [a.account_id, a.label]));
      const opened = r.alerts.filter((a) => a.subject_kind === "account" && a.state === "open");
      const heavy = r.labels.campaigns.find((c) => c.type === "heavy")?.account_ids[0];
      const heavyAlert = opened.find((a) => a.subject_id === heavy);
      expect(heavyAlert).toBeDefined();
      // Explained: top signals with their value and the population baseline they beat.
      expect(heavyAlert?.top_signals[0]?.name).toBe("cot_rate");
      expect(heavyAlert?.top_signals.every((s) => s.value > s.baseline)).toBe(true);
      const benign = opened.filter((a) => (label.get(a.subject_id) ?? "benign") === "benign");
      expect(benign.map((a) => a.summary)).toEqual([]);
      // Every account alert is announced once: no account opens twice.
      const ids = opened.map((a) => a.subject_id);
      expect(new Set(ids).size).toBe(ids.length);
    }, 900_000);
  }
});

describe("detector checkpoints", () => {
  it("gives the same scores and alerts when restored from a checkpoint mid-stream", async () => {
    const options = { ...base, seed: 7, scenario: "all", accounts: 3_000 };
    const straight = await runDetector(options);
    const restored = await runDetector(options, undefined, undefined, base.startMs + 3 * 3_600_000);
    expect(restored.alerts).toEqual(straight.alerts);
    expect(restored.scores).toEqual(straight.scores);
    expect(restored.detector.lateEvents).toBe(straight.detector.lateEvents);
    // Window slots are renumbered on restore, so whole checkpoints differ in layout; the
    // linker's state must be identical.
    const linkerBytes = (r: typeof straight) => Buffer.from(r.detector.linker.serialize());
    expect(linkerBytes(restored).equals(linkerBytes(straight))).toBe(true);
  }, 900_000);
});
