import { type Baseline, baselineOf, robustZ } from "@distillguard/campaigns";
import type { Signal } from "@distillguard/contract";
import { type SignalName, signalIndex, signalNames } from "./features.ts";

export interface SignalRule {
  /** Weight in the score; signals without a rule only explain. */
  weight: number;
  /** log: compare log1p(value) (volumes are heavy-tailed); rate: compare as is. */
  scale: "log" | "rate";
  /** MAD floor on the compared scale, so a population that barely varies cannot explode z. */
  madFloor: number;
  /**
   * Signals of one group are alternative views of one thing: only the strongest present one
   * counts (its weight once). Reasoning harvested shows in what is asked (cot_rate) or in
   * what comes back (trace_rate); a campaign that asks in words no list knows must not be
   * pulled down by its cot_rate of 0.
   */
  group?: string;
}

export interface ScorerConfig {
  rules: Partial<Record<SignalName, SignalRule>>;
  /**
   * Accounts with fewer requests in 24 h are not scored (too little evidence; campaigns catch
   * those), and only accounts with this many make up the population.
   */
  minRequests: number;
  /**
   * ... unless they sent this many in the last hour: a pace (720 a day and up) that is itself
   * evidence enough to judge the account's rates, against the population of `minRequests`. An
   * extractor at 10k requests a day reaches 100 after 14 minutes, this after 4.
   */
  paceRequests1h: number;
  /**
   * Fewest scored accounts whose logs carry a signal for its baseline to be estimated. A
   * smaller sample keeps the last estimate; before the first one the signal has no baseline
   * and scores no account (cold start: the first minutes' handful of heavy accounts, or none,
   * must not stand in for a population, and zeros must never).
   */
  minPopulation: number;
  /**
   * While fewer than minPopulation accounts are scorable, the population is every active
   * account with at least this many requests in 24 h (Detector.evaluate): evidence enough for
   * its rates, and a cold detector can judge an extractor in its first minutes.
   */
  coldStartMinRequests: number;
  zCap: number;
  /**
   * Hard requirements to flag: extraction harvests reasoning traces (public cases), seen in
   * what it asks (cot_rate), in what its answers carry (trace_rate) or in one stream of its
   * traffic (stream_harvest_rate), whichever is highest ...
   */
  minCotRate: number;
  /**
   * ... and long completions: output per request at least this many MADs above the
   * population (1.5: about 1.95 times its median, on the MAD floor). Evaluation harnesses also
   * ask "step by step" but cap answers short; their worked answers still run 1.5-1.75 times an
   * ordinary answer (tune heavy seed 8: 363 tokens against 207, alerted at 1 MAD), an
   * extractor's three times and more.
   */
  minOutputZ: number;
  /**
   * ... or output per request that harvested at least this many MADs above the population's
   * harvested answers: a campaign inside a reseller's traffic lengthens only its own answers.
   * Higher than minOutputZ: worked solutions run longer than ordinary answers whoever asks for
   * them (an eval harness's 317 tokens against 198 on tune heavy seed 3, z 1.06), a campaign's
   * traces 3-4 times (the router's 858).
   */
  minHarvestOutputZ: number;
  /** Account alerts (packages/alerts): open at openScore, resolve after resolveAfter evaluations below resolveScore. */
  openScore: number;
  resolveScore: number;
  resolveAfter: number;
  /** Scores from which an account alert is high and critical (absolute; medium from openScore). */
  severity: { high: number; critical: number };
}

export const defaultScorerConfig: ScorerConfig = {
  rules: {
    cot_rate: { weight: 3, scale: "rate", madFloor: 0.05, group: "harvest" },
    trace_rate: { weight: 3, scale: "rate", madFloor: 0.05, group: "harvest" },
    // A reseller's account mixes a campaign into its customers' traffic: the harvest shows in
    // one stream of it (a frame that carries ≥ 50 requests a day, most of them harvested), not
    // in the account's overall rates (tune seed 1: trace rate 0.19 overall, missed).
    stream_harvest_rate: { weight: 3, scale: "rate", madFloor: 0.05, group: "harvest" },
    output_per_request: { weight: 1.5, scale: "log", madFloor: 0.3, group: "length" },
    // How long the answers that harvested reasoning are: the router's were 858 tokens against
    // 207-317 for people, classes and evaluation harnesses (tune seeds 1, 3), while its overall
    // output per request, diluted by its customers' traffic, took two hours to stand out.
    harvest_output_per_request: { weight: 1.5, scale: "log", madFloor: 0.3, group: "length" },
    reasoning_per_request: { weight: 1, scale: "log", madFloor: 0.5 },
    saturation_rate: { weight: 1, scale: "rate", madFloor: 0.05 },
    logprobs_rate: { weight: 0.5, scale: "rate", madFloor: 0.05 },
    multi_choice_rate: { weight: 0.5, scale: "rate", madFloor: 0.05 },
    requests_24h: { weight: 1, scale: "log", madFloor: 0.5 },
    active_hours: { weight: 0.5, scale: "rate", madFloor: 2 },
    template_top_share: { weight: 0.5, scale: "rate", madFloor: 0.1 },
    distinct_asns: { weight: 0.5, scale: "log", madFloor: 0.3 },
  },
  minRequests: 100,
  paceRequests1h: 30,
  minPopulation: 8,
  coldStartMinRequests: 10,
  zCap: 6,
  minCotRate: 0.3,
  minOutputZ: 1.5,
  minHarvestOutputZ: 2,
  openScore: 2.5,
  resolveScore: 1.2,
  resolveAfter: 3,
  // 1.5× and 2× openScore: set them with it.
  severity: { high: 3.75, critical: 5 },
};

const ruled = (cfg: ScorerConfig) =>
  signalNames.flatMap((name) => {
    const rule = cfg.rules[name];
    return rule ? [{ name, index: signalIndex[name], rule }] : [];
  });

/**
 * Account score = weighted mean of robust z-scores (clipped to [0, zCap]) of the ruled
 * signals against the population of scored accounts, so it reads as "how many MADs above
 * normal, on average, where it counts". Explanations carry value, baseline and z per signal.
 */
export class AccountScorer {
  private baselines = new Map<SignalName, Baseline>();
  private readonly rules: ReturnType<typeof ruled>;

  constructor(readonly config: ScorerConfig = defaultScorerConfig) {
    this.rules = ruled(config);
  }

  /**
   * Recomputes median/MAD per signal from a sample of signal vectors of scorable accounts; an
   * account whose logs lack a signal (NaN) is not part of that signal's population. A signal
   * carried by fewer than `minPopulation` of them keeps its last baseline, or stays without one.
   */
  updateBaselines(sample: readonly Float64Array[]): void {
    for (const { name, index, rule } of this.rules) {
      const values: number[] = [];
      for (const v of sample) {
        const x = v[index] ?? 0;
        if (!Number.isNaN(x)) values.push(transform(x, rule.scale));
      }
      const min = Math.max(1, this.config.minPopulation);
      if (values.length >= min)
        this.baselines.set(name, baselineOf(values, { median: 0, mad: rule.madFloor }, min));
    }
  }

  /** Whether any signal has a population to be compared with: before that nothing is scored. */
  get hasPopulation(): boolean {
    return this.baselines.size > 0;
  }

  baseline(name: SignalName): Baseline | undefined {
    return this.baselines.get(name);
  }

  /** Whether an account is judged: enough requests in 24 h, or at a pace (`paceRequests1h`). */
  scorable(v: Float64Array): boolean {
    return this.populates(v) || (v[signalIndex.requests_1h] ?? 0) >= this.config.paceRequests1h;
  }

  /** Whether an account is part of the population the baselines are measured on. */
  populates(v: Float64Array): boolean {
    return (v[signalIndex.requests_24h] ?? 0) >= this.config.minRequests;
  }

  /**
   * The weighted mean is over the signals present in the account's logs: an absent signal
   * (NaN) adds neither evidence nor weight, and is listed in `absent`. So is a signal without
   * a population yet (`unbaselined`): a value with nothing to compare it to is no evidence.
   */
  score(v: Float64Array): {
    score: number;
    signals: Signal[];
    absent: SignalName[];
    unbaselined: SignalName[];
  } {
    let total = 0;
    let weight = 0;
    const absent: SignalName[] = [];
    const unbaselined: SignalName[] = [];
    const parts: { name: string; value: number; baseline: number; z: number; c: number; weight: number }[] =
      [];
    // Per group, the index in `parts` of the one that counts so far: a stronger one replaces it.
    const counted = new Map<string, number>();
    for (const { name, index, rule } of this.rules) {
      const x = v[index] ?? 0;
      if (Number.isNaN(x)) {
        absent.push(name);
        continue;
      }
      const b = this.baselines.get(name);
      if (b === undefined) {
        unbaselined.push(name);
        continue;
      }
      const z = robustZ(transform(x, rule.scale), b, rule.madFloor);
      let c = rule.weight * Math.min(Math.max(z, 0), this.config.zCap);
      const at = rule.group === undefined ? undefined : counted.get(rule.group);
      const prior = at === undefined ? undefined : parts[at];
      if (prior && prior.c >= c) {
        c = 0;
      } else {
        if (prior) {
          total -= prior.c;
          weight -= prior.weight;
          prior.c = 0;
        }
        if (rule.group !== undefined) counted.set(rule.group, parts.length);
        total += c;
        weight += rule.weight;
      }
      parts.push({ name, value: x, baseline: untransform(b.median, rule.scale), z, c, weight: rule.weight });
    }
    let score = weight > 0 ? total / weight : 0;
    // The hard rules: without harvesting long reasoning traces this is not the extraction we
    // look for, however unusual the account is otherwise.
    // Long completions: overall, or in what was harvested (a campaign inside a reseller's
    // traffic lengthens only its own answers). Output absent or unbaselined: no evidence either way.
    const output = parts.find((p) => p.name === "output_per_request");
    const harvestOutput = parts.find((p) => p.name === "harvest_output_per_request");
    // An account judged on its pace (fewer than minRequests) has a smaller sample, whose mean
    // length strays further: the bars rise with 1/√n, to 1.8× at 30 requests. Tune heavy seed 8's
    // eval harness averaged 443 tokens over its first 40 requests (z 1.70) and 363 over 100
    // (z 1.26); the extractor's 931 over its first 30 (z 3.49).
    const stray = Math.sqrt(
      this.config.minRequests /
        Math.max(1, Math.min(v[signalIndex.requests_24h] ?? 0, this.config.minRequests)),
    );
    const long =
      output === undefined ||
      output.z >= this.config.minOutputZ * stray ||
      (harvestOutput !== undefined && harvestOutput.z >= this.config.minHarvestOutputZ * stray);
    // Either may be absent (redacted prompts, no answers in the logs): absent is no evidence.
    const harvest = Math.max(
      present(v[signalIndex.cot_rate]),
      present(v[signalIndex.trace_rate]),
      present(v[signalIndex.stream_harvest_rate]),
    );
    if (harvest < this.config.minCotRate || !long) {
      score = Math.min(score, this.config.openScore * 0.99);
    }
    const signals = parts
      .filter((p) => p.c > 0)
      .sort((a, b) => b.c - a.c)
      .slice(0, 5)
      .map((p) => ({
        name: p.name,
        value: p.value,
        baseline: p.baseline,
        z: p.z,
        contribution: total > 0 ? p.c / total : 0,
      }));
    return { score, signals, absent, unbaselined };
  }
}

function transform(x: number, scale: "log" | "rate"): number {
  return scale === "log" ? Math.log1p(Math.max(0, x)) : x;
}

function untransform(x: number, scale: "log" | "rate"): number {
  return scale === "log" ? Math.expm1(x) : x;
}

function present(x: number | undefined): number {
  return x === undefined || Number.isNaN(x) ? 0 : x;
}
