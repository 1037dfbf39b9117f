import { describe, expect, it } from "vitest";
import { AccountFeatures, type FeatureEvent, signalIndex, signalNames } from "./features.ts";

const T0 = Date.UTC(2026, 2, 2);

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
