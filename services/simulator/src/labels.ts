import type { RunStats } from "./engine.ts";
import type { ScenarioOptions } from "./scenario.ts";
import type { World } from "./world.ts";

/**
 * Ground truth for a run, written apart from the event stream. Accounts not listed are
 * ordinary benign accounts (group "plain"); `groups` counts every group.
 */
export interface Labels {
  scenario: string;
  seed: number;
  options: ScenarioOptions;
  window: { start_ms: number; end_ms: number; release_at_ms: number };
  events: number;
  groups: Record<string, { label: string; accounts: number; events: number }>;
  campaigns: {
    campaign_id: string;
    type: string;
    params: Record<string, unknown>;
    account_ids: string[];
    events: number;
    output_tokens: number;
    reasoning_tokens: number;
    first_event_ms: number | null;
    last_event_ms: number | null;
    /** When the campaign had sent 1% of its requests: the reference point for time-to-detect. */
    one_percent_ms: number | null;
  }[];
  accounts: {
    account_id: string;
    label: string;
    group: string;
    campaign_id: string | null;
    events: number;
  }[];
}

export function buildLabels(world: World, stats: RunStats, options: ScenarioOptions): Labels {
  const groups: Labels["groups"] = {};
  const accounts: Labels["accounts"] = [];
  world.accounts.forEach((a, i) => {
    const key = a.group;
    const g = groups[key] ?? { label: a.label, accounts: 0, events: 0 };
    g.accounts++;
    g.events += stats.perAccount[i] as number;
    groups[key] = g;
    if (a.group !== "plain") {
      accounts.push({
        account_id: a.id,
        label: a.label,
        group: a.group,
        campaign_id: a.campaign >= 0 ? (world.campaigns[a.campaign]?.id ?? null) : null,
        events: stats.perAccount[i] as number,
      });
    }
  });
  return {
    scenario: options.scenario,
    seed: options.seed,
    options,
    window: { start_ms: world.startMs, end_ms: world.endMs, release_at_ms: Math.floor(world.releaseAtMs) },
    events: stats.events,
    groups,
    campaigns: world.campaigns.map((c, i) => {
      const times = stats.campaignTimes[i] ?? new Float64Array(0);
      const n = times.length;
      return {
        campaign_id: c.id,
        type: c.type,
        params: c.params,
        account_ids: c.accounts.map((a) => world.accounts[a]?.id ?? ""),
        events: n,
        output_tokens: stats.campaignOutputTokens[i] ?? 0,
        reasoning_tokens: stats.campaignReasoningTokens[i] ?? 0,
        first_event_ms: n > 0 ? Math.floor(times[0] as number) : null,
        last_event_ms: n > 0 ? Math.floor(times[n - 1] as number) : null,
        one_percent_ms: n > 0 ? Math.floor(times[Math.max(0, Math.ceil(n * 0.01) - 1)] as number) : null,
      };
    }),
    accounts,
  };
}
