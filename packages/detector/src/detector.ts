import {
  CampaignLinker,
  defaultLinkerConfig,
  type LinkEvent,
  type LinkerConfig,
} from "@distillguard/campaigns";
import type { AccountScore, Alert, CampaignUpdate } from "@distillguard/contract";
import type { StoreHooks } from "@distillguard/windows";
import { AlertLifecycle } from "./alerts.ts";
import { AccountFeatures, type FeatureEvent, signalIndex, signalNames } from "./features.ts";
import { AccountScorer, defaultScorerConfig, type ScorerConfig } from "./scorer.ts";

export type DetectorEvent = FeatureEvent & LinkEvent;

export interface DetectorConfig {
  scorer: ScorerConfig;
  linker: LinkerConfig;
  /** Accounts sampled per evaluation for the population baselines. */
  baselineSample: number;
  /** Account scores at or above this are emitted even without an alert. */
  reportScore: number;
  version: string;
}

export const defaultDetectorConfig: DetectorConfig = {
  scorer: defaultScorerConfig,
  linker: defaultLinkerConfig,
  baselineSample: 20_000,
  reportScore: 1,
  version: "0.1.0",
};

export interface DetectorOutput {
  scores: AccountScore[];
  alerts: Alert[];
  campaigns: CampaignUpdate[];
}

/**
 * The pure detection core: per-account window features, robust account scores against the
 * population, and the campaign linker, driven by events and by `evaluate(nowMs)` in event
 * time. No clock, no I/O: services call it and move its output.
 */
export class Detector {
  readonly features: AccountFeatures;
  readonly scorer: AccountScorer;
  readonly linker: CampaignLinker;
  private readonly accountAlerts: AlertLifecycle;
  private touched = new Set<string>();
  private readonly vector = new Float64Array(signalNames.length);
  lateEvents = 0;

  constructor(
    readonly config: DetectorConfig = defaultDetectorConfig,
    hooks: StoreHooks = {},
  ) {
    this.features = new AccountFeatures(undefined, {
      ...hooks,
      onLate: (key, t, late) => {
        this.lateEvents++;
        hooks.onLate?.(key, t, late);
      },
    });
    this.scorer = new AccountScorer(config.scorer);
    this.linker = new CampaignLinker(config.linker);
    this.accountAlerts = new AlertLifecycle("account", {
      openScore: config.scorer.openScore,
      resolveScore: config.scorer.resolveScore,
      resolveAfter: config.scorer.resolveAfter,
    });
  }

  /** A model released now: requests on it count towards new_model_share. */
  release(model: string): void {
    this.features.newModels.add(model);
  }

  observe(e: DetectorEvent): void {
    // A late event is counted by the store's hook; the linker's per-account totals still take
    // it (they are not windowed), so nothing the leakage account needs is lost.
    if (this.features.observe(e)) this.touched.add(e.account_id);
    this.linker.observe(e);
  }

  evaluate(nowMs: number): DetectorOutput {
    const out: DetectorOutput = { scores: [], alerts: [], campaigns: [] };
    this.features.store.expire(nowMs);
    const accounts = [...this.touched];
    this.touched = new Set();

    // Population baselines from a deterministic sample of accounts active since last time.
    const vectors = new Map<string, Float64Array>();
    for (const a of accounts) {
      const v = new Float64Array(signalNames.length);
      if (this.features.signals(a, nowMs, v) && this.scorer.scorable(v)) vectors.set(a, v);
    }
    const all = [...vectors.values()];
    const step = Math.max(1, Math.ceil(all.length / this.config.baselineSample));
    this.scorer.updateBaselines(all.filter((_, i) => i % step === 0));

    for (const [account, v] of vectors) {
      const { score, signals } = this.scorer.score(v);
      const campaign = this.linker.campaignOf(account);
      if (score >= this.config.reportScore || this.accountAlerts.isOpen(account)) {
        out.scores.push({
          account_id: account,
          window_end_ms: nowMs,
          score,
          flagged: score >= this.config.scorer.openScore,
          signals,
          campaign_id: campaign,
          detector_version: this.config.version,
        });
      }
      const top = signals[0];
      const alert = this.accountAlerts.observe(account, score, nowMs, {
        signals,
        summary: `account ${account}: ${Math.round(v[signalIndex.requests_24h] ?? 0)} requests/24h, ${top ? `${top.name} ${fmt(top.value)} vs baseline ${fmt(top.baseline)}` : ""}${campaign ? `; in campaign ${campaign}` : ""}`,
      });
      if (alert) out.alerts.push(alert);
    }
    for (const a of this.accountAlerts.subjects()) {
      if (vectors.has(a)) continue;
      const alert = this.accountAlerts.quiet(a, nowMs);
      if (alert) out.alerts.push(alert);
    }
    const c = this.linker.evaluate(nowMs);
    out.campaigns = c.campaigns;
    out.alerts.push(...c.alerts);
    return out;
  }

  /** Signals of one account now, by name (for tests, tools and explanations). */
  explain(account: string, nowMs: number): Record<string, number> | null {
    if (!this.features.signals(account, nowMs, this.vector)) return null;
    return Object.fromEntries(signalNames.map((n, i) => [n, this.vector[i] ?? 0]));
  }
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? Math.round(x).toString() : x.toFixed(2);
}
