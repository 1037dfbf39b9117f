import { readFileSync } from "node:fs";
import type { Alert } from "@distillguard/contract";
import { describe, expect, it } from "vitest";
import { AccountState } from "./accounts.ts";
import { burstChance, freshRateOf, groupFeatures, inStartBurst, tailChance } from "./grouping.ts";
import {
  CampaignLinker,
  type Evaluation,
  type LinkEvent,
  type LinkerConfig,
  defaultLinkerConfig as shipped,
} from "./linker.ts";
import { matchComponent } from "./matching.ts";
import { baselineOf, robustZ, UnionFind } from "./stats.ts";

/**
 * The shipped config without the alert warm-up: most scenarios here last minutes of event time
 * from the linker's first request. The warm-up has its own test (`shipped`).
 */
const defaultLinkerConfig: LinkerConfig = { ...shipped, alertWarmupMs: 0 };

/** A whole prompt's simhash: equal for the very same prompt, far apart (~32 bits) for others. */
const prompt = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(Math.imul(n + 1, 0x9e3779b1) >>> 0, 0);
  b.writeUInt32BE(Math.imul(n + 7, 0x85ebca6b) >>> 0, 4);
  return b;
};

const template = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(0xabc00000 + n, 4);
  return b;
};

/** A proxy-driven group: k accounts, CoT prompts on shared templates, rotating networks. */
function coordinated(k: number, t0: number, perAccount: number): LinkEvent[] {
  const out: LinkEvent[] = [];
  for (let i = 0; i < perAccount; i++) {
    for (let a = 0; a < k; a++) {
      out.push({
        account_id: `bot${a}`,
        event_time_ms: t0 + (i * k + a) * 1_000,
        client_address: `10.${(a * 7 + i) % 50}.${(a + i * 3) % 200}.9`,
        client_asn: 64_000 + ((a + i) % 9),
        user_agent: "python-httpx/0.27.0",
        tls_fingerprint: "t13d",
        prompt_template_hash: template(i % 3),
        system_prompt_hash: null,
        cot_elicitation: 0.9,
        usage_output_tokens: 900,
        usage_reasoning_tokens: 2_000,
      });
    }
  }
  return out;
}

/** Ordinary users of one popular app template: one network each, no CoT. */
function appUsers(k: number, t0: number, perAccount: number): LinkEvent[] {
  const out: LinkEvent[] = [];
  for (let i = 0; i < perAccount; i++) {
    for (let a = 0; a < k; a++) {
      out.push({
        account_id: `user${a}`,
        event_time_ms: t0 + (i * k + a) * 1_000,
        client_address: `172.16.${a}.4`,
        client_asn: 7_922,
        user_agent: "OpenAI/Python 1.82.0",
        tls_fingerprint: "t13d",
        prompt_template_hash: template(100),
        system_prompt_hash: template(200),
        cot_elicitation: 0,
        usage_output_tokens: 200,
        usage_reasoning_tokens: null,
      });
    }
  }
  return out;
}

describe("robust statistics", () => {
  it("computes median/MAD baselines and floored robust z-scores", () => {
    const b = baselineOf([1, 2, 3, 4, 100, 5, 6, 7], { median: 0, mad: 1 });
    expect(b.median).toBe(4.5);
    expect(b.mad).toBe(2);
    expect(robustZ(4.5 + 1.4826 * 2, b, 0.1)).toBeCloseTo(1);
    expect(baselineOf([1, 2], { median: 9, mad: 9 })).toEqual({ median: 9, mad: 9 });
    expect(robustZ(1, { median: 0, mad: 0 }, 0.5)).toBeCloseTo(1 / (1.4826 * 0.5));
  });

  it("groups by union regardless of order", () => {
    const a = new UnionFind();
    a.union(5, 3);
    a.union(3, 9);
    a.union(1, 2);
    expect(a.find(9)).toBe(3);
    expect(a.find(5)).toBe(3);
    expect(a.find(2)).toBe(1);
  });
});

describe("CampaignLinker", () => {
  it("alerts on a campaign that hides its extraction among ordinary-looking requests", () => {
    // Each account sends three requests of its own (no shared template, no reasoning asked)
    // for every one on the campaign's template: its members' rates taken together are a
    // quarter of the template's, and the group that linked them is what the alert must keep.
    const extraction = coordinated(12, 0, 4);
    const cover = extraction.flatMap((e, n) =>
      [1, 2, 3].map((j) => ({
        ...e,
        event_time_ms: e.event_time_ms + j * 200,
        // The pool's next exit, as on every request.
        client_address: `10.${(n + 13 * j) % 50}.${(3 * n + 7 * j) % 200}.9`,
        client_asn: 64_000 + ((n + j) % 9),
        prompt_template_hash: template(1_000 + 3 * n + j),
        cot_elicitation: 0,
        usage_reasoning_tokens: 0,
      })),
    );
    const events = [...extraction, ...cover, ...appUsers(40, 0, 16)].sort(
      (x, y) => x.event_time_ms - y.event_time_ms,
    );
    const l = new CampaignLinker(defaultLinkerConfig);
    for (const e of events) l.observe(e);
    const r = l.evaluate(events[events.length - 1]?.event_time_ms ?? 0);
    expect(r.campaigns).toHaveLength(1);
    expect(r.campaigns[0]?.member_count).toBe(12);
    expect(r.campaigns[0]?.cot_rate).toBeCloseTo(0.25);
    expect(r.alerts.map((a) => a.state)).toEqual(["open"]);
    // The explanation is the linking group's: its template asks for reasoning nearly every time.
    expect(r.campaigns[0]?.signals[0]?.name).toBe("cot_rate");
    expect(r.campaigns[0]?.signals[0]?.value).toBeGreaterThan(0.9);
    expect(r.alerts[0]?.summary).toMatch(/^12 accounts linked by template .*; cot_rate 0\.96/);
  });

  it("links a coordinated group, names what it shares, and leaves app users alone", () => {
    const l = new CampaignLinker(defaultLinkerConfig);
    const events = [...coordinated(12, 0, 4), ...appUsers(40, 0, 4)].sort(
      (x, y) => x.event_time_ms - y.event_time_ms,
    );
    for (const e of events) l.observe(e);
    const r = l.evaluate(events[events.length - 1]?.event_time_ms ?? 0);
    expect(r.campaigns).toHaveLength(1);
    const c = r.campaigns[0];
    expect(c?.member_count).toBe(12);
    expect(c?.members.every((m) => m.startsWith("bot"))).toBe(true);
    expect(c?.shared_fingerprints.some((f) => f.kind === "template" && f.member_count === 12)).toBe(true);
    expect(c?.output_tokens).toBe(12 * 4 * 900);
    expect(r.alerts.map((a) => a.state)).toEqual(["open"]);
    expect(r.alerts[0]?.summary).toMatch(/^12 accounts linked by template /);
  });

  it("does not link an eval harness that shares a campaign's public template from one address", () => {
    // Two harness accounts run the benchmark in the same textbook format as the campaign's
    // first template, asking for steps too, each from one cloud address of its own.
    const harness: LinkEvent[] = [];
    for (let i = 0; i < 12; i++) {
      for (const h of [0, 1]) {
        harness.push({
          account_id: `harness${h}`,
          event_time_ms: i * 4_000 + h,
          client_address: `34.120.${h}.17`,
          client_asn: 396_982,
          user_agent: "lm-eval/0.4",
          tls_fingerprint: "t13d",
          prompt_template_hash: template(0),
          system_prompt_hash: null,
          cot_elicitation: 0.9,
          usage_output_tokens: 600,
          usage_reasoning_tokens: null,
        });
      }
    }
    const events = [...coordinated(12, 0, 4), ...harness].sort((x, y) => x.event_time_ms - y.event_time_ms);
    const l = new CampaignLinker(defaultLinkerConfig);
    for (const e of events) l.observe(e);
    const r = l.evaluate(events[events.length - 1]?.event_time_ms ?? 0);
    expect(r.campaigns).toHaveLength(1);
    expect(r.campaigns[0]?.members.filter((m) => m.startsWith("harness"))).toEqual([]);
    expect(r.campaigns[0]?.member_count).toBe(12);
  });

  it("does not link callers through redacted prompts (NO_PROMPT is no shared template)", () => {
    // The same group, but the gateway redacted every prompt: the hashes are all zero bytes.
    const l = new CampaignLinker(defaultLinkerConfig);
    const redacted = [...coordinated(12, 0, 4), ...appUsers(40, 0, 4)]
      .map((e) => ({ ...e, prompt_template_hash: new Uint8Array(8), system_prompt_hash: null }))
      .sort((x, y) => x.event_time_ms - y.event_time_ms);
    for (const e of redacted) l.observe(e);
    const r = l.evaluate(redacted[redacted.length - 1]?.event_time_ms ?? 0);
    expect(l.trackedFingerprints).toBe(0);
    expect(r.campaigns).toHaveLength(0);
  });

  it("keeps one alert open without flapping, and resolves it after the campaign goes quiet", () => {
    const l = new CampaignLinker({ ...defaultLinkerConfig, resolveAfter: 3 });
    const events = coordinated(10, 0, 4);
    for (const e of events) l.observe(e);
    const t = events[events.length - 1]?.event_time_ms ?? 0;
    const states: string[] = [];
    states.push(...l.evaluate(t).alerts.map((a) => a.state));
    // Same evidence again: nothing material changed, so nothing is emitted.
    states.push(...l.evaluate(t + 60_000).alerts.map((a) => a.state));
    // The accounts go quiet past the horizon: the campaign dissolves and the alert resolves, once.
    const later = t + defaultLinkerConfig.horizonMs + 1;
    for (let i = 0; i < 5; i++) states.push(...l.evaluate(later + i * 60_000).alerts.map((a) => a.state));
    expect(states).toEqual(["open", "resolved"]);
  });

  it("forgets fingerprints only one account ever used", () => {
    const l = new CampaignLinker(defaultLinkerConfig);
    for (let i = 0; i < 1_000; i++) {
      l.observe({ ...appUsers(1, i, 1)[0], prompt_template_hash: template(10_000 + i) } as LinkEvent);
    }
    expect(l.trackedFingerprints).toBeLessThanOrEqual(1);
  });

  it("caps tracked accounts, evicting the least recently seen in a batch", () => {
    const l = new CampaignLinker({ ...defaultLinkerConfig, maxAccounts: 64 });
    for (let i = 0; i < 200; i++) l.observe({ ...appUsers(1, i, 1)[0], account_id: `u${i}` } as LinkEvent);
    expect(l.activeAccounts).toBeLessThanOrEqual(64);
    expect(l.evictions).toBe(200 - l.activeAccounts);
  });

  it("continues from a checkpoint exactly as if it had never stopped", () => {
    // Answers logged for some requests (traced or not), absent for others, and prompts the
    // app's users repeat (the questions seen): all restored.
    const events = [...coordinated(12, 0, 6), ...appUsers(40, 0, 6)]
      .map((e, i) => ({
        ...e,
        response_trace: i % 3 === 0 ? null : e.cot_elicitation > 0 ? 0.9 : 0.1,
        prompt_simhash: prompt(e.cot_elicitation > 0 ? i : 1_000 + (i % 7)),
      }))
      .sort((x, y) => x.event_time_ms - y.event_time_ms);
    const half = Math.floor(events.length / 2);
    const mid = events[half - 1]?.event_time_ms ?? 0;
    const end = events[events.length - 1]?.event_time_ms ?? 0;
    const run = (split: boolean) => {
      let l = new CampaignLinker(defaultLinkerConfig);
      const out = [];
      for (const e of events.slice(0, half)) l.observe(e);
      out.push(l.evaluate(mid));
      if (split) l = CampaignLinker.deserialize(l.serialize(), defaultLinkerConfig);
      for (const e of events.slice(half)) l.observe(e);
      out.push(l.evaluate(end));
      return { out, bytes: l.serialize() };
    };
    const straight = run(false);
    const restored = run(true);
    expect(restored.out).toEqual(straight.out);
    expect(Buffer.from(restored.bytes).equals(Buffer.from(straight.bytes))).toBe(true);
    expect(straight.out[1]?.campaigns.length).toBe(1);
    expect(straight.out[1]?.campaigns[0]?.signals.map((x) => x.name)).toContain("trace_rate");
  });
});

const H = 3_600_000;

/**
 * A coordinated actor `name` of k accounts on its own network range `net`, using template
 * `tpl(i)` at its i-th round. `plain`: one ASN and a fresh /24 per request, so its group
 * links (score ≈ 3.1) without reaching the alert score.
 */
function actor(
  name: string,
  net: number,
  k: number,
  t0: number,
  per: number,
  tpl: (i: number) => number,
  plain = false,
): LinkEvent[] {
  // A pool's exits: a fresh network on every request, across batches too.
  const batch = Math.round(t0 / H) * 8;
  return coordinated(k, t0, per).map((e, n) => {
    const a = n % k;
    const i = Math.floor(n / k);
    return {
      ...e,
      account_id: `${name}${a}`,
      client_address: plain
        ? `${net}.${a}.${batch + i}.9`
        : `${net}.${(a * 7 + i) % 50}.${batch + a + i * 3}.9`,
      client_asn: plain ? 64_000 : e.client_asn,
      prompt_template_hash: template(tpl(i)),
    };
  });
}

/**
 * Actor b alerts at 1 h; actor a (twice its size) links at 2 h, alerting unless `plain`; at 3 h
 * both use one template and grow together into a's campaign; then they go quiet.
 */
const mergeSteps = (plain: boolean): [LinkEvent[], number][] => [
  [actor("b", 11, 6, 0, 4, (i) => 20 + (i % 2)), H],
  [actor("a", 12, 12, H, 4, (i) => 10 + (i % 2), plain), 2 * H],
  [[...actor("a", 12, 12, 2 * H, 2, () => 30, plain), ...actor("b", 11, 6, 2 * H, 2, () => 30)], 3 * H],
  [[], 3 * H + 60_000],
  ...[1, 2, 3, 4].map((i): [LinkEvent[], number] => [[], 3 * H + defaultLinkerConfig.horizonMs + i * 60_000]),
];

function replay(l: CampaignLinker, steps: [LinkEvent[], number][]): Evaluation[] {
  return steps.map(([events, t]) => {
    for (const e of [...events].sort((x, y) => x.event_time_ms - y.event_time_ms)) l.observe(e);
    return l.evaluate(t);
  });
}

const brief = (a: Alert) => [a.state, a.alert_id, a.revision, a.opened_at_ms, a.severity];

/**
 * The merge scenarios open actor a's twelve accounts together an hour in: a start burst that
 * would lift the "plain" actor over the alert score. They test the alert lifecycle, so the
 * linker there never sees newcomers.
 */
const noBursts = {
  ...defaultLinkerConfig,
  burst: { ...defaultLinkerConfig.burst, warmupMs: Infinity, freshSpendUsd: Number.NEGATIVE_INFINITY },
};

describe("campaign alerts", () => {
  it("take their severities from the config", () => {
    const events = coordinated(12, 0, 4);
    const at = (severity: { high: number; critical: number }) => {
      const l = new CampaignLinker({ ...defaultLinkerConfig, severity });
      for (const e of events) l.observe(e);
      return l.evaluate(events[events.length - 1]?.event_time_ms ?? 0).alerts[0]?.severity;
    };
    expect(at(defaultLinkerConfig.severity)).toBe("high");
    expect(at({ high: 9, critical: 9.5 })).toBe("medium");
    expect(at({ high: 4, critical: 4.5 })).toBe("critical");
  });

  it("merge campaigns that grew together: the survivor keeps its opening and names the alert it absorbed", () => {
    const out = replay(new CampaignLinker(noBursts), mergeSteps(false));
    const b = `campaign:${out[0]?.campaigns[0]?.campaign_id}:${H}`;
    const aId = out[1]?.campaigns.find((c) => c.member_count === 12)?.campaign_id;
    const a = `campaign:${aId}:${2 * H}`;
    expect(out.map((o) => o.alerts.map(brief))).toEqual([
      [["open", b, 0, H, "high"]],
      [["open", a, 0, 2 * H, "high"]],
      [
        ["resolved", b, 1, H, "low"],
        // The earlier opening does not move the survivor's: its update records the merge.
        ["update", a, 1, 2 * H, "high"],
      ],
      [],
      [],
      [],
      [["resolved", a, 2, 2 * H, "low"]],
      [],
    ]);
    const [merged, update] = out[2]?.alerts ?? [];
    expect(merged?.summary).toBe(`merged into ${aId}`);
    expect(update?.summary).toMatch(/^18 accounts linked by /);
    expect(update?.summary).toContain(`; absorbed ${b} (opened 1970-01-01T01:00:00Z)`);
  });

  it("merge into a campaign without an alert: the survivor continues the absorbed alert, announced as open", () => {
    const out = replay(new CampaignLinker(noBursts), mergeSteps(true));
    const b = `campaign:${out[0]?.campaigns[0]?.campaign_id}:${H}`;
    const aId = out[1]?.campaigns.find((c) => c.member_count === 12)?.campaign_id;
    expect(out[1]?.alerts).toEqual([]);
    // High: b's own group, which alerted high, is in the survivor; a's plain members, taken
    // together with b's, would dilute it to medium.
    expect(out[2]?.alerts.map(brief)).toEqual([
      ["resolved", b, 1, H, "low"],
      ["open", `campaign:${aId}:${H}`, 0, H, "high"],
    ]);
    expect(out[2]?.alerts[1]?.summary).toContain(`; absorbed ${b} (opened 1970-01-01T01:00:00Z)`);
  });

  it("continue from a checkpoint taken mid-alert exactly as if the linker had never stopped", () => {
    for (const plain of [false, true]) {
      const steps = mergeSteps(plain);
      const straight = new CampaignLinker(defaultLinkerConfig);
      const all = replay(straight, steps);
      for (let cut = 1; cut < steps.length; cut++) {
        const head = new CampaignLinker(defaultLinkerConfig);
        const before = replay(head, steps.slice(0, cut));
        const restored = CampaignLinker.deserialize(head.serialize(), defaultLinkerConfig);
        expect([...before, ...replay(restored, steps.slice(cut))]).toEqual(all);
        expect(Buffer.from(restored.serialize()).equals(Buffer.from(straight.serialize()))).toBe(true);
      }
    }
  });

  it("read a v1 checkpoint (alert state kept per campaign) and continue as the code that wrote it did", () => {
    // Written by the linker before packages/alerts, mid-alert (open, then one quiet evaluation),
    // with what it emitted afterwards; the scenario is the checkpoint test's above.
    const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
    const expected = JSON.parse(fixture("linker-v1.fixture.json").toString()) as Evaluation[];
    const events = [...coordinated(12, 0, 6), ...appUsers(40, 0, 6)].sort(
      (x, y) => x.event_time_ms - y.event_time_ms,
    );
    const half = Math.floor(events.length / 2);
    const end = events[events.length - 1]?.event_time_ms ?? 0;
    const later = end + defaultLinkerConfig.horizonMs + 1;

    const open = CampaignLinker.deserialize(fixture("linker-v1-open.fixture.bin"), defaultLinkerConfig);
    for (const e of events.slice(half)) open.observe(e);
    const fromOpen = [end, later, later + 60_000, later + 120_000, later + 180_000].map((t) =>
      open.evaluate(t),
    );
    // Scores have since been given each signal's sampling error: the records are the same
    // campaigns, members and alert lifecycle, with the current scores.
    const facts = (evs: Evaluation[]) =>
      evs.map((ev) => ({
        campaigns: ev.campaigns.map((c) => [c.campaign_id, c.status, c.members]),
        alerts: ev.alerts.map((a) => [a.alert_id, a.state, a.revision, a.opened_at_ms, a.member_count]),
      }));
    expect(facts(fromOpen)).toEqual(facts(expected));

    const quiet = CampaignLinker.deserialize(fixture("linker-v1-quiet.fixture.bin"), defaultLinkerConfig);
    const fromQuiet = [1, 2, 3].map((i) => quiet.evaluate(later + i * 60_000));
    expect(facts(fromQuiet)).toEqual(facts(expected.slice(2)));
    expect(fromQuiet[1]?.alerts.map(brief)).toEqual([["resolved", expect.any(String), 1, 83_000, "low"]]);
  });
});

/** Students of one class: a shared step-by-step template, each from their own home network. */
function students(k: number, t0: number, perAccount: number): LinkEvent[] {
  return appUsers(k, t0, perAccount).map((e, i) => ({
    ...e,
    account_id: e.account_id.replace("user", "student"),
    client_address: `172.17.${i % k}.4`,
    client_asn: null,
    prompt_template_hash: template(300),
    system_prompt_hash: null,
    cot_elicitation: 0.95,
  }));
}

/**
 * `n` independent groups of app users, one template each; `phones` of each group's members
 * also ask from a phone on another operator's network (a second ASN and /24).
 */
function benignGroups(n: number, phones: number): LinkEvent[] {
  const out: LinkEvent[] = [];
  for (let g = 0; g < n; g++) {
    const k = 6 + (g % 4);
    out.push(
      ...appUsers(k, g, 4).map((e, i) => {
        const a = Number(e.account_id.slice(4));
        const onPhone = a < Math.round(k * phones) && i % 2 === 1;
        return {
          ...e,
          account_id: `g${g}-${e.account_id}`,
          client_address: onPhone ? `100.${64 + g}.${a}.7` : `172.${20 + g}.${a}.4`,
          client_asn: onPhone ? 21_928 : 7_922,
          prompt_template_hash: template(2_000 + g),
          system_prompt_hash: null,
        };
      }),
    );
  }
  return out;
}

describe("signals the logs do not carry", () => {
  const run = (events: LinkEvent[]) => {
    const l = new CampaignLinker(defaultLinkerConfig);
    const sorted = [...events].sort((x, y) => x.event_time_ms - y.event_time_ms);
    for (const e of sorted) l.observe(e);
    return l.evaluate(sorted[sorted.length - 1]?.event_time_ms ?? 0);
  };

  it("links a coordinated group without ASNs on what is present, and says what was not", () => {
    // Exits from one shared pool of ten /24s, as a proxy service's accounts use it.
    const r = run(
      coordinated(12, 0, 4).map((e, i) => ({
        ...e,
        client_asn: null,
        client_address: `10.0.${i % 10}.${i % 200}`,
      })),
    );
    expect(r.campaigns).toHaveLength(1);
    expect(r.campaigns[0]?.member_count).toBe(12);
    const names = r.campaigns[0]?.signals.map((s) => s.name);
    expect(names).not.toContain("multi_asn_share");
    expect(names).toContain("multi_prefix_share");
    expect(r.alerts[0]?.summary).toContain("unavailable: ");
    expect(r.alerts[0]?.summary).toContain("multi_asn_share (no client ASN in the logs");
  });

  it("does not count an absent ASN as zero rotation", () => {
    // With ASNs every account stays in one network; without them nothing is known.
    const withOne = run(coordinated(12, 0, 4).map((e) => ({ ...e, client_asn: 64_000 })));
    const without = run(coordinated(12, 0, 4).map((e) => ({ ...e, client_asn: null })));
    const asn = withOne.campaigns[0]?.signals.find((s) => s.name === "multi_asn_share");
    expect(asn?.value).toBe(0);
    expect(without.campaigns[0]?.signals.map((s) => s.name)).not.toContain("multi_asn_share");
    expect(without.campaigns[0]?.score).toBeGreaterThanOrEqual(withOne.campaigns[0]?.score ?? 0);
  });

  it("links nothing on one kind of evidence: a class asking for step-by-step answers", () => {
    const r = run([...students(30, 0, 5), ...appUsers(40, 0, 4)]);
    expect(r.campaigns).toEqual([]);
    expect(r.alerts).toEqual([]);
  });

  it("sees a campaign by what it harvests when its prompts ask in words no list knows", () => {
    // Keyword-free prompts (cot_elicitation 0), worked answers back; app users answered plainly.
    const plain = appUsers(40, 0, 4).map((e) => ({ ...e, response_trace: 0 }));
    const harvest = coordinated(12, 0, 4).map((e) => ({ ...e, cot_elicitation: 0, response_trace: 0.9 }));
    const seen = run([...harvest, ...plain]);
    expect(seen.campaigns).toHaveLength(1);
    const trace = seen.campaigns[0]?.signals.find((s) => s.name === "trace_rate");
    expect(trace?.value).toBe(1);
    expect(trace?.z).toBeGreaterThan(2);
    // The same traffic from a gateway that logs no answers: trace_rate is absent, not zero.
    const blind = run([...harvest, ...plain].map((e) => ({ ...e, response_trace: null })));
    expect(blind.campaigns[0]?.signals.map((s) => s.name) ?? []).not.toContain("trace_rate");
    expect(seen.campaigns[0]?.score).toBeGreaterThan(blind.campaigns[0]?.score ?? 0);
  });

  it("links nothing on reasoning asked and reasoning answered alone: both are content", () => {
    const r = run([
      ...students(30, 0, 5).map((e) => ({ ...e, response_trace: 0.9 })),
      ...appUsers(40, 0, 4).map((e) => ({ ...e, response_trace: 0 })),
    ]);
    expect(r.campaigns).toEqual([]);
  });

  it("scores nothing from an address-less source but the signals it has", () => {
    // Auth failures and some proxies log no client address: no rotation is known at all.
    const r = run(coordinated(12, 0, 4).map((e) => ({ ...e, client_address: "", client_asn: null })));
    expect(r.campaigns).toEqual([]);
  });

  it("lets an actor with many templates count once in the population it is compared with", () => {
    // Thirty templates of one campaign and ten independent benign groups: were each template a
    // member of the population, the campaign would be the median and its z-scores zero.
    const bots: LinkEvent[] = [];
    for (let tpl = 0; tpl < 30; tpl++) {
      bots.push(
        // Each request from another exit of the pool, as a proxy service rotates them.
        ...coordinated(8, tpl, 3).map((e, i) => ({
          ...e,
          client_address: `10.${(tpl * 7 + i) % 50}.${(tpl * 13 + i * 3) % 200}.9`,
          client_asn: 64_000 + ((tpl + i) % 9),
          prompt_template_hash: template(1_000 + tpl),
        })),
      );
    }
    const benign: LinkEvent[] = [];
    for (let g = 0; g < 10; g++) {
      benign.push(
        ...appUsers(6, g, 3).map((e) => ({
          ...e,
          account_id: `g${g}-${e.account_id}`,
          client_address: `172.${20 + g}.${e.account_id.length}.4`,
          prompt_template_hash: template(2_000 + g),
          system_prompt_hash: null,
        })),
      );
    }
    const r = run([...bots, ...benign]);
    expect(r.campaigns).toHaveLength(1);
    expect(r.campaigns[0]?.members.every((m) => m.startsWith("bot"))).toBe(true);
    expect(r.alerts.map((a) => a.state)).toEqual(["open"]);
  });

  it("links a campaign whose templates outnumber the benign groups before they share accounts", () => {
    // Early in a hydra, each template has its own few accounts: forty clusters against ten
    // benign ones. Were they the population, the campaign would be its median.
    const bots: LinkEvent[] = [];
    for (let tpl = 0; tpl < 40; tpl++) {
      bots.push(
        ...coordinated(6, tpl, 3).map((e) => ({
          ...e,
          account_id: `bot${tpl}-${e.account_id}`,
          prompt_template_hash: template(1_000 + tpl),
        })),
      );
    }
    const r = run([...bots, ...benignGroups(10, 0)]);
    expect(r.campaigns.length).toBeGreaterThan(0);
    const linked = r.campaigns.flatMap((c) => c.members);
    expect(linked.every((m) => m.startsWith("bot"))).toBe(true);
    expect(linked.length).toBe(240);
  });

  it("does not link five ordinary accounts on the evidence of their first few requests", () => {
    // Test seed 102, first evaluation of a cold start: five people on one app template, seven
    // requests between them, three asking for steps, one of the two seen twice on two networks.
    const at = (account: number, n: number, cot: boolean, asn: number): LinkEvent => ({
      ...(appUsers(1, 0, 1)[0] as LinkEvent),
      account_id: `user${account}`,
      event_time_ms: account * 10_000 + n * 1_000,
      client_address: `172.${16 + (asn % 5)}.${account}.4`,
      client_asn: asn,
      prompt_template_hash: template(400),
      system_prompt_hash: null,
      cot_elicitation: cot ? 0.9 : 0,
    });
    const events = [
      at(0, 0, true, 7_922),
      at(0, 1, false, 21_928),
      at(1, 0, true, 7_922),
      at(1, 1, false, 7_922),
      at(2, 0, true, 3_320),
      at(3, 0, false, 6_805),
      at(4, 0, false, 7_018),
    ];
    expect(run(events).campaigns).toEqual([]);
  });

  it("does not take a phone and a home line for rotation", () => {
    // Every member of every group asks from two operators' networks, a session on each: two
    // ASNs and two /24s a day, but one switch, not a pool's switch per request.
    const events: LinkEvent[] = [];
    for (let g = 0; g < 12; g++) {
      const k = 6 + (g % 4);
      // appUsers emits request i of every member before request i + 1: two at home, two out.
      appUsers(k, g, 4).forEach((e, n) => {
        const a = n % k;
        const out = Math.floor(n / k) >= 2;
        events.push({
          ...e,
          account_id: `g${g}-${e.account_id}`,
          client_address: out ? `100.${64 + g}.${a}.7` : `172.${20 + g}.${a}.4`,
          client_asn: out ? 21_928 : 7_922,
          prompt_template_hash: template(2_000 + g),
          system_prompt_hash: null,
        });
      });
    }
    expect(run(events).campaigns).toEqual([]);
  });

  it("learns a deployment's own normal: groups of people on a phone and a laptop stay unlinked", () => {
    // Every benign group has a third of its members on two operators' networks, which the
    // priors call rotation; measured against the population it is ordinary.
    const r = run(benignGroups(12, 0.34));
    expect(r.campaigns).toEqual([]);
  });
});

describe("IPv6 and dual-stack clients", () => {
  const run = (events: LinkEvent[]) => {
    const l = new CampaignLinker(defaultLinkerConfig);
    const sorted = [...events].sort((x, y) => x.event_time_ms - y.event_time_ms);
    for (const e of sorted) l.observe(e);
    return { l, r: l.evaluate(sorted[sorted.length - 1]?.event_time_ms ?? 0) };
  };
  const hex = (n: number) => n.toString(16);

  it("links a pool rotating fresh /64s over IPv6 /48s, and names the /48s its accounts share", () => {
    const k = 12;
    const { r } = run(
      coordinated(k, 0, 4).map((e, n) => {
        const a = n % k;
        const i = Math.floor(n / k);
        return { ...e, client_address: `2001:db8:${hex((a * 7 + i) % 50)}:${hex(n)}::${hex(1 + a)}` };
      }),
    );
    expect(r.campaigns).toHaveLength(1);
    expect(r.campaigns[0]?.member_count).toBe(k);
    const prefixes = r.campaigns[0]?.shared_fingerprints.filter((f) => f.kind === "ip_prefix") ?? [];
    expect(prefixes.length).toBeGreaterThan(0);
    for (const p of prefixes) expect(p.value).toMatch(/^2001:db8:([0-9a-f]+:)?:\/48$/);
  });

  it("sees a pool behind a dual-stack gateway (::ffff:) as the same IPv4 networks", () => {
    const plain = run(coordinated(12, 0, 4)).r;
    const mapped = run(
      coordinated(12, 0, 4).map((e, n) => ({
        ...e,
        client_address: n % 2 === 0 ? `::ffff:${e.client_address}` : e.client_address,
      })),
    ).r;
    expect(mapped).toEqual(plain);
  });

  it("links no benign group through ::ffff: addresses", () => {
    // Students of 8 classes (asking for steps: content evidence), one home line each, behind a
    // gateway fleet whose dual-stack nodes log IPv4 clients as ::ffff:. Read as IPv6, every
    // student would switch between its /24 and one shared "::" prefix on alternate requests.
    const events: LinkEvent[] = [];
    for (let g = 0; g < 8; g++) {
      const k = 6 + (g % 3);
      appUsers(k, g, 6).forEach((e, n) => {
        const ip = `172.${20 + g}.${n % k}.4`;
        events.push({
          ...e,
          account_id: `g${g}-${e.account_id}`,
          client_address: n % 2 === 0 ? `::ffff:${ip}` : ip,
          cot_elicitation: 0.9,
          prompt_template_hash: template(3_000 + g),
          system_prompt_hash: null,
        });
      });
    }
    const { r } = run(events);
    expect(r.campaigns).toEqual([]);
    expect(r.alerts).toEqual([]);
  });

  it("does not take privacy addresses or a carrier's /64s for rotation", () => {
    // The same students on IPv6 phones: a new interface id per request inside one /64, and a
    // new /64 from the carrier's /48 every other request; many of them share the carrier's /48.
    const events: LinkEvent[] = [];
    for (let g = 0; g < 8; g++) {
      const k = 6 + (g % 3);
      appUsers(k, g, 6).forEach((e, n) => {
        const a = n % k;
        const i = Math.floor(n / k);
        events.push({
          ...e,
          account_id: `g${g}-${e.account_id}`,
          client_address: `2607:fb90:${hex(g % 2)}:${hex(a * 16 + (i >> 1))}:${hex(n * 7919)}:1:2:3`,
          cot_elicitation: 0.9,
          prompt_template_hash: template(4_000 + g),
          system_prompt_hash: null,
        });
      });
    }
    expect(run(events).r.campaigns).toEqual([]);
  });

  it("keeps checkpoints bounded: the networks of forgotten accounts leave with them", () => {
    const l = new CampaignLinker(defaultLinkerConfig);
    const sizeAfter = (from: number, n: number) => {
      for (let i = from; i < from + n; i++) {
        l.observe({
          ...appUsers(1, i, 1)[0],
          account_id: `v6-${i}`,
          event_time_ms: i,
          // Every account on its own /48 and /64: the old table grew by one name per address.
          client_address: `2001:${hex(i >> 16)}:${hex(i & 0xffff)}:${hex(i)}::1`,
        } as LinkEvent);
      }
      l.evaluate(from + n + defaultLinkerConfig.horizonMs + 1);
      return l.serialize();
    };
    const first = sizeAfter(0, 2_000);
    const second = sizeAfter(10 * defaultLinkerConfig.horizonMs, 20_000);
    expect(l.activeAccounts).toBe(0);
    expect(JSON.parse(Buffer.from(second).toString()).otherPrefixes).toEqual([]);
    // What may grow: the slot counters' digits (one per account lane, and the total).
    expect(second.length).toBeLessThanOrEqual(first.length + 2 * 64 + 8);
  });

  it("reads a checkpoint with the old IPv6 prefix table: /64 ids become /48s, made-up prefixes are dropped", () => {
    const l = new CampaignLinker(defaultLinkerConfig);
    for (const e of coordinated(6, 0, 2)) l.observe(e);
    const old = JSON.parse(Buffer.from(l.serialize()).toString());
    old.otherPrefixes = [
      ["2001:db8:0:7::/64", -1],
      ["2001:db8:0:9::/64", -2],
      ["0:0:0:0::/64", -3],
      ["[2001:db8:0:0::/64", -4],
    ];
    const row = old.accounts[0];
    row[8] = [-1, -2, -3, -4, 5];
    row[11][2] = -3;
    const restored = CampaignLinker.deserialize(
      new TextEncoder().encode(JSON.stringify(old)),
      defaultLinkerConfig,
    );
    const again = JSON.parse(Buffer.from(restored.serialize()).toString());
    expect(again.otherPrefixes).toEqual([]);
    const v6 = -1 - 0x20010db8 * 65536;
    expect(again.accounts[0][8]).toEqual([v6, 5]);
    expect(again.accounts[0][11][2]).toBeNull();
  });
});

/**
 * k accounts opened one every 20 s from t0, each on one address of its own in a cloud network
 * (a /24 each, ASN 16509), sending `per` requests on three shared templates every 5 min; one
 * request in three asks for reasoning. What a capability sweep from one cloud looks like.
 */
function cohort(
  name: string,
  k: number,
  t0: number,
  per: number,
  net = (a: number) => `3.${a}.7.20`,
  gapMs = 20_000,
): LinkEvent[] {
  const out: LinkEvent[] = [];
  for (let a = 0; a < k; a++) {
    for (let i = 0; i < per; i++) {
      out.push({
        account_id: `${name}${a}`,
        event_time_ms: t0 + a * gapMs + i * 300_000,
        client_address: net(a),
        client_asn: 16_509,
        user_agent: "python-httpx/0.27.0",
        tls_fingerprint: null,
        prompt_template_hash: template(50 + (i % 3)),
        system_prompt_hash: null,
        cot_elicitation: i % 3 === 0 ? 0.9 : 0,
        usage_output_tokens: 1_500,
        usage_reasoning_tokens: null,
      });
    }
  }
  return out;
}

const M = 60_000;

function run(l: CampaignLinker, events: LinkEvent[], at: number): Evaluation {
  for (const e of [...events].sort((x, y) => x.event_time_ms - y.event_time_ms)) l.observe(e);
  return l.evaluate(at);
}

/** `n` ordinary newcomers, one every `everyMs` from t0, each with an address and a prompt of its own. */
function strangers(n: number, t0: number, everyMs: number, name = "new"): LinkEvent[] {
  return Array.from(
    { length: n },
    (_, i): LinkEvent => ({
      account_id: `${name}${i}`,
      event_time_ms: t0 + i * everyMs,
      client_address: `81.${i % 200}.${Math.floor(i / 200)}.3`,
      client_asn: 3_320,
      user_agent: "OpenAI/Python 1.82.0",
      tls_fingerprint: null,
      prompt_template_hash: template(10_000 + i),
      system_prompt_hash: null,
      cot_elicitation: 0,
      usage_output_tokens: 300,
      usage_reasoning_tokens: null,
    }),
  );
}

describe("start bursts", () => {
  // Ordinary traffic the linker started into, so "first seen" means something after warm-up,
  // and ordinary newcomers after it, one a minute: what a burst must stand out from.
  const before = [...appUsers(20, 0, 2), ...strangers(600, 30 * M, M)];

  it("link accounts opened together that share templates, though each sits on one address", () => {
    const events = [...before, ...cohort("sweep", 15, 60 * M, 6)];
    const at = 60 * M + 30 * M;
    const r = run(new CampaignLinker(defaultLinkerConfig), events, at);
    expect(r.campaigns).toHaveLength(1);
    expect(r.campaigns[0]?.member_count).toBe(15);
    const burst = r.campaigns[0]?.signals.find((s) => s.name === "start_burst_share");
    // Fifteen of fifteen in five minutes, against ~5 other newcomers then of 600 in ten hours.
    expect(burst?.value).toBeGreaterThan(0.95);
    // Without the burst the group has one kind of evidence (what it asks for): nothing links.
    expect(run(new CampaignLinker(noBursts), events, at).campaigns).toEqual([]);
  });

  it("where the logs carry spend, stand out from every account first seen, not from the few fresh ones", () => {
    // The same sweep where the logs carry spend: 600 old accounts first seen after the warm-up
    // ($40 spent each) and a handful of signups. Measured against fresh newcomers alone (10 of
    // them, under `burst.minReference`) the burst was absent; against every account first seen
    // it is there, and only fresh accounts are in it.
    const spent = (events: LinkEvent[], usd: number) =>
      events.map((e): LinkEvent => ({ ...e, account_spend_usd: usd }));
    const events = [
      ...spent(before, 40),
      ...spent(strangers(10, 35 * M, 40 * M, "signup"), 0),
      ...spent(cohort("sweep", 15, 60 * M, 6), 0),
      // An old account whose first request to this linker falls inside the burst.
      ...spent(
        cohort("regular", 1, 61 * M, 6, () => "3.99.7.20"),
        40,
      ),
    ];
    const r = run(new CampaignLinker(defaultLinkerConfig), events, 90 * M);
    expect(r.campaigns).toHaveLength(1);
    expect(r.campaigns[0]?.member_count).toBe(15);
    expect(r.campaigns[0]?.members).not.toContain("regular0");
    // 15 of the template's 16 accounts (the old one is no newcomer).
    const burst = r.campaigns[0]?.signals.find((s) => s.name === "start_burst_share");
    expect(burst?.value).toBeGreaterThan(0.9);
    // Nor is an old account first seen inside a burst's window in it, whatever its timing.
    const window = { burstFrom: 60 * M, burstTo: 65 * M };
    const inside = new AccountState(0, "regular", 61 * M);
    expect(inStartBurst(inside, new Set(["start", "burst"]), window)).toBe(false);
    inside.newcomer = true;
    expect(inStartBurst(inside, new Set(["start", "burst"]), window)).toBe(true);
  });

  it("are absent while the linker warms up, and alerts say so", () => {
    const l = new CampaignLinker(defaultLinkerConfig);
    // The same accounts opening in the linker's first half hour: every account is new to it.
    const r = run(l, cohort("sweep", 15, 0, 6), 29 * M);
    expect(r.campaigns).toEqual([]);
    const linked = run(new CampaignLinker(defaultLinkerConfig), coordinated(12, 0, 4), M);
    expect(linked.alerts[0]?.summary).toContain("start_burst_share (the linker is still warming up");
  });

  it("do not link an office opening its accounts together behind one NAT", () => {
    // A company onboards 15 people at once; they share its template and ask for steps, all
    // from the office's one address: one network, so no burst of strangers.
    const events = [...before, ...cohort("office", 15, 60 * M, 6, () => "198.51.100.7")];
    expect(run(new CampaignLinker(defaultLinkerConfig), events, 90 * M).campaigns).toEqual([]);
  });

  it("do not link accounts that arrive one by one", () => {
    // The same group, but its members arrive an hour apart over 15 hours.
    const spread = Array.from({ length: 15 }, (_, a) =>
      cohort(`user${a}x`, 1, 60 * M + a * 60 * M, 6, () => `3.${a}.7.20`),
    ).flat();
    expect(
      run(new CampaignLinker(defaultLinkerConfig), [...before, ...spread], 16 * 60 * M).campaigns,
    ).toEqual([]);
  });

  it("do not take a wave of arrivals for a burst: the hours after the linker starts", () => {
    // Fifteen members of one group arrive in the same half hour as 400 other accounts making
    // their first request to a linker that has just warmed up; 50 more arrive later.
    const wave = [...strangers(400, 30 * M, 4_000, "wave"), ...strangers(50, 60 * M, 2 * M, "late")];
    const group = cohort("crowd", 15, 30 * M, 6, undefined, 107_000);
    const r = run(
      new CampaignLinker(defaultLinkerConfig),
      [...appUsers(20, 0, 2), ...wave, ...group],
      3 * 60 * M,
    );
    expect(r.campaigns).toEqual([]);
  });

  it("do not take an agent's users starting their workday together for a burst", () => {
    // Five of seven users of one template first seen in the same half hour, as 30 of 100 other
    // newcomers are: the chance of that is ~0.08 (burstChance), not a script.
    const others = [...strangers(30, 60 * M, M, "morning"), ...strangers(70, 120 * M, 4 * M, "later")];
    const group = [
      ...cohort("agent", 5, 60 * M, 6, undefined, 5 * M),
      ...cohort("agentlate", 2, 200 * M, 6, (a) => `5.${a}.9.1`, 40 * M),
    ];
    const r = run(
      new CampaignLinker(defaultLinkerConfig),
      [...appUsers(20, 0, 2), ...others, ...group],
      4 * 60 * M,
    );
    expect(r.campaigns).toEqual([]);
    expect(burstChance(5, 7, 30, 100)).toBeGreaterThan(0.01);
    // A sweep: 30 accounts in three minutes while 2 of 500 others arrived.
    expect(burstChance(30, 30, 2, 500)).toBeLessThan(1e-60);
  });

  it("do not pull an old account that shares the burst's template into its campaign", () => {
    // An eval harness has used the sweep's first template (and asked for steps) since before
    // the sweep began: it is no newcomer and sits on an address of its own.
    const harness = Array.from(
      { length: 12 },
      (_, i): LinkEvent => ({
        ...(cohort("harness", 1, 0, 1)[0] as LinkEvent),
        event_time_ms: i * 10 * M,
        client_address: "34.120.0.17",
        cot_elicitation: 0.9,
        prompt_template_hash: template(50),
      }),
    );
    const r = run(
      new CampaignLinker(defaultLinkerConfig),
      [...before, ...harness, ...cohort("sweep", 15, 60 * M, 6)],
      90 * M,
    );
    expect(r.campaigns).toHaveLength(1);
    expect(r.campaigns[0]?.members).not.toContain("harness0");
    expect(r.campaigns[0]?.member_count).toBe(15);
  });

  it("do not pull in a newcomer with far more requests than the group's members", () => {
    // An eval harness whose run starts as the sweep does: a newcomer in the burst that asks for
    // steps 150 times in the half hour, 10 of them on the sweep's first template, while each
    // sweep account sends 6 (tune seed 1, real text: thousands against ~70).
    const harness = Array.from(
      { length: 150 },
      (_, i): LinkEvent => ({
        ...(cohort("harness", 1, 0, 1)[0] as LinkEvent),
        event_time_ms: 60 * M + i * 12_000,
        client_address: "34.120.0.17",
        cot_elicitation: 0.9,
        prompt_template_hash: template(i % 15 === 0 ? 50 : 99),
      }),
    );
    const r = run(
      new CampaignLinker(defaultLinkerConfig),
      [...before, ...harness, ...cohort("sweep", 15, 60 * M, 6)],
      90 * M,
    );
    expect(r.campaigns).toHaveLength(1);
    expect(r.campaigns[0]?.members).not.toContain("harness0");
    expect(r.campaigns[0]?.member_count).toBe(15);
  });

  it("do not link a class that opens its accounts in one lecture and pastes the teacher's handout", () => {
    // Fifteen students sign up in one lecture, each from a line of their own, and each pastes
    // the same four problems with the teacher's "show me step by step", getting worked answers
    // back: content and a start burst, as in a campaign's first minutes, but four questions for
    // fifteen people. A campaign harvests answers it does not have yet.
    const lecture = (name: string, ownQuestions: boolean) =>
      cohort(name, 15, 60 * M, 4).map((e, n) => ({
        ...e,
        cot_elicitation: 0.9,
        response_trace: 0.9,
        prompt_simhash: prompt(ownQuestions ? 1_000 + n : n % 4),
      }));
    const at = 90 * M;
    expect(
      run(new CampaignLinker(defaultLinkerConfig), [...before, ...lecture("class", false)], at).campaigns,
    ).toEqual([]);
    // The same accounts asking sixty problems between them are linked.
    const harvest = run(new CampaignLinker(defaultLinkerConfig), [...before, ...lecture("sweep", true)], at);
    expect(harvest.campaigns).toHaveLength(1);
    expect(harvest.campaigns[0]?.member_count).toBe(15);
    // So are accounts resending the same four problems at temperatures of their own: samples.
    const samples = lecture("sampler", false).map((e, n) => ({
      ...e,
      request_temperature: 0.3 + Math.floor(n / 4) / 20,
    }));
    expect(run(new CampaignLinker(defaultLinkerConfig), [...before, ...samples], at).campaigns).toHaveLength(
      1,
    );
    // Learners who have long used the same public phrasing with questions of their own make the
    // group broad; the burst is still the class, which brought no new questions.
    const learners = cohort("learner", 12, 0, 3, (a) => `81.${a}.1.1`, 2 * M).map((e, n) => ({
      ...e,
      cot_elicitation: 0.9,
      response_trace: 0.9,
      prompt_simhash: prompt(5_000 + n),
    }));
    expect(
      run(new CampaignLinker(defaultLinkerConfig), [...before, ...learners, ...lecture("class", false)], at)
        .campaigns,
    ).toEqual([]);
    // Students sign up in the lecture: every one of them has spent nothing, which is evidence
    // of the same kind as the burst (accounts opened for it) and just as narrow.
    const signedUp = lecture("class", false).map((e) => ({ ...e, account_spend_usd: 0 }));
    const oldBefore = before.map((e) => ({ ...e, account_spend_usd: 25 }));
    expect(run(new CampaignLinker(defaultLinkerConfig), [...oldBefore, ...signedUp], at).campaigns).toEqual(
      [],
    );
    expect(run(new CampaignLinker(defaultLinkerConfig), signedUp, at).campaigns).toEqual([]);
    // Without prompt hashes in the logs breadth is not measured, and the class looks like that.
    const unknown = lecture("class", false).map((e) => ({ ...e, prompt_simhash: null }));
    expect(run(new CampaignLinker(defaultLinkerConfig), [...before, ...unknown], at).campaigns).toHaveLength(
      1,
    );
  });

  it("do not link a lecture's first students, whose handout problems are each new once", () => {
    // Tune seeds 6 and 7 (real text): minutes into a lecture, ten students have each sent one
    // of the handout's problems. Each problem was new the first time, so the group brought 0.5
    // new questions per member and passed breadth; the other students were asking the very same
    // problems. Accounts splitting a harvest ask disjoint questions.
    const lecture = (name: string, echo: boolean) =>
      cohort(name, 10, 60 * M, 1).map((e, n) => ({
        ...e,
        cot_elicitation: 0.9,
        response_trace: 0.9,
        prompt_simhash: prompt(echo ? n % 5 : 2_000 + n),
      }));
    const at = 75 * M;
    expect(
      run(new CampaignLinker(defaultLinkerConfig), [...before, ...lecture("class", true)], at).campaigns,
    ).toEqual([]);
    const harvest = run(new CampaignLinker(defaultLinkerConfig), [...before, ...lecture("sweep", false)], at);
    expect(harvest.campaigns).toHaveLength(1);
    expect(harvest.campaigns[0]?.member_count).toBe(10);
    // A harvester resending its own prompt (a retry, several samples) echoes no one.
    const resent = lecture("sweep", false).flatMap((e) => [
      e,
      { ...e, event_time_ms: e.event_time_ms + 60_000 },
    ]);
    expect(run(new CampaignLinker(defaultLinkerConfig), [...before, ...resent], at).campaigns).toHaveLength(
      1,
    );
  });

  it("link accounts opened together on their first request: a burst needs no regulars", () => {
    // A warm detector meets a hydra whose accounts have made one request each (one every ~2 h
    // per account): none has been seen twice, so none can show rotation or a shared pool, but
    // each shows when it first appeared. Measured on tune seeds 1-2 (real corpora, 6 h warm):
    // groups acted on content and start from 24 min on, and linked nothing for 104 min.
    const burst = cohort("sweep", 15, 80 * M, 1);
    // A newcomer who sent the same template and asked for steps 45 min earlier: not in it.
    const early = cohort("early", 1, 35 * M, 1, () => "81.250.0.3");
    const r = run(new CampaignLinker(defaultLinkerConfig), [...before, ...early, ...burst], 90 * M);
    expect(r.campaigns).toHaveLength(1);
    expect(r.campaigns[0]?.member_count).toBe(15);
    expect(r.campaigns[0]?.members).not.toContain("early0");
  });

  it("where the logs carry spend, link accounts opened for the job however they arrive, from a linker's first hour", () => {
    // A linker started minutes ago into a busy deployment: old accounts ($40 spent each), app
    // users among them, and 20 accounts opened for a job arriving ten minutes apart (no burst),
    // asking for steps on a wrapper of their own. Each has spent nothing when first seen.
    const spent = (events: LinkEvent[], usd: number | null) =>
      events.map((e): LinkEvent => ({ ...e, account_spend_usd: usd }));
    const old = [...spent(appUsers(20, 0, 2), 40), ...spent(strangers(300, 0, M, "old"), 40)];
    const job = spent(cohort("job", 20, 5 * M, 6, undefined, 10 * M), 0);
    const at = 50 * M;
    const r = run(new CampaignLinker(defaultLinkerConfig), [...old, ...job], at);
    expect(r.campaigns).toHaveLength(1);
    // Five were first seen by 45 min; every one of them seen once or twice so far.
    expect(r.campaigns[0]?.members.every((m) => m.startsWith("job"))).toBe(true);
    expect(r.campaigns[0]?.member_count).toBeGreaterThanOrEqual(4);
    expect(r.campaigns[0]?.signals.find((s) => s.name === "fresh_share")?.value).toBeGreaterThan(0.9);
    // A signup who asked a question of its own first, then used the job's wrapper (a public
    // phrasing) for steps, did not come for it: fresh, but not opened for the job.
    const passerby = spent(
      [
        { ...(strangers(1, 6 * M, M, "signup")[0] as LinkEvent) },
        ...cohort("signup", 1, 8 * M, 6).map((e) => ({
          ...e,
          client_address: "81.7.7.7",
          cot_elicitation: 0.9,
        })),
      ],
      0,
    );
    const withSignup = run(new CampaignLinker(defaultLinkerConfig), [...old, ...job, ...passerby], at);
    expect(withSignup.campaigns).toHaveLength(1);
    expect(withSignup.campaigns[0]?.members).not.toContain("signup0");
    // Without spend in the logs: content alone, inside the warm-up, links nothing.
    expect(run(new CampaignLinker(defaultLinkerConfig), spent([...old, ...job], null), at).campaigns).toEqual(
      [],
    );
    // Old accounts on the same wrapper, asking for the same steps, show no opening.
    const oldJob = spent(job, 40);
    expect(run(new CampaignLinker(defaultLinkerConfig), [...old, ...oldJob], at).campaigns).toEqual([]);
    // A signup among the app users is no job: one fresh member in twenty.
    const signup = spent(appUsers(20, 0, 2), 40).map((e) =>
      e.account_id === "user3" ? { ...e, account_spend_usd: 0 } : e,
    );
    expect(
      run(new CampaignLinker(defaultLinkerConfig), [...signup, ...spent(strangers(300, 0, M, "old"), 40)], at)
        .campaigns,
    ).toEqual([]);
  });

  it("where the logs carry spend, count a group of five fresh accounts against every account's rate", () => {
    // Five accounts opened for a job among 320 old ones: 5 of 5 fresh where about one account
    // in 640 is (the floor of half an account) is ~1e-14. Floored at half a member of the
    // group instead (0.1), the same five were ~1e-5, chance, and a sweep linked only once its
    // groups reached six (tune seed 1, two evaluations late).
    const spent = (events: LinkEvent[], usd: number | null) =>
      events.map((e): LinkEvent => ({ ...e, account_spend_usd: usd }));
    const old = [...spent(appUsers(20, 0, 2), 40), ...spent(strangers(300, 0, M, "old"), 40)];
    const job = spent(cohort("job", 5, 5 * M, 6, undefined, 8 * M), 0);
    const r = run(new CampaignLinker(defaultLinkerConfig), [...old, ...job], 50 * M);
    expect(r.campaigns).toHaveLength(1);
    expect(r.campaigns[0]?.member_count).toBe(5);
    expect(r.campaigns[0]?.signals.find((s) => s.name === "fresh_share")?.value).toBeGreaterThan(0.9);
    expect(freshRateOf(0, 320)).toBeCloseTo(0.5 / 320);
    expect(freshRateOf(32, 320)).toBeCloseTo(0.1);
    expect(freshRateOf(0, 0)).toBeNaN();
  });

  it("count fresh members only beyond what chance gives a group of that size", () => {
    // A popular frame's 25 members with 5 signups among them, when 2% of accounts are new:
    // ~1e-4, which a thousand groups looked at every five minutes reach by chance.
    expect(tailChance(5, 25, 0.02)).toBeGreaterThan(1e-6);
    // A hydra's template: 25 of 25 new while a tenth of all accounts are (the hydra itself).
    expect(tailChance(25, 25, 0.1)).toBeLessThan(1e-20);
    expect(tailChance(1, 25, 0.1)).toBe(1);
  });

  it("survive a checkpoint: the restored linker knows when it started", () => {
    const events = [...before, ...cohort("sweep", 15, 60 * M, 6)];
    const first = events.filter((e) => e.event_time_ms < 70 * M);
    const rest = events.filter((e) => e.event_time_ms >= 70 * M);
    const l = new CampaignLinker(defaultLinkerConfig);
    run(l, first, 70 * M);
    const restored = CampaignLinker.deserialize(l.serialize(), defaultLinkerConfig);
    expect(run(restored, rest, 90 * M)).toEqual(run(l, rest, 90 * M));
    // A checkpoint from before start bursts has no start time: the restored linker warms up
    // again from its next request instead of taking every account for a newcomer.
    const old = JSON.parse(new TextDecoder().decode(l.serialize()));
    delete old.started;
    // Nor did its accounts say whether they were newcomers.
    for (const row of old.accounts) row.splice(13);
    const fromOld = CampaignLinker.deserialize(
      new TextEncoder().encode(JSON.stringify(old)),
      defaultLinkerConfig,
    );
    const r = run(
      fromOld,
      [...strangers(100, 90 * M, 1_000, "later"), ...cohort("late", 15, 95 * M, 3)],
      100 * M,
    );
    expect(r.campaigns.flatMap((c) => c.signals).find((s) => s.name === "start_burst_share")).toBeUndefined();
  });
});

describe("campaign ids", () => {
  it("stay unique when two new components share an anchor at one evaluation", () => {
    const campaigns = new Map();
    const a = matchComponent(campaigns, new Set([1, 2, 3, 4, 5]), 1_000, new Map(), () => "0");
    const b = matchComponent(campaigns, new Set([6, 7, 8, 9, 10]), 1_000, new Map(), () => "0");
    expect(a.campaign.id).not.toBe(b.campaign.id);
    expect(campaigns.size).toBe(2);
  });
});

describe("groups on a shared network: no template in common", () => {
  /**
   * A proxy service's accounts harvesting worked answers: every prompt its own (a real problem
   * in a wrapper, so no template repeats), each request from another exit of a pool of
   * `pool` residential /24s in many ASNs.
   */
  function pooled(k: number, perAccount: number, pool = 10): LinkEvent[] {
    const out: LinkEvent[] = [];
    for (let i = 0; i < perAccount; i++) {
      for (let a = 0; a < k; a++) {
        const exit = (a * 3 + i * 7) % pool;
        out.push({
          account_id: `pool${a}`,
          event_time_ms: (i * k + a) * 60_000,
          client_address: `81.${40 + exit}.${exit * 3}.${(a + i) % 250}`,
          client_asn: 3_300 + exit,
          user_agent: null,
          tls_fingerprint: null,
          prompt_template_hash: template(10_000 + i * k + a),
          system_prompt_hash: null,
          cot_elicitation: 0,
          response_trace: 0.9,
          usage_output_tokens: 800,
          usage_reasoning_tokens: null,
        });
      }
    }
    return out;
  }

  /** App users answered plainly, one /24 each: the population the groups are compared with. */
  const plainUsers = () =>
    appUsers(40, 0, 4).map((e, i) => ({
      ...e,
      response_trace: 0.05,
      event_time_ms: e.event_time_ms + (i % 7),
    }));

  const run = (events: LinkEvent[]) => {
    const l = new CampaignLinker(defaultLinkerConfig);
    const sorted = [...events].sort((x, y) => x.event_time_ms - y.event_time_ms);
    for (const e of sorted) l.observe(e);
    return { l, r: l.evaluate(sorted[sorted.length - 1]?.event_time_ms ?? 0) };
  };

  it("links a pool's accounts whose prompts share no template, on the networks they share and what they harvest", () => {
    const { l, r } = run([...pooled(30, 4), ...plainUsers()]);
    expect(r.campaigns).toHaveLength(1);
    const c = r.campaigns[0];
    expect(c?.member_count).toBe(30);
    expect(l.membersOf(c?.campaign_id ?? "").every((m) => m.startsWith("pool"))).toBe(true);
    expect(c?.shared_fingerprints.every((f) => f.kind === "ip_prefix")).toBe(true);
    expect(c?.campaign_id).toMatch(/^cmp_[0-9a-f]{16}_[0-9a-z]+$/);
    expect(r.alerts.map((a) => a.state)).toEqual(["open"]);
    // Without ASNs (enrichment off) on the same traffic: still linked, on what is present.
    const blind = run([...pooled(30, 4), ...plainUsers()].map((e) => ({ ...e, client_asn: null })));
    expect(blind.r.campaigns[0]?.member_count).toBe(30);
  });

  it("does not link a pool on its networks alone: without what it harvests it is a carrier's NAT pool", () => {
    const { r } = run([...pooled(30, 4).map((e) => ({ ...e, response_trace: 0.05 })), ...plainUsers()]);
    expect(r.campaigns).toEqual([]);
  });

  it("leaves honest customers who live on the pool's /24s out, though they switch networks all day", () => {
    // Neighbours: home line on a pool /24, a phone on a carrier's network, alternating on every
    // request, some of them students whose answers carry worked steps.
    const neighbours: LinkEvent[] = [];
    for (let n = 0; n < 12; n++) {
      for (let i = 0; i < 20; i++) {
        const home = i % 2 === 0;
        neighbours.push({
          account_id: `neighbour${n}`,
          event_time_ms: i * 600_000 + n * 1_000 + 500,
          client_address: home ? `81.${40 + (n % 10)}.${(n % 10) * 3}.${200 + n}` : `100.64.${n}.9`,
          client_asn: home ? 3_300 + (n % 10) : 21_928,
          user_agent: null,
          tls_fingerprint: null,
          prompt_template_hash: template(20_000 + n * 100 + i),
          system_prompt_hash: null,
          cot_elicitation: 0,
          response_trace: n % 3 === 0 ? 0.9 : 0.05,
          usage_output_tokens: 300,
          usage_reasoning_tokens: null,
        });
      }
    }
    const { l, r } = run([...pooled(30, 4), ...neighbours, ...plainUsers()]);
    expect(r.campaigns).toHaveLength(1);
    const members = l.membersOf(r.campaigns[0]?.campaign_id ?? "");
    expect(members.filter((m) => m.startsWith("pool"))).toHaveLength(30);
    expect(members.filter((m) => !m.startsWith("pool"))).toEqual([]);
  });

  it("does not link a class behind one NAT asking for worked answers: content and one network", () => {
    const { r } = run([
      ...students(30, 0, 5).map((e) => ({ ...e, client_address: "172.17.5.4", response_trace: 0.9 })),
      ...plainUsers(),
    ]);
    expect(r.campaigns).toEqual([]);
  });

  it("does not count the network a group is keyed on as a shared pool: a NAT is one network", () => {
    const accounts = new Map<number, AccountState>();
    for (let slot = 0; slot < 6; slot++) {
      const a = new AccountState(slot, `office${slot}`, 0);
      a.seenFrom(0xac1105); // 172.17.5.0/24, the office's NAT
      accounts.set(slot, a);
    }
    const asContent = groupFeatures(accounts.keys(), 0, null, accounts, new Map());
    const asNetwork = groupFeatures(accounts.keys(), 0, null, accounts, new Map(), null, 0xac1105);
    expect(asContent.sharedPrefixDensity).toBe(0);
    expect(asNetwork.sharedPrefixDensity).toBe(0);
  });

  it("sees a pool in members that share two networks or more, not in a campus of a few NATs", () => {
    // A class: each student on one of the campus's three NAT addresses (three /24s), then at
    // home or on a phone, a network of their own. Every campus /24 is shared; no student is on two.
    const campus = [0xac1105, 0xac1206, 0xac1307];
    const accounts = new Map<number, AccountState>();
    for (let slot = 0; slot < 8; slot++) {
      const a = new AccountState(slot, `student${slot}`, 0);
      a.seenFrom(campus[slot % 3] as number);
      a.seenFrom(0x0a0000 + slot);
      accounts.set(slot, a);
    }
    expect(groupFeatures(accounts.keys(), 0, null, accounts, new Map()).sharedPrefixDensity).toBe(0);
    // A pool: each account comes from two of the pool's five /24s.
    const pool = new Map<number, AccountState>();
    for (let slot = 0; slot < 8; slot++) {
      const a = new AccountState(slot, `pool${slot}`, 0);
      a.seenFrom(0xc00000 + (slot % 5));
      a.seenFrom(0xc00000 + ((slot + 2) % 5));
      pool.set(slot, a);
    }
    expect(groupFeatures(pool.keys(), 0, null, pool, new Map()).sharedPrefixDensity).toBe(1);
    // Keyed on a /24 every member used: two of them also share another, the third does not.
    const onKey = new Map<number, AccountState>();
    for (const [slot, other] of [0xc10001, 0xc10001, 0xc10002].entries()) {
      const a = new AccountState(slot, `keyed${slot}`, 0);
      a.seenFrom(0xc10000);
      a.seenFrom(other);
      onKey.set(slot, a);
    }
    const keyed = groupFeatures(onKey.keys(), 0, null, onKey, new Map(), null, 0xc10000);
    expect(keyed.sharedPrefixDensity).toBeCloseTo(2 / 3);
  });

  it("continues from a checkpoint with network groups exactly as if it had never stopped", () => {
    const events = [...pooled(30, 6), ...plainUsers()].sort((x, y) => x.event_time_ms - y.event_time_ms);
    const half = Math.floor(events.length / 2);
    const mid = events[half - 1]?.event_time_ms ?? 0;
    const end = events[events.length - 1]?.event_time_ms ?? 0;
    const go = (split: boolean) => {
      let l = new CampaignLinker(defaultLinkerConfig);
      const out = [];
      for (const e of events.slice(0, half)) l.observe(e);
      out.push(l.evaluate(mid));
      if (split) l = CampaignLinker.deserialize(l.serialize(), defaultLinkerConfig);
      for (const e of events.slice(half)) l.observe(e);
      out.push(l.evaluate(end));
      return { out, bytes: l.serialize() };
    };
    const straight = go(false);
    const restored = go(true);
    expect(restored.out).toEqual(straight.out);
    expect(Buffer.from(restored.bytes).equals(Buffer.from(straight.bytes))).toBe(true);
    expect(straight.out[1]?.campaigns[0]?.member_count).toBe(30);
    // A checkpoint from before network groups (no `networks`) still reads: networks are admitted afresh.
    const old = JSON.parse(Buffer.from(straight.bytes).toString("utf8"));
    delete old.networks;
    delete old.networkAdmission;
    const l = CampaignLinker.deserialize(new TextEncoder().encode(JSON.stringify(old)), defaultLinkerConfig);
    expect(l.trackedFingerprints).toBeLessThan(
      CampaignLinker.deserialize(straight.bytes, defaultLinkerConfig).trackedFingerprints,
    );
  });
});

describe("the question's frame", () => {
  it("links a campaign whose wrapper repeats around payloads that never do, before or after them", () => {
    // Every prompt its own template; the wrapper is the question's first paragraph for half the
    // accounts and its last for the others; accounts rotate through exits of their own.
    const wrapper = template(77);
    const events: LinkEvent[] = coordinated(12, 0, 4).map((e, i) => {
      const a = Number(e.account_id.slice(3));
      return {
        ...e,
        client_address: `10.${a}.${i % 200}.9`,
        prompt_template_hash: template(50_000 + i),
        cot_elicitation: 0,
        response_trace: 0.9,
        question_head_hash: a % 2 === 0 ? wrapper : template(60_000 + i),
        question_tail_hash: a % 2 === 0 ? template(60_000 + i) : wrapper,
      };
    });
    const plain = appUsers(40, 0, 4).map((e) => ({ ...e, response_trace: 0.05 }));
    const run = (list: LinkEvent[]) => {
      const l = new CampaignLinker(defaultLinkerConfig);
      const sorted = [...list].sort((x, y) => x.event_time_ms - y.event_time_ms);
      for (const e of sorted) l.observe(e);
      return l.evaluate(sorted[sorted.length - 1]?.event_time_ms ?? 0);
    };
    const framed = run([...events, ...plain]);
    expect(framed.campaigns).toHaveLength(1);
    expect(framed.campaigns[0]?.member_count).toBe(12);
    expect(framed.campaigns[0]?.shared_fingerprints[0]).toMatchObject({
      kind: "template",
      value: wrapper.toString("hex"),
      member_count: 12,
    });
    // The same traffic logged before v4 (no frame): nothing in common to link on.
    const unframed = run(
      [...events, ...plain].map((e) => ({ ...e, question_head_hash: null, question_tail_hash: null })),
    );
    expect(unframed.campaigns).toEqual([]);
  });
});

describe("alert warm-up", () => {
  it("links but does not alert until the linker has run alertWarmupMs, then alerts as usual", () => {
    // The shipped config: a campaign seen from the linker's first minutes forms, unalerted.
    const events = [...coordinated(12, 0, 4), ...appUsers(40, 0, 4)].sort(
      (x, y) => x.event_time_ms - y.event_time_ms,
    );
    const l = new CampaignLinker(shipped);
    for (const e of events) l.observe(e);
    const early = l.evaluate(events[events.length - 1]?.event_time_ms ?? 0);
    expect(early.campaigns).toHaveLength(1);
    expect(early.campaigns[0]?.status).toBe("forming");
    expect(early.campaigns[0]?.score).toBeGreaterThanOrEqual(shipped.alertScore);
    expect(early.alerts).toEqual([]);
    // Restored from a checkpoint, the linker keeps its start: warm once, warm after restarts.
    const restored = CampaignLinker.deserialize(l.serialize(), shipped);
    const later = restored.evaluate(shipped.alertWarmupMs);
    expect(later.campaigns[0]?.status).toBe("active");
    expect(later.alerts.map((a) => a.state)).toEqual(["open"]);
    expect(later.alerts[0]?.opened_at_ms).toBe(shipped.alertWarmupMs);
  });
});

describe("members of a content group show the network evidence on their own", () => {
  it("leaves out people who share the campaign's public phrasing and alternate between their networks", () => {
    // Students end their questions with the campaign's own "think step by step" paragraph and
    // switch between a home line, its IPv6 side and a phone on every request; one office NAT
    // and a carrier /48 they share with each other too. Seen once, an account has shown nothing.
    const students: LinkEvent[] = [];
    for (let s = 0; s < 8; s++) {
      for (let i = 0; i < 12; i++) {
        const where = i % 3;
        students.push({
          ...coordinated(1, 0, 1)[0],
          account_id: `student${s}`,
          event_time_ms: i * 300_000 + s * 1_000 + 500,
          client_address: where === 0 ? `172.20.${s}.4` : where === 1 ? `2001:db8:${s}::1` : "100.64.9.9",
          client_asn: where === 2 ? 21_928 : 7_922,
          prompt_template_hash: template(0),
          response_trace: 0.9,
        } as LinkEvent);
      }
    }
    const once: LinkEvent = {
      ...(students[0] as LinkEvent),
      account_id: "once",
      client_address: "10.0.0.77",
    };
    const l = new CampaignLinker(defaultLinkerConfig);
    // A traveller: home line, phone, a café, home again — three networks in four requests.
    const traveller = ["172.21.3.4", "100.64.7.9", "198.51.100.20", "172.21.3.4"].map(
      (ip, i): LinkEvent => ({
        ...(students[0] as LinkEvent),
        account_id: "traveller",
        event_time_ms: i * 400_000 + 700,
        client_address: ip,
        client_asn: 7_000 + i,
      }),
    );
    const events = [...coordinated(12, 0, 4), ...students, once, ...traveller, ...appUsers(40, 0, 4)].sort(
      (x, y) => x.event_time_ms - y.event_time_ms,
    );
    for (const e of events) l.observe(e);
    const r = l.evaluate(events[events.length - 1]?.event_time_ms ?? 0);
    expect(r.campaigns).toHaveLength(1);
    const members = l.membersOf(r.campaigns[0]?.campaign_id ?? "");
    expect(members.filter((m) => m.startsWith("bot"))).toHaveLength(12);
    expect(members.filter((m) => !m.startsWith("bot"))).toEqual([]);
  });
});

describe("small campaigns: below minMembers on network evidence only", () => {
  const runAll = (events: LinkEvent[], config: LinkerConfig = defaultLinkerConfig) => {
    const sorted = [...events].sort((x, y) => x.event_time_ms - y.event_time_ms);
    return run(new CampaignLinker(config), sorted, sorted[sorted.length - 1]?.event_time_ms ?? 0);
  };

  it("link four accounts that rotate through proxies and ask for reasoning (slow-and-low)", () => {
    const r = runAll([...coordinated(4, 0, 8), ...appUsers(40, 0, 4)]);
    expect(r.campaigns).toHaveLength(1);
    expect(r.campaigns[0]?.member_count).toBe(4);
    expect(r.campaigns[0]?.signals.find((s) => s.name === "multi_prefix_share")?.value).toBe(1);
    // The setting is what admits them: at the general minimum they stay unlinked.
    const strict = runAll([...coordinated(4, 0, 8), ...appUsers(40, 0, 4)], {
      ...defaultLinkerConfig,
      minNetworkMembers: 5,
    });
    expect(strict.campaigns).toEqual([]);
  });

  it("do not link three", () => {
    expect(runAll([...coordinated(3, 0, 8), ...appUsers(40, 0, 4)]).campaigns).toEqual([]);
  });

  it("do not link four fresh accounts on content and their start: a class of four has both", () => {
    // Signed up for it (no spend), asking for and getting worked answers, each on a line of its
    // own: five such link, four do not, since nothing about their networks is coordinated.
    const before = [...appUsers(20, 0, 2), ...strangers(600, 30 * M, M)].map((e) => ({
      ...e,
      account_spend_usd: 25,
    }));
    const lecture = (k: number) =>
      cohort("class", k, 60 * M, 4).map((e, n) => ({
        ...e,
        cot_elicitation: 0.9,
        response_trace: 0.9,
        prompt_simhash: prompt(1_000 + n),
        account_spend_usd: 0,
      }));
    const at = 90 * M;
    expect(run(new CampaignLinker(defaultLinkerConfig), [...before, ...lecture(4)], at).campaigns).toEqual(
      [],
    );
    expect(
      run(new CampaignLinker(defaultLinkerConfig), [...before, ...lecture(5)], at).campaigns,
    ).toHaveLength(1);
  });

  it("leave the population baselines to groups of minMembers or more", () => {
    // Ordinary groups of four, half of each on a phone too: were they counted, the baselines
    // of rotation would move.
    const fours = Array.from({ length: 12 }, (_, g) =>
      appUsers(4, g, 4).map((e, i) => ({
        ...e,
        account_id: `four${g}-${e.account_id}`,
        client_address: i % 2 === 1 && i % 4 < 2 ? `100.${64 + g}.${i % 4}.7` : `172.${40 + g}.${i % 4}.4`,
        client_asn: i % 2 === 1 && i % 4 < 2 ? 21_928 : 7_922,
        prompt_template_hash: template(3_000 + g),
        system_prompt_hash: null,
      })),
    ).flat();
    const events = [...coordinated(4, 0, 8), ...appUsers(40, 0, 4), ...benignGroups(6, 0.3), ...fours];
    const small = new CampaignLinker(defaultLinkerConfig);
    const none = new CampaignLinker({ ...defaultLinkerConfig, minNetworkMembers: 5 });
    const sorted = [...events].sort((x, y) => x.event_time_ms - y.event_time_ms);
    const at = sorted[sorted.length - 1]?.event_time_ms ?? 0;
    run(small, sorted, at);
    run(none, sorted, at);
    expect(small.baselines()).toEqual(none.baselines());
  });
});
