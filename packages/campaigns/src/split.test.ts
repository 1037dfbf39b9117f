import { describe, expect, it } from "vitest";
import { ACCOUNT_LANES, AccountTable, laneOf } from "./accounts.ts";
import {
  CampaignLinker,
  type LinkEvent,
  type LinkerConfig,
  defaultLinkerConfig as shipped,
} from "./linker.ts";
import { SplitLinker } from "./split.ts";
import { linkTraffic as traffic } from "./testing/index.ts";

const config: LinkerConfig = { ...shipped, alertWarmupMs: 0 };

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
  const events = traffic(42, 60_000, config.horizonMs);
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
