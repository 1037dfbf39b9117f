// For services' own metric families on the same registry (prom-client is runtime's dependency).
export { Counter, Gauge, Registry } from "prom-client";
export { type PartitionClock, partitionsAhead } from "./alignment.ts";
export { type AlignmentBoard, ensureAlignmentTopic, kafkaAlignmentBoard } from "./alignment-board.ts";
export { Changelog, type KeyedWrite, type Snapshot } from "./changelog.ts";
export { type ClickHouseClient, createClickHouse, ensureDatabase } from "./clickhouse.ts";
export { CommitLedger, type OffsetToCommit } from "./commit-ledger.ts";
export {
  type ClickHouseConnection,
  type Connections,
  clickhouseConnection,
  connectionsFromEnv,
  describeConnections,
  describeKafka,
  describeStartFailure,
  type KafkaConnection,
  kafkaConnection,
  resolveConnections,
} from "./connections.ts";
export {
  type DeadLetterReason,
  type DeadLetterSource,
  DLQ_HEADERS,
  deadLetter,
  readDeadLetter,
} from "./dead-letter.ts";
export { createKafka, createProducer, ensureTopic, partitionCount, REPLAY_TOPIC_CONFIG } from "./kafka.ts";
export { createLogger, type LogFormat, type Logger } from "./logger.ts";
export { createMetrics, defaultRegistry, type ServiceMetrics, serveMetrics } from "./metrics.ts";
export {
  type BatchContext,
  type BatchOutput,
  emptyStats,
  isRebalanceError,
  type PartitionProcessor,
  type ProcessorRunner,
  type RunnerStats,
  runProcessor,
  type StatefulProcessor,
} from "./processor.ts";
export { type ReadRange, readRanges } from "./reader.ts";
export { runServiceMain, type Startable } from "./service-main.ts";
export {
  type ClickHouseSettings,
  type ConnectionSettings,
  clickhouseSettings,
  connectionSettings,
  type KafkaSettings,
  kafkaSettings,
  topicName,
  topicSettings,
} from "./settings.ts";
export {
  isConcurrentTransactions,
  isFencedError,
  retryConcurrentTransactions,
  type Sender,
  transactionalId,
} from "./transactions.ts";
