import type { LinkEvent } from "../linker.ts";

/** Test helpers for the campaign linker; nothing outside tests imports them. */

function hash(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, Math.imul(n + 1, 0x9e3779b1) >>> 0);
  new DataView(b.buffer).setUint32(4, Math.imul(n + 7, 0x85ebca6b) >>> 0);
  return b;
}

/**
 * Seeded traffic that exercises every field a link record carries: a rotating pool eliciting
 * traces on three wrappers, ordinary users on an app's system prompt, IPv6 and absent
 * addresses, absent ASNs, spends, temperatures, answers with and without traces, a gap longer
 * than the horizon so accounts expire, and accounts that return after it.
 */
export function linkTraffic(seed: number, n: number, horizonMs: number): LinkEvent[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out: LinkEvent[] = [];
  let t = Date.parse("2026-03-02T00:00:00Z");
  for (let i = 0; i < n; i++) {
    t += Math.floor(rand() * 4_000);
    if (i === Math.floor(n / 2)) t += horizonMs + 3_600_000;
    const pool = rand() < 0.4;
    const k = pool ? Math.floor(rand() * 60) : Math.floor(rand() * 400);
    const v6 = rand() < 0.1;
    const address =
      rand() < 0.03
        ? ""
        : v6
          ? `2001:db8:${k % 7}::${k}`
          : `10.${pool ? Math.floor(rand() * 40) : k % 90}.${k % 200}.7`;
    const wrapper = Math.floor(rand() * 3);
    out.push({
      account_id: pool ? `pool-${k}` : `user-${k}`,
      event_time_ms: t,
      client_address: address,
      client_asn: rand() < 0.3 ? null : pool ? 64_000 + Math.floor(rand() * 9) : 7_922 + (k % 5),
      prompt_template_hash: pool ? hash(1_000 + wrapper) : rand() < 0.05 ? new Uint8Array(8) : hash(k % 50),
      system_prompt_hash: pool ? null : hash(200),
      prompt_simhash: rand() < 0.1 ? null : hash(pool ? 10_000 + i : Math.floor(rand() * 300)),
      request_temperature: rand() < 0.5 ? null : Math.floor(rand() * 10) / 10,
      account_spend_usd: rand() < 0.5 ? null : pool ? rand() * 0.5 : 50 + rand() * 100,
      question_head_hash: pool && wrapper === 0 ? hash(3_000) : null,
      question_tail_hash: pool && wrapper !== 2 ? hash(3_001) : null,
      cot_elicitation: pool ? 0.9 : rand() < 0.05 ? 0.8 : 0,
      response_trace: rand() < 0.2 ? null : pool ? 0.9 : rand() * 0.3,
      usage_output_tokens: Math.floor(rand() * 900),
      usage_reasoning_tokens: rand() < 0.5 ? null : Math.floor(rand() * 2_000),
    });
  }
  return out;
}
