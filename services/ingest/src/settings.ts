import { duration, fileList, oneOf, type Parsed, string } from "@distillguard/config";
import { connectionSettings } from "@distillguard/runtime";
import { DEFAULT_ASN_FILES, DEFAULT_COUNTRY_FILES } from "./networks.ts";

const topicName = {
  pattern: /^[A-Za-z0-9._-]{1,249}$/,
  hint: "a Kafka topic name: 1-249 of letters, digits, . _ -",
};

/** What `services/ingest/src/main.ts` reads from the environment. */
export const ingestSettings = {
  ...connectionSettings,
  inputTopic: string({
    env: "DG_INGEST_INPUT_TOPIC",
    doc: "Topic the gateway writes LiteLLM StandardLoggingPayload JSON to",
    default: "litellm-logs",
    ...topicName,
  }),
  outputTopic: string({
    env: "DG_INGEST_OUTPUT_TOPIC",
    doc: "Topic the ingest writes fingerprinted ApiRequest records to, keyed by account",
    default: "api-requests",
    ...topicName,
  }),
  dlqTopic: string({
    env: "DG_INGEST_DLQ_TOPIC",
    doc: "Topic for records the ingest could not read or map, with the reason and source offset",
    default: "api-requests.dlq",
    ...topicName,
  }),
  groupId: string({
    env: "DG_INGEST_GROUP",
    doc: "Kafka consumer group of the ingest",
    default: "dg-ingest",
  }),
  asnFiles: fileList({
    env: "DG_INGEST_ASN_FILES",
    doc: "IP → ASN range files (CSV start,end,asn,name; IPv4/IPv6, dotted or decimal), or off",
    default: DEFAULT_ASN_FILES,
    shownDefault: "@ip-location-db/asn (IPv4 + IPv6)",
  }),
  countryFiles: fileList({
    env: "DG_INGEST_COUNTRY_FILES",
    doc: "IP → country range files (CSV start,end,country), or off",
    default: DEFAULT_COUNTRY_FILES,
    shownDefault: "@ip-location-db/dbip-country (IPv4 + IPv6)",
  }),
  elicitation: oneOf({
    env: "DG_INGEST_ELICITATION",
    doc: "What cot_elicitation is: keywords (the list), model (the trained model, docs/elicitation.md) or either (the higher)",
    values: ["keywords", "model", "either"] as const,
    default: "keywords",
  }),
  recordBudget: duration({
    env: "DG_INGEST_RECORD_BUDGET",
    doc: "Longest one record's translation may take; one that overruns goes to the DLQ as budget-exceeded",
    default: 2_000,
    minMs: 10,
    maxMs: 600_000,
  }),
};

export type IngestSettings = Parsed<typeof ingestSettings>;
