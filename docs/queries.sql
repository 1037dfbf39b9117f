-- Investigation queries over the Distillguard result tables (infra/clickhouse/migrations).
--
-- Run a block against the services' database (CLICKHOUSE_DATABASE, default `distillguard`) in
-- clickhouse-client, or over HTTP, one statement per request:
--   curl 'http://127.0.0.1:8123/?database=distillguard&default_format=PrettyCompact' --data-binary @block.sql
-- Each block starts with `-- name:`; its comment says what it answers and which parameters to
-- edit.
--
-- Parameters: ClickHouse 18.16 has no query parameters ({x:Type}) and does not carry WITH
-- aliases into subqueries, so each parameter is a literal marked in place as
--   /*param:name*/ <literal>
-- Edit every occurrence of a parameter (they carry the same value). A campaign or fingerprint
-- parameter defaults to a subquery that picks the highest-scoring campaign, so every query
-- returns something on any data; replace it with a literal such as 'cmp_…' to pick your own.
--
-- "Now" is the newest event time in the data, not the wall clock: replayed logs (and the demo)
-- carry old event times, and live the two differ by the pipeline's lag. Whether results are
-- fresh at all is the Grafana rule `dg-results-stale`'s job.
--
-- Replays: the sink may store a record twice until ClickHouse merges the copies away. These
-- queries read the latest state per key with argMax (or FINAL where whole rows are needed)
-- and count distinct ids, so a copy is never counted twice. They run on ClickHouse 18.16 and
-- current releases (CI runs each on both).

-- name: top_campaigns_now
-- Which campaigns are active right now, strongest first: every campaign updated within the
-- lookback, with its current state (latest update), its extracted tokens so far, its strongest
-- signal and the severity of its latest alert ('' when it never alerted).
-- param: lookback_hours — how recent a campaign's last update must be
-- param: max_rows — how many campaigns to list
SELECT
    campaign_id,
    status,
    members,
    round(score, 2) AS score,
    requests,
    extracted_tokens,
    top_signal,
    alert_severity,
    alert_state,
    first_seen,
    last_update
FROM
(
    SELECT
        campaign_id,
        argMax(status, event_time_ms) AS status,
        argMax(member_count, event_time_ms) AS members,
        argMax(score, event_time_ms) AS score,
        argMax(requests, event_time_ms) AS requests,
        argMax(output_tokens, event_time_ms) + argMax(reasoning_tokens, event_time_ms) AS extracted_tokens,
        argMax(signal_names, event_time_ms)[1] AS top_signal,
        min(event_time) AS first_seen,
        max(event_time) AS last_update
    FROM campaign_updates
    WHERE campaign_id IN
    (
        SELECT campaign_id
        FROM campaign_updates
        WHERE event_time >= (SELECT max(event_time) FROM campaign_updates) - INTERVAL /*param:lookback_hours*/ 1 HOUR
    )
    GROUP BY campaign_id
) AS campaign_state
ANY LEFT JOIN
(
    -- The latest alert per campaign: a campaign can alert, resolve and alert again.
    SELECT
        subject_id AS campaign_id,
        argMax(severity, tuple(event_time_ms, revision)) AS alert_severity,
        argMax(state, tuple(event_time_ms, revision)) AS alert_state
    FROM alerts
    WHERE subject_kind = 'campaign'
    GROUP BY subject_id
) AS latest_alert USING campaign_id
ORDER BY score DESC, campaign_id
LIMIT /*param:max_rows*/ 20;

-- name: campaign_timeline
-- How one campaign developed: each linker update (status, members, score, cumulative requests
-- and extracted tokens, signals) interleaved with each revision of its alerts, in time order.
-- param: campaign_id — the campaign ('cmp_…'); default: the highest-scoring campaign
SELECT
    at,
    event,
    status,
    severity,
    members,
    round(score, 2) AS score,
    requests,
    extracted_tokens,
    detail
FROM
(
    SELECT
        event_time AS at,
        'campaign update' AS event,
        status,
        '' AS severity,
        member_count AS members,
        score,
        requests,
        output_tokens + reasoning_tokens AS extracted_tokens,
        arrayStringConcat(
            arrayMap((n, v) -> concat(n, '=', toString(round(v, 2))), signal_names, signal_values), ', '
        ) AS detail
    FROM campaign_updates FINAL
    WHERE campaign_id = /*param:campaign_id*/ (SELECT argMax(campaign_id, score) FROM campaign_updates)
    UNION ALL
    SELECT
        event_time AS at,
        concat('alert ', state) AS event,
        '' AS status,
        severity,
        member_count AS members,
        score,
        toInt64(0) AS requests,
        toInt64(0) AS extracted_tokens,
        summary AS detail
    FROM alerts FINAL
    WHERE subject_kind = 'campaign'
      AND subject_id = /*param:campaign_id*/ (SELECT argMax(campaign_id, score) FROM campaign_updates)
)
ORDER BY at, event DESC;

-- name: campaign_member_signals
-- Who is in a campaign now and why each account scored: one row per current member and signal
-- of its latest account score (the detector's parallel signal arrays, ARRAY JOINed), heaviest
-- member first, strongest signal first. Members without a score yet appear once, with an
-- empty signal.
-- param: campaign_id — the campaign ('cmp_…'); default: the highest-scoring campaign
SELECT
    member_rank,
    account_id,
    last_window_end,
    round(account_score, 2) AS score,
    flagged,
    signal,
    round(signal_value, 3) AS value,
    round(signal_baseline, 3) AS baseline,
    round(signal_z, 2) AS z,
    round(signal_contribution, 3) AS contribution
FROM
(
    SELECT *
    FROM
    (
        -- Current members: rows written by the campaign's latest update (campaign_members).
        SELECT account_id, member_rank
        FROM campaign_members FINAL
        WHERE campaign_id = /*param:campaign_id*/ (SELECT argMax(campaign_id, score) FROM campaign_updates)
          AND event_time_ms =
          (
              SELECT max(event_time_ms)
              FROM campaign_updates
              WHERE campaign_id = /*param:campaign_id*/ (SELECT argMax(campaign_id, score) FROM campaign_updates)
          )
    ) AS current_members
    ANY LEFT JOIN
    (
        SELECT
            account_id,
            max(window_end) AS last_window_end,
            argMax(score, window_end_ms) AS account_score,
            argMax(flagged, window_end_ms) AS flagged,
            argMax(signal_names, window_end_ms) AS names,
            argMax(signal_values, window_end_ms) AS vals,
            argMax(signal_baselines, window_end_ms) AS baselines,
            argMax(signal_z, window_end_ms) AS zs,
            argMax(signal_contributions, window_end_ms) AS contributions
        FROM account_scores
        WHERE account_id IN
        (
            SELECT account_id
            FROM campaign_members
            WHERE campaign_id = /*param:campaign_id*/ (SELECT argMax(campaign_id, score) FROM campaign_updates)
        )
        GROUP BY account_id
    ) AS latest_score USING account_id
)
LEFT ARRAY JOIN
    names AS signal,
    vals AS signal_value,
    baselines AS signal_baseline,
    zs AS signal_z,
    contributions AS signal_contribution
ORDER BY member_rank, signal_contribution DESC;

-- name: campaign_shared_fingerprints
-- What a campaign's accounts have in common, and who else uses it: the shared fingerprints of
-- the campaign's latest update (ARRAY JOIN of its parallel arrays: kind, value, IDF weight,
-- members sharing it), each with the accounts seen using it in the sampled raw requests and
-- how many of those are not members. Non-members on a fingerprint are candidates to look at:
-- accounts the linker has not joined yet, or evidence the fingerprint is common (a NAT, an SDK).
-- Sampled requests are a share of traffic (DG_SINK_REQUEST_SAMPLE_RATE): counts are lower bounds.
-- param: campaign_id — the campaign ('cmp_…'); default: the highest-scoring campaign
SELECT
    kind,
    value,
    round(weight, 2) AS weight,
    members_sharing,
    sampled_accounts,
    sampled_non_members,
    sampled_requests
FROM
(
    SELECT kind, value, weight, members_sharing
    FROM
    (
        SELECT
            argMax(shared_fingerprint_kinds, event_time_ms) AS kinds,
            argMax(shared_fingerprint_values, event_time_ms) AS fp_values,
            argMax(shared_fingerprint_weights, event_time_ms) AS weights,
            argMax(shared_fingerprint_member_counts, event_time_ms) AS member_counts
        FROM campaign_updates
        WHERE campaign_id = /*param:campaign_id*/ (SELECT argMax(campaign_id, score) FROM campaign_updates)
    )
    ARRAY JOIN
        kinds AS kind,
        fp_values AS value,
        weights AS weight,
        member_counts AS members_sharing
) AS campaign_fingerprints
ANY LEFT JOIN
(
    SELECT
        kind,
        value,
        uniqExact(account_id) AS sampled_accounts,
        uniqExactIf(account_id, account_id NOT IN
        (
            SELECT account_id
            FROM campaign_members FINAL
            WHERE campaign_id = /*param:campaign_id*/ (SELECT argMax(campaign_id, score) FROM campaign_updates)
              AND event_time_ms =
              (
                  SELECT max(event_time_ms)
                  FROM campaign_updates
                  WHERE campaign_id = /*param:campaign_id*/ (SELECT argMax(campaign_id, score) FROM campaign_updates)
              )
        )) AS sampled_non_members,
        uniqExact(request_id) AS sampled_requests
    FROM api_requests
    -- The fingerprints of a request, in the linker's formats: template and system-prompt hashes as
    -- hex, IPv4 /24 as a.b.c.0/24, IPv6 /48 as 2001:db8:7::/48 (the ingest writes addresses in
    -- canonical text, ::ffff: clients as IPv4; anything else, e.g. rows from before it did, is no prefix).
    ARRAY JOIN
        ['ip_prefix', 'asn', 'tls', 'user_agent', 'template', 'system_prompt'] AS kind,
        [
            -- Every row goes through IPv6StringToNum (IPv4 as ::ffff:a.b.c.d, anything else as
            -- ::): multiIf evaluates all its branches on current servers, and their
            -- IPv4StringToNum throws on IPv6 text.
            multiIf(match(client_address, '^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$'),
                    concat(replaceOne(cutIPv6(IPv6StringToNum(multiIf(
                        match(client_address, '^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$'), concat('::ffff:', client_address),
                        match(client_address, '^[0-9a-f.]*:[0-9a-f:.]*$'), client_address, '::')), 0, 1), '::ffff:', ''), '/24'),
                    match(client_address, '^[0-9a-f.]*:[0-9a-f:.]*$'),
                    concat(cutIPv6(IPv6StringToNum(multiIf(
                        match(client_address, '^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$'), concat('::ffff:', client_address),
                        match(client_address, '^[0-9a-f.]*:[0-9a-f:.]*$'), client_address, '::')), 10, 0), '/48'),
                    ''),
            ifNull(toString(client_asn), ''),
            ifNull(tls_fingerprint, ''),
            ifNull(user_agent, ''),
            prompt_template_hash,
            ifNull(system_prompt_hash, '')
        ] AS value
    WHERE (kind, value) IN
    (
        SELECT kind, value
        FROM
        (
            SELECT
                argMax(shared_fingerprint_kinds, event_time_ms) AS kinds,
                argMax(shared_fingerprint_values, event_time_ms) AS fp_values
            FROM campaign_updates
            WHERE campaign_id = /*param:campaign_id*/ (SELECT argMax(campaign_id, score) FROM campaign_updates)
        )
        ARRAY JOIN kinds AS kind, fp_values AS value
    )
    GROUP BY kind, value
) AS sampled USING kind, value
ORDER BY members_sharing DESC, kind, value;

-- name: accounts_sharing_fingerprint
-- Every account seen in the sampled raw requests with one fingerprint — an IPv4 /24 or IPv6 /48
-- ('ip_prefix', 'a.b.c.0/24' or '2001:db8:7::/48'), an ASN ('asn', '64500'), a TLS JA4 ('tls'), a user agent
-- ('user_agent'), a prompt template or system-prompt hash ('template' / 'system_prompt', hex) —
-- with how much it sent, from how many addresses and ASNs, and what the detector and linker
-- currently say about it (latest account score; campaign '' when unlinked).
-- param: fingerprint_kind — one of the kinds above; default: the top campaign's first shared fingerprint
-- param: fingerprint_value — the value in that kind's format; default: as above
SELECT
    account_id,
    sampled_requests,
    addresses,
    asns,
    user_agents,
    first_seen,
    last_seen,
    campaign_id,
    flagged,
    round(score, 2) AS score
FROM
(
    SELECT
        account_id,
        uniqExact(request_id) AS sampled_requests,
        uniqExact(client_address) AS addresses,
        uniqExact(client_asn) AS asns,
        arraySort(groupUniqArray(ifNull(user_agent, ''))) AS user_agents,
        min(event_time) AS first_seen,
        max(event_time) AS last_seen
    FROM api_requests
    ARRAY JOIN
        ['ip_prefix', 'asn', 'tls', 'user_agent', 'template', 'system_prompt'] AS kind,
        [
            -- Every row goes through IPv6StringToNum (IPv4 as ::ffff:a.b.c.d, anything else as
            -- ::): multiIf evaluates all its branches on current servers, and their
            -- IPv4StringToNum throws on IPv6 text.
            multiIf(match(client_address, '^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$'),
                    concat(replaceOne(cutIPv6(IPv6StringToNum(multiIf(
                        match(client_address, '^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$'), concat('::ffff:', client_address),
                        match(client_address, '^[0-9a-f.]*:[0-9a-f:.]*$'), client_address, '::')), 0, 1), '::ffff:', ''), '/24'),
                    match(client_address, '^[0-9a-f.]*:[0-9a-f:.]*$'),
                    concat(cutIPv6(IPv6StringToNum(multiIf(
                        match(client_address, '^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$'), concat('::ffff:', client_address),
                        match(client_address, '^[0-9a-f.]*:[0-9a-f:.]*$'), client_address, '::')), 10, 0), '/48'),
                    ''),
            ifNull(toString(client_asn), ''),
            ifNull(tls_fingerprint, ''),
            ifNull(user_agent, ''),
            prompt_template_hash,
            ifNull(system_prompt_hash, '')
        ] AS value
    WHERE kind = /*param:fingerprint_kind*/ (SELECT argMax(shared_fingerprint_kinds[1], score) FROM campaign_updates)
      AND value = /*param:fingerprint_value*/ (SELECT argMax(shared_fingerprint_values[1], score) FROM campaign_updates)
    GROUP BY account_id
) AS sharing
ANY LEFT JOIN
(
    SELECT
        account_id,
        -- ifNull: argMax skips NULLs, which would report the last campaign an account left.
        argMax(ifNull(campaign_id, ''), window_end_ms) AS campaign_id,
        argMax(flagged, window_end_ms) AS flagged,
        argMax(score, window_end_ms) AS score
    FROM account_scores
    GROUP BY account_id
) AS latest_score USING account_id
ORDER BY sampled_requests DESC, account_id;

-- name: extracted_tokens_per_campaign
-- How much each campaign has extracted: its cumulative requests, output and hidden reasoning
-- tokens at its latest update, how much of that came before its first alert (what the alert
-- could not prevent) and after it (what stopping it at the alert would have saved), for every
-- campaign updated within the lookback, largest first. input_tokens is 0 while the linker does
-- not count prompt tokens.
-- param: lookback_days — how recent a campaign's last update must be
SELECT
    campaign_id,
    status,
    members,
    requests,
    input_tokens,
    output_tokens,
    reasoning_tokens,
    output_tokens + reasoning_tokens AS extracted_tokens,
    requests_before_first_alert,
    output_tokens_before_first_alert,
    output_tokens - output_tokens_before_first_alert AS output_tokens_after_first_alert,
    round(output_tokens / greatest(requests, 1), 1) AS output_per_request,
    first_seen,
    last_update
FROM
(
    SELECT
        campaign_id,
        argMax(status, event_time_ms) AS status,
        argMax(member_count, event_time_ms) AS members,
        argMax(requests, event_time_ms) AS requests,
        argMax(input_tokens, event_time_ms) AS input_tokens,
        argMax(output_tokens, event_time_ms) AS output_tokens,
        argMax(reasoning_tokens, event_time_ms) AS reasoning_tokens,
        argMax(requests_before_first_alert, event_time_ms) AS requests_before_first_alert,
        argMax(output_tokens_before_first_alert, event_time_ms) AS output_tokens_before_first_alert,
        min(event_time) AS first_seen,
        max(event_time) AS last_update
    FROM campaign_updates
    WHERE campaign_id IN
    (
        SELECT campaign_id
        FROM campaign_updates
        WHERE event_time >= (SELECT max(event_time) FROM campaign_updates) - INTERVAL /*param:lookback_days*/ 7 DAY
    )
    GROUP BY campaign_id
)
ORDER BY extracted_tokens DESC, campaign_id;

-- name: false_positive_review_queue
-- Flagged accounts (latest score flagged, or an account alert still open) that are weakly tied to
-- extraction, most likely false positives first: unlinked accounts whose score comes from volume
-- alone (extraction signals — reasoning elicitation, reasoning tokens, logprobs, n > 1, template
-- reuse — carry under the threshold share of it), then other unlinked accounts, then members of
-- small campaigns; lowest score first within each. Confirm or dismiss each with the signals shown.
-- param: lookback_hours — only accounts scored within this many hours
-- param: small_campaign_members — campaigns up to this many members count as small
-- param: extraction_share_threshold — below this share of extraction signals an account looks benign
SELECT
    account_id,
    multiIf(
        campaign_id = '' AND extraction_share < /*param:extraction_share_threshold*/ 0.2, 'volume only, no campaign',
        campaign_id = '', 'no campaign',
        'small campaign'
    ) AS reason,
    round(account_score, 2) AS score,
    last_window_end,
    top_signal,
    round(top_contribution, 2) AS top_contribution,
    round(extraction_share, 2) AS extraction_share,
    campaign_id,
    campaign_members,
    alert_id,
    alert_severity,
    alert_state
FROM
(
    SELECT *
    FROM
    (
        SELECT *
        FROM
        (
            SELECT
                account_id,
                last_window_end,
                account_score,
                flagged,
                campaign_id,
                names[indexOf(contributions, arrayReduce('max', contributions))] AS top_signal,
                arrayReduce('max', contributions) AS top_contribution,
                arraySum(arrayMap(
                    (n, c) -> if(has(['cot_rate', 'cot_rate_1h', 'reasoning_per_request', 'logprobs_rate',
                                      'multi_choice_rate', 'template_top_share'], n), c, 0),
                    names, contributions)) AS extraction_share
            FROM
            (
                SELECT
                    account_id,
                    max(window_end) AS last_window_end,
                    argMax(score, window_end_ms) AS account_score,
                    argMax(flagged, window_end_ms) AS flagged,
                    argMax(ifNull(campaign_id, ''), window_end_ms) AS campaign_id,
                    argMax(signal_names, window_end_ms) AS names,
                    argMax(signal_contributions, window_end_ms) AS contributions
                FROM account_scores
                WHERE window_end >= (SELECT max(window_end) FROM account_scores) - INTERVAL /*param:lookback_hours*/ 24 HOUR
                GROUP BY account_id
            )
        ) AS scored
        ANY LEFT JOIN
        (
            -- The latest account alert per account and its current state.
            SELECT
                subject_id AS account_id,
                argMax(alert_id, tuple(event_time_ms, revision)) AS alert_id,
                argMax(severity, tuple(event_time_ms, revision)) AS alert_severity,
                argMax(state, tuple(event_time_ms, revision)) AS alert_state
            FROM alerts
            WHERE subject_kind = 'account'
            GROUP BY subject_id
        ) AS latest_alert USING account_id
    ) AS scored_alerted
    ANY LEFT JOIN
    (
        SELECT campaign_id, argMax(member_count, event_time_ms) AS campaign_members
        FROM campaign_updates
        GROUP BY campaign_id
    ) AS campaign_size USING campaign_id
)
WHERE (flagged = 1 OR alert_state IN ('open', 'update'))
  AND (campaign_id = '' OR campaign_members <= /*param:small_campaign_members*/ 3)
ORDER BY
    campaign_id != '',
    extraction_share >= /*param:extraction_share_threshold*/ 0.2,
    account_score,
    account_id;
