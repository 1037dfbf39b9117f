import { createWindowStore } from "@distillguard/windows";
import { describe, expect, it } from "vitest";
import { accountSpec } from "./account-spec.ts";
import { CheckpointLayoutError, Detector, type DetectorEvent, defaultDetectorConfig } from "./detector.ts";

const T0 = Date.UTC(2026, 2, 2);

/** Five accounts sharing one reasoning-trace template from rotating networks: a small hydra. */
function hydraEvents(): DetectorEvent[] {
  const out: DetectorEvent[] = [];
  const template = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  for (let i = 0; i < 600; i++) {
    const a = i % 6;
    out.push({
      account_id: `acct-${a}`,
      event_time_ms: T0 + i * 5_000,
      request_model: "m",
      request_choice_count: 1,
      logprobs: false,
      usage_input_tokens: 200,
      usage_output_tokens: 900,
      usage_reasoning_tokens: 400,
      status_code: 200,
      response_finish_reason: "stop",
      client_address: `10.${i % 7}.${i % 11}.9`,
      client_asn: 64_500 + (i % 5),
      prompt_simhash: new Uint8Array([i & 255, 0, 0, 0, 0, 0, 0, 1]),
      prompt_template_hash: template,
      cot_elicitation: 0.9,
      api_key_id: `key-${a}`,
      org_id: null,
      user_agent: "python-httpx/0.27",
      tls_fingerprint: "t13d1516h2_8daaf6152771_b0da82dd1658",
      system_prompt_hash: null,
    });
  }
  return out;
}

describe("Detector with link: false (the streaming detector's mode)", () => {
  it("keeps account features and scores but feeds and evaluates no linker", () => {
    const linked = new Detector();
    const unlinked = new Detector({ ...defaultDetectorConfig, link: false });
    for (const e of hydraEvents()) {
      linked.observe(e);
      unlinked.observe(e);
    }
    const now = T0 + 600 * 5_000;
    const a = linked.evaluate(now);
    const b = unlinked.evaluate(now);
    expect(linked.linker.activeAccounts).toBe(6);
    expect(unlinked.linker.activeAccounts).toBe(0);
    expect(b.campaigns).toEqual([]);
    expect(b.alerts.filter((x) => x.subject_kind === "campaign")).toEqual([]);
    expect(unlinked.explain("acct-1", now)).toEqual(linked.explain("acct-1", now));
    expect(b.scores.map((s) => [s.account_id, s.score])).toEqual(
      a.scores.map((s) => [s.account_id, s.score]),
    );
  });
});

describe("a checkpoint written by another version", () => {
  it("is refused with CheckpointLayoutError, so the service can rebuild from its input", () => {
    const d = new Detector();
    for (const e of hydraEvents().slice(0, 50)) d.observe(e);
    const bytes = d.serialize();
    expect(Detector.deserialize(bytes).linker.activeAccounts).toBe(6);
    // The same checkpoint with the account windows of a version without "prompted".
    const older = {
      ...accountSpec,
      fields: accountSpec.fields.filter((f) => f.name !== "prompted"),
    };
    const sections: Uint8Array[] = [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let pos = 0; pos < bytes.length; ) {
      const n = view.getUint32(pos);
      sections.push(bytes.subarray(pos + 4, pos + 4 + n));
      pos += 4 + n;
    }
    sections[1] = createWindowStore(older).serialize();
    const out = new Uint8Array(sections.reduce((n, s) => n + 4 + s.length, 0));
    const w = new DataView(out.buffer);
    let pos = 0;
    for (const s of sections) {
      w.setUint32(pos, s.length);
      out.set(s, pos + 4);
      pos += 4 + s.length;
    }
    expect(() => Detector.deserialize(out)).toThrow(CheckpointLayoutError);
    expect(() => Detector.deserialize(out)).toThrow(/lack prompted@1h, prompted@24h\/6h/);
  });
});

describe("scoring an account when it reaches minRequests", () => {
  const event = (account: string, t: number, extraction: boolean, i: number): DetectorEvent => ({
    account_id: account,
    event_time_ms: t,
    request_model: "m",
    request_choice_count: 1,
    logprobs: false,
    usage_input_tokens: 200,
    usage_output_tokens: extraction ? 2_500 : 150 + (i % 7) * 40,
    usage_reasoning_tokens: null,
    status_code: 200,
    response_finish_reason: "stop",
    client_address: extraction ? "10.9.9.9" : `172.16.${i % 200}.4`,
    client_asn: extraction ? 64_900 : 7_922,
    prompt_simhash: new Uint8Array([i & 255, (i >> 8) & 255, 0, 0, 0, 0, 0, 1]),
    prompt_template_hash: new Uint8Array([extraction ? 9 : i & 255, i >> 8, 0, 0, 0, 0, 0, 2]),
    cot_elicitation: extraction ? 0.9 : 0,
    api_key_id: `key-${account}`,
    org_id: null,
    user_agent: "python-httpx/0.27",
    tls_fingerprint: null,
    system_prompt_hash: null,
  });

  /** A detector with an ordinary population measured (150 users, 120 requests each). */
  const warmed = () => {
    const d = new Detector();
    let t = T0;
    for (let i = 0; i < 150 * 120; i++) {
      t = T0 + i * 200;
      d.observe(event(`user-${i % 150}`, t, false, i));
      if (d.hasReady) d.scoreReady(t);
    }
    d.evaluate(t + 1);
    return { d, start: t + 1_000 };
  };

  it("alerts on a heavy account at the request that makes it scorable, not at the next evaluation", () => {
    const { d, start } = warmed();
    const { paceRequests1h: pace } = defaultDetectorConfig.scorer;
    const ready: number[] = [];
    let alertAt = -1;
    for (let k = 0; k < 2 * defaultDetectorConfig.scorer.minRequests; k++) {
      const at = start + k * 2_000;
      d.observe(event("heavy", at, true, k));
      if (!d.hasReady) continue;
      ready.push(k + 1);
      const out = d.scoreReady(at);
      const open = out.alerts.find((a) => a.subject_id === "heavy" && a.state === "open");
      if (open) alertAt = open.opened_at_ms;
      expect(out.campaigns).toEqual([]);
    }
    // Ready at its pace's 30th request in the hour, every 10 requests after it, and at
    // minRequests; alerted at the first: one minute in, where 100 requests took 3.3 and the
    // next 5-minute evaluation could come later still.
    expect(ready).toEqual([30, 40, 50, 60, 70, 80, 90, 100]);
    expect(alertAt).toBe(start + (pace - 1) * 2_000);
  });

  it("judges an account below minRequests only at a pace, and never counts it in the population", () => {
    const min = defaultDetectorConfig.scorer.minRequests;
    const pace = defaultDetectorConfig.scorer.paceRequests1h;
    /** `extractors` accounts each sending requests `gapMs` apart, beside the users. */
    const run = (gapMs: number, extractors: number) => {
      const { d, start } = warmed();
      const alerts = new Set<string>();
      let t = start;
      // Fewer than minRequests in all: only their pace can make them scorable.
      for (let k = 0; k < min - 10; k++) {
        t = start + k * gapMs;
        for (let j = 0; j < extractors; j++) d.observe(event(`extractor-${j}`, t + j, true, k));
        if (d.hasReady) for (const a of d.scoreReady(t + extractors).alerts) alerts.add(a.subject_id);
        // Keep the population active so every evaluation measures it again.
        if (k % 10 === 0) {
          for (let u = 0; u < 150; u++) d.observe(event(`user-${u}`, t + 200 + u, false, k * 150 + u));
          const out = d.evaluate(t + 400);
          for (const a of out.alerts) if (a.state === "open") alerts.add(a.subject_id);
        }
      }
      return { alerts: [...alerts], baseline: d.scorer.baseline("output_per_request") };
    };
    // 30 requests in an hour: judged, and alerted.
    const fast = run(100_000, 1);
    expect(fast.alerts).toEqual(["extractor-0"]);
    // The same requests three minutes apart (20 an hour): not judged before minRequests.
    expect(run(180_000, 1).alerts).toEqual([]);
    expect((60 * 60_000) / 180_000).toBeLessThan(pace);
    // As many paced extractors as users, with 2,500-token answers: the population is still the
    // users alone, so its output baseline is the users' and every extractor stands out.
    const many = run(100_000, 150);
    expect(many.baseline).toEqual(run(100_000, 0).baseline);
    expect(many.alerts).toHaveLength(150);
  });

  it("judges a cold start's first heavy account against the lighter accounts active then, never zeros", () => {
    const min = defaultDetectorConfig.scorer.minRequests;
    const coldStart = (withUsers: boolean) => {
      const d = new Detector();
      const alerts: string[] = [];
      // Five minutes of a cold detector: the extractor reaches minRequests while 40 ordinary
      // users have sent 15 requests each, too few to be scored themselves.
      for (let k = 0; k < min; k++) {
        const at = T0 + k * 2_900;
        d.observe(event("heavy", at, true, k));
        if (withUsers && k < 15 * 40)
          for (let u = 0; u < 6; u++) {
            const i = k * 6 + u;
            if (i < 15 * 40) d.observe(event(`user-${i % 40}`, at + u, false, i));
          }
        if (d.hasReady) for (const a of d.scoreReady(at).alerts) alerts.push(a.subject_id);
      }
      const out = d.evaluate(T0 + 300_000);
      for (const a of out.alerts) if (a.state === "open") alerts.push(a.subject_id);
      return { alerts, score: out.scores.find((x) => x.account_id === "heavy")?.score ?? 0 };
    };
    // Nothing else active: nothing to compare with, so no score (before: compared with zeros).
    expect(coldStart(false)).toEqual({ alerts: [], score: 0 });
    // The lighter accounts are the population until enough are scorable.
    const judged = coldStart(true);
    expect(judged.alerts).toEqual(["heavy"]);
    expect(judged.score).toBeGreaterThan(defaultDetectorConfig.scorer.openScore);
  });
});

describe("account alerts", () => {
  it("keep their severities at 1, 1.5 and 2 × the opening score", () => {
    const s = defaultDetectorConfig.scorer;
    expect(s.severity).toEqual({ high: s.openScore * 1.5, critical: s.openScore * 2 });
  });
});
