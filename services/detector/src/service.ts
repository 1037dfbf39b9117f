import { defaultDetectorConfig } from "@distillguard/detector";
import {
  Changelog,
  createMetrics,
  createProducer,
  emptyStats,
  ensureAlignmentTopic,
  ensureTopic,
  kafkaAlignmentBoard,
  type Logger,
  type ProcessorRunner,
  partitionCount,
  type RunnerStats,
  runProcessor,
} from "@distillguard/runtime";
import type { Kafka, Producer } from "kafkajs";
import { detectorProcessor } from "./processor.ts";
import type { DetectorSettings } from "./settings.ts";

/** Link watermarks every minute of event time: the linker's buffer holds about that much. */
export const LINK_TICK_MS = 60_000;

export interface DetectorService {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): RunnerStats;
}

/** Creates the topics the detector writes (the input belongs to the ingest). */
export async function ensureDetectorTopics(kafka: Kafka, s: DetectorSettings): Promise<void> {
  await ensureTopic(kafka, s.scoresTopic, { partitions: 3 });
  await ensureTopic(kafka, s.alertsTopic, { partitions: 3 });
  await ensureTopic(kafka, s.linksTopic, { partitions: s.linksPartitions });
  await ensureTopic(kafka, s.dlqTopic, { partitions: 1 });
  await Changelog.ensure(kafka, s.changelogTopic);
  await ensureAlignmentTopic(kafka, s.clocksTopic);
}

export function createDetectorService(
  s: DetectorSettings,
  deps: { kafka: Kafka; logger: Logger; onFatal?: (e: Error) => void },
): DetectorService {
  const logger = deps.logger.child({ service: "detector" });
  let producer: Producer | undefined;
  let runner: ProcessorRunner | undefined;
  return {
    async start() {
      producer = createProducer(deps.kafka, { maxInFlightRequests: 1 });
      await producer.connect();
      const changelog = new Changelog(deps.kafka, s.changelogTopic, producer);
      runner = runProcessor({
        kafka: deps.kafka,
        logger,
        metrics: createMetrics("detector"),
        groupId: s.groupId,
        topics: [s.requestsTopic],
        dlqTopic: s.dlqTopic,
        onFatal: deps.onFatal,
        // Outputs, checkpoint and offsets of a batch in one transaction: a member that wakes
        // after losing its partitions can neither publish results nor overwrite checkpoints.
        exactlyOnce: true,
        transactionTimeoutMs: s.transactionTimeout,
        maxBytesPerPartition: s.fetchMaxBytes,
        // The linker waits for every partition's watermark: partitions drifting apart in event
        // time under a backlog would make it buffer the difference (hours, measured).
        alignment:
          s.maxDrift > 0
            ? {
                maxDriftMs: s.maxDrift,
                watermark: (t) => (Number.isFinite(t.detector.watermarkMs) ? t.detector.watermarkMs : null),
                // Across members too: one slower member's partitions would otherwise hold the
                // linker back while the others run ahead.
                board: kafkaAlignmentBoard({
                  kafka: deps.kafka,
                  logger,
                  topic: s.clocksTopic,
                  groupId: s.groupId,
                  topics: [s.requestsTopic],
                }),
              }
            : undefined,
        processor: detectorProcessor({
          config: { ...defaultDetectorConfig, link: false },
          changelog,
          logger,
          topics: { scores: s.scoresTopic, alerts: s.alertsTopic, links: s.linksTopic },
          evaluateEveryMs: s.evaluateEvery,
          linkTickMs: LINK_TICK_MS,
          checkpointEveryMs: s.checkpointEvery,
          partitionCount: (topic) => partitionCount(deps.kafka, topic),
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
