import { parseConfig } from "@distillguard/config";
import {
  createDetectorService,
  type DetectorSettings,
  detectorSettings,
  ensureDetectorTopics,
} from "@distillguard/detector-service";
import {
  createLinkerService,
  ensureLinkerTopics,
  type LinkerSettings,
  linkerSettings,
} from "@distillguard/linker-service";
import {
  type ClickHouseConnection,
  createClickHouse,
  ensureDatabase,
  ensureTopic,
  type Logger,
  REPLAY_TOPIC_CONFIG,
} from "@distillguard/runtime";
import {
  applyMigrations,
  checkResultSinkSettings,
  createResultSink,
  type ResultSink,
  type ResultSinkSettings,
  resultSinkSettings,
} from "@distillguard/sink";
import type { Kafka } from "kafkajs";

export interface PipelineSettings {
  detector: DetectorSettings;
  linker: LinkerSettings;
  sink: ResultSinkSettings;
}

/**
 * Each service's settings from one environment, exactly as each would read them alone: the
 * shared topic variables configure all three, and each service's own prefix stays its own.
 */
export function parsePipelineSettings(env: Readonly<Record<string, string | undefined>>): PipelineSettings {
  return {
    detector: parseConfig(detectorSettings, env, { prefix: "DG_DETECTOR_" }),
    linker: parseConfig(linkerSettings, env, { prefix: "DG_LINKER_" }),
    sink: checkResultSinkSettings(parseConfig(resultSinkSettings, env, { prefix: "DG_SINK_" })),
  };
}

export interface Pipeline {
  stop(): Promise<void>;
  stats(): {
    detector: ReturnType<ReturnType<typeof createDetectorService>["stats"]>;
    linker: ReturnType<ReturnType<typeof createLinkerService>["stats"]>;
    sink: ReturnType<ResultSink["stats"]>;
  };
}

/**
 * Detector, campaign linker and ClickHouse sink in one process, for local use and the demo.
 * They talk through Kafka exactly as separate processes do, so what works here scales out by
 * running `services/<name>/src/main.ts` apart. `kafka` and `clickhouse` come from one
 * `resolveConnections`, so both are reached the way the settings say.
 */
export async function startPipeline(
  s: PipelineSettings,
  deps: { kafka: Kafka; clickhouse: ClickHouseConnection; logger: Logger; onFatal?: (e: Error) => void },
): Promise<Pipeline> {
  await ensureTopic(deps.kafka, s.detector.requestsTopic, { partitions: 6, config: REPLAY_TOPIC_CONFIG });
  await ensureDetectorTopics(deps.kafka, s.detector);
  await ensureLinkerTopics(deps.kafka, s.linker);
  await ensureDatabase(deps.clickhouse, s.sink.clickhouseDatabase);
  // Quiet: the client's own error log prints the server's message, which quotes the rows of a
  // refused insert (one per bisection step); the sink logs each failure itself, by code.
  const clickhouse = createClickHouse({
    ...deps.clickhouse,
    database: s.sink.clickhouseDatabase,
    quiet: true,
  });
  await applyMigrations(clickhouse);
  const detector = createDetectorService(s.detector, deps);
  const linker = createLinkerService(s.linker, deps);
  const sink = createResultSink({
    ...deps,
    clickhouse,
    scoresTopic: s.sink.scoresTopic,
    alertsTopic: s.sink.alertsTopic,
    campaignsTopic: s.sink.campaignsTopic,
    requests: { topic: s.sink.requestsTopic, sampleRate: s.sink.requestSampleRate },
    dlqTopic: s.sink.dlqTopic,
    groupId: s.sink.groupId,
    flush: { maxRows: s.sink.flushRows, maxBytes: s.sink.flushBytes, maxDelayMs: s.sink.flushInterval },
    alertsMaxDelayMs: s.sink.alertsFlushInterval,
    maxBufferedBytes: s.sink.maxBufferedBytes,
    retry: { maxMs: s.sink.retryMax },
  });
  await detector.start();
  await linker.start();
  await sink.start();
  return {
    async stop() {
      await detector.stop();
      await linker.stop();
      await sink.stop();
      await clickhouse.close();
    },
    stats: () => ({ detector: detector.stats(), linker: linker.stats(), sink: sink.stats() }),
  };
}
