import type { Baseline } from "./stats.ts";

export interface LinkerConfig {
  /** Accounts and fingerprints unseen for this long are forgotten (decay). */
  horizonMs: number;
  /** Smallest group of accounts that can be a campaign. */
  minMembers: number;
  /**
   * Smallest content group that can be a campaign when its members show network evidence
   * (they rotate through networks or share a pool's), below `minMembers`. A slow-and-low
   * campaign may run on four accounts, each behind proxies of its own; a class of four
   * students has content and a common start (one handout, opened in one lecture) but one
   * campus network, and with four members on content and start alone one linked (tune
   * classes seed 3, docs/detection-quality.md). So a small group needs the kind a class lacks.
   */
  minNetworkMembers: number;
  /** A request with cot_elicitation at or above this asks for reasoning traces. */
  cotThreshold: number;
  /** An answer with response_trace at or above this carried one (what a campaign harvests). */
  traceThreshold: number;
  /**
   * A fingerprint used by more than this share of active accounts (and by at least
   * `glueMinAccounts`) links nothing: it is world glue, like a popular SDK's defaults.
   */
  glueShare: number;
  glueMinAccounts: number;
  /** Group score at which a shared fingerprint links its accounts. */
  linkScore: number;
  /**
   * Campaign alerts (packages/alerts): the score that opens one, the lower one under which it
   * may resolve, and the evaluations below it (or inactive) before it does: no flapping.
   */
  alertScore: number;
  resolveScore: number;
  resolveAfter: number;
  /**
   * No campaign alert before the linker has run this long (event time since its first request,
   * kept in checkpoints): until then every account is one or two requests old and groups are
   * compared with priors, not a population. Test seed 102 (real text) alerted on five ordinary
   * accounts at its first evaluation on "2 of 5 switched ASNs once, 5 of 5 switched networks
   * once, two share a /24"; by the next one the group had fallen apart.
   */
  alertWarmupMs: number;
  /** Campaign scores from which an alert is high and critical (absolute; medium from alertScore). */
  severity: { high: number; critical: number };
  /** Share of members that must join or leave (one at least) for an alert update. */
  memberChange: number;
  /** Size of the first-seen table that keeps one-off fingerprints out of memory. */
  admissionSlots: number;
  /**
   * Shards of the fingerprint and network tables (by admission slot): the same output for any
   * number; more than one is the in-process form of a linker split over processes (issue 16).
   */
  shards: number;
  /**
   * Hard cap on tracked accounts: beyond it the least recently seen 1/64 are evicted at once
   * (counted in `evictions`), so a flood of fresh accounts cannot exhaust memory.
   */
  maxAccounts: number;
  /** Robust-z cap per signal, so one extreme signal cannot carry a campaign alone. */
  zCap: number;
  /**
   * Signals a group needs present to be scored at all; a signal is absent when the source does
   * not carry it (no ASN without enrichment, no address on auth failures), never zero.
   */
  minSignals: number;
  /**
   * A group scores only when signals of at least `minSignals` kinds (content, rotation, shared
   * pool) reach this z: two kinds of evidence must agree; ASN and prefix rotation are one kind. Without it, dropping an absent signal let one extreme signal (a
   * class of students asking for step-by-step answers) carry a group over `linkScore` alone.
   */
  agreeZ: number;
  madFloor: number;
  /**
   * New questions a group must have brought per member (prompts the linker had not seen
   * before) for what it asks and harvests to count as evidence: a campaign harvests answers it
   * does not have, a class pasting its teacher's handout asks the same few problems (breadth
   * ~1/class size). Below it, `cot_rate` and `trace_rate` are left out of the group's score,
   * and a start burst whose own members brought fewer is no burst.
   */
  minBreadth: number;
  /**
   * Most of a group's requests that may repeat a question another account asked first (an
   * echo, `QuestionTable.ask`) for what it asks and harvests to count as evidence. Accounts
   * splitting a harvest ask disjoint questions (and resample their own, or at temperatures of
   * their own: no echo); a class asks the handout's few problems, one student after another.
   * Tune seeds, real text: a hydra's groups echo in ≤ 1% of requests (21% where two eval
   * harnesses walk the same benchmark, a group that links on its network evidence), a class's
   * groups in 20–90%.
   */
  maxEcho: number;
  /**
   * Start bursts: accounts that first appear together. Members first seen at least `warmupMs`
   * after the linker's first event are newcomers (before that, every account is new to a
   * linker that just started, so the signal is absent); a group's burst is the most newcomers
   * first seen within `windowMs` of each other, counted only when they are at least
   * `minMembers` and come from at least `minNetworks` networks (a class or an office starting
   * behind one NAT is not a burst of strangers). What counts is the excess over the members
   * expected in the window had they arrived as all other newcomers did, which needs at least
   * `minReference` other newcomers to be measured, and a chance (Chernoff bound) of at most
   * `maxChance` that the other newcomers' timing would put that many of the group's there.
   * Where the logs carry the account's spend, a newcomer is an account first seen having spent
   * under `freshSpendUsd`, whenever the linker started: new to the provider, not just to the
   * linker.
   */
  burst: {
    warmupMs: number;
    windowMs: number;
    minNetworks: number;
    minReference: number;
    maxChance: number;
    freshSpendUsd: number;
  };
  /** Baselines used until enough groups exist to measure the population. */
  priors: {
    cotRate: Baseline;
    traceRate: Baseline;
    multiAsnShare: Baseline;
    multiPrefixShare: Baseline;
    sharedPrefixDensity: Baseline;
    startBurstShare: Baseline;
    freshShare: Baseline;
  };
  /** A group's score is the mean of its strongest this-many present signals (clipped z). */
  scoreSignals: number;
}

export const defaultLinkerConfig: LinkerConfig = {
  horizonMs: 24 * 3_600_000,
  minMembers: 5,
  minNetworkMembers: 4,
  cotThreshold: 0.5,
  traceThreshold: 0.5,
  glueShare: 0.25,
  glueMinAccounts: 1_000,
  linkScore: 3,
  alertScore: 4,
  resolveScore: 2,
  resolveAfter: 3,
  alertWarmupMs: 30 * 60_000,
  severity: { high: 5, critical: 5.5 },
  memberChange: 0.1,
  admissionSlots: 1 << 20,
  shards: 1,
  maxAccounts: 2_000_000,
  zCap: 6,
  minSignals: 2,
  agreeZ: 2,
  madFloor: 0.05,
  minBreadth: 0.5,
  maxEcho: 0.1,
  // maxChance: ~1,000 groups looked at 288 times a day; 1e-6 keeps chance bursts to about one
  // a few days.
  // freshSpendUsd: a first request costs $0.001–0.05 at list prices; an account that has used
  // the API for a day has spent more.
  burst: {
    warmupMs: 30 * 60_000,
    windowMs: 30 * 60_000,
    minNetworks: 3,
    minReference: 50,
    maxChance: 1e-6,
    freshSpendUsd: 0.05,
  },
  priors: {
    cotRate: { median: 0.04, mad: 0.03 },
    // Ordinary groups: app templates and shared system prompts, whose answers rarely show
    // worked derivations (Dolly answers: 0.0–0.1% at 0.5, bench/response-trace).
    traceRate: { median: 0.05, mad: 0.05 },
    multiAsnShare: { median: 0.05, mad: 0.1 },
    multiPrefixShare: { median: 0.25, mad: 0.15 },
    sharedPrefixDensity: { median: 0, mad: 0.02 },
    // Ordinary groups gather members one by one over days; few of them arrive together.
    startBurstShare: { median: 0, mad: 0.1 },
    // Ordinary groups: people with a history, a signup or two among them (2% a day).
    freshShare: { median: 0.02, mad: 0.05 },
  },
  scoreSignals: 3,
};
