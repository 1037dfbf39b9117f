import type { ApiRequest } from "@distillguard/contract";
import { mulberry32 } from "./random.ts";

export interface SkeletonOptions {
  seed: number;
  count: number;
  /** Event time of the first request, ms since epoch. Passed in: the generator never reads a clock. */
  startMs: number;
  accounts?: number;
}

const models = ["model-large-2026-02", "model-small-2025-10"] as const;

/**
 * A handful of plausible requests so the walking skeleton moves real records end to end.
 * The full simulator (benign population, archetypes, campaigns, labels) replaces this.
 */
export function generateSkeletonTraffic(opts: SkeletonOptions): ApiRequest[] {
  const rand = mulberry32(opts.seed);
  const accounts = opts.accounts ?? 5;
  const out: ApiRequest[] = [];
  let t = opts.startMs;
  for (let i = 0; i < opts.count; i++) {
    t += Math.floor(rand() * 2_000);
    const input = 50 + Math.floor(rand() * 2_000);
    out.push({
      request_id: `sk-${opts.seed}-${i}`,
      event_time_ms: t,
      account_id: `acct-${Math.floor(rand() * accounts)}`,
      model: models[rand() < 0.7 ? 0 : 1] as string,
      input_tokens: input,
      output_tokens: Math.floor(input * (0.2 + rand() * 2)),
    });
  }
  return out;
}
