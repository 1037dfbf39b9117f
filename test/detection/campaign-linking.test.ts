import { defaultLinkerConfig } from "@distillguard/campaigns";
import type { CampaignUpdate } from "@distillguard/contract";
import { describe, expect, it } from "vitest";
import { runLinker } from "./run-linker.ts";

// The campaign library alone (no Kafka) on seeded simulator scenarios, seen as a gateway logs
// them through the ingest's translation (minutes per scenario: hence the long timeouts).
const base = {
  seed: 7,
  startMs: Date.parse("2026-03-02T00:00:00Z"),
  durationMs: 6 * 3_600_000,
  accounts: 5_000,
  releaseAt: 0.25,
  campaignScale: 1,
};

function latest(campaigns: Map<string, CampaignUpdate>): CampaignUpdate[] {
  const last = Math.max(...[...campaigns.values()].map((c) => c.event_time_ms));
  return [...campaigns.values()].filter((c) => c.event_time_ms === last);
}

describe("campaign linking on a hydra scenario", () => {
  for (const seed of [7, 8, 13]) {
    it(`links ≥ 80% of the hydra's active accounts into one campaign and alerts on it (seed ${seed})`, async () => {
      const r = await runLinker({ ...base, seed, scenario: "hydra" });
      const truth = r.labels.campaigns.find((c) => c.type === "hydra");
      const hydra = new Set(truth?.account_ids);
      const activeHydra = [...hydra].filter((a) => r.active.has(a));
      expect(activeHydra.length).toBeGreaterThan(100);

      const best = latest(r.campaigns).sort((a, b) => b.member_count - a.member_count)[0];
      expect(best).toBeDefined();
      const members = new Set(r.members.get(best?.campaign_id ?? ""));
      expect(members.size).toBe(best?.member_count);
      const linked = activeHydra.filter((a) => members.has(a)).length;
      expect(linked / activeHydra.length).toBeGreaterThanOrEqual(0.8);
      // Nothing but hydra accounts in it.
      expect([...members].filter((m) => !hydra.has(m))).toEqual([]);

      const open = r.alerts.filter(
        (a) => a.subject_id === best?.campaign_id && (a.state === "open" || a.state === "update"),
      );
      expect(open.length).toBeGreaterThan(0);
      const alert = open[open.length - 1];
      const templates = alert?.shared_fingerprints.filter((f) => f.kind === "template") ?? [];
      expect(templates.length).toBeGreaterThan(0);
      expect(alert?.summary).toContain(`template ${templates[0]?.value}`);
      for (const s of alert?.top_signals ?? []) {
        expect(Number.isFinite(s.value)).toBe(true);
        expect(Number.isFinite(s.baseline)).toBe(true);
      }
      expect(alert?.top_signals.map((s) => s.name)).toContain("cot_rate");
      // Leakage accounting: harvested tokens and what was taken before the first alert.
      expect(best?.output_tokens).toBeGreaterThan(0);
      expect(best?.requests_before_first_alert).toBeLessThanOrEqual(best?.requests ?? 0);
    }, 900_000);
  }
});

describe("checkpoints", () => {
  it("gives the same campaigns and alerts when the linker is restored from a checkpoint mid-stream", async () => {
    const options = { ...base, seed: 8, scenario: "hydra" };
    const straight = await runLinker(options);
    const restored = await runLinker(options, undefined, undefined, base.startMs + 3 * 3_600_000);
    expect(restored.alerts).toEqual(straight.alerts);
    expect([...restored.campaigns.values()]).toEqual([...straight.campaigns.values()]);
  }, 900_000);
});

describe("fingerprint tables in shards (issue 16)", () => {
  it("gives the same campaigns, ids and alerts with three shards as with one, restored or not", async () => {
    const options = { ...base, seed: 8, scenario: "hydra" };
    const one = await runLinker(options);
    const three = await runLinker(options, undefined, { ...defaultLinkerConfig, shards: 3 });
    expect(one.alerts.length).toBeGreaterThan(0);
    expect(three.alerts).toEqual(one.alerts);
    expect([...three.campaigns.values()]).toEqual([...one.campaigns.values()]);
    const restored = await runLinker(
      options,
      undefined,
      { ...defaultLinkerConfig, shards: 3 },
      base.startMs + 3 * 3_600_000,
    );
    expect(restored.alerts).toEqual(one.alerts);
    expect([...restored.campaigns.values()]).toEqual([...one.campaigns.values()]);
  }, 900_000);
});

describe("a linker split by account (issue 16)", () => {
  it("gives the same campaigns, ids and alerts with one and three account stages as one linker", async () => {
    const options = { ...base, seed: 8, scenario: "hydra" };
    const one = await runLinker(options);
    expect(one.alerts.length).toBeGreaterThan(0);
    for (const members of [1, 3]) {
      const split = await runLinker(options, undefined, undefined, undefined, members);
      expect(split.alerts, `${members} member(s)`).toEqual(one.alerts);
      expect([...split.campaigns.values()]).toEqual([...one.campaigns.values()]);
      expect(split.members).toEqual(one.members);
    }
  }, 900_000);
});

describe("benign look-alikes", () => {
  it("raises no campaign alert on the benign population and its archetypes", async () => {
    const r = await runLinker({ ...base, accounts: 20_000, scenario: "baseline" });
    for (const g of [
      "corporate_nat",
      "coding_agent",
      "saas_app",
      "eval_harness",
      "enterprise_batch",
      "reseller",
    ]) {
      expect(r.labels.groups[g]?.events, g).toBeGreaterThan(0);
    }
    expect(r.alerts).toEqual([]);
  }, 900_000);

  it("never puts a benign archetype's account into an alerted campaign when campaigns are present", async () => {
    const r = await runLinker({ ...base, accounts: 10_000, scenario: "all", seed: 9 });
    const label = new Map(r.labels.accounts.map((a) => [a.account_id, a.label]));
    const alerted = new Set(r.alerts.map((a) => a.subject_id));
    for (const c of r.campaigns.values()) {
      if (!alerted.has(c.campaign_id)) continue;
      for (const m of r.members.get(c.campaign_id) ?? [])
        expect(label.get(m) ?? "benign", m).not.toBe("benign");
    }
    expect(alerted.size).toBeGreaterThan(0);
  }, 900_000);
});
