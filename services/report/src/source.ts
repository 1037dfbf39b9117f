import type { ClickHouseClient } from "@distillguard/runtime";
import { buildReport, type CampaignReport } from "./model.ts";
import {
  alertEventsSql,
  currentCampaignsSql,
  NEWEST_UPDATE_SQL,
  timelineSql,
  topMembersSql,
} from "./queries.ts";
import { int, type Json, toAlertEvent, toCampaignRow, toMemberRow, toTimelinePoint } from "./rows.ts";
import { type Since, sinceMs } from "./settings.ts";

async function rows(client: ClickHouseClient, query: string): Promise<Json[]> {
  const rs = await client.query({ query, format: "JSONEachRow" });
  return rs.json<Json>();
}

/** How many of each campaign's heaviest members the report names. */
export const TOP_MEMBERS = 10;

/**
 * The report's data from the database `client` is bound to: five small read-only queries (the
 * newest update, the ranked current campaigns, then timelines, alert revisions and members of
 * those campaigns only).
 */
export async function readReport(
  client: ClickHouseClient,
  o: { database: string; since: Since; limit: number; all: boolean; nowMs: number },
): Promise<CampaignReport> {
  const [newest] = await rows(client, NEWEST_UPDATE_SQL);
  const updates = int(newest?.updates);
  const newestUpdateMs = updates > 0 ? int(newest?.newest_ms) : 0;
  const from = sinceMs(o.since, newestUpdateMs);
  const header = {
    database: o.database,
    sinceMs: from,
    newestUpdateMs,
    all: o.all,
    limit: o.limit,
    generatedAtMs: o.nowMs,
  };
  const empty = { campaigns: [], timeline: [], alertEvents: [], members: [] };
  if (updates === 0) return buildReport(header, empty);
  const campaigns = (
    await rows(client, currentCampaignsSql({ sinceMs: from, limit: o.limit, all: o.all }))
  ).map(toCampaignRow);
  if (campaigns.length === 0) return buildReport(header, empty);
  const ids = campaigns.map((c) => c.campaignId);
  const [timeline, alertEvents, members] = await Promise.all([
    rows(client, timelineSql(ids, from)),
    rows(client, alertEventsSql(ids, from)),
    rows(client, topMembersSql(ids, TOP_MEMBERS)),
  ]);
  return buildReport(header, {
    campaigns,
    timeline: timeline.map(toTimelinePoint),
    alertEvents: alertEvents.map(toAlertEvent),
    members: members.map(toMemberRow),
  });
}
