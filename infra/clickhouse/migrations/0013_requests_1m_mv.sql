-- Feeds requests_1m from each block inserted into api_requests.
-- Runs on ClickHouse 18.16 and current releases.
-- Token counts are cast to UInt64 first: sumState of a UInt32 column is typed
-- AggregateFunction(sum, UInt32), which the UInt64 columns do not accept. A missing reasoning
-- count adds 0. Rows inserted before this view existed are not rolled up (no backfill).
CREATE MATERIALIZED VIEW IF NOT EXISTS requests_1m_mv TO requests_1m
AS SELECT
    toStartOfMinute(event_time)                             AS minute,
    endpoint,
    request_model,
    uniqState(request_id)                                   AS requests,
    uniqState(account_id)                                   AS accounts,
    sumState(toUInt64(usage_input_tokens))                  AS input_tokens,
    sumState(toUInt64(usage_output_tokens))                 AS output_tokens,
    sumState(toUInt64(ifNull(usage_reasoning_tokens, 0)))   AS reasoning_tokens
FROM api_requests
GROUP BY minute, endpoint, request_model
