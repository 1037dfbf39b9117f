import { net, scanNetwork } from "@distillguard/campaigns";
import { isNoPrompt } from "@distillguard/fingerprint";
import type { StoreHooks, WindowStore } from "@distillguard/windows";
import { createWindowStore, type WindowSpec } from "@distillguard/windows";
import { accountSpec } from "./account-spec.ts";
import { defaultStreamConfig, HarvestStreams, type StreamConfig } from "./streams.ts";

/** The request fields account features read: a structural subset of ApiRequest. */
export interface FeatureEvent {
  account_id: string;
  event_time_ms: number;
  request_model: string;
  request_choice_count: number;
  logprobs: boolean;
  usage_input_tokens: number;
  usage_output_tokens: number;
  usage_reasoning_tokens: number | null;
  status_code: number;
  response_finish_reason: string | null;
  client_address: string;
  client_asn: number | null;
  prompt_simhash: Uint8Array;
  prompt_template_hash: Uint8Array;
  system_prompt_hash?: Uint8Array | null;
  cot_elicitation: number;
  /** The answer's reasoning-trace score (ApiRequest v3); null or absent when the log has none. */
  response_trace?: number | null;
  /** The question's frame (ApiRequest v4): template hashes of its first and last paragraphs. */
  question_head_hash?: Uint8Array | null;
  question_tail_hash?: Uint8Array | null;
}

/**
 * An account runs a harvest stream once this many of its requests in 24 h, and at least
 * `STREAM_MIN_SHARE` of them, went to frames that were harvest streams (streams.ts): fewer is
 * a habit (a student's "explain step by step:" wrapper on a few dozen questions), not a harvest.
 */
export const STREAM_MIN_REQUESTS = 50;
export const STREAM_MIN_SHARE = 0.01;
/**
 * Fewest requests that harvested reasoning (decayed, 24 h) for the length of what was harvested
 * to be a signal: a handful of answers says little about how long an account's harvest runs.
 */
export const HARVEST_OUTPUT_MIN = 5;

/** Signals per account, in this order in every signal vector. */
export const signalNames = [
  "requests_24h",
  "requests_1h",
  "output_tokens_24h",
  "output_per_request",
  "out_in_ratio",
  "reasoning_per_request",
  "cot_rate",
  "cot_rate_1h",
  "trace_rate",
  "logprobs_rate",
  "multi_choice_rate",
  "saturation_rate",
  "rate_limited_rate_1h",
  "active_hours",
  "gap_cv_1h",
  "distinct_prefixes",
  "distinct_asns",
  "topic_breadth",
  "template_top_share",
  "template_entropy_bits",
  "new_model_share",
  // Share of the account's requests on harvest streams that harvested reasoning; 0 when too
  // few of its requests were on one (STREAM_MIN_REQUESTS, STREAM_MIN_SHARE).
  "stream_harvest_rate",
  // Output tokens per request that harvested reasoning; absent below HARVEST_OUTPUT_MIN of them.
  "harvest_output_per_request",
] as const;

export type SignalName = (typeof signalNames)[number];
export const signalIndex = Object.fromEntries(signalNames.map((n, i) => [n, i])) as Record<
  SignalName,
  number
>;

/**
 * Per-account features over event-time windows: maps each request onto the window store's
 * inputs (no allocation per event) and reads them back as a signal vector.
 */
export class AccountFeatures {
  readonly store: WindowStore;
  private readonly v: Record<string, number>;
  private readonly h: Record<string, number>;
  private readonly o: Record<string, number>;
  private readonly out: Float64Array;
  /** Models counted as "the newest" (set when a release happens). */
  readonly newModels = new Set<string>();
  /** Frame statistics over all accounts: which frames are harvest streams (streams.ts). */
  readonly streams: HarvestStreams;

  constructor(
    spec: WindowSpec = accountSpec,
    hooks: StoreHooks = {},
    store?: WindowStore,
    streams: StreamConfig = defaultStreamConfig,
  ) {
    this.store = store ?? createWindowStore(spec, hooks);
    this.streams = new HarvestStreams(streams);
    const s = this.store;
    const val = (n: string) => s.valueIndex(n);
    const hash = (n: string) => s.hashIndex(n);
    const out = (n: string) => s.outputIndex(n);
    this.v = Object.fromEntries(
      [
        "inputTokens",
        "outputTokens",
        "reasoningTokens",
        "reasoningReported",
        "asnKnown",
        "prompted",
        "cot",
        "answered",
        "traced",
        "logprobs",
        "multiChoice",
        "saturated",
        "rateLimited",
        "newModel",
        "streamed",
        "streamHarvested",
        "harvested",
        "harvestedOutput",
      ].map((n) => [n, val(n)]),
    );
    this.h = Object.fromEntries(["prefix", "asn", "simhashBucket", "template"].map((n) => [n, hash(n)]));
    this.o = Object.fromEntries(
      [
        "count@24h/6h",
        "count@1h",
        "activeBuckets@24h",
        "inputTokens@24h/6h",
        "outputTokens@24h/6h",
        "reasoningTokens@24h/6h",
        "reasoningReported@24h/6h",
        "asnKnown@24h/6h",
        "prompted@24h/6h",
        "prompted@1h",
        "cot@24h/6h",
        "cot@1h",
        "answered@24h/6h",
        "traced@24h/6h",
        "logprobs@24h/6h",
        "multiChoice@24h/6h",
        "saturated@24h/6h",
        "rateLimited@1h",
        "newModel@24h/6h",
        "streamed@24h/6h",
        "streamHarvested@24h/6h",
        "harvested@24h/6h",
        "harvestedOutput@24h/6h",
        "gaps.cv@1h",
        "prefixes@24h/6h",
        "asns@24h/6h",
        "simhashBuckets@24h/6h",
        "templates.topShare@24h/6h",
        "templates.entropyBits@24h/6h",
      ].map((n) => [n, out(n)]),
    );
    this.out = new Float64Array(s.layout.outputs.length);
  }

  observe(e: FeatureEvent): boolean {
    const s = this.store;
    const v = s.values;
    const hs = s.hashes;
    const vi = this.v;
    v[vi.inputTokens as number] = e.usage_input_tokens;
    v[vi.outputTokens as number] = e.usage_output_tokens;
    v[vi.reasoningTokens as number] = e.usage_reasoning_tokens ?? 0;
    v[vi.reasoningReported as number] = e.usage_reasoning_tokens === null ? 0 : 1;
    v[vi.asnKnown as number] = e.client_asn === null ? 0 : 1;
    // No prompt text in the logs (redacted): NO_PROMPT hashes and no system prompt.
    const t = e.prompt_template_hash;
    const prompted = !isNoPrompt(t) || e.system_prompt_hash != null;
    v[vi.prompted as number] = prompted ? 1 : 0;
    v[vi.cot as number] = prompted && e.cot_elicitation >= 0.5 ? 1 : 0;
    const trace = e.response_trace;
    const answered = trace !== null && trace !== undefined;
    v[vi.answered as number] = answered ? 1 : 0;
    v[vi.traced as number] = answered && trace >= 0.5 ? 1 : 0;
    v[vi.logprobs as number] = e.logprobs ? 1 : 0;
    v[vi.multiChoice as number] = e.request_choice_count > 1 ? 1 : 0;
    v[vi.saturated as number] = e.response_finish_reason === "length" ? 1 : 0;
    v[vi.rateLimited as number] = e.status_code === 429 ? 1 : 0;
    v[vi.newModel as number] = this.newModels.has(e.request_model) ? 1 : 0;
    const hi = this.h;
    setPrefix(hs, hi.prefix as number, e.client_address);
    setHash(hs, hi.asn as number, 0xa5, e.client_asn ?? 0);
    // Topic breadth: distinct 12-bit simhash buckets, coarse enough that near-duplicates share one.
    // NO_PROMPT leaves both hash inputs (0, 0): absent, so redacted requests are not one topic
    // and one template that every redacted caller shares.
    const sh = e.prompt_simhash;
    if (isNoPrompt(sh)) setHash(hs, hi.simhashBucket as number, 0, 0);
    else setHash(hs, hi.simhashBucket as number, 0x51, (((sh[0] ?? 0) << 4) | ((sh[1] ?? 0) >> 4)) >>> 0);
    const th = hi.template as number;
    hs[2 * th] = (((t[0] ?? 0) << 24) | ((t[1] ?? 0) << 16) | ((t[2] ?? 0) << 8) | (t[3] ?? 0)) >>> 0;
    hs[2 * th + 1] = (((t[4] ?? 0) << 24) | ((t[5] ?? 0) << 16) | ((t[6] ?? 0) << 8) | (t[7] ?? 0)) >>> 0;
    // What this request harvested: a traced answer, or (no answer logged) a request for one.
    const harvested = answered ? trace >= 0.5 : v[vi.cot as number] === 1;
    const streamed = this.streams.observe(
      e.question_head_hash ?? null,
      e.question_tail_hash ?? null,
      harvested,
      e.event_time_ms,
    );
    v[vi.streamed as number] = streamed ? 1 : 0;
    v[vi.streamHarvested as number] = streamed && harvested ? 1 : 0;
    v[vi.harvested as number] = harvested ? 1 : 0;
    v[vi.harvestedOutput as number] = harvested ? e.usage_output_tokens : 0;
    return this.store.update(e.account_id, e.event_time_ms);
  }

  /**
   * Fills `into` (length signalNames.length) with the account's signals at `nowMs`; false if
   * unknown. A signal the account's logs do not carry (no reasoning-token counts, no client
   * ASN) is NaN: absent, not zero.
   */
  signals(account: string, nowMs: number, into: Float64Array): boolean {
    if (!this.store.readAll(account, nowMs, this.out)) return false;
    this.derive(into);
    return true;
  }

  /** `signals` by window-store slot (from `store.lastSlot`), without a key lookup. */
  signalsOfSlot(slot: number, nowMs: number, into: Float64Array): boolean {
    if (!this.store.readAllSlot(slot, nowMs, this.out)) return false;
    this.derive(into);
    return true;
  }

  private derive(into: Float64Array): void {
    const out = this.out;
    const g = (n: string) => out[this.o[n] as number] as number;
    const n24 = g("count@24h/6h");
    const n1 = g("count@1h");
    const input = g("inputTokens@24h/6h");
    const output = g("outputTokens@24h/6h");
    const per = (x: number, n: number) => (n > 0 ? x / n : 0);
    const set = (name: SignalName, value: number) => {
      into[signalIndex[name]] = Number.isFinite(value) ? value : 0;
    };
    const absent = (name: SignalName) => {
      into[signalIndex[name]] = Number.NaN;
    };
    set("requests_24h", n24);
    set("requests_1h", n1);
    set("output_tokens_24h", output);
    set("output_per_request", per(output, n24));
    set("out_in_ratio", per(output, Math.max(1, input)));
    const reported = g("reasoningReported@24h/6h");
    if (reported > 0) set("reasoning_per_request", per(g("reasoningTokens@24h/6h"), reported));
    else absent("reasoning_per_request");
    const prompted = g("prompted@24h/6h");
    const prompted1 = g("prompted@1h");
    if (prompted > 0) set("cot_rate", per(g("cot@24h/6h"), prompted));
    else absent("cot_rate");
    if (prompted1 > 0) set("cot_rate_1h", per(g("cot@1h"), prompted1));
    else absent("cot_rate_1h");
    const answers = g("answered@24h/6h");
    if (answers > 0) set("trace_rate", per(g("traced@24h/6h"), answers));
    else absent("trace_rate");
    set("logprobs_rate", per(g("logprobs@24h/6h"), n24));
    set("multi_choice_rate", per(g("multiChoice@24h/6h"), n24));
    set("saturation_rate", per(g("saturated@24h/6h"), n24));
    set("rate_limited_rate_1h", per(g("rateLimited@1h"), n1));
    set("active_hours", g("activeBuckets@24h"));
    set("gap_cv_1h", g("gaps.cv@1h"));
    set("distinct_prefixes", g("prefixes@24h/6h"));
    const asnKnown = g("asnKnown@24h/6h");
    // Requests without an ASN hash to one placeholder value: not an ASN of their own.
    if (asnKnown > 0) set("distinct_asns", Math.max(1, g("asns@24h/6h") - (asnKnown < n24 ? 1 : 0)));
    else absent("distinct_asns");
    if (prompted > 0) {
      set("topic_breadth", g("simhashBuckets@24h/6h"));
      set("template_top_share", g("templates.topShare@24h/6h"));
      set("template_entropy_bits", g("templates.entropyBits@24h/6h"));
    } else {
      absent("topic_breadth");
      absent("template_top_share");
      absent("template_entropy_bits");
    }
    set("new_model_share", per(g("newModel@24h/6h"), n24));
    const streamed = g("streamed@24h/6h");
    if (prompted === 0) absent("stream_harvest_rate");
    else if (streamed >= Math.max(STREAM_MIN_REQUESTS, STREAM_MIN_SHARE * n24))
      set("stream_harvest_rate", per(g("streamHarvested@24h/6h"), streamed));
    else set("stream_harvest_rate", 0);
    const harvested = g("harvested@24h/6h");
    if (harvested >= HARVEST_OUTPUT_MIN)
      set("harvest_output_per_request", per(g("harvestedOutput@24h/6h"), harvested));
    else absent("harvest_output_per_request");
  }
}

function setHash(hashes: Uint32Array, index: number, tag: number, value: number): void {
  hashes[2 * index] = tag;
  hashes[2 * index + 1] = value >>> 0;
}

/**
 * The network an account's distinct-prefix count sees, as the linker does: the IPv4 /24, the
 * IPv6 /48 (a phone's privacy addresses and its carrier's /64s are one network). The two
 * families cannot collide: an IPv4 pair is [0x70, < 2^24], an IPv6 one has 0x6 in the top
 * nibble of its second word. An absent address hashes to one placeholder, the value it had
 * before IPv6 was keyed (FNV-1a of ""), so restored checkpoints count it once.
 */
function setPrefix(hashes: Uint32Array, index: number, ip: string): void {
  const family = scanNetwork(ip);
  if (family === 6) {
    hashes[2 * index] = Math.floor(net.p48 / 65536) >>> 0;
    hashes[2 * index + 1] = (0x60000000 | (net.p48 % 65536)) >>> 0;
  } else {
    hashes[2 * index] = 0x70;
    hashes[2 * index + 1] = family === 4 ? net.p24 : 0x811c9dc5;
  }
}
