-- ApiRequest v5: what the account had spent (USD) before the request, as the gateway logged it
-- (LiteLLM's team, user or key spend, whichever the account is): read as the account's tenure.
-- Nullable: rows written before v5, and accounts whose spend the gateway does not log, carry none.
ALTER TABLE api_requests
    ADD COLUMN account_spend_usd Nullable(Float64)
