import { CampaignLinker, defaultLinkerConfig, type LinkerConfig } from "@distillguard/campaigns";
import type { Alert, CampaignUpdate } from "@distillguard/contract";
import type { Labels, ScenarioOptions } from "@distillguard/simulator";
import { replay } from "./replay.ts";

export interface LinkerRun {
  labels: Labels;
  alerts: Alert[];
  /** The last update of every campaign the linker reported. */
  campaigns: Map<string, CampaignUpdate>;
  /** Accounts that sent at least one request, by account id. */
  active: Set<string>;
  /** Full membership of each campaign still known at the end. */
  members: Map<string, string[]>;
}

/** Replays a simulator scenario through the linker alone, evaluating every `everyMs` of event time. */
export async function runLinker(
  options: ScenarioOptions,
  everyMs = 15 * 60_000,
  config: LinkerConfig = defaultLinkerConfig,
): Promise<LinkerRun> {
  const linker = new CampaignLinker(config);
  const alerts: Alert[] = [];
  const campaigns = new Map<string, CampaignUpdate>();
  const { labels, active } = await replay(
    options,
    everyMs,
    (r) => linker.observe(r),
    (t) => {
      const e = linker.evaluate(t);
      alerts.push(...e.alerts);
      for (const c of e.campaigns) campaigns.set(c.campaign_id, c);
    },
  );
  const members = new Map([...campaigns.keys()].map((id) => [id, linker.membersOf(id)]));
  return { labels, alerts, campaigns, active, members };
}
