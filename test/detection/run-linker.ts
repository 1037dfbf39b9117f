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
  /** Checkpoint and restore the linker at the first evaluation at or after this time. */
  checkpointAtMs = Number.POSITIVE_INFINITY,
): Promise<LinkerRun> {
  let linker = new CampaignLinker(config);
  let restored = false;
  const alerts: Alert[] = [];
  const campaigns = new Map<string, CampaignUpdate>();
  const { labels, active } = await replay(
    options,
    everyMs,
    (r) => linker.observe(r),
    (t) => {
      if (!restored && t >= checkpointAtMs) {
        linker = CampaignLinker.deserialize(linker.serialize(), config);
        restored = true;
      }
      const e = linker.evaluate(t);
      alerts.push(...e.alerts);
      for (const c of e.campaigns) campaigns.set(c.campaign_id, c);
    },
  );
  const members = new Map([...campaigns.keys()].map((id) => [id, linker.membersOf(id)]));
  return { labels, alerts, campaigns, active, members };
}
