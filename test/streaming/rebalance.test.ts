// Issue 17, item 6: the detector group changes while a seeded stream is flowing — a second
// member joins and leaves gracefully, a third joins and is killed with SIGKILL — and the
// tables in ClickHouse still equal those of one member reading the same stream alone.
import { createDetectorService, ensureDetectorTopics } from "@distillguard/detector-service";
import { createLinkerService, ensureLinkerTopics } from "@distillguard/linker-service";
import {
  type ClickHouseClient,
  createClickHouse,
  createLogger,
  ensureTopic,
  REPLAY_TOPIC_CONFIG,
} from "@distillguard/runtime";
import type { ScenarioOptions } from "@distillguard/simulator";
import type { Kafka, Message } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servers, testNames } from "../harness/context.ts";
import {
  caughtUp,
  committed,
  detectorSettingsFor,
  endOffsets,
  linkerSettingsFor,
  type PipelineNames,
  pipelineNames,
  scenarioMessages,
  sendMessages,
  serviceEnv,
  spawnService,
  startSink,
  testKafka,
  waitFor,
} from "./harness.ts";

const logger = createLogger("test", process.env.DG_TEST_LOG_LEVEL ?? "warn", "json");
const hydra: ScenarioOptions = {
  scenario: "hydra",
  seed: 7,
  startMs: Date.parse("2026-03-02T00:00:00Z"),
  durationMs: 4 * 3_600_000,
  accounts: 2_000,
  releaseAt: 0.25,
  campaignScale: 1,
};
// Slow enough that every change of the group lands while records are still arriving, and the
// detectors hold state that must move with their partitions.
const RATE = 3_000;
// Frequent checkpoints, so a partition that moves is restored from one rather than rebuilt from
// the start of its input: the restore is what this test is about.
const CHECKPOINT_EVERY = "200ms";

/**
 * Every table the sink writes, as an analyst reads it: row tables deduplicated on their key
 * (FINAL), rollups merged, Kafka coordinates left out (they say where a row came from, not
 * what it says). Scores row by row, so a single changed score shows.
 */
async function tables(client: ClickHouseClient) {
  const q = async (query: string) => {
    const rows = await (await client.query({ query, format: "JSONEachRow" })).json<Record<string, unknown>>();
    return rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith("kafka_"))));
  };
  return {
    scores: await q("SELECT * FROM account_scores FINAL ORDER BY account_id, window_end_ms"),
    alerts: await q("SELECT * FROM alerts FINAL ORDER BY alert_id, revision"),
    campaignUpdates: await q("SELECT * FROM campaign_updates FINAL ORDER BY campaign_id, event_time_ms"),
    campaignMembers: await q("SELECT * FROM campaign_members FINAL ORDER BY campaign_id, account_id"),
    // uniq and max are idempotent, so a replayed insert leaves them as they were; the score
    // quantiles are not (a duplicate weighs twice) and are left out.
    alerts1m: await q(
      `SELECT minute, subject_kind, severity, uniqMerge(alerts) AS alerts, uniqMerge(opened) AS opened,
              maxMerge(max_score) AS max_score
       FROM alerts_1m GROUP BY minute, subject_kind, severity ORDER BY minute, subject_kind, severity`,
    ),
    scores1m: await q(
      `SELECT minute, uniqMerge(accounts) AS accounts, uniqMerge(flagged_accounts) AS flagged,
              maxMerge(max_score) AS max_score
       FROM account_scores_1m GROUP BY minute ORDER BY minute`,
    ),
    campaigns1m: await q(
      `SELECT minute, campaign_id, maxMerge(member_count) AS members, maxMerge(requests) AS requests,
              maxMerge(score) AS score
       FROM campaign_activity_1m GROUP BY minute, campaign_id ORDER BY campaign_id, minute`,
    ),
  };
}

/** The partitions a member assigned itself, from its "partitions assigned" log lines (the last). */
function assignedInLog(stderr: string, topic: string): number[] | null {
  let last: number[] | null = null;
  for (const line of stderr.split("\n")) {
    if (!line.includes('"partitions assigned"')) continue;
    try {
      last = (JSON.parse(line) as { partitions: Record<string, number[]> }).partitions[topic] ?? [];
    } catch {
      // A line cut by the stderr buffer's limit.
    }
  }
  return last;
}

describe("a detector group that changes mid-stream", () => {
  const brokers = servers().kafkaBrokers;
  const kafka: Kafka = testKafka(brokers, logger);
  const database = (suffix: string) => `${testNames("db").database}_${suffix}`;
  let messages: Message[] = [];

  beforeAll(async () => {
    messages = await scenarioMessages(hydra);
  }, 120_000);

  afterAll(async () => {
    const ch = createClickHouse({ url: servers().clickhouseUrl });
    for (const d of ["rebal_one", "rebal_many"]) {
      await ch.command({ query: `DROP DATABASE IF EXISTS ${database(d)}` });
    }
    await ch.close();
  });

  /** Linker and sink in process, topics created; `run` drives the detector group. */
  async function pipeline(n: PipelineNames, db: string, run: () => Promise<void>) {
    const ls = linkerSettingsFor(n, brokers);
    await ensureTopic(kafka, n.requestsTopic, { partitions: 6, config: REPLAY_TOPIC_CONFIG });
    await ensureDetectorTopics(kafka, detectorSettingsFor(n, brokers));
    await ensureLinkerTopics(kafka, ls);
    const linker = createLinkerService(ls, { kafka, logger });
    await linker.start();
    const sink = await startSink(kafka, n, servers().clickhouseUrl, db, logger);
    try {
      await run();
      await waitFor(() => caughtUp(kafka, n.detectorGroup, n.requestsTopic), 180_000, "detectors caught up");
      await waitFor(() => caughtUp(kafka, n.linkerGroup, n.linksTopic), 120_000, "linker caught up");
      for (const t of [n.scoresTopic, n.alertsTopic, n.campaignsTopic]) {
        await waitFor(() => caughtUp(kafka, sink.groupId, t), 120_000, `sink caught up on ${t}`);
      }
    } finally {
      await linker.stop();
      await sink.sink.stop();
    }
    expect((await endOffsets(kafka, n.dlqTopic)).get(0) ?? 0n).toBe(0n);
    return sink.client;
  }

  it("joins, graceful leave and SIGKILL leave the tables as one member's run", async () => {
    const settings = (n: PipelineNames) => ({
      ...detectorSettingsFor(n, brokers),
      checkpointEvery: 200,
    });

    // One member, the whole stream at once.
    const one = pipelineNames(testNames("rebal-one").topic);
    const oneDb = await pipeline(one, database("rebal_one"), async () => {
      const a = createDetectorService(settings(one), { kafka, logger });
      await a.start();
      try {
        await sendMessages(kafka, one.requestsTopic, messages);
        await waitFor(() => caughtUp(kafka, one.detectorGroup, one.requestsTopic), 180_000, "one caught up");
      } finally {
        await a.stop();
      }
    });

    // The same stream in four quarters, paced; the group changes in each.
    const many = pipelineNames(testNames("rebal-many").topic);
    const quarter = (i: number) =>
      messages.slice(Math.floor((messages.length * i) / 4), Math.floor((messages.length * (i + 1)) / 4));
    const send = (i: number, onSent?: (sent: number) => void) =>
      sendMessages(kafka, many.requestsTopic, quarter(i), RATE, onSent);
    let bRecords = 0;
    let aFinal: number[] = [];
    const manyDb = await pipeline(many, database("rebal_many"), async () => {
      const a = createDetectorService(settings(many), { kafka, logger });
      await a.start();
      try {
        await waitFor(() => a.stats().assigned.length === 6, 60_000, "first member holds every partition");
        await send(0);

        // A second member joins; it leaves (stop: checkpoint, commit, leave) while the second
        // quarter is still arriving.
        const b = createDetectorService(settings(many), { kafka, logger });
        let sending: Promise<void> = Promise.resolve();
        await b.start();
        try {
          await waitFor(() => b.stats().assigned.length > 0, 60_000, "second member holds partitions");
          let sent = 0;
          sending = send(1, (s) => {
            sent = s;
          });
          await waitFor(() => b.stats().records > 0 && sent >= quarter(1).length / 2, 60_000, "b processed");
          bRecords = b.stats().records;
        } finally {
          await b.stop();
        }
        await sending;
        await waitFor(() => a.stats().assigned.length === 6, 60_000, "first member holds every partition");

        // A third member, its own process, joins and is killed without leaving: its partitions
        // come back to the first member when its session expires, from its last checkpoint.
        const c = spawnService("detector", {
          ...serviceEnv(many, brokers),
          LOG_LEVEL: "info",
          DG_DETECTOR_CHECKPOINT_EVERY: CHECKPOINT_EVERY,
        });
        try {
          let mine: number[] = [];
          await waitFor(
            () => {
              mine = assignedInLog(c.stderr(), many.requestsTopic) ?? [];
              return mine.length > 0;
            },
            60_000,
            () => `third member holds partitions (stderr: ${c.stderr().slice(-3_000)})`,
          );
          const before = await committed(kafka, many.detectorGroup, many.requestsTopic);
          const sending3 = send(2);
          await waitFor(
            async () => {
              const now = await committed(kafka, many.detectorGroup, many.requestsTopic);
              return mine.some((p) => (now.get(p) ?? -1n) > (before.get(p) ?? -1n));
            },
            60_000,
            () => `third member committed (stderr: ${c.stderr().slice(-3_000)})`,
          );
          c.child.kill("SIGKILL");
          expect(await c.exited).toBe(null);
          await sending3;
        } finally {
          c.child.kill("SIGKILL");
        }
        await send(3);
        await waitFor(
          () => caughtUp(kafka, many.detectorGroup, many.requestsTopic),
          180_000,
          "many caught up",
        );
        aFinal = a.stats().assigned;
      } finally {
        await a.stop();
      }
    });

    expect(bRecords).toBeGreaterThan(0);
    expect(aFinal).toEqual([0, 1, 2, 3, 4, 5]);
    try {
      const expected = await tables(oneDb);
      expect(expected.alerts.some((a) => a.subject_kind === "campaign")).toBe(true);
      expect(expected.campaignMembers.length).toBeGreaterThan(0);
      expect(expected.scores.length).toBeGreaterThan(0);
      expect(await tables(manyDb)).toEqual(expected);
    } finally {
      await oneDb.close();
      await manyDb.close();
    }
  }, 420_000);
});
