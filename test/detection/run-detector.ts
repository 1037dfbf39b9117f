import type { AccountScore, Alert, CampaignUpdate } from "@distillguard/contract";
import { Detector, type DetectorConfig, defaultDetectorConfig } from "@distillguard/detector";
import type { Labels, ScenarioOptions } from "@distillguard/simulator";
import { replay } from "./replay.ts";

export interface DetectorRun {
  labels: Labels;
  alerts: Alert[];
  scores: AccountScore[];
  campaigns: Map<string, CampaignUpdate>;
  active: Set<string>;
  detector: Detector;
}

/** Replays a scenario through the whole detection core, evaluating every `everyMs` of event time. */
export async function runDetector(
  options: ScenarioOptions,
  everyMs = 15 * 60_000,
  config: DetectorConfig = defaultDetectorConfig,
  /** Checkpoint and restore the detector at the first evaluation at or after this time. */
  checkpointAtMs = Number.POSITIVE_INFINITY,
): Promise<DetectorRun> {
  let detector = new Detector(config);
  let restored = false;
  const alerts: Alert[] = [];
  const scores: AccountScore[] = [];
  const campaigns = new Map<string, CampaignUpdate>();
  const releaseAt = options.startMs + options.durationMs * options.releaseAt;
  let released = false;
  const { labels, active } = await replay(
    options,
    everyMs,
    (r) => {
      if (!released && r.event_time_ms >= releaseAt) {
        detector.release("model-large-2026-03");
        released = true;
      }
      detector.observe(r);
    },
    (t) => {
      if (!restored && t >= checkpointAtMs) {
        detector = Detector.deserialize(detector.serialize(), config);
        restored = true;
      }
      const o = detector.evaluate(t);
      alerts.push(...o.alerts);
      scores.push(...o.scores);
      for (const c of o.campaigns) campaigns.set(c.campaign_id, c);
    },
  );
  return { labels, alerts, scores, campaigns, active, detector };
}
