-- Feeds campaign_activity_1m from each block inserted into campaign_updates.
-- Runs on ClickHouse 18.16 and current releases.
-- Rows inserted into campaign_updates before this view existed are not rolled up (no backfill).
CREATE MATERIALIZED VIEW IF NOT EXISTS campaign_activity_1m_mv TO campaign_activity_1m
AS SELECT
    toStartOfMinute(event_time) AS minute,
    campaign_id,
    maxState(member_count)      AS member_count,
    maxState(requests)          AS requests,
    maxState(input_tokens)      AS input_tokens,
    maxState(output_tokens)     AS output_tokens,
    maxState(reasoning_tokens)  AS reasoning_tokens,
    maxState(score)             AS score
FROM campaign_updates
GROUP BY minute, campaign_id
