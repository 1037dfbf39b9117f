import { CampaignLinker, defaultLinkerConfig, type LinkerConfig, SplitLinker } from "@distillguard/campaigns";
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
  /** Split into this many account stages in front of one link stage (0: one linker). */
  stages = 0,
): Promise<LinkerRun> {
  const split = stages > 0 ? new SplitLinker(stages, config) : null;
  let linker = split?.link ?? new CampaignLinker(config);
  let restored = false;
  const alerts: Alert[] = [];
  const campaigns = new Map<string, CampaignUpdate>();
  const { labels, active } = await replay(
    options,
    everyMs,
    (r) => (split ?? linker).observe(r),
    (t) => {
      if (!split && !restored && t >= checkpointAtMs) {
        linker = CampaignLinker.deserialize(linker.serialize(), config);
        restored = true;
      }
      const e = (split ?? linker).evaluate(t);
      alerts.push(...e.alerts);
      for (const c of e.campaigns) campaigns.set(c.campaign_id, c);
    },
  );
  const members = new Map([...campaigns.keys()].map((id) => [id, linker.membersOf(id)]));
  return { labels, alerts, campaigns, active, members };
}
