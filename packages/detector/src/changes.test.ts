import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Detector,
  type DetectorChanges,
  type DetectorConfig,
  type DetectorEvent,
  type DetectorMark,
  type DetectorOutput,
  defaultDetectorConfig,
} from "./detector.ts";
import { networkEntityKinds } from "./entities.ts";

const T0 = Date.UTC(2026, 2, 2);
const HOUR = 3_600_000;
// Few requests make an account scorable, so touched flags, ready accounts and alerts all occur.
// Entity windows (off by default) on, so their changes are checkpointed too.
const config: DetectorConfig = {
  ...defaultDetectorConfig,
  entities: networkEntityKinds,
  link: false,
  baselineSample: 50,
  scorer: { ...defaultDetectorConfig.scorer, minRequests: 3 },
};

type Step =
  | { kind: "event"; account: number; ahead: number; behind: number; net: number; tokens: number }
  | { kind: "evaluate" }
  | { kind: "checkpoint"; restart: boolean };

const stepsArb = fc.array(
  fc.oneof(
    {
      weight: 40,
      arbitrary: fc.record({
        kind: fc.constant("event" as const),
        account: fc.integer({ min: 0, max: 24 }),
        // Mostly seconds apart, sometimes hours: idle accounts and entities expire (24 h).
        ahead: fc.oneof(
          { weight: 20, arbitrary: fc.integer({ min: 0, max: 20_000 }) },
          { weight: 1, arbitrary: fc.integer({ min: HOUR, max: 30 * HOUR }) },
        ),
        behind: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 90_000 })),
        net: fc.integer({ min: 0, max: 6 }),
        tokens: fc.integer({ min: 0, max: 3_000 }),
      }),
    },
    { weight: 3, arbitrary: fc.constant({ kind: "evaluate" as const }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("checkpoint" as const), restart: fc.boolean() }) },
  ),
  { minLength: 50, maxLength: 300, size: "max" },
);

function event(s: Extract<Step, { kind: "event" }>, t: number): DetectorEvent {
  return {
    account_id: `acct-${s.account}`,
    event_time_ms: t,
    request_model: "m",
    request_choice_count: 1,
    logprobs: s.net === 0,
    usage_input_tokens: 200,
    usage_output_tokens: s.tokens,
    usage_reasoning_tokens: s.tokens >> 1,
    status_code: s.net === 6 ? 429 : 200,
    response_finish_reason: "stop",
    client_address: `10.${s.net}.${s.account % 3}.9`,
    client_asn: 64_500 + s.net,
    prompt_simhash: new Uint8Array([s.account, s.net, 0, 0, 0, 0, 0, 1]),
    prompt_template_hash: new Uint8Array([s.net % 3, 2, 3, 4, 5, 6, 7, 8]),
    cot_elicitation: s.net / 6,
    api_key_id: `key-${s.account}`,
    org_id: null,
    user_agent: s.net % 2 === 0 ? "python-httpx/0.27" : "curl/8",
    tls_fingerprint: "t13d1516h2_8daaf6152771_b0da82dd1658",
    system_prompt_hash: null,
  };
}

/** What a compacted changelog keeps of a run of `changes`: the latest head, the latest record per key. */
class Kept {
  head: Uint8Array = new Uint8Array(0);
  readonly accounts = new Map<string, Uint8Array>();
  readonly entities = new Map<string, Uint8Array>();

  apply(c: DetectorChanges): void {
    this.head = c.head;
    for (const [map, ch] of [
      [this.accounts, c.accounts],
      [this.entities, c.entities],
    ] as const) {
      for (const k of ch.removed) map.delete(k);
      for (const [k, v] of ch.puts) map.set(k, v);
    }
  }
}

/** Drives `d` through `steps`; `checkpoint(d)` may hand back a detector to continue with. */
function run(
  d: Detector,
  steps: Step[],
  checkpoint: (d: Detector, restart: boolean) => Detector,
): { d: Detector; out: DetectorOutput[] } {
  const out: DetectorOutput[] = [];
  let clock = T0;
  for (const s of steps) {
    if (s.kind === "event") {
      clock += s.ahead;
      d.observe(event(s, clock - s.behind));
      if (d.hasReady) out.push(d.scoreReady(clock));
    } else if (s.kind === "evaluate") out.push(d.evaluate(clock));
    else d = checkpoint(d, s.restart);
  }
  return { d, out };
}

describe("incremental checkpoints (changes → fromChanges)", () => {
  it("restore equals the whole-state restore byte for byte, at every checkpoint of random runs", () => {
    let checked = 0;
    let restarts = 0;
    fc.assert(
      fc.property(stepsArb, (steps) => {
        const kept = new Kept();
        let mark: DetectorMark | null = null;
        run(new Detector(config), steps, (d, restart) => {
          const c = d.changes(mark);
          kept.apply(c);
          d.persisted(c.mark);
          mark = c.mark;
          const whole = Detector.deserialize(d.serialize(), config).serialize();
          const r = Detector.fromChanges(kept.head, kept.accounts, kept.entities, config);
          expect(Buffer.from(r.detector.serialize()).equals(Buffer.from(whole))).toBe(true);
          checked++;
          if (!restart) return d;
          // A restart continues from the restored detector and its mark.
          restarts++;
          mark = r.mark;
          return r.detector;
        });
      }),
      { seed: 17, numRuns: 40 },
    );
    expect(checked).toBeGreaterThan(100);
    expect(restarts).toBeGreaterThan(30);
  }, 30_000); // 40 seeded runs: over 5 s with two benches on the cores

  it("a run restarted from incremental checkpoints emits what one restarted from whole checkpoints does", () => {
    fc.assert(
      fc.property(stepsArb, (steps) => {
        const kept = new Kept();
        let mark: DetectorMark | null = null;
        const inc = run(new Detector(config), steps, (d, restart) => {
          const c = d.changes(mark);
          kept.apply(c);
          d.persisted(c.mark);
          mark = c.mark;
          if (!restart) return d;
          const r = Detector.fromChanges(kept.head, kept.accounts, kept.entities, config);
          mark = r.mark;
          return r.detector;
        });
        const whole = run(new Detector(config), steps, (d, restart) =>
          restart ? Detector.deserialize(d.serialize(), config) : d,
        );
        expect(inc.out).toEqual(whole.out);
        expect(Buffer.from(inc.d.serialize()).equals(Buffer.from(whole.d.serialize()))).toBe(true);
      }),
      { seed: 23, numRuns: 30 },
    );
  });

  it("writes only the accounts updated since the last checkpoint, and deletes the expired ones", () => {
    const d = new Detector(config);
    const s = (account: number) => ({
      kind: "event" as const,
      account,
      ahead: 0,
      behind: 0,
      net: 1,
      tokens: 10,
    });
    for (let a = 0; a < 5; a++) d.observe(event(s(a), T0));
    const first = d.changes(null);
    expect(first.accounts.puts.map(([k]) => k)).toEqual(["acct-0", "acct-1", "acct-2", "acct-3", "acct-4"]);
    d.persisted(first.mark);
    d.observe(event(s(3), T0 + 1_000));
    const second = d.changes(first.mark);
    expect(second.accounts.puts.map(([k]) => k)).toEqual(["acct-3"]);
    expect(second.accounts.removed).toEqual([]);
    d.persisted(second.mark);
    // A day later only acct-3 is touched again; the others expire at the evaluation.
    d.observe(event(s(3), T0 + 25 * HOUR));
    d.evaluate(T0 + 25 * HOUR);
    const third = d.changes(second.mark);
    expect(third.accounts.puts.map(([k]) => k)).toEqual(["acct-3"]);
    expect(third.accounts.removed.sort()).toEqual(["acct-0", "acct-1", "acct-2", "acct-4"]);
    expect(third.entities.removed.length).toBeGreaterThan(0);
  });
});
