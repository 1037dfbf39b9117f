export { applyMigrations } from "./migrations.ts";
export { createRawRequestSink, type RawRequestSink } from "./raw-request-sink.ts";
export { type RawRequestRow, toRawRequestRow } from "./rows.ts";
