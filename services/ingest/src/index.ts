export { type BatchPlan, planBatch } from "./batch.ts";
export { createIngest, type Ingest, type IngestOptions } from "./ingest.ts";
export {
  DEFAULT_ASN_FILES,
  DEFAULT_COUNTRY_FILES,
  loadNetworkTables,
  type NetworkTables,
  networkEnricher,
} from "./networks.ts";
export { runIngestProcess } from "./process.ts";
export { type IngestSettings, ingestSettings } from "./settings.ts";
export { type Translation, translateRecord } from "./translate.ts";
export {
  type BatchTranslator,
  inlineTranslator,
  type RecordResult,
  TranslatorClosedError,
  toRecordResult,
  workerTranslator,
} from "./translator.ts";
