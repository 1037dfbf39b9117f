// The detector and linker services on the real broker: campaign alerts from a seeded hydra,
// exactly-once effect across kill -9 and across a group of two detectors, poison records.
import type { alertCodec } from "@distillguard/contract";
import { createDetectorService, ensureDetectorTopics } from "@distillguard/detector-service";
import { createLinkerService, ensureLinkerTopics } from "@distillguard/linker-service";
import {
  createClickHouse,
  createLogger,
  createProducer,
  ensureTopic,
  REPLAY_TOPIC_CONFIG,
  readDeadLetter,
} from "@distillguard/runtime";
import type { ScenarioOptions } from "@distillguard/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servers, testNames } from "../harness/context.ts";
import {
  caughtUp,
  detectorSettingsFor,
  endOffsets,
  linkerSettingsFor,
  type PipelineNames,
  pipelineNames,
  produceScenario,
  readTopic,
  resultView,
  serviceEnv,
  spawnService,
  startSink,
  tablesView,
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

describe("detector and linker services on Kafka", () => {
  const brokers = servers().kafkaBrokers;
  const kafka = testKafka(brokers, logger);
  /** The uninterrupted reference run every other run is compared with. */
  let reference: PipelineNames;
  let input = 0;

  /**
   * Runs detector(s) and linker in process until both caught up with the input. `input` is
   * produced once every detector holds partitions, so a group of several really splits it.
   */
  async function runInProcess(
    n: PipelineNames,
    detectors = 1,
    input?: () => Promise<void>,
    database?: string,
  ) {
    const ds = detectorSettingsFor(n, brokers);
    const ls = linkerSettingsFor(n, brokers);
    await ensureTopic(kafka, n.requestsTopic, { partitions: 6, config: REPLAY_TOPIC_CONFIG });
    await ensureDetectorTopics(kafka, ds);
    await ensureLinkerTopics(kafka, ls);
    const dets = Array.from({ length: detectors }, () => createDetectorService(ds, { kafka, logger }));
    const linker = createLinkerService(ls, { kafka, logger });
    const sink = database ? await startSink(kafka, n, servers().clickhouseUrl, database, logger) : null;
    try {
      for (const d of dets) await d.start();
      await linker.start();
      await waitFor(
        () => dets.every((d) => d.stats().assigned.length > 0),
        60_000,
        "every detector holds partitions",
      );
      await input?.();
      await waitFor(() => caughtUp(kafka, n.detectorGroup, n.requestsTopic), 120_000, "detectors caught up");
      await waitFor(() => caughtUp(kafka, n.linkerGroup, n.linksTopic), 120_000, "linker caught up");
      if (sink) await sinkCaughtUp(n, sink.groupId);
      return dets.map((d) => d.stats());
    } finally {
      for (const d of dets) await d.stop();
      await linker.stop();
      await sink?.sink.stop();
      await sink?.client.close();
    }
  }

  /**
   * The reference input again, in another pipeline's topic: the simulator is deterministic per
   * seed and the producer partitions by account, so records, partitions and order are the same.
   */
  async function copyReferenceInput(n: PipelineNames): Promise<void> {
    expect(await produceScenario(kafka, n.requestsTopic, hydra)).toBe(input);
  }

  async function sinkCaughtUp(n: PipelineNames, groupId: string) {
    for (const t of [n.scoresTopic, n.alertsTopic, n.campaignsTopic]) {
      await waitFor(() => caughtUp(kafka, groupId, t), 120_000, `sink caught up on ${t}`);
    }
  }

  const database = (suffix: string) => `${testNames("db").database}_${suffix}`;

  afterAll(async () => {
    const ch = createClickHouse({ url: servers().clickhouseUrl });
    for (const d of ["ref", "kill"]) await ch.command({ query: `DROP DATABASE IF EXISTS ${database(d)}` });
    await ch.close();
  });

  beforeAll(async () => {
    reference = pipelineNames(testNames("stream-ref").topic);
    input = await produceScenario(kafka, reference.requestsTopic, hydra);
    await runInProcess(reference, 1, undefined, database("ref"));
  }, 240_000);

  it("turns a seeded hydra into a campaign alert naming its member count and shared templates", async () => {
    const view = await resultView(kafka, reference);
    const campaignAlerts = view.alerts
      .map(([, a]) => a as ReturnType<typeof alertCodec.decode>)
      .filter((a) => a.subject_kind === "campaign");
    expect(campaignAlerts.length).toBeGreaterThan(0);
    const largest = campaignAlerts.reduce((x, y) => (y.member_count > x.member_count ? y : x));
    expect(largest.member_count).toBeGreaterThanOrEqual(10);
    expect(largest.shared_fingerprints.some((f) => f.kind === "template")).toBe(true);
    expect(view.campaigns.length).toBeGreaterThan(0);
    const scores = await readTopic(kafka, reference.scoresTopic);
    expect(input).toBeGreaterThan(50_000);
    expect(scores.length).toBeGreaterThan(0);
  });

  it("gives the same results after kill -9 of the detector mid-stream and a restart", async () => {
    const n = pipelineNames(testNames("stream-kill").topic);
    await copyReferenceInput(n);
    // Checkpoints every 100 ms; the kill lands right after the first one, mid-stream, so the
    // restart restores it and replays what followed.
    const env = { ...serviceEnv(n, brokers), DG_DETECTOR_CHECKPOINT_EVERY: "100ms" };
    const ls = linkerSettingsFor(n, brokers);
    await ensureDetectorTopics(kafka, detectorSettingsFor(n, brokers));
    await ensureLinkerTopics(kafka, ls);
    const linker = createLinkerService(ls, { kafka, logger });
    await linker.start();
    const sink = await startSink(kafka, n, servers().clickhouseUrl, database("kill"), logger);
    try {
      const first = spawnService("detector", env);
      await waitFor(
        async () => ((await endOffsets(kafka, n.detectorChangelog)).get(0) ?? 0n) > 0n,
        120_000,
        () => `a first checkpoint (stderr: ${first.stderr().slice(-3_000)})`,
        20,
      );
      expect(await caughtUp(kafka, n.detectorGroup, n.requestsTopic)).toBe(false);
      first.child.kill("SIGKILL");
      expect(await first.exited).toBe(null);
      const second = spawnService("detector", env);
      try {
        await waitFor(
          () => caughtUp(kafka, n.detectorGroup, n.requestsTopic),
          180_000,
          () => `restarted detector caught up (stderr: ${second.stderr().slice(-3_000)})`,
        );
        await waitFor(() => caughtUp(kafka, n.linkerGroup, n.linksTopic), 120_000, "linker caught up");
        await sinkCaughtUp(n, sink.groupId);
      } finally {
        second.child.kill("SIGTERM");
        expect(await second.exited).toBe(0);
      }
    } finally {
      await linker.stop();
      await sink.sink.stop();
    }
    const links = await readTopic(kafka, n.linksTopic);
    const refLinks = await readTopic(kafka, reference.linksTopic);
    // A replay re-sends what followed the last checkpoint; the linker drops it by source offset.
    expect(links.length).toBeGreaterThanOrEqual(refLinks.length);
    expect(await resultView(kafka, n)).toEqual(await resultView(kafka, reference));
    // What analysts see: the alert and campaign tables equal the uninterrupted run's.
    const ref = createClickHouse({ url: servers().clickhouseUrl, database: database("ref") });
    try {
      const killed = await tablesView(sink.client);
      expect(killed.alerts.length).toBeGreaterThan(0);
      expect(killed.campaignMembers.length).toBeGreaterThan(0);
      expect(killed).toEqual(await tablesView(ref));
    } finally {
      await ref.close();
      await sink.client.close();
    }
  }, 420_000);

  it("splits the partitions between two detectors in one group and gives the same results as one", async () => {
    const n = pipelineNames(testNames("stream-two").topic);
    const stats = await runInProcess(n, 2, () => copyReferenceInput(n));
    expect(stats.map((s) => s.records).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(input);
    expect(stats.every((s) => s.records > 0)).toBe(true);
    expect(stats.flatMap((s) => s.assigned).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await resultView(kafka, n)).toEqual(await resultView(kafka, reference));
  }, 300_000);

  /**
   * The linker split by account over three links partitions: `stages` account-stage members in
   * one group, one link stage. The reference input, so results compare with one linker's.
   */
  async function runSplit(n: PipelineNames, stages: number) {
    const ds = { ...detectorSettingsFor(n, brokers), linksPartitions: 3 };
    const ls = { ...linkerSettingsFor(n, brokers), linksPartitions: 3 };
    await ensureTopic(kafka, n.requestsTopic, { partitions: 6, config: REPLAY_TOPIC_CONFIG });
    await ensureDetectorTopics(kafka, ds);
    await ensureLinkerTopics(kafka, { ...ls, role: "link" });
    const detector = createDetectorService(ds, { kafka, logger });
    const accounts = Array.from({ length: stages }, () =>
      createLinkerService({ ...ls, role: "accounts" }, { kafka, logger }),
    );
    const link = createLinkerService({ ...ls, role: "link" }, { kafka, logger });
    try {
      await detector.start();
      for (const a of accounts) await a.start();
      await link.start();
      await waitFor(
        () => accounts.every((a) => a.stats().assigned.length > 0),
        60_000,
        "every account stage holds links partitions",
      );
      await copyReferenceInput(n);
      await waitFor(() => caughtUp(kafka, n.detectorGroup, n.requestsTopic), 120_000, "detector caught up");
      await waitFor(
        () => caughtUp(kafka, n.linkerAccountsGroup, n.linksTopic),
        120_000,
        "account stages caught up",
      );
      await waitFor(
        () => caughtUp(kafka, n.linkerGroup, n.linkRecordsTopic),
        120_000,
        "link stage caught up",
      );
      return accounts.map((a) => a.stats());
    } finally {
      await detector.stop();
      for (const a of accounts) await a.stop();
      await link.stop();
    }
  }

  it("splits the linker by account (one and three account stages, one link stage) with the same results as one linker", async () => {
    const reference_ = await resultView(kafka, reference);
    for (const stages of [1, 3]) {
      const n = pipelineNames(testNames(`stream-split${stages}`).topic);
      const stats = await runSplit(n, stages);
      expect(stats.flatMap((s) => s.assigned).sort()).toEqual([0, 1, 2]);
      expect(stats.every((s) => s.records > 0)).toBe(true);
      // Each account's observations went to one links partition, every partition got some.
      const ends = await endOffsets(kafka, n.linksTopic);
      expect([...ends.values()].filter((e) => e > 0n)).toHaveLength(3);
      expect(await resultView(kafka, n), `${stages} account stage(s)`).toEqual(reference_);
    }
  }, 600_000);

  it("dead-letters a poison record with the reason and goes on", async () => {
    const n = pipelineNames(testNames("stream-poison").topic);
    await produceScenario(kafka, n.requestsTopic, { ...hydra, durationMs: 600_000, accounts: 200 }, 2_000);
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({
      topic: n.requestsTopic,
      messages: [{ key: "acct-poison", value: Buffer.from("{not avro") }],
    });
    await producer.send({
      topic: n.requestsTopic,
      messages: [{ key: "acct-poison", value: Buffer.from([0xc3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9]) }],
    });
    await producer.disconnect();
    await runInProcess(n);
    const dead = await readTopic(kafka, n.dlqTopic);
    expect(dead).toHaveLength(2);
    const consumer = kafka.consumer({ groupId: `${n.dlqTopic}-hdr`, maxWaitTimeInMs: 100 });
    const reasons: ReturnType<typeof readDeadLetter>[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: n.dlqTopic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          reasons.push(readDeadLetter(message));
          if (reasons.length === 2) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(reasons.map((r) => r.kind).sort()).toEqual(["not-single-object", "unknown-schema"]);
    expect(reasons.every((r) => r.sourceTopic === n.requestsTopic && r.service === "detector")).toBe(true);
    // Everything after the poison records was processed: the group is at the end.
    expect(await caughtUp(kafka, n.detectorGroup, n.requestsTopic)).toBe(true);
  }, 180_000);
});
