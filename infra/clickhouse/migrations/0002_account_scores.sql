-- Detector scores (AccountScore v1): one row per account and window end.
-- Runs on ClickHouse 18.16 and current releases.
-- ReplacingMergeTree on the score's own key, so a replayed or re-produced score collapses to
-- one row (query with FINAL to see exactly one before the merge). Signals are parallel arrays:
-- signal_names[i] goes with signal_values[i], signal_baselines[i], signal_z[i] and
-- signal_contributions[i] (ARRAY JOIN them to get one row per signal).
-- Partitioned by the day the window ends: the key includes window_end_ms, so every copy of a
-- row lands in the same partition, which is where ReplacingMergeTree collapses them.
CREATE TABLE IF NOT EXISTS account_scores
(
    account_id           String,
    window_end           DateTime,
    window_end_ms        UInt64,
    score                Float64,
    flagged              UInt8,
    signal_names         Array(String),
    signal_values        Array(Float64),
    signal_baselines     Array(Float64),
    signal_z             Array(Float64),
    signal_contributions Array(Float64),
    campaign_id          Nullable(String),
    detector_version     String,
    kafka_topic          String,
    kafka_partition      UInt32,
    kafka_offset         UInt64
)
ENGINE = ReplacingMergeTree
PARTITION BY toDate(window_end)
ORDER BY (account_id, window_end_ms)
