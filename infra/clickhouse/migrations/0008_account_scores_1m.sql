-- Per-minute account score rollup, filled by account_scores_1m_mv from every insert into
-- account_scores. Runs on ClickHouse 18.16 and current releases.
-- minute is the scoring window's end (toStartOfMinute(window_end)). accounts and
-- flagged_accounts count distinct account ids, so a replayed score does not count twice; the
-- quantiles are not replay-safe (a replayed score is sampled again), which only skews them
-- while a replay's copies are a sizeable share of the minute. Query:
--   SELECT minute, uniqMerge(accounts) AS accounts, uniqMerge(flagged_accounts) AS flagged,
--          maxMerge(max_score) AS max_score, quantilesMerge(0.5, 0.9, 0.99)(score_quantiles) AS q
--   FROM account_scores_1m GROUP BY minute ORDER BY minute
CREATE TABLE IF NOT EXISTS account_scores_1m
(
    minute           DateTime,
    accounts         AggregateFunction(uniq, String),
    flagged_accounts AggregateFunction(uniq, String),
    max_score        AggregateFunction(max, Float64),
    score_quantiles  AggregateFunction(quantiles(0.5, 0.9, 0.99), Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(minute)
ORDER BY minute
