// Detection quality from alerts and ground truth: pure arithmetic, no clock, no I/O. Every time
// here is event time (ms since the epoch) as the detector and the simulator's labels give it.

import type { Alert, CampaignUpdate } from "@distillguard/contract";
import type { Labels } from "@distillguard/simulator";

/** Each flagged account's first detection, in event time. */
export type Flags = ReadonlyMap<string, number>;

/**
 * One campaign alert as an analyst sees it: the linker may open alerts on two fragments of
 * one actor and merge them later ("merged into …"); the chain of merged alerts is one alert.
 */
export interface CampaignAlertChain {
  alertIds: string[];
  campaignIds: string[];
  openedMs: number;
  /** Accounts listed as members while the alert was open, with the first time they were. */
  members: Map<string, number>;
}

/** First opening of an account alert per account. */
export function accountAlertFlags(alerts: readonly Alert[]): Map<string, number> {
  const flags = new Map<string, number>();
  for (const a of alerts) {
    if (a.subject_kind !== "account" || a.state !== "open") continue;
    const seen = flags.get(a.subject_id);
    if (seen === undefined || a.opened_at_ms < seen) flags.set(a.subject_id, a.opened_at_ms);
  }
  return flags;
}

/** Distinct account alerts opened (an account alerted, resolved and alerted again counts twice). */
export function accountAlertCount(alerts: readonly Alert[]): number {
  const ids = new Set<string>();
  for (const a of alerts) if (a.subject_kind === "account" && a.state === "open") ids.add(a.alert_id);
  return ids.size;
}

const mergedInto = /^merged into (\S+)$/;

/**
 * Campaign alerts joined with the campaign updates of the same evaluations: an update counts
 * towards an alert when the alert is open at that evaluation (its records up to and including
 * that event time leave it open). Alerts resolved as "merged into X" join X's alert open at
 * that moment, so one actor is one chain.
 */
export function campaignAlertChains(
  alerts: readonly Alert[],
  campaigns: readonly CampaignUpdate[],
): CampaignAlertChain[] {
  const campaignAlerts = alerts.filter((a) => a.subject_kind === "campaign");
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let root = id;
    for (let up = parent.get(root); up !== undefined && up !== root; up = parent.get(root)) root = up;
    parent.set(id, root);
    return root;
  };
  for (const a of campaignAlerts) if (!parent.has(a.alert_id)) parent.set(a.alert_id, a.alert_id);

  // Replay alert records and updates in event-time order; at one evaluation, alert records
  // first (an alert opening there covers that evaluation's update; one resolving does not).
  const times = [
    ...new Set([...campaignAlerts.map((a) => a.event_time_ms), ...campaigns.map((c) => c.event_time_ms)]),
  ];
  times.sort((x, y) => x - y);
  const alertsAt = groupBy(campaignAlerts, (a) => a.event_time_ms);
  const updatesAt = groupBy(campaigns, (c) => c.event_time_ms);
  const live = new Map<string, Alert>();
  const opened = new Map<string, number>();
  const members = new Map<string, Map<string, number>>();
  const subjectOf = new Map<string, string>();
  const merges: { from: string; into: string }[] = [];
  for (const t of times) {
    for (const a of alertsAt.get(t) ?? []) {
      if (!opened.has(a.alert_id)) opened.set(a.alert_id, a.opened_at_ms);
      subjectOf.set(a.alert_id, a.subject_id);
      if (a.state === "resolved") {
        if (live.get(a.subject_id)?.alert_id === a.alert_id) live.delete(a.subject_id);
        const m = mergedInto.exec(a.summary);
        if (m?.[1]) merges.push({ from: a.alert_id, into: m[1] });
      } else live.set(a.subject_id, a);
    }
    // The surviving campaign's alert is announced in the same evaluation as the merge.
    for (const m of merges.splice(0)) {
      const target = live.get(m.into);
      if (target) parent.set(find(m.from), find(target.alert_id));
    }
    for (const c of updatesAt.get(t) ?? []) {
      const a = live.get(c.campaign_id);
      if (!a) continue;
      let m = members.get(a.alert_id);
      if (!m) {
        m = new Map();
        members.set(a.alert_id, m);
      }
      for (const account of c.members) if (!m.has(account)) m.set(account, t);
    }
  }

  const chains = new Map<string, CampaignAlertChain>();
  for (const id of parent.keys()) {
    const root = find(id);
    let chain = chains.get(root);
    if (!chain) {
      chain = { alertIds: [], campaignIds: [], openedMs: Number.POSITIVE_INFINITY, members: new Map() };
      chains.set(root, chain);
    }
    chain.alertIds.push(id);
    const subject = subjectOf.get(id);
    if (subject !== undefined && !chain.campaignIds.includes(subject)) chain.campaignIds.push(subject);
    chain.openedMs = Math.min(chain.openedMs, opened.get(id) ?? Number.POSITIVE_INFINITY);
    for (const [account, at] of members.get(id) ?? []) {
      const seen = chain.members.get(account);
      if (seen === undefined || at < seen) chain.members.set(account, at);
    }
  }
  return [...chains.values()].sort((x, y) => x.openedMs - y.openedMs);
}

/** Accounts flagged by being a member of an open campaign alert, first time each was. */
export function campaignMemberFlags(chains: readonly CampaignAlertChain[]): Map<string, number> {
  return earliest(...chains.map((c) => c.members));
}

/** Union of flags, keeping each account's earliest detection. */
export function earliest(...flags: Flags[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of flags) {
    for (const [account, t] of f) {
      const seen = out.get(account);
      if (seen === undefined || t < seen) out.set(account, t);
    }
  }
  return out;
}

/** Requests in `times` (ascending) before `first`, and their share; every one when `first` is null. */
export function harvestBefore(
  times: Float64Array | undefined,
  first: number | null,
): Pick<CampaignOutcome, "requests_before_detection" | "share_before_detection"> {
  if (times === undefined) return { requests_before_detection: null, share_before_detection: null };
  let before = times.length;
  if (first !== null) {
    let lo = 0;
    while (lo < before) {
      const mid = (lo + before) >>> 1;
      if ((times[mid] as number) < first) lo = mid + 1;
      else before = mid;
    }
  }
  return {
    requests_before_detection: before,
    share_before_detection: times.length > 0 ? before / times.length : null,
  };
}

/** Ground truth by account: plain accounts are not listed in the labels and are benign. */
export interface Truth {
  groupOf(account: string): string;
  campaignOf(account: string): string | null;
}

export function truthOf(labels: Labels): Truth {
  const byId = new Map(labels.accounts.map((a) => [a.account_id, a]));
  return {
    groupOf: (account) => byId.get(account)?.group ?? "plain",
    campaignOf: (account) => byId.get(account)?.campaign_id ?? null,
  };
}

export interface AccountCounts {
  /** Flagged accounts that belong to a campaign. */
  tp: number;
  /** Flagged benign accounts. */
  fp: number;
  /** Active campaign accounts never flagged. */
  fn: number;
}

export interface CampaignOutcome {
  campaign_id: string;
  type: string;
  /** Campaign accounts that sent at least one request in the run. */
  active_accounts: number;
  flagged_accounts: number;
  /** Active accounts listed as members of an open campaign alert; null where the method has none. */
  linked_accounts: number | null;
  detected: boolean;
  /** First flag of one of its accounts, but not before the campaign's first request. */
  first_detection_ms: number | null;
  /** From the campaign's first request. */
  ttd_from_start_ms: number | null;
  /** From the moment it had sent 1% of its requests; negative when caught before that. */
  ttd_from_one_percent_ms: number | null;
  /**
   * Its extraction requests answered before it was detected (all of them if it never was), and
   * their share of all it sent in the run: what it harvested meanwhile. Null: not recorded.
   */
  requests_before_detection: number | null;
  share_before_detection: number | null;
}

export interface MethodRunScore {
  accounts: AccountCounts;
  /** Active benign accounts and how many were flagged, by group (archetype). */
  benign: Record<string, { accounts: number; flagged: number }>;
  campaigns: CampaignOutcome[];
  /** Alerts an analyst would open: account alerts + campaign alert chains, or limit hits. */
  alerts: number;
  /** Campaign alert chains whose members are mostly benign; null where the method has none. */
  benign_campaign_alerts: number | null;
}

export interface MethodRunInput {
  labels: Labels;
  /** Accounts that sent at least one request. */
  active: ReadonlySet<string>;
  flags: Flags;
  alerts: number;
  chains?: readonly CampaignAlertChain[];
  /** Event times of each campaign's extraction requests, ascending, by campaign id. */
  harvest?: ReadonlyMap<string, Float64Array>;
}

/** One method's outcome on one run: flags joined with ground truth. */
export function scoreRun(input: MethodRunInput): MethodRunScore {
  const truth = truthOf(input.labels);
  const accounts: AccountCounts = { tp: 0, fp: 0, fn: 0 };
  const benign: MethodRunScore["benign"] = {};
  for (const account of input.active) {
    const flagged = input.flags.has(account);
    if (truth.campaignOf(account) !== null) {
      if (flagged) accounts.tp++;
      else accounts.fn++;
      continue;
    }
    const group = truth.groupOf(account);
    const g = benign[group] ?? { accounts: 0, flagged: 0 };
    g.accounts++;
    if (flagged) g.flagged++;
    benign[group] = g;
  }
  // A flag on an account that never sent a request cannot happen; count it as a false one if it does.
  for (const account of input.flags.keys()) {
    if (!input.active.has(account) && truth.campaignOf(account) === null) accounts.fp++;
  }
  for (const g of Object.values(benign)) accounts.fp += g.flagged;

  const linked = input.chains ? campaignMemberFlags(input.chains) : null;
  const campaigns = input.labels.campaigns.map((c): CampaignOutcome => {
    const members = c.account_ids.filter((a) => input.active.has(a));
    let first: number | null = null;
    let flagged = 0;
    for (const a of members) {
      const t = input.flags.get(a);
      if (t === undefined) continue;
      flagged++;
      if (first === null || t < first) first = t;
    }
    // An account flagged before the campaign used it (a router's customer traffic alone can
    // exceed a limit) is still flagged when the campaign starts: detection counts from there.
    if (first !== null && c.first_event_ms !== null) first = Math.max(first, c.first_event_ms);
    return {
      campaign_id: c.campaign_id,
      type: c.type,
      active_accounts: members.length,
      flagged_accounts: flagged,
      linked_accounts: linked ? members.filter((a) => linked.has(a)).length : null,
      detected: first !== null,
      first_detection_ms: first,
      ttd_from_start_ms: first !== null && c.first_event_ms !== null ? first - c.first_event_ms : null,
      ttd_from_one_percent_ms: first !== null && c.one_percent_ms !== null ? first - c.one_percent_ms : null,
      ...harvestBefore(input.harvest?.get(c.campaign_id), first),
    };
  });

  let benignChains: number | null = null;
  if (input.chains) {
    benignChains = 0;
    for (const chain of input.chains) {
      let benignMembers = 0;
      for (const a of chain.members.keys()) if (truth.campaignOf(a) === null) benignMembers++;
      if (benignMembers * 2 > chain.members.size) benignChains++;
    }
  }
  return { accounts, benign, campaigns, alerts: input.alerts, benign_campaign_alerts: benignChains };
}

export function precision(c: AccountCounts): number | null {
  return c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : null;
}

export function recall(c: AccountCounts): number | null {
  return c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : null;
}

/**
 * Median where a miss (null) counts as later than any detection: with half the seeds missed
 * the median is a miss (null), not the median of the lucky half.
 */
export function medianWithMisses(values: readonly (number | null)[]): number | null {
  if (values.length === 0) return null;
  const sorted = values.map((v) => v ?? Number.POSITIVE_INFINITY).sort((x, y) => x - y);
  const mid = sorted.length / 2;
  const m =
    sorted.length % 2 === 1
      ? (sorted[Math.floor(mid)] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return Number.isFinite(m) ? m : null;
}

/** Upper end of the 95% Wilson score interval of a proportion: what "0 of n" still allows. */
export function wilsonUpper(successes: number, n: number): number | null {
  if (n === 0) return null;
  const z = 1.959964;
  const p = successes / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.min(1, (centre + spread) / (1 + z2 / n));
}

function groupBy<T>(items: readonly T[], key: (t: T) => number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

// ---- across runs -------------------------------------------------------------------------

/** What aggregation needs of one run. */
export interface ScoredRun {
  scenario: string;
  seed: number;
  duration_ms: number;
  methods: Record<string, MethodRunScore>;
}

/** Share of a campaign's active accounts linked to an open campaign alert; null for one account. */
export function linkedShare(c: CampaignOutcome): number | null {
  if (c.linked_accounts === null || c.active_accounts < 2) return null;
  return c.linked_accounts / c.active_accounts;
}

export interface ScenarioSummary {
  scenario: string;
  method: string;
  runs: number;
  campaigns: number;
  campaigns_detected: number;
  campaign_recall: number | null;
  /** Mean over multi-account campaigns of the share of their accounts linked. */
  linked_share: number | null;
  account_precision: number | null;
  account_recall: number | null;
  /** Medians over campaigns, a missed campaign counting as later than any detection. */
  ttd_from_start_median_ms: number | null;
  ttd_from_one_percent_median_ms: number | null;
  /** Median over campaigns of the share of their requests answered before detection (1 if missed). */
  share_before_detection_median: number | null;
  benign_accounts: number;
  benign_flagged: number;
  benign_fpr: number | null;
  alerts: number;
  simulated_days: number;
  alerts_per_day: number;
  benign_campaign_alerts: number | null;
}

/** Per scenario and method, pooled over seeds (accounts summed, then the ratio). */
export function summarizeScenarios(
  runs: readonly ScoredRun[],
  methods: readonly string[],
): ScenarioSummary[] {
  const scenarios = [...new Set(runs.map((r) => r.scenario))];
  const out: ScenarioSummary[] = [];
  for (const scenario of scenarios) {
    const mine = runs.filter((r) => r.scenario === scenario);
    for (const method of methods) {
      const scores = mine.flatMap((r) => (r.methods[method] ? [r.methods[method]] : []));
      const counts: AccountCounts = { tp: 0, fp: 0, fn: 0 };
      let benignAccounts = 0;
      let benignFlagged = 0;
      let alerts = 0;
      let benignChains: number | null = null;
      const campaigns: CampaignOutcome[] = [];
      for (const s of scores) {
        counts.tp += s.accounts.tp;
        counts.fp += s.accounts.fp;
        counts.fn += s.accounts.fn;
        for (const g of Object.values(s.benign)) {
          benignAccounts += g.accounts;
          benignFlagged += g.flagged;
        }
        alerts += s.alerts;
        if (s.benign_campaign_alerts !== null) benignChains = (benignChains ?? 0) + s.benign_campaign_alerts;
        campaigns.push(...s.campaigns);
      }
      const shares = campaigns.map(linkedShare).filter((x): x is number => x !== null);
      const days = mine.reduce((n, r) => n + r.duration_ms, 0) / 86_400_000;
      const detected = campaigns.filter((c) => c.detected).length;
      out.push({
        scenario,
        method,
        runs: scores.length,
        campaigns: campaigns.length,
        campaigns_detected: detected,
        campaign_recall: campaigns.length > 0 ? detected / campaigns.length : null,
        linked_share: shares.length > 0 ? shares.reduce((a, b) => a + b, 0) / shares.length : null,
        account_precision: precision(counts),
        account_recall: recall(counts),
        ttd_from_start_median_ms: medianWithMisses(campaigns.map((c) => c.ttd_from_start_ms)),
        ttd_from_one_percent_median_ms: medianWithMisses(campaigns.map((c) => c.ttd_from_one_percent_ms)),
        share_before_detection_median: medianWithMisses(
          campaigns.flatMap((c) => (c.share_before_detection === null ? [] : [c.share_before_detection])),
        ),
        benign_accounts: benignAccounts,
        benign_flagged: benignFlagged,
        benign_fpr: benignAccounts > 0 ? benignFlagged / benignAccounts : null,
        alerts,
        simulated_days: days,
        alerts_per_day: days > 0 ? alerts / days : 0,
        benign_campaign_alerts: benignChains,
      });
    }
  }
  return out;
}

export interface GroupSummary {
  group: string;
  method: string;
  accounts: number;
  flagged: number;
  fpr: number | null;
  fpr_upper95: number | null;
}

/** Benign false-positive rate per archetype over every run (benign accounts of all scenarios). */
export function summarizeBenignGroups(
  runs: readonly ScoredRun[],
  methods: readonly string[],
): GroupSummary[] {
  const out: GroupSummary[] = [];
  for (const method of methods) {
    const groups = new Map<string, { accounts: number; flagged: number }>();
    for (const r of runs) {
      for (const [group, g] of Object.entries(r.methods[method]?.benign ?? {})) {
        const acc = groups.get(group) ?? { accounts: 0, flagged: 0 };
        acc.accounts += g.accounts;
        acc.flagged += g.flagged;
        groups.set(group, acc);
      }
    }
    const total = { accounts: 0, flagged: 0 };
    for (const g of groups.values()) {
      total.accounts += g.accounts;
      total.flagged += g.flagged;
    }
    const rows = [...[...groups].sort(([x], [y]) => x.localeCompare(y)), ["all benign", total] as const];
    for (const [group, g] of rows) {
      out.push({
        group,
        method,
        accounts: g.accounts,
        flagged: g.flagged,
        fpr: g.accounts > 0 ? g.flagged / g.accounts : null,
        fpr_upper95: wilsonUpper(g.flagged, g.accounts),
      });
    }
  }
  return out;
}

export interface TargetResult {
  id: string;
  target: string;
  measured: string;
  value: number | null;
  /** null: the suite had nothing to measure it on. */
  met: boolean | null;
}

export const targetLimits = {
  hydraSeedShare: 0.95,
  hydraLinkedShare: 0.8,
  hydraTtdMs: 30 * 60_000,
  heavyTtdMs: 5 * 60_000,
  routerTtdMs: 60 * 60_000,
  /** Slow-and-low and capability sweeps: detected at all in this share of seeds. */
  seedShare: 0.8,
  benignFpr: 0.001,
  /** Every benign archetype (eval harnesses, classes, resellers …) on its own. */
  archetypeFpr: 0.01,
};

/** The issue's targets, measured on the `detector` method; TTD from each campaign's first request. */
export function evaluateTargets(runs: readonly ScoredRun[], method = "detector"): TargetResult[] {
  const outcomes = (type: string) =>
    runs.flatMap((r) => (r.methods[method]?.campaigns ?? []).filter((c) => c.type === type));
  const minutes = (ms: number | null) => (ms === null ? "not detected" : `${(ms / 60_000).toFixed(1)} min`);
  const ttdTarget = (id: string, type: string, limitMs: number): TargetResult => {
    const cs = outcomes(type);
    const median = medianWithMisses(cs.map((c) => c.ttd_from_start_ms));
    const missed = cs.filter((c) => !c.detected).length;
    return {
      id,
      target: `${type}: median time to detect ≤ ${limitMs / 60_000} min`,
      measured:
        cs.length === 0
          ? "not in suite"
          : `${minutes(median)} (median of ${cs.length}${missed > 0 ? `, ${missed} missed` : ""})`,
      value: median,
      met: cs.length === 0 ? null : median !== null && median <= limitMs,
    };
  };

  const detectedTarget = (id: string, type: string): TargetResult => {
    const cs = outcomes(type);
    const detected = cs.filter((c) => c.detected).length;
    return {
      id,
      target: `${type}: detected in ≥ ${targetLimits.seedShare * 100}% of seeds`,
      measured: cs.length === 0 ? "not in suite" : `${detected}/${cs.length} seeds`,
      value: cs.length > 0 ? detected / cs.length : null,
      met: cs.length === 0 ? null : detected / cs.length >= targetLimits.seedShare,
    };
  };

  const hydra = outcomes("hydra");
  const good = hydra.filter(
    (c) => c.detected && (linkedShare(c) ?? 0) >= targetLimits.hydraLinkedShare,
  ).length;
  const results: TargetResult[] = [
    {
      id: "hydra_detected_linked",
      target: `hydra: detected with ≥ ${targetLimits.hydraLinkedShare * 100}% of members linked in ≥ ${targetLimits.hydraSeedShare * 100}% of seeds`,
      measured: hydra.length === 0 ? "not in suite" : `${good}/${hydra.length} seeds`,
      value: hydra.length > 0 ? good / hydra.length : null,
      met: hydra.length === 0 ? null : good / hydra.length >= targetLimits.hydraSeedShare,
    },
    ttdTarget("hydra_ttd", "hydra", targetLimits.hydraTtdMs),
    ttdTarget("heavy_ttd", "heavy", targetLimits.heavyTtdMs),
    ttdTarget("router_ttd", "router", targetLimits.routerTtdMs),
    detectedTarget("slow_detected", "slow"),
    detectedTarget("sweep_detected", "sweep"),
  ];
  for (const g of summarizeBenignGroups(runs, [method])) {
    const overall = g.group === "all benign";
    const limit = overall ? targetLimits.benignFpr : targetLimits.archetypeFpr;
    results.push({
      id: overall ? "benign_fpr" : `benign_fpr_${g.group}`,
      target: `benign FPR ≤ ${limit * 100}%: ${overall ? "overall" : g.group}`,
      measured:
        g.fpr === null
          ? "no accounts"
          : `${percent(g.fpr)} (${g.flagged}/${g.accounts}; 95% upper ${percent(g.fpr_upper95 ?? 1)})`,
      value: g.fpr,
      met: g.fpr === null ? null : g.fpr <= limit,
    });
  }
  const withChains = runs.flatMap((r) => {
    const n = r.methods[method]?.benign_campaign_alerts;
    return n === undefined || n === null ? [] : [n];
  });
  const benignChains = withChains.reduce((a, b) => a + b, 0);
  results.push({
    id: "benign_campaign_alerts",
    target: "zero campaign alerts on benign clusters",
    measured: withChains.length === 0 ? "not measured" : `${benignChains} over ${withChains.length} runs`,
    value: withChains.length === 0 ? null : benignChains,
    met: withChains.length === 0 ? null : benignChains === 0,
  });
  return results;
}

/** A proportion as a percentage with enough digits to compare with 0.1%. */
export function percent(x: number): string {
  // Below 0.001% fixed decimals would print a flagged account as 0.000%.
  if (x > 0 && x < 1e-5) return `${(x * 100).toPrecision(2)}%`;
  return `${(x * 100).toFixed(x === 0 || x >= 0.1 ? 1 : x >= 0.01 ? 2 : 3)}%`;
}
