-- ApiRequest v3: what the answer carried (never its text), where account_id came from, and
-- cache hits. Nullable: rows written before v3, and records without an answer, carry none.
-- 18.16 has no ADD COLUMN IF NOT EXISTS: applyMigrations takes "column already exists" as this
-- file done (two sinks migrating at once), on 18.16 and current releases alike.
ALTER TABLE api_requests
    ADD COLUMN account_source      Nullable(String),
    ADD COLUMN cache_hit           Nullable(UInt8),
    ADD COLUMN question_chars      Nullable(UInt32),
    ADD COLUMN response_chars      Nullable(UInt32),
    ADD COLUMN response_trace      Nullable(Float32),
    ADD COLUMN response_tool_calls Nullable(UInt16)
