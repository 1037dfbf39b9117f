import type { Alert, CampaignUpdate } from "@distillguard/contract";
import type { Labels } from "@distillguard/simulator";
import { describe, expect, it } from "vitest";
import {
  accountAlertCount,
  accountAlertFlags,
  type CampaignOutcome,
  campaignAlertChains,
  campaignMemberFlags,
  earliest,
  evaluateTargets,
  harvestBefore,
  linkedShare,
  type MethodRunScore,
  medianWithMisses,
  percent,
  precision,
  recall,
  type ScoredRun,
  scoreRun,
  summarizeBenignGroups,
  summarizeScenarios,
  wilsonUpper,
} from "./metrics.ts";

// A hand-built run: a hydra campaign c1 (h1..h4, h4 never active), a heavy extractor c2 (x1),
// an enterprise batch account e1, plain accounts p1..p5 (not in the labels, as the simulator
// leaves them out).
const labels: Labels = {
  scenario: "hand",
  seed: 1,
  options: {
    scenario: "hand",
    seed: 1,
    startMs: 0,
    durationMs: 86_400_000,
    accounts: 5,
    releaseAt: 0.25,
    campaignScale: 1,
  },
  window: { start_ms: 0, end_ms: 86_400_000, release_at_ms: 21_600_000 },
  events: 0,
  groups: {},
  campaigns: [
    campaign("c1", "hydra", ["h1", "h2", "h3", "h4"], 1_000_000, 1_600_000),
    campaign("c2", "heavy", ["x1"], 0, 60_000),
  ],
  accounts: [
    ...["h1", "h2", "h3", "h4"].map((id) => account(id, "extraction", "hydra", "c1")),
    account("x1", "extraction", "heavy", "c2"),
    account("e1", "benign", "enterprise_batch", null),
  ],
};
const active = new Set(["h1", "h2", "h3", "x1", "e1", "p1", "p2", "p3", "p4", "p5"]);

const alerts: Alert[] = [
  alert("account", "h1", "open", 1_900_000),
  alert("account", "p1", "open", 2_000_000),
  alert("account", "p1", "resolved", 2_900_000, { opened: 2_000_000 }),
  alert("account", "p1", "open", 5_000_000),
  alert("campaign", "cmp_a", "open", 1_800_000),
  alert("campaign", "cmp_b", "open", 1_800_000),
  // Two fragments of one actor: cmp_b merges into cmp_a, whose alert is already open.
  alert("campaign", "cmp_b", "resolved", 2_700_000, { opened: 1_800_000, summary: "merged into cmp_a" }),
  alert("campaign", "cmp_c", "open", 3_600_000),
  alert("campaign", "cmp_c", "resolved", 4_500_000, { opened: 3_600_000 }),
];
const campaigns: CampaignUpdate[] = [
  // Forming before its alert: not yet an alert an analyst sees.
  update("cmp_a", 1_500_000, ["h1", "h2"]),
  update("cmp_a", 1_800_000, ["h2", "h3"]),
  update("cmp_b", 1_800_000, ["e1", "h3"]),
  update("cmp_a", 2_700_000, ["h1", "h2", "h3", "e1"]),
  // Mostly benign: a campaign alert on a benign cluster.
  update("cmp_c", 3_600_000, ["p2", "p3", "h1"]),
  // Its alert resolves at this evaluation: p4 is not flagged.
  update("cmp_c", 4_500_000, ["p4"]),
];

describe("joining alerts with campaign updates", () => {
  it("takes each account's first account-alert opening and counts distinct alerts", () => {
    expect([...accountAlertFlags(alerts)]).toEqual([
      ["h1", 1_900_000],
      ["p1", 2_000_000],
    ]);
    expect(accountAlertCount(alerts)).toBe(3);
  });

  it("joins merged campaign alerts into one chain with members from open periods only", () => {
    const chains = campaignAlertChains(alerts, campaigns);
    expect(chains).toHaveLength(2);
    const [ab, c] = chains;
    expect(ab?.campaignIds.sort()).toEqual(["cmp_a", "cmp_b"]);
    expect(ab?.openedMs).toBe(1_800_000);
    expect(Object.fromEntries(ab?.members ?? [])).toEqual({
      h2: 1_800_000,
      h3: 1_800_000,
      e1: 1_800_000,
      h1: 2_700_000,
    });
    expect(Object.fromEntries(c?.members ?? [])).toEqual({ p2: 3_600_000, p3: 3_600_000, h1: 3_600_000 });
    expect(campaignMemberFlags(chains).get("h1")).toBe(2_700_000);
  });
});

describe("scoring one run", () => {
  const chains = campaignAlertChains(alerts, campaigns);
  const accountFlags = accountAlertFlags(alerts);
  const full = scoreRun({
    labels,
    active,
    flags: earliest(accountFlags, campaignMemberFlags(chains)),
    alerts: accountAlertCount(alerts) + chains.length,
    chains,
  });
  const noLinking = scoreRun({ labels, active, flags: accountFlags, alerts: accountAlertCount(alerts) });

  it("counts true and false positives over active accounts", () => {
    // Flagged: h1 h2 h3 (campaign), e1 p1 p2 p3 (benign); x1 missed; h4 never active.
    expect(full.accounts).toEqual({ tp: 3, fp: 4, fn: 1 });
    expect(precision(full.accounts)).toBeCloseTo(3 / 7, 12);
    expect(recall(full.accounts)).toBeCloseTo(3 / 4, 12);
    expect(full.benign).toEqual({
      enterprise_batch: { accounts: 1, flagged: 1 },
      plain: { accounts: 5, flagged: 3 },
    });
    expect(noLinking.accounts).toEqual({ tp: 1, fp: 1, fn: 3 });
    expect(precision(noLinking.accounts)).toBe(0.5);
    expect(recall(noLinking.accounts)).toBe(0.25);
  });

  it("measures time to detect from the campaign's start and from its 1% moment", () => {
    const [hydra, heavy] = full.campaigns;
    expect(hydra).toMatchObject({
      active_accounts: 3,
      flagged_accounts: 3,
      linked_accounts: 3,
      detected: true,
      first_detection_ms: 1_800_000,
      ttd_from_start_ms: 800_000,
      ttd_from_one_percent_ms: 200_000,
    });
    expect(linkedShare(hydra as CampaignOutcome)).toBe(1);
    expect(heavy).toMatchObject({ detected: false, ttd_from_start_ms: null, linked_accounts: 0 });
    // One account is not a group: linking does not apply.
    expect(linkedShare(heavy as CampaignOutcome)).toBeNull();
    expect(noLinking.campaigns[0]).toMatchObject({ ttd_from_start_ms: 900_000, linked_accounts: null });
  });

  it("counts analyst alerts and campaign alerts on benign clusters", () => {
    expect(full.alerts).toBe(5);
    expect(full.benign_campaign_alerts).toBe(1);
    expect(noLinking.alerts).toBe(3);
    expect(noLinking.benign_campaign_alerts).toBeNull();
  });

  it("counts an account flagged before the campaign started from the campaign's start", () => {
    const early = scoreRun({ labels, active, flags: new Map([["x1", 0]]), alerts: 1 });
    const late = { ...labels, campaigns: [campaign("c2", "heavy", ["x1"], 30_000, 90_000)] };
    const s = scoreRun({ labels: late, active, flags: new Map([["x1", 0]]), alerts: 1 });
    expect(early.campaigns[1]?.ttd_from_start_ms).toBe(0);
    expect(s.campaigns[0]).toMatchObject({ first_detection_ms: 30_000, ttd_from_one_percent_ms: -60_000 });
  });
});

describe("statistics", () => {
  it("treats a missed campaign as later than every detection in the median", () => {
    expect(medianWithMisses([1, 2, null])).toBe(2);
    expect(medianWithMisses([1, 3])).toBe(2);
    expect(medianWithMisses([1, null])).toBeNull();
    expect(medianWithMisses([1, null, null])).toBeNull();
    expect(medianWithMisses([])).toBeNull();
  });

  it("prints proportions with the digits a 0.1% target needs", () => {
    expect(percent(0)).toBe("0.0%");
    expect(percent(0.5)).toBe("50.0%");
    expect(percent(0.0123)).toBe("1.23%");
    expect(percent(0.00123)).toBe("0.123%");
    expect(percent(1 / 329_034)).toBe("0.00030%");
  });

  it("counts what a campaign harvested before it was detected, and all of it when it never was", () => {
    const times = Float64Array.from([10, 20, 20, 30, 40]);
    expect(harvestBefore(times, 20)).toEqual({ requests_before_detection: 1, share_before_detection: 0.2 });
    expect(harvestBefore(times, 31)).toEqual({ requests_before_detection: 4, share_before_detection: 0.8 });
    expect(harvestBefore(times, 5)).toEqual({ requests_before_detection: 0, share_before_detection: 0 });
    expect(harvestBefore(times, null)).toEqual({ requests_before_detection: 5, share_before_detection: 1 });
    expect(harvestBefore(undefined, 20)).toEqual({
      requests_before_detection: null,
      share_before_detection: null,
    });
  });

  it("bounds a proportion from above with the Wilson interval", () => {
    expect(wilsonUpper(0, 1000)).toBeCloseTo(1.959964 ** 2 / (1000 + 1.959964 ** 2), 12);
    expect(wilsonUpper(5, 10)).toBeCloseTo(0.7634, 4);
    expect(wilsonUpper(0, 0)).toBeNull();
  });
});

describe("across runs", () => {
  const outcome = (type: string, ttd: number | null, linked = 1, accounts = 1): CampaignOutcome => ({
    campaign_id: `${type}-${ttd}`,
    type,
    active_accounts: accounts,
    flagged_accounts: ttd === null ? 0 : accounts,
    linked_accounts: linked,
    detected: ttd !== null,
    first_detection_ms: ttd,
    ttd_from_start_ms: ttd,
    ttd_from_one_percent_ms: ttd,
    requests_before_detection: null,
    share_before_detection: ttd === null ? 1 : ttd / 1_000_000,
  });
  const score = (s: Partial<MethodRunScore>): MethodRunScore => ({
    accounts: { tp: 0, fp: 0, fn: 0 },
    benign: {},
    campaigns: [],
    alerts: 0,
    benign_campaign_alerts: 0,
    ...s,
  });
  const day = 86_400_000;

  it("pools accounts over seeds and divides alerts by simulated days", () => {
    const runs: ScoredRun[] = [
      {
        scenario: "heavy",
        seed: 1,
        duration_ms: day / 2,
        methods: {
          detector: score({
            accounts: { tp: 1, fp: 1, fn: 0 },
            benign: { plain: { accounts: 100, flagged: 1 } },
            campaigns: [outcome("heavy", 60_000)],
            alerts: 2,
          }),
        },
      },
      {
        scenario: "heavy",
        seed: 2,
        duration_ms: day / 2,
        methods: {
          detector: score({
            accounts: { tp: 0, fp: 0, fn: 1 },
            benign: { plain: { accounts: 300, flagged: 0 } },
            campaigns: [outcome("heavy", null)],
            alerts: 1,
          }),
        },
      },
    ];
    const [s] = summarizeScenarios(runs, ["detector"]);
    expect(s).toMatchObject({
      runs: 2,
      campaigns: 2,
      campaigns_detected: 1,
      campaign_recall: 0.5,
      account_precision: 0.5,
      account_recall: 0.5,
      ttd_from_start_median_ms: null,
      benign_accounts: 400,
      benign_flagged: 1,
      benign_fpr: 1 / 400,
      alerts: 3,
      simulated_days: 1,
      alerts_per_day: 3,
    });
    // Harvested before detection: 6% of one campaign, all of the missed one's.
    expect(s?.share_before_detection_median).toBeCloseTo((0.06 + 1) / 2, 12);
    const groups = summarizeBenignGroups(runs, ["detector"]);
    expect(groups.map((g) => [g.group, g.accounts, g.flagged])).toEqual([
      ["plain", 400, 1],
      ["all benign", 400, 1],
    ]);
  });

  it("marks each target met or not with the measured value", () => {
    const hydra = [
      ...Array.from({ length: 19 }, (_, i) => outcome("hydra", (10 + i) * 60_000, 9, 10)),
      outcome("hydra", 20 * 60_000, 7, 10),
    ];
    const runs: ScoredRun[] = [
      {
        scenario: "mixed",
        seed: 1,
        duration_ms: day,
        methods: {
          detector: score({
            campaigns: [
              ...hydra,
              outcome("heavy", 4 * 60_000),
              outcome("heavy", 6 * 60_000),
              outcome("heavy", 5 * 60_000),
              ...Array.from({ length: 4 }, () => outcome("slow", 600 * 60_000)),
              outcome("slow", null),
              outcome("sweep", 20 * 60_000),
              outcome("sweep", null),
            ],
            benign: {
              plain: { accounts: 1000, flagged: 1 },
              reseller: { accounts: 10, flagged: 1 },
              eval_harness: { accounts: 100, flagged: 1 },
            },
          }),
        },
      },
    ];
    const t = Object.fromEntries(evaluateTargets(runs).map((r) => [r.id, r]));
    // 19 of 20 seeds detected with ≥ 80% linked (one linked 70%): exactly 95%.
    expect(t.hydra_detected_linked).toMatchObject({ value: 0.95, met: true, measured: "19/20 seeds" });
    expect(t.hydra_ttd).toMatchObject({ value: 19.5 * 60_000, met: true });
    expect(t.heavy_ttd).toMatchObject({ value: 5 * 60_000, met: true });
    expect(t.router_ttd).toMatchObject({ met: null, measured: "not in suite" });
    expect(t.benign_fpr_plain).toMatchObject({ value: 0.001, met: true });
    expect(t.benign_fpr_reseller).toMatchObject({ value: 0.1, met: false });
    // An archetype is held to 1%, the whole benign population to 0.1%.
    expect(t.benign_fpr_eval_harness).toMatchObject({ value: 0.01, met: true });
    expect(t.benign_fpr).toMatchObject({ value: 3 / 1110, met: false });
    expect(t.slow_detected).toMatchObject({ value: 0.8, met: true, measured: "4/5 seeds" });
    expect(t.sweep_detected).toMatchObject({ value: 0.5, met: false, measured: "1/2 seeds" });
    expect(t.benign_campaign_alerts).toMatchObject({ value: 0, met: true });
  });
});

function campaign(
  id: string,
  type: string,
  accountIds: string[],
  first: number,
  onePercent: number,
): Labels["campaigns"][number] {
  return {
    campaign_id: id,
    type,
    params: {},
    account_ids: accountIds,
    events: 100,
    output_tokens: 0,
    reasoning_tokens: 0,
    first_event_ms: first,
    last_event_ms: first + 3_600_000,
    one_percent_ms: onePercent,
  };
}

function account(
  id: string,
  label: string,
  group: string,
  campaignId: string | null,
): Labels["accounts"][number] {
  return { account_id: id, label, group, campaign_id: campaignId, events: 1 };
}

function alert(
  kind: Alert["subject_kind"],
  subject: string,
  state: Alert["state"],
  t: number,
  o: { opened?: number; summary?: string } = {},
): Alert {
  const opened = o.opened ?? t;
  return {
    alert_id: `${kind}:${subject}:${opened}`,
    revision: state === "open" ? 0 : 1,
    subject_kind: kind,
    subject_id: subject,
    state,
    severity: "medium",
    score: 5,
    opened_at_ms: opened,
    event_time_ms: t,
    member_count: 1,
    top_signals: [],
    shared_fingerprints: [],
    summary: o.summary ?? `${subject} ${state}`,
  };
}

function update(id: string, t: number, members: string[]): CampaignUpdate {
  return {
    campaign_id: id,
    event_time_ms: t,
    status: "active",
    member_count: members.length,
    members,
    members_truncated: false,
    shared_fingerprints: [],
    requests: 0,
    input_tokens: 0,
    output_tokens: 0,
    reasoning_tokens: 0,
    requests_before_first_alert: 0,
    output_tokens_before_first_alert: 0,
    template_concentration: 0,
    cot_rate: 0,
    score: 5,
    signals: [],
  };
}
