// Report data for the unit tests, shaped like the queries' rows from the README demo's hydra run.
import { buildReport, type CampaignReport } from "./model.ts";
import type { AlertEvent, CampaignRow, TimelinePoint } from "./rows.ts";

export const T0 = Date.parse("2026-03-02T00:00:00Z");
const MIN = 60_000;

export function campaignRow(over: Partial<CampaignRow> = {}): CampaignRow {
  return {
    campaignId: "cmp_6a01b9d3b32fea5e_mm8h21s0",
    firstSeenMs: T0 + 60 * MIN,
    lastUpdateMs: T0 + 115 * MIN,
    status: "active",
    memberCount: 268,
    membersTruncated: false,
    requests: 281,
    inputTokens: 0,
    outputTokens: 293_074,
    reasoningTokens: 293_123,
    cotRate: 0.886,
    templateConcentration: 1,
    score: 5.12,
    fingerprints: [
      { kind: "template", value: "6a01b9d3b32fea5e", weight: 3.96, memberCount: 31 },
      { kind: "template", value: "1a5921fd783b21eb", weight: 3.76, memberCount: 38 },
      { kind: "ip_prefix", value: "159.148.224.0/24", weight: 6.3, memberCount: 2 },
      { kind: "template", value: "7cb5e1088f4e9363", weight: 3.84, memberCount: 35 },
    ],
    signals: [
      { name: "multi_prefix_share", value: 1, baseline: 0.1, z: 3.37, contribution: 0.2 },
      { name: "cot_rate", value: 0.886, baseline: 0.04, z: 11.36, contribution: 0.4 },
      { name: "multi_asn_share", value: 0.92, baseline: 0.05, z: 12.46, contribution: 0.3 },
    ],
    alertId: "campaign:cmp_6a01b9d3b32fea5e_mm8h21s0:1772413200000",
    alertState: "update",
    severity: "high",
    alertSummary:
      "268 accounts linked by template 1a5921fd783b21eb (38 accounts); cot_rate 0.89 vs baseline 0.04",
    alertOpenedMs: T0 + 60 * MIN,
    ...over,
  };
}

export function timeline(campaignId: string, points: number): TimelinePoint[] {
  return Array.from({ length: points }, (_, i) => ({
    campaignId,
    eventTimeMs: T0 + (60 + 5 * i) * MIN,
    memberCount: 10 + 20 * i,
    requests: 12 + 22 * i,
    outputTokens: 13_000 + 25_000 * i,
    reasoningTokens: 8_800 + 24_000 * i,
  }));
}

export function alertEvents(campaignId: string): AlertEvent[] {
  return ["open", "update", "update"].map((state, revision) => ({
    campaignId,
    alertId: `campaign:${campaignId}:${T0 + 60 * MIN}`,
    revision,
    state,
    severity: revision < 2 ? "medium" : "high",
    eventTimeMs: T0 + (60 + 10 * revision) * MIN,
  }));
}

/** A report of `campaigns`, each with three timeline points, its alert revisions and two members. */
export function report(campaigns: CampaignRow[], over: Partial<CampaignReport> = {}): CampaignReport {
  return buildReport(
    {
      database: "distillguard",
      sinceMs: T0 + 115 * MIN - 86_400_000,
      newestUpdateMs: T0 + 115 * MIN,
      all: false,
      limit: 50,
      generatedAtMs: T0 + 200 * MIN,
      ...over,
    },
    {
      campaigns,
      timeline: campaigns.flatMap((c) => timeline(c.campaignId, 3)),
      alertEvents: campaigns.flatMap((c) => (c.alertId ? alertEvents(c.campaignId) : [])),
      members: campaigns.flatMap((c) => [
        { campaignId: c.campaignId, accountId: "acct_54e4bf5d4657", rank: 1 },
        { campaignId: c.campaignId, accountId: "acct_2d484a391205", rank: 0 },
      ]),
    },
  );
}
