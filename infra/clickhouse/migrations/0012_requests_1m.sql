-- Per-minute traffic rollup of the stored (sampled) raw requests, filled by requests_1m_mv from
-- every insert into api_requests. Runs on ClickHouse 18.16 and current releases.
-- Covers only what the sink stores: DG_SINK_REQUEST_SAMPLE_RATE of requests (scale up by
-- 1/rate for totals). requests and accounts count distinct ids, so they are replay-safe; the
-- token sums are not: a replayed insert adds its tokens again on servers without insert
-- deduplication (18.16; later releases drop a retried insert by its deduplication token, but
-- not a replay of records the sink had not committed). Query:
--   SELECT minute, endpoint, uniqMerge(requests) AS requests, uniqMerge(accounts) AS accounts,
--          sumMerge(output_tokens) AS output_tokens
--   FROM requests_1m GROUP BY minute, endpoint ORDER BY minute
CREATE TABLE IF NOT EXISTS requests_1m
(
    minute           DateTime,
    endpoint         String,
    request_model    String,
    requests         AggregateFunction(uniq, String),
    accounts         AggregateFunction(uniq, String),
    input_tokens     AggregateFunction(sum, UInt64),
    output_tokens    AggregateFunction(sum, UInt64),
    reasoning_tokens AggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(minute)
ORDER BY (minute, endpoint, request_model)
