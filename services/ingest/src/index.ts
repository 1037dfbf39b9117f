export { type BatchPlan, planBatch } from "./batch.ts";
export { createIngest, type Ingest, type IngestOptions } from "./ingest.ts";
export { type IngestSettings, ingestSettings } from "./settings.ts";
export { type Translation, translateRecord } from "./translate.ts";
