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

export const topicName = {
  pattern: /^[A-Za-z0-9._-]{1,249}$/,
  hint: "a Kafka topic name: 1-249 of letters, digits, . _ -",
};

/** Topics shared by the detector, the linker and the sink (defaults match each other). */
export const topicSettings = {
  requestsTopic: string({
    env: "DG_REQUESTS_TOPIC",
    doc: "ApiRequest records keyed by account (the ingest's output)",
    default: "api-requests",
    ...topicName,
  }),
  scoresTopic: string({
    env: "DG_SCORES_TOPIC",
    doc: "AccountScore records, keyed by account",
    default: "account-scores",
    ...topicName,
  }),
  alertsTopic: string({
    env: "DG_ALERTS_TOPIC",
    doc: "Alert records (account and campaign), keyed by subject",
    default: "alerts",
    ...topicName,
  }),
  campaignsTopic: string({
    env: "DG_CAMPAIGNS_TOPIC",
    doc: "CampaignUpdate records, keyed by campaign",
    default: "campaign-updates",
    ...topicName,
  }),
  linksTopic: string({
    env: "DG_LINKS_TOPIC",
    doc: "Link observations and watermarks from the detectors to the linker (one partition)",
    default: "links",
    ...topicName,
  }),
  dlqTopic: string({
    env: "DG_DLQ_TOPIC",
    doc: "Dead letters: records that could not be decoded, with the reason and source offset",
    default: "api-requests.dlq",
    ...topicName,
  }),
};
