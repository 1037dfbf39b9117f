-- Alerts on accounts and campaigns (Alert v1): one row per alert revision.
-- Runs on ClickHouse 18.16 and current releases.
-- A replay carries the same alert_id and revision, so ReplacingMergeTree on (alert_id,
-- revision) collapses it; the latest state of an alert is its highest revision under FINAL.
-- Enums are stored as String: a symbol added to the schema later must not make inserts fail.
-- Top signals and shared fingerprints are parallel arrays (same index = same item).
-- Partitioned by the day the alert opened: a replayed revision is identical, opened_at included,
-- so its copies share a partition (where ReplacingMergeTree collapses them); retention drops
-- whole days (services/sink/src/retention.ts). Revisions may differ: when campaigns merge, the
-- survivor's opened_at moves back to the earliest fragment's, so order revisions by
-- (event_time_ms, revision), never by opened_at.
CREATE TABLE IF NOT EXISTS alerts
(
    alert_id                         String,
    revision                         Int32,
    subject_kind                     String,
    subject_id                       String,
    state                            String,
    severity                         String,
    score                            Float64,
    opened_at                        DateTime,
    opened_at_ms                     UInt64,
    event_time                       DateTime,
    event_time_ms                    UInt64,
    member_count                     Int32,
    top_signal_names                 Array(String),
    top_signal_values                Array(Float64),
    top_signal_baselines             Array(Float64),
    top_signal_z                     Array(Float64),
    top_signal_contributions         Array(Float64),
    shared_fingerprint_kinds         Array(String),
    shared_fingerprint_values        Array(String),
    shared_fingerprint_weights       Array(Float64),
    shared_fingerprint_member_counts Array(Int32),
    summary                          String,
    kafka_topic                      String,
    kafka_partition                  UInt32,
    kafka_offset                     UInt64
)
ENGINE = ReplacingMergeTree
PARTITION BY toDate(opened_at)
ORDER BY (alert_id, revision)
