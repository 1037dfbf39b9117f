import { campaignTypes, type ProxyPool, proxyPools, type ScenarioOptions, scenarios } from "./scenario.ts";

/** "90m", "6h", "14d", "3600s" → ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a duration; use a number with ms, s, m, h or d (e.g. 6h)`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as "ms" | "s" | "m" | "h" | "d"];
  const ms = Math.round(n * unit);
  if (ms <= 0) throw new Error(`duration '${text}' must be positive`);
  return ms;
}

export interface CliOptions {
  scenario: string;
  seed: string;
  duration: string;
  start: string;
  accounts: string;
  releaseAt: string;
  campaignScale: string;
  /** Address families of the campaigns' proxy pools (default ipv4). */
  proxyPool?: string;
  /** Ordinary traffic before campaigns start, e.g. "6h" (default none). */
  warmup?: string;
  /** Which half of the campaigns' variation: tune (default) or test. */
  split?: string;
}

/** Validates CLI input into ScenarioOptions, naming every bad option at once. */
export function toScenarioOptions(o: CliOptions): ScenarioOptions {
  const errors: string[] = [];
  const int = (name: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max)
      errors.push(`--${name} '${v}' must be a whole number from ${min} to ${max}`);
    return n;
  };
  const frac = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 1) errors.push(`--${name} '${v}' must be between 0 and 1`);
    return n;
  };
  if (!scenarios[o.scenario])
    errors.push(`--scenario '${o.scenario}' is unknown; known: ${Object.keys(scenarios).join(", ")}`);
  const seed = int("seed", o.seed, 0, 2 ** 32 - 1);
  let durationMs = 0;
  try {
    durationMs = parseDuration(o.duration);
  } catch (e) {
    errors.push(`--duration: ${(e as Error).message}`);
  }
  const startMs = Date.parse(o.start);
  if (!Number.isFinite(startMs))
    errors.push(`--start '${o.start}' is not an ISO date-time (e.g. 2026-03-02T00:00:00Z)`);
  const accounts = int("accounts", o.accounts, 1, 10_000_000);
  const releaseAt = frac("release-at", o.releaseAt);
  const campaignScale = Number(o.campaignScale);
  if (!Number.isFinite(campaignScale) || campaignScale <= 0 || campaignScale > 1000) {
    errors.push(`--campaign-scale '${o.campaignScale}' must be a number above 0 and at most 1000`);
  }
  const proxyPool = (o.proxyPool ?? "ipv4") as ProxyPool;
  if (!proxyPools.includes(proxyPool))
    errors.push(`--proxy-pool '${o.proxyPool}' must be one of ${proxyPools.join(", ")}`);
  let warmupMs = 0;
  if (o.warmup !== undefined && o.warmup !== "0") {
    try {
      warmupMs = parseDuration(o.warmup);
      if (durationMs > 0 && warmupMs >= durationMs)
        errors.push(`--warmup '${o.warmup}' must be shorter than --duration '${o.duration}'`);
    } catch (e) {
      errors.push(`--warmup: ${(e as Error).message}`);
    }
  }
  const split = o.split ?? "tune";
  if (split !== "tune" && split !== "test") errors.push(`--split '${o.split}' must be tune or test`);
  if (errors.length > 0) throw new Error(errors.join("\n"));
  return {
    scenario: o.scenario,
    seed,
    startMs,
    durationMs,
    accounts,
    releaseAt,
    campaignScale,
    ...(proxyPool === "ipv4" ? {} : { proxyPool }),
    ...(warmupMs > 0 ? { warmupMs } : {}),
    ...(split === "test" ? { split } : {}),
  };
}

export function helpText(): string {
  const list = (o: Record<string, string>) =>
    Object.entries(o)
      .map(([k, v]) => `  ${k.padEnd(10)} ${v}`)
      .join("\n");
  return `\nScenarios:\n${list(Object.fromEntries(Object.entries(scenarios).map(([k, v]) => [k, v.doc])))}\n\nCampaign types:\n${list(campaignTypes)}`;
}
