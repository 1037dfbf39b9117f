import { type ClickHouseClient, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import type { ClickHouseConnection } from "./connections.ts";

export type { ClickHouseClient };

/**
 * A client for `url` bound to `database`. Call `ensureDatabase` first on a new server:
 * binding to a missing database makes every query fail. `quiet` turns off the client's own
 * multi-line error log, for commands that report each failure themselves in one line. User,
 * password and CA come from `resolveConnections` (spread its `clickhouse`).
 */
export function createClickHouse(
  opts: ClickHouseConnection & {
    database?: string;
    quiet?: boolean;
  },
): ClickHouseClient {
  return createClient({
    url: opts.url,
    ...(opts.username !== undefined ? { username: opts.username } : {}),
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    // With `tls` the client sends the user as X-ClickHouse-User/-Key headers, which 18.16 reads.
    ...(opts.caCert ? { tls: { ca_cert: opts.caCert } } : {}),
    ...(opts.database ? { database: opts.database } : {}),
    ...(opts.quiet ? { log: { level: ClickHouseLogLevel.OFF } } : {}),
    request_timeout: 60_000,
    // 18.16 rejects settings it does not know; send none by default.
    clickhouse_settings: {},
  });
}

/** Creates `database` if missing; `server` is a URL or a connection with credentials. */
export async function ensureDatabase(server: string | ClickHouseConnection, database: string): Promise<void> {
  // Identifiers cannot be bound as parameters (and 18.16 has no parameters at all).
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new Error(`'${database}' is not a valid ClickHouse database name`);
  }
  const admin = createClickHouse(typeof server === "string" ? { url: server } : server);
  try {
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  } finally {
    await admin.close();
  }
}
