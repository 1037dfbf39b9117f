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
  type ClickHouseClient,
  createKafka,
  createLogger,
  createProducer,
  ensureTopic,
  readDeadLetter,
} from "@distillguard/runtime";
import { applyMigrations, createResultSink, type ResultSink, sampled } from "@distillguard/sink";
import type { Kafka, KafkaMessage, Message, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { servers, testDatabase, testNames } from "../harness/context.ts";
import { withClickHouseStopped } from "../harness/local-outage.ts";

const logger = createLogger("test", "warn", "json");
const T0 = Date.parse("2026-03-02T00:00:00Z");

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

const signals = (i: number) => [
  { name: "cot_rate_1h", value: 0.5 + i / 100, baseline: 0.03, z: 7.25 + i, contribution: 0.75 },
  // MAD 0 in the population makes a robust z infinite: it must survive the trip.
  {
    name: "template_concentration_24h",
    value: 0.81,
    baseline: 0.81,
    z: Number.POSITIVE_INFINITY,
    contribution: 0.25,
  },
];

const fingerprints = [
  { kind: "template" as const, value: "00ff10a2b3c4d5e6", weight: 3.5, member_count: 3 },
  { kind: "ip_prefix" as const, value: "198.51.100.0/24", weight: 1.25, member_count: 2 },
];

function score(prefix: string, account: number, window: number): AccountScore {
  return {
    account_id: `${prefix}-acct-${account}`,
    window_end_ms: T0 + window * 300_000 + 17,
    score: 2.5 + account + window / 4,
    flagged: window > 0,
    signals: signals(window),
    campaign_id: account === 0 ? `${prefix}-cmp` : null,
    detector_version: "0.1.0",
  };
}

function alert(prefix: string, revision: number, state: Alert["state"]): Alert {
  return {
    alert_id: `campaign:${prefix}-cmp:${T0}`,
    revision,
    subject_kind: "campaign",
    subject_id: `${prefix}-cmp`,
    state,
    severity: revision > 1 ? "high" : "medium",
    score: 10 + revision,
    opened_at_ms: T0,
    event_time_ms: T0 + revision * 60_000 + 250,
    member_count: 3,
    top_signals: signals(revision),
    shared_fingerprints: fingerprints,
    summary: `3 accounts share template 00ff10a2b3c4d5e6 (revision ${revision})`,
  };
}

function campaign(prefix: string, step: number, members: string[]): CampaignUpdate {
  return {
    campaign_id: `${prefix}-cmp`,
    event_time_ms: T0 + step * 60_000,
    status: step === 0 ? "forming" : "active",
    member_count: members.length,
    members: members.map((m) => `${prefix}-${m}`),
    members_truncated: false,
    shared_fingerprints: fingerprints,
    requests: 1_000 * (step + 1),
    input_tokens: 900_000 * (step + 1),
    output_tokens: 2_100_000 * (step + 1),
    reasoning_tokens: 1_200_000 * (step + 1),
    requests_before_first_alert: 700,
    output_tokens_before_first_alert: 1_500_000,
    template_concentration: 0.81,
    cot_rate: 0.92,
    score: 11.75 + step,
    signals: signals(step),
  };
}

function request(prefix: string, i: number): ApiRequest {
  return {
    request_id: `${prefix}-req-${i}`,
    event_time_ms: T0 + i * 1_000,
    account_id: `${prefix}-acct-${i % 3}`,
    org_id: null,
    api_key_id: "key-2b9e",
    end_user_id: null,
    endpoint: "/v1/chat/completions",
    request_model: "model-large",
    stream: false,
    request_choice_count: 1,
    request_temperature: 0.5,
    request_max_tokens: 4096,
    logprobs: false,
    top_logprobs: null,
    tools_count: 0,
    usage_input_tokens: 800,
    usage_output_tokens: 1_900,
    usage_reasoning_tokens: null,
    usage_cached_input_tokens: null,
    status_code: 200,
    latency_ms: 1_200,
    response_finish_reason: "stop",
    client_address: "203.0.113.45",
    client_asn: 64_500,
    client_country: "SG",
    user_agent: "python-httpx/0.28.1",
    tls_fingerprint: null,
    prompt_simhash: Buffer.from("9c3f5a0012e4b7d1", "hex"),
    prompt_template_hash: Buffer.from("00ff10a2b3c4d5e6", "hex"),
    system_prompt_hash: null,
    cot_elicitation: 0.75,
    prompt_topic: "math",
    prompt_language: "en",
    account_source: null,
    cache_hit: null,
    question_chars: null,
    response_chars: null,
    response_trace: null,
    response_tool_calls: null,
    question_head_hash: null,
    question_tail_hash: null,
    account_spend_usd: null,
  };
}

const scoreMessage = (s: AccountScore): Message => ({
  key: s.account_id,
  value: accountScoreCodec.encode(s),
});
const alertMessage = (a: Alert): Message => ({ key: a.alert_id, value: alertCodec.encode(a) });
const campaignMessage = (c: CampaignUpdate): Message => ({
  key: c.campaign_id,
  value: campaignUpdateCodec.encode(c),
});
const requestMessage = (r: ApiRequest): Message => ({ key: r.account_id, value: apiRequestCodec.encode(r) });

/** The four input topics and the DLQ of one scenario, created fresh. */
async function scenarioTopics(kafka: Kafka, suffix: string) {
  const { topic, groupId } = testNames(suffix);
  const t = {
    scores: `${topic}.scores`,
    alerts: `${topic}.alerts`,
    campaigns: `${topic}.campaigns`,
    requests: `${topic}.requests`,
    dlq: `${topic}.dlq`,
    groupId,
  };
  for (const name of [t.scores, t.alerts, t.campaigns, t.requests])
    await ensureTopic(kafka, name, { partitions: 3 });
  await ensureTopic(kafka, t.dlq, { partitions: 1 });
  return t;
}

type Topics = Awaited<ReturnType<typeof scenarioTopics>>;

async function rows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  const rs = await client.query({ query, format: "JSONEachRow" });
  return rs.json<T>();
}

async function count(client: ClickHouseClient, query: string): Promise<number> {
  const [row] = await rows<{ n: string }>(client, query);
  return Number(row?.n);
}

/**
 * Committed offsets of the group against the end offsets of each topic, for the partitions that
 * hold records (an empty partition has nothing to commit).
 */
async function offsets(kafka: Kafka, groupId: string, topics: string[]) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId, topics });
    const out: Array<{ topic: string; partition: number; committed: string; end: string }> = [];
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      for (const e of ends) {
        if (e.high === "0") continue;
        const c = committed
          .find((x) => x.topic === topic)
          ?.partitions.find((p) => p.partition === e.partition);
        out.push({ topic, partition: e.partition, committed: c?.offset ?? "-1", end: e.high });
      }
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

async function collect(kafka: Kafka, topic: string, groupId: string) {
  const got: KafkaMessage[] = [];
  const reader = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });
  await reader.connect();
  await reader.subscribe({ topic, fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => void got.push(message) });
  return { got, stop: () => reader.disconnect() };
}

describe("result sink: scores, alerts, campaign updates and sampled requests → ClickHouse", async () => {
  const { client } = await testDatabase();
  const kafka = createKafka({ clientId: "dg-test-results", brokers: servers().kafkaBrokers, logger });
  let producer: Producer;
  const running = new Set<ResultSink>();

  beforeAll(async () => {
    await applyMigrations(client);
    producer = createProducer(kafka);
    await producer.connect();
  });
  afterAll(async () => {
    for (const s of running) await s.stop();
    await producer.disconnect();
    await client.close();
  });

  function sink(t: Topics, groupId: string, sampleRate = 0) {
    const s = createResultSink({
      kafka,
      clickhouse: client,
      logger,
      scoresTopic: t.scores,
      alertsTopic: t.alerts,
      campaignsTopic: t.campaigns,
      requests: { topic: t.requests, sampleRate },
      dlqTopic: t.dlq,
      groupId,
      flush: { maxRows: 500, maxDelayMs: 200 },
      retry: { initialMs: 200, maxMs: 2_000 },
    });
    running.add(s);
    return s;
  }

  async function stopSink(s: ResultSink) {
    await s.stop();
    running.delete(s);
  }

  it("stores every record with its values; producer and consumer replays leave one row per key", async () => {
    const t = await scenarioTopics(kafka, "results");
    const p = "res";
    const scores = [0, 1].flatMap((a) => [0, 1, 2].map((w) => score(p, a, w)));
    const alerts = [alert(p, 1, "open"), alert(p, 2, "update")];
    const updates = [
      campaign(p, 0, ["acct-0", "acct-1", "acct-2"]),
      campaign(p, 1, ["acct-0", "acct-2", "acct-3"]),
    ];
    const requests = Array.from({ length: 60 }, (_, i) => request(p, i));
    const rate = 0.5;
    const kept = requests.filter((r) => sampled(r.request_id, rate)).map((r) => r.request_id);
    expect(kept.length).toBeGreaterThan(10);

    const produceAll = async () => {
      await producer.send({ topic: t.scores, acks: -1, messages: scores.map(scoreMessage) });
      await producer.send({ topic: t.alerts, acks: -1, messages: alerts.map(alertMessage) });
      await producer.send({ topic: t.campaigns, acks: -1, messages: updates.map(campaignMessage) });
    };
    await produceAll();
    await producer.send({ topic: t.requests, acks: -1, messages: requests.map(requestMessage) });

    const first = sink(t, t.groupId, rate);
    await first.start();
    const memberRows = updates.reduce((n, u) => n + u.members.length, 0);
    await waitFor("first pass stored", () => {
      const r = first.stats().rows;
      return (
        r.account_scores === scores.length &&
        r.alerts === alerts.length &&
        r.campaign_updates === updates.length &&
        r.campaign_members === memberRows &&
        r.api_requests === kept.length
      );
    });
    await stopSink(first);
    // 18.16 has no insert_deduplication_token: sending one would fail every insert.
    const server = first.server();
    expect(server?.version).toMatch(/^\d+\.\d+/);
    if (server?.version.startsWith("18.")) expect(server.insertDeduplicationToken).toBe(false);
    expect(first.stats()).toMatchObject({
      records: 70,
      sampledOut: 60 - kept.length,
      dlq: 0,
      pendingRows: 0,
    });
    // Everything read was committed: a restart would not read it again.
    for (const o of await offsets(kafka, t.groupId, [t.scores, t.alerts, t.campaigns, t.requests])) {
      expect(o.committed, `${o.topic}/${o.partition}`).toBe(o.end);
    }

    // Values as an analyst reads them.
    const s = await rows<Record<string, unknown>>(
      client,
      `SELECT account_id, toString(toUnixTimestamp(window_end)) AS end_s, window_end_ms, score, flagged, signal_names,
              signal_values, signal_baselines, arrayMap(z -> toString(z), signal_z) AS z, signal_contributions,
              campaign_id, detector_version
       FROM account_scores FINAL WHERE account_id = '${p}-acct-0' ORDER BY window_end_ms`,
    );
    const s2 = score(p, 0, 2);
    expect(s).toHaveLength(3);
    expect(s[2]).toEqual({
      account_id: s2.account_id,
      end_s: String(Math.floor(s2.window_end_ms / 1000)),
      window_end_ms: String(s2.window_end_ms),
      score: s2.score,
      flagged: 1,
      signal_names: ["cot_rate_1h", "template_concentration_24h"],
      signal_values: [0.52, 0.81],
      signal_baselines: [0.03, 0.81],
      z: ["9.25", "inf"],
      signal_contributions: [0.75, 0.25],
      campaign_id: `${p}-cmp`,
      detector_version: "0.1.0",
    });

    const [latest] = await rows<Record<string, unknown>>(
      client,
      `SELECT revision, state, severity, toString(toUnixTimestamp(opened_at)) AS opened_s, opened_at_ms, event_time_ms,
              top_signal_names, shared_fingerprint_kinds, shared_fingerprint_values, shared_fingerprint_weights,
              shared_fingerprint_member_counts, summary
       FROM alerts FINAL WHERE alert_id = 'campaign:${p}-cmp:${T0}' ORDER BY revision DESC LIMIT 1`,
    );
    expect(latest).toEqual({
      revision: 2,
      state: "update",
      severity: "high",
      opened_s: String(T0 / 1000),
      opened_at_ms: String(T0),
      event_time_ms: String(T0 + 120_250),
      top_signal_names: ["cot_rate_1h", "template_concentration_24h"],
      shared_fingerprint_kinds: ["template", "ip_prefix"],
      shared_fingerprint_values: ["00ff10a2b3c4d5e6", "198.51.100.0/24"],
      shared_fingerprint_weights: [3.5, 1.25],
      shared_fingerprint_member_counts: [3, 2],
      summary: "3 accounts share template 00ff10a2b3c4d5e6 (revision 2)",
    });

    const [state] = await rows<Record<string, unknown>>(
      client,
      `SELECT status, member_count, members, members_truncated, requests, output_tokens, reasoning_tokens,
              requests_before_first_alert, output_tokens_before_first_alert, template_concentration, cot_rate
       FROM campaign_updates FINAL WHERE campaign_id = '${p}-cmp' ORDER BY event_time_ms DESC LIMIT 1`,
    );
    expect(state).toEqual({
      status: "active",
      member_count: 3,
      members: [`${p}-acct-0`, `${p}-acct-2`, `${p}-acct-3`],
      members_truncated: 0,
      requests: "2000",
      output_tokens: "4200000",
      reasoning_tokens: "2400000",
      requests_before_first_alert: "700",
      output_tokens_before_first_alert: "1500000",
      template_concentration: 0.81,
      cot_rate: 0.92,
    });
    // Latest membership: acct-1 was only in the first update, so its row keeps that time.
    const members = await rows<{ account_id: string; event_time_ms: string; member_rank: number }>(
      client,
      `SELECT account_id, event_time_ms, member_rank FROM campaign_members FINAL
       WHERE campaign_id = '${p}-cmp' ORDER BY account_id`,
    );
    const t1 = String(T0 + 60_000);
    expect(members).toEqual([
      { account_id: `${p}-acct-0`, event_time_ms: t1, member_rank: 0 },
      { account_id: `${p}-acct-1`, event_time_ms: String(T0), member_rank: 1 },
      { account_id: `${p}-acct-2`, event_time_ms: t1, member_rank: 1 },
      { account_id: `${p}-acct-3`, event_time_ms: t1, member_rank: 2 },
    ]);
    const sampledIds = await rows<{ request_id: string }>(
      client,
      `SELECT request_id FROM api_requests FINAL WHERE kafka_topic = '${t.requests}' ORDER BY request_id`,
    );
    expect(sampledIds.map((r) => r.request_id)).toEqual([...kept].sort());

    // Producer replay: the detector and linker re-emit after a crash (new offsets, same keys).
    await produceAll();
    const again = sink(t, t.groupId, rate);
    await again.start();
    await waitFor("producer replay stored", () => again.stats().rows.account_scores === scores.length);
    await waitFor("producer replay stored", () => again.stats().rows.campaign_members === memberRows);
    await stopSink(again);
    // Consumer replay: a new group reads everything again (same offsets, same sample).
    const replay = sink(t, `${t.groupId}-replay`, rate);
    await replay.start();
    await waitFor("consumer replay stored", () => replay.stats().rows.api_requests === kept.length);
    await waitFor("consumer replay stored", () => replay.stats().rows.account_scores === 2 * scores.length);
    await stopSink(replay);

    const where = {
      account_scores: `account_id LIKE '${p}-%'`,
      alerts: `subject_id = '${p}-cmp'`,
      campaign_updates: `campaign_id = '${p}-cmp'`,
      campaign_members: `campaign_id = '${p}-cmp'`,
      api_requests: `kafka_topic = '${t.requests}'`,
    };
    const keys = {
      account_scores: scores.length,
      alerts: alerts.length,
      campaign_updates: updates.length,
      campaign_members: 4,
      api_requests: kept.length,
    };
    for (const [table, filter] of Object.entries(where) as Array<[keyof typeof where, string]>) {
      expect(await count(client, `SELECT count() AS n FROM ${table} FINAL WHERE ${filter}`), table).toBe(
        keys[table],
      );
    }
  });

  it("dead-letters a poison record with the reason and stores the records around it", async () => {
    const t = await scenarioTopics(kafka, "results-poison");
    const p = "poison";
    const good = [score(p, 0, 0), score(p, 0, 1), score(p, 0, 2)];
    // One partition, so each record's offset is its place in this list.
    await producer.send({
      topic: t.scores,
      acks: -1,
      messages: [
        { ...scoreMessage(good[0] as AccountScore), partition: 0 },
        {
          key: "garbage",
          value: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
          partition: 0,
          headers: { origin: "fuzz" },
        },
        { ...scoreMessage(good[1] as AccountScore), partition: 0 },
        { key: "wrong-subject", value: alertCodec.encode(alert(p, 1, "open")), partition: 0 },
        { ...scoreMessage(good[2] as AccountScore), partition: 0 },
      ],
    });
    const s = sink(t, t.groupId);
    await s.start();
    const dlq = await collect(kafka, t.dlq, `${t.groupId}-dlq-reader`);
    try {
      await waitFor("good rows", () => s.stats().rows.account_scores === 3);
      await waitFor("dead letters", () => dlq.got.length === 2);
    } finally {
      await dlq.stop();
      await stopSink(s);
    }
    expect(s.stats().dlq).toBe(2);
    const dead = dlq.got.map((m) => ({
      value: m.value,
      origin: m.headers?.origin?.toString(),
      ...readDeadLetter(m),
    }));
    expect(dead.map((d) => [d.kind, d.sourceOffset])).toEqual([
      ["not-single-object", "1"],
      ["incompatible-schema", "3"],
    ]);
    expect(dead[0]).toMatchObject({
      value: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
      origin: "fuzz",
      sourceTopic: t.scores,
      sourcePartition: "0",
      service: "sink",
    });
    expect(dead[1]?.error).toContain("expected account-score");
    expect(
      await count(client, `SELECT count() AS n FROM account_scores FINAL WHERE account_id = '${p}-acct-0'`),
    ).toBe(3);
    const [p0] = (await offsets(kafka, t.groupId, [t.scores])).filter((o) => o.partition === 0);
    expect(p0).toMatchObject({ committed: "5", end: "5" });
  });

  it("splits out rows ClickHouse refuses mid-batch: their records to the DLQ with the server's reason, the rest stored and committed", async () => {
    const t = await scenarioTopics(kafka, "results-refused");
    const p = "refused";
    // Valid ApiRequest v3 records the sink's own checks let through, whose v3 counts are
    // negative: api_requests holds them as UInt16/UInt32 and 18.16 refuses the whole INSERT
    // for each, on every retry. Before, the sink retried such a chunk forever.
    const requests = Array.from({ length: 12 }, (_, i) => request(p, i));
    const bad = new Map<number, Partial<ApiRequest>>([
      [4, { response_tool_calls: -1 }],
      [9, { question_chars: -3 }],
    ]);
    // One partition and one send, so the records are one fetched batch and the rows one chunk.
    await producer.send({
      topic: t.requests,
      acks: -1,
      messages: requests.map((r, i) => ({ ...requestMessage({ ...r, ...bad.get(i) }), partition: 0 })),
    });
    const s = sink(t, t.groupId, 1);
    await s.start();
    const dlq = await collect(kafka, t.dlq, `${t.groupId}-dlq-reader`);
    try {
      await waitFor("good rows stored", () => s.stats().rows.api_requests === requests.length - bad.size);
      await waitFor("refused records dead-lettered", () => dlq.got.length === bad.size);
      await waitFor("everything committed", async () =>
        (await offsets(kafka, t.groupId, [t.requests])).every((o) => o.committed === o.end),
      );
    } finally {
      await dlq.stop();
      await stopSink(s);
    }
    // Refused rows are split out, not retried as if ClickHouse were down.
    expect(s.stats()).toMatchObject({
      rejectedRows: 2,
      dlq: 2,
      insertRetries: 0,
      paused: false,
      pendingRows: 0,
    });
    const dead = dlq.got.map((m) => ({ value: m.value, ...readDeadLetter(m) }));
    expect(dead.map((d) => [d.kind, d.sourceTopic, d.sourcePartition, d.sourceOffset])).toEqual([
      ["clickhouse-rejected", t.requests, "0", "4"],
      ["clickhouse-rejected", t.requests, "0", "9"],
    ]);
    expect(dead[0]?.value).toEqual(requestMessage({ ...(requests[4] as ApiRequest), ...bad.get(4) }).value);
    for (const d of dead) {
      expect(d.service).toBe("sink");
      // The server's own words, with its error code.
      expect(d.error).toMatch(/^ClickHouse rejected the row for api_requests: .*Code: \d+/);
    }
    const stored = await rows<{ request_id: string }>(
      client,
      `SELECT request_id FROM api_requests FINAL WHERE kafka_topic = '${t.requests}' ORDER BY kafka_offset`,
    );
    expect(stored.map((r) => r.request_id)).toEqual(
      requests.filter((_, i) => !bad.has(i)).map((r) => r.request_id),
    );
  });

  it.skipIf(inject("servicesMode") !== "local")(
    "loses no row and commits nothing early while ClickHouse is stopped for 30 s (local services only: it stops the server)",
    async () => {
      const t = await scenarioTopics(kafka, "results-outage");
      const p = "outage";
      const part = (from: number, to: number) => {
        const s: AccountScore[] = [];
        for (let a = 0; a < 20; a++) for (let w = from; w < to; w++) s.push(score(p, a, w));
        return s;
      };
      const part1 = part(0, 5);
      const part2 = part(5, 10);
      const alerts1 = [alert(p, 1, "open")];
      const alerts2 = [alert(p, 2, "update"), alert(p, 3, "resolved")];
      const updates1 = [campaign(p, 0, ["acct-0", "acct-1"])];
      const updates2 = [campaign(p, 1, ["acct-0", "acct-1", "acct-2"]), campaign(p, 2, ["acct-1", "acct-2"])];
      const all = [t.scores, t.alerts, t.campaigns];

      await producer.send({ topic: t.scores, acks: -1, messages: part1.map(scoreMessage) });
      await producer.send({ topic: t.alerts, acks: -1, messages: alerts1.map(alertMessage) });
      await producer.send({ topic: t.campaigns, acks: -1, messages: updates1.map(campaignMessage) });
      const s = sink(t, t.groupId);
      await s.start();
      await waitFor("part 1 stored", () => s.stats().rows.account_scores === part1.length);
      await waitFor("part 1 committed", async () =>
        (await offsets(kafka, t.groupId, all)).every((o) => o.committed === o.end),
      );
      const afterPart1 = await offsets(kafka, t.groupId, all);

      await withClickHouseStopped(async () => {
        const down = Date.now();
        await producer.send({ topic: t.scores, acks: -1, messages: part2.map(scoreMessage) });
        await producer.send({ topic: t.alerts, acks: -1, messages: alerts2.map(alertMessage) });
        await producer.send({ topic: t.campaigns, acks: -1, messages: updates2.map(campaignMessage) });
        await waitFor("insert retried", () => s.stats().insertRetries > 0 && s.stats().paused, 20_000);
        await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - down))));
        // Held for 30 s: still paused, nothing of part 2 stored, nothing committed past part 1.
        expect(s.stats()).toMatchObject({ paused: true, rows: { account_scores: part1.length } });
        expect(s.stats().pendingRows).toBeGreaterThan(0);
        expect(await offsets(kafka, t.groupId, all)).toEqual(
          afterPart1.map((o) => ({ ...o, end: expect.any(String) })),
        );
      });

      await waitFor(
        "part 2 stored after the outage",
        () => s.stats().rows.account_scores === part1.length + part2.length,
        60_000,
      );
      await waitFor("everything committed", async () =>
        (await offsets(kafka, t.groupId, all)).every((o) => o.committed === o.end),
      );
      expect(s.stats()).toMatchObject({ paused: false, pendingRows: 0 });
      await stopSink(s);

      const stored = async (table: string, filter: string) =>
        count(client, `SELECT count() AS n FROM ${table} FINAL WHERE ${filter}`);
      expect(await stored("account_scores", `account_id LIKE '${p}-%'`)).toBe(part1.length + part2.length);
      expect(await stored("alerts", `subject_id = '${p}-cmp'`)).toBe(3);
      expect(await stored("campaign_updates", `campaign_id = '${p}-cmp'`)).toBe(3);
      expect(await stored("campaign_members", `campaign_id = '${p}-cmp'`)).toBe(3);
    },
    180_000,
  );
});
