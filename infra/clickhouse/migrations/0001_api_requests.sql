-- API requests as the sink received them (ApiRequest v2, fingerprints as hex, never text).
-- Runs on ClickHouse 18.16 and current releases.
-- ReplacingMergeTree on the Kafka coordinates: a replayed batch collapses to one row.
CREATE TABLE IF NOT EXISTS api_requests
(
    event_date                Date DEFAULT toDate(event_time),
    event_time                DateTime,
    event_time_ms             UInt64,
    request_id                String,
    account_id                String,
    org_id                    Nullable(String),
    api_key_id                String,
    end_user_id               Nullable(String),
    endpoint                  String,
    request_model             String,
    stream                    UInt8,
    request_choice_count      UInt16,
    request_temperature       Nullable(Float32),
    request_max_tokens        Nullable(UInt32),
    logprobs                  UInt8,
    top_logprobs              Nullable(UInt8),
    tools_count               UInt16,
    usage_input_tokens        UInt32,
    usage_output_tokens       UInt32,
    usage_reasoning_tokens    Nullable(UInt32),
    usage_cached_input_tokens Nullable(UInt32),
    status_code               UInt16,
    latency_ms                UInt32,
    response_finish_reason    Nullable(String),
    client_address            String,
    client_asn                Nullable(UInt32),
    client_country            Nullable(String),
    user_agent                Nullable(String),
    tls_fingerprint           Nullable(String),
    prompt_simhash            String,
    prompt_template_hash      String,
    system_prompt_hash        Nullable(String),
    cot_elicitation           Float32,
    prompt_topic              Nullable(String),
    prompt_language           Nullable(String),
    kafka_topic               String,
    kafka_partition           UInt32,
    kafka_offset              UInt64,
    ingested_at               DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY event_date
ORDER BY (kafka_topic, kafka_partition, kafka_offset)
