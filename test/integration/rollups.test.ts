// The per-minute rollups on both engines: the sink's own rows (records encoded, turned into rows
// by toTableRows, inserted as JSONEachRow like the sink's inserts) go into the base tables of a
// fresh database on the test server (ClickHouse 18.16 locally) and into chDB (a current
// release); the materialized views fill the rollups, read back with the -Merge combinators.
// Every block is then inserted again, as a consumer replay does: distinct counts and maxima stay,
// token sums double (documented in 0012_requests_1m.sql).
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import {
  type AccountScore,
  type Alert,
  type ApiRequest,
  accountScoreCodec,
  alertCodec,
  apiRequestCodec,
  type CampaignUpdate,
  campaignUpdateCodec,
} from "@distillguard/contract";
import {
  createClickHouse,
  createKafka,
  createLogger,
  createProducer,
  ensureDatabase,
  ensureTopic,
} from "@distillguard/runtime";
import {
  applyMigrations,
  createResultSink,
  loadMigrations,
  type ResultKind,
  toTableRows,
} from "@distillguard/sink";
import { afterAll, describe, expect, it } from "vitest";
import { type ChdbStatement, resultOf, runOnChdb } from "../chdb/chdb.ts";
import { servers, testNames } from "../harness/context.ts";

const M0 = Date.parse("2026-03-02T10:00:00Z");
const M1 = M0 + 60_000;

const signals = [{ name: "cot_rate_1h", value: 0.6, baseline: 0.03, z: 7.5, contribution: 1 }];

function alert(id: string, revision: number, state: Alert["state"], over: Partial<Alert>): Alert {
  return {
    alert_id: id,
    revision,
    subject_kind: "campaign",
    subject_id: "cmp-1",
    state,
    severity: "high",
    score: 5,
    opened_at_ms: M0,
    event_time_ms: M0,
    member_count: 3,
    top_signals: signals,
    shared_fingerprints: [],
    summary: "3 accounts share a template",
    ...over,
  };
}

const alerts: Alert[] = [
  alert("a1", 1, "open", { score: 5, event_time_ms: M0 + 10_000 }),
  alert("a1", 2, "update", { score: 7, event_time_ms: M0 + 40_000 }),
  alert("a2", 1, "open", {
    subject_kind: "account",
    severity: "medium",
    score: 3,
    event_time_ms: M0 + 20_000,
  }),
  alert("a1", 3, "update", { score: 9, event_time_ms: M1 + 5_000 }),
];

const score = (account: number, s: number, flagged: boolean, at: number): AccountScore => ({
  account_id: `acct-${account}`,
  window_end_ms: at,
  score: s,
  flagged,
  signals,
  campaign_id: null,
  detector_version: "0.1.0",
});

const scores: AccountScore[] = [
  score(0, 1, false, M0 + 1_000),
  score(1, 4, true, M0 + 2_000),
  score(2, 9, true, M0 + 3_000),
  score(1, 2, false, M1 + 1_000),
];

const update = (step: number, at: number, members: number): CampaignUpdate => ({
  campaign_id: "cmp-1",
  event_time_ms: at,
  status: "active",
  member_count: members,
  members: Array.from({ length: members }, (_, i) => `acct-${i}`),
  members_truncated: false,
  shared_fingerprints: [],
  requests: 1_000 * step,
  input_tokens: 900_000 * step,
  output_tokens: 2_100_000 * step,
  reasoning_tokens: 1_200_000 * step,
  requests_before_first_alert: 700,
  output_tokens_before_first_alert: 1_500_000,
  template_concentration: 0.8,
  cot_rate: 0.9,
  score: 10 + step,
  signals,
});

const updates: CampaignUpdate[] = [
  update(1, M0 + 10_000, 3),
  update(2, M0 + 50_000, 4),
  update(3, M1 + 10_000, 4),
];

const request = (i: number): ApiRequest => ({
  request_id: `req-${i}`,
  event_time_ms: M0 + i * 1_000,
  account_id: `acct-${i % 3}`,
  org_id: null,
  api_key_id: "key-1",
  end_user_id: null,
  endpoint: "/v1/chat/completions",
  request_model: "model-large",
  stream: false,
  request_choice_count: 1,
  request_temperature: null,
  request_max_tokens: null,
  logprobs: false,
  top_logprobs: null,
  tools_count: 0,
  usage_input_tokens: 800,
  usage_output_tokens: 1_900,
  usage_reasoning_tokens: i % 2 === 0 ? 100 : null,
  usage_cached_input_tokens: null,
  status_code: 200,
  latency_ms: 1_200,
  response_finish_reason: "stop",
  client_address: "203.0.113.45",
  client_asn: null,
  client_country: null,
  user_agent: null,
  tls_fingerprint: null,
  prompt_simhash: Buffer.from("9c3f5a0012e4b7d1", "hex"),
  prompt_template_hash: Buffer.from("00ff10a2b3c4d5e6", "hex"),
  system_prompt_hash: null,
  cot_elicitation: 0.75,
  prompt_topic: null,
  prompt_language: null,
  account_source: null,
  cache_hit: null,
  question_chars: null,
  response_chars: null,
  response_trace: null,
  response_tool_calls: null,
  question_head_hash: null,
  question_tail_hash: null,
  account_spend_usd: null,
});

const requests = Array.from({ length: 5 }, (_, i) => request(i));

function encoded(): [ResultKind, Uint8Array[]][] {
  return [
    ["alerts", alerts.map((a) => alertCodec.encode(a))],
    ["scores", scores.map((s) => accountScoreCodec.encode(s))],
    ["campaigns", updates.map((u) => campaignUpdateCodec.encode(u))],
    ["requests", requests.map((r) => apiRequestCodec.encode(r))],
  ];
}

/** One JSONEachRow insert per table, as the sink's flush of one buffer sends it. */
function inserts(): { table: string; body: string }[] {
  const byTable = new Map<string, string[]>();
  for (const [kind, values] of encoded()) {
    values.forEach((value, offset) => {
      for (const { table, row } of toTableRows(
        kind,
        value,
        { topic: kind, partition: 0, offset: String(offset) },
        1,
      )) {
        const lines = byTable.get(table) ?? [];
        lines.push(JSON.stringify(row));
        byTable.set(table, lines);
      }
    });
  }
  return [...byTable].map(([table, lines]) => ({ table, body: `${lines.join("\n")}\n` }));
}

const QUERIES = {
  alerts: `SELECT toString(minute) AS minute, subject_kind, severity, uniqMerge(alerts) AS alerts,
                  uniqMerge(opened) AS opened, maxMerge(max_score) AS max_score
           FROM alerts_1m GROUP BY minute, subject_kind, severity ORDER BY minute, subject_kind, severity`,
  scores: `SELECT toString(minute) AS minute, uniqMerge(accounts) AS accounts,
                  uniqMerge(flagged_accounts) AS flagged, maxMerge(max_score) AS max_score,
                  quantilesMerge(0.5, 0.9, 0.99)(score_quantiles) AS q
           FROM account_scores_1m GROUP BY minute ORDER BY minute`,
  campaigns: `SELECT toString(minute) AS minute, campaign_id, maxMerge(member_count) AS members,
                     maxMerge(requests) AS requests, maxMerge(output_tokens) AS output_tokens,
                     maxMerge(score) AS score
              FROM campaign_activity_1m GROUP BY minute, campaign_id ORDER BY minute`,
  requests: `SELECT toString(minute) AS minute, endpoint, request_model, uniqMerge(requests) AS requests,
                    uniqMerge(accounts) AS accounts, sumMerge(input_tokens) AS input_tokens,
                    sumMerge(output_tokens) AS output_tokens, sumMerge(reasoning_tokens) AS reasoning_tokens
             FROM requests_1m GROUP BY minute, endpoint, request_model ORDER BY minute`,
} as const;

type Row = Record<string, unknown>;
type Rollups = Record<keyof typeof QUERIES, Row[]>;

/** 18.16 quotes 64-bit integers in JSON and current releases do not: compare as numbers. */
function numeric(rows: Row[]): Row[] {
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        typeof v === "string" && /^\d+$/.test(v) ? Number(v) : Array.isArray(v) ? v.map(Number) : v,
      ]),
    ),
  );
}

const m0 = "2026-03-02 10:00:00";
const m1 = "2026-03-02 10:01:00";

function expectRollups(got: Rollups, copies: number) {
  expect(numeric(got.alerts)).toEqual([
    { minute: m0, subject_kind: "account", severity: "medium", alerts: 1, opened: 1, max_score: 3 },
    // a1 opened (revision 1) and was updated (revision 2) in the first minute: one alert.
    { minute: m0, subject_kind: "campaign", severity: "high", alerts: 1, opened: 1, max_score: 7 },
    { minute: m1, subject_kind: "campaign", severity: "high", alerts: 1, opened: 0, max_score: 9 },
  ]);
  const scoreRows = numeric(got.scores);
  expect(scoreRows.map(({ q, ...rest }) => rest)).toEqual([
    { minute: m0, accounts: 3, flagged: 2, max_score: 9 },
    { minute: m1, accounts: 1, flagged: 0, max_score: 2 },
  ]);
  const q = scoreRows[0]?.q as number[];
  expect(q[0]).toBe(4);
  expect(q[1]).toBeGreaterThanOrEqual(4);
  expect(q[2]).toBeLessThanOrEqual(9);
  // Cumulative counters: the minute's value is its last update's.
  expect(numeric(got.campaigns)).toEqual([
    { minute: m0, campaign_id: "cmp-1", members: 4, requests: 2_000, output_tokens: 4_200_000, score: 12 },
    { minute: m1, campaign_id: "cmp-1", members: 4, requests: 3_000, output_tokens: 6_300_000, score: 13 },
  ]);
  expect(numeric(got.requests)).toEqual([
    {
      minute: m0,
      endpoint: "/v1/chat/completions",
      request_model: "model-large",
      requests: 5,
      accounts: 3,
      input_tokens: 4_000 * copies,
      output_tokens: 9_500 * copies,
      reasoning_tokens: 300 * copies,
    },
  ]);
}

describe("per-minute rollups fed by materialized views", async () => {
  const database = `${testNames("db").database}_rollups`;
  await ensureDatabase(servers().clickhouseUrl, database);
  const client = createClickHouse({ url: servers().clickhouseUrl, database });
  afterAll(async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  });

  async function readServer(): Promise<Rollups> {
    return readRollups(client);
  }

  async function readRollups(c: typeof client): Promise<Rollups> {
    const out: Partial<Rollups> = {};
    for (const [k, query] of Object.entries(QUERIES)) {
      const rs = await c.query({ query, format: "JSONEachRow" });
      out[k as keyof Rollups] = await rs.json<Row>();
    }
    return out as Rollups;
  }

  it("on the test server, from JSONEachRow inserts into the base tables, and replay-safe", async () => {
    await applyMigrations(client);
    const insertAll = async () => {
      for (const { table, body } of inserts()) {
        // As the sink's insertChunk: the body streamed, the (empty) response read to the end.
        const r = await client.exec({
          query: `INSERT INTO ${table} FORMAT JSONEachRow`,
          values: Readable.from([body], { objectMode: false }),
        });
        r.stream.resume();
        await finished(r.stream);
      }
    };
    await insertAll();
    expectRollups(await readServer(), 1);
    await insertAll();
    expectRollups(await readServer(), 2);
  });

  it("on chDB (a current release), from the same migrations and inserts", async () => {
    const rollupReads = (suffix: string): ChdbStatement[] =>
      Object.entries(QUERIES).map(([k, sql]) => ({ name: `${k} ${suffix}`, sql }));
    const insertAll = (suffix: string): ChdbStatement[] =>
      inserts().map(({ table, body }) => ({
        name: `insert ${table} ${suffix}`,
        sql: `INSERT INTO ${table} FORMAT JSONEachRow\n${body}`,
      }));
    const run = await runOnChdb([
      ...loadMigrations().map((f) => ({ name: f.name, sql: f.sql })),
      ...insertAll("once"),
      ...rollupReads("once"),
      ...insertAll("twice"),
      ...rollupReads("twice"),
    ]);
    for (const r of run.results) expect(r.error, r.name).toBeNull();
    const read = (suffix: string) =>
      Object.fromEntries(
        Object.keys(QUERIES).map((k) => [k, resultOf(run, `${k} ${suffix}`).rows ?? []]),
      ) as Rollups;
    expectRollups(read("once"), 1);
    expectRollups(read("twice"), 2);
  });
  it("from the result sink itself, reading the records from Kafka", async () => {
    const sinkDatabase = `${database}_sink`;
    await ensureDatabase(servers().clickhouseUrl, sinkDatabase);
    const sinkClient = createClickHouse({ url: servers().clickhouseUrl, database: sinkDatabase });
    const logger = createLogger("test", "warn", "json");
    const kafka = createKafka({ clientId: "dg-test-rollups", brokers: servers().kafkaBrokers, logger });
    const { topic, groupId } = testNames("rollups");
    const topics: Record<ResultKind, string> = {
      scores: `${topic}.scores`,
      alerts: `${topic}.alerts`,
      campaigns: `${topic}.campaigns`,
      requests: `${topic}.requests`,
    };
    const producer = createProducer(kafka);
    const sink = createResultSink({
      kafka,
      clickhouse: sinkClient,
      logger,
      scoresTopic: topics.scores,
      alertsTopic: topics.alerts,
      campaignsTopic: topics.campaigns,
      requests: { topic: topics.requests, sampleRate: 1 },
      dlqTopic: `${topic}.dlq`,
      groupId,
      flush: { maxDelayMs: 200 },
    });
    try {
      await applyMigrations(sinkClient);
      for (const t of [...Object.values(topics), `${topic}.dlq`])
        await ensureTopic(kafka, t, { partitions: 1 });
      await producer.connect();
      for (const [kind, values] of encoded()) {
        await producer.send({
          topic: topics[kind],
          acks: -1,
          messages: values.map((value) => ({ value: Buffer.from(value) })),
        });
      }
      await sink.start();
      const deadline = Date.now() + 30_000;
      const want = alerts.length + scores.length + updates.length + requests.length;
      while (sink.stats().records < want || sink.stats().pendingRows > 0) {
        if (Date.now() > deadline)
          throw new Error(`sink stored ${JSON.stringify(sink.stats())} of ${want} records`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expectRollups(await readRollups(sinkClient), 1);
    } finally {
      await sink.stop();
      await producer.disconnect();
      await sinkClient.command({ query: `DROP DATABASE IF EXISTS ${sinkDatabase}` });
      await sinkClient.close();
    }
  });
});
