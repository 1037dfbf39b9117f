import { brokerList, integer, oneOf, optional, type Parsed, string, url } from "@distillguard/config";

export const SECURITY_PROTOCOLS = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] as const;
export const SASL_MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] as const;

/**
 * Where Kafka is and how to log in. The DG_KAFKA_* names and values are the LiteLLM logger's
 * (integrations/litellm), so one environment configures the gateway and the services.
 * Combinations and files are checked by `kafkaConnection` (connections.ts).
 */
export const kafkaSettings = {
  kafkaBrokers: brokerList({
    env: "KAFKA_BROKERS",
    doc: "Kafka bootstrap servers, comma-separated host:port",
    default: ["127.0.0.1:9092"],
  }),
  kafkaSecurityProtocol: oneOf({
    env: "DG_KAFKA_SECURITY_PROTOCOL",
    doc: "PLAINTEXT, SSL (TLS; with a client certificate for mTLS), SASL_PLAINTEXT or SASL_SSL",
    default: "PLAINTEXT",
    values: SECURITY_PROTOCOLS,
    ignoreCase: true,
  }),
  kafkaSaslMechanism: optional(
    oneOf({
      env: "DG_KAFKA_SASL_MECHANISM",
      doc: "With SASL_*: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512",
      values: SASL_MECHANISMS,
      ignoreCase: true,
    }),
  ),
  kafkaSaslUsername: optional(string({ env: "DG_KAFKA_SASL_USERNAME", doc: "With SASL_*: the user" })),
  kafkaSaslPassword: optional(
    string({
      env: "DG_KAFKA_SASL_PASSWORD",
      doc: "With SASL_*: the password; never logged",
      secret: true,
    }),
  ),
  kafkaSaslPasswordFile: optional(
    string({
      env: "DG_KAFKA_SASL_PASSWORD_FILE",
      doc: "File holding the SASL password instead (a final newline is ignored)",
    }),
  ),
  kafkaSslCaLocation: optional(
    string({
      env: "DG_KAFKA_SSL_CA_LOCATION",
      doc: "With SSL or SASL_SSL: PEM file of the CA that signed the brokers' certificates; unset or probe: the public CAs Node trusts",
    }),
  ),
  kafkaSslCertificateLocation: optional(
    string({ env: "DG_KAFKA_SSL_CERTIFICATE_LOCATION", doc: "mTLS: the client certificate (PEM)" }),
  ),
  kafkaSslKeyLocation: optional(
    string({ env: "DG_KAFKA_SSL_KEY_LOCATION", doc: "mTLS: the client's private key (PEM)" }),
  ),
  kafkaSslKeyPassword: optional(
    string({
      env: "DG_KAFKA_SSL_KEY_PASSWORD",
      doc: "mTLS: the passphrase of an encrypted key; never logged",
      secret: true,
    }),
  ),
  kafkaSslKeyPasswordFile: optional(
    string({
      env: "DG_KAFKA_SSL_KEY_PASSWORD_FILE",
      doc: "File holding the key's passphrase instead (a final newline is ignored)",
    }),
  ),
};

/** Where ClickHouse is and who the services are there; checked by `clickhouseConnection`. */
export const clickhouseSettings = {
  clickhouseUrl: url({
    env: "CLICKHOUSE_URL",
    doc: "ClickHouse HTTP endpoint; https:// for TLS (user and password may be given in the URL instead of the two below)",
    default: "http://127.0.0.1:8123",
    protocols: ["http:", "https:"],
  }),
  clickhouseUser: optional(
    string({ env: "DG_CLICKHOUSE_USER", doc: "ClickHouse user; unset: the server's default user" }),
  ),
  clickhousePassword: optional(
    string({ env: "DG_CLICKHOUSE_PASSWORD", doc: "ClickHouse password; never logged", secret: true }),
  ),
  clickhousePasswordFile: optional(
    string({
      env: "DG_CLICKHOUSE_PASSWORD_FILE",
      doc: "File holding the ClickHouse password instead (a final newline is ignored)",
    }),
  ),
  clickhouseCaFile: optional(
    string({
      env: "DG_CLICKHOUSE_CA_FILE",
      doc: "With an https:// CLICKHOUSE_URL: PEM file of the CA that signed the server's certificate; unset: the public CAs Node trusts",
    }),
  ),
  clickhouseDatabase: string({
    env: "CLICKHOUSE_DATABASE",
    doc: "ClickHouse database the services write to (created if missing)",
    default: "distillguard",
    pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
    hint: "an identifier: letters, digits, underscore",
  }),
};

/** Settings every service reads: where Kafka and ClickHouse are, and how loud to log. */
export const connectionSettings = {
  ...kafkaSettings,
  ...clickhouseSettings,
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

export type KafkaSettings = Parsed<typeof kafkaSettings>;
export type ClickHouseSettings = Parsed<typeof clickhouseSettings>;
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
    doc: "Link observations and watermarks from the detectors to the linker",
    default: "links",
    ...topicName,
  }),
  linksPartitions: integer({
    env: "DG_LINKS_PARTITIONS",
    doc: "Partitions the links topic is created with: 1 for one linker (DG_LINKER_ROLE=all); more to split the linker by account over up to that many account-stage members (detectors send each account's observations to one partition). Read from the topic once it exists",
    default: 1,
    min: 1,
    max: 64,
  }),
  linkRecordsTopic: string({
    env: "DG_LINK_RECORDS_TOPIC",
    doc: "A split linker's link records, from its account stages to its link stage (one partition)",
    default: "link-records",
    ...topicName,
  }),
  dlqTopic: string({
    env: "DG_DLQ_TOPIC",
    doc: "Dead letters: records that could not be decoded, with the reason and source offset",
    default: "api-requests.dlq",
    ...topicName,
  }),
};
