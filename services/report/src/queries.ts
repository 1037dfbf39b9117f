// The report's SQL, for ClickHouse 18.16 and later: no query parameters (18.16 has none, so
// values are quoted here), one JOIN per SELECT, argMax for the latest state.

/** A ClickHouse string literal: backslash and single quote escaped, nothing else is special. */
export function sqlString(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function sqlList(ids: readonly string[]): string {
  return ids.length === 0 ? "('')" : `(${ids.map(sqlString).join(", ")})`;
}

function ms(x: number): string {
  if (!Number.isSafeInteger(x) || x < 0) throw new RangeError(`not a time in ms: ${x}`);
  return String(x);
}

/** The newest campaign update: `--since 24h` counts back from it. */
export const NEWEST_UPDATE_SQL =
  "SELECT count() AS updates, max(event_time_ms) AS newest_ms FROM campaign_updates";

const LATEST = "event_time_ms";
/** An alert's latest revision; opened_at_ms breaks a tie between a resolved alert and its successor. */
const LATEST_ALERT = "(event_time_ms, opened_at_ms, revision)";

/**
 * Current campaigns: each campaign with an update at or after `sinceMs`, at its latest update
 * (argMax over event_time_ms: replayed duplicates are identical, so no FINAL is needed), with
 * first seen over its whole history, joined with its latest campaign alert. Unless `all`,
 * campaigns whose alert resolved or whose status is closed are left out. Open alerts first, by
 * severity, then score.
 */
export function currentCampaignsSql(o: { sinceMs: number; limit: number; all: boolean }): string {
  const inRange = `(SELECT campaign_id FROM campaign_updates WHERE event_time_ms >= ${ms(o.sinceMs)})`;
  const latest = (col: string, as = col) => `argMax(${col}, ${LATEST}) AS ${as}`;
  const alert = (col: string, as: string) => `argMax(${col}, ${LATEST_ALERT}) AS ${as}`;
  if (!Number.isSafeInteger(o.limit) || o.limit < 1) throw new RangeError(`limit ${o.limit}`);
  return `SELECT
    campaign_id, first_seen_ms, last_update_ms, status, member_count, members_truncated,
    requests, input_tokens, output_tokens, reasoning_tokens, cot_rate, template_concentration, score,
    shared_fingerprint_kinds, shared_fingerprint_values, shared_fingerprint_weights,
    shared_fingerprint_member_counts, signal_names, signal_values, signal_baselines, signal_z,
    signal_contributions, alert_id, alert_state, severity, alert_summary, alert_opened_ms
FROM
(
    SELECT
        campaign_id,
        min(event_time_ms) AS first_seen_ms,
        max(event_time_ms) AS last_update_ms,
        ${[
          "status",
          "member_count",
          "members_truncated",
          "requests",
          "input_tokens",
          "output_tokens",
          "reasoning_tokens",
          "cot_rate",
          "template_concentration",
          "score",
          "shared_fingerprint_kinds",
          "shared_fingerprint_values",
          "shared_fingerprint_weights",
          "shared_fingerprint_member_counts",
          "signal_names",
          "signal_values",
          "signal_baselines",
          "signal_z",
          "signal_contributions",
        ]
          .map((c) => latest(c))
          .join(",\n        ")}
    FROM campaign_updates
    WHERE campaign_id IN ${inRange}
    GROUP BY campaign_id
)
ANY LEFT JOIN
(
    SELECT
        subject_id AS campaign_id,
        ${alert("alert_id", "alert_id")},
        ${alert("state", "alert_state")},
        ${alert("severity", "severity")},
        ${alert("summary", "alert_summary")},
        ${alert("opened_at_ms", "alert_opened_ms")}
    FROM alerts
    WHERE subject_kind = 'campaign' AND subject_id IN ${inRange}
    GROUP BY subject_id
) USING campaign_id
${o.all ? "" : "WHERE alert_state != 'resolved' AND status != 'closed'\n"}ORDER BY
    alert_state = 'resolved',
    multiIf(severity = 'critical', 4, severity = 'high', 3, severity = 'medium', 2, severity = 'low', 1, 0) DESC,
    score DESC,
    member_count DESC,
    campaign_id
LIMIT ${o.limit}`;
}

/** Each campaign's updates in the range, oldest first: member count and cumulative counters. */
export function timelineSql(ids: readonly string[], sinceMs: number): string {
  return `SELECT campaign_id, event_time_ms, member_count, requests, output_tokens, reasoning_tokens
FROM campaign_updates FINAL
WHERE campaign_id IN ${sqlList(ids)} AND event_time_ms >= ${ms(sinceMs)}
ORDER BY campaign_id, event_time_ms`;
}

/** Each campaign alert revision in the range (open, update, resolved), oldest first. */
export function alertEventsSql(ids: readonly string[], sinceMs: number): string {
  return `SELECT subject_id AS campaign_id, alert_id, revision, state, severity, event_time_ms
FROM alerts FINAL
WHERE subject_kind = 'campaign' AND subject_id IN ${sqlList(ids)} AND event_time_ms >= ${ms(sinceMs)}
ORDER BY campaign_id, event_time_ms, revision`;
}

/**
 * The heaviest `top` current members of each campaign: campaign_members rows written by the
 * campaign's latest update (older rows are accounts that left, see migration 0005).
 */
export function topMembersSql(ids: readonly string[], top: number): string {
  const list = sqlList(ids);
  return `SELECT campaign_id, account_id, member_rank
FROM campaign_members FINAL
WHERE campaign_id IN ${list}
  AND (campaign_id, event_time_ms) IN
      (SELECT campaign_id, max(event_time_ms) FROM campaign_updates WHERE campaign_id IN ${list} GROUP BY campaign_id)
  AND member_rank < ${Math.max(0, Math.floor(top))}
ORDER BY campaign_id, member_rank`;
}
