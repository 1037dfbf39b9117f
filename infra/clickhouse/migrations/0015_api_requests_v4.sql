-- ApiRequest v4: the question's frame, the template hashes of its first and last paragraphs
-- (hex, like the other hashes): where a campaign's wrapper repeats while its payload varies.
-- Nullable: rows written before v4, and questions of one paragraph, carry none.
ALTER TABLE api_requests
    ADD COLUMN question_head_hash Nullable(String),
    ADD COLUMN question_tail_hash Nullable(String)
