import {
  type ClickHouseClient,
  Counter,
  defaultRegistry,
  Gauge,
  type Logger,
  type Registry,
} from "@distillguard/runtime";
import {
  cutoffPartition,
  hasTtl,
  partitionsToDrop,
  type RetentionRule,
  rowCutoffSeconds,
  ttlStatement,
} from "./retention-policy.ts";
import { detectServer } from "./server.ts";

/** What one pass did to one table. */
export type TableRetention =
  | { table: string; action: "ttl-set"; statement: string }
  | { table: string; action: "ttl-kept" }
  | { table: string; action: "partitions-dropped"; partitions: string[] }
  | { table: string; action: "rows-deleted"; rows: number; beforeSeconds: number }
  | { table: string; action: "nothing-old" }
  | { table: string; action: "skipped"; reason: string }
  | { table: string; action: "failed"; error: string };

export interface RetentionReport {
  version: string;
  /** `ttl` where the server has table TTL, `partition-drop` where it has not (18.16). */
  mode: "ttl" | "partition-drop";
  tables: TableRetention[];
}

/**
 * Enforces `rules` on the database `client` is bound to, as of `now` (ms). Asks the server
 * whether it has table TTL (server.ts: the merge_with_ttl_timeout MergeTree setting, which
 * came with TTL in 19.6; asked rather than read from the version, as forks and embedded builds
 * differ). With TTL: sets `TTL <time column> + INTERVAL <days> DAY` on each table whose TTL
 * differs, and ClickHouse removes rows at merges. Without: drops the day partitions older
 * than the retention listed in system.parts, and on the unpartitioned campaign_members issues
 * a DELETE mutation for rows older than that (only when some exist and none is pending).
 * Idempotent; a table that fails is reported and the others still run.
 */
export async function applyRetention(
  client: ClickHouseClient,
  rules: readonly RetentionRule[],
  now: number,
  opts: { ttl?: boolean } = {},
): Promise<RetentionReport> {
  const server = await detectServer(client);
  const ttl = opts.ttl ?? server.ttl;
  const tables = new Map(
    (
      await rows<{ name: string; partition_key: string; engine_full: string }>(
        client,
        "SELECT name, partition_key, engine_full FROM system.tables WHERE database = currentDatabase()",
      )
    ).map((t) => [t.name, t]),
  );
  // Partition ids are days in the server's time zone; only the partition drop needs it.
  const timeZone = ttl ? "" : String((await rows<{ tz: string }>(client, "SELECT timezone() AS tz"))[0]?.tz);
  const out: TableRetention[] = [];
  for (const rule of rules) {
    const table = tables.get(rule.table);
    if (!table) {
      out.push({
        table: rule.table,
        action: "skipped",
        reason: "table does not exist (migrations not applied?)",
      });
      continue;
    }
    try {
      if (ttl) out.push(await applyTtl(client, rule, table.engine_full));
      else if (rule.dayPartitionKey === null) out.push(await deleteOldRows(client, rule, now));
      else if (table.partition_key !== rule.dayPartitionKey) {
        out.push({
          table: rule.table,
          action: "skipped",
          reason: `partitioned by '${table.partition_key}', not by day ('${rule.dayPartitionKey}'): it predates the day-partition migration; recreate it to have retention`,
        });
      } else out.push(await dropOldPartitions(client, rule, cutoffPartition(now, rule.days, timeZone)));
    } catch (e) {
      out.push({ table: rule.table, action: "failed", error: errorText(e) });
    }
  }
  return { version: server.version, mode: ttl ? "ttl" : "partition-drop", tables: out };
}

async function applyTtl(
  client: ClickHouseClient,
  rule: RetentionRule,
  engineFull: string,
): Promise<TableRetention> {
  if (hasTtl(engineFull, rule)) return { table: rule.table, action: "ttl-kept" };
  const statement = ttlStatement(rule);
  await client.command({ query: statement });
  return { table: rule.table, action: "ttl-set", statement };
}

async function dropOldPartitions(
  client: ClickHouseClient,
  rule: RetentionRule,
  cutoff: string,
): Promise<TableRetention> {
  const ids = await rows<{ id: string }>(
    client,
    `SELECT DISTINCT partition_id AS id FROM system.parts
     WHERE database = currentDatabase() AND table = '${rule.table}' AND active`,
  );
  const old = partitionsToDrop(
    ids.map((r) => r.id),
    cutoff,
  );
  if (old.length === 0) return { table: rule.table, action: "nothing-old" };
  for (const id of old) {
    await client.command({ query: `ALTER TABLE ${rule.table} DROP PARTITION ID '${id}'` });
  }
  return { table: rule.table, action: "partitions-dropped", partitions: old };
}

async function deleteOldRows(
  client: ClickHouseClient,
  rule: RetentionRule,
  now: number,
): Promise<TableRetention> {
  const before = rowCutoffSeconds(now, rule.days);
  // A mutation rewrites every part; one still running would be repeated for nothing.
  const [pending] = await rows<{ n: string }>(
    client,
    `SELECT count() AS n FROM system.mutations
     WHERE database = currentDatabase() AND table = '${rule.table}' AND is_done = 0`,
  );
  if (Number(pending?.n) > 0) {
    return { table: rule.table, action: "skipped", reason: "a DELETE mutation is still running" };
  }
  const where = `${rule.timeColumn} < toDateTime(${before})`;
  const [old] = await rows<{ n: string }>(client, `SELECT count() AS n FROM ${rule.table} WHERE ${where}`);
  const n = Number(old?.n);
  if (!(n > 0)) return { table: rule.table, action: "nothing-old" };
  await client.command({ query: `ALTER TABLE ${rule.table} DELETE WHERE ${where}` });
  return { table: rule.table, action: "rows-deleted", rows: n, beforeSeconds: before };
}

async function rows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  const rs = await client.query({ query, format: "JSONEachRow" });
  return rs.json<T>();
}

/** The server's message without row data (these statements carry none), capped for logs. */
function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 300);
}

export interface RetentionJobOptions {
  clickhouse: ClickHouseClient;
  logger: Logger;
  rules: readonly RetentionRule[];
  /** Wall time between passes; the first runs in start(). */
  intervalMs: number;
  /** Metrics go here (default: the process-wide registry /metrics serves). */
  registry?: Registry;
  service?: string;
  /** Wall clock in ms; injected so tests can move time. */
  clock?: () => number;
}

export interface RetentionJob {
  /** Runs the first pass (a failure is logged and counted, not thrown), then one every interval. */
  start(): Promise<void>;
  /** Stops the schedule and waits for a pass in flight. */
  stop(): Promise<void>;
  /** One pass now; null if one is already running or it failed as a whole. */
  runOnce(): Promise<RetentionReport | null>;
}

/**
 * Runs applyRetention at start and every `intervalMs`, one pass at a time. Each pass is logged
 * (info when something was set, dropped or deleted; warn for skipped or failed tables) and
 * counted: dg_retention_runs_total{outcome}, dg_retention_partitions_dropped_total{table}, and
 * dg_retention_last_success_seconds, which an alert can watch for staleness.
 */
export function createRetentionJob(opts: RetentionJobOptions): RetentionJob {
  const log = opts.logger.child({ component: "retention" });
  const metrics = retentionMetrics(opts.registry ?? defaultRegistry);
  const service = opts.service ?? "sink";
  const clock = opts.clock ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RetentionReport | null> | null = null;
  let passes = 0;

  async function pass(): Promise<RetentionReport | null> {
    let report: RetentionReport;
    try {
      report = await applyRetention(opts.clickhouse, opts.rules, clock());
    } catch (e) {
      metrics.runs.inc({ service, outcome: "failed" });
      log.error({ err: errorText(e) }, "retention pass failed");
      return null;
    }
    const changed = report.tables.filter((t) => t.action !== "ttl-kept" && t.action !== "nothing-old");
    const failed = report.tables.filter((t) => t.action === "failed");
    for (const t of report.tables) {
      if (t.action === "partitions-dropped")
        metrics.dropped.inc({ service, table: t.table }, t.partitions.length);
      if (t.action === "skipped" || t.action === "failed") log.warn({ mode: report.mode, ...t }, "retention");
    }
    metrics.runs.inc({ service, outcome: failed.length > 0 ? "partial" : "ok" });
    if (failed.length === 0) metrics.lastSuccess.set({ service }, Math.floor(clock() / 1000));
    const done = changed.filter((t) => t.action !== "skipped" && t.action !== "failed");
    // The first pass says which way this server is handled; later ones only when they acted.
    (done.length > 0 || passes === 0 ? log.info.bind(log) : log.debug.bind(log))(
      { mode: report.mode, server: report.version, changed: done },
      "retention pass done",
    );
    passes += 1;
    return report;
  }

  function runOnce(): Promise<RetentionReport | null> {
    if (running) return Promise.resolve(null);
    running = pass().finally(() => {
      running = null;
    });
    return running;
  }

  return {
    async start() {
      await runOnce();
      if (opts.intervalMs > 0) {
        timer = setInterval(() => void runOnce(), opts.intervalMs);
        timer.unref();
      }
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
    runOnce,
  };
}

const families = new WeakMap<Registry, ReturnType<typeof createFamilies>>();

function createFamilies(registry: Registry) {
  const registers = [registry];
  return {
    runs: new Counter({
      name: "dg_retention_runs_total",
      help: "Retention passes, by outcome: ok, partial (some table failed), failed",
      labelNames: ["service", "outcome"],
      registers,
    }),
    dropped: new Counter({
      name: "dg_retention_partitions_dropped_total",
      help: "Day partitions dropped by retention on servers without TTL, by table",
      labelNames: ["service", "table"],
      registers,
    }),
    lastSuccess: new Gauge({
      name: "dg_retention_last_success_seconds",
      help: "Unix time of the last retention pass in which every table succeeded",
      labelNames: ["service"],
      registers,
    }),
  };
}

/** One set of families per registry: prom-client refuses a metric name registered twice. */
function retentionMetrics(registry: Registry) {
  let f = families.get(registry);
  if (!f) {
    f = createFamilies(registry);
    families.set(registry, f);
  }
  return f;
}
