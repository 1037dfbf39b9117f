import type { AlertLifecycle } from "@distillguard/alerts";
import type { Alert, CampaignUpdate, SharedFingerprint } from "@distillguard/contract";
import { isNoPrompt } from "@distillguard/fingerprint";
import { AccountStage } from "./account-stage.ts";
import { type AccountState, AccountTable, Opened } from "./accounts.ts";
import { campaignAlerts, campaignSummary } from "./alerts.ts";
import { Arrivals } from "./arrivals.ts";
import { type LinkerState, readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
import { defaultLinkerConfig, type LinkerConfig } from "./config.ts";
import { type FingerprintState, FingerprintTable, requestsOn } from "./fingerprints.ts";
import {
  agreeingKinds,
  type Baselines,
  type BurstScope,
  freshRateOf,
  type GroupFeatures,
  type GroupScore,
  groupFeatures,
  memberMayVouch,
  memberOfPool,
  memberShowsNetwork,
  populationBaselines,
  scoreGroup,
  showsStart,
} from "./grouping.ts";
import { hash53, networkName } from "./keys.ts";
import { type CampaignState, leave, matchComponent } from "./matching.ts";
import { ECHO, NEW_QUESTION, QuestionTable } from "./questions.ts";
import { type Baseline, UnionFind } from "./stats.ts";

export { defaultLinkerConfig, type LinkerConfig } from "./config.ts";

/** What the linker reads from each request: a structural subset of ApiRequest. */
export interface LinkEvent {
  account_id: string;
  event_time_ms: number;
  client_address: string;
  client_asn: number | null;
  /** Not read by the linker (the links topic does not carry them). */
  user_agent?: string | null;
  tls_fingerprint?: string | null;
  prompt_template_hash: Uint8Array;
  system_prompt_hash: Uint8Array | null;
  /** Simhash of the whole prompt: identical prompts have identical ones. Absent: not known. */
  prompt_simhash?: Uint8Array | null;
  /**
   * What the account had spent before this request, as the gateway logged it (ApiRequest v5);
   * null or absent when the logs carry none.
   */
  account_spend_usd?: number | null;
  /** Sampling temperature asked for: a prompt resent at another one is a new sample. */
  request_temperature?: number | null;
  /** The question's frame (ApiRequest v4): its first and last paragraphs' template hashes. */
  question_head_hash?: Uint8Array | null;
  question_tail_hash?: Uint8Array | null;
  cot_elicitation: number;
  /** The answer's reasoning-trace score (ApiRequest v3); null or absent when the log has no answer. */
  response_trace?: number | null;
  usage_output_tokens: number;
  usage_reasoning_tokens: number | null;
}

export interface Evaluation {
  campaigns: CampaignUpdate[];
  alerts: Alert[];
}

function sameHash(x: Uint8Array, y: Uint8Array): boolean {
  for (let i = 0; i < 8; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Answers a group needs before its trace rate is evidence: a few could all be one student's. */
const MIN_ANSWERED = 5;

/**
 * The hex of the first linking fingerprint one of `members` uses: a new campaign's name. Any
 * member, not the fingerprint's first account: that one may have been left out of the group
 * (memberShowsNetwork), and "0" named every such campaign alike.
 */
function anchorOf(linking: readonly FingerprintState[], members: Set<number>): string {
  let network = "0";
  for (const fp of linking) {
    for (const slot of fp.accounts.keys()) {
      if (!members.has(slot)) continue;
      // Content names a campaign better than one of the networks it passed through.
      if (fp.kind !== "ip_prefix") return fp.hex;
      if (network === "0") network = fp.hex;
      break;
    }
  }
  return network;
}

/**
 * Links accounts into campaigns through the content fingerprints they share (template and
 * system-prompt hashes, the question's frame) and the networks they share, but only where the
 * group of accounts sharing one behaves as one
 * coordinated actor: it elicits reasoning traces, and its members rotate through networks
 * (many ASNs and /24s or IPv6 /48s each, as proxy pools do). A fingerprint that thousands of unrelated
 * accounts share for ordinary reasons (an agent's system prompt, an app's template, a NAT) does
 * not pass, so it links nothing. Pure: event time in, records out, no clock of its own.
 *
 * This class orchestrates; the parts are beside it: accounts.ts (per-account totals and
 * networks), fingerprints.ts (shared fingerprints and the admission table), grouping.ts
 * (group features, scores, population baselines), matching.ts (stable campaign ids, merges),
 * alerts.ts (campaign alerts on packages/alerts), checkpoint.ts.
 */
export class CampaignLinker {
  /**
   * Every account's totals: its account stage's own table when that runs here (`observe`),
   * copies kept by link records when account stages run elsewhere (link-records.ts).
   */
  private readonly accounts: AccountTable;
  private readonly stage: AccountStage;
  private readonly fingerprints: FingerprintTable;
  /** Networks (/24, /48) two or more accounts used: content-free candidate groups. */
  private readonly networks: FingerprintTable;
  /** Prompts seen, so a group's new questions can be counted (its breadth). */
  private readonly questions: QuestionTable;
  private readonly campaigns = new Map<string, CampaignState>();
  private readonly alerts: AlertLifecycle;
  private lastGroupBaselines: Baselines;
  /** Scratch for one evaluation: the networks whose groups act as one actor (a pool's). */
  private readonly poolNetworks = new Set<number>();
  /** Scratch for one evaluation: the content groups that act as one actor (their keys). */
  private readonly actingContent = new Set<number>();
  /** Scratch for `groupFeatures`: members per network (/24, /48) within one group. */
  private readonly prefixUse = new Map<number, number>();
  /**
   * Event time of the first request this linker saw (kept in checkpoints): where the logs carry
   * no spend, accounts first seen within `burst.warmupMs` of it are not newcomers, they are the
   * traffic it started into.
   */
  private startedMs = Number.NaN;
  /** Of the accounts first seen with a spend, the share that were fresh (NaN: none). */
  private freshRate = Number.NaN;
  /** When newcomers arrived: what a start burst is measured against. */
  private readonly arrivals = new Arrivals();

  constructor(private readonly config: LinkerConfig = defaultLinkerConfig) {
    this.accounts = new AccountTable();
    this.stage = new AccountStage(config, this, this.accounts);
    this.fingerprints = new FingerprintTable(config.admissionSlots, config.shards);
    this.networks = new FingerprintTable(config.admissionSlots, config.shards);
    this.questions = new QuestionTable(config.admissionSlots);
    this.alerts = campaignAlerts(config);
    this.lastGroupBaselines = { ...config.priors };
  }

  get activeAccounts(): number {
    return this.accounts.size;
  }

  /** Accounts dropped by the cap (not by the horizon). */
  evictions = 0;

  get trackedFingerprints(): number {
    return this.fingerprints.size + this.networks.size;
  }

  /** One request. Per event: no allocation unless the account or a fingerprint is new. */
  observe(e: LinkEvent): void {
    this.stage.observe(e);
  }

  /**
   * The link stage's half of a request, from its account stage (here or in another process):
   * an account seen for the first time. Its spend, or when the linker started, says whether it
   * is a newcomer, and what it came for.
   */
  opened(a: AccountState, e: LinkEvent): void {
    const t = e.event_time_ms;
    if (!(t >= this.startedMs)) this.startedMs = t;
    const spend = e.account_spend_usd;
    if (spend === null || spend === undefined) {
      a.newcomer = t >= this.startedMs + this.config.burst.warmupMs;
    } else {
      a.newcomer = spend < this.config.burst.freshSpendUsd;
      a.opened = a.newcomer ? Opened.FRESH : Opened.OLD;
      if (a.newcomer) {
        if (!isNoPrompt(e.prompt_template_hash)) a.cameFor0 = hash53(e.prompt_template_hash);
        if (e.question_head_hash) a.cameFor1 = hash53(e.question_head_hash);
        if (e.question_tail_hash) a.cameFor2 = hash53(e.question_tail_hash);
      }
    }
    // The reference a start burst must stand out from: every account first seen after the
    // warm-up, old ones too, and the fresh ones whenever. Fresh ones alone are too few in a
    // deployment's first hours (a signup rate of 2% a day: ~40 by the sweep of tune seed 1,
    // under `burst.minReference`), so a sweep of fresh accounts opened together had no burst
    // to show where the logs carry spend and linked 10–55 min later than where they do not.
    // Only newcomers count as a group's burst members (old accounts are none: `inStartBurst`).
    if (a.newcomer || t >= this.startedMs + this.config.burst.warmupMs) this.arrivals.add(t);
  }

  /** A link stage's copy of an account, by slot (link-records.ts). */
  accountAt(slot: number): AccountState | undefined {
    return this.accounts.bySlot.get(slot);
  }

  /** A link stage takes an account its account stage opened (link-records.ts). */
  adopt(a: AccountState): AccountState {
    return this.accounts.adopt(a);
  }

  /** The link stage's half of an eviction by the cap: the account leaves its campaign and groups. */
  evicted(a: AccountState): void {
    this.forget(a);
    this.evictions++;
  }

  /** The link stage's half of a request: the question table and the fingerprints it touches. */
  touched(slot: number, e: LinkEvent, cot: boolean, trace: number, p: number): void {
    const t = e.event_time_ms;
    if (!(t >= this.startedMs)) this.startedMs = t;
    // Redacted logs carry NO_PROMPT: one value every such caller shares, not a template.
    const redacted = isNoPrompt(e.prompt_template_hash);
    // A prompt the log does not carry says nothing about what was asked: it counts as new.
    const sim = e.prompt_simhash;
    const asked =
      redacted || !sim ? NEW_QUESTION : this.questions.ask(sim, e.request_temperature ?? null, slot);
    const novel = asked === NEW_QUESTION;
    const echo = asked === ECHO;
    if (!redacted) {
      this.fingerprints.touch("template", e.prompt_template_hash, slot, t, cot, trace, novel, echo);
    }
    if (e.system_prompt_hash) {
      this.fingerprints.touch("system_prompt", e.system_prompt_hash, slot, t, cot, trace, novel, echo);
    }
    // A wrapper around a varying payload: the question's end paragraphs are templates too (the
    // same hash function), so a wrapper used before the payload by one account and after it by
    // another, or sent alone, is one group.
    const head = e.question_head_hash;
    const tail = e.question_tail_hash;
    if (head) this.fingerprints.touch("template", head, slot, t, cot, trace, novel, echo);
    if (tail && !(head && sameHash(head, tail)))
      this.fingerprints.touch("template", tail, slot, t, cot, trace, novel, echo);
    // The network is a candidate group of its own: a pool's accounts meet on its /24s even
    // when every prompt is its own (real problems in a campaign's wrapper never repeat).
    if (!Number.isNaN(p)) this.networks.touchKey("ip_prefix", p, null, slot, t, cot, trace, novel, echo);
  }

  /** Re-links, re-scores and advances alert lifecycles as of event time `nowMs`. */
  evaluate(nowMs: number): Evaluation {
    const cfg = this.config;
    const bySlot = this.accounts.bySlot;
    this.expire(nowMs);
    const burst = this.burstScope();

    // 1. Score every fingerprint and network shared by enough accounts, as a candidate group.
    const glue = Math.max(cfg.glueMinAccounts, cfg.glueShare * this.accounts.size);
    const groups: { fp: FingerprintState; f: GroupFeatures }[] = [];
    // Content groups smaller than minMembers are scored (they may link on network evidence,
    // `minNetworkMembers`) but are not part of the population the baselines describe.
    const smallest = Math.min(cfg.minMembers, cfg.minNetworkMembers);
    for (const table of [this.fingerprints, this.networks]) {
      const least = table === this.networks ? cfg.minMembers : smallest;
      for (const fp of table.candidates(least, glue)) {
        const f = groupFeatures(
          fp.accounts.keys(),
          fp.cot / fp.requests,
          fp.answered >= MIN_ANSWERED ? fp.traced / fp.answered : null,
          bySlot,
          this.prefixUse,
          burst,
          fp.kind === "ip_prefix" ? fp.key : Number.NaN,
          fp.accounts,
        );
        f.breadth = fp.novel / Math.max(1, f.members);
        f.echo = fp.echoed / fp.requests;
        groups.push({ fp, f });
      }
    }
    const base = populationBaselines(
      smallest < cfg.minMembers ? groups.filter((g) => g.fp.accounts.size >= cfg.minMembers) : groups,
      cfg,
    );
    this.lastGroupBaselines = base;

    // 2. Link the accounts of every group that behaves as one actor: those of its members that
    //    show the network evidence it was linked on (memberShowsNetwork, memberOfPool).
    //    A network is itself network evidence: rotation and a shared pool are what make it a
    //    group, so it acts only with evidence of another kind (what it harvests, or accounts
    //    opened together) — an office NAT of students asking for steps has content alone, and
    //    a carrier's NAT pool has network kinds alone. The networks that act are the pool's.
    const acting: { fp: FingerprintState; f: GroupFeatures; kinds: Set<string>; scored: GroupScore }[] = [];
    const pool = this.poolNetworks;
    pool.clear();
    for (const g of groups) {
      const scored = scoreGroup(g.f, base, cfg);
      if (scored.score < cfg.linkScore) continue;
      const kinds = agreeingKinds(scored, cfg.agreeZ);
      if (g.fp.accounts.size < cfg.minMembers && !memberMayVouch(kinds)) continue;
      if (g.fp.kind === "ip_prefix") {
        if (!kinds.has("content") && !kinds.has("start")) continue;
        pool.add(g.fp.key);
      }
      acting.push({ fp: g.fp, f: g.f, kinds, scored });
    }
    const actingContent = this.actingContent;
    actingContent.clear();
    for (const g of acting) if (g.fp.kind !== "ip_prefix") actingContent.add(g.fp.key);
    const uf = new UnionFind();
    const linking: FingerprintState[] = [];
    const linked: number[][] = [];
    const linkedBy: GroupScore[] = [];
    const linkedOnNetwork: boolean[] = [];
    const use = this.prefixUse;
    for (const g of acting) {
      const fits: number[] = [];
      if (g.fp.kind === "ip_prefix") {
        for (const slot of g.fp.accounts.keys()) {
          const a = bySlot.get(slot);
          if (a && memberOfPool(a, pool)) fits.push(slot);
        }
      } else {
        use.clear();
        for (const slot of g.fp.accounts.keys()) {
          const a = bySlot.get(slot);
          for (let i = 0; a && i < a.prefixCount; i++) use.set(a.prefix(i), (use.get(a.prefix(i)) ?? 0) + 1);
        }
        const shares = (p: number) => (use.get(p) ?? 0) >= 2 && pool.has(p);
        const inPool = (p: number) => pool.has(p);
        // Accounts seen once have shown nothing; the group vouches for them when four in five
        // of its members seen more often show the evidence (a campaign's own template). A
        // public phrasing that students share with a campaign does not: its students do not.
        // An account opened in the group's start burst shows it on its first request (when
        // it first appeared) and needs no regulars.
        let seenTwice = 0;
        let regularsFit = 0;
        const once: number[] = [];
        const busy = outlierVolume(g.fp.accounts.keys(), bySlot);
        for (const slot of g.fp.accounts.keys()) {
          const a = bySlot.get(slot);
          if (!a) continue;
          // A campaign spreads its work over accounts that behave alike; one with far more
          // requests than the group's typical member is another actor on the same wrapper (an
          // eval harness whose run began inside a sweep's start burst, tune seed 1: thousands of
          // requests against the sweep accounts' ~70), judged by its own account score.
          if (a.requests > busy) continue;
          if (a.addressed < 2 && a.asnSeen < 2) {
            if (showsStart(a, g.kinds, g.f, actingContent)) fits.push(slot);
            else once.push(slot);
          } else {
            seenTwice++;
            if (memberShowsNetwork(a, g.kinds, shares, g.f, inPool, actingContent)) {
              fits.push(slot);
              regularsFit++;
            }
          }
        }
        if (seenTwice >= cfg.minMembers && 5 * regularsFit >= 4 * seenTwice && memberMayVouch(g.kinds)) {
          fits.push(...once);
        }
      }
      // Rotation or a shared pool is evidence a class does not have: a group that shows it
      // may be smaller (minNetworkMembers).
      const networked = memberMayVouch(g.kinds);
      if (fits.length < (networked ? smallest : cfg.minMembers)) continue;
      linking.push(g.fp);
      linked.push(fits);
      linkedBy.push(g.scored);
      linkedOnNetwork.push(networked);
      for (let i = 1; i < fits.length; i++) uf.union(fits[0] as number, fits[i] as number);
    }
    const components = new Map<number, Set<number>>();
    // Per component, the strongest group that linked it (a group's fits are all in one).
    const strongest = new Map<number, GroupScore>();
    // Components a group linked on network evidence: they may be as small as that group.
    const networked = new Set<number>();
    for (let i = 0; i < linked.length; i++) {
      const slots = linked[i] as number[];
      for (const slot of slots) {
        const root = uf.find(slot);
        const c = components.get(root);
        if (c) c.add(slot);
        else components.set(root, new Set([slot]));
      }
      const root = uf.find(slots[0] as number);
      const s = linkedBy[i] as GroupScore;
      if (s.score > (strongest.get(root)?.score ?? -1)) strongest.set(root, s);
    }
    for (let i = 0; i < linked.length; i++) {
      if (linkedOnNetwork[i]) networked.add(uf.find((linked[i] as number[])[0] as number));
    }

    // 3. Campaigns: match components to known campaigns by member overlap (stable ids).
    const out: Evaluation = { campaigns: [], alerts: [] };
    const seen = new Set<string>();
    for (const [root, members] of components) {
      if (members.size < (networked.has(root) ? smallest : cfg.minMembers)) continue;
      const { campaign: c, absorbed } = matchComponent(this.campaigns, members, nowMs, bySlot, () =>
        anchorOf(linking, members),
      );
      // Campaigns that grew together: their alerts resolve as merged into this one.
      for (const from of absorbed) {
        const r = this.alerts.merge(from.id, c.id, nowMs, from.members.size);
        if (r) out.alerts.push(r);
      }
      seen.add(c.id);
      this.report(c, members, linking, base, nowMs, burst, strongest.get(root) ?? null, out);
    }
    for (const c of this.campaigns.values()) {
      if (seen.has(c.id) || !this.alerts.isOpen(c.id)) continue;
      // Gone quiet or dissolved: count towards resolution like a low score.
      const r = this.alerts.quiet(c.id, nowMs, c.members.size);
      if (r) out.alerts.push(r);
    }
    return out;
  }

  /** The campaign's update and, if its alert moves, the alert record. */
  private report(
    c: CampaignState,
    members: Set<number>,
    linking: FingerprintState[],
    base: Baselines,
    nowMs: number,
    burst: BurstScope | null,
    strongest: GroupScore | null,
    out: Evaluation,
  ): void {
    let requests = c.carried.requests;
    let output = c.carried.output;
    let reasoning = c.carried.reasoning;
    let cot = 0;
    let answered = 0;
    let traced = 0;
    let memberRequests = 0;
    const ranked: AccountState[] = [];
    const prefixMembers = new Map<number, number>();
    for (const slot of members) {
      const a = this.accounts.bySlot.get(slot);
      if (!a) continue;
      a.campaign = c.id;
      ranked.push(a);
      requests += a.requests;
      memberRequests += a.requests;
      output += a.output;
      reasoning += a.reasoning;
      cot += a.cot;
      answered += a.answered;
      traced += a.traced;
      for (let i = 0; i < a.prefixCount; i++) {
        const p = a.prefix(i);
        prefixMembers.set(p, (prefixMembers.get(p) ?? 0) + 1);
      }
    }
    const f = groupFeatures(
      members,
      memberRequests > 0 ? cot / memberRequests : 0,
      answered >= MIN_ANSWERED ? traced / answered : null,
      this.accounts.bySlot,
      this.prefixUse,
      burst,
    );
    // A component is as suspect as the strongest group that linked it, whatever else its
    // members send: a campaign that mixes its extraction with ordinary-looking requests (the
    // threat model's hydra; a capability sweep asks for reasoning on 3 tasks in 10, tune seed 2)
    // dilutes its members' rates taken together, and merging more evidence must not lower a
    // score. The explanation is then that group's.
    const whole = scoreGroup(f, base, this.config);
    const { score, signals, absent } =
      strongest !== null && strongest.score > whole.score ? strongest : whole;

    // Shared fingerprints, weighted IDF-style: rarer across all accounts weighs more.
    const n = Math.max(1, this.accounts.size);
    const shared: SharedFingerprint[] = [];
    let onShared = 0;
    for (const fp of linking) {
      // Networks are listed below with every network members share, linking or not.
      if (fp.kind === "ip_prefix") continue;
      let inside = 0;
      for (const [slot, count] of fp.accounts) {
        if (members.has(slot)) {
          inside++;
          onShared += requestsOn(count);
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
          value: networkName(p),
          weight: Math.log(n / count),
          member_count: count,
        });
      }
    }
    shared.sort((x, y) => y.member_count - x.member_count || x.value.localeCompare(y.value));
    const topShared = shared.slice(0, 20);

    ranked.sort((x, y) => y.requests - x.requests || x.id.localeCompare(y.id));
    // A linker that started less than `alertWarmupMs` ago has seen every account's first
    // request or two and compares groups with priors: it links, but does not alert yet.
    const warming = nowMs < this.startedMs + this.config.alertWarmupMs;
    const alerting = score >= this.config.alertScore && !warming;
    if (alerting && !c.beforeFirstAlert) c.beforeFirstAlert = { requests, output };
    // A component whose members, taken together, do not act as one (two fragments each
    // linked on a little evidence) is tracked for stable ids but not reported, unless its
    // alert is open: an update listing ordinary accounts as a "forming" campaign is noise
    // downstream consumers and analysts would have to filter.
    if (score >= this.config.linkScore || this.alerts.isOpen(c.id))
      out.campaigns.push({
        campaign_id: c.id,
        event_time_ms: nowMs,
        status: alerting ? "active" : "forming",
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
    if (warming) return;
    const alert = this.alerts.observe(c.id, score, nowMs, {
      signals,
      shared: topShared,
      members: members.size,
      summary: campaignSummary(members.size, topShared, signals, absent),
    });
    if (alert) out.alerts.push(alert);
  }

  /**
   * Where start bursts are looked for: among newcomers (`AccountState.newcomer`), against when
   * the others arrived; absent while fewer than `burst.minReference` have.
   */
  private burstScope(): BurstScope {
    const { windowMs, minNetworks } = this.config.burst;
    this.arrivals.prepare();
    return {
      windowMs,
      minMembers: this.config.minMembers,
      minNetworks,
      minReference: this.config.burst.minReference,
      maxChance: this.config.burst.maxChance,
      minBreadth: this.config.minBreadth,
      arrivals: this.arrivals,
      freshRate: this.freshRate,
    };
  }

  /** Removes an account, carrying its totals into its campaign so the leakage account stays whole. */
  private forget(a: AccountState): void {
    if (a.campaign) {
      const c = this.campaigns.get(a.campaign);
      if (c?.members.has(a.slot)) {
        leave(c, a);
        c.members.delete(a.slot);
      }
    }
    this.accounts.remove(a);
    this.fingerprints.forget(a.slot);
    this.networks.forget(a.slot);
  }

  private expire(nowMs: number): void {
    const cutoff = nowMs - this.config.horizonMs;
    let known = 0;
    let fresh = 0;
    for (const a of this.accounts.byId.values()) {
      if (a.last < cutoff) this.forget(a);
      else if (a.opened !== Opened.UNKNOWN) {
        known++;
        if (a.opened === Opened.FRESH) fresh++;
      }
    }
    this.freshRate = freshRateOf(fresh, known);
    this.fingerprints.expire(cutoff);
    this.networks.expire(cutoff);
    this.arrivals.expire(cutoff);
  }

  private state(): LinkerState {
    return {
      accounts: this.accounts,
      fingerprints: this.fingerprints,
      networks: this.networks,
      questions: this.questions,
      campaigns: this.campaigns,
      alerts: this.alerts,
      arrivals: this.arrivals,
    };
  }

  /**
   * Checkpoint of the whole linker state (accounts, shared fingerprints, the first-seen table's
   * used slots, campaigns, open alerts): restoring it and continuing gives the same output as
   * never stopping (checkpoint.ts).
   */
  serialize(): Uint8Array {
    return writeCheckpoint(this.state(), {
      evictions: this.evictions,
      baselines: this.lastGroupBaselines,
      startedMs: this.startedMs,
    });
  }

  /** Reads checkpoints of this version and v1 (alert state kept per campaign). */
  static deserialize(bytes: Uint8Array, config: LinkerConfig = defaultLinkerConfig): CampaignLinker {
    const l = new CampaignLinker(config);
    const counters = readCheckpoint(bytes, config, l.state());
    l.evictions = counters.evictions;
    l.lastGroupBaselines = counters.baselines;
    l.startedMs = counters.startedMs;
    return l;
  }

  /** The campaign an account was last linked into, if it is still a member. */
  campaignOf(accountId: string): string | null {
    const a = this.accounts.byId.get(accountId);
    if (!a?.campaign) return null;
    return this.campaigns.get(a.campaign)?.members.has(a.slot) ? a.campaign : null;
  }

  /** Every member account id of a campaign (CampaignUpdate lists at most 1000). */
  membersOf(campaignId: string): string[] {
    const c = this.campaigns.get(campaignId);
    if (!c) return [];
    return [...c.members].flatMap((slot) => {
      const a = this.accounts.bySlot.get(slot);
      return a ? [a.id] : [];
    });
  }

  /** Population baselines of the last evaluation, for explanations and tests. */
  baselines(): Record<keyof LinkerConfig["priors"], Baseline> {
    return this.lastGroupBaselines;
  }
}

/**
 * Requests above which a member is not one of a group's many alike accounts: 20× the median
 * member's, and at least 100 (a group of accounts seen a few times each is not judged on it).
 */
function outlierVolume(slots: Iterable<number>, bySlot: ReadonlyMap<number, AccountState>): number {
  const counts: number[] = [];
  for (const slot of slots) {
    const a = bySlot.get(slot);
    if (a) counts.push(a.requests);
  }
  if (counts.length === 0) return Number.POSITIVE_INFINITY;
  counts.sort((x, y) => x - y);
  return Math.max(100, 20 * (counts[counts.length >> 1] as number));
}
