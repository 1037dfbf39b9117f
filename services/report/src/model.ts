import type { AlertEvent, CampaignRow, MemberRow, TimelinePoint } from "./rows.ts";

/** One reported campaign: its current state, its alert, its heaviest members and its history. */
export interface ReportedCampaign extends CampaignRow {
  /** Heaviest current members first (at most the number the report asked for). */
  topMembers: string[];
  timeline: TimelinePoint[];
  alertEvents: AlertEvent[];
}

export interface CampaignReport {
  database: string;
  /** Start of the range in event time (0: the whole history). */
  sinceMs: number;
  /** The newest campaign update in the database (0: none at all). */
  newestUpdateMs: number;
  /** Resolved alerts and closed campaigns included. */
  all: boolean;
  limit: number;
  generatedAtMs: number;
  campaigns: ReportedCampaign[];
}

function groupBy<T extends { campaignId: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.campaignId);
    if (list) list.push(r);
    else out.set(r.campaignId, [r]);
  }
  return out;
}

/** Joins the detail rows to their campaigns, keeping the campaigns' order (the query's ranking). */
export function buildReport(
  header: Omit<CampaignReport, "campaigns">,
  rows: {
    campaigns: readonly CampaignRow[];
    timeline: readonly TimelinePoint[];
    alertEvents: readonly AlertEvent[];
    members: readonly MemberRow[];
  },
): CampaignReport {
  const timeline = groupBy(rows.timeline);
  const alerts = groupBy(rows.alertEvents);
  const members = groupBy(rows.members);
  return {
    ...header,
    campaigns: rows.campaigns.map((c) => ({
      ...c,
      topMembers: [...(members.get(c.campaignId) ?? [])]
        .sort((a, b) => a.rank - b.rank)
        .map((m) => m.accountId),
      timeline: [...(timeline.get(c.campaignId) ?? [])].sort((a, b) => a.eventTimeMs - b.eventTimeMs),
      alertEvents: [...(alerts.get(c.campaignId) ?? [])].sort(
        (a, b) => a.eventTimeMs - b.eventTimeMs || a.revision - b.revision,
      ),
    })),
  };
}

/** Shared fingerprints by how many members share them, then by weight (rarer first). */
export function topFingerprints(c: CampaignRow, n: number) {
  return [...c.fingerprints].sort((a, b) => b.memberCount - a.memberCount || b.weight - a.weight).slice(0, n);
}

/** Signals by their share of the score. NaN contributions (inf on the server) sort last. */
export function topSignals(c: CampaignRow, n: number) {
  const key = (x: number) => (Number.isNaN(x) ? Number.NEGATIVE_INFINITY : x);
  return [...c.signals].sort((a, b) => key(b.contribution) - key(a.contribution)).slice(0, n);
}

/** The row's severity word, or `none` for a campaign that never reached an alert. */
export function severityOf(c: CampaignRow): string {
  return c.alertId === "" ? "none" : c.severity;
}

/** `2026-03-02 01:05` (UTC); the report states the zone once in its headers. */
export function formatTime(ms: number): string {
  return ms > 0 ? new Date(ms).toISOString().slice(0, 16).replace("T", " ") : "—";
}

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });

/** 281, 41.4K, 293.1M: counts at a glance (exact numbers are in the HTML table's title). */
export function formatCount(n: number): string {
  return compact.format(n);
}

export function formatShare(x: number): string {
  return Number.isFinite(x) ? `${Math.round(x * 100)}%` : "n/a";
}

export function formatNumber(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "n/a";
}

const HEX = /^[0-9a-f]{12,}$/i;

/** `template:1a5921fd…`: hashes cut to 8 hex digits, other long values to 16 characters. */
export function shortFingerprint(kind: string, value: string): string {
  const v = HEX.test(value) ? `${value.slice(0, 8)}…` : value.length > 18 ? `${value.slice(0, 16)}…` : value;
  return `${kind}:${v}`;
}
