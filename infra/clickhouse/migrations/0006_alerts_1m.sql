-- Per-minute alert rollup, filled by alerts_1m_mv from every insert into alerts.
-- Runs on ClickHouse 18.16 and current releases.
-- minute is the alert revision's event time (toStartOfMinute(event_time)). A replay inserts the
-- same revisions again, so the states are replay-safe: distinct alert ids, not row counts, and
-- maxima. Query with the -Merge combinators and GROUP BY (parts are merged in the background):
--   SELECT minute, severity, uniqMerge(alerts) AS alerts, uniqMerge(opened) AS opened,
--          maxMerge(max_score) AS max_score
--   FROM alerts_1m GROUP BY minute, severity ORDER BY minute
-- alerts: distinct alerts with a revision in the minute; opened: those whose revision there was
-- the opening one (state = 'open'). uniq is approximate above ~65k distinct values per group.
CREATE TABLE IF NOT EXISTS alerts_1m
(
    minute       DateTime,
    subject_kind String,
    severity     String,
    alerts       AggregateFunction(uniq, String),
    opened       AggregateFunction(uniq, String),
    max_score    AggregateFunction(max, Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(minute)
ORDER BY (minute, subject_kind, severity)
