export { type ClickHouseClient, createClickHouse, ensureDatabase } from "./clickhouse.ts";
export { type DeadLetterReason, DLQ_HEADERS, deadLetter, readDeadLetter } from "./dead-letter.ts";
export { createKafka, createProducer, ensureTopic } from "./kafka.ts";
export { createLogger, type LogFormat, type Logger } from "./logger.ts";
export { type ConnectionSettings, connectionSettings } from "./settings.ts";
export { createMetrics, defaultRegistry, type ServiceMetrics, serveMetrics } from "./metrics.ts";
