-- Campaign membership: one row per (campaign, account) from every CampaignUpdate.
-- Runs on ClickHouse 18.16 and current releases.
-- ReplacingMergeTree(event_time_ms): under FINAL each (campaign_id, account_id) keeps the row
-- of the latest update that listed it. An account listed by an older update only has left
-- the campaign (or fell out of the 1000 heaviest): current members are the rows whose
-- event_time_ms equals the campaign's latest update time in campaign_updates.
-- Not partitioned: a key's rows must share a partition for FINAL and merges to collapse them,
-- and membership spans any time range.
CREATE TABLE IF NOT EXISTS campaign_members
(
    campaign_id       String,
    account_id        String,
    event_time        DateTime,
    event_time_ms     UInt64,
    member_rank       UInt32,
    status            String,
    members_truncated UInt8
)
ENGINE = ReplacingMergeTree(event_time_ms)
ORDER BY (campaign_id, account_id)
