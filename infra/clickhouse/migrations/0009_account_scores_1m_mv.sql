-- Feeds account_scores_1m from each block inserted into account_scores.
-- Runs on ClickHouse 18.16 and current releases (uniqStateIf: see 0007_alerts_1m_mv.sql).
-- Rows inserted into account_scores before this view existed are not rolled up (no backfill).
CREATE MATERIALIZED VIEW IF NOT EXISTS account_scores_1m_mv TO account_scores_1m
AS SELECT
    toStartOfMinute(window_end)                     AS minute,
    uniqState(account_id)                           AS accounts,
    uniqStateIf(account_id, flagged = 1)            AS flagged_accounts,
    maxState(score)                                 AS max_score,
    quantilesState(0.5, 0.9, 0.99)(score)           AS score_quantiles
FROM account_scores
GROUP BY minute
