import { type ClickHouseClient, ClickHouseLogLevel, createClient } from "@clickhouse/client";

export type { ClickHouseClient };

/**
 * A client for `url` bound to `database`. Call `ensureDatabase` first on a new server:
 * binding to a missing database makes every query fail. `quiet` turns off the client's own
 * multi-line error log, for commands that report each failure themselves in one line.
 */
export function createClickHouse(opts: {
  url: string;
  database?: string;
  quiet?: boolean;
}): ClickHouseClient {
  return createClient({
    url: opts.url,
    ...(opts.database ? { database: opts.database } : {}),
    ...(opts.quiet ? { log: { level: ClickHouseLogLevel.OFF } } : {}),
    request_timeout: 60_000,
    // 18.16 rejects settings it does not know; send none by default.
    clickhouse_settings: {},
  });
}

export async function ensureDatabase(url: string, database: string): Promise<void> {
  // Identifiers cannot be bound as parameters (and 18.16 has no parameters at all).
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new Error(`'${database}' is not a valid ClickHouse database name`);
  }
  const admin = createClickHouse({ url });
  try {
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  } finally {
    await admin.close();
  }
}
