/**
 * How long each table keeps rows, and the statements and decisions that enforce it. Pure: the
 * ClickHouse side is in retention.ts.
 *
 * A row's age is its event time (the column each table is partitioned by), so a replay of old
 * logs stores rows the next pass removes. Every table keeps a row at least its retention:
 * - servers with TTL (19.6 and later) get `TTL <time column> + INTERVAL <days> DAY`, which
 *   removes each row once it is that old, at the next merge;
 * - servers without it (18.16) drop a day partition once the whole day is older than that, so
 *   a row is kept between <days> and <days> + 1 days.
 */

/** Retention classes: one setting each (DG_SINK_RETENTION_<CLASS>_DAYS). */
export type RetentionClass = "requests" | "scores" | "alerts" | "campaigns" | "rollups";

/**
 * Days kept by default, and why:
 * - requests 14: sampled raw requests are the largest table and only serve to look at the
 *   traffic behind a recent alert; requests_1m keeps their per-minute totals longer.
 * - scores 90: one row per account and evaluation, the second largest; a quarter covers
 *   reviewing flags (false-positive queue) and comparing an account with its past.
 * - alerts 400, campaigns 400 (campaign_updates, campaign_members): few rows, and the evidence
 *   behind enforcement; a year plus a month allows year-over-year comparison.
 * - rollups 90: the per-minute tables behind the dashboards, whose longest range is a quarter.
 */
export const DEFAULT_RETENTION_DAYS: Readonly<Record<RetentionClass, number>> = {
  requests: 14,
  scores: 90,
  alerts: 400,
  campaigns: 400,
  rollups: 90,
};

export interface RetainedTable {
  table: string;
  retention: RetentionClass;
  /** DateTime column a row's age is read from (TTL, and the unpartitioned delete). */
  timeColumn: string;
  /**
   * The table's partition key as system.tables shows it when it is partitioned by day (the day
   * of timeColumn), or null when the table is not partitioned.
   */
  dayPartitionKey: string | null;
}

/** Every table of infra/clickhouse/migrations that grows with traffic (not schema_migrations). */
export const RETAINED_TABLES: readonly RetainedTable[] = [
  { table: "api_requests", retention: "requests", timeColumn: "event_time", dayPartitionKey: "event_date" },
  {
    table: "account_scores",
    retention: "scores",
    timeColumn: "window_end",
    dayPartitionKey: "toDate(window_end)",
  },
  { table: "alerts", retention: "alerts", timeColumn: "opened_at", dayPartitionKey: "toDate(opened_at)" },
  {
    table: "campaign_updates",
    retention: "campaigns",
    timeColumn: "event_time",
    dayPartitionKey: "toDate(event_time)",
  },
  // Unpartitioned, since a (campaign, account) key's rows must share a partition to collapse.
  // A row there is the latest update that listed the account, so retention removes accounts
  // no update has listed for that long — under FINAL the key disappears as a whole, because
  // every older row of it is older still.
  { table: "campaign_members", retention: "campaigns", timeColumn: "event_time", dayPartitionKey: null },
  { table: "alerts_1m", retention: "rollups", timeColumn: "minute", dayPartitionKey: "toDate(minute)" },
  {
    table: "account_scores_1m",
    retention: "rollups",
    timeColumn: "minute",
    dayPartitionKey: "toDate(minute)",
  },
  {
    table: "campaign_activity_1m",
    retention: "rollups",
    timeColumn: "minute",
    dayPartitionKey: "toDate(minute)",
  },
  { table: "requests_1m", retention: "rollups", timeColumn: "minute", dayPartitionKey: "toDate(minute)" },
];

export interface RetentionRule extends RetainedTable {
  days: number;
}

export const DAY_MS = 86_400_000;

/** One rule per retained table, with the days of its class. */
export function retentionPolicy(
  days: Readonly<Record<RetentionClass, number>> = DEFAULT_RETENTION_DAYS,
  tables: readonly RetainedTable[] = RETAINED_TABLES,
): RetentionRule[] {
  return tables.map((t) => {
    const d = days[t.retention];
    if (!Number.isInteger(d) || d < 1) {
      throw new RangeError(`retention of ${t.retention} must be a whole number of days ≥ 1 (got ${d})`);
    }
    return { ...t, days: d };
  });
}

/** The idempotent statement that sets a table's TTL (a second run sets the same TTL again). */
export function ttlStatement(rule: RetentionRule): string {
  return `ALTER TABLE ${rule.table} MODIFY TTL ${rule.timeColumn} + INTERVAL ${rule.days} DAY`;
}

/**
 * Whether system.tables' engine_full already carries the rule's TTL, as the server normalises
 * it (`TTL event_time + toIntervalDay(14)`). Skipping the ALTER then matters: each MODIFY TTL
 * starts a mutation that recomputes the TTL of every part.
 */
export function hasTtl(engineFull: string, rule: RetentionRule): boolean {
  const ttl = `TTL ${rule.timeColumn} + toIntervalDay(${rule.days})`;
  const at = engineFull.indexOf(ttl);
  if (at < 0) return false;
  const next = engineFull.charAt(at + ttl.length);
  return next === "" || next === " " || next === ",";
}

/**
 * The day, as a partition id (YYYYMMDD) in the server's time zone, before which whole days
 * are older than `days`: day d is dropped when d < cutoff, i.e. its last second is at least
 * `days` days before `now`. A time zone this runtime does not know is treated as UTC one day
 * further back, which never drops early whatever the server's offset (offsets are < 1 day).
 */
export function cutoffPartition(now: number, days: number, timeZone: string): string {
  const at = now - days * DAY_MS;
  try {
    return dayId(at, timeZone);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return dayId(at - DAY_MS, "UTC");
  }
}

function dayId(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}${get("month")}${get("day")}`;
}

/**
 * Partition ids of a day-partitioned table to drop: those of days before `cutoff`, oldest
 * first. Ids that are not a day (YYYYMMDD) are never dropped.
 */
export function partitionsToDrop(partitionIds: readonly string[], cutoff: string): string[] {
  return [...new Set(partitionIds)].filter((id) => /^\d{8}$/.test(id) && id < cutoff).sort();
}

/**
 * Unix seconds before which an unpartitioned table's rows are deleted on servers without TTL:
 * `now` minus `days`, rounded down to a UTC midnight so the cutoff moves once a day, and with
 * it the (expensive, whole-table) delete mutation runs at most daily.
 */
export function rowCutoffSeconds(now: number, days: number): number {
  return (Math.floor((now - days * DAY_MS) / DAY_MS) * DAY_MS) / 1000;
}
