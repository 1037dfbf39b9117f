import type { ApiRequest } from "@distillguard/contract";
import { type Labels, loadAzureTrace, type ScenarioOptions, simulate } from "@distillguard/simulator";

const calibration = loadAzureTrace();

/**
 * Replays a simulator scenario in event time: `onEvent` for every request, `onTick` every
 * `everyMs` of event time and once at the end of the window, as a detector's schedule would.
 */
export async function replay(
  options: ScenarioOptions,
  everyMs: number,
  onEvent: (r: ApiRequest) => void,
  onTick: (nowMs: number) => void,
): Promise<{ labels: Labels; active: Set<string> }> {
  const active = new Set<string>();
  let next = options.startMs + everyMs;
  const run = await simulate(
    options,
    calibration,
    [
      {
        write(d) {
          const r = d.record;
          while (r.event_time_ms >= next) {
            onTick(next);
            next += everyMs;
          }
          active.add(r.account_id);
          onEvent(r);
        },
        close() {},
      },
    ],
    { mode: "fingerprint" },
  );
  onTick(options.startMs + options.durationMs);
  return { labels: run.labels, active };
}
