import {
  type AccountScore,
  type Alert,
  type ApiRequest,
  accountScoreCodec,
  alertCodec,
  apiRequestCodec,
  type CampaignUpdate,
  ContractError,
  campaignUpdateCodec,
} from "@distillguard/contract";
import { describe, expect, it } from "vitest";
import {
  float,
  toAccountScoreRow,
  toAlertRow,
  toCampaignMemberRows,
  toCampaignUpdateRow,
  toTableRows,
  UnstorableRecordError,
} from "./result-rows.ts";
import { sampled } from "./sampling.ts";

const at = { topic: "scores", partition: 2, offset: "41" };
const signals = [
  { name: "cot_rate_1h", value: 0.92, baseline: 0.03, z: 14.5, contribution: 0.6 },
  {
    name: "template_concentration_24h",
    value: 0.81,
    baseline: 0.12,
    z: Number.POSITIVE_INFINITY,
    contribution: 0.4,
  },
];
const fingerprints = [
  { kind: "template" as const, value: "00ff10a2b3c4d5e6", weight: 3.5, member_count: 412 },
  { kind: "ip_prefix" as const, value: "198.51.100.0/24", weight: 1.25, member_count: 37 },
];

const score: AccountScore = {
  account_id: "acct-7f3a",
  window_end_ms: 1_767_229_200_123,
  score: 8.5,
  flagged: true,
  signals,
  campaign_id: "cmp-0001",
  detector_version: "0.1.0",
};

const alert: Alert = {
  alert_id: "campaign:cmp-0001:1767229200000",
  revision: 2,
  subject_kind: "campaign",
  subject_id: "cmp-0001",
  state: "update",
  severity: "high",
  score: 11.75,
  opened_at_ms: 1_767_229_200_000,
  event_time_ms: 1_767_232_800_500,
  member_count: 3,
  top_signals: signals,
  shared_fingerprints: fingerprints,
  summary: "3 accounts share template 00ff10a2b3c4d5e6",
};

const update: CampaignUpdate = {
  campaign_id: "cmp-0001",
  event_time_ms: 1_767_229_200_000,
  status: "active",
  member_count: 5,
  members: ["acct-7f3a", "acct-11c0", "acct-4d21"],
  members_truncated: true,
  shared_fingerprints: fingerprints,
  requests: 48_210,
  input_tokens: 39_000_000,
  output_tokens: 91_000_000,
  reasoning_tokens: 50_000_000,
  requests_before_first_alert: 12_000,
  output_tokens_before_first_alert: 22_000_000,
  template_concentration: 0.81,
  cot_rate: 0.92,
  score: 11.75,
  signals,
};

function request(overrides: Partial<ApiRequest> = {}): ApiRequest {
  return {
    request_id: "req-01JD8Z6Q4M",
    event_time_ms: 1_767_225_600_123,
    account_id: "acct-7f3a",
    org_id: null,
    api_key_id: "key-2b9e",
    end_user_id: null,
    endpoint: "/v1/chat/completions",
    request_model: "model-large",
    stream: true,
    request_choice_count: 1,
    request_temperature: 0.5,
    request_max_tokens: 4096,
    logprobs: false,
    top_logprobs: null,
    tools_count: 0,
    usage_input_tokens: 812,
    usage_output_tokens: 1904,
    usage_reasoning_tokens: null,
    usage_cached_input_tokens: null,
    status_code: 200,
    latency_ms: 18_250,
    response_finish_reason: "stop",
    client_address: "203.0.113.45",
    client_asn: 64_500,
    client_country: "SG",
    user_agent: null,
    tls_fingerprint: null,
    prompt_simhash: Buffer.from("9c3f5a0012e4b7d1", "hex"),
    prompt_template_hash: Buffer.from("00ff10a2b3c4d5e6", "hex"),
    system_prompt_hash: null,
    cot_elicitation: 0.75,
    prompt_topic: "math",
    prompt_language: "en",
    account_source: "team",
    cache_hit: null,
    question_chars: 412,
    response_chars: 1873,
    response_trace: 0.75,
    response_tool_calls: 0,
    question_head_hash: null,
    question_tail_hash: null,
    account_spend_usd: null,
    ...overrides,
  };
}

describe("result rows", () => {
  it("maps a score with signals as parallel arrays and times as seconds plus ms", () => {
    expect(toAccountScoreRow(score, at)).toEqual({
      account_id: "acct-7f3a",
      window_end: 1_767_229_200,
      window_end_ms: 1_767_229_200_123,
      score: 8.5,
      flagged: 1,
      signal_names: ["cot_rate_1h", "template_concentration_24h"],
      signal_values: [0.92, 0.81],
      signal_baselines: [0.03, 0.12],
      signal_z: [14.5, "inf"],
      signal_contributions: [0.6, 0.4],
      campaign_id: "cmp-0001",
      detector_version: "0.1.0",
      kafka_topic: "scores",
      kafka_partition: 2,
      kafka_offset: "41",
    });
  });

  it("maps an alert with its fingerprints as parallel arrays", () => {
    const row = toAlertRow(alert, at);
    expect(row).toMatchObject({
      alert_id: alert.alert_id,
      revision: 2,
      subject_kind: "campaign",
      state: "update",
      severity: "high",
      opened_at: 1_767_229_200,
      opened_at_ms: 1_767_229_200_000,
      event_time: 1_767_232_800,
      event_time_ms: 1_767_232_800_500,
      top_signal_names: ["cot_rate_1h", "template_concentration_24h"],
      top_signal_z: [14.5, "inf"],
      shared_fingerprint_kinds: ["template", "ip_prefix"],
      shared_fingerprint_values: ["00ff10a2b3c4d5e6", "198.51.100.0/24"],
      shared_fingerprint_weights: [3.5, 1.25],
      shared_fingerprint_member_counts: [412, 37],
      summary: alert.summary,
    });
  });

  it("maps a campaign update to its row and one member row per listed account, heaviest first", () => {
    expect(toCampaignUpdateRow(update, at)).toMatchObject({
      campaign_id: "cmp-0001",
      event_time: 1_767_229_200,
      members: update.members,
      members_truncated: 1,
      member_count: 5,
      requests_before_first_alert: 12_000,
      output_tokens_before_first_alert: 22_000_000,
      signal_names: ["cot_rate_1h", "template_concentration_24h"],
    });
    expect(toCampaignMemberRows(update)).toEqual(
      update.members.map((account_id, member_rank) => ({
        campaign_id: "cmp-0001",
        account_id,
        event_time: 1_767_229_200,
        event_time_ms: 1_767_229_200_000,
        member_rank,
        status: "active",
        members_truncated: 1,
      })),
    );
  });

  it("writes non-finite floats as words every ClickHouse version reads, never as JSON null", () => {
    expect([float(1.5), float(Number.NaN), float(-Infinity), float(Infinity)]).toEqual([
      1.5,
      "nan",
      "-inf",
      "inf",
    ]);
    expect(JSON.stringify(toAccountScoreRow({ ...score, score: Number.NaN }, at))).toContain('"score":"nan"');
  });

  it("refuses times no DateTime column holds", () => {
    expect(() => toAccountScoreRow({ ...score, window_end_ms: -1 }, at)).toThrow(UnstorableRecordError);
    expect(() => toAlertRow({ ...alert, opened_at_ms: 2 ** 32 * 1000 }, at)).toThrow(/opened_at_ms/);
  });
});

describe("toTableRows", () => {
  it("decodes by kind and routes each row to its table", () => {
    const tables = (kind: Parameters<typeof toTableRows>[0], bytes: Buffer) =>
      toTableRows(kind, bytes, at, 1).map((r) => r.table);
    expect(tables("scores", accountScoreCodec.encode(score))).toEqual(["account_scores"]);
    expect(tables("alerts", alertCodec.encode(alert))).toEqual(["alerts"]);
    expect(tables("campaigns", campaignUpdateCodec.encode(update))).toEqual([
      "campaign_updates",
      "campaign_members",
      "campaign_members",
      "campaign_members",
    ]);
    const [raw] = toTableRows("requests", apiRequestCodec.encode(request()), at, 1);
    expect(raw?.row).toMatchObject({ request_id: "req-01JD8Z6Q4M", prompt_simhash: "9c3f5a0012e4b7d1" });
  });

  it("rejects garbage and records of another subject with a ContractError kind", () => {
    const kindOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof ContractError ? e.kind : "other";
      }
      return "none";
    };
    expect(kindOf(() => toTableRows("scores", Buffer.from([0xde, 0xad, 0xbe, 0xef]), at, 1))).toBe(
      "not-single-object",
    );
    expect(kindOf(() => toTableRows("alerts", accountScoreCodec.encode(score), at, 1))).toBe(
      "incompatible-schema",
    );
    expect(kindOf(() => toTableRows("scores", Buffer.alloc(0), at, 1))).toBe("empty");
  });

  it("samples raw requests by request id and checks their unsigned columns", () => {
    const ids = Array.from({ length: 200 }, (_, i) => `req-${i}`);
    const kept = ids.filter(
      (id) =>
        toTableRows("requests", apiRequestCodec.encode(request({ request_id: id })), at, 0.3).length > 0,
    );
    expect(kept).toEqual(ids.filter((id) => sampled(id, 0.3)));
    expect(kept.length).toBeGreaterThan(30);
    expect(kept.length).toBeLessThan(100);
    expect(() => toTableRows("requests", apiRequestCodec.encode(request({ latency_ms: -3 })), at, 1)).toThrow(
      /latency_ms -3/,
    );
  });
});
