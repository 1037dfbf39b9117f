import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApiRequest } from "@distillguard/contract";
import { loadNetworkTables, networkEnricher } from "@distillguard/ingest";
import {
  defaultTracePath,
  type Labels,
  loadAzureTrace,
  type ScenarioOptions,
  simulate,
} from "@distillguard/simulator";
import { cachedGateway, cacheFile, liveGateway } from "../../bench/quality/gateway.ts";

const calibration = loadAzureTrace();
let enricher: ReturnType<typeof networkEnricher> | null = null;
// Translated streams, as the quality bench keeps them: a scenario replayed twice (checkpoint
// tests) or by a later run is translated once. Keyed by every source that decides it.
const cacheDir = join(tmpdir(), "distillguard-gateway-cache");

/**
 * How the detector sees the simulated requests. `gateway`: as a LiteLLM proxy logs them,
 * through the ingest's translation with its IP enrichment (the path users have);
 * `oracle`: the simulator's own records, with fields no gateway logs.
 */
export type ReplayFeed = "gateway" | "oracle";

/**
 * Replays a simulator scenario in event time: `onEvent` for every request (with the
 * simulator's own record beside it, for tests that compare), `onTick` every `everyMs` of event
 * time and once at the end of the window, as a detector's schedule would.
 */
export async function replay(
  options: ScenarioOptions,
  everyMs: number,
  onEvent: (r: ApiRequest, oracle: ApiRequest) => void,
  onTick: (nowMs: number) => void,
  feed: ReplayFeed = "gateway",
): Promise<{ labels: Labels; active: Set<string> }> {
  const active = new Set<string>();
  let next = options.startMs + everyMs;
  let gateway: ReturnType<typeof liveGateway> | null = null;
  if (feed === "gateway") {
    mkdirSync(cacheDir, { recursive: true });
    const path = cacheFile(cacheDir, {
      scenario: options.scenario,
      seed: options.seed,
      options,
      enrichment: "installed tables",
      trace: String(defaultTracePath),
    });
    if (existsSync(path)) gateway = cachedGateway(path);
    else {
      enricher ??= networkEnricher(loadNetworkTables());
      gateway = liveGateway(enricher, path);
    }
  }
  const run = await simulate(
    options,
    calibration,
    [
      {
        write(d, text) {
          const r = d.record;
          while (r.event_time_ms >= next) {
            onTick(next);
            next += everyMs;
          }
          active.add(r.account_id);
          if (!gateway) {
            onEvent(r, r);
            return;
          }
          const g = gateway.next(d, text);
          if (!g.ok) throw new Error(`the ingest rejected a simulated request: ${g.kind}`);
          onEvent(g.request, r);
        },
        close() {
          gateway?.close();
        },
      },
    ],
    // A cached translation stands in for the text: only the fingerprint-mode records are needed.
    { mode: gateway && !gateway.stats.cached ? "gateway" : "fingerprint" },
  );
  onTick(options.startMs + options.durationMs);
  return { labels: run.labels, active };
}
