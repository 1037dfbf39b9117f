export {
  alreadyApplied,
  applyMigrations,
  loadMigrations,
  type Migration,
  MigrationError,
  planMigrations,
} from "./migrations.ts";
export {
  RESULT_TABLES,
  type ResultKind,
  type ResultTable,
  toAccountScoreRow,
  toAlertRow,
  toCampaignMemberRows,
  toCampaignUpdateRow,
  toTableRows,
  UnstorableRecordError,
} from "./result-rows.ts";
export {
  createResultSink,
  type ResultSink,
  type ResultSinkOptions,
  type ResultSinkStats,
} from "./result-sink.ts";
export {
  applyRetention,
  createRetentionJob,
  type RetentionJob,
  type RetentionJobOptions,
  type RetentionReport,
  type TableRetention,
} from "./retention.ts";
export {
  cutoffPartition,
  DEFAULT_RETENTION_DAYS,
  hasTtl,
  partitionsToDrop,
  RETAINED_TABLES,
  type RetainedTable,
  type RetentionClass,
  type RetentionRule,
  retentionPolicy,
  rowCutoffSeconds,
  ttlStatement,
} from "./retention-policy.ts";
export { type ApiRequestRow, toApiRequestRow } from "./rows.ts";
export { sampled } from "./sampling.ts";
export { detectServer, type ServerCapabilities } from "./server.ts";
export {
  checkResultSinkSettings,
  type ResultSinkSettings,
  resultSinkSettings,
  retentionDaysOf,
} from "./settings.ts";
export { DEFAULT_FLUSH_LIMITS, type FlushLimits } from "./table-buffer.ts";
