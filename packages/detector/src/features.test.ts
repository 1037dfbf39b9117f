import { NO_PROMPT } from "@distillguard/fingerprint";
import { describe, expect, it } from "vitest";
import { AccountFeatures, type FeatureEvent, signalIndex, signalNames } from "./features.ts";

const T0 = Date.UTC(2026, 2, 2);

function event(i: number, redacted: boolean, cot: boolean): FeatureEvent {
  return {
    account_id: "acct",
    event_time_ms: T0 + i * 60_000,
    request_model: "m",
    request_choice_count: 1,
    logprobs: false,
    usage_input_tokens: 200,
    usage_output_tokens: 900,
    usage_reasoning_tokens: null,
    status_code: 200,
    response_finish_reason: "stop",
    client_address: "10.0.0.1",
    client_asn: null,
    // What the ingest writes for a redacted log (fingerprintPrompt of no text).
    prompt_simhash: redacted ? new Uint8Array(NO_PROMPT) : Uint8Array.of(i, 7, 0, 0, 0, 0, 0, 1),
    prompt_template_hash: redacted
      ? new Uint8Array(NO_PROMPT)
      : Uint8Array.of(9, 9, 9, 9, 0, 0, 0, (i >> 2) % 2),
    system_prompt_hash: null,
    cot_elicitation: redacted ? 0 : cot ? 0.9 : 0,
  };
}

function signalsOf(events: FeatureEvent[]): Record<string, number> {
  const f = new AccountFeatures();
  for (const e of events) f.observe(e);
  const out = new Float64Array(signalNames.length);
  expect(f.signals("acct", T0 + events.length * 60_000, out)).toBe(true);
  return Object.fromEntries(signalNames.map((n) => [n, out[signalIndex[n]] as number]));
}

describe("prompt signals of redacted logs", () => {
  it("are absent, not zero, when no request carried prompt text", () => {
    const s = signalsOf(Array.from({ length: 20 }, (_, i) => event(i, true, false)));
    for (const n of [
      "cot_rate",
      "cot_rate_1h",
      "topic_breadth",
      "template_top_share",
      "template_entropy_bits",
    ]) {
      expect(s[n], n).toBeNaN();
    }
    expect(s.requests_24h).toBe(20);
  });

  it("are rates over the requests that carried text, and the redacted ones are not one template", () => {
    // 10 prompted requests (half asking for reasoning, two templates), 30 redacted.
    const events = Array.from({ length: 40 }, (_, i) => event(i, i % 4 !== 0, i % 8 === 0));
    const s = signalsOf(events);
    expect(s.cot_rate).toBeCloseTo(0.5);
    // Two templates, five requests each: the 30 redacted requests do not count as a third.
    expect(s.template_top_share).toBeCloseTo(0.5);
    expect(s.template_entropy_bits).toBeCloseTo(1);
  });
});

const ev = (account: string, i: number, client_address: string): FeatureEvent => ({
  account_id: account,
  event_time_ms: T0 + i * 60_000,
  request_model: "m",
  request_choice_count: 1,
  logprobs: false,
  usage_input_tokens: 100,
  usage_output_tokens: 100,
  usage_reasoning_tokens: null,
  status_code: 200,
  response_finish_reason: "stop",
  client_address,
  client_asn: 64_500,
  prompt_simhash: new Uint8Array(8),
  prompt_template_hash: new Uint8Array(8),
  cot_elicitation: 0,
});

describe("AccountFeatures: distinct_prefixes", () => {
  const distinct = (addresses: string[]) => {
    const f = new AccountFeatures();
    addresses.forEach((a, i) => {
      f.observe(ev("a", i, a));
    });
    const out = new Float64Array(signalNames.length);
    f.signals("a", T0 + addresses.length * 60_000, out);
    return out[signalIndex.distinct_prefixes];
  };

  it("counts one network however a dual-stack gateway writes the IPv4 client", () => {
    expect(
      distinct(["203.0.113.9", "::ffff:203.0.113.9", "[::ffff:203.0.113.10]:443", "203.0.113.11:80"]),
    ).toBe(1);
  });

  it("counts a phone's privacy addresses and its carrier's /64s as one network: the /48", () => {
    expect(
      distinct(["2607:fb90:1:1::a", "2607:fb90:1:1:b::1", "[2607:fb90:1:2::c]:443", "2607:fb90:1:7::d"]),
    ).toBe(1);
  });

  it("counts a pool's /48s and /24s apart, each its own network", () => {
    expect(distinct(["2001:db8:1::1", "2001:db8:2::1", "2001:db8:3::1", "198.51.100.1", "203.0.113.1"])).toBe(
      5,
    );
  });
});

describe("harvest streams of one account", () => {
  // A reseller: its customers' free-form questions, and a campaign's wrapper around problems
  // whose answers are reasoning traces, every fifth request.
  const mixed = (i: number, campaign: boolean): FeatureEvent => ({
    ...event(i, false, false),
    event_time_ms: T0 + i * 10_000,
    prompt_template_hash: Uint8Array.of(1, 2, 3, 4, 5, 6, i >> 8, i & 255),
    question_head_hash: campaign ? Uint8Array.of(7, 7, 7, 7, 7, 7, 7, 7) : null,
    question_tail_hash: campaign ? Uint8Array.of(8, 8, 8, 8, 8, 8, i >> 8, i & 255) : null,
    response_trace: campaign ? 0.9 : i % 25 === 1 ? 0.9 : 0.1,
  });

  function streamSignals(campaignEvery: number): Record<string, number> {
    const f = new AccountFeatures();
    const n = 1_000;
    for (let i = 0; i < n; i++) f.observe(mixed(i, campaignEvery > 0 && i % campaignEvery === 0));
    const out = new Float64Array(signalNames.length);
    expect(f.signals("acct", T0 + n * 10_000, out)).toBe(true);
    return Object.fromEntries(signalNames.map((x) => [x, out[signalIndex[x]] as number]));
  }

  it("sees the campaign's stream where the account's overall rates stay low", () => {
    const s = streamSignals(5);
    expect(s.trace_rate).toBeLessThan(0.3);
    expect(s.stream_harvest_rate).toBeGreaterThan(0.9);
  });

  it("is 0 without a stream, and absent when no request carried prompt text", () => {
    expect(streamSignals(0).stream_harvest_rate).toBe(0);
    const redacted = signalsOf(Array.from({ length: 20 }, (_, i) => event(i, true, false)));
    expect(redacted.stream_harvest_rate).toBeNaN();
  });
});

describe("output per harvested request", () => {
  // Customers' answers of 200 tokens; every tenth request harvests a 1,000-token trace.
  const at = (i: number, harvest: boolean, answered: boolean): FeatureEvent => ({
    ...event(i, false, harvest && !answered),
    usage_output_tokens: harvest ? 1_000 : 200,
    response_trace: answered ? (harvest ? 0.9 : 0.1) : null,
  });
  const signals = (n: number, answered: boolean) => {
    const f = new AccountFeatures();
    for (let i = 0; i < n; i++) f.observe(at(i, i % 10 === 0, answered));
    const out = new Float64Array(signalNames.length);
    expect(f.signals("acct", T0 + n * 60_000, out)).toBe(true);
    return { harvest: out[signalIndex.harvest_output_per_request], all: out[signalIndex.output_per_request] };
  };

  it("is the mean output of the traced answers, however diluted the account's mean", () => {
    const s = signals(200, true);
    expect(s.all).toBeCloseTo(280);
    expect(s.harvest).toBeCloseTo(1_000);
  });

  it("counts requests that asked for reasoning when the logs carry no answers", () => {
    expect(signals(200, false).harvest).toBeCloseTo(1_000);
  });

  it("is absent below five harvested requests: a handful says little", () => {
    expect(signals(40, true).harvest).toBeNaN();
    expect(signals(41, true).harvest).toBeCloseTo(1_000);
  });
});
