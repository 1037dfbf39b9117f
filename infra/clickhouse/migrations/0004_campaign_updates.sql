-- Campaign states from the linker (CampaignUpdate v1): one row per campaign and event time.
-- Runs on ClickHouse 18.16 and current releases.
-- ReplacingMergeTree on (campaign_id, event_time_ms): a replayed update collapses to one row.
-- The campaign's current state is its row with the highest event_time_ms.
-- members holds at most 1000 account ids, heaviest first (members_truncated says when more
-- exist; member_count is the full number). Counters are Int64 as in the schema.
-- Partitioned by the update's day: the key includes event_time_ms, so every copy of a row lands
-- in the same partition, and retention drops whole days (services/sink/src/retention.ts).
CREATE TABLE IF NOT EXISTS campaign_updates
(
    campaign_id                      String,
    event_time                       DateTime,
    event_time_ms                    UInt64,
    status                           String,
    member_count                     Int32,
    members                          Array(String),
    members_truncated                UInt8,
    shared_fingerprint_kinds         Array(String),
    shared_fingerprint_values        Array(String),
    shared_fingerprint_weights       Array(Float64),
    shared_fingerprint_member_counts Array(Int32),
    requests                         Int64,
    input_tokens                     Int64,
    output_tokens                    Int64,
    reasoning_tokens                 Int64,
    requests_before_first_alert      Int64,
    output_tokens_before_first_alert Int64,
    template_concentration           Float64,
    cot_rate                         Float64,
    score                            Float64,
    signal_names                     Array(String),
    signal_values                    Array(Float64),
    signal_baselines                 Array(Float64),
    signal_z                         Array(Float64),
    signal_contributions             Array(Float64),
    kafka_topic                      String,
    kafka_partition                  UInt32,
    kafka_offset                     UInt64
)
ENGINE = ReplacingMergeTree
PARTITION BY toDate(event_time)
ORDER BY (campaign_id, event_time_ms)
