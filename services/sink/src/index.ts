export { type ApiRequestSink, createApiRequestSink } from "./api-request-sink.ts";
export { applyMigrations } from "./migrations.ts";
export { type ApiRequestRow, toApiRequestRow } from "./rows.ts";
