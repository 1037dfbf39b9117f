import { formatV6 } from "@distillguard/networks";
import type { Calibration } from "./calibration.ts";
import {
  type Client,
  countryLanguage,
  type Model,
  models,
  type Network,
  type Topic,
  utcOffset,
} from "./catalog.ts";
import type { Draft } from "./draft.ts";
import { mix32 } from "./mix.ts";
import type { Rng } from "./random.ts";

/** Kinds of prompt template; text mode renders each kind with its own wording. */
export type FamilyKind =
  | "cot_problem"
  | "cot_rubric"
  | "coding_task"
  | "tool_use_task"
  | "eval_mcq"
  | "eval_cot"
  | "ci_check"
  | "summarize"
  | "classify"
  | "extract"
  | "saas_support"
  | "agent_turn"
  | "chat_app"
  | "assignment";

export interface Family {
  kind: FamilyKind;
  topic: Topic;
  language: string;
}

export type SystemKind = "coding_agent" | "saas_app" | "enterprise" | "campaign";

export type AccountLabel = "benign" | "extraction" | "mixed";

export interface AccountInfo {
  id: string;
  label: AccountLabel;
  /** Benign archetype ("plain" for the ordinary population) or campaign type. */
  group: string;
  campaign: number;
  /**
   * What the account had spent (USD) when the run began: the gateway logs it with every request
   * (LiteLLM's team spend). 0 for an account opened in the run: a campaign's, a class's, a new
   * signup's.
   */
  priorSpendUsd: number;
}

export interface CampaignInfo {
  id: string;
  type: string;
  params: Record<string, unknown>;
  accounts: number[];
}

/** Everything sources share: time range, calibration, registries of templates and accounts. */
export class World {
  readonly families: Family[] = [];
  readonly systems: SystemKind[] = [];
  readonly accounts: AccountInfo[] = [];
  readonly campaigns: CampaignInfo[] = [];

  constructor(
    readonly seed: number,
    readonly startMs: number,
    readonly endMs: number,
    readonly releaseAtMs: number,
    readonly calibration: Calibration,
  ) {}

  get durationMs(): number {
    return this.endMs - this.startMs;
  }

  family(kind: FamilyKind, topic: Topic, language = "en"): number {
    this.families.push({ kind, topic, language });
    return this.families.length - 1;
  }

  system(kind: SystemKind): number {
    this.systems.push(kind);
    return this.systems.length - 1;
  }

  /** Ids look alike for every kind of account, so nothing can be learned from them. */
  account(label: AccountLabel, group: string, campaign = -1): number {
    const index = this.accounts.length;
    const id = `acct_${mix32(this.seed, index).toString(16).padStart(8, "0")}${mix32(
      index,
      this.seed ^ 0xa5a5a5a5,
    )
      .toString(16)
      .padStart(8, "0")
      .slice(0, 4)}`;
    // Campaigns open their accounts for the job; everyone else has a history, its spend drawn
    // log-uniform from $0.10 to $1,000 by a hash, so no random stream moves.
    const priorSpendUsd =
      label === "extraction"
        ? 0
        : Math.round(10 ** ((4 * mix32(index, this.seed ^ 0x5e7d)) / 2 ** 32 - 1) * 100) / 100;
    this.accounts.push({ id, label, group, campaign, priorSpendUsd });
    return index;
  }

  /** The account is opened in the run: it has spent nothing before it. */
  opened(index: number): void {
    const a = this.accounts[index];
    if (a) a.priorSpendUsd = 0;
  }

  campaign(type: string, params: Record<string, unknown>): number {
    this.campaigns.push({ id: `cmp_${type}_${this.campaigns.length}`, type, params, accounts: [] });
    return this.campaigns.length - 1;
  }
}

/** An address in the network's block number `block` (mod its block count), host 1–254. */
export function ipIn(net: Network, block: number, host: number): string {
  const b = net.blocks[block % net.blocks.length] ?? 0;
  return `${b >>> 16}.${(b >>> 8) & 255}.${b & 255}.${1 + (host % 254)}`;
}

/** The networks of a catalog network that has IPv6: /48s from the table, see `ip6In`. */
export function hasIpv6(net: Network): boolean {
  return net.blocks6.length > 0;
}

/**
 * An IPv6 address in the network's /48 number `block` (mod its /48 count), subnet `subnet`
 * (the 16 bits that make the /64) and interface id `iidHi`, `iidLo`: canonical text, as the
 * ingest writes it.
 */
export function ip6In(net: Network, block: number, subnet: number, iidHi: number, iidLo: number): string {
  const n = net.blocks6.length / 2;
  const b = block % n;
  const hi = net.blocks6[2 * b] ?? 0;
  const lo = ((net.blocks6[2 * b + 1] ?? 0) | (subnet & 0xffff)) >>> 0;
  // Interface ids of real hosts are never all-zero (the subnet-router anycast address).
  return formatV6(hi, lo, iidHi >>> 0, (iidLo | 1) >>> 0);
}

export function randomIpIn(net: Network, rng: Rng): string {
  return ipIn(net, rng.int(256), rng.int(254));
}

/**
 * An exit of a proxy pool: an IPv4 address, or with `v6` an IPv6 /48 of `net` from which the
 * exit sends each request from a /64 (`subnet`, or a fresh one per request when `fresh`) and a
 * fresh interface id, as rotating IPv6 proxies do (addresses are free inside a /64).
 */
export interface ProxyExit {
  ip: string;
  net: Network;
  v6?: { block: number; subnet: number; fresh: boolean };
}

/** The address `exit` sends request number `n` from (`n` varies the IPv6 /64 and interface id). */
export function exitAddress(exit: ProxyExit, seed: number, n: number): string {
  const v6 = exit.v6;
  if (!v6) return exit.ip;
  const h = mix32(seed ^ 0x9e3779b9, n);
  return ip6In(exit.net, v6.block, v6.fresh ? h >>> 16 : v6.subnet, mix32(h, 1), mix32(h, 2));
}

/**
 * IPv6 exits: `blocks` /48s of the networks (those with IPv6), `perBlock` exits each; `fresh`
 * exits take a new /64 of their /48 per request (datacenter pools), the others keep one /64
 * (a household line behind a residential proxy).
 */
export function proxyPool6(
  nets: readonly Network[],
  blocks: number,
  perBlock: number,
  fresh: boolean,
  rng: Rng,
): ProxyExit[] {
  const with6 = nets.filter(hasIpv6);
  const out: ProxyExit[] = [];
  for (let b = 0; b < blocks; b++) {
    const net = rng.pick(with6);
    const block = rng.int(net.blocks6.length / 2);
    for (let i = 0; i < perBlock; i++)
      out.push({ ip: "", net, v6: { block, subnet: rng.int(65_536), fresh } });
  }
  return out;
}

/** /24 blocks of residential exits, as commercial residential-proxy pools rent them. */
export function proxyPool(nets: readonly Network[], blocks: number, perBlock: number, rng: Rng): ProxyExit[] {
  const out: ProxyExit[] = [];
  for (let b = 0; b < blocks; b++) {
    const net = rng.pick(nets);
    const third = rng.int(256);
    for (let i = 0; i < perBlock; i++) out.push({ ip: ipIn(net, third, rng.int(254)), net });
  }
  return out;
}

export function languageFor(country: string, rng: Rng): string {
  const l = countryLanguage[country];
  return l && rng.chance(l[1]) ? l[0] : "en";
}

/** Relative request rate by local hour, mean 1: night trough, working-day plateau, evening tail. */
export const diurnal: Float64Array = (() => {
  const raw = [
    0.25, 0.18, 0.14, 0.12, 0.12, 0.16, 0.3, 0.6, 1.0, 1.4, 1.6, 1.65, 1.5, 1.6, 1.7, 1.65, 1.5, 1.3, 1.1,
    1.0, 0.95, 0.85, 0.6, 0.4,
  ];
  const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
  return Float64Array.from(raw, (v) => v / mean);
})();

export function diurnalAt(tMs: number, tzHours: number): number {
  const h = Math.floor((tMs / 3_600_000 + tzHours + 48) % 24);
  return diurnal[h] as number;
}

export function tzOf(country: string): number {
  return utcOffset[country] ?? 0;
}

export interface Identity {
  accountIndex: number;
  accountId: string;
  orgId: string | null;
  apiKeys: string[];
  client: Client;
  /** Overrides the client's JA4 (a TLS-inspecting corporate proxy re-terminates TLS). */
  ja4?: string;
}

/** Request settings one kind of client tends to send. */
export interface RequestProfile {
  streamRate: number;
  temperature: readonly (number | null)[];
  maxTokens: readonly (number | null)[];
  logprobsRate: number;
  multiChoiceRate: number;
  tools: readonly [number, number];
  inScale: number;
  outScale: number;
  /** Share of requests on the reasoning model. */
  reasoningRate: number;
  /** Share moved to the new model, this long after its release, approaching `releaseShare`. */
  releaseShare: number;
  releaseTauMs: number;
  endpoint: string;
}

export const benignProfile: RequestProfile = {
  streamRate: 0.6,
  temperature: [null, null, 0.7, 1, 0.2, 0],
  maxTokens: [null, null, null, 1024, 2048, 4096],
  logprobsRate: 0.01,
  multiChoiceRate: 0.005,
  tools: [0, 0],
  inScale: 1,
  outScale: 1,
  reasoningRate: 0.1,
  releaseShare: 0.25,
  releaseTauMs: 3 * 86_400_000,
  endpoint: "/v1/chat/completions",
};

export const extractionProfile: RequestProfile = {
  streamRate: 0.05,
  temperature: [0.7, 0.8, 1, 0],
  maxTokens: [16384, 32000, 8192],
  logprobsRate: 0.3,
  multiChoiceRate: 0.15,
  tools: [0, 0],
  inScale: 0.6,
  outScale: 3,
  reasoningRate: 0.6,
  releaseShare: 0.5,
  releaseTauMs: 8 * 3_600_000,
  endpoint: "/v1/chat/completions",
};

function modelFor(t: number, p: RequestProfile, world: World, rng: Rng): Model {
  if (t >= world.releaseAtMs) {
    const share = p.releaseShare * (1 - Math.exp(-(t - world.releaseAtMs) / p.releaseTauMs));
    if (rng.chance(share)) return models.next;
  }
  if (rng.chance(p.reasoningRate)) return models.reasoning;
  return rng.chance(0.6) ? models.large : models.small;
}

/**
 * Fills the non-prompt fields of a request: who, from where, which model and settings, and
 * what came back. Token counts are resampled from the real trace, then scaled per profile.
 */
export function fillRequest(
  d: Draft,
  t: number,
  world: World,
  rng: Rng,
  who: Identity,
  ip: string,
  net: Network,
  p: RequestProfile,
): void {
  const r = d.record;
  const cal = world.calibration;
  r.event_time_ms = Math.floor(t);
  r.account_id = who.accountId;
  r.org_id = who.orgId;
  r.api_key_id = who.apiKeys.length === 1 ? (who.apiKeys[0] as string) : rng.pick(who.apiKeys);
  r.end_user_id = null;
  r.endpoint = p.endpoint;
  const model = modelFor(t, p, world, rng);
  r.request_model = model.name;
  r.stream = rng.chance(p.streamRate);
  r.request_choice_count = rng.chance(p.multiChoiceRate) ? rng.pick([2, 4, 5, 8]) : 1;
  r.request_temperature = rng.pick(p.temperature);
  const maxTokens = rng.pick(p.maxTokens);
  r.request_max_tokens = maxTokens;
  r.logprobs = rng.chance(p.logprobsRate);
  r.top_logprobs = r.logprobs ? rng.pick([null, 5, 10, 20]) : null;
  r.tools_count = p.tools[1] > 0 ? p.tools[0] + rng.int(p.tools[1] - p.tools[0] + 1) : 0;

  const row = rng.int(cal.input.length);
  const input = Math.max(1, Math.round((cal.input[row] as number) * p.inScale * (0.8 + 0.4 * rng.next())));
  let output = Math.max(1, Math.round((cal.output[row] as number) * p.outScale * (0.7 + 0.6 * rng.next())));
  const cap = Math.min(maxTokens ?? model.maxOutput, model.maxOutput);
  let finish = r.tools_count > 0 && rng.chance(0.5) ? "tool_calls" : "stop";
  if (output >= cap) {
    output = cap;
    finish = "length";
  }
  r.usage_input_tokens = input;
  r.usage_output_tokens = output * r.request_choice_count;
  r.usage_reasoning_tokens = model.reasoning
    ? Math.round(output * (d.prompt.cot > 0 ? 1.5 + 3 * rng.next() : 0.3 + rng.next()))
    : null;
  r.usage_cached_input_tokens = rng.chance(0.3) ? Math.floor(input * rng.next()) : null;
  r.status_code = 200;
  r.response_finish_reason = finish;
  // Time to first token plus decode time; reasoning tokens are generated too.
  const decoded = output + (r.usage_reasoning_tokens ?? 0);
  r.latency_ms = Math.round(250 + input * 0.05 + decoded * (12 + 10 * rng.next()));
  r.client_address = ip;
  r.client_asn = net.asn;
  r.client_country = net.country;
  r.user_agent = who.client.userAgent;
  r.tls_fingerprint = who.ja4 ?? who.client.ja4;
}

/** A rate-limited or failed request: the caller got no completion. */
export function failRequest(d: Draft, status: number): void {
  const r = d.record;
  r.status_code = status;
  r.usage_output_tokens = 0;
  r.usage_reasoning_tokens = null;
  r.usage_cached_input_tokens = null;
  r.response_finish_reason = null;
  r.latency_ms = status === 429 ? 15 : Math.min(r.latency_ms, 30_000);
}
