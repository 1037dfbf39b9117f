import { describe, expect, it } from "vitest";
import { ACCOUNT_LANES, AccountTable, laneOf } from "./accounts.ts";
import {
  CampaignLinker,
  type LinkEvent,
  type LinkerConfig,
  defaultLinkerConfig as shipped,
} from "./linker.ts";
import { SplitLinker } from "./split.ts";

const config: LinkerConfig = { ...shipped, alertWarmupMs: 0 };

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
function traffic(seed: number, n: number): LinkEvent[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out: LinkEvent[] = [];
  let t = Date.parse("2026-03-02T00:00:00Z");
  for (let i = 0; i < n; i++) {
    t += Math.floor(rand() * 4_000);
    if (i === Math.floor(n / 2)) t += config.horizonMs + 3_600_000;
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

/** Evaluations every 10 min of event time, as the linker service runs them. */
function run(linker: { observe(e: LinkEvent): void; evaluate(t: number): unknown }, events: LinkEvent[]) {
  const every = 10 * 60_000;
  const out: unknown[] = [];
  let next = Math.ceil((events[0]?.event_time_ms ?? 0) / every) * every;
  for (const e of events) {
    while (e.event_time_ms > next) {
      out.push(linker.evaluate(next));
      next += every;
    }
    linker.observe(e);
  }
  out.push(linker.evaluate(next));
  return out;
}

describe("a linker split into account stages and a link stage", () => {
  const events = traffic(42, 60_000);
  const straight = new CampaignLinker(config);
  const one = run(straight, events);
  const checkpoint = new TextDecoder().decode(straight.serialize());

  it("links the pool in this traffic, expires and alerts (the comparison below has all of it to compare)", () => {
    const evaluations = one as { campaigns: { campaign_id: string }[]; alerts: { state: string }[] }[];
    const ids = new Set(evaluations.flatMap((e) => e.campaigns.map((c) => c.campaign_id)));
    const states = new Set(evaluations.flatMap((e) => e.alerts.map((a) => a.state)));
    expect(ids.size).toBeGreaterThan(1);
    expect(states).toContain("open");
    expect(states).toContain("resolved");
  });

  for (const members of [1, 2, 3, 7]) {
    it(`gives the same evaluations, campaign ids and alerts with ${members} member(s) as one linker`, () => {
      const split = new SplitLinker(members, config);
      expect(run(split, events)).toEqual(one);
      // The link stage's copies of the accounts are whole: its checkpoint is one linker's.
      expect(new TextDecoder().decode(split.link.serialize())).toBe(checkpoint);
    });
  }

  it("gives the same evaluations when every stage restarts from its checkpoint mid-stream", () => {
    const split = new SplitLinker(3, config);
    let n = 0;
    const restarting = {
      observe(e: LinkEvent) {
        split.observe(e);
        // Between evaluations, with changed accounts whose totals have not gone out yet.
        if (++n % 20_011 === 0) split.restart();
      },
      evaluate: (t: number) => split.evaluate(t),
    };
    expect(run(restarting, events)).toEqual(one);
  });

  it("gives the same evaluations under a cap that evicts, with one member", () => {
    const capped = { ...config, maxAccounts: 150 };
    const straight = new CampaignLinker(capped);
    const split = new SplitLinker(1, capped);
    expect(run(split, events)).toEqual(run(straight, events));
    expect(straight.evictions).toBeGreaterThan(0);
    expect(split.link.evictions).toBe(straight.evictions);
  });

  it("sends no account id but with an account's first request", () => {
    const split = new SplitLinker(3, config);
    run(split, events);
    const accounts = new Set(events.map((e) => e.account_id)).size;
    // Per touch at most 15 + 8·6 bytes and the id once per account opened (again after expiry).
    expect(split.touchBytes).toBeLessThan(events.length * 63 + 2 * accounts * 12);
    expect(split.totalsBytes).toBeGreaterThan(0);
  });

  it("draws slots from lanes: an account's slot does not depend on who else came first", () => {
    const ids = Array.from({ length: 1_000 }, (_, i) => `acct-${i}`);
    const forward = new AccountTable();
    const backward = new AccountTable();
    for (const id of ids) forward.add(id, 0);
    for (const id of [...ids].reverse()) backward.add(id, 0);
    const lanes = new Set(ids.map(laneOf));
    expect(lanes.size).toBe(ACCOUNT_LANES);
    for (const id of ids) {
      const slot = forward.byId.get(id)?.slot as number;
      expect(slot % ACCOUNT_LANES).toBe(laneOf(id));
      // Same lane, same slots, whatever the other lanes drew.
      const sameLane = ids.filter((x) => laneOf(x) === laneOf(id));
      expect(slot).toBe(sameLane.indexOf(id) * ACCOUNT_LANES + laneOf(id));
      expect(backward.byId.get(id)?.slot).toBe(
        (sameLane.length - 1 - sameLane.indexOf(id)) * ACCOUNT_LANES + laneOf(id),
      );
    }
    expect(forward.nextSlot).toBe(Math.max(...ids.map((id) => forward.byId.get(id)?.slot as number)) + 1);
  });
});
