-- Per-minute campaign activity, filled by campaign_activity_1m_mv from every insert into
-- campaign_updates. Runs on ClickHouse 18.16 and current releases.
-- minute is the update's event time (toStartOfMinute(event_time)). The linker's counters
-- (requests, tokens) are cumulative since the campaign was found, so max is both the value at
-- the end of the minute and replay-safe; the volume within a window is the difference of two
-- maxima. Query:
--   SELECT minute, maxMerge(member_count) AS members, maxMerge(requests) AS requests,
--          maxMerge(output_tokens) AS output_tokens, maxMerge(score) AS score
--   FROM campaign_activity_1m WHERE campaign_id = 'cmp-0001' GROUP BY minute ORDER BY minute
CREATE TABLE IF NOT EXISTS campaign_activity_1m
(
    minute           DateTime,
    campaign_id      String,
    member_count     AggregateFunction(max, Int32),
    requests         AggregateFunction(max, Int64),
    input_tokens     AggregateFunction(max, Int64),
    output_tokens    AggregateFunction(max, Int64),
    reasoning_tokens AggregateFunction(max, Int64),
    score            AggregateFunction(max, Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(minute)
ORDER BY (campaign_id, minute)
