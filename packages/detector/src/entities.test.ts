import { net, scanNetwork } from "@distillguard/campaigns";
import { describe, expect, it } from "vitest";
import { type EntityEvent, EntityFeatures } from "./entities.ts";

const ev = (account: string, t: number, over: Partial<EntityEvent> = {}): EntityEvent => ({
  account_id: account,
  event_time_ms: t,
  api_key_id: `${account}-key`,
  org_id: null,
  client_address: "198.51.100.7",
  client_asn: 64_500,
  user_agent: "python-httpx/0.27.0",
  tls_fingerprint: "t13d",
  prompt_template_hash: Buffer.from("00ff10a2b3c4d5e6", "hex"),
  system_prompt_hash: null,
  usage_output_tokens: 100,
  cot_elicitation: 0.9,
  ...over,
});

describe("EntityFeatures", () => {
  it("counts requests and distinct accounts per shared entity", () => {
    const f = new EntityFeatures();
    for (let i = 0; i < 30; i++)
      f.observe(ev(`a${i % 10}`, 1_000 * i, { client_address: `198.51.100.${i}` }));
    const now = 60_000;
    const prefix = f.read("ip_prefix", 198 * 65536 + 51 * 256 + 100, now);
    expect(prefix?.requests24h).toBe(30);
    // HyperLogLog p=6: exact up to 8 distinct per bucket, ±13% beyond.
    expect(prefix?.accounts24h).toBeGreaterThan(8);
    expect(prefix?.accounts24h).toBeLessThan(12);
    expect(prefix?.cotRate24h).toBe(1);
    expect(
      Math.round(f.read("template", Buffer.from("00ff10a2b3c4d5e6", "hex"), now)?.accounts24h ?? 0),
    ).toBe(Math.round(prefix?.accounts24h ?? -1));
    expect(f.read("api_key", "a3-key", now)?.requests24h).toBe(3);
    expect(f.read("org", null, now)).toBeNull();
    expect(f.read("asn", 64_500, now)?.outputTokens24h).toBe(3_000);
  });

  it("keeps only the kinds asked for and keys kinds apart", () => {
    const f = new EntityFeatures(["asn"]);
    f.observe(ev("a", 0));
    expect(f.read("asn", 64_500, 1_000)?.requests24h).toBe(1);
    expect(f.read("tls", "t13d", 1_000)).toBeNull();
    expect(EntityFeatures.key("asn", 7)).not.toBe(EntityFeatures.key("org", 7 as unknown as string));
  });

  it("keeps IPv6 clients in /48 and /64 windows and ::ffff: clients in their IPv4 /24", () => {
    const f = new EntityFeatures();
    const now = 60_000;
    const ips = ["2001:db8:7:1::a", "[2001:db8:7:1::b]:443", "2001:db8:7:2::c", "::ffff:198.51.100.9"];
    ips.forEach((ip, i) => {
      f.observe(ev(`a${i}`, 1_000 * i, { client_address: ip }));
    });
    expect(f.read("ip_prefix48", 0x20010db8 * 65536 + 7, now)?.requests24h).toBe(3);
    expect(f.read("ip_prefix", 198 * 65536 + 51 * 256 + 100, now)?.requests24h).toBe(1);
    // Two /64s of the /48: the first holds two requests, however the address was written.
    const h64 = (ip: string) => (scanNetwork(ip) === 6 ? net.h64 : -1);
    expect(f.read("ip_prefix64", h64("2001:db8:7:1::"), now)?.requests24h).toBe(2);
    expect(f.read("ip_prefix64", h64("2001:db8:7:2::"), now)?.requests24h).toBe(1);
    const windows = f.store.size;
    f.observe(ev("x", 5_000, { client_address: "garbage", api_key_id: "k" }));
    // An unparseable address opens no network window (only the new API key's).
    expect(f.store.size).toBe(windows + 1);
  });
});
