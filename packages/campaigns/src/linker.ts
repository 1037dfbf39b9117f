import type { Alert, CampaignUpdate, SharedFingerprint, Signal } from "@distillguard/contract";
import { hash53, hex, ipv4Prefix24, networkPrefix, prefix24String } from "./keys.ts";
import { type Baseline, baselineOf, robustZ, UnionFind } from "./stats.ts";

/** What the linker reads from each request: a structural subset of ApiRequest. */
export interface LinkEvent {
  account_id: string;
  event_time_ms: number;
  client_address: string;
  client_asn: number | null;
  user_agent: string | null;
  tls_fingerprint: string | null;
  prompt_template_hash: Uint8Array;
  system_prompt_hash: Uint8Array | null;
  cot_elicitation: number;
  usage_output_tokens: number;
  usage_reasoning_tokens: number | null;
}

export interface LinkerConfig {
  /** Accounts and fingerprints unseen for this long are forgotten (decay). */
  horizonMs: number;
  /** Smallest group of accounts that can be a campaign. */
  minMembers: number;
  /** A request with cot_elicitation at or above this asks for reasoning traces. */
  cotThreshold: number;
  /**
   * A fingerprint used by more than this share of active accounts (and by at least
   * `glueMinAccounts`) links nothing: it is world glue, like a popular SDK's defaults.
   */
  glueShare: number;
  glueMinAccounts: number;
  /** Group score at which a shared fingerprint links its accounts. */
  linkScore: number;
  /** Campaign score that opens an alert, and the lower one under which it may resolve. */
  alertScore: number;
  resolveScore: number;
  /** Evaluations below resolveScore (or inactive) before an alert resolves: no flapping. */
  resolveAfter: number;
  /** Size of the first-seen table that keeps one-off fingerprints out of memory. */
  admissionSlots: number;
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
   * A group scores only when at least `minSignals` of its signals reach this z: two kinds of
   * evidence must agree. Without it, dropping an absent signal let one extreme signal (a
   * class of students asking for step-by-step answers) carry a group over `linkScore` alone.
   */
  agreeZ: number;
  madFloor: number;
  /** Baselines used until enough groups exist to measure the population. */
  priors: {
    cotRate: Baseline;
    multiAsnShare: Baseline;
    multiPrefixShare: Baseline;
    sharedPrefixDensity: Baseline;
  };
  /** A group's score is the mean of its strongest this-many present signals (clipped z). */
  scoreSignals: number;
}

export const defaultLinkerConfig: LinkerConfig = {
  horizonMs: 24 * 3_600_000,
  minMembers: 5,
  cotThreshold: 0.5,
  glueShare: 0.25,
  glueMinAccounts: 1_000,
  linkScore: 3,
  alertScore: 4,
  resolveScore: 2,
  resolveAfter: 3,
  admissionSlots: 1 << 20,
  maxAccounts: 2_000_000,
  zCap: 6,
  minSignals: 2,
  agreeZ: 2,
  madFloor: 0.05,
  priors: {
    cotRate: { median: 0.04, mad: 0.03 },
    multiAsnShare: { median: 0, mad: 0.02 },
    multiPrefixShare: { median: 0.25, mad: 0.15 },
    sharedPrefixDensity: { median: 0, mad: 0.02 },
  },
  scoreSignals: 3,
};

type ContentKind = "template" | "system_prompt";

/** Distinct values kept per account: enough to see rotation, bounded memory. */
const MAX_DISTINCT = 8;

class AccountState {
  requests = 0;
  cot = 0;
  output = 0;
  reasoning = 0;
  first: number;
  last: number;
  /**
   * Distinct network prefixes (IPv4 /24 as numbers, others as negative ids) and ASNs, first
   * seen first. The first of each is inline; the rest go to `more`, allocated only when an
   * account uses a second one: most accounts use one network, and two typed arrays per account
   * cost ~450 B of heap each (measured in bench/detector).
   */
  prefix0 = 0;
  prefixCount = 0;
  asn0 = 0;
  asnCount = 0;
  /** Prefixes 2..MAX_DISTINCT at [0, MAX_DISTINCT−1), ASNs 2..MAX_DISTINCT after them. */
  more: Float64Array | null = null;
  campaign: string | null = null;

  prefix(i: number): number {
    return i === 0 ? this.prefix0 : (this.more?.[i - 1] ?? 0);
  }

  asn(i: number): number {
    return i === 0 ? this.asn0 : (this.more?.[MAX_DISTINCT - 2 + i] ?? 0);
  }

  addPrefix(v: number): void {
    const n = this.prefixCount;
    if (n === 0) {
      this.prefix0 = v;
      this.prefixCount = 1;
      return;
    }
    for (let i = 0; i < n; i++) if (this.prefix(i) === v) return;
    if (n >= MAX_DISTINCT) return;
    this.more ??= new Float64Array(2 * (MAX_DISTINCT - 1));
    this.more[n - 1] = v;
    this.prefixCount = n + 1;
  }

  addAsn(v: number): void {
    const n = this.asnCount;
    if (n === 0) {
      this.asn0 = v;
      this.asnCount = 1;
      return;
    }
    for (let i = 0; i < n; i++) if (this.asn(i) === v) return;
    if (n >= MAX_DISTINCT) return;
    this.more ??= new Float64Array(2 * (MAX_DISTINCT - 1));
    this.more[MAX_DISTINCT - 2 + n] = v;
    this.asnCount = n + 1;
  }

  constructor(
    readonly slot: number,
    readonly id: string,
    t: number,
  ) {
    this.first = t;
    this.last = t;
  }
}

class FingerprintState {
  requests = 0;
  cot = 0;
  last: number;
  readonly accounts = new Map<number, number>();

  constructor(
    readonly kind: ContentKind,
    readonly key: number,
    readonly hex: string,
    t: number,
  ) {
    this.last = t;
  }
}

interface GroupFeatures {
  members: number;
  cotRate: number;
  /** null: no member has an ASN in the logs (the source does not carry it). */
  multiAsnShare: number | null;
  /** null: no member has a client address in the logs. */
  multiPrefixShare: number | null;
  /**
   * /24s used by two or more members, per member: a proxy pool shared by the group's accounts
   * (many accounts × many /24s) scores high; a NAT (many accounts, one /24) scores ~1/members.
   * Content-free coordination evidence. null with no address in the logs.
   */
  sharedPrefixDensity: number | null;
}

type Baselines = Record<keyof LinkerConfig["priors"], Baseline>;

/** Why each rotation signal can be missing, for alerts that say so. */
const absentBecause: Record<string, string> = {
  multi_asn_share: "no client ASN in the logs",
  multi_prefix_share: "no client address in the logs",
  shared_prefix_density: "no client address in the logs",
};

interface CampaignState {
  id: string;
  members: Set<number>;
  alert: { id: string; openedAt: number; revision: number; lowStreak: number; resolved: boolean } | null;
  /** Totals of members that left or expired while in the campaign. */
  carried: { requests: number; output: number; reasoning: number };
  beforeFirstAlert: { requests: number; output: number } | null;
  /** What the last alert record said, to emit updates only on material change. */
  lastReported: { members: number; severity: Alert["severity"] } | null;
  /** An alert inherited in a merge that has not been announced under this campaign yet. */
  alertIsNew?: boolean;
}

export interface Evaluation {
  campaigns: CampaignUpdate[];
  alerts: Alert[];
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The alert's note on signals its sources did not carry. */
function unavailable(absent: readonly string[] | undefined): string {
  if (!absent || absent.length === 0) return "";
  return `; unavailable: ${absent.map((n) => `${n} (${absentBecause[n] ?? "not in the logs"})`).join(", ")}`;
}

/**
 * Links accounts into campaigns through the content fingerprints they share (template and
 * system-prompt hashes), but only where the group of accounts sharing one behaves as one
 * coordinated actor: it elicits reasoning traces, and its members rotate through networks
 * (many ASNs and /24s each, as proxy pools do). A fingerprint that thousands of unrelated
 * accounts share for ordinary reasons (an agent's system prompt, an app's template, a NAT) does
 * not pass, so it links nothing. Pure: event time in, records out, no clock of its own.
 */
export class CampaignLinker {
  private readonly accounts = new Map<string, AccountState>();
  private readonly bySlot = new Map<number, AccountState>();
  private readonly fingerprints = new Map<number, FingerprintState>();
  private readonly firstKey: Float64Array;
  private readonly firstUser: Int32Array;
  private readonly campaigns = new Map<string, CampaignState>();
  private nextSlot = 0;
  private lastGroupBaselines: Baselines;

  constructor(private readonly config: LinkerConfig = defaultLinkerConfig) {
    this.firstKey = new Float64Array(config.admissionSlots).fill(-1);
    this.firstUser = new Int32Array(config.admissionSlots).fill(-1);
    this.lastGroupBaselines = { ...config.priors };
  }

  get activeAccounts(): number {
    return this.accounts.size;
  }

  /** Accounts dropped by the cap (not by the horizon). */
  evictions = 0;

  get trackedFingerprints(): number {
    return this.fingerprints.size;
  }

  observe(e: LinkEvent): void {
    const t = e.event_time_ms;
    let a = this.accounts.get(e.account_id);
    if (!a) {
      if (this.accounts.size >= this.config.maxAccounts) this.evictOldest();
      a = new AccountState(this.nextSlot++, e.account_id, t);
      this.accounts.set(e.account_id, a);
      this.bySlot.set(a.slot, a);
    }
    a.requests++;
    a.last = Math.max(a.last, t);
    const cot = e.cot_elicitation >= this.config.cotThreshold;
    if (cot) a.cot++;
    a.output += e.usage_output_tokens;
    a.reasoning += e.usage_reasoning_tokens ?? 0;
    if (e.client_address !== "") {
      let prefix = ipv4Prefix24(e.client_address);
      if (prefix < 0) prefix = this.otherPrefix(e.client_address);
      a.addPrefix(prefix);
    }
    if (e.client_asn !== null) a.addAsn(e.client_asn);
    this.touch("template", e.prompt_template_hash, a, t, cot);
    if (e.system_prompt_hash) this.touch("system_prompt", e.system_prompt_hash, a, t, cot);
  }

  /** Non-IPv4 prefixes (IPv6 /64) get negative ids; the printable form is kept for reports. */
  private readonly otherPrefixes = new Map<string, number>();
  private readonly otherPrefixNames = new Map<number, string>();

  private otherPrefix(ip: string): number {
    const p = networkPrefix(ip);
    let id = this.otherPrefixes.get(p);
    if (id === undefined) {
      id = -1 - this.otherPrefixes.size;
      this.otherPrefixes.set(p, id);
      this.otherPrefixNames.set(id, p);
    }
    return id;
  }

  private prefixName(id: number): string {
    return id >= 0 ? prefix24String(id) : (this.otherPrefixNames.get(id) ?? "?");
  }

  /**
   * A fingerprint is tracked once a second account uses it; until then one slot of a fixed
   * table remembers its first user. Free-form prompts, each with its own template hash, thus
   * never take memory.
   */
  private touch(kind: ContentKind, hash: Uint8Array, a: AccountState, t: number, cot: boolean): void {
    const key = kind === "template" ? hash53(hash) : -hash53(hash) - 1;
    let fp = this.fingerprints.get(key);
    if (!fp) {
      const slot = Math.abs(key) % this.config.admissionSlots;
      if (this.firstKey[slot] !== key) {
        this.firstKey[slot] = key;
        this.firstUser[slot] = a.slot;
        return;
      }
      const first = this.firstUser[slot] as number;
      if (first === a.slot) return;
      fp = new FingerprintState(kind, key, hex(hash), t);
      this.fingerprints.set(key, fp);
      if (this.bySlot.has(first)) fp.accounts.set(first, 1);
      fp.requests = 1;
      this.firstKey[slot] = -1;
    }
    fp.requests++;
    if (cot) fp.cot++;
    fp.last = Math.max(fp.last, t);
    fp.accounts.set(a.slot, (fp.accounts.get(a.slot) ?? 0) + 1);
  }

  /** Re-links, re-scores and advances alert lifecycles as of event time `nowMs`. */
  evaluate(nowMs: number): Evaluation {
    const cfg = this.config;
    this.expire(nowMs);

    // 1. Score every content fingerprint shared by enough accounts, as a candidate group.
    const glue = Math.max(cfg.glueMinAccounts, cfg.glueShare * this.accounts.size);
    const groups: { fp: FingerprintState; f: GroupFeatures }[] = [];
    for (const fp of this.fingerprints.values()) {
      if (fp.accounts.size < cfg.minMembers || fp.accounts.size > glue) continue;
      groups.push({ fp, f: this.features(fp.accounts.keys(), fp.cot / fp.requests) });
    }
    const base = this.groupBaselines(groups);
    this.lastGroupBaselines = base;

    // 2. Link the accounts of every group that behaves as one actor.
    const uf = new UnionFind();
    const linking: FingerprintState[] = [];
    for (const g of groups) {
      if (this.score(g.f, base).score < cfg.linkScore) continue;
      linking.push(g.fp);
      let first = -1;
      for (const slot of g.fp.accounts.keys()) {
        if (first < 0) first = slot;
        else uf.union(first, slot);
      }
    }
    const components = new Map<number, Set<number>>();
    for (const fp of linking) {
      for (const slot of fp.accounts.keys()) {
        const root = uf.find(slot);
        const c = components.get(root);
        if (c) c.add(slot);
        else components.set(root, new Set([slot]));
      }
    }

    // 3. Campaigns: match components to known campaigns by member overlap (stable ids).
    const out: Evaluation = { campaigns: [], alerts: [] };
    const seen = new Set<string>();
    for (const members of components.values()) {
      if (members.size < cfg.minMembers) continue;
      const c = this.match(members, nowMs, linking, out);
      seen.add(c.id);
      this.report(c, members, linking, base, nowMs, out);
    }
    for (const c of this.campaigns.values()) {
      if (seen.has(c.id) || !c.alert || c.alert.resolved) continue;
      // Gone quiet or dissolved: count towards resolution like a low score.
      this.advanceAlert(c, 0, nowMs, out, null);
    }
    return out;
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
  private groupBaselines(groups: readonly { fp: FingerprintState; f: GroupFeatures }[]): Baselines {
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
        multiAsnShare: medianOf(list, (f) => f.multiAsnShare),
        multiPrefixShare: medianOf(list, (f) => f.multiPrefixShare),
        sharedPrefixDensity: medianOf(list, (f) => f.sharedPrefixDensity),
      });
    }
    const priors = this.config.priors;
    return this.baselinesOf(voices.filter((v) => this.score(v, priors).score < this.config.linkScore));
  }

  /**
   * Each signal's baseline from the clusters' values, leaving out values more than `zCap` above
   * the prior: a cluster cannot link on one signal alone, so the whole-cluster trim keeps a
   * campaign whose other signals are not yet visible (its accounts have made one request each)
   * — and its CoT rate of 0.85 became the CoT baseline. Values within `zCap` of the prior are
   * the deployment's own normal and move the baseline.
   */
  private baselinesOf(voices: readonly GroupFeatures[]): Baselines {
    const { priors, zCap, madFloor } = this.config;
    const sample = (pick: (f: GroupFeatures) => number | null, prior: Baseline) =>
      baselineOf(
        voices.map(pick).filter((v): v is number => v !== null && robustZ(v, prior, madFloor) < zCap),
        prior,
      );
    return {
      cotRate: sample((f) => f.cotRate, priors.cotRate),
      multiAsnShare: sample((f) => f.multiAsnShare, priors.multiAsnShare),
      multiPrefixShare: sample((f) => f.multiPrefixShare, priors.multiPrefixShare),
      sharedPrefixDensity: sample((f) => f.sharedPrefixDensity, priors.sharedPrefixDensity),
    };
  }

  /** Reused by `features`: members per /24 within one group. */
  private readonly prefixUse = new Map<number, number>();

  private features(slots: Iterable<number>, cotRate: number): GroupFeatures {
    let members = 0;
    let withAsn = 0;
    let withPrefix = 0;
    let multiAsn = 0;
    let multiPrefix = 0;
    let addressed = 0;
    let sharedPrefixes = 0;
    const use = this.prefixUse;
    use.clear();
    for (const slot of slots) {
      const a = this.bySlot.get(slot);
      if (!a) continue;
      members++;
      if (a.prefixCount > 0) addressed++;
      for (let i = 0; i < a.prefixCount; i++) {
        const p = a.prefix(i);
        const n = (use.get(p) ?? 0) + 1;
        use.set(p, n);
        if (n === 2) sharedPrefixes++;
      }
      // One request cannot show rotation; judge rotation on accounts seen at least twice,
      // among those whose logs carry the field at all.
      if (a.requests < 2) continue;
      if (a.asnCount > 0) withAsn++;
      if (a.prefixCount > 0) withPrefix++;
      if (a.asnCount >= 2) multiAsn++;
      if (a.prefixCount >= 2) multiPrefix++;
    }
    return {
      members,
      cotRate,
      multiAsnShare: withAsn > 0 ? multiAsn / withAsn : null,
      multiPrefixShare: withPrefix > 0 ? multiPrefix / withPrefix : null,
      sharedPrefixDensity: addressed > 0 ? sharedPrefixes / addressed : null,
    };
  }

  /**
   * Mean of the strongest `scoreSignals` present signals' z-scores, each clipped to [0, zCap]:
   * those signals must all contribute for a high score. Absent signals are left out, not
   * counted as zero (the mean is over what the logs carry). Unless at least `minSignals`
   * present signals reach `agreeZ`, the group scores 0: one kind of evidence links nothing.
   */
  private score(f: GroupFeatures, base: Baselines): { score: number; signals: Signal[]; absent: string[] } {
    const cfg = this.config;
    const all = [
      { name: "cot_rate", value: f.cotRate as number | null, b: base.cotRate },
      { name: "multi_asn_share", value: f.multiAsnShare, b: base.multiAsnShare },
      { name: "multi_prefix_share", value: f.multiPrefixShare, b: base.multiPrefixShare },
      { name: "shared_prefix_density", value: f.sharedPrefixDensity, b: base.sharedPrefixDensity },
    ];
    const absent = all.filter((p) => p.value === null).map((p) => p.name);
    const parts = all.flatMap((p) => {
      if (p.value === null) return [];
      const z = robustZ(p.value, p.b, cfg.madFloor);
      return [{ name: p.name, value: p.value, b: p.b, z, c: Math.min(Math.max(z, 0), cfg.zCap) }];
    });
    const total = parts.reduce((sum, p) => sum + p.c, 0);
    const agreeing = parts.filter((p) => p.z >= cfg.agreeZ).length;
    const strongest = parts
      .map((p) => p.c)
      .sort((x, y) => y - x)
      .slice(0, cfg.scoreSignals);
    const score =
      agreeing >= cfg.minSignals ? strongest.reduce((sum, c) => sum + c, 0) / strongest.length : 0;
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
   * The known campaign this component continues (largest member overlap), or a new one.
   * Campaigns that grew together are merged into it: their alerts resolve as merged, so one
   * actor keeps one alert.
   */
  private match(
    members: Set<number>,
    nowMs: number,
    linking: FingerprintState[],
    out: Evaluation,
  ): CampaignState {
    const overlaps: { c: CampaignState; overlap: number }[] = [];
    for (const c of this.campaigns.values()) {
      let overlap = 0;
      for (const m of members) if (c.members.has(m)) overlap++;
      if (overlap * 2 >= Math.min(c.members.size, members.size) && overlap > 0) overlaps.push({ c, overlap });
    }
    overlaps.sort((x, y) => y.overlap - x.overlap || x.c.id.localeCompare(y.c.id));
    const best = overlaps[0]?.c;
    if (best) {
      for (const m of best.members) if (!members.has(m)) this.leave(best, m);
      best.members = members;
      for (const { c } of overlaps.slice(1)) this.merge(c, best, nowMs, out);
      return best;
    }
    const anchor = linking.find((fp) => members.has(fp.accounts.keys().next().value ?? -1))?.hex ?? "0";
    const c: CampaignState = {
      id: `cmp_${anchor}_${nowMs.toString(36)}`,
      members,
      alert: null,
      carried: { requests: 0, output: 0, reasoning: 0 },
      beforeFirstAlert: null,
      lastReported: null,
    };
    this.campaigns.set(c.id, c);
    return c;
  }

  private merge(from: CampaignState, into: CampaignState, nowMs: number, out: Evaluation): void {
    into.carried.requests += from.carried.requests;
    into.carried.output += from.carried.output;
    into.carried.reasoning += from.carried.reasoning;
    if (from.beforeFirstAlert && (!into.beforeFirstAlert || from.alert?.openedAt !== undefined)) {
      into.beforeFirstAlert ??= from.beforeFirstAlert;
    }
    if (from.alert && !from.alert.resolved) {
      from.alert.resolved = true;
      from.alert.revision++;
      const r = this.alertRecord(from, "resolved", 0, "low", nowMs, null);
      r.summary = `merged into ${into.id}`;
      out.alerts.push(r);
      // The surviving campaign keeps the earliest opening, so time-to-detect is not reset.
      if (into.alert && !into.alert.resolved && from.alert.openedAt < into.alert.openedAt) {
        into.alert.openedAt = from.alert.openedAt;
      } else if (!into.alert || into.alert.resolved) {
        into.alert = {
          ...from.alert,
          id: `campaign:${into.id}:${from.alert.openedAt}`,
          resolved: false,
          revision: 0,
          lowStreak: 0,
        };
        into.alertIsNew = true;
      }
    }
    this.campaigns.delete(from.id);
  }

  private leave(c: CampaignState, slot: number): void {
    const a = this.bySlot.get(slot);
    if (!a) return;
    c.carried.requests += a.requests;
    c.carried.output += a.output;
    c.carried.reasoning += a.reasoning;
  }

  private report(
    c: CampaignState,
    members: Set<number>,
    linking: FingerprintState[],
    base: Baselines,
    nowMs: number,
    out: Evaluation,
  ): void {
    let requests = c.carried.requests;
    let output = c.carried.output;
    let reasoning = c.carried.reasoning;
    let cot = 0;
    let memberRequests = 0;
    const ranked: AccountState[] = [];
    const prefixMembers = new Map<number, number>();
    for (const slot of members) {
      const a = this.bySlot.get(slot);
      if (!a) continue;
      a.campaign = c.id;
      ranked.push(a);
      requests += a.requests;
      memberRequests += a.requests;
      output += a.output;
      reasoning += a.reasoning;
      cot += a.cot;
      for (let i = 0; i < a.prefixCount; i++) {
        const p = a.prefix(i);
        prefixMembers.set(p, (prefixMembers.get(p) ?? 0) + 1);
      }
    }
    const f = this.features(members, memberRequests > 0 ? cot / memberRequests : 0);
    const { score, signals, absent } = this.score(f, base);

    // Shared fingerprints, weighted IDF-style: rarer across all accounts weighs more.
    const n = Math.max(1, this.accounts.size);
    const shared: SharedFingerprint[] = [];
    let onShared = 0;
    for (const fp of linking) {
      let inside = 0;
      for (const [slot, count] of fp.accounts) {
        if (members.has(slot)) {
          inside++;
          onShared += count;
        }
      }
      if (inside >= 2)
        shared.push({
          kind: fp.kind,
          value: fp.hex,
          weight: Math.log(n / fp.accounts.size),
          member_count: inside,
        });
    }
    for (const [p, count] of prefixMembers) {
      if (count >= 2) {
        shared.push({
          kind: "ip_prefix",
          value: this.prefixName(p),
          weight: Math.log(n / count),
          member_count: count,
        });
      }
    }
    shared.sort((x, y) => y.member_count - x.member_count || x.value.localeCompare(y.value));
    const topShared = shared.slice(0, 20);

    ranked.sort((x, y) => y.requests - x.requests || x.id.localeCompare(y.id));
    if (score >= this.config.alertScore && !c.beforeFirstAlert) c.beforeFirstAlert = { requests, output };
    const alerted = c.alert !== null;
    out.campaigns.push({
      campaign_id: c.id,
      event_time_ms: nowMs,
      status: score >= this.config.alertScore ? "active" : "forming",
      member_count: members.size,
      members: ranked.slice(0, 1000).map((a) => a.id),
      members_truncated: ranked.length > 1000,
      shared_fingerprints: topShared,
      requests,
      input_tokens: 0,
      output_tokens: output,
      reasoning_tokens: reasoning,
      requests_before_first_alert: c.beforeFirstAlert?.requests ?? requests,
      output_tokens_before_first_alert: c.beforeFirstAlert?.output ?? output,
      template_concentration: memberRequests > 0 ? Math.min(1, onShared / memberRequests) : 0,
      cot_rate: f.cotRate,
      score,
      signals,
    });
    this.advanceAlert(c, score, nowMs, out, {
      f,
      signals,
      absent,
      shared: topShared,
      members: members.size,
      alerted,
    });
  }

  private advanceAlert(
    c: CampaignState,
    score: number,
    nowMs: number,
    out: Evaluation,
    detail: {
      f: GroupFeatures;
      signals: Signal[];
      absent: string[];
      shared: SharedFingerprint[];
      members: number;
      alerted: boolean;
    } | null,
  ): void {
    const cfg = this.config;
    const severity = (s: number): Alert["severity"] =>
      s >= 5.5 ? "critical" : s >= 5 ? "high" : s >= 4 ? "medium" : "low";
    if (c.alert && c.alertIsNew && detail) {
      c.alertIsNew = false;
      out.alerts.push(this.alertRecord(c, "open", score, severity(score), nowMs, detail));
      c.lastReported = { members: detail.members, severity: severity(score) };
      return;
    }
    if (!c.alert || c.alert.resolved) {
      if (score < cfg.alertScore || !detail) return;
      c.alert = {
        id: `campaign:${c.id}:${nowMs}`,
        openedAt: nowMs,
        revision: 0,
        lowStreak: 0,
        resolved: false,
      };
      out.alerts.push(this.alertRecord(c, "open", score, severity(score), nowMs, detail));
      c.lastReported = { members: detail.members, severity: severity(score) };
      return;
    }
    if (score < cfg.resolveScore) c.alert.lowStreak++;
    else c.alert.lowStreak = 0;
    if (c.alert.lowStreak >= cfg.resolveAfter) {
      c.alert.resolved = true;
      c.alert.revision++;
      out.alerts.push(this.alertRecord(c, "resolved", score, severity(score), nowMs, detail));
      return;
    }
    // Updates only when something an analyst would act on changed: ≥ 10% more or fewer
    // members, or another severity. Scores wobbling around a threshold emit nothing.
    const sev = severity(Math.max(score, cfg.alertScore));
    const last = c.lastReported;
    if (
      detail &&
      (!last ||
        last.severity !== sev ||
        Math.abs(detail.members - last.members) >= Math.max(1, 0.1 * last.members))
    ) {
      c.alert.revision++;
      out.alerts.push(this.alertRecord(c, "update", score, sev, nowMs, detail));
      c.lastReported = { members: detail.members, severity: sev };
    }
  }

  private alertRecord(
    c: CampaignState,
    state: Alert["state"],
    score: number,
    severity: Alert["severity"],
    nowMs: number,
    detail: { signals: Signal[]; absent?: string[]; shared: SharedFingerprint[]; members: number } | null,
  ): Alert {
    const alert = c.alert as NonNullable<CampaignState["alert"]>;
    const shared = detail?.shared ?? [];
    const names = shared
      .slice(0, 3)
      .map((s) => `${s.kind} ${s.value} (${s.member_count} accounts)`)
      .join(", ");
    const top = detail?.signals[0];
    return {
      alert_id: alert.id,
      revision: alert.revision,
      subject_kind: "campaign",
      subject_id: c.id,
      state,
      severity,
      score,
      opened_at_ms: alert.openedAt,
      event_time_ms: nowMs,
      member_count: detail?.members ?? c.members.size,
      top_signals: detail?.signals ?? [],
      shared_fingerprints: shared,
      summary:
        state === "resolved"
          ? `campaign ${c.id} quiet or below threshold for ${this.config.resolveAfter} evaluations`
          : `${detail?.members ?? 0} accounts linked by ${names}; ${top ? `${top.name} ${top.value.toFixed(2)} vs baseline ${top.baseline.toFixed(2)}` : ""}${unavailable(detail?.absent)}`,
    };
  }

  private evictOldest(): void {
    const batch = Math.max(1, Math.floor(this.config.maxAccounts / 64));
    const oldest = [...this.accounts.values()]
      .sort((x, y) => x.last - y.last || x.slot - y.slot)
      .slice(0, batch);
    for (const a of oldest) this.forget(a);
    this.evictions += oldest.length;
  }

  /** Removes an account, carrying its totals into its campaign so the leakage account stays whole. */
  private forget(a: AccountState): void {
    if (a.campaign) {
      const c = this.campaigns.get(a.campaign);
      if (c?.members.has(a.slot)) {
        this.leave(c, a.slot);
        c.members.delete(a.slot);
      }
    }
    this.accounts.delete(a.id);
    this.bySlot.delete(a.slot);
  }

  private expire(nowMs: number): void {
    const cutoff = nowMs - this.config.horizonMs;
    for (const a of this.accounts.values()) if (a.last < cutoff) this.forget(a);
    for (const [key, fp] of this.fingerprints) {
      if (fp.last < cutoff) {
        this.fingerprints.delete(key);
        continue;
      }
      for (const slot of fp.accounts.keys()) if (!this.bySlot.has(slot)) fp.accounts.delete(slot);
    }
  }

  /**
   * Checkpoint of the whole linker state (accounts, shared fingerprints, the first-seen table's
   * used slots, campaigns with their alert state): restoring it and continuing gives the same
   * output as never stopping. JSON inside: the state is Map-shaped and modest next to the
   * window store, and a readable checkpoint is worth more here than bytes.
   */
  serialize(): Uint8Array {
    const admission: number[] = [];
    for (let i = 0; i < this.firstKey.length; i++) {
      if (this.firstKey[i] !== -1) admission.push(i, this.firstKey[i] as number, this.firstUser[i] as number);
    }
    const state = {
      v: 1,
      admissionSlots: this.config.admissionSlots,
      nextSlot: this.nextSlot,
      evictions: this.evictions,
      baselines: this.lastGroupBaselines,
      otherPrefixes: [...this.otherPrefixes],
      accounts: [...this.accounts.values()].map((a) => [
        a.slot,
        a.id,
        a.requests,
        a.cot,
        a.output,
        a.reasoning,
        a.first,
        a.last,
        Array.from({ length: a.prefixCount }, (_, i) => a.prefix(i)),
        Array.from({ length: a.asnCount }, (_, i) => a.asn(i)),
        a.campaign,
      ]),
      fingerprints: [...this.fingerprints.values()].map((f) => [
        f.key,
        f.kind,
        f.hex,
        f.requests,
        f.cot,
        f.last,
        [...f.accounts],
      ]),
      admission,
      campaigns: [...this.campaigns.values()].map((c) => ({ ...c, members: [...c.members] })),
    };
    return new TextEncoder().encode(JSON.stringify(state));
  }

  static deserialize(bytes: Uint8Array, config: LinkerConfig = defaultLinkerConfig): CampaignLinker {
    const st = JSON.parse(new TextDecoder().decode(bytes));
    if (st.v !== 1) throw new Error(`unsupported linker checkpoint version ${st.v}`);
    if (st.admissionSlots !== config.admissionSlots) {
      throw new Error(`checkpoint has ${st.admissionSlots} admission slots, config ${config.admissionSlots}`);
    }
    const l = new CampaignLinker(config);
    l.nextSlot = st.nextSlot;
    l.evictions = st.evictions;
    // Checkpoints from before a signal existed lack its baseline: the prior stands in until the next evaluation.
    l.lastGroupBaselines = { ...config.priors, ...st.baselines };
    for (const [name, id] of st.otherPrefixes as [string, number][]) {
      l.otherPrefixes.set(name, id);
      l.otherPrefixNames.set(id, name);
    }
    for (const [
      slot,
      id,
      requests,
      cot,
      output,
      reasoning,
      first,
      last,
      prefixes,
      asns,
      campaign,
    ] of st.accounts) {
      const a = new AccountState(slot, id, first);
      a.requests = requests;
      a.cot = cot;
      a.output = output;
      a.reasoning = reasoning;
      a.last = last;
      for (const p of prefixes as number[]) a.addPrefix(p);
      for (const x of asns as number[]) a.addAsn(x);
      a.campaign = campaign;
      l.accounts.set(id, a);
      l.bySlot.set(slot, a);
    }
    for (const [key, kind, hexValue, requests, cot, last, accounts] of st.fingerprints) {
      const f = new FingerprintState(kind, key, hexValue, last);
      f.requests = requests;
      f.cot = cot;
      for (const [slot, count] of accounts as [number, number][]) f.accounts.set(slot, count);
      l.fingerprints.set(key, f);
    }
    const adm = st.admission as number[];
    for (let i = 0; i < adm.length; i += 3) {
      l.firstKey[adm[i] as number] = adm[i + 1] as number;
      l.firstUser[adm[i] as number] = adm[i + 2] as number;
    }
    for (const c of st.campaigns as (Omit<CampaignState, "members"> & { members: number[] })[]) {
      l.campaigns.set(c.id, { ...c, members: new Set(c.members) });
    }
    return l;
  }

  /** The campaign an account was last linked into, if it is still a member. */
  campaignOf(accountId: string): string | null {
    const a = this.accounts.get(accountId);
    if (!a?.campaign) return null;
    return this.campaigns.get(a.campaign)?.members.has(a.slot) ? a.campaign : null;
  }

  /** Every member account id of a campaign (CampaignUpdate lists at most 1000). */
  membersOf(campaignId: string): string[] {
    const c = this.campaigns.get(campaignId);
    if (!c) return [];
    return [...c.members].flatMap((slot) => {
      const a = this.bySlot.get(slot);
      return a ? [a.id] : [];
    });
  }

  /** Population baselines of the last evaluation, for explanations and tests. */
  baselines(): Record<keyof LinkerConfig["priors"], Baseline> {
    return this.lastGroupBaselines;
  }
}

/** Adds v to the first `count` slots of a small set if absent and there is room; returns the count. */
