import {
  type AccountScore,
  type Alert,
  type ApiRequest,
  accountScoreCodec,
  alertCodec,
  apiRequestCodec,
  type CampaignUpdate,
  type Codec,
  campaignUpdateCodec,
  type SharedFingerprint,
  type Signal,
} from "@distillguard/contract";
import { type ApiRequestRow, toApiRequestRow } from "./rows.ts";
import { peekRequestId, sampled } from "./sampling.ts";

/** Record kinds the result sink reads, one topic each. */
export type ResultKind = "scores" | "alerts" | "campaigns" | "requests";

/** The tables of infra/clickhouse/migrations the result sink writes. */
export const RESULT_TABLES = {
  scores: "account_scores",
  alerts: "alerts",
  campaigns: "campaign_updates",
  members: "campaign_members",
  requests: "api_requests",
} as const;
export type ResultTable = (typeof RESULT_TABLES)[keyof typeof RESULT_TABLES];

export interface KafkaCoordinates {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * A Float64 value as JSONEachRow. JSON has no Infinity or NaN (JSON.stringify writes null, which
 * 18.16 reads as NaN and current servers as 0); every server version reads these quoted words.
 * A robust z-score is infinite whenever the population's spread is zero, so this does happen.
 */
export type Float = number | "inf" | "-inf" | "nan";

export function float(x: number): Float {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return "nan";
  return x > 0 ? "inf" : "-inf";
}

/** A decoded record that no column can hold; dead-lettered like an undecodable one. */
export class UnstorableRecordError extends Error {
  readonly kind = "out-of-range";
  readonly retriable = false;

  constructor(message: string) {
    super(message);
    this.name = "UnstorableRecordError";
  }
}

/** DateTime is unsigned 32-bit seconds on every server version; UInt64 ms must not be negative. */
const MAX_DATETIME_MS = 4_294_967_295_999;

/** The `x` DateTime (unix seconds, see rows.ts) and `x_ms` UInt64 columns of an event time. */
function instant(field: string, ms: number): { seconds: number; ms: number } {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_DATETIME_MS) {
    throw new UnstorableRecordError(`${field} ${ms} is outside 1970..2106, which DateTime columns hold`);
  }
  return { seconds: Math.floor(ms / 1000), ms };
}

interface SignalColumns {
  names: string[];
  values: Float[];
  baselines: Float[];
  z: Float[];
  contributions: Float[];
}

function signalColumns(signals: readonly Signal[]): SignalColumns {
  return {
    names: signals.map((s) => s.name),
    values: signals.map((s) => float(s.value)),
    baselines: signals.map((s) => float(s.baseline)),
    z: signals.map((s) => float(s.z)),
    contributions: signals.map((s) => float(s.contribution)),
  };
}

function fingerprintColumns(fps: readonly SharedFingerprint[]) {
  return {
    shared_fingerprint_kinds: fps.map((f) => f.kind),
    shared_fingerprint_values: fps.map((f) => f.value),
    shared_fingerprint_weights: fps.map((f) => float(f.weight)),
    shared_fingerprint_member_counts: fps.map((f) => f.member_count),
  };
}

function source(at: KafkaCoordinates) {
  return { kafka_topic: at.topic, kafka_partition: at.partition, kafka_offset: at.offset };
}

export interface AccountScoreRow {
  account_id: string;
  window_end: number;
  window_end_ms: number;
  score: Float;
  flagged: 0 | 1;
  signal_names: string[];
  signal_values: Float[];
  signal_baselines: Float[];
  signal_z: Float[];
  signal_contributions: Float[];
  campaign_id: string | null;
  detector_version: string;
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string;
}

export function toAccountScoreRow(s: AccountScore, at: KafkaCoordinates): AccountScoreRow {
  const end = instant("window_end_ms", s.window_end_ms);
  const sig = signalColumns(s.signals);
  return {
    account_id: s.account_id,
    window_end: end.seconds,
    window_end_ms: end.ms,
    score: float(s.score),
    flagged: s.flagged ? 1 : 0,
    signal_names: sig.names,
    signal_values: sig.values,
    signal_baselines: sig.baselines,
    signal_z: sig.z,
    signal_contributions: sig.contributions,
    campaign_id: s.campaign_id,
    detector_version: s.detector_version,
    ...source(at),
  };
}

export interface AlertRow {
  alert_id: string;
  revision: number;
  subject_kind: string;
  subject_id: string;
  state: string;
  severity: string;
  score: Float;
  opened_at: number;
  opened_at_ms: number;
  event_time: number;
  event_time_ms: number;
  member_count: number;
  top_signal_names: string[];
  top_signal_values: Float[];
  top_signal_baselines: Float[];
  top_signal_z: Float[];
  top_signal_contributions: Float[];
  shared_fingerprint_kinds: string[];
  shared_fingerprint_values: string[];
  shared_fingerprint_weights: Float[];
  shared_fingerprint_member_counts: number[];
  summary: string;
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string;
}

export function toAlertRow(a: Alert, at: KafkaCoordinates): AlertRow {
  const opened = instant("opened_at_ms", a.opened_at_ms);
  const time = instant("event_time_ms", a.event_time_ms);
  const sig = signalColumns(a.top_signals);
  return {
    alert_id: a.alert_id,
    revision: a.revision,
    subject_kind: a.subject_kind,
    subject_id: a.subject_id,
    state: a.state,
    severity: a.severity,
    score: float(a.score),
    opened_at: opened.seconds,
    opened_at_ms: opened.ms,
    event_time: time.seconds,
    event_time_ms: time.ms,
    member_count: a.member_count,
    top_signal_names: sig.names,
    top_signal_values: sig.values,
    top_signal_baselines: sig.baselines,
    top_signal_z: sig.z,
    top_signal_contributions: sig.contributions,
    ...fingerprintColumns(a.shared_fingerprints),
    summary: a.summary,
    ...source(at),
  };
}

export interface CampaignUpdateRow {
  campaign_id: string;
  event_time: number;
  event_time_ms: number;
  status: string;
  member_count: number;
  members: string[];
  members_truncated: 0 | 1;
  shared_fingerprint_kinds: string[];
  shared_fingerprint_values: string[];
  shared_fingerprint_weights: Float[];
  shared_fingerprint_member_counts: number[];
  requests: number;
  input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  requests_before_first_alert: number;
  output_tokens_before_first_alert: number;
  template_concentration: Float;
  cot_rate: Float;
  score: Float;
  signal_names: string[];
  signal_values: Float[];
  signal_baselines: Float[];
  signal_z: Float[];
  signal_contributions: Float[];
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string;
}

export function toCampaignUpdateRow(c: CampaignUpdate, at: KafkaCoordinates): CampaignUpdateRow {
  const time = instant("event_time_ms", c.event_time_ms);
  const sig = signalColumns(c.signals);
  return {
    campaign_id: c.campaign_id,
    event_time: time.seconds,
    event_time_ms: time.ms,
    status: c.status,
    member_count: c.member_count,
    members: c.members,
    members_truncated: c.members_truncated ? 1 : 0,
    ...fingerprintColumns(c.shared_fingerprints),
    requests: c.requests,
    input_tokens: c.input_tokens,
    output_tokens: c.output_tokens,
    reasoning_tokens: c.reasoning_tokens,
    requests_before_first_alert: c.requests_before_first_alert,
    output_tokens_before_first_alert: c.output_tokens_before_first_alert,
    template_concentration: float(c.template_concentration),
    cot_rate: float(c.cot_rate),
    score: float(c.score),
    signal_names: sig.names,
    signal_values: sig.values,
    signal_baselines: sig.baselines,
    signal_z: sig.z,
    signal_contributions: sig.contributions,
    ...source(at),
  };
}

export interface CampaignMemberRow {
  campaign_id: string;
  account_id: string;
  event_time: number;
  event_time_ms: number;
  /** Position in the update's member list: 0 is the heaviest member. */
  member_rank: number;
  status: string;
  members_truncated: 0 | 1;
}

export function toCampaignMemberRows(c: CampaignUpdate): CampaignMemberRow[] {
  const time = instant("event_time_ms", c.event_time_ms);
  return c.members.map((account_id, member_rank) => ({
    campaign_id: c.campaign_id,
    account_id,
    event_time: time.seconds,
    event_time_ms: time.ms,
    member_rank,
    status: c.status,
    members_truncated: c.members_truncated ? 1 : 0,
  }));
}

/**
 * api_requests' unsigned columns. 18.16 rejects a negative number there with an error that fails
 * the whole insert on every retry, and silently wraps one too large; either way the record goes
 * to the DLQ instead (a negative latency from gateway clock skew is the likely case).
 */
const UNSIGNED_REQUEST_FIELDS = [
  ["request_choice_count", 0xffff],
  ["request_max_tokens", 0xffffffff],
  ["top_logprobs", 0xff],
  ["tools_count", 0xffff],
  ["usage_input_tokens", 0xffffffff],
  ["usage_output_tokens", 0xffffffff],
  ["usage_reasoning_tokens", 0xffffffff],
  ["usage_cached_input_tokens", 0xffffffff],
  ["status_code", 0xffff],
  ["latency_ms", 0xffffffff],
  ["client_asn", 0xffffffff],
] as const satisfies ReadonlyArray<readonly [keyof ApiRequest, number]>;

function checkUnsigned(r: ApiRequest): void {
  for (const [field, max] of UNSIGNED_REQUEST_FIELDS) {
    const v = r[field];
    if (v !== null && (v < 0 || v > max)) {
      throw new UnstorableRecordError(`${field} ${v} is outside 0..${max}, which its column holds`);
    }
  }
}

export type ResultRow = AccountScoreRow | AlertRow | CampaignUpdateRow | CampaignMemberRow | ApiRequestRow;

export interface TableRow {
  table: ResultTable;
  row: ResultRow;
}

const codecs: { [K in ResultKind]: Codec<unknown> } = {
  scores: accountScoreCodec as Codec<unknown>,
  alerts: alertCodec as Codec<unknown>,
  campaigns: campaignUpdateCodec as Codec<unknown>,
  requests: apiRequestCodec as Codec<unknown>,
};

/**
 * The rows one record becomes: one for a score or an alert, the update plus one per member for
 * a campaign, one or none (sampled out) for a raw request. Throws ContractError for bytes that
 * are not a record of the kind, UnstorableRecordError for a record no column can hold.
 */
export function toTableRows(
  kind: ResultKind,
  value: Uint8Array,
  at: KafkaCoordinates,
  requestSampleRate: number,
): TableRow[] {
  if (kind === "requests") {
    const id = peekRequestId(value);
    if (id !== null && !sampled(id, requestSampleRate)) return [];
  }
  const record = codecs[kind].decode(value);
  switch (kind) {
    case "scores":
      return [{ table: RESULT_TABLES.scores, row: toAccountScoreRow(record as AccountScore, at) }];
    case "alerts":
      return [{ table: RESULT_TABLES.alerts, row: toAlertRow(record as Alert, at) }];
    case "campaigns": {
      const update = record as CampaignUpdate;
      const rows: TableRow[] = [{ table: RESULT_TABLES.campaigns, row: toCampaignUpdateRow(update, at) }];
      for (const row of toCampaignMemberRows(update)) rows.push({ table: RESULT_TABLES.members, row });
      return rows;
    }
    case "requests": {
      const r = record as ApiRequest;
      if (!sampled(r.request_id, requestSampleRate)) return [];
      instant("event_time_ms", r.event_time_ms);
      checkUnsigned(r);
      return [{ table: RESULT_TABLES.requests, row: toApiRequestRow(r, at.topic, at.partition, at.offset) }];
    }
  }
}
