-- Raw API requests as the sink received them (walking skeleton: the subset of ApiRequest v1
-- the skeleton carries). Runs on ClickHouse 18.16 and current releases.
-- ReplacingMergeTree on the Kafka coordinates: a replayed batch collapses to one row.
CREATE TABLE IF NOT EXISTS raw_requests
(
    event_date      Date DEFAULT toDate(event_time),
    event_time      DateTime,
    event_time_ms   UInt64,
    request_id      String,
    account_id      String,
    model           String,
    input_tokens    UInt32,
    output_tokens   UInt32,
    kafka_topic     String,
    kafka_partition UInt32,
    kafka_offset    UInt64,
    ingested_at     DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY event_date
ORDER BY (kafka_topic, kafka_partition, kafka_offset)
