-- Feeds alerts_1m from each block inserted into alerts (the sink's JSONEachRow inserts).
-- Runs on ClickHouse 18.16 and current releases.
-- uniqStateIf, not uniqIfState: the latter is typed AggregateFunction(uniqIf, String, UInt8) (on
-- 18.16 and 26.x alike), which the column does not accept; -If around -State keeps uniq's state.
-- Rows inserted into alerts before this view existed are not rolled up (no backfill).
CREATE MATERIALIZED VIEW IF NOT EXISTS alerts_1m_mv TO alerts_1m
AS SELECT
    toStartOfMinute(event_time)             AS minute,
    subject_kind,
    severity,
    uniqState(alert_id)                     AS alerts,
    uniqStateIf(alert_id, state = 'open')   AS opened,
    maxState(score)                         AS max_score
FROM alerts
GROUP BY minute, subject_kind, severity
