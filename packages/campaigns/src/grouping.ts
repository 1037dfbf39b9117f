// Whether a group of accounts acts as one actor: its features, its score against the
// population of candidate groups, and that population's baselines. Pure functions: accounts,
// config and baselines are passed in.

import type { Signal } from "@distillguard/contract";
import { type AccountState, MAX_DISTINCT, Opened } from "./accounts.ts";
import type { Arrivals } from "./arrivals.ts";
import type { LinkerConfig } from "./config.ts";
import { novelOn } from "./fingerprints.ts";
import { type Baseline, baselineOf, robustZ, UnionFind } from "./stats.ts";

export interface GroupFeatures {
  members: number;
  cotRate: number;
  /**
   * Share of the group's answered requests whose answer carried a reasoning trace: what it
   * harvests, whatever its prompts say. null: too few answers in the logs (failures,
   * redacted logs, or a source that logs none).
   */
  traceRate: number | null;
  /**
   * Share of members (with ≥ 2 requests that carry an ASN) that rotate ASNs: ≥ 2 of them and a
   * switch on at least half their requests. null: no member qualifies (no ASN in the logs).
   */
  multiAsnShare: number | null;
  /** The same for network prefixes; null: no member has two addressed requests. */
  multiPrefixShare: number | null;
  /**
   * Share of members (with an address) seen on two or more networks (/24s, IPv6 /48s) that
   * other members use too: a proxy pool shared by the group's accounts (many accounts × many
   * networks) scores high; a NAT, or a campus with a few of them, scores 0 (each member
   * shares one network, whatever else it uses is its own). Content-free coordination
   * evidence. null with no address in the logs.
   */
  sharedPrefixDensity: number | null;
  /**
   * Share of members in the group's start burst beyond what the other newcomers' arrivals
   * predict: newcomers first seen within one window of each other, at least `minMembers` of
   * them from at least `burst.minNetworks` networks, less the members expected in that window
   * had they arrived when everyone else did (else 0). Content-free coordination: a script that
   * opens its accounts together. null while the linker warms up (it cannot yet tell new
   * accounts from old ones) or with too few other newcomers to compare with.
   */
  startBurstShare: number | null;
  /**
   * Share of members (of those first seen with a spend in the logs) that had spent nothing when
   * the linker first saw them, beyond the share among all accounts it knows (`freshExcess`):
   * accounts opened for the job. Ordinary groups gather people who have used the API for
   * months, with a signup or two among them; a hydra's accounts are all new ("new keys going
   * from zero to steady volume within hours"). 0 when chance explains it or those members
   * brought fewer than `burst.minBreadth` new questions each (a class opens its accounts for
   * one handout). null: under 3 members with a spend (the logs carry none: end users,
   * organisations, a master key).
   */
  freshShare: number | null;
  /** First-seen times bounding that burst (inclusive); NaN when there is none. */
  burstFrom: number;
  burstTo: number;
  /**
   * New questions per member: requests on the group's fingerprint whose prompt the linker
   * had not seen before (`QuestionTable`). null: not measured (a campaign's members, the
   * population).
   */
  breadth: number | null;
  /**
   * Share of the group's requests whose prompt another account had asked first (`ECHO`):
   * members asking one another's questions, as a class pasting one handout does. null: not
   * measured.
   */
  echo: number | null;
}

/**
 * Where a group's start burst is looked for among its newcomers (`AccountState.newcomer`):
 * `arrivals` holds when every newcomer arrived, the reference a burst must stand out from;
 * with fewer than `minReference` newcomers outside the group there is none (absent).
 */
export interface BurstScope {
  windowMs: number;
  minMembers: number;
  minNetworks: number;
  minReference: number;
  /** Largest chance (a Chernoff bound) at which a burst still counts. */
  maxChance: number;
  /**
   * New questions per member the burst's own members must have brought on the group's
   * fingerprint: a class opening its accounts in one lecture pastes one handout.
   */
  minBreadth: number;
  arrivals: Arrivals;
  /**
   * Of the accounts the linker knows with a spend, the share first seen fresh: what a group's
   * `fresh_share` must stand out from, floored at half an account (`freshRateOf`; NaN: no
   * spend in the logs).
   */
  freshRate: number;
}

export type Baselines = Record<keyof LinkerConfig["priors"], Baseline>;

export type ScoringConfig = Pick<
  LinkerConfig,
  | "zCap"
  | "minSignals"
  | "agreeZ"
  | "madFloor"
  | "scoreSignals"
  | "priors"
  | "linkScore"
  | "minBreadth"
  | "maxEcho"
>;

export interface GroupScore {
  score: number;
  signals: Signal[];
  /** Signals the logs do not carry for this group, by name. */
  absent: string[];
}

/** A candidate group: the accounts (slots) sharing one fingerprint, and their features. */
export interface CandidateGroup {
  fp: { accounts: ReadonlyMap<number, number> };
  f: GroupFeatures;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Members a rotation share needs before it is measured at all: "1 of 2 members on two ASNs"
 * is no evidence, and on a cold start (test seed 102, first evaluation) it and a CoT rate of
 * 3 in 7 requests alerted on five ordinary people. Fewer qualified members: the share is absent.
 */
const MIN_SHARE_SAMPLE = 3;

/**
 * The features of the accounts in `slots` (forgotten slots are skipped). `prefixUse` is
 * scratch space for members per /24, cleared here: passed in so an evaluation reuses one map.
 * `ownNetwork`: the network a network group is keyed on, which all its members share by
 * definition and so does not count towards the shared-prefix density (a NAT would score 1/n).
 */
export function groupFeatures(
  slots: Iterable<number>,
  cotRate: number,
  traceRate: number | null,
  accounts: ReadonlyMap<number, AccountState>,
  prefixUse: Map<number, number>,
  burst: BurstScope | null = null,
  ownNetwork = Number.NaN,
  /** Per member, its requests on the fingerprint and the new questions among them (`packMember`). */
  perMember: ReadonlyMap<number, number> | null = null,
): GroupFeatures {
  let members = 0;
  let newcomers = 0;
  let withAsn = 0;
  let withPrefix = 0;
  let multiAsn = 0;
  let multiPrefix = 0;
  let addressed = 0;
  let withSpend = 0;
  let fresh = 0;
  let freshNovel = 0;
  const use = prefixUse;
  use.clear();
  let seen = 0;
  for (const slot of slots) {
    const a = accounts.get(slot);
    if (!a) continue;
    reserveMembers(seen + 1);
    memberScratch[seen++] = slot;
    members++;
    if (burst && a.newcomer) {
      reserveNewcomers(newcomers + 1);
      firstSeen[newcomers] = a.first;
      const v = perMember?.get(slot);
      newcomerNovel[newcomers] = v === undefined ? Number.NaN : novelOn(v);
      newcomerNetwork[newcomers++] = a.prefixCount > 0 ? a.prefix(0) : Number.NaN;
    }
    if (a.opened !== Opened.UNKNOWN) {
      withSpend++;
      if (a.opened === Opened.FRESH) {
        fresh++;
        const v = perMember?.get(slot);
        // Not known for a campaign's members (the question is asked of candidate groups).
        freshNovel += v === undefined ? Number.POSITIVE_INFINITY : novelOn(v);
      }
    }
    if (a.prefixCount > 0) addressed++;
    for (let i = 0; i < a.prefixCount; i++) {
      const p = a.prefix(i);
      use.set(p, (use.get(p) ?? 0) + 1);
    }
    // One request cannot show rotation; judge rotation on accounts seen at least twice with
    // the field (the logs of some sources carry none).
    if (a.asnSeen >= 2) {
      withAsn++;
      if (a.rotatesAsn()) multiAsn++;
    }
    if (a.addressed >= 2) {
      withPrefix++;
      if (a.rotatesPrefix()) multiPrefix++;
    }
  }
  // A member is in the pool's block when two of its networks are the group's: the network a
  // network group is keyed on counts, as every member shares it by definition.
  let inBlock = 0;
  for (let k = 0; k < seen; k++) {
    const a = accounts.get(memberScratch[k] as number);
    if (!a || a.prefixCount < 2) continue;
    let shared = 0;
    for (let i = 0; i < a.prefixCount && shared < 2; i++) {
      const p = a.prefix(i);
      if ((use.get(p) ?? 0) >= 2 || p === ownNetwork) shared++;
    }
    if (shared >= 2) inBlock++;
  }
  let startBurstShare: number | null = null;
  let burstFrom = Number.NaN;
  let burstTo = Number.NaN;
  const others = burst ? burst.arrivals.total - newcomers : 0;
  if (burst && others >= burst.minReference) {
    startBurstShare = 0;
    const w = densestWindow(newcomers, burst.windowMs, burst.minMembers, burst.arrivals, others);
    if (w.excess > 0 && burstChance(w.count, newcomers, w.otherArrivals, others) <= burst.maxChance) {
      // Networks of the burst's members (their first one): strangers, not one office.
      use.clear();
      for (let i = w.lo; i <= w.hi; i++) use.set(newcomerNetwork[newcomerOrder[i] as number] as number, 1);
      use.delete(Number.NaN);
      if (use.size >= burst.minNetworks && burstBreadth(w.lo, w.hi) >= burst.minBreadth) {
        startBurstShare = w.excess / members;
        burstFrom = firstSeen[newcomerOrder[w.lo] as number] as number;
        burstTo = firstSeen[newcomerOrder[w.hi] as number] as number;
      }
    }
  }
  return {
    members,
    cotRate,
    traceRate,
    multiAsnShare: withAsn >= MIN_SHARE_SAMPLE ? multiAsn / withAsn : null,
    multiPrefixShare: withPrefix >= MIN_SHARE_SAMPLE ? multiPrefix / withPrefix : null,
    sharedPrefixDensity: addressed > 0 ? inBlock / addressed : null,
    startBurstShare,
    freshShare: withSpend < MIN_SHARE_SAMPLE ? null : freshExcess(fresh, withSpend, freshNovel, burst),
    burstFrom,
    burstTo,
    breadth: null,
    echo: null,
  };
}

// Newcomers of the group being measured: first-seen time, first network (NaN: none), new
// questions on the fingerprint (NaN: not known), and their order by time. Scratch, grown as
// needed: an evaluation allocates none per group.
let firstSeen = new Float64Array(1024);
let newcomerNetwork = new Float64Array(1024);
let newcomerNovel = new Float64Array(1024);
let newcomerOrder = new Uint32Array(1024);

/**
 * New questions per member among the burst's members (positions lo..hi of `newcomerOrder`);
 * Infinity when not known (a campaign's members: the question is asked of candidate groups).
 */
function burstBreadth(lo: number, hi: number): number {
  let novel = 0;
  for (let i = lo; i <= hi; i++) {
    const n = newcomerNovel[newcomerOrder[i] as number] as number;
    if (Number.isNaN(n)) return Number.POSITIVE_INFINITY;
    novel += n;
  }
  return novel / (hi - lo + 1);
}

/**
 * The window of at most `windowMs` holding at least `minCount` of the group's `n` newcomers
 * and the most of them beyond the number expected there had they arrived as the `others` (all
 * newcomers outside the group) did: its count, that excess, and its positions `lo..hi` in
 * `newcomerOrder`. Excess 0: no such window.
 */
function densestWindow(
  n: number,
  windowMs: number,
  minCount: number,
  arrivals: Arrivals,
  others: number,
): { count: number; excess: number; otherArrivals: number; lo: number; hi: number } {
  const order = newcomerOrder.subarray(0, n);
  for (let i = 0; i < n; i++) order[i] = i;
  const t = firstSeen;
  order.sort((x, y) => (t[x] as number) - (t[y] as number) || x - y);
  let best = { count: 0, excess: 0, otherArrivals: 0, lo: 0, hi: -1 };
  for (let lo = 0, hi = 0; hi < n; hi++) {
    const to = t[order[hi] as number] as number;
    while (to - (t[order[lo] as number] as number) > windowMs) lo++;
    const count = hi - lo + 1;
    if (count < minCount) continue;
    const from = t[order[lo] as number] as number;
    const otherArrivals = Math.max(0, arrivals.between(from, to) - count);
    const excess = count - (n * otherArrivals) / others;
    if (excess > best.excess) best = { count, excess, otherArrivals, lo, hi };
  }
  return best;
}

/**
 * Fresh members beyond those expected had the group drawn its `withSpend` members from
 * everyone the linker knows (`burst.freshRate` of them fresh), per member; 0 unless that many
 * is at most `burst.maxChance` likely (a popular frame's 25 members with 5 signups among them,
 * at a 2% rate: ~1e-4, no evidence) and the fresh members brought `burst.minBreadth` new
 * questions each (`freshNovel`).
 */
function freshExcess(fresh: number, withSpend: number, freshNovel: number, burst: BurstScope | null): number {
  if (fresh === 0 || burst === null || Number.isNaN(burst.freshRate)) return 0;
  // The rate is that of every account the linker knows with a spend (thousands), floored at
  // half an account of them (`freshRateOf`); a floor at half a member of the group instead
  // kept any group of five from counting (0.1^5 > 1e-6): the sweep of tune seed 1 linked two
  // evaluations late, when its groups reached six.
  const rate = burst.freshRate;
  if (freshNovel < fresh * burst.minBreadth) return 0;
  if (tailChance(fresh, withSpend, rate) > burst.maxChance) return 0;
  return Math.max(0, fresh / withSpend - rate);
}

/**
 * The share of fresh accounts among the `known` with a spend, floored at half an account: a
 * population with no signups in view has a rate near zero, not zero. NaN when none is known.
 */
export function freshRateOf(fresh: number, known: number): number {
  return known > 0 ? Math.min(1, Math.max(fresh, 0.5) / known) : Number.NaN;
}

/** Chernoff bound on the chance of `count` or more successes in `n` draws at rate `q`. */
export function tailChance(count: number, n: number, q: number): number {
  const a = count / n;
  if (a <= q) return 1;
  if (q >= 1) return 1;
  const kl = a * Math.log(a / q) + (a < 1 ? (1 - a) * Math.log((1 - a) / (1 - q)) : 0);
  return Math.exp(-n * kl);
}

/**
 * An upper bound on the chance that `count` or more of a group's `n` newcomers fall in a
 * window by chance, had each arrived as the `others` did (`inWindow` of them in it): Chernoff,
 * exp(−n·KL(count/n ‖ q)). Thousands of groups are looked at every few minutes, so five of
 * seven members of an agent's users starting their workday in one half hour (chance ~0.08,
 * test seed 103) is no burst; thirty accounts of a sweep in three minutes (~e^-190) is.
 */
export function burstChance(count: number, n: number, inWindow: number, others: number): number {
  // Half an arrival where none was seen: no window is certain to be empty.
  return tailChance(count, n, Math.min(1, Math.max(inWindow, 0.5) / others));
}

/** Makes room for `n` newcomers in the scratch arrays. */
let memberScratch = new Uint32Array(1024);

function reserveMembers(n: number): void {
  if (n <= memberScratch.length) return;
  const grown = new Uint32Array(Math.max(n, memberScratch.length * 2));
  grown.set(memberScratch);
  memberScratch = grown;
}

function reserveNewcomers(n: number): void {
  if (firstSeen.length >= n) return;
  const size = Math.max(n, 2 * firstSeen.length);
  const times = new Float64Array(size);
  times.set(firstSeen);
  const nets = new Float64Array(size);
  nets.set(newcomerNetwork);
  const novel = new Float64Array(size);
  novel.set(newcomerNovel);
  firstSeen = times;
  newcomerNetwork = nets;
  newcomerNovel = novel;
  newcomerOrder = new Uint32Array(size);
}

/** What each signal is evidence of: what a group asks for, how its members rotate networks, a pool they share, accounts opened together. */
const evidenceKind: Record<string, string> = {
  cot_rate: "content",
  // What the answers carry is evidence about content too: counted with cot_rate as one kind,
  // so an eval harness (asks for steps, gets them) cannot link on content alone.
  trace_rate: "content",
  multi_asn_share: "rotation",
  multi_prefix_share: "rotation",
  shared_prefix_density: "pool",
  start_burst_share: "start",
  // Accounts opened for the job and accounts opened together are one kind of evidence: a
  // class's students are both, and must not link on the two.
  fresh_share: "start",
};

/** The kinds of evidence (content, rotation, pool) whose signals reached `agreeZ` in `score`. */
export function agreeingKinds(score: GroupScore, agreeZ: number): Set<string> {
  const kinds = new Set<string>();
  for (const sig of score.signals) {
    const kind = evidenceKind[sig.name];
    if (kind !== undefined && sig.z >= agreeZ) kinds.add(kind);
    // Which start evidence it was: a burst member shows it by when it arrived, a fresh account
    // by what it came for. A burst window that did not itself agree admits no one.
    if (sig.name === "fresh_share" && sig.z >= agreeZ) kinds.add("fresh");
    if (sig.name === "start_burst_share" && sig.z >= agreeZ) kinds.add("burst");
  }
  return kinds;
}

/**
 * Whether one member of a linking group shows, on its own, the coordination evidence the group
 * was linked on. A template is public: an eval harness running GSM8K in the textbook "Q: … A:
 * Let's think step by step." shares it with a campaign that uses the same format, and asks for
 * the same steps, so content cannot tell it apart. The network and the timing can: the
 * campaign's accounts rotate through a pool whose /24s they share, or were opened together;
 * the harness sits on one cloud address of its own and has run for weeks. So when rotation, a
 * shared pool or a start burst is what made the group an actor, a member that shows none of
 * those it was linked on is not linked through it. A member seen too little to tell (one
 * addressed request) keeps the benefit of the doubt on the network kinds. `sharesPrefix` says
 * whether another member of the group uses a prefix; `f` is the group's features (its burst).
 */
export function memberShowsNetwork(
  a: AccountState,
  kinds: ReadonlySet<string>,
  sharesPrefix: (prefix: number) => boolean,
  f?: Pick<GroupFeatures, "burstFrom" | "burstTo">,
  inPool: (prefix: number) => boolean = () => false,
  /** Content groups acting this evaluation: a fresh member shows the start if it came for one. */
  acting: ReadonlySet<number> = new Set(),
): boolean {
  const rotation = kinds.has("rotation");
  const pool = kinds.has("pool");
  const start = kinds.has("start") && f !== undefined;
  if (!rotation && !pool && !start) return true;
  if (showsStart(a, kinds, f, acting)) return true;
  // Two of its networks shared with other members: one shared network is a household, an
  // office, a carrier's NAT — in a group of hundreds (a public phrasing shared with students)
  // ordinary people share one as a matter of course.
  if (pool) {
    let shared = 0;
    for (let i = 0; i < a.prefixCount; i++) if (sharesPrefix(a.prefix(i)) && ++shared >= 2) return true;
  }
  // A member shows a pool's rotation on its own: fresh networks, not two it alternates between
  // (on synthetic text, 131 ordinary alternators joined the demo's hydra through the frame
  // "think step by step", which students share with the campaign), through at least one of the
  // pool's networks: a traveller (home, phone, a café: three networks in four requests) rotates
  // too, but not through the pool (tune seeds 11 and 13, strangers on the hydra's phrasing).
  // A pool too large for its accounts to meet on a /24 (real residential pools hold millions
  // of addresses) shows only fresh networks: three requests or more, each from a network of
  // its own, is not a traveller's home, phone and café.
  if (!rotation || !a.wanders()) return false;
  if (a.addressed >= 3 && (a.prefixCount === a.addressed || a.prefixCount >= MAX_DISTINCT)) return true;
  for (let i = 0; i < a.prefixCount; i++) if (inPool(a.prefix(i))) return true;
  return false;
}

/**
 * Whether a member is in the start burst its group was linked on. Unlike rotation or a shared
 * pool, an account shows this on its first request (when it first appeared), so it needs no
 * regulars to vouch for it: a warm detector links a burst of accounts seen once each. Only a
 * newcomer can be in one: an old account first seen inside the window (the logs say it had
 * spent before) only happened to make its first request to this linker then.
 */
export function inStartBurst(
  a: AccountState,
  kinds: ReadonlySet<string>,
  f?: Pick<GroupFeatures, "burstFrom" | "burstTo">,
): boolean {
  return (
    a.newcomer && kinds.has("burst") && f !== undefined && a.first >= f.burstFrom && a.first <= f.burstTo
  );
}

/**
 * Whether a member shows the start evidence its group was linked on, as it can on its first
 * request: in the group's start burst, or, when that is what the group showed, opened fresh
 * for a campaign (its first request was on the content of a group acting this evaluation,
 * `acting`: a sweep's account may have opened on a task its reasoning frames do not share). A
 * signup who asked a question of its own first and later ends one with a campaign's public
 * phrasing did not come for it.
 */
export function showsStart(
  a: AccountState,
  kinds: ReadonlySet<string>,
  f?: Pick<GroupFeatures, "burstFrom" | "burstTo">,
  acting: ReadonlySet<number> = new Set(),
): boolean {
  return inStartBurst(a, kinds, f) || (kinds.has("fresh") && a.opened === Opened.FRESH && a.cameFor(acting));
}

/**
 * Whether an account seen once (one addressed request) may be vouched for by a group whose
 * regulars show its evidence: when the group linked on rotation or a shared pool, which one
 * request cannot show (the start it can: `showsStart`).
 */
export function memberMayVouch(kinds: ReadonlySet<string>): boolean {
  return kinds.has("rotation") || kinds.has("pool");
}

/**
 * Whether a member of a group keyed on a network shows the pool itself: at least two of its
 * networks are networks of the pool (`pool`: network groups that act as one actor this
 * evaluation). Real residential proxy pools are ordinary people's home lines, so a pool /24
 * also holds honest customers, and some of them switch between their home line and a phone
 * all day, or share an office network with a neighbour: they have one pool network. A pool's
 * account comes from another of its exits on every request (`wanders`), and two of them at
 * least are the pool's. No benefit of the doubt: an account seen on one network has shown
 * nothing. (A simulator's residential ranges are few, so a person whose home line and phone
 * both sit in pool networks is commoner there than in the world: it happened on tune seeds.)
 */
export function memberOfPool(a: AccountState, pool: ReadonlySet<number>): boolean {
  if (!a.wanders()) return false;
  let n = 0;
  for (let i = 0; i < a.prefixCount; i++) if (pool.has(a.prefix(i)) && ++n >= 2) return true;
  return false;
}

/**
 * Mean of the strongest `scoreSignals` present signals' z-scores, each clipped to [0, zCap]:
 * those signals must all contribute for a high score. Content signals count only for a group
 * that brought at least `minBreadth` new questions per member and asked one another's questions
 * in at most `maxEcho` of its requests. Absent signals are left out, not
 * counted as zero (the mean is over what the logs carry). Unless signals of at least
 * `minSignals` kinds reach `agreeZ`, the group scores 0: one kind of evidence links nothing.
 */
export function scoreGroup(f: GroupFeatures, base: Baselines, cfg: ScoringConfig): GroupScore {
  // A group that asks what its members already asked harvests nothing new: a class pasting the
  // teacher's handout, whose step-by-step questions and worked answers are no campaign's.
  // Early in a lecture each handout problem is new the first time it is asked, so breadth alone
  // passes a handful of students; that the others then ask the very same problems does not.
  const narrow =
    (f.breadth !== null && f.breadth < cfg.minBreadth) || (f.echo !== null && f.echo > cfg.maxEcho);
  const all = [
    { name: "cot_rate", value: f.cotRate as number | null, b: base.cotRate },
    { name: "trace_rate", value: f.traceRate, b: base.traceRate },
    { name: "multi_asn_share", value: f.multiAsnShare, b: base.multiAsnShare },
    { name: "multi_prefix_share", value: f.multiPrefixShare, b: base.multiPrefixShare },
    {
      name: "shared_prefix_density",
      value: f.sharedPrefixDensity,
      b: base.sharedPrefixDensity,
    },
    { name: "start_burst_share", value: f.startBurstShare, b: base.startBurstShare },
    { name: "fresh_share", value: f.freshShare, b: base.freshShare },
  ];
  const absent = all.filter((p) => p.value === null).map((p) => p.name);
  const parts = all.flatMap((p) => {
    if (p.value === null || (narrow && evidenceKind[p.name] === "content")) return [];
    const z = robustZ(p.value, p.b, cfg.madFloor);
    return [{ name: p.name, value: p.value, b: p.b, z, c: Math.min(Math.max(z, 0), cfg.zCap) }];
  });
  const total = parts.reduce((sum, p) => sum + p.c, 0);
  // Kinds, not signals: ASN and prefix rotation are one kind of evidence (a person with a
  // phone shows both), so they count once.
  const agreeing = new Set(parts.filter((p) => p.z >= cfg.agreeZ).map((p) => evidenceKind[p.name])).size;
  const strongest = parts
    .map((p) => p.c)
    .sort((x, y) => y - x)
    .slice(0, cfg.scoreSignals);
  const score = agreeing >= cfg.minSignals ? strongest.reduce((sum, c) => sum + c, 0) / strongest.length : 0;
  const signals: Signal[] = parts
    .map((p) => ({
      name: p.name,
      value: p.value,
      baseline: p.b.median,
      z: p.z,
      contribution: total > 0 ? p.c / total : 0,
    }))
    .sort((x, y) => y.contribution - x.contribution);
  return { score, signals, absent };
}

/**
 * Population baselines of the group signals. The population is independent groups: groups
 * that share accounts are one cluster and count once (the median of its groups), so an actor
 * with a hundred templates is one voice instead of a hundred. That is not enough early in a
 * campaign, before its templates share accounts: its clusters outnumber the benign ones and
 * define "normal" (measured on the gateway path: at 2 h the hydra's templates set the CoT
 * baseline to 0.90 and its z-scores fell to zero). So the population is trimmed against the
 * priors first: a cluster that would link against the priors is left out and the baseline is
 * measured on the rest. So a deployment whose benign groups differ from the priors on one
 * signal (people on a phone and a laptop) still sets its own normal, while a campaign cannot
 * define normal unless it already looks normal to the priors.
 * A signal absent from a group is left out of its baseline.
 */
export function populationBaselines(groups: readonly CandidateGroup[], cfg: ScoringConfig): Baselines {
  const clusters = new UnionFind();
  for (const g of groups) {
    let first = -1;
    for (const slot of g.fp.accounts.keys()) {
      if (first < 0) first = slot;
      else clusters.union(first, slot);
    }
  }
  const byCluster = new Map<number, GroupFeatures[]>();
  for (const g of groups) {
    const root = clusters.find(g.fp.accounts.keys().next().value ?? -1);
    const list = byCluster.get(root);
    if (list) list.push(g.f);
    else byCluster.set(root, [g.f]);
  }
  const medianOf = (list: GroupFeatures[], pick: (f: GroupFeatures) => number | null): number | null => {
    const values = list.map(pick).filter((v): v is number => v !== null);
    return values.length > 0 ? median(values) : null;
  };
  const voices: GroupFeatures[] = [];
  for (const list of byCluster.values()) {
    voices.push({
      members: list.reduce((n, f) => n + f.members, 0),
      cotRate: medianOf(list, (f) => f.cotRate) ?? 0,
      traceRate: medianOf(list, (f) => f.traceRate),
      multiAsnShare: medianOf(list, (f) => f.multiAsnShare),
      multiPrefixShare: medianOf(list, (f) => f.multiPrefixShare),
      sharedPrefixDensity: medianOf(list, (f) => f.sharedPrefixDensity),
      startBurstShare: medianOf(list, (f) => f.startBurstShare),
      freshShare: medianOf(list, (f) => f.freshShare),
      burstFrom: Number.NaN,
      burstTo: Number.NaN,
      breadth: null,
      echo: null,
    });
  }
  const priors = cfg.priors;
  return baselinesOf(
    voices.filter((v) => scoreGroup(v, priors, cfg).score < cfg.linkScore),
    cfg,
  );
}

/**
 * Each signal's baseline from the clusters' values, leaving out values more than `zCap` above
 * the prior: a cluster cannot link on one signal alone, so the whole-cluster trim keeps a
 * campaign whose other signals are not yet visible (its accounts have made one request each)
 * — and its CoT rate of 0.85 became the CoT baseline. Values within `zCap` of the prior are
 * the deployment's own normal and move the baseline.
 */
function baselinesOf(voices: readonly GroupFeatures[], cfg: ScoringConfig): Baselines {
  const { priors, zCap, madFloor } = cfg;
  const sample = (pick: (f: GroupFeatures) => number | null, prior: Baseline) =>
    baselineOf(
      voices.map(pick).filter((v): v is number => v !== null && robustZ(v, prior, madFloor) < zCap),
      prior,
    );
  return {
    cotRate: sample((f) => f.cotRate, priors.cotRate),
    traceRate: sample((f) => f.traceRate, priors.traceRate),
    multiAsnShare: sample((f) => f.multiAsnShare, priors.multiAsnShare),
    multiPrefixShare: sample((f) => f.multiPrefixShare, priors.multiPrefixShare),
    sharedPrefixDensity: sample((f) => f.sharedPrefixDensity, priors.sharedPrefixDensity),
    startBurstShare: sample((f) => f.startBurstShare, priors.startBurstShare),
    freshShare: sample((f) => f.freshShare, priors.freshShare),
  };
}
