// Rows as the report's queries return them (JSON from ClickHouse), turned into plain numbers.
// ClickHouse quotes 64-bit integers in JSON and writes non-finite floats (inf, nan) as null.

export type Json = Record<string, unknown>;

/** A count or a time: 64-bit integers arrive as strings. */
export function int(v: unknown): number {
  const n = typeof v === "string" ? Number(v) : typeof v === "number" ? v : Number.NaN;
  return Number.isFinite(n) ? n : 0;
}

/** A Float64; null (an infinite or NaN value on the server) stays NaN, shown as "n/a". */
export function float(v: unknown): number {
  return typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) : Number.NaN;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : v === null || v === undefined ? "" : String(v);
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export interface SharedFingerprint {
  kind: string;
  value: string;
  weight: number;
  memberCount: number;
}

export interface Signal {
  name: string;
  value: number;
  baseline: number;
  z: number;
  contribution: number;
}

/** A campaign's latest update joined with its latest alert (empty alert fields: never alerted). */
export interface CampaignRow {
  campaignId: string;
  firstSeenMs: number;
  lastUpdateMs: number;
  status: string;
  memberCount: number;
  membersTruncated: boolean;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cotRate: number;
  templateConcentration: number;
  score: number;
  fingerprints: SharedFingerprint[];
  signals: Signal[];
  alertId: string;
  alertState: string;
  severity: string;
  alertSummary: string;
  alertOpenedMs: number;
}

export function toCampaignRow(r: Json): CampaignRow {
  const kinds = arr(r.shared_fingerprint_kinds);
  const values = arr(r.shared_fingerprint_values);
  const weights = arr(r.shared_fingerprint_weights);
  const counts = arr(r.shared_fingerprint_member_counts);
  const names = arr(r.signal_names);
  const sv = arr(r.signal_values);
  const sb = arr(r.signal_baselines);
  const sz = arr(r.signal_z);
  const sc = arr(r.signal_contributions);
  return {
    campaignId: str(r.campaign_id),
    firstSeenMs: int(r.first_seen_ms),
    lastUpdateMs: int(r.last_update_ms),
    status: str(r.status),
    memberCount: int(r.member_count),
    membersTruncated: int(r.members_truncated) === 1,
    requests: int(r.requests),
    inputTokens: int(r.input_tokens),
    outputTokens: int(r.output_tokens),
    reasoningTokens: int(r.reasoning_tokens),
    cotRate: float(r.cot_rate),
    templateConcentration: float(r.template_concentration),
    score: float(r.score),
    fingerprints: kinds.map((k, i) => ({
      kind: str(k),
      value: str(values[i]),
      weight: float(weights[i]),
      memberCount: int(counts[i]),
    })),
    signals: names.map((n, i) => ({
      name: str(n),
      value: float(sv[i]),
      baseline: float(sb[i]),
      z: float(sz[i]),
      contribution: float(sc[i]),
    })),
    alertId: str(r.alert_id),
    alertState: str(r.alert_state),
    severity: str(r.severity),
    alertSummary: str(r.alert_summary),
    alertOpenedMs: int(r.alert_opened_ms),
  };
}

/** One campaign update in the time range: the timeline's points. */
export interface TimelinePoint {
  campaignId: string;
  eventTimeMs: number;
  memberCount: number;
  requests: number;
  outputTokens: number;
  reasoningTokens: number;
}

export function toTimelinePoint(r: Json): TimelinePoint {
  return {
    campaignId: str(r.campaign_id),
    eventTimeMs: int(r.event_time_ms),
    memberCount: int(r.member_count),
    requests: int(r.requests),
    outputTokens: int(r.output_tokens),
    reasoningTokens: int(r.reasoning_tokens),
  };
}

/** One revision of a campaign alert in the time range: the timeline's markers. */
export interface AlertEvent {
  campaignId: string;
  alertId: string;
  revision: number;
  state: string;
  severity: string;
  eventTimeMs: number;
}

export function toAlertEvent(r: Json): AlertEvent {
  return {
    campaignId: str(r.campaign_id),
    alertId: str(r.alert_id),
    revision: int(r.revision),
    state: str(r.state),
    severity: str(r.severity),
    eventTimeMs: int(r.event_time_ms),
  };
}

/** A member account at the campaign's latest update; rank 0 is the heaviest. */
export interface MemberRow {
  campaignId: string;
  accountId: string;
  rank: number;
}

export function toMemberRow(r: Json): MemberRow {
  return { campaignId: str(r.campaign_id), accountId: str(r.account_id), rank: int(r.member_rank) };
}
