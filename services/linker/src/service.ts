import { defaultLinkerConfig } from "@distillguard/campaigns";
import {
  Changelog,
  createMetrics,
  createProducer,
  emptyStats,
  ensureTopic,
  type Logger,
  type ProcessorRunner,
  partitionCount,
  type RunnerStats,
  runProcessor,
} from "@distillguard/runtime";
import type { Kafka, Producer } from "kafkajs";
import { linkerMetrics } from "./metrics.ts";
import { linkerProcessor } from "./processor.ts";
import type { LinkerSettings } from "./settings.ts";

export interface LinkerService {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): RunnerStats;
}

export async function ensureLinkerTopics(kafka: Kafka, s: LinkerSettings): Promise<void> {
  await ensureTopic(kafka, s.linksTopic, { partitions: s.linksPartitions });
  if (s.role !== "all") await ensureTopic(kafka, s.linkRecordsTopic, { partitions: 1 });
  await ensureTopic(kafka, s.campaignsTopic, { partitions: 3 });
  await ensureTopic(kafka, s.alertsTopic, { partitions: 3 });
  await ensureTopic(kafka, s.dlqTopic, { partitions: 1 });
  await Changelog.ensure(kafka, s.changelogTopic);
}

export function createLinkerService(
  s: LinkerSettings,
  deps: { kafka: Kafka; logger: Logger; onFatal?: (e: Error) => void },
): LinkerService {
  const logger = deps.logger.child({ service: "linker", role: s.role });
  let producer: Producer | undefined;
  let runner: ProcessorRunner | undefined;
  return {
    async start() {
      producer = createProducer(deps.kafka, { maxInFlightRequests: 1 });
      await producer.connect();
      runner = runProcessor({
        kafka: deps.kafka,
        logger,
        metrics: createMetrics("linker"),
        groupId: s.role === "accounts" ? s.accountsGroupId : s.groupId,
        topics: [s.role === "link" ? s.linkRecordsTopic : s.linksTopic],
        dlqTopic: s.dlqTopic,
        onFatal: deps.onFatal,
        // Outputs, checkpoint and offsets of a batch in one transaction: a member that wakes
        // after losing its partitions can neither publish results nor overwrite checkpoints.
        exactlyOnce: true,
        transactionTimeoutMs: s.transactionTimeout,
        processor: linkerProcessor({
          config: defaultLinkerConfig,
          role: s.role,
          changelog: new Changelog(deps.kafka, s.changelogTopic, producer),
          logger,
          topics: { campaigns: s.campaignsTopic, alerts: s.alertsTopic, records: s.linkRecordsTopic },
          partitionCount: (topic) => partitionCount(deps.kafka, topic),
          evaluateEveryMs: s.evaluateEvery,
          checkpointEveryMs: s.checkpointEvery,
          sourceIdleMs: s.sourceIdle,
          metrics: linkerMetrics(),
        }),
      });
      await runner.start();
    },
    async stop() {
      await runner?.stop();
      await producer?.disconnect();
    },
    stats: () => runner?.stats() ?? emptyStats(),
  };
}
