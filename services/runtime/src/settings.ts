import { brokerList, oneOf, type Parsed, string, url } from "@distillguard/config";

/** Settings every service reads: where Kafka and ClickHouse are, and how loud to log. */
export const connectionSettings = {
  kafkaBrokers: brokerList({
    env: "KAFKA_BROKERS",
    doc: "Kafka bootstrap servers, comma-separated host:port",
    default: ["127.0.0.1:9092"],
  }),
  clickhouseUrl: url({
    env: "CLICKHOUSE_URL",
    doc: "ClickHouse HTTP endpoint (user and password may be given in the URL)",
    default: "http://127.0.0.1:8123",
    protocols: ["http:", "https:"],
  }),
  clickhouseDatabase: string({
    env: "CLICKHOUSE_DATABASE",
    doc: "ClickHouse database the services write to (created if missing)",
    default: "distillguard",
    pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
    hint: "an identifier: letters, digits, underscore",
  }),
  logLevel: oneOf({
    env: "LOG_LEVEL",
    doc: "pino log level",
    default: "info",
    values: ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const,
  }),
  logFormat: oneOf({
    env: "LOG_FORMAT",
    doc: "json, pretty, or auto (pretty when stderr is a terminal)",
    default: "auto",
    values: ["json", "pretty", "auto"] as const,
  }),
};

export type ConnectionSettings = Parsed<typeof connectionSettings>;
