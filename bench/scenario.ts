import { parseArgs } from "node:util";
import { parseDuration, type ScenarioOptions } from "@distillguard/simulator";

/**
 * The command-line options every simulator-driven bench shares (`--duration`, `--accounts`,
 * `--scenario`) plus its own, and the ScenarioOptions they describe (seed 7, fixed start).
 */
export function benchArgs<E extends Record<string, { type: "string"; default: string }>>(
  defaults: { duration: string; accounts: string; scenario: string },
  extra: E,
): { values: Record<keyof E | "duration" | "accounts" | "scenario", string>; options: ScenarioOptions } {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: defaults.duration },
      accounts: { type: "string", default: defaults.accounts },
      scenario: { type: "string", default: defaults.scenario },
      ...extra,
    },
  });
  const v = values as Record<string, string>;
  return {
    values: v as Record<keyof E | "duration" | "accounts" | "scenario", string>,
    options: {
      scenario: v.scenario ?? defaults.scenario,
      seed: 7,
      startMs: Date.parse("2026-03-02T00:00:00Z"),
      durationMs: parseDuration(v.duration ?? defaults.duration),
      accounts: Number(v.accounts ?? defaults.accounts),
      releaseAt: 0.25,
      campaignScale: 1,
    },
  };
}
