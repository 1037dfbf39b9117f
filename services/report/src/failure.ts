/** The URL as shown to people: user and password removed. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "(unparsable CLICKHOUSE_URL)";
  }
}

const NETWORK = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
]);

/**
 * One line saying what failed and what to do. ClickHouse errors arrive as `Code: N,
 * e.displayText() = ...` on 18.16, which the client does not parse into a code, so the code is
 * read from the text; errors without advice keep the server's message, on one line.
 */
export function describeFailure(e: unknown, url: string, database: string): string {
  const where = shownUrl(url);
  const err: Error & { code?: unknown } = e instanceof Error ? e : new Error(String(e));
  const net = typeof err.code === "string" ? err.code : "";
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(net)) {
    return `ClickHouse at ${where} has a certificate this machine does not trust (${net}): set DG_CLICKHOUSE_CA_FILE to the CA that signed it, or check the host name in CLICKHOUSE_URL`;
  }
  if (NETWORK.has(net) || /timeout/i.test(err.message)) {
    return `cannot reach ClickHouse at ${where} (${net || err.message}): start it with 'npm run services -- up' or set CLICKHOUSE_URL`;
  }
  const code = Number(/^Code: (\d+)/.exec(err.message)?.[1] ?? Number.NaN);
  // 192 unknown user, 193 wrong password (18.16); 516 authentication failed (newer servers).
  if (code === 192 || code === 193 || code === 516) {
    return `ClickHouse at ${where} refused the login: check DG_CLICKHOUSE_USER and DG_CLICKHOUSE_PASSWORD (or DG_CLICKHOUSE_PASSWORD_FILE)`;
  }
  if (code === 81) {
    return `ClickHouse at ${where} has no database '${database}': pass --database or set CLICKHOUSE_DATABASE to the one the sink writes (run 'npm run demo' for sample data)`;
  }
  if (code === 60) {
    const table = /Table (\S+?)\.? doesn't exist/.exec(err.message)?.[1] ?? "a table";
    return `ClickHouse at ${where}: ${table} does not exist: the sink creates the tables at start (infra/clickhouse/migrations)`;
  }
  const text = err.message
    .replace(/, e\.what\(\) = .*$/s, "")
    .replace(/\s+/g, " ")
    .trim();
  return `ClickHouse at ${where} failed: ${text.slice(0, 300)}`;
}
