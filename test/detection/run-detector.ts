import type { AccountScore, Alert, CampaignUpdate } from "@distillguard/contract";
import { Detector, type DetectorConfig, defaultDetectorConfig } from "@distillguard/detector";
import { type Labels, loadAzureTrace, type ScenarioOptions, simulate } from "@distillguard/simulator";

const calibration = loadAzureTrace();

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
): Promise<DetectorRun> {
  const detector = new Detector(config);
  const alerts: Alert[] = [];
  const scores: AccountScore[] = [];
  const campaigns = new Map<string, CampaignUpdate>();
  const active = new Set<string>();
  const releaseAt = options.startMs + options.durationMs * options.releaseAt;
  let released = false;
  let next = options.startMs + everyMs;
  const collect = (t: number) => {
    const o = detector.evaluate(t);
    alerts.push(...o.alerts);
    scores.push(...o.scores);
    for (const c of o.campaigns) campaigns.set(c.campaign_id, c);
  };
  const run = await simulate(
    options,
    calibration,
    [
      {
        write(d) {
          const r = d.record;
          while (r.event_time_ms >= next) {
            collect(next);
            next += everyMs;
          }
          if (!released && r.event_time_ms >= releaseAt) {
            detector.release("model-large-2026-03");
            released = true;
          }
          active.add(r.account_id);
          detector.observe(r);
        },
        close() {},
      },
    ],
    { mode: "fingerprint" },
  );
  collect(options.startMs + options.durationMs);
  return { labels: run.labels, alerts, scores, campaigns, active, detector };
}
