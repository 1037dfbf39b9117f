import { describe, expect, it } from "vitest";
import { Detector, type DetectorEvent, defaultDetectorConfig } from "./detector.ts";

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

describe("account alerts", () => {
  it("keep their severities at 1, 1.5 and 2 × the opening score", () => {
    const s = defaultDetectorConfig.scorer;
    expect(s.severity).toEqual({ high: s.openScore * 1.5, critical: s.openScore * 2 });
  });
});
